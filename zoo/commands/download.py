"""``zoo download``: fetch a published checkpoint into the Hugging Face cache."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="a published arch.tag, or hf-hub:org/name[@rev]")
    parser.add_argument("--cache-dir", help="Hugging Face cache (default: $HF_HUB_CACHE)")


def run(args: argparse.Namespace) -> int:
    from zoo.hub.load import download

    print(download(args.name, cache_dir=args.cache_dir))
    return 0
