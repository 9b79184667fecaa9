"""Names, closed vocabularies, and the passive registry of paradigms and tasks.

A model architecture is named ``{paradigm}_{task}_{backbone}``; trained weights add ``.{tag}``
(``adapter_recognition_vitb16.openai_k400_8f``), as in timm. Each part comes from a closed
vocabulary without underscores, so a name parses unambiguously and the part before the dot is a
valid Python identifier (a torch.hub entry point).

The vocabularies are read from the plugin files themselves, without importing them: a paradigm
is a class in ``zoo/paradigms/<id>.py`` decorated with ``@PARADIGMS.register`` whose literal class
attributes (``paradigm = "lora"``, ``family``, ``summary``, ``variants``) say what it is; a task
is the same in ``zoo/tasks/``. So ``zoo list`` answers without importing torch, and adding a
paradigm is adding its file. The registry never imports a plugin: importing ``zoo.paradigms``
(or ``zoo.tasks``) imports them, and each ``register`` call records its class.

This module imports nothing heavy (no torch): keep it so.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, TypeVar

from zoo.backbones.specs import BACKBONES

PACKAGE_DIR = Path(__file__).resolve().parent
T = TypeVar("T", bound=type)


def _literal_class_attributes(path: Path, id_attribute: str) -> list[dict[str, Any]]:
    """The literal class attributes of every class in ``path`` decorated with ``….register``
    and assigning ``id_attribute``."""
    found = []
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(isinstance(d, ast.Attribute) and d.attr == "register" for d in node.decorator_list):
            continue
        attributes: dict[str, Any] = {"class": node.name}
        for statement in node.body:
            targets = (statement.targets if isinstance(statement, ast.Assign)
                       else [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value
                       else [])
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        attributes[target.id] = ast.literal_eval(statement.value)
                    except ValueError:
                        pass  # not a literal: only the class itself knows it
        if id_attribute in attributes:
            found.append(attributes)
    return found


class Registry(Mapping[str, str]):
    """The plugins of one kind: ``id -> summary`` as a read-only mapping, in a stable order.

    ``Registry("paradigm", "paradigms", order=(...))``: plugin ids are the ``paradigm`` class
    attribute of the classes registered in ``zoo/paradigms/*.py``. ``info(id)`` gives the
    literal class attributes read from the file; ``class_of(id)`` the class, once its module has been
    imported (by importing the plugin package)."""

    def __init__(self, kind: str, folder: str, order: tuple[str, ...] = ()):
        self.kind = kind
        self.folder = PACKAGE_DIR / folder
        self.package = f"zoo.{folder}"
        self.order = order
        self._classes: dict[str, type] = {}
        self._infos: Optional[dict[str, dict[str, Any]]] = None

    # ------------------------------------------------------------------ discovery (no imports)
    def infos(self) -> dict[str, dict[str, Any]]:
        if self._infos is None:
            infos: dict[str, dict[str, Any]] = {}
            for path in sorted(self.folder.glob("*.py")):
                for attributes in _literal_class_attributes(path, self.kind):
                    plugin_id = attributes[self.kind]
                    if plugin_id in infos:
                        raise RuntimeError(f"{self.kind} {plugin_id!r} is defined twice "
                                           f"({infos[plugin_id]['module']} and {path.stem})")
                    infos[plugin_id] = {**attributes, "module": f"{self.package}.{path.stem}"}
            ranked = [i for i in self.order if i in infos] + sorted(set(infos) - set(self.order))
            self._infos = {i: infos[i] for i in ranked}
        return self._infos

    def info(self, plugin_id: str) -> dict[str, Any]:
        self.check(plugin_id)
        return self.infos()[plugin_id]

    def check(self, plugin_id: str) -> None:
        if plugin_id not in self.infos():
            raise ValueError(f"unknown {self.kind} {plugin_id!r}; the {self.kind} vocabulary is: "
                             f"{', '.join(self.infos())}")

    def __getitem__(self, plugin_id: str) -> str:
        return self.info(plugin_id).get("summary", "")

    def __iter__(self) -> Iterator[str]:
        return iter(self.infos())

    def __len__(self) -> int:
        return len(self.infos())

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self.infos()

    # ------------------------------------------------------------------ classes (after import)
    def register(self, cls: T) -> T:
        """Class decorator: ``cls`` implements ``getattr(cls, kind)``."""
        plugin_id = getattr(cls, self.kind, None)
        self.check(plugin_id)
        info = self.infos()[plugin_id]
        if info["module"] != cls.__module__ or info["class"] != cls.__name__:
            raise RuntimeError(f"{self.kind} {plugin_id!r} is declared by {info['module']}."
                               f"{info['class']}, not {cls.__module__}.{cls.__name__}")
        self._classes[plugin_id] = cls
        return cls

    def class_of(self, plugin_id: str) -> type:
        """The registered class of ``plugin_id`` (its package must have been imported)."""
        self.check(plugin_id)
        if plugin_id not in self._classes:
            raise LookupError(f"{self.kind} {plugin_id!r} is not loaded: import {self.package} first")
        return self._classes[plugin_id]


PARADIGMS = Registry("paradigm", "paradigms",
                     order=("distill", "postnet", "side", "full", "partial", "adapter", "lora", "prompt"))
TASKS = Registry("task", "tasks", order=("recognition", "retrieval", "captioning", "qa",
                                         "tgrounding", "stgrounding", "tracking"))


def paradigm_variants(paradigm: str) -> tuple[str, ...]:
    """The variants of ``paradigm``, the first being the default (read from its file)."""
    return tuple(PARADIGMS.info(paradigm)["variants"])


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


def check_backbone(backbone: str) -> None:
    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}; the backbone vocabulary is: "
                         f"{', '.join(BACKBONES)}")


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
    PARADIGMS.check(paradigm)
    TASKS.check(task)
    check_backbone(backbone)
    if "." in name and not tag:
        raise ValueError(f"model name {name!r} has an empty tag after the dot")
    return ModelName(paradigm, task, backbone, tag or None)


def accepted_arguments(fn: Callable) -> set[str]:
    """Names of the keyword arguments ``fn`` (a class or function) accepts."""
    return {name for name, p in inspect.signature(fn).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name != "self"}
