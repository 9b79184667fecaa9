"""Figures of the bench, drawn from the ``summary.json`` files alone (matplotlib, Agg).

- :func:`task_figure`: one figure per task, two panels sharing the y axis -- the headline test
  metric (mean over seeds, the sample sd as an error bar) against trainable parameters (log
  scale), and against training throughput (clips/s, log scale); one marker per labelling.
- :func:`heatmap`: paradigms × (task, labelling), the headline normalised per column by the best
  paradigm of that column (1 = the best), each cell annotated with its value in the task's units.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

from zoo.bench.tables import fmt, metric_label, task_facts

MARKERS = {"action": "o", "appearance": "s"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def points(summary: dict[str, Any], labelling: str, x_key: str) -> list[tuple[str, float, float, Optional[float]]]:
    """``(paradigm, x, mean, sd)`` of every row with a result for ``labelling`` (display units)."""
    scale = task_facts(summary["task"])[0]
    out = []
    for row in summary["rows"]:
        result = row["labellings"].get(labelling)
        if not result or result["headline"].get("mean") is None or x_key not in row:
            continue
        std = result["headline"].get("std")
        out.append((row["paradigm"], max(float(row[x_key]), 1.0), scale * result["headline"]["mean"],
                    None if std is None else scale * std))
    return out


def task_figure(summary: dict[str, Any], path: Path) -> Path:
    """The task's figure (module docstring), written to ``path``."""
    plt = _pyplot()
    task = summary["task"]
    label = metric_label(task, summary["headline"]) + (" (%)" if task_facts(task)[0] == 100.0 else "")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), dpi=110, sharey=True)
    panels = (("trainable_params", "trainable parameters (log scale)"),
              ("train_clips_per_second", "training throughput, clips/s (log scale)"))
    colours = {}
    for ax, (x_key, x_label) in zip(axes, panels):
        for labelling in summary["labellings"]:
            for paradigm, x, y, sd in points(summary, labelling, x_key):
                colour = colours.setdefault(paradigm, f"C{len(colours) % 10}")
                ax.errorbar([x], [y], yerr=None if sd is None else [sd], fmt=MARKERS.get(labelling, "^"),
                            color=colour, ms=6, capsize=3,
                            label=f"{paradigm} ({labelling})")
                ax.annotate(paradigm, (x, y), textcoords="offset points", xytext=(5, 3), fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel(x_label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(label)
    shapes = ", ".join(f"{MARKERS.get(lab, '^')} {lab}" for lab in summary["labellings"])
    fig.suptitle(f"zoo bench: paradigms × {task} on the synthetic world (tiny backbone); markers: {shapes}",
                 fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def heatmap_matrix(summaries: Sequence[dict[str, Any]], paradigms: Sequence[str]):
    """(column labels, values [paradigm][column] or None, normalised values) for :func:`heatmap`."""
    columns, values = [], []
    for summary in summaries:
        rows = {row["paradigm"]: row for row in summary["rows"]}
        for labelling in summary["labellings"]:
            column = []
            for paradigm in paradigms:
                result = rows.get(paradigm, {}).get("labellings", {}).get(labelling)
                column.append(None if not result else result["headline"].get("mean"))
            if any(v is not None for v in column):
                suffix = f" ({labelling})" if len(summary["labellings"]) > 1 else ""
                columns.append((summary["task"], f"{summary['task']}{suffix}"))
                values.append(column)
    normalised = []
    for column in values:
        best = max((v for v in column if v is not None), default=None)
        normalised.append([None if v is None or not best else v / best for v in column])
    # transpose to [paradigm][column]
    return ([c for c in columns], [[col[i] for col in values] for i in range(len(paradigms))],
            [[col[i] for col in normalised] for i in range(len(paradigms))])


def heatmap(summaries: Sequence[dict[str, Any]], paradigms: Sequence[str], path: Path) -> Path:
    """The overall figure (module docstring), written to ``path``."""
    import numpy as np

    plt = _pyplot()
    columns, raw, normalised = heatmap_matrix(summaries, paradigms)
    grid = np.array([[np.nan if v is None else v for v in row] for row in normalised], dtype=float)
    fig, ax = plt.subplots(figsize=(1.3 * max(len(columns), 3) + 2.5, 0.45 * len(paradigms) + 1.8), dpi=110)
    image = ax.imshow(grid, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(columns)), [label for _, label in columns], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(paradigms)), list(paradigms), fontsize=8)
    for i in range(len(paradigms)):
        for j, (task, _) in enumerate(columns):
            if raw[i][j] is not None:
                ax.text(j, i, fmt(task, raw[i][j]), ha="center", va="center", fontsize=7,
                        color="white" if grid[i, j] < 0.6 else "black")
    fig.colorbar(image, ax=ax, label="headline / best paradigm of the column")
    ax.set_title("zoo bench: each task's headline metric, relative to its best paradigm", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
