"""The Lightning CLI runner: ``zoo fit | validate | test | predict`` over any task and datamodule.

:class:`ZooCLI` is LightningCLI with zoo's wiring; :func:`run_cli` is the one way to run it —
from the ``zoo`` command, ``zoo export --test``, ``zoo bench``, ``zoo demo`` and the tests.

Recipes (``configs/``) state each fact once and compose:

- ``configs/tasks/<task>.yaml``: the task's head, the world datamodule, the trainer;
- ``configs/paradigms/<paradigm>.yaml``: the paradigm's spec and learning rates;
- ``configs/pairs/<task>/<paradigm>.yaml`` (only where a pair has its own facts, e.g. the text
  head FROSTER and ViFi-CLIP use for recognition);
- ``configs/<task>/<dataset>/<paradigm>.yaml``: complete real-benchmark recipes.

``--recipe TASK/PARADIGM`` expands to those files in that order (LightningCLI merges several
``--config`` files left to right). Old flags keep working with a deprecation note: ``--config
configs/<task>/<paradigm>.yaml`` (the per-pair files before zoo 0.2) expands like ``--recipe``;
``--model.init_args.<name>`` for a spec field (``variant``, ``num_frames``,
``backbone_pretrained``, ...) or an optimiser setting (``lr``, ...) moves to
``--model.init_args.model.init_args.<name>`` / ``--model.init_args.optim.<name>``.
``--trainer.precision auto`` picks bf16 autocast where the hardware computes bf16 natively.
"""

from __future__ import annotations

import dataclasses
import sys
import warnings
from pathlib import Path
from typing import Optional, Sequence

import torch
from jsonargparse import set_parsing_settings
from lightning.pytorch.cli import LightningCLI, instantiate_class

from zoo.data.datamodule import ZooDataModule
from zoo.hub.paths import REPO_ROOT
from zoo.registry import PARADIGMS, TASKS, accepted_arguments
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import VideoTask

LIGHTNING_SUBCOMMANDS = ("fit", "validate", "test", "predict")
CONFIGS = REPO_ROOT / "configs"
set_parsing_settings(subclasses_enabled=[ModelSpec])  # a paradigm's spec by class_path


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


# ---------------------------------------------------------------------- recipes
def recipe_files(task: str, paradigm: str) -> list[Path]:
    """The composed world recipe of a pair: task, paradigm and (if any) pair files."""
    TASKS.check(task)
    PARADIGMS.check(paradigm)
    files = [CONFIGS / "tasks" / f"{task}.yaml", CONFIGS / "paradigms" / f"{paradigm}.yaml"]
    pair = CONFIGS / "pairs" / task / f"{paradigm}.yaml"
    return files + ([pair] if pair.is_file() else [])


def _recipe_arguments(spec: str) -> list[str]:
    task, _, paradigm = spec.partition("/")
    if not paradigm or "/" in paradigm:
        raise ValueError(f"--recipe takes TASK/PARADIGM (e.g. recognition/lora), got {spec!r}")
    return [part for path in recipe_files(task, paradigm) for part in ("--config", str(path))]


def _legacy_recipe(path: str) -> Optional[tuple[str, str]]:
    """``configs/<task>/<paradigm>.yaml`` that no longer exists -> (task, paradigm)."""
    candidate = Path(path)
    if candidate.exists() or candidate.suffix != ".yaml":
        return None
    task, paradigm = candidate.parent.name, candidate.stem
    return (task, paradigm) if task in TASKS and paradigm in PARADIGMS else None


def _legacy_model_flag(flag: str) -> Optional[str]:
    """``--model.init_args.<name>`` of a spec field or optimiser setting -> its new flag."""
    prefix = "--model.init_args."
    if not flag.startswith(prefix):
        return None
    name, eq, value = flag[len(prefix):].partition("=")
    if "." in name:
        return None
    spec_fields = {f.name for f in dataclasses.fields(ModelSpec)}
    for spec in ModelSpec.__subclasses__():
        spec_fields |= {f.name for f in dataclasses.fields(spec)}
    task_arguments = set().union(*(accepted_arguments(TASKS.class_of(t)) for t in TASKS))
    if name in {f.name for f in dataclasses.fields(OptimSpec)}:
        return f"--model.init_args.optim.{name}{eq}{value}"
    if name in spec_fields and name not in task_arguments:
        return f"--model.init_args.model.init_args.{name}{eq}{value}"
    return None


def expand_arguments(args: Sequence[str]) -> list[str]:
    """``args`` with ``--recipe`` expanded, deprecated forms rewritten (with a warning each) and
    ``--trainer.precision auto`` resolved."""
    out: list[str] = []
    args = list(args)
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if arg == "--recipe" and value is not None:
            out += _recipe_arguments(value)
            i += 2
            continue
        if arg.startswith("--recipe="):
            out += _recipe_arguments(arg.split("=", 1)[1])
            i += 1
            continue
        if arg == "--config" and value is not None and (legacy := _legacy_recipe(value)):
            warnings.warn(f"--config {value}: per-pair world recipes were replaced by composed "
                          f"ones in zoo 0.2; use --recipe {legacy[0]}/{legacy[1]}", FutureWarning,
                          stacklevel=2)
            out += _recipe_arguments("/".join(legacy))
            i += 2
            continue
        if arg == "--trainer.precision" and value == "auto":
            out += [arg, resolve_precision("auto")]
            i += 2
            continue
        moved = _legacy_model_flag(arg)
        if moved is not None:
            warnings.warn(f"{arg.split('=')[0]} moved to {moved.split('=')[0]} in zoo 0.2",
                          FutureWarning, stacklevel=2)
            arg = moved
        out.append(arg)
        i += 1
    return out


def run_cli(args: Sequence[str], run: bool = True, **kwargs) -> ZooCLI:
    """Run ``zoo <args>`` (a LightningCLI subcommand, or none with ``run=False``) in this process,
    as the shell would: ``args`` only, whatever ``sys.argv`` holds."""
    argv, sys.argv = sys.argv, sys.argv[:1]
    try:
        return ZooCLI(args=expand_arguments(args), run=run, **kwargs)
    finally:
        sys.argv = argv


def resolve_precision(precision: str) -> str:
    """``auto``: bf16 autocast where the hardware computes bf16 natively (NVIDIA GPUs with bf16,
    CPUs with AMX or AVX512-BF16: ~3x faster than fp32 for ``tiny``), else full fp32."""
    if precision != "auto":
        return precision
    if torch.cuda.is_available():
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return "32-true"
    return "bf16-mixed" if ("amx_bf16" in flags or "avx512_bf16" in flags) else "32-true"
