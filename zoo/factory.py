"""``create_model``: a task LightningModule from a zoo name, timm-style.

``create_model("postnet_recognition_tiny", variant="seqtransf", num_frames=8, num_classes=10)``
builds ``RecognitionTask(paradigm="postnet", backbone="tiny", ...)``. Overrides go to the task's
constructor; ones the task does not take but the paradigm does (e.g. LoRA's ``rank``) go into
``paradigm_args``; anything else raises, naming what is accepted. ``None`` overrides are dropped
so that CLI defaults never override model defaults.

``pretrained``: ``False`` builds the architecture with **no** pretrained weights at all (random
backbone too, unless ``backbone_pretrained`` is given); ``True`` or a tag loads a published zoo
checkpoint (``name.tag`` from ``checkpoints/index.json`` or the Hub).
"""

from __future__ import annotations

from typing import Any, Union

from zoo.registry import accepted_arguments, paradigm_class, parse_name, task_class


def split_overrides(task: str, paradigm: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """Route overrides to the task constructor or its ``paradigm_args``."""
    task_cls, paradigm_cls = task_class(task), paradigm_class(paradigm)
    task_args = accepted_arguments(task_cls)
    paradigm_args = accepted_arguments(paradigm_cls) - {"backbone", "variant", "num_frames"}
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = dict(overrides.pop("paradigm_args", None) or {})
    for key, value in overrides.items():
        if value is None:
            continue
        if key in task_args:
            kwargs[key] = value
        elif key in paradigm_args:
            extra[key] = value
        else:
            raise TypeError(f"{key!r} is neither an argument of {task_cls.__name__} "
                            f"({', '.join(sorted(task_args))}) nor of paradigm {paradigm!r} "
                            f"({', '.join(sorted(paradigm_args)) or 'none'})")
    if extra:
        kwargs["paradigm_args"] = extra
    return kwargs


def create_model(name: str, pretrained: Union[bool, str] = False, **overrides: Any):
    """Build the task LightningModule named ``{paradigm}_{task}_{backbone}[.{tag}]``."""
    parsed = parse_name(name)
    if pretrained or parsed.tag:
        from zoo.hub import from_pretrained

        if overrides:
            raise TypeError(f"overrides {sorted(overrides)} cannot be applied to published weights; "
                            "use pretrained=False to build the architecture with overrides")
        tag = pretrained if isinstance(pretrained, str) else parsed.tag
        return from_pretrained(f"{parsed.arch}.{tag}" if tag else parsed.arch)
    overrides.setdefault("backbone_pretrained", False)
    kwargs = split_overrides(parsed.task, parsed.paradigm, overrides)
    return task_class(parsed.task)(paradigm=parsed.paradigm, backbone=parsed.backbone, **kwargs)
