"""``zoo list``: model names from the registry and the index, without importing torch."""

from __future__ import annotations

import argparse

from zoo.factory import list_models
from zoo.registry import paradigm_variants


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("filter", nargs="?", default="", help="fnmatch pattern, e.g. 'lora_*'")
    parser.add_argument("--task")
    parser.add_argument("--paradigm")
    parser.add_argument("--backbone")
    parser.add_argument("--pretrained", action="store_true", help="published checkpoints only")


def run(args: argparse.Namespace) -> int:
    names = list_models(args.filter, task=args.task, paradigm=args.paradigm,
                        backbone=args.backbone, pretrained=args.pretrained)
    if args.paradigm and not args.pretrained:
        print(f"# paradigm {args.paradigm}: variants {', '.join(paradigm_variants(args.paradigm))} "
              "(first is the default)")
    for name in names:
        print(name)
    return 0
