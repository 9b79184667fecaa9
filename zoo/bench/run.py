"""``zoo bench``: every paradigm on a task, tuned the same way, with the same budget, side by side.

For each labelling of the task (``action``: the recipe's own, motion-defined data; ``appearance``:
the themed world, whose class a single frame decides -- see :mod:`zoo.bench.measure`) and each
paradigm:

1. **Tune** (:mod:`zoo.bench.grid`): train the pair at every point of a small learning-rate grid
   (the method's rates × 1, 3, 10 by default), with the first seed and the same budget, and keep
   the point with the best validation headline.
2. **Seeds**: train the chosen point again with the other seeds (``--seeds``); the first seed's
   run *is* the tuning run. Every run is also tested; the bench reports the test metrics at the
   chosen point only -- mean and sample sd over the seeds.

Every run is a fresh process (``--one``: :func:`zoo.bench.measure.run_one`), recorded in
``<out>/<task>/runs.jsonl`` when it ends (:mod:`zoo.bench.ledger`): rerunning the same command
skips what finished, so an interrupted bench resumes, and a subset (``--paradigms``,
``--labellings``, ``--seeds``) adds to the same ledger. All tunes run before any extra seed, so a
bench stopped early (``--stop-after``) has every paradigm's tuned result first; the tunes go grid
point by grid point, so it has every pair at the first points rather than some pairs only.

Outputs, in ``<out>/<task>/``: ``summary.json`` (:mod:`zoo.bench.summary`), ``summary.md``
(:mod:`zoo.bench.tables`), ``<task>.png`` (:mod:`zoo.bench.figures`), and ``<out>/overview.png``
over every task benched so far. ``--write-recipes`` writes the chosen rates into the pair files
(:mod:`zoo.bench.recipes`); ``--readme`` regenerates the README's comparison section
(:mod:`zoo.bench.readme`). ``--perf`` measures speed and memory instead (:mod:`zoo.bench.perf`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

import zoo.tasks  # noqa: F401  (registers the task classes: their facts shape the tables)
from zoo.bench.evaluation import evaluation_settings
from zoo.bench.grid import DEFAULT_GRID, describe, grid_points, method_rates, parse_grid
from zoo.bench.ledger import LEDGER_NAME, Ledger, RunSpec, record
from zoo.registry import PARADIGMS, TASKS

#: The labellings a task is benched on by default (tasks not listed: ``action`` only). QA's
#: ``appearance`` is the themed world, where shape and count questions need a single frame.
DEFAULT_LABELLINGS = {"recognition": ("action", "appearance"), "retrieval": ("action", "appearance"),
                      "qa": ("action", "appearance")}
BUDGET_KEYS = ("train_size", "val_size", "test_size", "epochs", "batch_size", "num_frames", "test_clips")
#: ``zoo bench --perf`` (zoo/bench/perf.py) reads these; the bench itself leaves them to the recipe.
PERF_DEFAULTS = {"batch_size": 32, "num_frames": 8, "train_size": 2000, "val_size": 100}

Runner = Callable[[RunSpec, argparse.Namespace], dict[str, Any]]


def _csv(text: Optional[str]) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def labellings_of(args: argparse.Namespace) -> list[str]:
    from zoo.bench.measure import LABELLINGS

    chosen = _csv(args.labellings) or list(DEFAULT_LABELLINGS.get(args.task, ("action",)))
    unknown = [label for label in chosen if label not in LABELLINGS]
    if unknown:
        raise SystemExit(f"zoo bench: unknown labellings {unknown}; choose from {', '.join(LABELLINGS)}")
    return chosen


def paradigms_of(args: argparse.Namespace) -> list[str]:
    chosen = _csv(args.paradigms) or list(PARADIGMS)
    for paradigm in chosen:
        PARADIGMS.check(paradigm)
    return chosen


def seeds_of(args: argparse.Namespace) -> list[int]:
    seeds = [int(s) for s in _csv(args.seeds)]
    if not seeds or len(set(seeds)) != len(seeds):
        raise SystemExit(f"zoo bench: --seeds takes distinct integers, e.g. 0,1; got {args.seeds!r}")
    return seeds


def budget_of(args: argparse.Namespace) -> dict[str, Any]:
    """What every run of the bench shares (None: the recipe's value); part of each run's identity."""
    from zoo.runner import resolve_precision

    return {**{k: getattr(args, k) for k in BUDGET_KEYS}, "precision": resolve_precision(args.precision),
            "cache": args.cache, "set": list(args.set)}


def plan(task: str, paradigms: list[str], labellings: list[str], grid: tuple[float, ...],
         seed: int) -> list[RunSpec]:
    """The tuning runs: every labelling × paradigm × grid point, at the first seed -- grid point
    by grid point (the method's rates first when the grid starts with ×1), so a bench stopped
    early has every pair at the same points rather than some pairs tuned and others not run."""
    points = {paradigm: grid_points(method_rates(task, paradigm), grid) for paradigm in paradigms}
    settings = {paradigm: evaluation_settings(task, paradigm) for paradigm in paradigms}
    return [RunSpec(task, labelling, paradigm, *points[paradigm][index], seed, settings[paradigm])
            for index in range(len(grid)) for labelling in labellings for paradigm in paradigms]


def subprocess_runner(spec: RunSpec, args: argparse.Namespace) -> dict[str, Any]:
    """Run ``spec`` in a fresh ``zoo bench --one`` process; its measurements (raises on failure)."""
    folder = Path(args.out) / spec.task / "lightning" / spec.key
    folder.mkdir(parents=True, exist_ok=True)
    result_path = folder / "result.json"
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "zoo.commands", "bench", "--task", spec.task, "--one", spec.paradigm,
               "--one-labelling", spec.labelling, "--one-multiplier", repr(spec.multiplier),
               "--seeds", str(spec.seed), "--out", str(args.out), "--threads", str(args.threads),
               "--precision", args.precision, *(["--no-cache"] if not args.cache else []),
               "--zero-shot-stills", str(args.zero_shot_stills),
               *[part for key in BUDGET_KEYS if getattr(args, key) is not None
                 for part in (f"--{key.replace('_', '-')}", str(getattr(args, key)))],
               *[part for override in args.set for part in ("--set", override)]]
    with (folder / "bench.log").open("w") as log:
        status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode
    if status != 0 or not result_path.is_file():
        tail = (folder / "bench.log").read_text().splitlines()[-15:]
        raise RuntimeError(f"exit status {status}; {folder / 'bench.log'} ends: " + " | ".join(tail))
    return json.loads(result_path.read_text())


def ensure(spec: RunSpec, ledger: Ledger, budget: dict, args: argparse.Namespace, runner: Runner,
           say: Callable[[str], None]) -> dict[str, Any]:
    """The ledger's result of ``spec``, running it first if it has none (or failed, with
    ``--retry-failed``)."""
    ledger.refresh()  # another bench of this task may have finished it meanwhile
    found = ledger.find(spec, budget)
    if found is not None and (found["status"] == "ok" or not args.retry_failed):
        return found
    say(f"run {spec.task} {spec.key}: lr {spec.rates.lr:.3g}, backbone_lr {spec.rates.backbone_lr:.3g}"
        + (f", head_lr {spec.rates.head_lr:.3g}" if spec.rates.head_lr is not None else ""))
    start = time.time()
    try:
        measured, error = runner(spec, args), None
    except Exception as failure:  # noqa: BLE001 -- recorded, the bench goes on with the others
        measured, error = None, f"{type(failure).__name__}: {failure}"
    line = record(spec, budget, measured, error)
    line["wall_seconds"] = time.time() - start
    ledger.append(line)
    headline = TASKS.class_of(spec.task).headline
    say(f"    {line['status']} in {line['wall_seconds']:.0f} s"
        + (f": val {headline} {line['val'].get('val/' + headline)}, test {line['metrics'].get('test/' + headline)}"
           if measured else f": {error}"))
    return line


def bench(args: argparse.Namespace, runner: Runner = subprocess_runner,
          say: Callable[[str], None] = lambda text: print(text, flush=True)) -> dict[str, Any]:
    """Run (or resume) a task's bench and write its summary; returns the summary."""
    from zoo.bench.summary import summarise

    task, paradigms, labellings = args.task, paradigms_of(args), labellings_of(args)
    grid, seeds, budget = parse_grid(args.lr_grid), seeds_of(args), budget_of(args)
    out = Path(args.out) / task
    ledger = Ledger(out / LEDGER_NAME)
    deadline = None if args.stop_after is None else time.time() + 60 * args.stop_after
    say(f"zoo bench {task}: {len(paradigms)} paradigms x {len(labellings)} labellings ({', '.join(labellings)}), "
        f"lr grid {describe(grid)}, seeds {seeds}, budget {budget}")

    def open_for_runs() -> bool:
        return not args.summary_only and (deadline is None or time.time() < deadline)

    from zoo.bench.footprint import progress

    specs = plan(task, paradigms, labellings, grid, seeds[0])
    for spec in progress(specs, f"zoo bench {task}: grid runs (finished ones are skipped)", total=len(specs)):
        if open_for_runs():
            ensure(spec, ledger, budget, args, runner, say)
    summary = summarise(task, current(task, ledger.results(budget))[0], headline=TASKS.class_of(task).headline,
                        paradigms=paradigms, labellings=labellings, grid=grid, seeds=seeds)
    for labelling in labellings:
        for row in summary["rows"]:
            result = row["labellings"].get(labelling)
            if not result or not result["grid_complete"]:
                continue
            for seed in seeds[1:]:
                spec = RunSpec(task, labelling, row["paradigm"], result["chosen_multiplier"],
                               method_rates(task, row["paradigm"]).scaled(result["chosen_multiplier"]), seed,
                               evaluation_settings(task, row["paradigm"]))
                if open_for_runs():
                    ensure(spec, ledger, budget, args, runner, say)
    if not args.summary_only and not args.keep_cache:
        from zoo.bench.measure import CACHE_FOLDER

        drop_caches(Path(args.out) / CACHE_FOLDER, say)
    return write_summary(args, ledger, budget, paradigms, labellings, grid, seeds)


def current(task: str, runs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The runs whose learning rates are still their grid point's and whose evaluation settings
    are still their pair's, and how many are not. A run recorded before a method's rates changed
    (e.g. a paradigm file gained a ``head_lr``), or tested under other settings (e.g. the tracker's
    NMS), stands for no grid point any more: it is left out of the summary, not mixed in."""
    paradigms = {r["paradigm"] for r in runs}
    rates = {paradigm: method_rates(task, paradigm) for paradigm in paradigms}
    settings = {paradigm: evaluation_settings(task, paradigm) for paradigm in paradigms}
    kept = [r for r in runs if r["rates"] == rates[r["paradigm"]].scaled(r["multiplier"]).to_dict()
            and (r.get("evaluation") or {}) == settings[r["paradigm"]]]
    return kept, len(runs) - len(kept)


def drop_caches(folder: Path, say: Callable[[str], None]) -> None:
    """Delete the feature caches the runs built (``<out>/cache``) once a bench is done. They hold
    every epoch's augmented features of every clip, block features included for side-tuning:
    gigabytes per task and labelling (68 GB for recognition, retrieval and QA at 600 clips × 3
    epochs here, which filled this machine's disk). A resumed bench rebuilds what it needs;
    ``--keep-cache`` keeps them."""
    if not folder.is_dir():
        return
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    shutil.rmtree(folder)
    say(f"removed the feature caches in {folder} ({size / 2 ** 30:.1f} GiB; --keep-cache keeps them)")


def write_summary(args: argparse.Namespace, ledger: Ledger, budget: dict, paradigms: list[str],
                  labellings: list[str], grid: tuple[float, ...], seeds: list[int]) -> dict[str, Any]:
    """``summary.json``, ``summary.md``, the task's figure and the overview heat-map."""
    from zoo.bench.figures import heatmap, task_figure
    from zoo.bench.summary import summarise
    from zoo.bench.tables import summary_markdown

    task, out = args.task, Path(args.out) / args.task
    runs, superseded = current(task, ledger.results(budget))
    loads = [r["load_average"][0] for r in runs if r.get("load_average")]
    extra = {"budget": budget, "threads": args.threads, "runs": len(runs), "superseded_runs": superseded,
             "bench_seconds": round(sum(r.get("wall_seconds", 0.0) for r in runs)),
             "load_average_mean": round(sum(loads) / len(loads), 2) if loads else None,
             "machine": machine()}
    summary = summarise(task, runs, headline=TASKS.class_of(task).headline, paradigms=paradigms,
                        labellings=labellings, grid=grid, seeds=seeds, extra=extra)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / "summary.md").write_text(summary_markdown(summary))
    if summary["rows"]:
        task_figure(summary, out / f"{task}.png")
    summaries = [s for t in TASKS if (p := Path(args.out) / t / "summary.json").is_file()
                 and (s := json.loads(p.read_text()))["rows"]]
    if summaries:
        heatmap(summaries, list(PARADIGMS), Path(args.out) / "overview.png")
    if args.write_recipes:
        from zoo.bench.recipes import write_recipes

        for path in write_recipes(summary):
            print(f"wrote {path}")
    return summary


def machine() -> dict[str, Any]:
    """The CPU the bench ran on (``zoo.bench.perf.machine`` without the load)."""
    from zoo.bench.perf import machine as perf_machine

    info = perf_machine()
    info.pop("load_average", None)
    return info


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", default="recognition", choices=list(TASKS))
    parser.add_argument("--paradigms", default=None, help="comma-separated paradigm ids (default: all)")
    parser.add_argument("--labellings", default=None,
                        help="action and / or appearance (default: both for recognition, retrieval, qa)")
    parser.add_argument("--lr-grid", default=",".join(f"{m:g}" for m in DEFAULT_GRID),
                        help="multipliers of each recipe's learning rates, tried on validation")
    parser.add_argument("--seeds", default="0,1", help="the first tunes; the others repeat the choice")
    parser.add_argument("--train-size", type=int, default=None, help="training clips (default: the recipe's)")
    parser.add_argument("--val-size", type=int, default=None)
    parser.add_argument("--test-size", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--num-frames", type=int, default=None)
    parser.add_argument("--test-clips", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0, help="--perf's seed")
    parser.add_argument("--threads", type=int, default=2, help="torch threads per run")
    parser.add_argument("--precision", default="auto",
                        help="Lightning precision (auto: bf16 where the hardware computes it natively)")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="frozen-feature paradigms train from pixels, not from the feature cache")
    parser.add_argument("--keep-cache", action="store_true",
                        help="keep the feature caches when the bench is done (default: delete them; they take "
                             "gigabytes per task and labelling)")
    parser.add_argument("--zero-shot-stills", type=int, default=350, metavar="N",
                        help="still clips of the zero-shot retention measurement (0: skip it); a "
                             "measurement, not part of the budget: it changes no training")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an extra LightningCLI override for every run, e.g. "
                             "--set model.init_args.model.init_args.backbone_pretrained=false")
    parser.add_argument("--stop-after", type=float, default=None, metavar="MINUTES",
                        help="start no run after this many minutes (rerun to resume)")
    parser.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    parser.add_argument("--summary-only", action="store_true",
                        help="train nothing: rebuild the summary, tables and figures from runs.jsonl")
    parser.add_argument("--write-recipes", action="store_true",
                        help="write the chosen learning rates into configs/pairs/<task>/")
    parser.add_argument("--readme", action="store_true",
                        help="train nothing: regenerate the README's comparison section from summary.json files "
                             "(with --perf: its speed-and-memory section from perf/summary.json)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one run in this process
    parser.add_argument("--one-labelling", default="action", help=argparse.SUPPRESS)
    parser.add_argument("--one-multiplier", type=float, default=1.0, help=argparse.SUPPRESS)
    from zoo.bench.perf import add_perf_arguments

    add_perf_arguments(parser)  # zoo bench --perf: speed and memory (zoo/bench/perf.py)


def run_child(args: argparse.Namespace) -> int:
    """``--one``: one run in this process; writes ``result.json`` into the run's folder."""
    from zoo.bench.measure import run_one

    seed = seeds_of(args)[0]
    rates = method_rates(args.task, args.one).scaled(args.one_multiplier)
    spec = RunSpec(args.task, args.one_labelling, args.one, args.one_multiplier, rates, seed,
                   evaluation_settings(args.task, args.one))
    result = run_one(args.task, args.one, args.one_labelling, rates, seed, budget_of(args), Path(args.out),
                     spec.key, args.threads, args.cache,
                     [part for o in args.set for part in ("--" + o.split("=", 1)[0], o.split("=", 1)[1])],
                     zero_shot_stills=args.zero_shot_stills)
    folder = Path(args.out) / args.task / "lightning" / spec.key
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    if getattr(args, "perf", False) and args.readme:
        from zoo.bench.perf_report import update_readme as update_perf_readme

        path = update_perf_readme(Path(args.out))
        print(f"wrote the speed-and-memory section of {path}")
        return 0
    if getattr(args, "perf", False):
        from zoo.bench.perf import run_perf

        for key, value in PERF_DEFAULTS.items():
            if getattr(args, key) is None:
                setattr(args, key, value)
        return run_perf(args)
    if args.readme:
        from zoo.bench.readme import update_readme

        path = update_readme(Path(args.out))
        print(f"wrote the comparison section of {path}")
        return 0
    if args.one:
        return run_child(args)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    summary = bench(args)
    from zoo.bench.tables import summary_table

    print("\n" + summary_table(summary) if summary["rows"] else "no results yet")
    return 0
