"""``zoo bench --write-recipes``: the tuned learning rates become the world recipes' values.

For every paradigm of a task's ``summary.json``, the rates chosen on the recipe's own data (the
``action`` labelling: what ``--recipe <task>/<paradigm>`` trains on) are written to the pair file
``configs/pairs/<task>/<paradigm>.yaml`` under ``model.init_args.optim``, below a generated comment
naming the summary they come from. The pair's other facts (``head: text``, ``num_frames: 32``,
...) and its hand-written leading comment stay as they are. Where the bench kept the method's
rates (multiplier 1) nothing is written -- the paradigm file already states them -- and a pair file
left with no fact at all is removed.

A chosen point that beats ×1 on validation by no more than two standard errors
(:func:`clearly_better`; e.g. every point at chance, or a point only one of its seeds learns)
counts as ×1: its win is noise, so the pair keeps its method's rates (a previous bench's go).

The grid always starts from the task and paradigm files (:func:`zoo.bench.grid.method_rates`),
never from a pair file's rates, so regenerating is idempotent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import yaml

from zoo.bench.grid import RATES, multiplier_label
from zoo.bench.summary import ahead, binomial_error, headline_error, seeds_error
from zoo.hub.paths import configs_dir

MARK = "# [zoo bench] "


def _split_comment(text: str) -> tuple[list[str], str]:
    """(the hand-written leading comment lines, the rest); generated lines are dropped."""
    lines = text.splitlines()
    head: list[str] = []
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        line = lines.pop(0)
        if not line.startswith(MARK.rstrip()) and line.strip():
            head.append(line)
    return head, "\n".join(lines)


def _drop_rates(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without ``model.init_args.optim``'s rates (a previous bench's), empty blocks pruned."""
    optim = ((data.get("model") or {}).get("init_args") or {}).get("optim")
    if isinstance(optim, dict):
        for name in RATES:
            optim.pop(name, None)
        if not optim:
            del data["model"]["init_args"]["optim"]
        if not data["model"]["init_args"]:
            del data["model"]["init_args"]
        if not data["model"]:
            del data["model"]
    return data


def pair_text(task: str, paradigm: str, existing: Optional[str], multiplier: float,
              rates: dict[str, Optional[float]], grid: list[float], paradigm_file: str) -> Optional[str]:
    """The pair file's new text (None: the file should not exist)."""
    head, body = _split_comment(existing or "")
    data = _drop_rates(yaml.safe_load(body) or {}) if body.strip() else {}
    generated: list[str] = []
    if multiplier != 1:
        model = data.setdefault("model", {})
        init_args = model.setdefault("init_args", {})
        # a multiplied rate is written as the number it is (3e-4), not its float product's tail (0.00030000000000000003)
        init_args.setdefault("optim", {}).update({k: float(f"{v:.6g}") for k, v in rates.items()
                                                  if k in RATES and v is not None})
        grid_text = ", ".join(f"×{multiplier_label(m)}" for m in grid)
        generated = [
            f"{MARK}optim: the learning rates `zoo bench --task {task}` chose on the world's validation",
            f"{MARK}split: the method's rates ({paradigm_file}) × {multiplier_label(multiplier)}, from the grid "
            f"{grid_text};",
            f"{MARK}see benchmarks/results/{task}/summary.json. Regenerate: zoo bench --task {task} --write-recipes",
        ]
    if not data:
        return None
    if not head:
        head = [f"# {task} x {paradigm}: this pair's own facts (the rest: configs/tasks/{task}.yaml and "
                f"{paradigm_file})."]
    return "\n".join(head + generated) + "\n" + yaml.safe_dump(data, sort_keys=False)


def clearly_better(task: str, result: dict[str, Any]) -> bool:
    """Whether a labelling's chosen point beats the method's own rates (×1) on *validation* by
    more than two standard errors of the difference. The ×1 point's error is binomial on the
    ``val_size`` clips (:func:`~zoo.bench.summary.headline_error`: a proportion's -- top-1,
    accuracy, R@1 in percent, R1@0.5 -- in its own unit; for a headline in [0, 1] that is none
    (CIDEr-D, m_vIoU, TETA) the same formula, a conservative stand-in); the chosen point's is the
    same at one seed, and the standard error of the mean over seeds where further seeds ran there
    (``val_at_choice``), so a choice that only one seed learns is not taken. A smaller gain --
    e.g. every point at chance -- is noise, and the recipe keeps its rates."""
    scores = {g["multiplier"]: g.get("val") for g in result.get("grid", [])}
    chosen, base = scores.get(result.get("chosen_multiplier")), scores.get(1.0)
    n = (result.get("effective") or {}).get("val_size")
    if chosen is None or base is None or not n:
        return False

    def one_seed_error(value: float) -> Optional[float]:
        error = headline_error(task, value, n)
        return binomial_error(value, n) if error is None and 0.0 <= value <= 1.0 else error

    seeds = result.get("val_at_choice") or {}
    chosen_error = seeds_error(seeds)
    if chosen_error is not None:
        chosen = seeds["mean"]
    else:
        chosen_error = one_seed_error(chosen)
    base_error = one_seed_error(base)
    if chosen_error is None or base_error is None:
        return chosen > base  # no error to judge by
    return ahead(chosen, chosen_error, base, base_error)


def write_recipes(summary: dict[str, Any], configs: Optional[Path] = None) -> list[Path]:
    """Write the pair files of ``summary``'s task (module docstring); returns the paths changed."""
    root = Path(configs or configs_dir())
    task = summary["task"]
    recipe_labelling = summary["labellings"][0]
    changed = []
    for row in summary["rows"]:
        result = row["labellings"].get(recipe_labelling)
        if not result or not result.get("grid_complete"):
            continue  # a paradigm whose grid did not finish keeps its recipe
        multiplier = result["chosen_multiplier"]
        if multiplier != 1 and not clearly_better(task, result):
            multiplier = 1.0  # a gain within noise: the method's rates (a previous bench's go)
        path = root / "pairs" / task / f"{row['paradigm']}.yaml"
        existing = path.read_text() if path.is_file() else None
        text = pair_text(task, row["paradigm"], existing, multiplier, result["rates"],
                         summary["grid"], f"configs/paradigms/{row['paradigm']}.yaml")
        if text == existing:
            continue
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        changed.append(path)
    return changed
