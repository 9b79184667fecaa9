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

**Runs.** Each run has one stable folder, ``<trainer.default_root_dir>/<run>`` (``runs/`` by
default): ``<run>`` is ``--run NAME``, else the recipe's ``<task>/<paradigm>`` (``<task>/<dataset>/
<paradigm>`` for a real benchmark). It holds ``config.yaml``, ``metrics.csv`` and
``checkpoints/`` (``last.ckpt`` and ``epoch=E-step=S.ckpt``, written at every epoch end;
``--checkpoint.*`` configures the ``ModelCheckpoint``). ``zoo fit ... --ckpt_path last`` resumes
the run from its ``last.ckpt`` (bit-exact: Lightning restores weights, optimiser, LR schedule and
loop counters, the data order is seeded by (seed, epoch), :class:`RandomState` restores the
random generators) and keeps its earlier metrics; with no ``last.ckpt`` it stops with an error
instead of starting over. A ``zoo fit`` without ``--ckpt_path`` (or from another run's
checkpoint) starts the run over in its folder: an earlier run's checkpoints there are deleted,
with a warning. ``zoo validate | test | predict`` log into ``<run>/<subcommand>/`` and take
``--ckpt_path last`` too.
"""

from __future__ import annotations

import csv
import dataclasses
import random
import sys
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import torch
from jsonargparse import set_parsing_settings
from lightning.pytorch import Callback
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.cli import LightningCLI, instantiate_class
from lightning.pytorch.loggers import CSVLogger

from zoo.data.datamodule import ZooDataModule
from zoo.hub.paths import configs_dir
from zoo.registry import PARADIGMS, TASKS, accepted_arguments
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import VideoTask

LIGHTNING_SUBCOMMANDS = ("fit", "validate", "test", "predict")
CONFIGS = configs_dir()
RUNS = "runs"  # the default trainer.default_root_dir: every run folder is under it
set_parsing_settings(subclasses_enabled=[ModelSpec])  # a paradigm's spec by class_path


class ZooCLI(LightningCLI):
    """LightningCLI with zoo's wiring between data and model, and stable run folders.

    Before the classes are built, data-dependent task arguments the config leaves unset (e.g.
    ``class_names``) are filled from ``datamodule.dataset_info()`` — and so recorded in the saved
    config — and the logger is pointed at the run folder (module docstring). After, the datamodule
    adopts the model's preprocessing (``connect``), so transforms always come from the weights'
    own config. ``run_dir`` is the run folder (``None`` where the logger keeps numbered versions).
    """

    def __init__(self, args: Optional[Sequence[str]] = None, run: bool = True, **kwargs):
        defaults = kwargs.pop("trainer_defaults", {})
        callbacks = defaults.get("callbacks") or []
        trainer_defaults = {
            "default_root_dir": RUNS,
            # save_dir follows default_root_dir unless given; name (the run) is filled in per run
            "logger": {"class_path": "lightning.pytorch.loggers.CSVLogger",
                       "init_args": {"save_dir": RUNS, "name": None, "version": ""}},
            **defaults,
            "callbacks": [RandomState(), *(callbacks if isinstance(callbacks, list) else [callbacks])],
        }
        self.run_dir: Optional[Path] = None
        self._logged_version: Optional[str] = None
        super().__init__(model_class=VideoTask, datamodule_class=ZooDataModule,
                         subclass_mode_model=True, subclass_mode_data=True,
                         save_config_kwargs={"overwrite": True}, trainer_defaults=trainer_defaults,
                         auto_configure_optimizers=False, args=args, run=run, **kwargs)

    def add_arguments_to_parser(self, parser) -> None:
        parser.add_argument("--run", type=Optional[str], default=None,
                            help="the run folder under trainer.default_root_dir (default: "
                                 "<task>/<paradigm>, or <task>/<dataset>/<paradigm> off the world)")
        parser.add_lightning_class_args(ModelCheckpoint, "checkpoint")
        # every epoch end: epoch=E-step=S.ckpt (the latest, or with --checkpoint.monitor the best)
        # and last.ckpt, both written atomically (--checkpoint.save_last link: a symlink instead
        # of a copy); the same names on every run in the folder, never last-v1.ckpt
        parser.set_defaults({"checkpoint.save_last": True, "checkpoint.enable_version_counter": False})

    def _active_config(self):
        return self.config[self.subcommand] if self.subcommand else self.config

    def before_instantiate_classes(self) -> None:
        config = self._active_config()
        self._set_run_folder(config)
        data_cfg, model_cfg = config.get("data"), config.get("model")
        if data_cfg is None or model_cfg is None:
            return
        datamodule = instantiate_class((), data_cfg.as_dict() if hasattr(data_cfg, "as_dict") else data_cfg)
        model_class = _import_class(model_cfg["class_path"])
        accepted = accepted_arguments(model_class)
        for key, value in datamodule.dataset_info().items():
            if key in accepted and model_cfg["init_args"].get(key) is None:
                model_cfg["init_args"][key] = value

    def _set_run_folder(self, config) -> None:
        """Point the logger (whose folder the checkpoints and ``config.yaml`` follow) at the run
        folder; ``validate | test | predict`` log into its ``<subcommand>/`` subfolder."""
        trainer = config["trainer"]
        root = trainer.get("default_root_dir") or RUNS
        logger = trainer.get("logger")
        if logger is False or logger is None:  # no logger: Lightning checkpoints into default_root_dir
            if config.get("run"):
                trainer["default_root_dir"] = str(Path(root) / config["run"])
            self.run_dir = Path(trainer["default_root_dir"] or root)
            return
        args = logger.get("init_args") if hasattr(logger, "get") else None
        if args is None or not {"save_dir", "name", "version"} <= set(args.keys()):
            return  # a logger zoo does not know how to place (or several)
        if args.get("save_dir") in (None, RUNS):
            args["save_dir"] = root
        if config.get("run"):
            args["name"] = config["run"]
        elif args.get("name") is None:
            args["name"] = default_run_name(config)
        version = args.get("version")
        if not isinstance(version, str):
            return  # numbered versions: a new folder per call
        self.run_dir = Path(args["save_dir"], args["name"], version)
        if self.subcommand not in (None, "fit"):
            self._logged_version = version
            args["version"] = str(Path(version, self.subcommand))

    def instantiate_classes(self) -> None:
        super().instantiate_classes()
        if self._logged_version is not None:  # the saved config names the run, not its subfolder
            self._active_config()["trainer"]["logger"]["init_args"]["version"] = self._logged_version
            callback = self.trainer.checkpoint_callback  # checkpoints stay the run's, not <run>/test's
            if callback is not None and callback.dirpath is None and self.run_dir is not None:
                callback.dirpath = str(self.run_dir / "checkpoints")
        if self.datamodule is not None and isinstance(self.model, VideoTask):
            self.datamodule.connect(self.model.preprocess, self.model.batch_keys)

    def instantiate_trainer(self, **kwargs: Any):
        """LightningCLI's, without the ``--checkpoint`` callback when checkpointing is off."""
        callbacks = [self._get(self.config_init, key) for key in self._parser(self.subcommand).callback_keys]
        config = {**self._get(self.config_init, "trainer", default={}), **kwargs}
        if config.get("enable_checkpointing") is False:
            callbacks = [c for c in callbacks if not isinstance(c, ModelCheckpoint)]
        return self._instantiate_trainer(config, callbacks)

    # ------------------------------------------------------------------ resume
    def before_fit(self) -> None:
        self._resolve_ckpt_path("fit")

    def before_validate(self) -> None:
        self._resolve_ckpt_path("validate")

    def before_test(self) -> None:
        self._resolve_ckpt_path("test")

    def before_predict(self) -> None:
        self._resolve_ckpt_path("predict")

    def checkpoint_dir(self) -> Path:
        """Where this run's ``ModelCheckpoint`` writes (as Lightning resolves it)."""
        callback = self.trainer.checkpoint_callback
        if callback is not None and callback.dirpath:
            return Path(callback.dirpath)
        return (self.run_dir or Path(self.trainer.log_dir or self.trainer.default_root_dir)) / "checkpoints"

    def _resolve_ckpt_path(self, subcommand: str) -> None:
        """``--ckpt_path last`` -> the run's ``last.ckpt``, or an error (Lightning only warns and
        starts over); a resumed fit keeps the run's metrics up to its checkpoint."""
        arguments = self.config_init[subcommand]
        folder = self.checkpoint_dir()
        if arguments.get("ckpt_path") == "last":
            last = folder / f"{ModelCheckpoint.CHECKPOINT_NAME_LAST}{ModelCheckpoint.FILE_EXTENSION}"
            if not last.is_file():
                raise FileNotFoundError(
                    f"--ckpt_path last: there is no {last} to resume (the run folder is "
                    f"{self.run_dir or folder.parent}; --run NAME or --trainer.default_root_dir picks "
                    "another). Leave out --ckpt_path to start this run, or give a checkpoint file.")
            arguments["ckpt_path"] = str(last)
        ckpt_path = arguments.get("ckpt_path")
        if subcommand != "fit":
            return
        if ckpt_path is not None and Path(ckpt_path).resolve().parent == folder.resolve():
            keep_metrics_until(self.trainer.logger, Path(ckpt_path))  # resuming this run
            return
        stale = sorted(folder.glob(f"*{ModelCheckpoint.FILE_EXTENSION}"))  # starting it (over)
        if stale:
            warnings.warn(f"{folder} held the checkpoints of an earlier run; this fit starts the run "
                          f"over and has deleted them ({', '.join(p.name for p in stale)}). To "
                          "continue a run, pass --ckpt_path last; to keep runs apart, give each its "
                          "own --run NAME.", stacklevel=2)
            for path in stale:
                path.unlink()


def default_run_name(config) -> str:
    """``<task>/<paradigm>`` of a config, with the dataset between them off the world
    (``recognition/kinetics/adapter``)."""
    model = config.get("model") or {}
    task = getattr(_import_class(model["class_path"]), "task", None) if model.get("class_path") else None
    spec = (model.get("init_args") or {}).get("model")
    spec_path = spec.get("class_path") if hasattr(spec, "get") else None
    paradigm = getattr(_import_class(spec_path), "paradigm", None) if spec_path else None
    data_path = (config.get("data") or {}).get("class_path") or ""
    dataset = data_path.rpartition(".")[2].removesuffix("DataModule").lower()
    parts = [task, None if dataset in ("world", "") else dataset, paradigm]
    return "/".join(part for part in parts if part) or "run"


def keep_metrics_until(logger, ckpt_path: Path) -> None:
    """Keep the rows of the run's ``metrics.csv`` logged up to ``ckpt_path`` (Lightning's
    ``CSVLogger`` deletes the file when a run starts in its folder); later rows, logged after that
    checkpoint by the interrupted run, are dropped and logged again by the resumed one."""
    if not isinstance(logger, CSVLogger):
        return
    path = Path(logger.log_dir) / "metrics.csv"
    if not path.is_file():
        return
    try:
        checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as error:  # Lightning reports an unreadable checkpoint itself, next
        warnings.warn(f"{ckpt_path}: not read ({error}); {path} starts afresh", stacklevel=2)
        return
    loop = checkpoint.get("loops", {}).get("fit_loop", {}).get("epoch_loop.state_dict", {})
    last_step = int(loop.get("_batches_that_stepped", checkpoint.get("global_step", 0)))
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with warnings.catch_warnings():  # "previous log files ... will be deleted": they are kept
        warnings.filterwarnings("ignore", message=".*exists and is not empty")
        writer = logger.experiment  # deletes the file
    for row in rows:
        step = int(float(row.pop("step")))
        if step < last_step:  # the checkpoint's next step logs at last_step
            writer.log_metrics({k: v for k, v in row.items() if k and v not in ("", None)}, step)  # as written
    logger.save()


class RandomState(Callback):
    """Saves the global random generators (torch, CUDA, numpy, ``random``) in every checkpoint
    and restores them when the checkpoint is loaded, so a resumed fit continues the random stream
    (dropout, drop-path, DataLoader worker seeds) of the run that wrote it: bit-exact from a
    checkpoint written at an epoch end (the default; Lightning's resumed fit loop first draws, for
    the train DataLoader, exactly where the uninterrupted one draws next, and its sanity check
    is skipped on resume and isolated anyway). Stored as tensors and plain numbers, so checkpoints
    still load with ``weights_only=True``. From a checkpoint written mid-epoch
    (``--checkpoint.every_n_train_steps``) training continues, but not bit-exactly (the epoch's
    data starts over)."""

    def state_dict(self) -> dict[str, Any]:
        keys, position, has_gauss, gauss = np.random.get_state()[1:]
        state = {"torch": torch.get_rng_state(), "python": random.getstate(),
                 "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(position),
                           "has_gauss": int(has_gauss), "gauss": float(gauss)}}
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        torch.set_rng_state(state_dict["torch"])
        version, internal, gauss = state_dict["python"]
        random.setstate((version, tuple(internal), gauss))
        numpy = state_dict["numpy"]
        np.random.set_state(("MT19937", numpy["keys"].numpy().astype(np.uint32), numpy["pos"],
                             numpy["has_gauss"], numpy["gauss"]))
        cuda = state_dict.get("cuda")
        if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)


def _import_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


# ---------------------------------------------------------------------- recipes
def recipe_files(task: str, paradigm: str, configs: Optional[Path] = None) -> list[Path]:
    """The composed world recipe of a pair: task, paradigm and (if any) pair files (of the
    shipped ``configs/``, or of ``configs``)."""
    TASKS.check(task)
    PARADIGMS.check(paradigm)
    root = CONFIGS if configs is None else Path(configs)
    files = [root / "tasks" / f"{task}.yaml", root / "paradigms" / f"{paradigm}.yaml"]
    pair = root / "pairs" / task / f"{paradigm}.yaml"
    return files + ([pair] if pair.is_file() else [])


def merge_config(base: dict, extra: dict) -> dict:
    """``extra`` over ``base``: nested dicts merge, any other value replaces (as a later ``--config``)."""
    out = dict(base)
    for key, value in extra.items():
        nested = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge_config(out[key], value) if nested else value
    return out


def read_recipe(files: Sequence[Path]) -> dict[str, Any]:
    """The recipe ``files`` compose (later files win), as one dict; a file that is not YAML is named."""
    import yaml

    recipe: dict[str, Any] = {}
    for path in files:
        try:
            recipe = merge_config(recipe, yaml.safe_load(Path(path).read_text()) or {})
        except yaml.YAMLError as error:
            raise ValueError(f"{path}: not YAML ({error})") from None
    return recipe


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
