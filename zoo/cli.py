"""The ``zoo`` command.

``zoo fit | validate | test | predict`` are LightningCLI subcommands over any task (``--model``)
and any datamodule (``--data``), configured by YAML recipes (``--config configs/<task>/<paradigm>.yaml``)
and ``--print_config``; the resolved config is saved with the run and ``--ckpt_path`` resumes.

zoo's own subcommands (``zoo list``, ``zoo pretrain-backbone``, ``zoo demo``, ...) are plain
argparse commands registered in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
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
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]] = {}


def command(name: str, help: str):
    """Register ``zoo <name>``: the decorated function adds arguments; returns the runner."""
    def wrap(add_arguments: Callable[[argparse.ArgumentParser], None]):
        def register(run: Callable[[argparse.Namespace], int]):
            COMMANDS[name] = (add_arguments, run, help)
            return run
        return register
    return wrap


def _add_list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("filter", nargs="?", default="", help="fnmatch pattern, e.g. 'lora_*'")
    parser.add_argument("--task")
    parser.add_argument("--paradigm")
    parser.add_argument("--backbone")
    parser.add_argument("--pretrained", action="store_true", help="published checkpoints only")


@command("list", "list model names (architectures, or published checkpoints)")(_add_list_arguments)
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


def _add_pretrain_arguments(parser: argparse.ArgumentParser) -> None:
    from zoo.pretrain import add_arguments

    add_arguments(parser)


@command("pretrain-backbone", "pretrain the embedded tiny CLIP on stills of the world")(_add_pretrain_arguments)
def _run_pretrain(args: argparse.Namespace) -> int:
    from zoo.pretrain import run

    return run(args)


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    from zoo.demo import add_arguments

    add_arguments(parser)


@command("demo", "the main job: zero-shot tiny, then meanp vs seqtransf through the CLI")(_add_demo_arguments)
def _run_demo(args: argparse.Namespace) -> int:
    from zoo.demo import run

    return run(args)


def _add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    from zoo.bench import add_arguments

    add_arguments(parser)


@command("bench", "the paradigm x task comparison on the world, same budget, side by side")(_add_bench_arguments)
def _run_bench(args: argparse.Namespace) -> int:
    from zoo.bench import run

    return run(args)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in LIGHTNING_SUBCOMMANDS + ("--print_config", "--config"):
        ZooCLI(args=argv)
        return 0
    parser = argparse.ArgumentParser(prog="zoo", description="image-to-video transfer learning zoo")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name in LIGHTNING_SUBCOMMANDS:
        sub.add_parser(name, help=f"Lightning {name} (see `zoo {name} --help`)", add_help=False)
    for name, (add_arguments, _, help_text) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return COMMANDS[args.command][1](args)


if __name__ == "__main__":
    sys.exit(main())
