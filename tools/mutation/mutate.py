"""zoo's mutation check (a development tool; not part of ``make test``).

Two modes. **Planted** (minutes): the curated mutants of ``planted.py`` — issue 18's twenty
planted-bug classes and more, each a realistic one-line bug with its own targeted tests::

    .venv/bin/python -m tools.mutation planted --list                  # the mutants and their tests
    nice -n 10 .venv/bin/python -m tools.mutation planted              # all 64: ~15 min on 2 busy cores
    .venv/bin/python -m tools.mutation planted --only tie-rank --only cider-sigma    # some of them

It copies the checkout into a sandbox under ``/tmp/zoo-mutation`` (the checkout is never
written), runs every selection once on the unmodified code (a test failing there is deselected
and said so; ``--no-baseline`` skips this), then each mutant against its own selection (``-x``)
in a forked, pre-warmed interpreter, and prints killed / survived with the first failing test;
results go to ``--out`` (one JSON line per mutant). Exit status 0 when every mutant is killed.
To add a mutant: append a ``Planted(id, bug, module, old, new, tests)`` to ``PLANTED`` in
``planted.py`` (``old`` must occur exactly once in ``module``; ``tests/tools/
test_mutation_planted.py`` checks that every entry applies, compiles and names existing tests),
then ``planted --only <id>``; a survivor needs a behavioural test, added to its ``tests``.

**Exhaustive** (hours): AST operators (``operators.py``) over whole module groups, each mutant
against the test files of its module::

    .venv/bin/python tools/mutation/mutate.py list   --group metrics             # count the mutants
    nice -n 10 .venv/bin/python tools/mutation/mutate.py run --group metrics --group hub \\
        --out tools/mutation/results/metrics-hub.jsonl                                     # hours: background it
    .venv/bin/python tools/mutation/mutate.py report tools/mutation/results/metrics-hub.jsonl --survivors
    .venv/bin/python tools/mutation/mutate.py show tools/mutation/results/metrics-hub.jsonl 'zoo/metrics/...::...'

Groups: ``metrics``, ``hub`` (the checkpoint loading code), ``paradigms``, ``tasks``, ``formats`` (the
annotation parsers); ``--module`` picks single files, ``--operator`` operators (``operators.py``
lists them). ``run`` appends one JSON line per mutant to ``--out`` and skips mutants already
there for the same module source, so an interrupted run resumes. Mutants listed in
``equivalent.txt`` (no test can tell them apart from the original: reasons given there) are
reported separately. See ``README.md`` next to this file.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import queue
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from operators import OPERATORS, mutants, original_source  # noqa: E402
from planted import PLANTED, by_id  # noqa: E402
from runner import (Worker, append_result, called_functions, describe_checkout,  # noqa: E402
                    make_sandbox, outcome, read_results)
from targets import GROUPS, group_modules, group_of, tests_for  # noqa: E402

CHECKOUT = Path(__file__).resolve().parents[2]
EQUIVALENT = Path(__file__).resolve().parent / "equivalent.txt"
DEFAULT_WORKDIR = Path("/tmp/zoo-mutation")


def selected_modules(root: Path, args) -> list[str]:
    modules = list(args.module or [])
    if args.group:
        modules += [m for m in group_modules(root, args.group) if m not in modules]
    if not modules:
        raise SystemExit("give --group (one of: " + ", ".join(GROUPS) + ") or --module")
    return modules


def module_mutants(root: Path, module: str, operators: list[str]) -> list:
    return [m for m in mutants(root / module, root) if m.operator in operators]


def equivalent_keys() -> dict[str, str]:
    """``key -> reason`` from ``equivalent.txt`` (``key  # reason`` per line)."""
    found = {}
    if EQUIVALENT.is_file():
        for line in EQUIVALENT.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, reason = line.partition("  # ")
                found[key.strip()] = reason.strip()
    return found


# ---------------------------------------------------------------------- list
def command_list(args) -> int:
    modules = selected_modules(CHECKOUT, args)
    total = Counter()
    for module in modules:
        found = module_mutants(CHECKOUT, module, args.operator)
        counts = Counter(m.operator for m in found)
        total.update(counts)
        tests = tests_for(CHECKOUT, module)
        print(f"{module}: {len(found)} mutants ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); "
              f"tests: {' '.join(tests) or 'NONE'}")
    print(f"total {sum(total.values())}: " + ", ".join(f"{k} {v}" for k, v in sorted(total.items())))
    return 0


# ---------------------------------------------------------------------- run
def _record(run_id: str, module: str, sha: str, mutant) -> dict:
    return {"type": "mutant", "run": run_id, "key": mutant.key, "group": group_of(module), "module": module,
            "module_sha": sha, "operator": mutant.operator, "line": mutant.line, "col": mutant.col,
            "scope": mutant.scope, "function": mutant.function, "before": mutant.before,
            "after": mutant.after}


def _failed_tests(log: Path) -> list[str]:
    """Node ids of the tests pytest reported as failed (``-rf``) or erroring in ``log``."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        for prefix in ("FAILED ", "ERROR "):
            if line.startswith(prefix) and "::" in line:
                found.append(line[len(prefix):].split(" - ")[0].strip())
    return found


def _baseline(worker: Worker, repo: Path, module: str, tests: list[str], durations: dict[str, float],
              deselected: dict[str, list[str]], log: Path, test_timeout: int) -> tuple[list[str], Optional[set[str]]]:
    """The module's test files, fastest first (per-file durations are measured once per file),
    with the tests that fail on the unmodified code deselected (``--deselect``; said so), and
    the module's functions those tests call (None when nothing was recorded: every mutant runs)."""
    for test in tests:
        if test not in durations:
            code, seconds = worker.run(module, (repo / module).read_text(), [test], 3600, test_timeout, log,
                                       stop_first=False)
            durations[test] = seconds
            deselected[test] = _failed_tests(log) if code != 0 else []
            if code != 0:
                if not deselected[test]:  # collection failed: the whole file is out
                    durations[test] = float("inf")
                print(f"  baseline: {test} fails on the unmodified code (exit {code}); left out: "
                      f"{', '.join(deselected[test]) or 'the whole file'}", flush=True)
    passing = sorted((t for t in tests if durations[t] != float("inf")), key=lambda t: durations[t])
    if not passing:
        return [], None
    arguments = passing + [f"--deselect={node}" for t in passing for node in deselected[t]]
    trace = log.parent / "trace" / module.replace("/", ".")
    trace.parent.mkdir(parents=True, exist_ok=True)
    for old in trace.parent.glob(f"{trace.name}.*"):
        old.unlink()
    code, _ = worker.run(module, original_source(repo / module), arguments, 3600, test_timeout, log, str(trace))
    if code != 0:
        print(f"  baseline: {module}'s tests fail on its unparsed source (exit {code}); module skipped",
              flush=True)
        return [], None
    called = called_functions(trace)
    return arguments, called or None


def command_run(args) -> int:
    workdir = Path(args.workdir)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    run_id = time.strftime("%Y%m%d-%H%M%S")
    checkout = describe_checkout(CHECKOUT)
    repos = [make_sandbox(CHECKOUT, workdir / run_id / f"w{k}") for k in range(args.jobs)]
    modules = selected_modules(repos[0], args)
    append_result(out, {"type": "run", "run": run_id, **checkout, "groups": args.group or [],
                        "modules": modules, "operators": args.operator, "jobs": args.jobs,
                        "prelude": args.prelude, "sample": args.sample})
    print(f"run {run_id}: {len(modules)} modules, commit {checkout['commit'][:10]}"
          f"{' (working tree differs: ' + str(len(checkout['dirty'])) + ' files)' if checkout['dirty'] else ''}",
          flush=True)
    previous = latest(read_results(out))
    done = {(r["key"], r["module_sha"]) for r in previous
            if not (args.retry_survivors and r["status"] == "survived")}
    workers = [Worker(args.python, repo, args.nice, args.prelude) for repo in repos]
    logs = [workdir / run_id / f"w{k}" / "last.log" for k in range(args.jobs)]
    durations: dict[str, float] = {}
    deselected: dict[str, list[str]] = {}
    lock = threading.Lock()
    try:
        for module in modules:
            root = repos[0]
            sha = hashlib.sha256((root / module).read_bytes()).hexdigest()
            todo = [m for m in module_mutants(root, module, args.operator) if (m.key, sha) not in done]
            if args.sample > 1:  # a fixed subset: every mutant whose key hashes to 0 mod K
                todo = [m for m in todo if int(hashlib.sha256(m.key.encode()).hexdigest()[:8], 16) % args.sample == 0]
            if args.limit:
                todo = todo[:args.limit]
            if not todo:
                continue
            tests, called = _baseline(workers[0], repos[0], module, tests_for(root, module), durations,
                                      deselected, logs[0], args.test_timeout)
            if not tests:
                append_result(out, {"type": "skipped", "run": run_id, "module": module, "module_sha": sha,
                                    "reason": "no test passes on the unmodified code"})
                continue
            baseline = sum(durations[t] for t in tests if t in durations)
            limit = args.factor * baseline + 30
            print(f"{module}: {len(todo)} mutants, tests {' '.join(tests)} (baseline {baseline:.0f} s)", flush=True)
            jobs: "queue.Queue" = queue.Queue()
            tally = Counter()
            for mutant in todo:
                if called is not None and mutant.function and mutant.function not in called:
                    append_result(out, {**_record(run_id, module, sha, mutant), "status": "survived",
                                        "uncovered": True, "exit": None, "seconds": 0.0})
                    tally["uncovered"] += 1
                    continue
                jobs.put(mutant)

            def work(k: int) -> None:
                while True:
                    try:
                        mutant = jobs.get_nowait()
                    except queue.Empty:
                        return
                    code, seconds = workers[k].run(module, mutant.source, tests, limit, args.test_timeout, logs[k])
                    status = outcome(code)
                    record = {**_record(run_id, module, sha, mutant), "status": status, "exit": code,
                              "seconds": seconds}
                    with lock:
                        append_result(out, record)
                        tally[status] += 1
                        if status == "survived" or args.verbose:
                            print(f"  {status:8s} {mutant.describe()} ({seconds:.0f} s)", flush=True)

            threads = [threading.Thread(target=work, args=(k,)) for k in range(len(workers))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            print(f"  {module}: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())), flush=True)
    finally:
        for worker in workers:
            worker.close()
    return command_report(argparse.Namespace(results=[str(out)], survivors=False, run=None, current=False))


# ---------------------------------------------------------------------- report
def latest(records: list[dict], run: str = None) -> list[dict]:
    """The newest record of every mutant key (per module source), of ``run`` if given."""
    newest = {}
    for record in records:
        if record.get("type") == "mutant" and (run is None or record["run"] == run):
            newest[(record["key"], record["module_sha"])] = record
    return list(newest.values())


def command_report(args) -> int:
    records = [r for path in args.results for r in read_results(Path(path))]
    runs = [r for r in records if r.get("type") == "run"]
    mutants_ = latest(records, args.run)
    if getattr(args, "current", False):  # only mutants of the modules as they are now
        shas = {}
        for record in mutants_:
            path = CHECKOUT / record["module"]
            if record["module"] not in shas:
                shas[record["module"]] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        mutants_ = [r for r in mutants_ if r["module_sha"] == shas[r["module"]]]
    equivalent = equivalent_keys()
    by_group: dict[str, Counter] = defaultdict(Counter)
    by_operator: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    uncovered = Counter()
    for record in mutants_:
        status = record["status"]
        if status == "survived" and record["key"] in equivalent:
            status = "equivalent"
        if status == "survived":
            survivors.append(record)
            if record.get("uncovered"):
                uncovered[record["group"]] += 1
                uncovered["all"] += 1
        for counter in (by_group[record["group"]], by_group["all"], by_operator[record["operator"]]):
            counter[status] += 1
    for run in runs:
        print(f"run {run['run']} ({run['date']}): commit {run['commit'][:10]}, "
              f"{len(run['dirty'])} files differing from it, groups {', '.join(run['groups']) or '-'}"
              f"{', a 1/' + str(run['sample']) + ' sample' if run.get('sample', 1) > 1 else ''}")

    def line(name: str, c: Counter, never_run: str = "") -> str:
        killed = c["killed"] + c["timeout"]
        total = sum(c.values())
        scored = total - c["equivalent"] - c["error"]
        return (f"| {name} | {killed} / {total} ({100 * killed / max(total, 1):.1f} %) | "
                f"{c['survived']}{never_run} | {c['equivalent']} | {c['timeout']} | {c['error']} | "
                f"{100 * killed / max(scored, 1):.1f} % |")
    print("\n| group | killed / total | survived (of which in functions no test calls) | equivalent | "
          "killed by timeout | errors | killed / (total - equivalent - errors) |\n|---|---|---|---|---|---|---|")
    for group in [g for g in GROUPS if g in by_group] + ["all"]:
        print(line(group, by_group[group], f" ({uncovered[group]})"))
    print("\n| operator | killed / total | survived | equivalent | killed by timeout | errors | score |"
          "\n|---|---|---|---|---|---|---|")
    for operator in OPERATORS:
        if operator in by_operator:
            print(line(operator, by_operator[operator]))
    if args.survivors:
        print(f"\n{len(survivors)} survivors:")
        for record in sorted(survivors, key=lambda r: (r["module"], r["line"])):
            print(f"  {record['module']}:{record['line']} [{record['operator']}] "
                  f"{record['before']!r} -> {record['after']!r}\n      key: {record['key']}")
    return 0


def command_show(args) -> int:
    for record in latest(read_results(Path(args.results))):
        if record["key"] == args.key:
            path = CHECKOUT / record["module"]
            for mutant in mutants(path, CHECKOUT):
                if mutant.key == record["key"]:
                    original = original_source(path).splitlines(keepends=True)
                    print("".join(difflib.unified_diff(original, mutant.source.splitlines(keepends=True),
                                                       record["module"], "mutant", n=3)))
                    return 0
            print("the module changed since: the mutant no longer exists")
            return 1
    print("no such mutant in the results")
    return 1


# ---------------------------------------------------------------------- planted (the curated list)
def command_planted(args) -> int:
    """Run the curated mutants of ``planted.py``, each against its own targeted tests."""
    selected = by_id(args.only) if args.only else list(PLANTED)
    if args.list:
        for p in selected:
            print(f"{p.id:28s} {'missed' if p.missed else '      '} {p.module}  ({p.bug})\n"
                  f"{'':36s}tests: {' '.join(p.tests)}")
        return 0
    start = time.monotonic()
    workdir, out = Path(args.workdir), Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    run_id = time.strftime("%Y%m%d-%H%M%S")
    checkout = describe_checkout(CHECKOUT)
    repos = [make_sandbox(CHECKOUT, workdir / run_id / f"p{k}") for k in range(args.jobs)]
    sources = {p.id: p.source(repos[0]) for p in selected}  # raises when an entry no longer applies
    append_result(out, {"type": "run", "kind": "planted", "run": run_id, **checkout,
                        "mutants": [p.id for p in selected], "jobs": args.jobs})
    print(f"run {run_id}: {len(selected)} planted mutants, commit {checkout['commit'][:10]}"
          f"{' (working tree differs: ' + str(len(checkout['dirty'])) + ' files)' if checkout['dirty'] else ''}",
          flush=True)
    prelude = args.prelude or ["zoo.backbones.clip"]
    workers = [Worker(args.python, repo, args.nice, prelude) for repo in repos]
    logs = [workdir / run_id / f"p{k}" / "last.log" for k in range(args.jobs)]
    deselect: list[str] = []
    results: dict[str, dict] = {}
    try:
        if not args.no_baseline:  # every selected test on the unmodified code, once
            union = list(dict.fromkeys(t for p in selected for t in p.tests))
            first = selected[0]
            code, seconds = workers[0].run(first.module, (repos[0] / first.module).read_text(), [*union, "-rfE"],
                                           3600, args.test_timeout, logs[0], stop_first=False)
            failed = _failed_tests(logs[0]) if code != 0 else []
            print(f"baseline: {len(union)} selections on the unmodified code, exit {code} ({seconds:.0f} s)"
                  + (f"; deselected (they fail without a mutant): {', '.join(failed)}" if failed else ""),
                  flush=True)
            if code != 0 and not failed:
                print("baseline: the tests cannot run on the unmodified code; see " + str(logs[0]))
                return 2
            deselect = [f"--deselect={node}" for node in failed]
            append_result(out, {"type": "baseline", "run": run_id, "exit": code, "seconds": seconds,
                                "deselected": failed})
        jobs: "queue.Queue" = queue.Queue()
        for p in selected:
            jobs.put(p)
        lock = threading.Lock()

        def work(k: int) -> None:
            while True:
                try:
                    p = jobs.get_nowait()
                except queue.Empty:
                    return
                code, seconds = workers[k].run(p.module, sources[p.id], [*p.tests, *deselect, "-rfE"],
                                               args.mutant_timeout, args.test_timeout, logs[k])
                status = outcome(code)
                killer = _failed_tests(logs[k])[:1] if status == "killed" else []
                record = {"type": "planted", "run": run_id, "id": p.id, "bug": p.bug, "module": p.module,
                          "missed": p.missed, "status": status, "exit": code, "seconds": seconds,
                          "killed_by": killer[0] if killer else None}
                with lock:
                    append_result(out, record)
                    results[p.id] = record
                    print(f"  {status:8s} {p.id:28s} {seconds:5.0f} s  {record['killed_by'] or ''}", flush=True)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(len(workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for worker in workers:
            worker.close()
    killed = [r for r in results.values() if r["status"] in ("killed", "timeout")]
    missed = [r for r in results.values() if r["missed"]]
    print(f"\nkilled {len(killed)} / {len(results)} planted mutants "
          f"({sum(r['status'] in ('killed', 'timeout') for r in missed)} / {len(missed)} of issue 18's missed "
          f"classes) in {time.monotonic() - start:.0f} s")
    for r in results.values():
        if r["status"] not in ("killed", "timeout"):
            print(f"  {r['status']}: {r['id']} ({r['bug']})")
    return 0 if len(killed) == len(results) else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "run"):
        p = sub.add_parser(name)
        p.add_argument("--group", action="append", choices=sorted(GROUPS))
        p.add_argument("--module", action="append", help="a module path, e.g. zoo/metrics/cider.py")
        p.add_argument("--operator", action="append", choices=OPERATORS)
    run = sub.choices["run"]
    run.add_argument("--out", default="tools/mutation/results/results.jsonl")
    run.add_argument("--jobs", type=int, default=1, help="workers (sandboxes) in parallel")
    run.add_argument("--nice", type=int, default=10)
    run.add_argument("--python", default=sys.executable)
    run.add_argument("--workdir", default=str(DEFAULT_WORKDIR))
    run.add_argument("--limit", type=int, default=0, help="at most this many mutants per module")
    run.add_argument("--sample", type=int, default=1,
                     help="run a fixed 1/K of the mutants (those whose key hashes to 0 mod K)")
    run.add_argument("--factor", type=float, default=3.0, help="timeout: factor x baseline + 30 s")
    run.add_argument("--test-timeout", type=int, default=300, help="pytest-timeout per test (s)")
    run.add_argument("--verbose", action="store_true")
    run.add_argument("--prelude", action="append", default=[],
                     help="a module to import before pytest in every run (a workaround for tests "
                          "that depend on import order, e.g. zoo.backbones.clip)")
    run.add_argument("--retry-survivors", action="store_true",
                     help="run again the mutants that survived in --out (after adding tests)")
    report = sub.add_parser("report")
    report.add_argument("results", nargs="+")
    report.add_argument("--survivors", action="store_true")
    report.add_argument("--run", help="only this run id")
    report.add_argument("--current", action="store_true",
                        help="only mutants of the modules' current source (drop results of older versions)")
    show = sub.add_parser("show")
    show.add_argument("results")
    show.add_argument("key")
    planted = sub.add_parser("planted", help="the curated mutants of planted.py, each against its own tests")
    planted.add_argument("--only", action="append", help="a mutant id (repeatable)")
    planted.add_argument("--list", action="store_true", help="print the mutants and their tests")
    planted.add_argument("--out", default="tools/mutation/results/planted.jsonl")
    planted.add_argument("--jobs", type=int, default=1, help="workers (sandboxes) in parallel")
    planted.add_argument("--nice", type=int, default=10)
    planted.add_argument("--python", default=sys.executable)
    planted.add_argument("--workdir", default=str(DEFAULT_WORKDIR))
    planted.add_argument("--mutant-timeout", type=float, default=600, help="seconds per mutant (timeout = killed)")
    planted.add_argument("--test-timeout", type=int, default=300, help="pytest-timeout per test (s)")
    planted.add_argument("--no-baseline", action="store_true",
                         help="skip running the selections on the unmodified code first")
    planted.add_argument("--prelude", action="append", default=[],
                         help="modules to import before pytest (default: zoo.backbones.clip)")
    args = parser.parse_args(argv)
    if args.command in ("list", "run"):
        args.operator = args.operator or list(OPERATORS)
    return {"list": command_list, "run": command_run, "report": command_report, "show": command_show,
            "planted": command_planted}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
