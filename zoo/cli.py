"""The ``zoo`` command.

``zoo fit | validate | test | predict`` are LightningCLI subcommands over any task (``--model``)
and any datamodule (``--data``), configured by YAML recipes (``--config configs/<task>/<paradigm>.yaml``)
and ``--print_config``; the resolved config is saved with the run and ``--ckpt_path`` resumes.

zoo's own subcommands (``zoo list``, ``zoo pretrain-backbone``, ``zoo demo``, ...) are plain
argparse commands registered in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from lightning.pytorch.cli import LightningCLI, instantiate_class

from zoo.data.datamodule import ZooDataModule
from zoo.registry import accepted_arguments
from zoo.tasks.base import VideoTask

LIGHTNING_SUBCOMMANDS = ("fit", "validate", "test", "predict")


class ZooCLI(LightningCLI):
    """LightningCLI with zoo's wiring between data and model.

    Before the classes are built, data-dependent task arguments the config leaves unset (e.g.
    ``class_names``) are filled from ``datamodule.dataset_info()`` — and so recorded in the saved
    config. After, the datamodule adopts the model's preprocessing (``connect``), so transforms
    always come from the weights' own config.
    """

    def __init__(self, args: Optional[Sequence[str]] = None, run: bool = True, **kwargs):
        trainer_defaults = {"default_root_dir": "runs", "logger": {
            "class_path": "lightning.pytorch.loggers.CSVLogger", "init_args": {"save_dir": "runs"}}}
        trainer_defaults.update(kwargs.pop("trainer_defaults", {}))
        super().__init__(model_class=VideoTask, datamodule_class=ZooDataModule,
                         subclass_mode_model=True, subclass_mode_data=True,
                         save_config_kwargs={"overwrite": True}, trainer_defaults=trainer_defaults,
                         auto_configure_optimizers=False, args=args, run=run, **kwargs)

    def _active_config(self):
        return self.config[self.subcommand] if self.subcommand else self.config

    def before_instantiate_classes(self) -> None:
        config = self._active_config()
        data_cfg, model_cfg = config.get("data"), config.get("model")
        if data_cfg is None or model_cfg is None:
            return
        datamodule = instantiate_class((), data_cfg.as_dict() if hasattr(data_cfg, "as_dict") else data_cfg)
        model_class = _import_class(model_cfg["class_path"])
        accepted = accepted_arguments(model_class)
        for key, value in datamodule.dataset_info().items():
            if key in accepted and model_cfg["init_args"].get(key) is None:
                model_cfg["init_args"][key] = value

    def instantiate_classes(self) -> None:
        super().instantiate_classes()
        if self.datamodule is not None and isinstance(self.model, VideoTask):
            self.datamodule.connect(self.model.preprocess)


def _import_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


# ---------------------------------------------------------------------- zoo's own subcommands
@dataclass
class Command:
    """A zoo subcommand: its help line, a function adding its arguments, and its runner."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None):
    """Register the decorated runner as ``zoo <name>`` with the given argument builder."""
    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = Command(help, arguments, run)
        return run
    return register


def module_command(name: str, help: str, module: str) -> None:
    """Register ``zoo <name>`` served by ``module``'s ``add_arguments`` and ``run`` (imported lazily)."""
    COMMANDS[name] = Command(help, lambda parser: importlib.import_module(module).add_arguments(parser),
                             lambda args: importlib.import_module(module).run(args))


module_command("pretrain-backbone", "pretrain the embedded tiny CLIP on stills of the world", "zoo.pretrain")
module_command("demo", "the main job: zero-shot tiny, then meanp vs seqtransf through the CLI", "zoo.demo")
module_command("bench", "the paradigm x task comparison on the world, same budget, side by side", "zoo.bench")
module_command("export-world", "write the synthetic world as video files + real benchmark annotation files",
               "zoo.data.world_export")


def _add_list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("filter", nargs="?", default="", help="fnmatch pattern, e.g. 'lora_*'")
    parser.add_argument("--task")
    parser.add_argument("--paradigm")
    parser.add_argument("--backbone")
    parser.add_argument("--pretrained", action="store_true", help="published checkpoints only")


@command("list", "list model names (architectures, or published checkpoints)", _add_list_arguments)
def _run_list(args: argparse.Namespace) -> int:
    from zoo.registry import list_models, paradigm_class

    names = list_models(args.filter, task=args.task, paradigm=args.paradigm,
                        backbone=args.backbone, pretrained=args.pretrained)
    if args.paradigm and not args.pretrained:
        cls = paradigm_class(args.paradigm)
        print(f"# paradigm {args.paradigm}: variants {', '.join(cls.variants)} (first is the default)")
    for name in names:
        print(name)
    return 0


def _add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt_path", required=True, help="the Lightning checkpoint of a zoo run")
    parser.add_argument("--out", required=True, help="the folder to write, checkpoints/<arch>.<tag>")
    parser.add_argument("--name", help="arch.tag (default: the --out folder's name)")
    metrics = parser.add_mutually_exclusive_group()
    metrics.add_argument("--metrics-from", help="metrics.csv of a `zoo test` run (its test/ columns)")
    metrics.add_argument("--test", action="store_true", help="run the test loop now for the metrics")
    parser.add_argument("--dataset", help="dataset name for the card (default: from the run's datamodule)")
    parser.add_argument("--gflops", type=float, help="GFLOPs per view, as measured by `zoo bench`")
    parser.add_argument("--license", help="license of the weights (default: mit)")
    parser.add_argument("--task", help="task id, for checkpoints whose hyperparameters lack _class_path")
    parser.add_argument("--trust-checkpoint", action="store_true",
                        help="unpickle fully if weights_only=True refuses (only for checkpoints you made)")


@command("export", "Lightning checkpoint -> pretrained folder + card + index entry", _add_export_arguments)
def _run_export(args: argparse.Namespace) -> int:
    from zoo.export import export

    entry = export(args.ckpt_path, args.out, name=args.name, metrics_from=args.metrics_from,
                   test=args.test, dataset=args.dataset, gflops=args.gflops, license=args.license,
                   task=args.task, trust=args.trust_checkpoint)
    print(f"exported {entry['name']} to {args.out} ({entry['parameters']['stored']:,} stored "
          f"parameters); card {entry['card']}; index updated — run `zoo sync` next")
    return 0


def _add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="a pretrained folder (zoo export's --out)")
    parser.add_argument("--repo-id", help="org/name (default: the checkpoint's repo under HUB_ORG)")
    parser.add_argument("--revision", help="branch to commit to (default: main)")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument("--dry-run", action="store_true", help="print the files and the card; upload nothing")
    parser.add_argument("--token", help="Hub token (default: HF_TOKEN / the saved login); never printed")


@command("publish", "upload a pretrained folder to the Hugging Face Hub in one commit", _add_publish_arguments)
def _run_publish(args: argparse.Namespace) -> int:
    from zoo.constants import hub_repo_id
    from zoo.pretrained import read_config
    from zoo.publish import publish

    repo_id = args.repo_id or hub_repo_id(read_config(args.folder)["name"])
    publish(args.folder, repo_id, revision=args.revision, dry_run=args.dry_run, token=args.token,
            private=args.private or None)
    return 0


def _add_download_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="a published arch.tag, or hf-hub:org/name[@rev]")
    parser.add_argument("--cache-dir", help="Hugging Face cache (default: $HF_HUB_CACHE)")


@command("download", "fetch a published checkpoint into the Hugging Face cache", _add_download_arguments)
def _run_download(args: argparse.Namespace) -> int:
    from zoo.hub import download

    print(download(args.name, cache_dir=args.cache_dir))
    return 0


def _add_sync_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="only report what is stale (exit 1 if any)")


@command("sync", "regenerate hubconf.py and the README tables from checkpoints/index.json", _add_sync_arguments)
def _run_sync(args: argparse.Namespace) -> int:
    from zoo import sync

    if not args.check:
        for path in sync.write():
            print(f"wrote {path}")
    problems = sync.check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in LIGHTNING_SUBCOMMANDS + ("--print_config", "--config"):
        ZooCLI(args=argv)
        return 0
    parser = argparse.ArgumentParser(prog="zoo", description="image-to-video transfer learning zoo")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name in LIGHTNING_SUBCOMMANDS:
        sub.add_parser(name, help=f"Lightning {name} (see `zoo {name} --help`)", add_help=False)
    for name, entry in COMMANDS.items():
        entry.add_arguments(sub.add_parser(name, help=entry.help))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return COMMANDS[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
