"""``zoo export``: a Lightning checkpoint -> a pretrained folder (+ card; ``--register`` adds it to
zoo's index and ``cards/``)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt_path", required=True, help="the Lightning checkpoint of a zoo run")
    parser.add_argument("--out", required=True, help="the folder to write, e.g. exported/<arch>.<tag>")
    parser.add_argument("--name", help="arch.tag (default: the --out folder's name)")
    metrics = parser.add_mutually_exclusive_group()
    metrics.add_argument("--metrics-from", help="metrics.csv of a `zoo test` run (its test/ columns)")
    metrics.add_argument("--test", action="store_true", help="run the test loop now for the metrics")
    parser.add_argument("--dataset", help="dataset name for the card (default: from the run's datamodule)")
    parser.add_argument("--gflops", type=float, help="GFLOPs per view, as measured by `zoo bench`")
    parser.add_argument("--license", help="license of the weights (default: mit)")
    parser.add_argument("--task", help="task id, for checkpoints whose hyperparameters lack _class_path")
    parser.add_argument("--register", action="store_true",
                        help="also add the checkpoint to zoo's checkpoints/index.json and cards/ "
                             "(for the zoo's own published checkpoints; then run `zoo sync`)")
    parser.add_argument("--trust-checkpoint", action="store_true",
                        help="unpickle fully if weights_only=True refuses (only for checkpoints you made)")


def run(args: argparse.Namespace) -> int:
    from zoo.hub.export import export

    folder = export(args.ckpt_path, args.out, name=args.name, metrics_from=args.metrics_from,
                    test=args.test, dataset=args.dataset, gflops=args.gflops, license=args.license,
                    task=args.task, trust=args.trust_checkpoint, register=args.register)
    print(f"exported {folder['name']} to {args.out} ({folder['parameters']['stored']:,} stored "
          f"parameters)" + ("; index and cards/ updated — run `zoo sync` next" if args.register else ""))
    return 0
