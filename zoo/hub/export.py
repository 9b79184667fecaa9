"""``zoo export``: a Lightning checkpoint -> a pretrained folder with its card.

    zoo export --ckpt_path runs/<run>/checkpoints/last.ckpt --out exported/<arch>.<tag> --test

exports a user's own model and touches nothing else. The zoo's own published checkpoints add
``--register`` (the card is copied to ``cards/<name>.md`` and the entry added to
``checkpoints/index.json``), then ``zoo sync`` regenerates hubconf.py and the README tables.

Steps: read the checkpoint (``torch.load(weights_only=True)``), rebuild the task from its saved
hyperparameters (the backbone with its pretrained weights), check that the checkpoint's frozen
backbone equals those weights, load the checkpoint strictly, then write the folder
(:func:`zoo.hub.folder.save_pretrained`) and, with ``register``, copy its card to
``cards/<name>.md`` and add or replace the entry in ``checkpoints/index.json``.

Metrics come from a test run: ``--metrics-from .../metrics.csv`` (the CSVLogger file of a
``zoo test`` run; its ``test/*`` columns) or ``--test`` (runs the test loop now with the run's
saved ``config.yaml``). The protocol (clips × crops, sampling, fps) is read from the
``config.yaml`` LightningCLI saved next to those metrics (else next to the checkpoint).

Lightning checkpoints are pickles. zoo loads them with ``weights_only=True``, which zoo's own
checkpoints satisfy; ``--trust-checkpoint`` falls back to full unpickling for a checkpoint you
produced yourself. Never use it on a downloaded file — published zoo weights are safetensors.
"""

from __future__ import annotations

import csv
import inspect
import pickle
import re
import shutil
from pathlib import Path
from typing import Any, Optional, Union

import torch
import yaml

from zoo.hub.constants import hub_repo_id
from zoo.hub.index import file_record, find_entry, load_index, save_index, upsert_entry
from zoo.hub.paths import cards_dir, checkpoints_dir
from zoo.hub.folder import (CARD_NAME, FOLDER_FILES, read_config, save_pretrained, split_legacy_hparams,
                             stored_state_dict, storage_mode)
from zoo.registry import TASKS, parse_name

RUN_CONFIG_NAME = "config.yaml"  # what LightningCLI's SaveConfigCallback writes into the log dir


def refusal_reason(error: Exception) -> str:
    """The one line of torch's ``weights_only`` refusal that says what was refused (``Unsupported
    global: GLOBAL argparse.Namespace ...``), without its terminal colour codes and advice."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    for line in text.splitlines():
        if "WeightsUnpickler error:" in line:
            reason = line.split("WeightsUnpickler error:", 1)[1].strip()
            return reason.split(". Please use", 1)[0].rstrip(".")
    return " ".join(text.split()[:40])


def load_lightning_checkpoint(path: Union[str, Path], trust: bool = False) -> dict:
    """The checkpoint dict, unpickled with ``weights_only=True`` unless ``trust``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--ckpt_path: {path} is not a file")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if not trust:
            raise ValueError(f"{path} holds objects that torch.load(weights_only=True) refuses "
                             f"({refusal_reason(error)}). If you produced this checkpoint "
                             "yourself, pass --trust-checkpoint; never do so for a downloaded "
                             "file.") from None
    return torch.load(path, map_location="cpu", weights_only=False)  # trusted local file only


def _task_class_from(hparams: dict, task: Optional[str]) -> type:
    import zoo.tasks  # noqa: F401  (registers the task classes)

    class_path = hparams.get("_class_path")
    if task is not None:
        return TASKS.class_of(task)
    if not class_path:
        raise ValueError("the checkpoint's hyperparameters do not name their class (_class_path); "
                         "pass --task")
    module, _, name = class_path.rpartition(".")
    if not module.startswith("zoo."):
        raise ValueError(f"the checkpoint was trained with {class_path!r}, which is not a zoo task")
    cls = getattr(__import__(module, fromlist=[name]), name, None)
    task_id = getattr(cls, "task", None)
    if cls is None or not task_id or TASKS.class_of(task_id) is not cls:
        raise ValueError(f"{class_path!r} is not a registered zoo task class")
    return cls


def task_from_checkpoint(checkpoint: dict, task: Optional[str] = None):
    """Rebuild the task module from a Lightning checkpoint dict and load its weights strictly."""
    if "hyper_parameters" not in checkpoint or "state_dict" not in checkpoint:
        raise ValueError("not a Lightning checkpoint of a zoo task: hyper_parameters or state_dict "
                         "is missing (was save_hyperparameters() called?)")
    hparams = checkpoint["hyper_parameters"]
    cls = _task_class_from(hparams, task)
    module = cls(**split_legacy_hparams(hparams))
    state = checkpoint["state_dict"]
    current = module.state_dict()
    if storage_mode(module) == "delta":
        backbone = module.model.backbone
        stored = stored_state_dict(module)
        stored_memory = {tensor.data_ptr() for tensor in stored.values() if tensor.numel()}
        for key in sorted(set(current) - set(stored)):
            if current[key].numel() and current[key].data_ptr() in stored_memory:
                continue  # tied to a stored entry (trained), not a frozen one
            if key in state and not torch.equal(state[key].to(current[key].dtype), current[key]):
                raise ValueError(
                    f"the checkpoint's frozen {key} differs from backbone {backbone.spec.id!r} "
                    f"(pretrained={backbone.pretrained!r}, sha256 {backbone.weights_sha256}): it was "
                    "trained on other base weights, which a delta checkpoint cannot reference")
    module.load_state_dict(state, strict=True)
    return module.eval()


# ---------------------------------------------------------------------- protocol and metrics
def read_run_config(path: Optional[Path]) -> Optional[dict]:
    if path is None or not path.is_file():
        return None
    return yaml.safe_load(path.read_text())


def protocol_from_run_config(config: Optional[dict], dataset: Optional[str] = None) -> dict:
    """The evaluation protocol a LightningCLI config's datamodule applies to the test split;
    values the config leaves out are the datamodule's defaults."""
    data = (config or {}).get("data") or {}
    class_path = data.get("class_path")
    args = dict(data.get("init_args") or {})
    if class_path:
        module, _, name = class_path.rpartition(".")
        cls = getattr(__import__(module, fromlist=[name]), name)
        for key, param in inspect.signature(cls).parameters.items():
            if param.default is not inspect.Parameter.empty:
                args.setdefault(key, param.default)
        dataset = dataset or name.removesuffix("DataModule").lower()
    return {"dataset": dataset, "split": "test", "clips": int(args.get("test_clips", 1)),
            "crops": int(args.get("test_crops", 1)), "sampling": args.get("sampling", "uniform"),
            "frame_stride": int(args.get("frame_stride", 1)), "fps": args.get("fps")}


def metrics_from_csv(path: Union[str, Path], split: str = "test") -> dict[str, float]:
    """The last logged value of every ``{split}/*`` column of a CSVLogger ``metrics.csv``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--metrics-from: {path} is not a file")
    values: dict[str, float] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            for key, value in row.items():
                if key and key.startswith(f"{split}/") and value not in ("", None):
                    values[key] = float(value)
    if not values:
        raise ValueError(f"{path} has no {split}/ metrics; run `zoo test --config <run>/config.yaml "
                         f"--ckpt_path <ckpt>` first, or export with --test")
    return values


def run_test(ckpt_path: Path, run_config: Path) -> dict[str, float]:
    """Run the test loop of ``run_config``'s datamodule on the checkpoint; the ``test/*`` metrics."""
    from zoo.runner import run_cli

    cli = run_cli(["test", "--config", str(run_config), "--ckpt_path", str(ckpt_path),
                       "--trainer.logger=false", "--trainer.enable_progress_bar=false"])
    metrics = {k: float(v) for k, v in cli.trainer.callback_metrics.items() if k.startswith("test/")}
    if not metrics:
        raise RuntimeError(f"the test run of {ckpt_path} logged no test/ metrics")
    return metrics


# ---------------------------------------------------------------------- index entry
def index_entry(folder: Path, config: dict, previous: Optional[dict] = None) -> dict:
    """The ``checkpoints/index.json`` entry of an exported folder."""
    name = parse_name(config["name"])
    files = {f: file_record(folder / f) for f in FOLDER_FILES if (folder / f).is_file()}
    root = checkpoints_dir().resolve()
    resolved = folder.resolve()
    shipped = resolved.parent == root
    hub = {"repo_id": hub_repo_id(config["name"]), "revision": None}
    if previous is not None and previous["files"] == files:
        hub = previous["hub"]  # same bytes as the published commit: the pin still holds
    return {
        "name": config["name"], "arch": name.arch, "tag": name.tag, "task": name.task,
        "paradigm": name.paradigm, "variant": config["paradigm"]["variant"],
        "backbone": name.backbone, "backbone_pretrained": config["backbone"].get("pretrained"),
        "hub": hub, "folder": resolved.name if shipped else None, "files": files,
        "evaluation": config["evaluation"], "parameters": config["parameters"],
        "gflops": config.get("gflops"), "license": config["license"],
        "card": f"cards/{config['name']}.md",
    }


def export(ckpt_path: Union[str, Path], out: Union[str, Path], name: Optional[str] = None,
           metrics_from: Optional[Union[str, Path]] = None, test: bool = False,
           dataset: Optional[str] = None, gflops: Optional[float] = None,
           license: Optional[str] = None, task: Optional[str] = None, trust: bool = False,
           register: bool = False) -> dict:
    """Export a Lightning checkpoint (module docstring); returns the folder's ``config.json``
    (with ``register``, the index entry)."""
    ckpt_path, out = Path(ckpt_path), Path(out)
    name = name or out.name
    if parse_name(name).tag is None:
        raise ValueError(f"checkpoint name {name!r} needs a tag: '{name}.<tag>' (give --out "
                         "checkpoints/<arch>.<tag> or --name)")
    if metrics_from and test:
        raise ValueError("give either --metrics-from or --test, not both")
    module = task_from_checkpoint(load_lightning_checkpoint(ckpt_path, trust), task)
    run_config_path = ckpt_path.parent.parent / RUN_CONFIG_NAME
    metrics: dict[str, Any] = {}
    protocol_source = run_config_path
    if metrics_from:
        metrics = metrics_from_csv(metrics_from)
        beside = Path(metrics_from).parent / RUN_CONFIG_NAME
        protocol_source = beside if beside.is_file() else run_config_path
    elif test:
        if not run_config_path.is_file():
            raise FileNotFoundError(f"--test needs the run's {RUN_CONFIG_NAME} at {run_config_path}")
        metrics = run_test(ckpt_path, run_config_path)
    protocol = protocol_from_run_config(read_run_config(protocol_source), dataset)
    if metrics and not protocol["dataset"]:
        raise ValueError(f"metrics need their dataset: no {RUN_CONFIG_NAME} at {protocol_source}; "
                         "pass --dataset")
    recipe = run_config_path if run_config_path.is_file() else None
    folder = save_pretrained(module, out, metrics, protocol, recipe, name=name, gflops=gflops,
                             license=license)
    return register_folder(folder) if register else read_config(folder)


def register_folder(folder: Union[str, Path]) -> dict:
    """Copy an exported folder's card to ``cards/<name>.md`` and add or replace its entry in
    ``checkpoints/index.json``; returns the entry."""
    folder = Path(folder)
    config = read_config(folder)
    cards = cards_dir()
    cards.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / CARD_NAME, cards / f"{config['name']}.md")
    index = load_index()
    entry = index_entry(folder, config, find_entry(config["name"], index))
    save_index(upsert_entry(index, entry))
    return entry
