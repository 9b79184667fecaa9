"""``create_model`` and ``list_models``: tasks by zoo name, timm-style.

``create_model("postnet_recognition_tiny", variant="seqtransf", num_frames=8, num_classes=10)``
builds ``RecognitionTask(model=PostnetSpec(backbone="tiny", variant="seqtransf", num_frames=8),
num_classes=10)``. Each override goes where it belongs — the task's own arguments, the paradigm's
spec (``variant``, ``num_frames``, ``backbone_pretrained``, LoRA's ``rank``, ...) or the
``OptimSpec`` (``lr``, ``backbone_lr``, ...); anything else raises, naming what is accepted.
``None`` overrides are dropped so that CLI defaults never override model defaults.

``pretrained``: ``False`` builds the architecture with **no** pretrained weights at all (random
backbone too, unless ``backbone_pretrained`` is given); ``True`` or a tag loads a published zoo
checkpoint (``name.tag`` from ``checkpoints/index.json`` or the Hub).

``list_models`` reads the registry and the index only (no torch).
"""

from __future__ import annotations

import dataclasses
import fnmatch
from typing import Any, Optional, Union

from zoo.backbones.specs import BACKBONES
from zoo.registry import PARADIGMS, TASKS, accepted_arguments, check_backbone, parse_name
from zoo.specs import OptimSpec


def split_overrides(task: str, paradigm: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """Route ``overrides`` to the task constructor: ``{"model": spec fields, "optim": ...,
    **task arguments}``."""
    import zoo.tasks  # noqa: F401  (registers the task classes)
    from zoo.paradigms import spec_class

    task_cls = TASKS.class_of(task)
    task_args = accepted_arguments(task_cls) - {"model", "optim"}
    spec_fields = {f.name for f in dataclasses.fields(spec_class(paradigm))} - {"backbone"}
    optim_fields = {f.name for f in dataclasses.fields(OptimSpec)}
    routed: dict[str, Any] = {"model": {}, "optim": {}}
    for key, value in overrides.items():
        if value is None:
            continue
        if key in task_args:
            routed[key] = value
        elif key in spec_fields:
            routed["model"][key] = value
        elif key in optim_fields:
            routed["optim"][key] = value
        else:
            raise TypeError(f"{key!r} is neither an argument of {task_cls.__name__} "
                            f"({', '.join(sorted(task_args))}), of paradigm {paradigm!r} "
                            f"({', '.join(sorted(spec_fields))}) nor an optimiser setting "
                            f"({', '.join(sorted(optim_fields))})")
    return routed


def create_model(name: str, pretrained: Union[bool, str] = False, **overrides: Any):
    """Build the task LightningModule named ``{paradigm}_{task}_{backbone}[.{tag}]``."""
    parsed = parse_name(name)
    if pretrained or parsed.tag:
        from zoo.hub.load import from_pretrained

        if overrides:
            raise TypeError(f"overrides {sorted(overrides)} cannot be applied to published weights; "
                            "use pretrained=False to build the architecture with overrides")
        tag = pretrained if isinstance(pretrained, str) else parsed.tag
        return from_pretrained(f"{parsed.arch}.{tag}" if tag else parsed.arch)
    import zoo.tasks  # noqa: F401  (registers the task classes)
    from zoo.paradigms import model_spec

    overrides.setdefault("backbone_pretrained", False)
    routed = split_overrides(parsed.task, parsed.paradigm, overrides)
    spec = model_spec(parsed.paradigm, backbone=parsed.backbone, **routed.pop("model"))
    return TASKS.class_of(parsed.task)(model=spec, optim=OptimSpec(**routed.pop("optim")), **routed)


def list_models(filter: str = "", task: Optional[str] = None, paradigm: Optional[str] = None,
                backbone: Optional[str] = None, pretrained: bool = False) -> list[str]:
    """Names of the architectures zoo implements (``pretrained=True``: the published
    ``arch.tag`` checkpoints of ``checkpoints/index.json``), filtered by fields and an fnmatch
    pattern (``"lora_*"``)."""
    if task is not None:
        TASKS.check(task)
    if paradigm is not None:
        PARADIGMS.check(paradigm)
    if backbone is not None:
        check_backbone(backbone)
    if pretrained:
        from zoo.hub.index import load_index

        names = [entry["name"] for entry in load_index()["models"]]
    else:
        names = [f"{p}_{t}_{b}" for p in PARADIGMS for t in TASKS for b in BACKBONES]
    selected = []
    for name in names:
        parsed = parse_name(name)
        if ((task and parsed.task != task) or (paradigm and parsed.paradigm != paradigm)
                or (backbone and parsed.backbone != backbone)):
            continue
        if filter and not fnmatch.fnmatch(name, filter):
            continue
        selected.append(name)
    return selected
