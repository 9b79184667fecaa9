"""Pretrained folders: ``model.safetensors`` + ``config.json`` (+ ``README.md`` card, + the
training recipe ``training_config.yaml``).

``config.json`` records everything needed to rebuild the task module without Lightning's
checkpointing or any YAML: the task (id + constructor arguments), the paradigm (id, variant,
frames, arguments), the backbone (id, open_clip name, pretrained tag, ``weights_sha256``), the
preprocessing (mean, std, size, interpolation, frames, sampling, fps), the evaluation protocol
(frames × clips × crops) with its metrics, and parameter counts.

**Delta storage.** ``model.safetensors`` holds what training changed: the paradigm's
``delta_state_dict()`` (trainable parameters + added modules, prefixed ``model.``) and everything
the task owns (its head), except entries that share memory with the model's (a caption decoder
writing through the backbone's token embedding), which the rebuilt task ties again. The frozen
backbone is rebuilt from its id and pretrained tag, and its weights are checked against
``weights_sha256`` before the delta is loaded with strict key checks (the keys not in the file must
be exactly the frozen backbone's). A trained pretrained matrix of which at most half the rows
changed (a fine-tuned token embedding) is stored as those rows (``zoo.hub.row_delta``).
``weights.storage`` says which case a file is:

- ``delta``: the backbone has pretrained weights to rebuild; what they already hold is not stored
  (every paradigm over a pretrained backbone; a paradigm that trains everything stores every
  entry but its unchanged rows);
- ``full``: every entry is stored, because the backbone had no pretrained weights to rebuild it
  from (random initialisation). Exports before row deltas also wrote ``full`` when a paradigm
  trained everything; they load as before.

Safetensors only: nothing here unpickles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import torch
import yaml
from safetensors.torch import load_file, save_file

from zoo.hub.cards import render_card
from zoo.hub.constants import DEFAULT_LICENSE
from zoo.hub.index import file_record, verify_file
from zoo.hub.row_delta import decode_row_deltas, encode_row_deltas, is_row_index
from zoo.registry import TASKS, parse_name
from zoo.version import __version__

CONFIG_FORMAT = 2
ROW_DELTA_FORMAT = 3  # a folder with row deltas needs a reader that decodes them; others stay 2
READABLE_FORMATS = (1, 2, 3)  # 1: zoo 0.1, whose task.args also held the optimiser settings
WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
CARD_NAME = "README.md"
TRAINING_CONFIG_NAME = "training_config.yaml"
FOLDER_FILES = (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME, TRAINING_CONFIG_NAME)  # what a folder may hold
# zoo 0.1 task arguments that are now ``ModelSpec`` fields / ``OptimSpec`` settings.
LEGACY_MODEL_ARGUMENTS = ("paradigm", "backbone", "variant", "num_frames", "backbone_pretrained", "paradigm_args")
OPTIM_SETTINGS = ("lr", "backbone_lr", "head_lr", "weight_decay", "warmup_fraction")
PROTOCOL_DEFAULTS = {"dataset": None, "split": "test", "clips": 1, "crops": 1,
                     "sampling": "uniform", "frame_stride": 1, "fps": None}


# ---------------------------------------------------------------------- what is stored
def _all_entries(task) -> dict[str, torch.Tensor]:
    return dict(task.state_dict())


def _delta_entries(task) -> dict[str, torch.Tensor]:
    """``model.`` + the paradigm's delta, plus every entry the task owns outside its model, except
    entries that share memory with one of the model's (a task may tie a module to the backbone,
    e.g. the caption decoder writes through the backbone's token embedding): the rebuilt task ties
    them again, so they load with the backbone (frozen) or with the model's stored entry (trained)."""
    model_memory = {v.data_ptr() for v in task.model.state_dict().values() if v.numel()}
    own = {k: v for k, v in task.state_dict().items()
           if not k.startswith("model.") and not (v.numel() and v.data_ptr() in model_memory)}
    return {**own, **{f"model.{k}": v for k, v in task.model.delta_state_dict().items()}}


def storage_mode(task) -> str:
    """``delta`` when the backbone can be rebuilt from its pretrained tag; else ``full``."""
    return "full" if task.model.backbone.pretrained is None else "delta"


def stored_state_dict(task, storage: Optional[str] = None) -> dict[str, torch.Tensor]:
    """The entries ``model.safetensors`` holds for ``task`` under ``storage``."""
    storage = storage or storage_mode(task)
    if storage not in ("delta", "full"):
        raise ValueError(f"weights.storage must be 'delta' or 'full', got {storage!r}")
    return _all_entries(task) if storage == "full" else _delta_entries(task)


def base_entries(task, state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The pretrained weights (``model.backbone.*``) of the stored pretrained matrices in
    ``state``, rebuilt from the backbone's id and tag and checked against its ``weights_sha256``
    (what a loader will rebuild them from); empty when ``state`` has none."""
    prefix = "model.backbone."
    if not any(key.startswith(prefix) and tensor.ndim >= 2 for key, tensor in state.items()):
        return {}
    from zoo.backbones.clip import create_backbone

    backbone = task.model.backbone
    rebuilt = create_backbone(backbone.spec.id, pretrained=backbone.pretrained)
    if rebuilt.weights_sha256 != backbone.weights_sha256:
        raise ValueError(f"backbone {backbone.spec.id!r} (pretrained={backbone.pretrained!r}) now "
                         f"rebuilds with weights sha256 {rebuilt.weights_sha256}, but the model was "
                         f"built on {backbone.weights_sha256}; a delta checkpoint must reference "
                         "the weights it was trained on")
    return {prefix + key: tensor for key, tensor in rebuilt.state_dict().items() if prefix + key in state}


def _to_saveable(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """CPU, contiguous, and no two entries sharing memory (safetensors refuses shared tensors):
    an entry whose storage an earlier entry uses (tied weights, or a view into it) is copied."""
    out, seen = {}, set()
    for key, tensor in state.items():
        tensor = tensor.detach().cpu().contiguous()
        pointer = tensor.untyped_storage().data_ptr() if tensor.numel() else None
        if pointer is not None and pointer in seen:
            tensor = tensor.clone()
        elif pointer is not None:
            seen.add(pointer)
        out[key] = tensor
    return out


# ---------------------------------------------------------------------- config
def _checked_json(value: Any, field: str) -> Any:
    try:
        json.dumps(value)
    except TypeError as error:
        raise TypeError(f"config.json field {field!r} is not JSON-serialisable ({error}); a "
                        "checkpoint must be rebuildable from plain values") from None
    return value


def normalise_metrics(metrics: Optional[Mapping[str, Any]]) -> dict[str, float]:
    """``{"test/top1": tensor(0.9)}`` -> ``{"top1": 0.9}`` (a split prefix is dropped; the split
    is part of the protocol)."""
    out = {}
    for key, value in (metrics or {}).items():
        name = key.split("/", 1)[1] if "/" in key else key
        if name in out:
            raise ValueError(f"metrics: {key!r} repeats metric {name!r} (give one split)")
        try:
            out[name] = float(value.item() if hasattr(value, "item") else value)
        except (TypeError, ValueError):
            raise ValueError(f"metrics: {key!r} has a non-numeric value {value!r}") from None
    return out


def normalise_protocol(protocol: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """The evaluation protocol with defaults (one centre view) filled in; unknown keys raise."""
    protocol = dict(protocol or {})
    unknown = set(protocol) - set(PROTOCOL_DEFAULTS) - {"num_frames"}
    if unknown:
        raise ValueError(f"protocol: unknown keys {sorted(unknown)}; known: {sorted(PROTOCOL_DEFAULTS)}")
    out = {**PROTOCOL_DEFAULTS, **{k: v for k, v in protocol.items() if v is not None}}
    for key in ("clips", "crops", "frame_stride"):
        if not isinstance(out[key], int) or out[key] < 1:
            raise ValueError(f"protocol: {key} must be a positive integer, got {out[key]!r}")
    return out


def build_config(task, name: str, metrics: Optional[Mapping[str, Any]] = None,
                 protocol: Optional[Mapping[str, Any]] = None, gflops: Optional[float] = None,
                 license: Optional[str] = None) -> dict:
    """``config.json`` of ``task`` (without the ``weights`` block, which needs the file)."""
    parsed = parse_name(name)
    model = task.model
    model_config = model.config()
    backbone = model_config["backbone"]
    arch = f"{model.paradigm}_{task.task}_{backbone['id']}"
    if parsed.arch != arch:
        raise ValueError(f"name {name!r} does not match the model's architecture {arch!r}")
    paradigm_args = {k: v for k, v in model_config.items()
                     if k not in ("paradigm", "variant", "num_frames", "backbone")}
    given = {k for k, v in task.model_spec.paradigm_args().items() if v is not None}
    unrecorded = given - set(paradigm_args)
    if unrecorded:
        raise ValueError(f"paradigm {model.paradigm!r} was built with {sorted(unrecorded)} but its "
                         "config() does not record them, so the checkpoint could not be rebuilt; "
                         "add them to the paradigm's extra_config()")
    protocol = normalise_protocol(protocol)
    preprocess = dict(task.preprocess)
    if protocol.get("num_frames", preprocess["num_frames"]) != preprocess["num_frames"]:
        raise ValueError(f"protocol: num_frames={protocol['num_frames']} but the model takes "
                         f"{preprocess['num_frames']} frames")
    if metrics and not protocol["dataset"]:
        raise ValueError("protocol: metrics need the dataset they were measured on ('dataset')")
    counts = task.parameter_counts()
    config = {
        "format_version": CONFIG_FORMAT,
        "zoo_version": __version__,
        "name": name,
        "arch": arch,
        "task": {"id": task.task, "class": f"{type(task).__module__}.{type(task).__qualname__}",
                 "args": task.head_config()},
        "optim": task.optim.to_dict(),
        "paradigm": {"id": model.paradigm, "variant": model.variant, "num_frames": model.num_frames,
                     "args": paradigm_args},
        "backbone": dict(backbone),
        "preprocessing": {**preprocess, "sampling": protocol["sampling"],
                          "frame_stride": protocol["frame_stride"], "fps": protocol["fps"]},
        "evaluation": {"dataset": protocol["dataset"], "split": protocol["split"],
                       "num_frames": preprocess["num_frames"], "clips": protocol["clips"],
                       "crops": protocol["crops"], "metrics": normalise_metrics(metrics)},
        "parameters": {"trainable": int(counts["trainable"]), "total": int(counts["total"])},
        "gflops": None if gflops is None else float(gflops),
        "license": license or DEFAULT_LICENSE,
    }
    for field, value in config.items():
        _checked_json(value, field)
    return config


def read_training_config(training_config: Union[str, Path, Mapping, None]) -> Optional[str]:
    """The training recipe as YAML text: from a YAML file path, YAML text, or a dict."""
    if training_config is None:
        return None
    if isinstance(training_config, Mapping):
        return yaml.safe_dump(dict(training_config), sort_keys=False)
    if isinstance(training_config, Path) or (isinstance(training_config, str) and "\n" not in training_config):
        path = Path(training_config)
        if not path.is_file():
            raise FileNotFoundError(f"training_config: {path} is not a file")
        return path.read_text()
    yaml.safe_load(training_config)  # must at least parse
    return training_config


# ---------------------------------------------------------------------- save
def save_pretrained(task, directory: Union[str, Path], metrics: Optional[Mapping[str, Any]] = None,
                    protocol: Optional[Mapping[str, Any]] = None,
                    training_config: Union[str, Path, Mapping, None] = None, *,
                    name: Optional[str] = None, gflops: Optional[float] = None,
                    license: Optional[str] = None) -> Path:
    """Write ``task`` as a pretrained folder and return its path.

    Args:
        task: a ``VideoTask`` (any paradigm × task).
        directory: the folder; its base name is the checkpoint name (``arch.tag``) unless
            ``name`` is given.
        metrics: measured metrics (``{"test/top1": 0.9, ...}``), measured under ``protocol``.
        protocol: ``dataset``, ``split``, ``clips``, ``crops``, ``sampling``, ``frame_stride``,
            ``fps`` (frames come from the model).
        training_config: the LightningCLI recipe (YAML path, text or dict) — saved as
            ``training_config.yaml`` and shown in the card.
    """
    directory = Path(directory)
    name = name or directory.name
    config = build_config(task, name, metrics, protocol, gflops, license)
    storage = storage_mode(task)
    if storage == "delta" and not config["backbone"].get("weights_sha256"):
        raise ValueError(f"backbone {config['backbone']['id']!r} has no weights_sha256, so a "
                         "delta checkpoint could not verify the weights it is rebuilt on")
    state, row_deltas = stored_state_dict(task, storage), {}
    if storage == "delta":
        state, row_deltas = encode_row_deltas(state, base_entries(task, state))
    state = _to_saveable(state)
    recipe = read_training_config(training_config)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / WEIGHTS_NAME
    save_file(state, str(weights), metadata={"format": "pt", "zoo_name": name, "storage": storage})
    config["parameters"]["stored"] = int(sum(t.numel() for k, t in state.items() if not is_row_index(k)))
    config["weights"] = {"file": WEIGHTS_NAME, "storage": storage, "tensors": len(state),
                         **file_record(weights)}
    if row_deltas:
        config["format_version"] = ROW_DELTA_FORMAT
        config["weights"]["row_deltas"] = row_deltas
    (directory / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    training_path = directory / TRAINING_CONFIG_NAME
    if recipe is not None:
        training_path.write_text(recipe)
    elif training_path.exists():
        training_path.unlink()  # a stale recipe of an earlier export must not survive
    (directory / CARD_NAME).write_text(render_card(config, recipe))
    return directory


# ---------------------------------------------------------------------- load
def read_config(folder: Union[str, Path]) -> dict:
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a zoo pretrained folder: {CONFIG_NAME} is missing")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason}); the folder is "
                         "damaged: download or export it again") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}, at "
                         f"character {error.pos} of {len(error.doc)}); the file is truncated or edited: "
                         "download or export the checkpoint again") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(config).__name__}")
    if config.get("format_version") not in READABLE_FORMATS:
        raise ValueError(f"{path}: format_version {config.get('format_version')!r} is not one of "
                         f"{READABLE_FORMATS}; it was written by zoo {config.get('zoo_version')}")
    for block in ("name", "task", "paradigm", "backbone", "preprocessing", "evaluation", "weights"):
        if block not in config:
            raise ValueError(f"{path}: field {block!r} is missing")
    if config["format_version"] == 1:
        head = dict(config["task"]["args"])
        config["optim"] = {k: head.pop(k) for k in OPTIM_SETTINGS if k in head}
        config["task"] = {**config["task"], "args": head}
    return config


def split_legacy_hparams(hparams: Mapping[str, Any]) -> dict[str, Any]:
    """zoo 0.1 task hyperparameters (``paradigm=..., lr=..., <head args>``) as today's
    ``{"model": {...}, "optim": {...}, <head args>}``; today's pass through unchanged."""
    hparams = {k: v for k, v in hparams.items() if not k.startswith("_")}
    if "model" in hparams or "paradigm" not in hparams:
        return hparams
    model = {k: hparams.pop(k) for k in LEGACY_MODEL_ARGUMENTS if k in hparams}
    model.update(model.pop("paradigm_args", None) or {})
    optim = {k: hparams.pop(k) for k in OPTIM_SETTINGS if k in hparams}
    return {"model": model, "optim": optim, **hparams}


def build_from_config(config: Mapping) -> Any:
    """The task module ``config`` describes, with its backbone's pretrained weights (checked
    against ``weights_sha256``) but without the stored weights.

    The base weights are rebuilt even when every weight is stored (``full``): a paradigm may
    keep a frozen copy of them outside its state dict (the distillation teacher). A loaded model over
    pretrained weights keeps its text tower (training drops it where nothing encodes text), so
    that any such checkpoint can also classify zero-shot among names given at prediction time."""
    backbone = config["backbone"]
    paradigm = config["paradigm"]
    pretrained = backbone.get("pretrained")
    import zoo.tasks  # noqa: F401  (registers the task classes)

    model = {"paradigm": paradigm["id"], "backbone": backbone["id"], "variant": paradigm["variant"],
             "num_frames": paradigm["num_frames"], "backbone_pretrained": pretrained if pretrained else False,
             **(paradigm.get("args") or {}),
             "text_tower": True if pretrained else None}
    task = TASKS.class_of(config["task"]["id"])(model=model, optim=config.get("optim"), **config["task"]["args"])
    expected, actual = backbone.get("weights_sha256"), task.model.backbone.weights_sha256
    if expected != actual:
        raise ValueError(
            f"{config['name']}: backbone {backbone['id']!r} (pretrained={pretrained!r}) was rebuilt "
            f"with weights sha256 {actual}, but the checkpoint was trained on weights with sha256 "
            f"{expected}. The base weights differ (a retrained tiny backbone, another open_clip tag "
            f"or file); load it with the backbone weights it was trained on.")
    return task


def load_folder(folder: Union[str, Path], config: Optional[dict] = None):
    """Rebuild the task stored in ``folder`` (in eval mode) with strict key checks."""
    folder = Path(folder)
    config = config or read_config(folder)
    weights = folder / config["weights"]["file"]
    if not weights.is_file():
        raise FileNotFoundError(f"{folder}: {config['weights']['file']} is missing")
    verify_file(weights, {"sha256": config["weights"]["sha256"], "size": config["weights"]["size"]},
                f"{config['weights']['file']} of {config['name']}",
                fix="It does not match the sha256 and size its config.json records; export it again.")
    task = build_from_config(config)
    state = decode_row_deltas(load_file(str(weights)), task.state_dict(),
                              config["weights"].get("row_deltas") or {}, str(weights))
    expected = set(stored_state_dict(task, config["weights"]["storage"]))
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise KeyError(f"{weights}: the stored keys do not match {config['name']} "
                       f"(storage={config['weights']['storage']}): missing {missing[:10]}"
                       f"{' ...' if len(missing) > 10 else ''}, unexpected {unexpected[:10]}"
                       f"{' ...' if len(unexpected) > 10 else ''}")
    result = task.load_state_dict(state, strict=False)
    not_loaded = set(task.state_dict()) - expected
    if set(result.missing_keys) != not_loaded or result.unexpected_keys:
        raise KeyError(f"{weights}: loading left {sorted(set(result.missing_keys) - not_loaded)[:10]} "
                       f"unset and {result.unexpected_keys[:10]} unused")
    task.pretrained_config = config
    return task.eval()
