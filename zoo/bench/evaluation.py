"""The evaluation settings of a bench run: the recipe entries only testing reads, recorded per run.

A task names them (:attr:`zoo.tasks.base.VideoTask.evaluation_settings`: the tracker's thresholds,
the caption decoder's beam, QA's evaluation protocol ...). They change no training, so they are not
in the bench's budget and not in the learning-rate grid, yet they change every test metric: a run
tested with the tracker's NMS at 0.7 is not comparable with one tested at 0.3. The bench records
their values with each run (its :class:`~zoo.bench.ledger.RunSpec`, hence the ledger line), and a
run whose values are not the pair's current ones stands for no result (:func:`zoo.bench.run.current`)
and is run again -- as a run whose learning rates changed is.

The values are read from the pair's recipe files (task, paradigm, pair: later files win, as in
``--recipe``); an entry the recipe leaves unset (the class default) is left out, so a task whose
recipe sets none records nothing and its earlier runs keep standing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.runner import read_recipe, recipe_files

_UNSET = object()


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return _UNSET
        data = data[part]
    return data


def evaluation_settings(task: str, paradigm: str, configs: Optional[Path] = None) -> dict[str, Any]:
    """``{dotted path: value}`` of the task's evaluation settings that the pair's recipe sets
    (module docstring); ``{}`` for a task that names none."""
    from zoo.bench.summary import task_class

    names = task_class(task).evaluation_settings
    if not names:
        return {}
    recipe = read_recipe(recipe_files(task, paradigm, configs))
    return {name: value for name in names if (value := _lookup(recipe, name)) is not _UNSET}
