"""The typed model and optimiser specs every task is built from.

``ModelSpec`` says which video-text model a task runs: the paradigm (by its spec class), the
backbone, the variant, the clip length, the backbone's pretrained weights, and the paradigm's own
typed arguments. Each paradigm file declares its spec with one line,
``LoraSpec = paradigm_spec(LoRAModel)`` (always named ``{Paradigm}Spec``): a dataclass whose
fields are the model class's constructor arguments (types and defaults read from its signature,
``variant`` restricted to the paradigm's variants), so LightningCLI shows and validates them::

    model:
      class_path: zoo.tasks.RecognitionTask
      init_args:
        model:
          class_path: zoo.paradigms.lora.LoraSpec
          init_args: {backbone: tiny, variant: qv, rank: 8}
        optim: {lr: 1.0e-3}

``OptimSpec`` holds the optimiser settings every task shares. Both are plain dataclasses; in a
checkpoint's hyperparameters they are stored as dicts (``to_config``), never pickled objects.

This module does not import torch (a spec is data); ``ModelSpec.build`` imports the backbone.
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Optional, Union

#: Constructor arguments of every paradigm model that the spec's base fields carry.
BASE_ARGUMENTS = ("backbone", "variant", "num_frames")


@dataclass
class ModelSpec:
    """Which video-text model a task runs (subclassed once per paradigm by :func:`paradigm_spec`).

    Args:
        backbone: a backbone id of the vocabulary (``tiny``, ``vitb16``, ...).
        variant: the paradigm's variant; ``None`` takes its default (the first).
        num_frames: frames per clip.
        backbone_pretrained: ``True`` (the backbone's default weights), ``False`` (random), an
            open_clip pretrained tag, a local weights file or ``hf-hub:org/name``.
        text_tower: whether the backbone keeps its text tower. ``None`` (the default): only when
            the task or the paradigm encodes text (a closed-set recognition head over a
            paradigm that trains no text path needs none, and saves its memory); ``True``:
            always (e.g. to classify zero-shot with a model trained with a linear head);
            ``False``: never (an error when the task or the paradigm needs it).
    """

    paradigm: ClassVar[str] = ""
    model_class: ClassVar[Optional[type]] = None

    backbone: str = "tiny"
    variant: Optional[str] = None
    num_frames: int = 8
    backbone_pretrained: Union[bool, str] = True
    text_tower: Optional[bool] = None

    def paradigm_args(self) -> dict[str, Any]:
        """The paradigm's own arguments (every field beyond the base ones)."""
        base = {f.name for f in dataclasses.fields(ModelSpec)}
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in base}

    def to_dict(self) -> dict[str, Any]:
        """``{"paradigm": id, **fields}``: JSON-able."""
        return {"paradigm": self.paradigm, **dataclasses.asdict(self)}

    def to_config(self) -> dict[str, Any]:
        """``{"class_path": ..., "init_args": {fields}}``: what a task's hyperparameters store, in
        the form LightningCLI reads back (``--ckpt_path`` re-parses a checkpoint's hyperparameters)."""
        return {"class_path": f"{type(self).__module__}.{type(self).__name__}", "init_args": dataclasses.asdict(self)}

    def build(self, backbone=None, *, task_uses_text: bool = True):
        """The ``VideoTextModel``: over ``backbone`` when given, else over a new backbone built
        from ``backbone`` / ``backbone_pretrained``. Its text tower is dropped after the paradigm
        is built (paradigms may copy from it, as ``postnet``'s ``seqtransf`` does) when
        ``text_tower`` says so (see the class doc); ``task_uses_text`` is whether the task
        encodes text (``VideoTask.uses_text``; True, the default, keeps the tower)."""
        if self.model_class is None:
            raise TypeError("ModelSpec is abstract: use a paradigm's spec (e.g. zoo.paradigms.lora.LoraSpec)")
        if backbone is None:
            from zoo.backbones.clip import create_backbone

            backbone = create_backbone(self.backbone, pretrained=self.backbone_pretrained)
        model = self.model_class(backbone, variant=self.variant, num_frames=self.num_frames,
                                 **self.paradigm_args())
        needed = task_uses_text or model.uses_text
        if self.text_tower is False and needed:
            who = "the task" if task_uses_text else f"paradigm {self.paradigm!r} (variant {model.variant!r})"
            raise ValueError(f"text_tower=False, but {who} encodes text: leave text_tower unset (or True)")
        if not (needed if self.text_tower is None else self.text_tower):
            model.drop_text_tower()
        return model


def paradigm_spec(model_class: type) -> type[ModelSpec]:
    """The ``ModelSpec`` subclass of a paradigm model class: one field per constructor argument
    after ``backbone, variant, num_frames`` (same name, type and default), and ``variant`` typed
    as one of ``model_class.variants``."""
    signature = inspect.signature(model_class.__init__, eval_str=True)
    parameters = list(signature.parameters.values())[1:]  # drop self
    names = [p.name for p in parameters[:len(BASE_ARGUMENTS)]]
    if tuple(names) != BASE_ARGUMENTS:
        raise TypeError(f"{model_class.__name__}.__init__ must start with {BASE_ARGUMENTS}, got {names}")
    fields: list[tuple] = [("variant", Optional[Literal[tuple(model_class.variants)]], field(default=None))]
    for parameter in parameters[len(BASE_ARGUMENTS):]:
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            raise TypeError(f"{model_class.__name__}: argument {parameter.name!r} must be a named argument")
        if parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{model_class.__name__}: argument {parameter.name!r} needs a default")
        annotation = Any if parameter.annotation is inspect.Parameter.empty else parameter.annotation
        fields.append((parameter.name, annotation, field(default=parameter.default)))
    summary = (inspect.getdoc(model_class) or "").split("\n")[0]
    doc = (f"Typed arguments of paradigm {model_class.paradigm!r} ({model_class.__name__}): "
           f"{summary} Fields beyond ModelSpec's are {model_class.__name__}'s own arguments; "
           f"see {model_class.__module__}.")
    return dataclasses.make_dataclass(
        f"{model_class.paradigm.capitalize()}Spec", fields, bases=(ModelSpec,),
        namespace={"paradigm": model_class.paradigm, "model_class": model_class,
                   "__module__": model_class.__module__, "__doc__": doc})


@dataclass
class OptimSpec:
    """AdamW + linear warm-up + cosine, shared by every task.

    Args:
        lr: learning rate of the parameters the paradigm adds (adapters, LoRA, heads, prompts).
        backbone_lr: learning rate of trainable parameters that came with the foundation model.
        head_lr: learning rate of the task's own head; ``None`` gives it ``lr``.
        weight_decay: on matrices (not on biases, norms, embeddings).
        warmup_fraction: fraction of the optimisation steps spent in linear warm-up.
    """

    lr: float = 1e-3
    backbone_lr: float = 1e-5
    head_lr: Optional[float] = None
    weight_decay: float = 0.05
    warmup_fraction: float = 0.1

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def coerce(cls, value: Union["OptimSpec", dict, None]) -> "OptimSpec":
        """An ``OptimSpec`` from itself, a dict of its fields, or ``None`` (the defaults)."""
        return coerce_settings(cls, value, "optim")


def coerce_settings(cls: type, value: Any, label: str) -> Any:
    """A settings dataclass ``cls`` from an instance, a dict of its fields or ``None`` (the
    defaults); an unknown field or another type raises ``TypeError`` naming ``label``."""
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = set(value) - set(names)
        if unknown:
            raise TypeError(f"{label}: unknown settings {sorted(unknown)}; {cls.__name__} takes {names}")
        return cls(**value)
    raise TypeError(f"{label} must be {cls.__name__} or a dict, got {type(value).__name__}")
