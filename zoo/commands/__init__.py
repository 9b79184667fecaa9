"""The ``zoo`` command.

``zoo fit | validate | test | predict`` are LightningCLI subcommands (:mod:`zoo.runner`) over any
task and datamodule, configured by composed recipes (``--recipe recognition/lora``) or YAML files
(``--config``), with ``--print_config``; the resolved config is saved with the run and
``--ckpt_path`` resumes.

zoo's own subcommands are plain argparse commands, one module each, listed in :data:`COMMANDS`
with their help line; a command's module (and whatever it imports) loads only when it runs, so
``zoo --help`` and ``zoo list`` answer without importing torch.

``zoo predict`` is both: with ``--model NAME VIDEO [TEXT ...]`` it is zoo's one-video command
(:mod:`zoo.commands.predict`); with any of :data:`LIGHTNING_PREDICT_FLAGS` (``--config``,
``--recipe``, ``--ckpt_path``, ``--print_config``, or a dotted ``--trainer.`` / ``--data.`` /
``--model.`` flag) it is LightningCLI's batch prediction over a datamodule.

User errors. A mistake in the user's input -- a bad argument, a malformed annotation file, a
damaged checkpoint, weights that cannot be downloaded -- prints one line, ``zoo: error: <what,
where, how to fix it>``, and exits with status 2; ``--debug`` (anywhere on the command line) or
``ZOO_DEBUG=1`` shows the traceback instead. Which errors are the user's (:func:`user_error`):
the exception classes zoo defines for them (:data:`USER_ERROR_CLASSES`), and ``ValueError`` /
``OSError`` raised by zoo's own code (an ``OSError`` naming a file wherever it was raised). When
LightningCLI or jsonargparse wrap such an error while building the classes, the wrapped error is
reported, not the dump around it. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from pathlib import Path
from typing import Optional, Sequence

LIGHTNING_SUBCOMMANDS = ("fit", "validate", "test", "predict")
#: ``zoo predict`` with one of these goes to LightningCLI (batch prediction over a datamodule).
LIGHTNING_PREDICT_FLAGS = ("--config", "-c", "--recipe", "--ckpt_path", "--print_config", "--seed_everything")
#: The exception classes zoo raises for its users' mistakes (module.qualname; subclasses count).
USER_ERROR_CLASSES = (
    "zoo.data.formats.base.AnnotationError",
    "zoo.data.video_backends.VideoDecodeError",
    "zoo.data.datasets.ItemLoadError",
    "zoo.hub.index.ChecksumError",
    "zoo.hub.load.HubUnavailableError",
    "zoo.backbones.clip.BackboneWeightsUnavailableError",
)
ZOO_PACKAGE = Path(__file__).resolve().parents[1]

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
    "cache-features": ("run a frozen-feature paradigm's frozen backbone once over a dataset, into a cache",
                       "zoo.commands.cache_features"),
    "export-world": ("write the synthetic world as video files + real benchmark annotation files",
                     "zoo.data.world.export"),
    "pretrain-backbone": ("pretrain the embedded tiny CLIP on stills of the world", "zoo.backbones.pretrain"),
    "predict": ("one video through a model: zoo predict --model NAME|FOLDER VIDEO [TEXT ...] "
                "(batch prediction: --config/--ckpt_path, Lightning)", "zoo.commands.predict"),
}


def _overview() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zoo", description="image-to-video transfer learning zoo",
        epilog="A mistake in the input prints one line (`zoo: error: ...`) and exits with status 2; "
               "add --debug (or set ZOO_DEBUG=1) to see the traceback.")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name in LIGHTNING_SUBCOMMANDS:
        if name not in COMMANDS:
            sub.add_parser(name, help=f"Lightning {name} (see `zoo {name} --help`)", add_help=False)
    for name, (help, _) in COMMANDS.items():
        sub.add_parser(name, help=help, add_help=False)
    return parser


def lightning_arguments(argv: Sequence[str]) -> bool:
    """Whether ``zoo <argv>`` runs LightningCLI: ``fit``/``validate``/``test``, a bare config
    (``--config``, ``--recipe``, ``--print_config``), or ``predict`` with a LightningCLI flag."""
    if not argv:
        return False
    if argv[0] in ("--print_config", "--config", "--recipe"):
        return True
    if argv[0] not in LIGHTNING_SUBCOMMANDS:
        return False
    if argv[0] != "predict":
        return True
    return any(a.split("=", 1)[0] in LIGHTNING_PREDICT_FLAGS or
               a.startswith(("--trainer.", "--data.", "--model.", "--trainer=", "--data=")) for a in argv[1:])


def command_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    """``(parser, module)`` of zoo's own command ``name`` (its module imported now)."""
    help, module_name = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"zoo {name}", description=help,
                                     epilog=getattr(module, "EPILOG", None),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    return parser, module


def _run(argv: list[str]) -> int:
    if lightning_arguments(argv):
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
    parser, module = command_parser(argv[0])
    return module.run(parser.parse_args(argv[1:]))


def _exception_chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from or while handling, outermost first
    (``raise ... from None`` ends the chain)."""
    chain: list[BaseException] = []
    while error is not None and all(error is not e for e in chain):
        chain.append(error)
        error = error.__cause__ if error.__cause__ is not None else \
            (None if error.__suppress_context__ else error.__context__)
    return chain


def _raised_in_zoo(error: BaseException) -> bool:
    """Whether the innermost frame of ``error``'s traceback is in zoo's package."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(ZOO_PACKAGE)


def _is_user_error(error: BaseException) -> bool:
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(error).__mro__}
    if names & set(USER_ERROR_CLASSES):
        return True
    if isinstance(error, OSError) and getattr(error, "filename", None):
        return True
    return isinstance(error, (ValueError, OSError)) and _raised_in_zoo(error)


def user_error(error: BaseException) -> Optional[BaseException]:
    """The user's mistake behind ``error`` (the outermost one of its chain, see the module
    docstring), or None when ``error`` is a bug."""
    return next((e for e in _exception_chain(error) if _is_user_error(e)), None)


def one_line(error: BaseException) -> str:
    """``error``'s message on one line, without terminal colour codes; for an error re-raised
    from a DataLoader worker, the original error's own line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    if "Original Traceback (most recent call last):" in text:
        last = [line for line in text.splitlines() if line.strip()][-1]
        text = last.split(": ", 1)[1] if ": " in last else last
    return " ".join(text.split())


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("ZOO_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    try:
        return _run(argv)
    except Exception as error:  # noqa: BLE001 -- bugs are raised again just below
        reported = None if debug else user_error(error)
        if reported is None:
            raise
        print(f"zoo: error: {one_line(reported)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
