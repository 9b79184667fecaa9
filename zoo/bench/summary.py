"""A task's bench results, summarised: ``summary.json`` and its Markdown tables.

:func:`summarise` turns the ledger's runs (``runs.jsonl``) into one row per paradigm. For each
labelling a row holds the grid (every multiplier's rates and validation headline), the chosen
multiplier and its rates, the seeds run at it, and the test metrics over those seeds -- mean,
sample standard deviation and the values (the headline separately). Cost columns (trainable and
total parameters, GFLOPs per view, training clips/s, peak RSS, activation MB per clip) come from
the paradigm's runs: the parameters and FLOPs are the model's; memory is the maximum over its runs,
and throughput the median over its runs on the task's **throughput CPU** -- the processor most of
the task's runs ran on (each run records its ``cpu``), so paradigms are compared on one machine. A
paradigm with no run there takes its own runs' median and names their CPU (``throughput_cpu``);
the tables mark it. ``cpus`` counts the runs per processor.

``at_chance`` flags a labelling whose headline mean is within two binomial standard deviations of
chance (``1 / num_classes`` on ``test_size`` clips) -- only for tasks with classes.
"""

from __future__ import annotations

import collections
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


def task_class(task: str) -> type:
    """The registered task class of ``task``, whose facts the bench reads (``headline_is_proportion``,
    ``percent``, ``action_labelled``, ``recipe_cue``, ``evaluation_settings``: :class:`zoo.tasks.base.VideoTask`)."""
    import zoo.tasks  # noqa: F401  (registers the tasks)
    from zoo.registry import TASKS

    return TASKS.class_of(task)


def headline_error(task: str, value: float, n: int) -> Optional[float]:
    """The binomial standard error of one seed's headline ``value`` measured on ``n`` clips, in
    the headline's own unit, for a task whose headline is a proportion (``headline_is_proportion``
    on its class: a fraction, or a percent such as retrieval's recalls); None for any other."""
    cls = task_class(task)
    if not cls.headline_is_proportion or not n:
        return None
    unit = 1.0 if cls.percent else 100.0  # ``percent``: stored as a fraction, shown ×100
    return unit * binomial_error(min(max(value / unit, 0.0), 1.0), n)


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
    cpus = collections.Counter(cpu_of(r) for r in runs if r["status"] == "ok")
    throughput_cpu = cpus.most_common(1)[0][0] if cpus else None
    for paradigm in paradigms:
        own = [r for r in runs if r["paradigm"] == paradigm]
        ok = [r for r in own if r["status"] == "ok"]
        if not own:
            continue
        row: dict[str, Any] = {"paradigm": paradigm}
        if ok:
            timed = [r for r in ok if cpu_of(r) == throughput_cpu] or ok
            row.update({k: ok[0][k] for k in COST_KEYS if k in ok[0]})
            row.update(train_clips_per_second=statistics.median(r["train_clips_per_second"] for r in timed),
                       throughput_cpu=cpu_of(timed[0]),
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
            "seeds": list(seeds), "paradigms": list(paradigms), **(extra or {}), "cpus": dict(cpus),
            "throughput_cpu": throughput_cpu, "rows": rows}


def cpu_of(run: dict[str, Any]) -> str:
    """The processor a run ran on (``"unrecorded"`` for a run whose line does not say)."""
    return run.get("cpu") or "unrecorded"
