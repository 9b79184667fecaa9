"""The ``zoo`` command.

``zoo fit | validate | test | predict`` are LightningCLI subcommands (:mod:`zoo.runner`) over any
task and datamodule, configured by composed recipes (``--recipe recognition/lora``) or YAML files
(``--config``), with ``--print_config``; the resolved config is saved with the run and
``--ckpt_path`` resumes.

zoo's own subcommands are plain argparse commands, one module each, listed in :data:`COMMANDS`
with their help line; a command's module (and whatever it imports) loads only when it runs, so
``zoo --help`` and ``zoo list`` answer without importing torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

LIGHTNING_SUBCOMMANDS = ("fit", "validate", "test", "predict")

#: ``zoo <name>`` -> (help line, module with ``add_arguments(parser)`` and ``run(args) -> int``).
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("list model names (architectures, or published checkpoints)", "zoo.commands.list_models"),
    "demo": ("the main job: zero-shot tiny, then meanp vs seqtransf through the CLI", "zoo.commands.demo"),
    "bench": ("the paradigm x task comparison on the world, same budget, side by side", "zoo.bench.run"),
    "export": ("Lightning checkpoint -> pretrained folder + card (+ index entry with --register)",
               "zoo.commands.export"),
    "sync": ("regenerate hubconf.py and the README tables from checkpoints/index.json", "zoo.commands.sync"),
    "publish": ("upload a pretrained folder to the Hugging Face Hub in one commit", "zoo.commands.publish"),
    "download": ("fetch a published checkpoint into the Hugging Face cache", "zoo.commands.download"),
    "export-world": ("write the synthetic world as video files + real benchmark annotation files",
                     "zoo.data.world.export"),
    "pretrain-backbone": ("pretrain the embedded tiny CLIP on stills of the world", "zoo.backbones.pretrain"),
}


def _overview() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zoo", description="image-to-video transfer learning zoo")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name in LIGHTNING_SUBCOMMANDS:
        sub.add_parser(name, help=f"Lightning {name} (see `zoo {name} --help`)", add_help=False)
    for name, (help, _) in COMMANDS.items():
        sub.add_parser(name, help=help, add_help=False)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in LIGHTNING_SUBCOMMANDS + ("--print_config", "--config", "--recipe"):
        from zoo.runner import run_cli

        run_cli(argv)
        return 0
    if not argv or argv[0] not in COMMANDS:
        parser = _overview()
        if not argv or argv[0] in ("-h", "--help"):
            parser.print_help()
            return 0 if argv else 2
        parser.parse_args(argv[:1])  # exits with argparse's message for an unknown command
        return 2
    name = argv[0]
    help, module_name = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"zoo {name}", description=help)
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
