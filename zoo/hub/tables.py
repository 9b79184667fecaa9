"""The README's zoo tables, generated from ``checkpoints/index.json``.

One table per task (mmaction2's "Results and Models" idea): checkpoint, paradigm, backbone,
evaluation protocol, the task's metrics, trainable / total parameters, stored size and GFLOPs.
Metrics keep their logged names (coco-caption's ``Bleu_4``, ``ROUGE_L``, ``CIDEr`` for captioning)
and are shown as the cards show them, as papers print them (:func:`zoo.hub.cards.display_metrics`:
a task logging fractions ×100); ``checkpoints/index.json`` keeps the logged values.
They live in ``README.md`` between :data:`START` and :data:`END`; ``zoo sync`` rewrites that span
and a test fails when it is stale.
"""

from __future__ import annotations

from zoo.hub.cards import display_metrics, display_scale, protocol_text
from zoo.hub.constants import HUB_ORG, torch_hub_ref
from zoo.registry import TASKS

START = "<!-- zoo-tables:start -->"
END = "<!-- zoo-tables:end -->"


def _millions(count: int) -> str:
    return f"{count / 1e6:.2f} M" if count >= 10_000 else f"{count:,}"


def usage(index: dict) -> str:
    """Loading one-liners, with the Hub organisation and code repository of ``zoo.hub.constants``."""
    name = index["models"][0]["name"] if index["models"] else "<arch>.<tag>"
    arch = name.split(".")[0]
    return f"""```python
import torch, zoo

model = zoo.from_pretrained("{name}")  # shipped folder, or the Hub repo at the pinned revision
model = zoo.from_pretrained("hf-hub:{HUB_ORG}/{name}")  # any Hub repo (@revision pins)
transforms = zoo.create_transforms(model)  # sampler + transform from the checkpoint's own config
model = torch.hub.load("{torch_hub_ref()}", "{arch}", pretrained=True, trust_repo=True)
```"""


def render_tables(index: dict) -> str:
    """The Markdown between the markers (without them)."""
    entries = index["models"]
    if not entries:
        return (usage(index) + "\n\nNo checkpoints are published yet. Export one with `zoo export "
                "--ckpt_path RUN.ckpt --out checkpoints/<arch>.<tag> --test`, then run `zoo sync`.")
    blocks = [usage(index)]
    for task, description in TASKS.items():
        rows = [e for e in entries if e["task"] == task]
        if not rows:
            continue
        metric_names = list(dict.fromkeys(k for e in rows for k in e["evaluation"]["metrics"]))
        header = (["checkpoint", "paradigm", "backbone", "protocol"] + metric_names
                  + ["trainable / total params", "stored", "GFLOPs"])
        scale_note = (" Metrics as papers print them: the logged values × 100 (the index keeps the logged "
                      "values)." if display_scale(task) == 100.0 else " Metrics as logged, which is how papers "
                      "print them.")
        lines = [f"### {task}", "", f"{description[0].upper()}{description[1:]}.{scale_note}", "",
                 "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for e in rows:
            ev, params = e["evaluation"], e["parameters"]
            shown = display_metrics(task, ev["metrics"])
            metrics = [shown.get(m, "–") for m in metric_names]
            size = e["files"]["model.safetensors"]["size"] / 2 ** 20
            cells = ([f"[`{e['name']}`]({e['card']})", f"{e['paradigm']} ({e['variant']})",
                      f"{e['backbone']} ({e['backbone_pretrained'] or 'random'})",
                      f"{ev['dataset'] or '–'}/{ev['split']}, {protocol_text(ev)}"] + metrics
                     + [f"{_millions(params['trainable'])} / {_millions(params['total'])}",
                        f"{size:.1f} MB", f"{e['gflops']:.2f}" if e["gflops"] is not None else "–"])
            lines.append("| " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def replace_tables(readme: str, tables: str) -> str:
    """``readme`` with the span between the markers replaced by ``tables``."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"README.md must contain {START} and then {END} exactly once")
    head, rest = readme.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{tables}\n{END}{tail}"
