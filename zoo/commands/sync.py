"""``zoo sync``: regenerate hubconf.py, the README tables and cards from checkpoints/index.json."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="only report what is stale (exit 1 if any)")


def run(args: argparse.Namespace) -> int:
    from zoo.hub import sync

    if not args.check:
        for path in sync.write():
            print(f"wrote {path}")
    problems = sync.check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
