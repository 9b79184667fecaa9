"""The key of a frozen-feature cache: everything that decides the cached numbers, hashed.

A cache folder is named by the sha256 of its key, and stores the key in ``key.json``; reading
checks the stored key against the one the run computes, so a cache built for other weights,
frames, transform or videos is never read silently — a changed input is a different folder (built
anew, or a clear error where building is off).

The key holds:

- ``model``: the paradigm, the fields it caches (``frozen_fields``: e.g. ``embeddings``, the
  side network's layers), the backbone's name and tag, and the sha256 of the vision tower's
  weights *as they are in memory* (not the file they came from), and the autocast dtype the
  frozen tower runs under (``precision``);
- ``transform``: the preprocessing (mean, std, size, interpolation, resize mode) and the spatial
  crops per frame (1 centre crop, or 3 for a 3-crop test protocol);
- ``grid``: which frames are cached (every ``frame_stride``-th frame of each video, all of it);
- ``data``: the datamodule's class and its settings that can change pixels (every public
  attribute except those listed in ``ZooDataModule.cache_ignores``), the split, and the sha256
  of the split's video identities (for files: path, size and modification time);
- ``dtype``: how the features are stored.

The clip sampler is not in the key: it runs at load time on the cached frame grid, so training
keeps its random temporal offsets (TSN segments) and reads exactly the frames the pixel path
would decode.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import torch

from zoo.backbones.clip import state_dict_sha256
from zoo.data.records import VideoRecord

FORMAT_VERSION = 1
STORAGE_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
TRANSFORM_KEYS = ("mean", "std", "size", "interpolation", "resize_mode")


def video_key(record: VideoRecord) -> str:
    """The identity of the video a record reads (several records may share one video): its file
    path, or its video id for sources without files (the synthetic world)."""
    return record.path or record.video_id


def unique_videos(records: Iterable[VideoRecord]) -> dict[str, VideoRecord]:
    """``{video_key: first record of that video}``, in record order."""
    videos: dict[str, VideoRecord] = {}
    for record in records:
        videos.setdefault(video_key(record), record)
    return videos


def file_identity(path: Path) -> list:
    """``[path, size, mtime_ns]`` of a video file (``[path]`` when it is missing: the build then
    records it as missing, and a file appearing later changes the key)."""
    try:
        stat = os.stat(path)
    except OSError:
        return [str(path)]
    return [str(path), stat.st_size, stat.st_mtime_ns]


def videos_digest(videos: dict[str, VideoRecord], source: Callable[[VideoRecord], Any]) -> str:
    """sha256 over the identities of a split's videos (files: path, size, mtime)."""
    resolve = getattr(source, "resolve", None)
    digest = hashlib.sha256()
    for key, record in videos.items():
        identity = file_identity(Path(resolve(record))) if resolve and record.path else [key]
        digest.update(json.dumps(identity).encode())
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)


def datamodule_settings(datamodule: Any, ignore: Iterable[str]) -> dict[str, Any]:
    """The datamodule's public attributes that may change pixels (JSON)."""
    skip = set(ignore)
    return {name: _jsonable(value) for name, value in sorted(vars(datamodule).items())
            if not name.startswith("_") and name not in skip}


def weights_fingerprint(module: torch.nn.Module) -> str:
    """``state_dict_sha256`` of ``module``: its weights as they are in memory, hashed anew on
    every call (a memo keyed on version counters would miss writes through ``.data``)."""
    return state_dict_sha256(module)


def model_key(model: Any, tokens: bool, precision: Optional[str]) -> dict[str, Any]:
    """The model's part of the key; raises for a paradigm that cannot train from a cache."""
    fields = getattr(model, "frozen_fields", None)
    if fields is None or not hasattr(model, "encode_frozen"):
        raise TypeError(
            f"paradigm {getattr(model, 'paradigm', type(model).__name__)!r} cannot train from a "
            "frozen-feature cache: its backbone trains (or its input is not the frozen tower's "
            "output). Only frozen-feature paradigms (postnet, side) read one; drop feature_cache")
    backbone = model.backbone
    return {"paradigm": model.paradigm, "fields": list(fields(tokens)),
            "backbone": {"id": backbone.spec.id, "open_clip_name": backbone.spec.open_clip_name,
                         "pretrained": backbone.pretrained},
            "visual_sha256": weights_fingerprint(backbone.clip.visual),
            "autocast": autocast_dtype(precision)}


def autocast_dtype(precision: Optional[str]) -> Optional[str]:
    """The autocast dtype a Lightning precision runs the model under (None: no autocast)."""
    precision = str(precision or "32-true")
    if precision.startswith("bf16") and "mixed" in precision:
        return "bfloat16"
    if precision.startswith("16") and "mixed" in precision:
        return "float16"
    if precision in ("32-true", "32", "64-true", "64"):
        return None
    raise ValueError(f"the feature cache supports 32-true, bf16-mixed and 16-mixed precision, got {precision!r}")


def cache_key(model_part: dict, preprocess: dict, crops: int, frame_stride: int, dtype: str,
              data_part: dict) -> dict[str, Any]:
    """The whole key (module docstring)."""
    if dtype not in STORAGE_DTYPES:
        raise ValueError(f"feature cache dtype must be one of {sorted(STORAGE_DTYPES)}, got {dtype!r}")
    if frame_stride < 1:
        raise ValueError(f"feature cache frame_stride must be >= 1, got {frame_stride}")
    return {"format": FORMAT_VERSION, "model": model_part,
            "transform": {**{k: _jsonable(preprocess.get(k)) for k in TRANSFORM_KEYS}, "crops": crops},
            "grid": {"frame_stride": frame_stride}, "dtype": dtype, "data": data_part}


def key_digest(key: dict) -> str:
    """The folder name of a key: the first 24 hex digits of the sha256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
