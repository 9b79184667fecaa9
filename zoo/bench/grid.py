"""The learning-rate grid of ``zoo bench``: one small grid per paradigm × task, chosen on validation.

A pair's **method rates** are the learning rates its recipe takes from the task and paradigm
files (``configs/tasks/<task>.yaml``, ``configs/paradigms/<paradigm>.yaml``: ``lr``,
``backbone_lr`` and, where set, ``head_lr``, over :class:`~zoo.specs.OptimSpec`'s defaults) --
the method's own values, tuned for real CLIP on real data. A pair file
(``configs/pairs/<task>/<paradigm>.yaml``) may hold other facts of its own, but its rates are
the bench's: what :mod:`zoo.bench.recipes` writes there after a bench, so they are never the
grid's starting point (or tuning twice would compound).

The grid multiplies **all** method rates of a pair by the same factor ``m`` (``--lr-grid``,
default 1, 3, 10): the method's ratios (e.g. a backbone ten times slower than its new modules)
stay, only the scale is tuned -- with one axis the grid stays small enough to give every pair
the same few runs. Every point trains with the same budget and seed; the point with the best
validation headline metric wins (:func:`choose`), and its test metrics are what the bench reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

from zoo.specs import OptimSpec

RATES = ("lr", "backbone_lr", "head_lr")
DEFAULT_GRID = (1.0, 3.0, 10.0)


@dataclass(frozen=True)
class Rates:
    """The learning rates of one grid point (``head_lr`` None: the head trains at ``lr``)."""

    lr: float
    backbone_lr: float
    head_lr: Optional[float] = None

    def scaled(self, factor: float) -> "Rates":
        return Rates(self.lr * factor, self.backbone_lr * factor,
                     None if self.head_lr is None else self.head_lr * factor)

    def to_dict(self) -> dict[str, Optional[float]]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def arguments(self) -> list[str]:
        """LightningCLI overrides setting these rates (an unset ``head_lr`` is left out: a pair
        file states one only where the method has one, see :mod:`zoo.bench.recipes`)."""
        return [part for name, value in self.to_dict().items() if value is not None
                for part in (f"--model.init_args.optim.{name}", _number(value))]


def _number(value: float) -> str:
    """``3e-05`` -> ``"3e-05"``; round-off of a product (``0.00030000000000000003``) removed."""
    return repr(float(f"{value:.6g}"))


def method_rates(task: str, paradigm: str, configs: Optional[Path] = None) -> Rates:
    """The rates the task and paradigm files give a pair (module docstring), over OptimSpec's
    defaults; the pair file's rates (the bench's own output) are left out."""
    from zoo.runner import read_recipe, recipe_files

    method_files = recipe_files(task, paradigm, configs)[:2]  # task and paradigm, not the pair file
    recipe = read_recipe([path for path in method_files if path.is_file()])
    optim = ((recipe.get("model") or {}).get("init_args") or {}).get("optim") or {}
    merged = {name: optim.get(name, getattr(OptimSpec(), name)) for name in RATES}
    head = merged["head_lr"]
    return Rates(float(merged["lr"]), float(merged["backbone_lr"]), None if head is None else float(head))


def parse_grid(text: str) -> tuple[float, ...]:
    """``"1,3,10"`` -> ``(1.0, 3.0, 10.0)``: positive, distinct, in the given order."""
    values = tuple(float(v) for v in text.split(",") if v.strip())
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"--lr-grid takes positive multipliers, e.g. 1,3,10; got {text!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"--lr-grid repeats a multiplier: {text!r}")
    return values


def choose(scores: Mapping[float, Optional[float]]) -> float:
    """The multiplier with the best validation score (higher is better: every task's headline).

    A run that failed or scored NaN counts as worst. Ties (e.g. every point at chance) go to the
    multiplier nearest the method's own rates (1; on a log scale), then to the smaller one: the
    bench moves a recipe away from its method's values only when validation says so."""
    if not scores:
        raise ValueError("no grid point to choose from")

    def key(item: tuple[float, Optional[float]]) -> tuple[float, float, float]:
        multiplier, score = item
        valid = score is not None and math.isfinite(score)
        return (-(score if valid else -math.inf), abs(math.log(multiplier)), multiplier)

    return min(scores.items(), key=key)[0]


def grid_points(rates: Rates, grid: Sequence[float]) -> list[tuple[float, Rates]]:
    """``(multiplier, rates × multiplier)`` for every grid point."""
    return [(m, rates.scaled(m)) for m in grid]


def multiplier_label(multiplier: float) -> str:
    """A file-name-safe label: ``3.0`` -> ``"3"``, ``0.3`` -> ``"0.3"``."""
    return f"{multiplier:g}"


def describe(grid: Iterable[float]) -> str:
    return ", ".join(f"×{multiplier_label(m)}" for m in grid)
