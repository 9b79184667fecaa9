"""Names, closed vocabularies, and the registries of paradigms and tasks.

A model architecture is named ``{paradigm}_{task}_{backbone}``; trained weights add ``.{tag}``
(``adapter_recognition_vitb16.openai_k400_8f``), as in timm. Each part comes from a closed
vocabulary without underscores, so a name parses unambiguously and the part before the dot is a
valid Python identifier (a torch.hub entry point).
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
from dataclasses import dataclass
from typing import Callable, Optional, TypeVar

from zoo.backbones.specs import BACKBONES

PARADIGMS: dict[str, str] = {
    "distill": "a video student matched to the frozen image-language teacher, plus the task loss",
    "postnet": "a temporal / fusion head on frozen per-frame features",
    "side": "a side network reading frozen intermediate features, no gradient through the backbone",
    "full": "everything trains",
    "partial": "a chosen subset of the backbone trains (last-k blocks, biases, LayerNorms, one tower)",
    "adapter": "bottleneck modules inserted into the frozen blocks",
    "lora": "low-rank updates of frozen linear weights (peft), mergeable",
    "prompt": "learnable visual and/or text prompt tokens",
}
PARADIGM_FAMILY = {
    "distill": "frozen features", "postnet": "frozen features", "side": "frozen features",
    "full": "adapted features", "partial": "adapted features", "adapter": "adapted features",
    "lora": "adapted features", "prompt": "adapted features",
}
TASKS: dict[str, str] = {
    "recognition": "action recognition: closed-set head or text classifier (zero-shot)",
    "retrieval": "text-video retrieval: joint video / text embeddings",
    "captioning": "video captioning: a generated sentence",
    "qa": "video question answering: open-ended or multiple choice",
    "tgrounding": "temporal grounding: the [start, end] a sentence describes",
    "stgrounding": "spatio-temporal grounding: a segment and a box per frame",
    "tracking": "open-vocabulary tracking: boxes, track ids and categories",
}

_PARADIGM_CLASSES: dict[str, type] = {}
_TASK_CLASSES: dict[str, type] = {}
T = TypeVar("T", bound=type)


def register_paradigm(cls: T) -> T:
    """Class decorator: make a ``VideoTextModel`` subclass the implementation of ``cls.paradigm``."""
    if cls.paradigm not in PARADIGMS:
        raise ValueError(f"{cls.__name__}.paradigm={cls.paradigm!r} is not in the paradigm vocabulary")
    _PARADIGM_CLASSES[cls.paradigm] = cls
    return cls


def register_task(cls: T) -> T:
    """Class decorator: make a task LightningModule the implementation of ``cls.task``."""
    if cls.task not in TASKS:
        raise ValueError(f"{cls.__name__}.task={cls.task!r} is not in the task vocabulary")
    _TASK_CLASSES[cls.task] = cls
    return cls


def _load_implementations() -> None:
    importlib.import_module("zoo.paradigms")
    importlib.import_module("zoo.tasks")


def paradigm_class(paradigm: str) -> type:
    _check_part("paradigm", paradigm, PARADIGMS)
    _load_implementations()
    if paradigm not in _PARADIGM_CLASSES:
        raise NotImplementedError(f"paradigm {paradigm!r} is in the vocabulary but not implemented yet")
    return _PARADIGM_CLASSES[paradigm]


def task_class(task: str) -> type:
    _check_part("task", task, TASKS)
    _load_implementations()
    if task not in _TASK_CLASSES:
        raise NotImplementedError(f"task {task!r} is in the vocabulary but not implemented yet")
    return _TASK_CLASSES[task]


def available_paradigms() -> list[str]:
    _load_implementations()
    return [p for p in PARADIGMS if p in _PARADIGM_CLASSES]


def available_tasks() -> list[str]:
    _load_implementations()
    return [t for t in TASKS if t in _TASK_CLASSES]


def _check_part(kind: str, value: str, vocabulary) -> None:
    if value not in vocabulary:
        raise ValueError(f"unknown {kind} {value!r}; the {kind} vocabulary is: {', '.join(vocabulary)}")


@dataclass(frozen=True)
class ModelName:
    """A parsed ``{paradigm}_{task}_{backbone}[.{tag}]``."""

    paradigm: str
    task: str
    backbone: str
    tag: Optional[str] = None

    @property
    def arch(self) -> str:
        return f"{self.paradigm}_{self.task}_{self.backbone}"

    def __str__(self) -> str:
        return self.arch if self.tag is None else f"{self.arch}.{self.tag}"


def parse_name(name: str) -> ModelName:
    """Parse a model name, with an error that names the offending part."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a model name must be a non-empty string, got {name!r}")
    arch, _, tag = name.partition(".")
    parts = arch.split("_")
    if len(parts) != 3:
        raise ValueError(f"model name {name!r} must look like '{{paradigm}}_{{task}}_{{backbone}}"
                         f"[.{{tag}}]', e.g. 'postnet_recognition_tiny'")
    paradigm, task, backbone = parts
    _check_part("paradigm", paradigm, PARADIGMS)
    _check_part("task", task, TASKS)
    _check_part("backbone", backbone, BACKBONES)
    if "." in name and not tag:
        raise ValueError(f"model name {name!r} has an empty tag after the dot")
    return ModelName(paradigm, task, backbone, tag or None)


def list_models(filter: str = "", task: Optional[str] = None, paradigm: Optional[str] = None,
                backbone: Optional[str] = None, pretrained: bool = False) -> list[str]:
    """Names of the architectures zoo implements (``pretrained=True``: the published
    ``arch.tag`` checkpoints of ``checkpoints/index.json``), filtered by fields and an fnmatch
    pattern (``"lora_*"``)."""
    for kind, value, vocabulary in (("task", task, TASKS), ("paradigm", paradigm, PARADIGMS),
                                    ("backbone", backbone, BACKBONES)):
        if value is not None:
            _check_part(kind, value, vocabulary)
    if pretrained:
        from zoo.index import load_index

        names = [entry["name"] for entry in load_index()["models"]]
    else:
        names = [f"{p}_{t}_{b}" for p in available_paradigms() for t in available_tasks()
                 for b in BACKBONES]
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


def accepted_arguments(fn: Callable) -> set[str]:
    """Names of the keyword arguments ``fn`` (a class or function) accepts."""
    return {name for name, p in inspect.signature(fn).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name != "self"}
