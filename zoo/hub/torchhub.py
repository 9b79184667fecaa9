"""torch.hub: the generated ``hubconf.py`` and the function its entries call.

``hubconf.py`` at the repository root is generated from ``checkpoints/index.json`` by
:func:`generate_hubconf` (``zoo sync``); a test fails when the committed file is stale. It has one
curated entry per architecture in the index (pytorchvideo's style, so ``torch.hub.list`` and
``torch.hub.help`` show zoo's names and their measured numbers), each a thin call of
:func:`hub_entry`:

    torch.hub.load("<CODE_REPO>:<CODE_REF>", "postnet_recognition_tiny", pretrained=True, trust_repo=True)

``pretrained=True`` loads the published checkpoint (``tag=`` picks one; default: the first in the
index) — shipped in the repository or downloaded from the Hub into the Hugging Face cache, not
``~/.cache/torch/hub/checkpoints``. ``pretrained=False`` builds the architecture with
``zoo.create_model`` and accepts its overrides (``variant``, ``num_frames``, ``num_classes``, ...).
"""

from __future__ import annotations

from typing import Any, Optional

from zoo.hub.cards import protocol_text
from zoo.hub.constants import torch_hub_ref

# Import names (torch.hub checks them with importlib) of what `import zoo` and loading need;
# decord is left out: inference from tensors must not need a video decoder.
DEPENDENCIES = ("torch", "torchvision", "numpy", "yaml", "open_clip", "timm", "huggingface_hub",
                "safetensors", "peft", "lightning", "torchmetrics")


def hub_entry(arch: str, pretrained: bool = False, tag: Optional[str] = None, **overrides: Any):
    """What every hubconf entry does (module docstring)."""
    if pretrained:
        if overrides:
            raise TypeError(f"{arch}(pretrained=True) loads published weights as they are; "
                            f"overrides {sorted(overrides)} need pretrained=False")
        from zoo.hub.load import from_pretrained

        return from_pretrained(f"{arch}.{tag}" if tag else arch)
    if tag is not None:
        raise ValueError(f"tag={tag!r} selects published weights: pass pretrained=True")
    from zoo.factory import create_model

    return create_model(arch, **overrides)


def _format_metrics(evaluation: dict) -> str:
    metrics = evaluation.get("metrics") or {}
    if not metrics:
        return "not evaluated"
    values = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
    return (f"{values} on {evaluation['dataset']}/{evaluation['split']} "
            f"({protocol_text(evaluation)})")


def _docstring(arch: str, entries: list[dict]) -> str:
    first = entries[0]
    lines = [f"{arch}: task {first['task']}, paradigm {first['paradigm']}, backbone {first['backbone']}.",
             "", "Published weights (pretrained=True; tag= picks one, the first is the default):"]
    for entry in entries:
        params = entry["parameters"]
        lines += [f"- {entry['tag']}: variant {entry['variant']}; {_format_metrics(entry['evaluation'])}; "
                  f"{params['trainable']:,} trainable / {params['total']:,} parameters."]
    lines += ["", "pretrained=False builds the architecture (random weights) and takes",
              "zoo.create_model's overrides: variant, num_frames, num_classes, ..."]
    return "\n".join(f"    {line}".rstrip() for line in lines)


def generate_hubconf(index: dict) -> str:
    """The text of ``hubconf.py`` for ``index``."""
    by_arch: dict[str, list[dict]] = {}
    for entry in index["models"]:
        by_arch.setdefault(entry["arch"], []).append(entry)
    example = next(iter(by_arch), "postnet_recognition_tiny")
    parts = [f'''"""torch.hub entry points of zoo. GENERATED from checkpoints/index.json by `zoo sync`; do not edit.

    model = torch.hub.load("{torch_hub_ref()}", "{example}", pretrained=True, trust_repo=True)

Weights load from the checkpoints shipped in the repository or from the Hugging Face Hub into the
Hugging Face cache ($HF_HUB_CACHE), not ~/.cache/torch/hub/checkpoints.
"""

import os as _os
import sys as _sys

# torch.hub imports this file from its code cache; make that checkout's `zoo` importable.
_REPO_DIR = _os.path.dirname(_os.path.abspath(__file__))
if _REPO_DIR not in _sys.path:
    _sys.path.insert(0, _REPO_DIR)

dependencies = {list(DEPENDENCIES)!r}

from zoo.hub.torchhub import hub_entry as _hub_entry  # noqa: E402
''']
    for arch, entries in by_arch.items():
        parts.append(f'''

def {arch}(pretrained=False, tag=None, **overrides):
    """
{_docstring(arch, entries)}
    """
    return _hub_entry("{arch}", pretrained, tag, **overrides)
''')
    return "".join(parts)
