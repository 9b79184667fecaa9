"""``zoo cache-features``: run a frozen-feature paradigm's frozen backbone once over a dataset.

    zoo cache-features --root runs/cache --splits train,val,test -- --recipe recognition/postnet
    zoo cache-features --root /data/cache -- --config configs/recognition/kinetics400/postnet.yaml \\
        --data.init_args.root /data/k400

Everything after ``--`` is what ``zoo fit`` takes (recipe, config files, overrides): it decides
the model (paradigm, backbone, weights, frames), the data (dataset, splits, transform, test
crops) and the precision, so the cache gets the key a training run with the same arguments and
``--data.init_args.feature_cache.root`` computes — and that run then reads it instead of
building it. ``--root`` / ``--tokens`` / ``--frame-stride`` / ``--dtype`` set the datamodule's
``feature_cache`` (overriding one given in the config). Prints each split's folder, size and
build rate; a split already cached is reported, not rebuilt.
"""

from __future__ import annotations

import argparse
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", help="the cache folder (default: the config's feature_cache.root)")
    parser.add_argument("--splits", default="train,val,test", help="comma-separated splits to cache")
    parser.add_argument("--tokens", action="store_true", help="also cache patch tokens (captioning)")
    parser.add_argument("--frame-stride", type=int, default=None, help="cache every k-th frame")
    parser.add_argument("--dtype", default=None, choices=("float32", "float16", "bfloat16"))
    parser.add_argument("--workers", type=int, default=None, help="DataLoader workers decoding videos")
    parser.add_argument("cli", nargs=argparse.REMAINDER,
                        help="after --: the zoo fit arguments (--recipe / --config / overrides)")


def run(args: argparse.Namespace) -> int:
    cache_splits(args)
    return 0


def cache_splits(args: argparse.Namespace) -> dict[str, str]:
    """Build (or find) the cache of each split; returns ``{split: folder}``."""
    from dataclasses import replace

    from zoo.data.cache import FeatureCacheSpec
    from zoo.data.cache.attach import prepare_splits
    from zoo.data.cache.build import folder_size
    from zoo.runner import run_cli

    cli_args = args.cli[1:] if args.cli[:1] == ["--"] else list(args.cli)
    if not cli_args:
        raise SystemExit("zoo cache-features: give the model and data after --, e.g. "
                         "`zoo cache-features --root runs/cache -- --recipe recognition/postnet`")
    cli = run_cli(cli_args, run=False)
    datamodule, task = cli.datamodule, cli.model
    spec = datamodule.feature_cache
    if spec is None and not args.root:
        raise SystemExit("zoo cache-features: no cache folder; pass --root DIR")
    spec = spec or FeatureCacheSpec(root=args.root)
    changes = {name: value for name, value in (("root", args.root), ("frame_stride", args.frame_stride),
                                               ("dtype", args.dtype), ("num_workers", args.workers))
               if value is not None}
    if args.tokens:
        changes["tokens"] = True
    datamodule.feature_cache = replace(spec, **changes, build=True)
    datamodule.bind_model(task)
    precision = str(cli.trainer.precision)
    folders = {}
    for split in [s.strip() for s in args.splits.split(",") if s.strip()]:
        start = time.perf_counter()
        folders[split] = prepare_splits(datamodule, task.model, [split], precision)[split]
        seconds = time.perf_counter() - start
        print(f"{split}: {folders[split]} ({folder_size(folders[split]) / 2 ** 20:.1f} MB, {seconds:.1f} s)",
              flush=True)
    return folders
