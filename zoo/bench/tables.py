"""Markdown tables of a task's ``summary.json``, in the units the task's facts state.

- :func:`summary_table`: one row per paradigm -- the headline test metric of every labelling
  (mean ± sample sd over the seeds; † within two binomial sd of chance), the per-group metrics
  of each labelling (e.g. order-dependent actions, questions a single frame answers), zero-shot
  retention, the chosen learning-rate multiplier of each labelling, and the cost columns. This is
  the table the README shows.
- :func:`detail_table`: one labelling, every test metric (means), with the chosen rates.
- :func:`grid_table`: the validation headline of every grid point (the choice in bold).

Values: a task logging fractions (``percent``) is shown in %, with the task's ``decimals``.
"""

from __future__ import annotations

from typing import Any, Optional

from zoo.bench.grid import multiplier_label
from zoo.registry import TASKS


def task_facts(task: str) -> tuple[float, int, dict[str, str]]:
    """(display scale, decimals, metric name -> column label) of a registered task."""
    cls = TASKS.class_of(task)
    return (100.0 if cls.percent else 1.0), cls.decimals, {name: label for label, name in cls.columns}


def fmt(task: str, value: Optional[float]) -> str:
    scale, decimals, _ = task_facts(task)
    return "n/a" if value is None else f"{scale * value:.{decimals}f}"


def fmt_spread(task: str, stats: Optional[dict[str, Any]], at_chance: Optional[bool] = False) -> str:
    if not stats or stats.get("mean") is None:
        return "n/a"
    text = fmt(task, stats["mean"])
    if stats.get("std") is not None:
        text += f" ± {fmt(task, stats['std'])}"
    return text + (" †" if at_chance else "")


def metric_label(task: str, key: str) -> str:
    """``test/top1`` -> ``top-1`` (the task's column label), else the name with spaces."""
    name = key.split("/", 1)[1] if "/" in key else key
    return task_facts(task)[2].get(name, name.replace("_", " "))


def rate_text(rates: Optional[dict[str, Optional[float]]]) -> str:
    if not rates:
        return "n/a"
    parts = [f"{k} {v:.3g}" for k, v in rates.items() if v is not None]
    return ", ".join(parts)


def _group_keys(summary: dict[str, Any], labelling: str) -> list[str]:
    """Test metrics of ``labelling`` named after one of its groups (class or question groups)."""
    keys: list[str] = []
    for row in summary["rows"]:
        result = row["labellings"].get(labelling)
        if not result:
            continue
        for key in result["metrics"]:
            name = key.split("/", 1)[1]
            if key.startswith("test/") and any(g in name for g in result.get("groups") or []) and key not in keys:
                keys.append(key)
    return sorted(keys)


def summary_table(summary: dict[str, Any]) -> str:
    """The task's one comparison table (module docstring)."""
    task, labellings = summary["task"], summary["labellings"]
    headline = metric_label(task, summary["headline"])
    groups = {lab: _group_keys(summary, lab) for lab in labellings}
    header = ["paradigm", "variant"] + [f"{headline} ({lab})" for lab in labellings]
    header += [f"{metric_label(task, k)} ({lab})" for lab in labellings for k in groups[lab]]
    header += ["zero-shot shape"] + [f"lr × ({lab})" for lab in labellings]
    header += ["trainable / total params", "GFLOPs/view", "train clips/s", "peak RSS (MB)", "activations (MB/clip)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in summary["rows"]:
        results = row["labellings"]
        cells = [row["paradigm"], row.get("variant", "n/a")]
        cells += [fmt_spread(task, results[lab]["headline"], results[lab].get("at_chance")) if lab in results
                  else "n/a" for lab in labellings]
        cells += [fmt(task, results[lab]["metrics"].get(k, {}).get("mean")) if lab in results else "n/a"
                  for lab in labellings for k in groups[lab]]
        first = results.get(labellings[0]) or {}
        zero_shot = (first.get("metrics") or {}).get("zero_shot/zero_shot_shape_top1", {}).get("mean")
        cells.append("n/a" if zero_shot is None else f"{100 * zero_shot:.1f}")
        cells += [multiplier_label(results[lab]["chosen_multiplier"]) if lab in results else "n/a"
                  for lab in labellings]
        if "trainable_params" in row:
            # a paradigm with no run on the task's throughput CPU names the CPU of its own figure
            elsewhere = row.get("throughput_cpu") not in (None, summary.get("throughput_cpu"))
            cells += [f"{row['trainable_params']:,} / {row['total_params']:,}", f"{row['gflops_per_view']:.2f}",
                      f"{row['train_clips_per_second']:.1f}" + (" (cached)" if row.get("cached") else "")
                      + (f" (on {row['throughput_cpu']})" if elsewhere else ""),
                      f"{row['peak_rss_mb']:.0f}", f"{row['activation_mb_per_clip']:.2f}"]
        else:
            cells += ["n/a"] * 5
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def detail_table(summary: dict[str, Any], labelling: str) -> str:
    """Every test metric of one labelling (means over the seeds), with the chosen rates."""
    task = summary["task"]
    columns = [f"test/{name}" for _, name in TASKS.class_of(task).columns]
    rows = [r for r in summary["rows"] if labelling in r["labellings"]]
    extra = sorted({k for r in rows for k in r["labellings"][labelling]["metrics"] if k not in columns},
                   key=lambda k: (k.startswith("zero_shot/"), k))
    keys = [k for k in columns if any(k in r["labellings"][labelling]["metrics"] for r in rows)] + extra
    header = ["paradigm", "seeds", "chosen rates", "val " + metric_label(task, summary["headline"])]
    header += [metric_label(task, k) for k in keys]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        result = row["labellings"][labelling]
        metrics = result["metrics"]
        cells = [row["paradigm"], ",".join(str(s) for s in result["seeds"]) or "none",
                 f"×{multiplier_label(result['chosen_multiplier'])}: {rate_text(result['rates'])}",
                 fmt(task, result["val_headline"])]
        for key in keys:
            value = metrics.get(key, {}).get("mean")
            cells.append("n/a" if value is None else (f"{100 * value:.1f}" if key.startswith("zero_shot/")
                                                      else fmt(task, value)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def grid_table(summary: dict[str, Any], labelling: str) -> str:
    """Validation headline at every grid point of one labelling; the chosen one in bold."""
    task, grid = summary["task"], summary["grid"]
    header = ["paradigm"] + [f"×{multiplier_label(m)}" for m in grid]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in summary["rows"]:
        result = row["labellings"].get(labelling)
        if not result:
            continue
        points = {p["multiplier"]: p for p in result["grid"]}
        cells = [row["paradigm"]]
        for m in grid:
            point = points.get(m)
            text = "–" if point is None else ("failed" if point["status"] != "ok" else fmt(task, point["val"]))
            cells.append(f"**{text}**" if point is not None and m == result["chosen_multiplier"] else text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_markdown(summary: dict[str, Any]) -> str:
    """``summary.md``: the comparison table, then per labelling the grid and every metric."""
    parts = [f"# zoo bench: {summary['task']}", "", summary_table(summary)]
    for labelling in summary["labellings"]:
        parts += ["", f"## {labelling}: validation {metric_label(summary['task'], summary['headline'])} "
                      "at every learning-rate multiplier (seed " + str(summary["seeds"][0]) + ")", "",
                  grid_table(summary, labelling), "", f"## {labelling}: test metrics at the chosen rates", "",
                  detail_table(summary, labelling)]
    budget = summary.get("budget")
    if budget:
        parts += ["", "Budget: " + ", ".join(f"{k} {v}" for k, v in budget.items()) + "."]
    return "\n".join(parts) + "\n"
