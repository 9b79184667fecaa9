"""Reading a frozen-feature cache: litdata's ``StreamingDataset`` over the chunks, one item per video.

A cache folder (written by :mod:`zoo.data.cache.build`) holds:

- litdata's ``index.json`` and ``chunk-*.bin``: item ``i`` is ``{"key": video key, <field>:
  [n, crops, ...]}`` for the i-th video (n = the video's cached frames: every
  ``frame_stride``-th frame);
- ``key.json``: the cache key (:mod:`zoo.data.cache.key`);
- ``videos.json``: per video key its item index, cached frames ``n``, the source's frame count,
  fps and frame size (h, w), and the videos that failed to decode (with the reason).

The folder may be local, on a shared file system, or in object storage (any ``fsspec`` URL
litdata streams from, e.g. ``s3://``): each process opens its own ``StreamingDataset``, which
reads (local) or streams (remote, into a local chunk cache) only the chunks its items live in —
under DDP every rank reads its own share of the items, nothing is copied per rank.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import fsspec
import torch

from zoo.data.cache.key import key_digest, video_key
from zoo.data.records import VideoRecord
from zoo.data.transforms import CropParams, VideoTransform
from zoo.data.video import VideoDecodeError

KEY_FILE = "key.json"
VIDEOS_FILE = "videos.json"


class StaleCacheError(RuntimeError):
    """A cache does not match what the run would compute (another model, transform, video set)."""


def read_json(url: str) -> Any:
    with fsspec.open(url, "r") as handle:
        return json.load(handle)


def join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name


@dataclass
class CachedVideo:
    """One video's cached frames, behind the frame-source protocol of datasets.

    num_frames  cached frames n (frame k of the cache is frame ``k * frame_stride`` of the video)
    fps         frames per second of the cached grid (the video's fps / frame_stride)
    duration    seconds of the video (source frames / source fps)
    size        (h, w) of the decoded frames, before the transform
    crops       the crops each cached frame was taken with (``CropParams``, one per crop)
    fields      {name: [n, crops, ...]}
    stride      cached frame k is frame ``k * stride`` of the video
    """

    key: str
    num_frames: int
    fps: float
    duration: float
    size: tuple[int, int]
    crops: tuple[CropParams, ...]
    fields: dict[str, torch.Tensor]
    stride: int = 1

    def take(self, indices: list[int], crop: int) -> dict[str, torch.Tensor]:
        """``{name: [len(indices), ...]}`` of one crop at cached-frame ``indices``."""
        index = torch.as_tensor(indices, dtype=torch.long)
        if len(indices) and (int(index.min()) < 0 or int(index.max()) >= self.num_frames):
            raise IndexError(f"{self.key}: frames {indices} outside the {self.num_frames} cached frames")
        return {name: value[index, crop] for name, value in self.fields.items()}


class FeatureCache:
    """A built cache folder, opened for reading (module docstring). ``cache.video(record)`` gives
    the :class:`CachedVideo` of a record's video; ``expected_key`` (optional) is checked against
    the stored key."""

    def __init__(self, folder: str, expected_key: Optional[dict] = None):
        self.folder = str(folder)
        self.key = read_json(join(self.folder, KEY_FILE))
        if expected_key is not None and self.key != expected_key:
            raise StaleCacheError(_difference(self.key, expected_key, self.folder))
        manifest = read_json(join(self.folder, VIDEOS_FILE))
        self.videos: dict[str, dict] = manifest["videos"]
        self.missing: dict[str, str] = manifest.get("missing", {})
        transform = self.key["transform"]
        self.stride = int(self.key["grid"]["frame_stride"])
        self._eval = VideoTransform({k: v for k, v in transform.items() if k != "crops" and v is not None},
                                    train=False, crops=transform["crops"])
        self._dataset = None

    def __getstate__(self) -> dict:  # DataLoader workers open their own StreamingDataset
        return {**self.__dict__, "_dataset": None}

    @property
    def dataset(self):
        if self._dataset is None:
            from litdata import StreamingDataset

            # one item decoded per read: zoo's samplers read items in a shuffled order, so
            # litdata's default window (32 neighbours of a small item decoded together, then
            # dropped by the next random read) cost 30x the work; a cached epoch took 1.5x longer
            self._dataset = StreamingDataset(self.folder, batch_decode="item")
        return self._dataset

    def __len__(self) -> int:
        return len(self.videos)

    def crops_for(self, size: tuple[int, int]) -> tuple[CropParams, ...]:
        """The crops the cache took of frames of ``size`` (h, w)."""
        return tuple(self._eval.get_params(tuple(size)))

    def video(self, record: VideoRecord) -> CachedVideo:
        key = video_key(record)
        if key in self.missing:
            raise VideoDecodeError(record.path or record.video_id, f"not in the feature cache: {self.missing[key]}")
        entry = self.videos.get(key)
        if entry is None:
            raise StaleCacheError(f"video {key!r} ({record.where()}) is not in the feature cache "
                                  f"{self.folder}; the cache was built for other records")
        item = self.dataset[int(entry["index"])]
        if item["key"] != key:
            raise StaleCacheError(f"feature cache {self.folder}: item {entry['index']} holds video "
                                  f"{item['key']!r}, the index says {key!r}; the folder is corrupt, delete it")
        fields = {name: value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
                  for name, value in item.items() if name != "key"}
        size = (int(entry["size"][0]), int(entry["size"][1]))
        return CachedVideo(key=key, num_frames=int(entry["frames"]), fps=float(entry["fps"]) / self.stride,
                           duration=int(entry["source_frames"]) / float(entry["fps"]), size=size,
                           crops=self.crops_for(size), fields=fields, stride=self.stride)

    def __repr__(self) -> str:
        return f"FeatureCache({self.folder!r}, {len(self.videos)} videos, fields={self.key['model']['fields']})"


def _difference(stored: dict, expected: dict, folder: str) -> str:
    """Which top-level parts of two keys differ, for the error message."""
    parts = sorted(k for k in set(stored) | set(expected) if stored.get(k) != expected.get(k))
    detail = "; ".join(f"{p}: cache {json.dumps(stored.get(p), sort_keys=True)[:200]} != run "
                       f"{json.dumps(expected.get(p), sort_keys=True)[:200]}" for p in parts)
    return (f"feature cache {folder} (key {key_digest(stored)}) was built for other inputs than this "
            f"run's (key {key_digest(expected)}): {detail}")
