"""The eight transfer paradigms, one file each; each turns a backbone into a ``VideoTextModel``.

Importing this package imports every paradigm file the registry finds (``zoo.registry.PARADIGMS``
reads them without importing), and each registers its class: adding a paradigm is adding a file.
Each file also declares its typed spec (``LoraSpec = paradigm_spec(LoRAModel)``); :func:`model_spec`
finds a paradigm's spec by id. Shared building blocks live in ``layers/``.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import TYPE_CHECKING, Any, Union

from zoo.registry import PARADIGMS
from zoo.specs import ModelSpec

if TYPE_CHECKING:
    from zoo.backbones.clip import Backbone

for _info in PARADIGMS.infos().values():
    importlib.import_module(_info["module"])


def spec_class(paradigm: str) -> type[ModelSpec]:
    """The ``ModelSpec`` subclass of ``paradigm``."""
    PARADIGMS.check(paradigm)
    for spec in ModelSpec.__subclasses__():
        if spec.paradigm == paradigm:
            return spec
    raise LookupError(f"paradigm {paradigm!r} declares no spec (add `{paradigm.capitalize()}Spec = "
                      f"paradigm_spec(<its model class>)` to its file)")


def model_spec(value: Union[ModelSpec, dict, str], **kwargs: Any) -> ModelSpec:
    """A paradigm's spec from itself, a paradigm id plus fields (``model_spec("lora", rank=4)``),
    a dict ``{"paradigm": id, **fields}`` (what checkpoints store), or a LightningCLI-style
    ``{"class_path": ..., "init_args": {...}}``. Unknown fields raise, naming the accepted ones."""
    if isinstance(value, ModelSpec):
        if kwargs:
            raise TypeError("model_spec(spec) takes no extra fields")
        return value
    if isinstance(value, dict):
        value = dict(value)
        if "class_path" in value:
            paradigm = next((s.paradigm for s in ModelSpec.__subclasses__()
                             if value["class_path"] in (s.__name__, f"{s.__module__}.{s.__name__}")), None)
            if paradigm is None:
                raise ValueError(f"model: {value['class_path']!r} is not a paradigm spec")
            fields = dict(value.get("init_args") or {})
        else:
            if "paradigm" not in value:
                raise ValueError(f"model: a dict spec needs 'paradigm' (one of {', '.join(PARADIGMS)})")
            paradigm = value.pop("paradigm")
            fields = value
        return model_spec(paradigm, **fields, **kwargs)
    if not isinstance(value, str):
        raise TypeError(f"model must be a ModelSpec, a dict or a paradigm id, got {type(value).__name__}")
    cls = spec_class(value)
    accepted = {f.name for f in dataclasses.fields(cls)}
    unknown = set(kwargs) - accepted
    if unknown:
        raise TypeError(f"paradigm {value!r} does not take {sorted(unknown)}; it accepts "
                        f"{sorted(accepted)}")
    return cls(**kwargs)


def create_video_text_model(paradigm: str, backbone: Union[str, "Backbone"] = "tiny", **fields: Any):
    """Paradigm ``paradigm`` over ``backbone`` (an id, or a built :class:`Backbone` to wrap):
    ``create_video_text_model("lora", "vitb16", variant="qkvo", rank=16, backbone_pretrained=False)``.
    ``fields`` are the paradigm spec's (``variant``, ``num_frames``, its own arguments)."""
    if isinstance(backbone, str):
        return model_spec(paradigm, backbone=backbone, **fields).build()
    return model_spec(paradigm, backbone=backbone.spec.id, **fields).build(backbone)


__all__ = ["create_video_text_model", "model_spec", "spec_class"]
