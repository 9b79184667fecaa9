"""The bench's ledger: one line per finished run, so an interrupted bench resumes where it stopped.

``<out>/<task>/runs.jsonl`` holds one JSON object per finished run (train, validate, test,
measure), appended when the run ends. A run is identified by its :class:`RunSpec` -- labelling,
paradigm, learning rates, seed, evaluation settings (:mod:`zoo.bench.evaluation`; none for most
tasks) -- and the bench's budget: ``zoo bench`` skips every run whose
spec and budget already have a line, so rerunning an interrupted (or extended: more paradigms,
seeds or labellings) bench redoes nothing that finished. A run that failed is recorded too
(``status: "failed"`` with the error) and counts as the worst grid point; ``--retry-failed``
runs it again. Lines are never rewritten: a newer line for the same run wins. The file is read
again before each run, so benches of one task run side by side (e.g. ``--labellings action`` and
``--labellings appearance``) skip what the other finished.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from zoo.bench.grid import Rates, multiplier_label

LEDGER_NAME = "runs.jsonl"


@dataclass(frozen=True)
class RunSpec:
    """One training run of the bench."""

    task: str
    labelling: str
    paradigm: str
    multiplier: float
    rates: Rates
    seed: int
    #: the settings only testing reads, ``{dotted recipe path: value}`` (:mod:`zoo.bench.evaluation`)
    evaluation: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def key(self) -> str:
        """``"action/lora/m3/s0"``: also the run's folder under ``<out>/<task>/lightning/``."""
        return f"{self.labelling}/{self.paradigm}/m{multiplier_label(self.multiplier)}/s{self.seed}"

    def identity(self, budget: dict) -> dict[str, Any]:
        """What must match for a recorded run to stand for this one."""
        identity = {"labelling": self.labelling, "paradigm": self.paradigm, "rates": self.rates.to_dict(),
                    "seed": self.seed, "budget": budget}
        if self.evaluation:  # a task without evaluation settings keeps its runs' identity
            identity["evaluation"] = self.evaluation
        return identity


class Ledger:
    """The finished runs of one task's bench (module docstring)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.refresh()

    def refresh(self) -> None:
        """Read the file again: lines another ``zoo bench`` of the same task appended since
        (e.g. one per labelling, run side by side) count as finished here too."""
        self.lines: list[dict[str, Any]] = []
        texts = self.path.read_text().splitlines() if self.path.is_file() else []
        for number, text in enumerate(texts, 1):
            if not text.strip():
                continue
            try:
                self.lines.append(json.loads(text))
            except json.JSONDecodeError as error:
                if number == len(texts):
                    continue  # a line cut short by an interruption: that run is redone
                raise ValueError(f"{self.path}:{number}: not JSON ({error.msg})") from None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.lines)

    def find(self, spec: RunSpec, budget: dict) -> Optional[dict[str, Any]]:
        """The latest recorded result of ``spec`` under ``budget``, or None."""
        identity = spec.identity(budget)
        for line in reversed(self.lines):
            if all(line.get(k) == v for k, v in identity.items()) and \
                    (line.get("evaluation") or {}) == spec.evaluation:
                return line
        return None

    def append(self, result: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as handle:
            handle.write(json.dumps(result, sort_keys=True) + "\n")
        self.lines.append(result)

    def results(self, budget: dict) -> list[dict[str, Any]]:
        """Every run recorded under ``budget``, the latest line of each run only."""
        latest: dict[str, dict[str, Any]] = {}
        for line in self.lines:
            if line.get("budget") == budget:
                identity = json.dumps([line["labelling"], line["paradigm"], line["rates"], line["seed"],
                                       line.get("evaluation") or {}], sort_keys=True)
                latest[identity] = line
        return list(latest.values())


def record(spec: RunSpec, budget: dict, measured: Optional[dict[str, Any]] = None,
           error: Optional[str] = None) -> dict[str, Any]:
    """The ledger line of a finished (``measured``) or failed (``error``) run."""
    line = {**spec.identity(budget), "task": spec.task, "key": spec.key, "multiplier": spec.multiplier,
            "status": "failed" if error is not None else "ok"}
    if error is not None:
        line["error"] = error
    line.update(measured or {})
    return line
