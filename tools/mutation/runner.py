"""Runs mutants: sandboxes, a fork server per worker, and the results file.

The checkout is never touched. Each worker gets a sandbox, a copy of the repository (without
``.venv``, ``.git`` and build outputs) next to a ``shared`` link, so that paths relative to the
checkout resolve as in it. A worker is a long-lived interpreter that imports the heavy
third-party libraries once (torch, open_clip, lightning, ...; never ``zoo``) and then, per mutant,
writes the mutated module into its sandbox and forks a child that runs
``pytest -x <the module's tests>`` in-process; the fork saves the ~10 s import per mutant.
Subprocesses the tests start (the Hub tests) see the mutant too: it is on disk, ``PYTHONPATH``
points at the sandbox, and no bytecode is written, so no stale ``.pyc`` can hide it.

A mutant inside a function that no test calls is not run: it survives by construction
(``survived``, marked ``uncovered``). Which functions run is recorded once per module, in the
baseline run of its tests (``sys.setprofile`` call events, in the subprocesses too through a
``sitecustomize.py`` written into the sandbox).

Outcomes: ``killed`` (pytest failed: a test failed, or the mutant broke collection),
``timeout`` (the child ran past its limit, counted as killed, as mutmut does), ``survived``
(every test passed) and ``error`` (pytest could not run at all: exit codes 3, 4, 5).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Optional

HEAVY = ("numpy", "torch", "torchvision", "scipy", "yaml", "open_clip", "timm", "lightning",
         "torchmetrics", "peft", "huggingface_hub", "safetensors", "jsonargparse", "pytest", "av")
IGNORED = (".venv", ".git", "runs", "lightning_logs", "__pycache__", ".pytest_cache", "*.egg-info",
           "mutation-runs")
ENVIRONMENT = {"PYTHONDONTWRITEBYTECODE": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


# ---------------------------------------------------------------------- sandboxes
def checkout_files(checkout: Path) -> Optional[list[str]]:
    """The files a clean clone plus the uncommitted work holds: git's tracked files and the
    untracked ones it does not ignore (None outside a git checkout). Ignored files stay out: a
    feature cache under ``benchmarks/results/`` (10 GB here) copied into every sandbox once
    filled the disk."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=checkout, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in listed.decode().split("\0") if name]


def make_sandbox(checkout: Path, directory: Path) -> Path:
    """``directory/main``: a copy of ``checkout`` (:func:`checkout_files`; everything but
    :data:`IGNORED` outside git); ``directory/shared`` -> ``checkout/../shared``."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    repo = directory / "main"
    files = checkout_files(checkout)
    if files is None:
        shutil.copytree(checkout, repo, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED))
    else:
        for name in files:
            source, target = checkout / name, repo / name
            if not source.exists() and not source.is_symlink():
                continue  # deleted in the working tree, not yet in the index
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    shared = checkout.resolve().parent / "shared"
    if shared.exists():
        (directory / "shared").symlink_to(shared)
    (repo / "sitecustomize.py").write_text(SITECUSTOMIZE)  # on PYTHONPATH: subprocesses trace too
    return repo


# ---------------------------------------------------------------------- which functions run
TRACE_VARIABLE = "ZOO_MUTATION_TRACE"  # "<module file><os.pathsep><output prefix>"
SITECUSTOMIZE = '''"""zoo mutation tool: record the functions of one module that run, in subprocesses too."""
import os
if os.environ.get("ZOO_MUTATION_TRACE"):
    import atexit, json, sys, threading
    _target, _out = os.environ["ZOO_MUTATION_TRACE"].split(os.pathsep)
    _called = set()

    def _profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == _target:
            _called.add(frame.f_code.co_qualname.replace(".<locals>", ""))

    def _write():
        with open(f"{_out}.{os.getpid()}", "w") as handle:
            json.dump(sorted(_called), handle)

    sys.setprofile(_profile)
    threading.setprofile(_profile)
    atexit.register(_write)
'''


def install_trace(module_file: str, out: str) -> None:
    """Record (in this process and the Python subprocesses it starts) which functions of
    ``module_file`` are called; written to ``out.<pid>`` at exit (:func:`called_functions`)."""
    os.environ[TRACE_VARIABLE] = f"{module_file}{os.pathsep}{out}"
    import importlib

    if "sitecustomize" in sys.modules:
        importlib.reload(sys.modules["sitecustomize"])
    else:
        importlib.import_module("sitecustomize")


def called_functions(out: Path) -> set[str]:
    called = set()
    for path in out.parent.glob(f"{out.name}.*"):
        called |= set(json.loads(path.read_text() or "[]"))
    return called


# ---------------------------------------------------------------------- the worker (its own process)
def _run_child(repo: Path, tests: list[str], log: Path, test_timeout: int, trace: Optional[tuple[str, str]],
               prelude: list[str], stop_first: bool = True) -> int:
    """In the forked child: run pytest on ``tests`` in ``repo`` and exit with its code."""
    os.setpgid(0, 0)
    fd = os.open(str(log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir(repo)
    sys.path.insert(0, str(repo))
    if trace is not None:
        install_trace(*trace)
    for name in prelude:  # modules to import before the tests (the mutant is on disk already)
        __import__(name)
    import pytest

    code = pytest.main([*(["-x"] if stop_first else ["-rf"]), "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                        "--timeout", str(test_timeout), *tests])
    sys.stdout.flush()
    sys.stderr.flush()
    if trace is not None:
        sys.modules["sitecustomize"]._write()
    os._exit(int(code))


def _wait(pid: int, limit: float) -> tuple[Optional[int], float]:
    """Exit code of child ``pid`` (None after ``limit`` seconds: its process group is killed)."""
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), time.monotonic() - start
        if time.monotonic() - start > limit:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(pid, sig)
                except ProcessLookupError:
                    pass
                time.sleep(1.0)
            os.waitpid(pid, 0)
            return None, time.monotonic() - start
        time.sleep(0.05)


def worker_main(repo: str) -> None:
    """Read jobs (JSON lines) on stdin, answer one JSON line per job on stdout.

    A job: ``{"module", "source", "tests", "limit", "test_timeout", "log"}``; the module is
    written with ``source``, the tests run in a forked child, and the original source is put back
    (``original`` in the first job of a module) — the answer: ``{"code", "seconds"}``.
    """
    repo_path = Path(repo)
    os.environ.update(ENVIRONMENT)
    os.environ["PYTHONPATH"] = repo
    sys.dont_write_bytecode = True
    sys.path.insert(0, repo)
    for name in HEAVY:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - an optional library missing is the tests' business
            pass
    import torch

    torch.set_num_threads(1)
    originals: dict[str, str] = {}
    out = sys.stdout
    for line in sys.stdin:
        job = json.loads(line)
        path = repo_path / job["module"]
        if job["module"] not in originals:
            originals[job["module"]] = path.read_text()
        path.write_text(job["source"])
        pid = os.fork()
        if pid == 0:
            trace = (str(path), job["trace"]) if job.get("trace") else None
            _run_child(repo_path, job["tests"], Path(job["log"]), job["test_timeout"], trace,
                       job.get("prelude", []), job.get("stop_first", True))
        code, seconds = _wait(pid, job["limit"])
        path.write_text(originals[job["module"]])
        out.write(json.dumps({"code": code, "seconds": round(seconds, 2)}) + "\n")
        out.flush()


class Worker:
    """The orchestrator's handle on one worker process (``nice``-d, one sandbox)."""

    def __init__(self, python: str, repo: Path, nice: int, prelude: Optional[list[str]] = None):
        command = [python, "-u", str(Path(__file__).resolve()), "--worker", str(repo)]
        if nice:
            command = ["nice", "-n", str(nice), *command]
        env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(repo)}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=env, cwd=str(repo))
        self.repo = repo
        self.prelude = list(prelude or [])

    def run(self, module: str, source: str, tests: list[str], limit: float, test_timeout: int,
            log: Path, trace: Optional[str] = None, stop_first: bool = True) -> tuple[Optional[int], float]:
        job = {"module": module, "source": source, "tests": tests, "limit": limit,
               "test_timeout": test_timeout, "log": str(log), "trace": trace, "prelude": self.prelude,
               "stop_first": stop_first}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"mutation worker in {self.repo} died (see {log})")
        result = json.loads(answer)
        return result["code"], result["seconds"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)


def outcome(code: Optional[int]) -> str:
    if code is None:
        return "timeout"
    if code == 0:
        return "survived"
    if code in (1, 2):
        return "killed"
    return "error"


# ---------------------------------------------------------------------- results
def read_results(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_result(path: Path, record: dict) -> None:
    with open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")


def describe_checkout(checkout: Path) -> dict:
    """The commit and whether (and in which files) the working tree differed from it."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=checkout, capture_output=True, text=True,
                                  timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD"), "dirty": git("status", "--porcelain").splitlines(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--worker":
    worker_main(sys.argv[2])
