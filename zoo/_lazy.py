"""Lazy package attributes: ``import zoo`` costs only what is used.

A package lists ``name -> module`` and gets a module-level ``__getattr__`` that imports the module
on first access (PEP 562). Import errors are not hidden: a missing dependency raises its own
``ModuleNotFoundError`` at first use, naming the module that needed it.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_attributes(package: str, table: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` serving ``table`` (attribute -> module)."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(table)

    return __getattr__, __dir__
