"""A task's bench results, summarised: ``summary.json`` and its Markdown tables.

:func:`summarise` turns the ledger's runs (``runs.jsonl``) into one row per paradigm. For each
labelling a row holds the grid (every multiplier's rates and validation headline), the chosen
multiplier and its rates, the seeds run at it, and the test metrics over those seeds -- mean,
sample standard deviation and the values (the headline separately). Cost columns (trainable and
total parameters, GFLOPs per view, training clips/s, peak RSS, activation MB per clip) come from
the paradigm's runs: the parameters and FLOPs are the model's; throughput is the median over its
runs and memory their maximum, all measured on the same machine in the same bench.

``at_chance`` flags a labelling whose headline mean is within two binomial standard deviations of
chance (``1 / num_classes`` on ``test_size`` clips) -- only for tasks with classes.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Optional, Sequence

from zoo.bench.grid import choose

COST_KEYS = ("variant", "family", "trainable_params", "total_params", "gflops_per_view")


def spread(values: Sequence[float]) -> dict[str, Any]:
    """``{"mean", "std" (sample; None for one value), "n", "values"}``."""
    values = [float(v) for v in values]
    return {"mean": statistics.fmean(values) if values else None,
            "std": statistics.stdev(values) if len(values) > 1 else None,
            "n": len(values), "values": values}


def binomial_error(p: float, n: int) -> float:
    """The binomial standard error of a proportion ``p`` measured on ``n`` items."""
    return math.sqrt(p * (1 - p) / n)


def seeds_error(stats: dict[str, Any]) -> Optional[float]:
    """The standard error of a :func:`spread`'s mean over seeds (sample sd / sqrt(n)); None with
    fewer than two values."""
    if stats.get("std") is None or stats.get("n", 0) < 2:
        return None
    return stats["std"] / math.sqrt(stats["n"])


def ahead(a: float, error_a: float, b: float, error_b: float) -> bool:
    """The bench's rule for "``a`` beats ``b``": the difference is larger than two standard errors
    of the difference. The README's reading (:mod:`zoo.bench.readme`) and the recipe writer
    (:mod:`zoo.bench.recipes`) both judge by it."""
    return a - b > 2 * math.sqrt(error_a ** 2 + error_b ** 2)


def chance_level(num_classes: Optional[int], test_size: Optional[int]) -> Optional[dict[str, float]]:
    """Chance top-1 and the bound under which a mean counts as chance (two binomial sd)."""
    if not num_classes or not test_size:
        return None
    p = 1.0 / num_classes
    return {"chance": p, "bound": p + 2 * binomial_error(p, test_size)}


def headline_of(run: dict[str, Any], headline: str, split: str) -> Optional[float]:
    if run.get("status") != "ok":
        return None
    value = run.get(split if split == "val" else "metrics", {}).get(f"{split}/{headline}")
    return None if value is None or not math.isfinite(value) else float(value)


def labelling_result(runs: list[dict[str, Any]], headline: str, grid: Sequence[float],
                     seeds: Sequence[int]) -> Optional[dict[str, Any]]:
    """One paradigm × labelling: the grid at the first seed, the choice, the seeds at the choice."""
    first = [r for r in runs if r["seed"] == seeds[0]]
    by_multiplier = {r["multiplier"]: r for r in first}
    points = [{"multiplier": m, "rates": by_multiplier[m]["rates"], "status": by_multiplier[m]["status"],
               "val": headline_of(by_multiplier[m], headline, "val")}
              for m in grid if m in by_multiplier]
    if not points:
        return None
    complete = len(points) == len(grid)
    chosen = choose({p["multiplier"]: p["val"] for p in points})
    at_choice = sorted((r for r in runs if r["multiplier"] == chosen and r["status"] == "ok"
                        and r["seed"] in seeds), key=lambda r: seeds.index(r["seed"]))
    keys = sorted({k for r in at_choice for k in r["metrics"]})
    metrics = {k: spread([r["metrics"][k] for r in at_choice if k in r["metrics"]]) for k in keys}
    best = next(p for p in points if p["multiplier"] == chosen)
    return {
        "grid": points, "grid_complete": complete, "chosen_multiplier": chosen, "rates": best["rates"],
        "val_headline": best["val"], "seeds": [r["seed"] for r in at_choice],
        # validation at the choice over every seed run there: whether the choice holds beyond seed 0
        "val_at_choice": spread([v for r in at_choice if (v := headline_of(r, headline, "val")) is not None]),
        "headline": metrics.get(f"test/{headline}", spread([])), "metrics": metrics,
        "groups": at_choice[0].get("groups", []) if at_choice else [],
        "checkpoint": next((r.get("checkpoint") for r in at_choice if r["seed"] == seeds[0]), None),
        "num_classes": at_choice[0].get("num_classes") if at_choice else None,
        "effective": at_choice[0].get("effective") if at_choice else None,
    }


def summarise(task: str, runs: list[dict[str, Any]], *, headline: str, paradigms: Sequence[str],
              labellings: Sequence[str], grid: Sequence[float], seeds: Sequence[int],
              extra: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """``summary.json`` of a task's bench (module docstring); ``extra`` adds top-level fields
    (budget, machine, wall time ...)."""
    rows = []
    for paradigm in paradigms:
        own = [r for r in runs if r["paradigm"] == paradigm]
        ok = [r for r in own if r["status"] == "ok"]
        if not own:
            continue
        row: dict[str, Any] = {"paradigm": paradigm}
        if ok:
            row.update({k: ok[0][k] for k in COST_KEYS if k in ok[0]})
            row.update(train_clips_per_second=statistics.median(r["train_clips_per_second"] for r in ok),
                       peak_rss_mb=max(r["peak_rss_mb"] for r in ok),
                       activation_mb_per_clip=ok[0]["activation_mb_per_clip"],
                       cached=any(r.get("cached") for r in ok),
                       order_sensitive=any(r.get("order_sensitive") for r in ok))
        row["labellings"] = {}
        for labelling in labellings:
            result = labelling_result([r for r in own if r["labelling"] == labelling], headline, grid, seeds)
            if result is None:
                continue
            effective = result["effective"] or {}
            chance = chance_level(result["num_classes"], effective.get("test_size"))
            mean = result["headline"]["mean"]
            result["chance"] = chance
            result["at_chance"] = None if chance is None or mean is None else mean <= chance["bound"]
            row["labellings"][labelling] = result
        rows.append(row)
    return {"task": task, "headline": headline, "labellings": list(labellings), "grid": list(grid),
            "seeds": list(seeds), "paradigms": list(paradigms), **(extra or {}), "rows": rows}
