"""``zoo bench --readme``: the README's comparison section, generated from the ``summary.json`` files.

As with the zoo tables (:mod:`zoo.hub.tables`, rewritten by ``zoo sync``), the section lives in
``README.md`` between :data:`START` and :data:`END` and nothing inside is written by hand: one block
per task benched so far (``<out>/<task>/summary.json``, in the registry's task order) -- what the
bench ran (paradigms, labellings, learning-rate grid, seeds, budget, machine, training time), the
task's comparison table (:func:`zoo.bench.tables.summary_table`), its figure, and a **reading**:
which of the survey's claims the numbers support, each with the numbers it rests on
(:func:`reading`). ``--readme`` trains nothing; :func:`check` reports a stale section.

The reading's rule for "A beats B": the difference of the headline means is larger than twice the
standard error of that difference -- from the sample sd over seeds where there are several, else
the binomial sd of a proportion (a task whose ``headline_is_proportion``) on the test clips (never
more than the items scored, so the error errs large); where neither exists (CIDEr-D, m_vIoU, TETA
on one seed) the numbers are shown with no verdict. Which claims apply to a task, and how its data
are named, come from the task class (``recipe_cue``, ``action_labelled``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Sequence

from zoo.bench.grid import describe
from zoo.bench.summary import ahead, headline_error, seeds_error, task_class
from zoo.bench.tables import fmt_spread, metric_label, summary_table, task_facts

START = "<!-- zoo-bench:start -->"
END = "<!-- zoo-bench:end -->"
SUMMARY_NAME = "summary.json"


def load_summaries(out: Path) -> list[dict[str, Any]]:
    """Every ``<out>/<task>/summary.json`` with at least one row, in the registry's task order
    (tasks the registry does not know come last, by name)."""
    import zoo.tasks  # noqa: F401  (registers the tasks)
    from zoo.registry import TASKS

    out = Path(out)
    order = list(TASKS)
    found = sorted((p for p in out.glob(f"*/{SUMMARY_NAME}")),
                   key=lambda p: (order.index(p.parent.name) if p.parent.name in order else len(order),
                                  p.parent.name))
    summaries = [json.loads(p.read_text()) for p in found]
    return [s for s in summaries if s.get("rows")]


def _standard_error(task: str, result: dict[str, Any]) -> Optional[float]:
    """The standard error of a labelling's headline mean (module docstring), or None."""
    stats = result["headline"]
    if stats.get("mean") is None:
        return None
    over_seeds = seeds_error(stats)
    if over_seeds is not None:
        return over_seeds
    return headline_error(task, stats["mean"], (result.get("effective") or {}).get("test_size"))


def compare(task: str, a: dict[str, Any], b: dict[str, Any]) -> Optional[bool]:
    """Whether labelling result ``a`` beats ``b`` (module docstring); None: no error to judge by."""
    se_a, se_b = _standard_error(task, a), _standard_error(task, b)
    if se_a is None or se_b is None:
        return None
    return ahead(a["headline"]["mean"], se_a, b["headline"]["mean"], se_b)


def _best(rows: Sequence[dict[str, Any]], labelling: str) -> Optional[tuple[str, dict[str, Any]]]:
    scored = [(row["paradigm"], row["labellings"][labelling]) for row in rows
              if labelling in row["labellings"] and row["labellings"][labelling]["headline"].get("mean") is not None]
    return max(scored, key=lambda item: item[1]["headline"]["mean"], default=None)


def _named(task: str, item: tuple[str, dict[str, Any]]) -> str:
    return f"`{item[0]}` {fmt_spread(task, item[1]['headline'])}"


def _verdict(supported: Optional[bool]) -> str:
    return {True: "**supported**", False: "**not supported**", None: "no verdict (no error estimate)"}[supported]


def reading(summary: dict[str, Any]) -> list[str]:
    """The survey's claims against one task's numbers (module docstring): Markdown bullets."""
    task, rows, labellings = summary["task"], summary["rows"], summary["labellings"]
    headline = metric_label(task, summary["headline"])
    bullets: list[str] = []
    frozen = [r for r in rows if r.get("family") == "frozen features"]
    adapted = [r for r in rows if r.get("family") == "adapted features"]
    if "appearance" in labellings:
        best_frozen, best_adapted = _best(frozen, "appearance"), _best(adapted, "appearance")
        if best_frozen and best_adapted:
            behind = compare(task, best_adapted[1], best_frozen[1])
            bullets.append(
                f"*Frozen features are strong when appearance decides*: "
                f"{_verdict(None if behind is None else not behind)} -- best frozen-feature paradigm "
                f"{_named(task, best_frozen)} against best adapted-feature paradigm {_named(task, best_adapted)} "
                f"({headline}, appearance labels; supported unless the adapted one is ahead by more than "
                f"two standard errors).")
    if "action" in labellings and task_class(task).recipe_cue == "motion":
        temporal = [r for r in rows if r.get("order_sensitive")]
        framewise = [r for r in rows if r.get("order_sensitive") is False]
        best_temporal, best_framewise = _best(temporal, "action"), _best(framewise, "action")
        if best_temporal and best_framewise:
            ahead = compare(task, best_temporal[1], best_framewise[1])
            bullets.append(
                f"*Temporal modelling is needed when motion decides*: {_verdict(ahead)} -- best "
                f"order-sensitive paradigm {_named(task, best_temporal)} against best frame-wise "
                f"(order-blind) paradigm {_named(task, best_framewise)} ({headline}, "
                f"{'action labels' if task_class(task).action_labelled else 'queries about motion events'}; "
                f"supported when the order-sensitive one is ahead by more than two standard errors).")
    if "action" in labellings and "appearance" in labellings:
        gaps = [(row["paradigm"], row["labellings"]["appearance"]["headline"]["mean"]
                 - row["labellings"]["action"]["headline"]["mean"])
                for row in rows if {"action", "appearance"} <= set(row["labellings"])
                and row["labellings"]["action"]["headline"].get("mean") is not None
                and row["labellings"]["appearance"]["headline"].get("mean") is not None]
        if gaps:
            scale = task_facts(task)[0]
            bullets.append("Appearance minus action " + headline + " per paradigm: "
                           + ", ".join(f"`{p}` {scale * g:+.{task_facts(task)[1]}f}" for p, g in gaps) + ".")
    for labelling in labellings:
        chance = [row["paradigm"] for row in rows if row["labellings"].get(labelling, {}).get("at_chance")]
        judged = [row for row in rows if row["labellings"].get(labelling, {}).get("at_chance") is not None]
        if judged:
            bullets.append(f"At chance on the {labelling} labels (†: within two binomial sd of chance): "
                           + (", ".join(f"`{p}`" for p in chance) if chance else "none") + ".")
    incomplete = [f"`{row['paradigm']}` ({lab})" for row in rows for lab, result in row["labellings"].items()
                  if not result.get("grid_complete")]
    if incomplete:
        bullets.append("Grid not complete (the choice is among the points run so far): "
                       + ", ".join(incomplete) + ".")
    return [f"- {b}" for b in bullets]


def _budget_text(summary: dict[str, Any]) -> str:
    budget = summary.get("budget") or {}
    effective = next((result.get("effective") for row in summary["rows"]
                      for result in row["labellings"].values() if result.get("effective")), None) or {}
    shown = {k: (budget.get(k) if budget.get(k) is not None else effective.get(k))
             for k in ("train_size", "val_size", "test_size", "epochs", "batch_size", "num_frames", "test_clips")}
    text = (f"{shown['train_size']} training clips × {shown['epochs']} epochs, batch {shown['batch_size']}, "
            f"{shown['num_frames']} frames; validation {shown['val_size']} clips; test {shown['test_size']} clips × "
            f"{shown['test_clips']} view(s)")
    if budget.get("precision"):
        text += f"; precision {budget['precision']}"
    if budget.get("set"):
        text += "; overrides " + ", ".join(f"`{s}`" for s in budget["set"])
    return text


def _machine_text(summary: dict[str, Any]) -> str:
    machine = summary.get("machine") or {}
    cpus = summary.get("cpus") or {}
    if len(cpus) > 1:  # runs from several machines: each with its count; throughput from one
        parts = [" and ".join(f"{cpu} ({count} run{'s' if count != 1 else ''})" for cpu, count in cpus.items())
                 + f"; throughput compared on {summary['throughput_cpu']}"]
    else:  # one machine: the runs' own, else (runs that did not record it) where the summary was written
        cpu = next((c for c in cpus if c != "unrecorded"), machine.get("cpu"))
        parts = [str(cpu)] if cpu else []
    if machine.get("cores"):
        parts.append(f"{machine['cores']} cores")
    if summary.get("threads"):
        parts.append(f"{summary['threads']} torch threads per run")
    if summary.get("load_average_mean") is not None:
        parts.append(f"mean 1-min load {summary['load_average_mean']}")
    return ", ".join(parts) or "unrecorded"


def _labels_text(summary: dict[str, Any]) -> str:
    """What the runs were labelled with: the labellings, or the recipe's own data for a task
    benched on its default world only (grounding queries, tracks)."""
    if summary["labellings"] == ["action"] and not task_class(summary["task"]).action_labelled:
        return "the recipe's world data"
    return f"{', '.join(summary['labellings'])} labels"


def task_block(summary: dict[str, Any], out_link: str = "benchmarks/results") -> str:
    """One task's part of the section."""
    task = summary["task"]
    seeds = summary["seeds"]
    minutes = (summary.get("bench_seconds") or 0) / 60
    lines = [
        f"### {task}, tuned per pair", "",
        f"`zoo bench --task {task}`: {len(summary['rows'])} of {len(summary['paradigms'])} paradigms "
        f"({_labels_text(summary)}); each pair's learning rates scaled by {describe(summary['grid'])}, "
        f"chosen on validation {metric_label(task, summary['headline'])} at seed {seeds[0]}, then tested at the "
        f"chosen point over seeds {', '.join(str(s) for s in seeds)} (mean ± sample sd where more than one "
        f"finished). Budget, the same for every run: {_budget_text(summary)}. {summary.get('runs', 0)} runs, "
        f"{minutes:.0f} min of training and testing on {_machine_text(summary)}.", "",
        summary_table(summary), "",
        f"![{task}: {metric_label(task, summary['headline'])} against trainable parameters and throughput]"
        f"({out_link}/{task}/{task}.png)", "",
        f"Grid and every metric: [`{out_link}/{task}/summary.md`]({out_link}/{task}/summary.md). What the numbers "
        "say about the survey's claims (generated; see `zoo/bench/readme.py` for the rule):", "",
    ]
    lines += reading(summary) or ["- nothing to compare yet."]
    return "\n".join(lines)


def render_section(summaries: Sequence[dict[str, Any]], overview: bool = False,
                   out_link: str = "benchmarks/results") -> str:
    """The Markdown between the markers (without them)."""
    head = ("Generated by `zoo bench --readme` from `" + out_link + "/<task>/summary.json`; "
            "do not edit by hand.")
    if not summaries:
        return head + "\n\nNo task has been benched yet: run `zoo bench --task recognition`."
    blocks = [head]
    if overview:
        blocks.append(f"![every task's headline relative to its best paradigm]({out_link}/overview.png)")
    blocks += [task_block(s, out_link) for s in summaries]
    return "\n\n".join(blocks)


def replace_section(readme: str, section: str, start: str = START, end: str = END) -> str:
    """``readme`` with the span between the markers ``start`` and ``end`` replaced by ``section``."""
    if readme.count(start) != 1 or readme.count(end) != 1 or readme.index(start) > readme.index(end):
        raise ValueError(f"README.md must contain {start} and then {end} exactly once")
    head, rest = readme.split(start)
    _, tail = rest.split(end)
    return f"{head}{start}\n{section}\n{end}{tail}"


def _section_for(out: Path, readme: Path) -> str:
    out = Path(out)
    try:
        link = out.resolve().relative_to(readme.resolve().parent).as_posix()
    except ValueError:
        link = out.as_posix()
    return render_section(load_summaries(out), overview=(out / "overview.png").is_file(), out_link=link)


def update_readme(out: Path, readme: Optional[Path] = None) -> Path:
    """Rewrite the section of ``readme`` (default: the repository's README.md) from ``out``."""
    from zoo.hub.paths import configs_dir

    path = Path(readme) if readme is not None else configs_dir().parent / "README.md"
    text = path.read_text()
    updated = replace_section(text, _section_for(out, path))
    if updated != text:
        path.write_text(updated)
    return path


def check(out: Path, readme: Path) -> list[str]:
    """Problems with the README's section (stale, or markers missing)."""
    try:
        text = Path(readme).read_text()
        if replace_section(text, _section_for(out, Path(readme))) != text:
            return [f"the bench section of {readme} is stale: run `zoo bench --readme`"]
    except (OSError, ValueError) as error:
        return [f"{readme}: {error}"]
    return []
