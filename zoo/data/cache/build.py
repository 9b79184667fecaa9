"""Building a frozen-feature cache: the frozen tower runs once over every frame of a split.

:func:`build_cache` decodes each video of a split (every ``frame_stride``-th frame, all of the
video — in DataLoader workers when ``num_workers > 0``), applies the evaluation transform (centre
crop, or the 3 test crops), runs the paradigm's ``frozen_frame_features`` on batches of
``batch_frames`` frames across videos on the model's device (under the run's autocast), and writes
one litdata item per video with litdata's ``BinaryWriter`` — the chunk writer ``litdata.optimize``
uses, driven here from the one process that holds the model, so that the model runs batched on its
accelerator instead of once per ``optimize`` worker process (which would each load their own copy
and force the global multiprocessing start method). Readers use ``StreamingDataset`` as for any
optimized dataset (:mod:`zoo.data.cache.store`).

The folder appears atomically: it is written under a temporary name and renamed when complete,
so an interrupted build leaves no half cache, and two processes building the same key (e.g. the
first process of each node on a shared file system) end with one folder.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from contextlib import closing, nullcontext
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from zoo.data.cache.key import STORAGE_DTYPES, key_digest
from zoo.data.cache.store import KEY_FILE, VIDEOS_FILE
from zoo.data.records import VideoRecord
from zoo.data.transforms import VideoTransform
from zoo.data.video import VideoDecodeError

CHUNK_BYTES = "64MB"


class DecodedVideos(Dataset):
    """Item ``i``: the ``i``-th video's cached frames as the model's input, ``[n, crops, 3, h, w]``
    (``n`` = every ``stride``-th frame), with its frame count, fps and frame size — or the reason it
    does not decode."""

    def __init__(self, videos: list[tuple[str, VideoRecord]], source: Callable[[VideoRecord], Any],
                 transform: VideoTransform, stride: int):
        self.videos, self.source, self.transform, self.stride = videos, source, transform, stride

    def __len__(self) -> int:
        return len(self.videos)

    def __getitem__(self, index: int) -> dict[str, Any]:
        key, record = self.videos[index]
        try:
            source = self.source(record)
            with closing(source) if hasattr(source, "close") else nullcontext():
                count, fps = int(source.num_frames), float(source.fps)
                if count <= 0:
                    raise VideoDecodeError(record.path or record.video_id, "the video has zero frames")
                frames = np.asarray(source.get_frames(list(range(0, count, self.stride))))
        except VideoDecodeError as error:
            return {"key": key, "error": error.reason or str(error)}
        video = self.transform(frames).video  # [n, 3, h, w] or [crops, n, 3, h, w]
        video = video[:, None] if self.transform.crops == 1 else video.transpose(0, 1)
        return {"key": key, "frames": video, "source_frames": count, "fps": fps,
                "size": [int(frames.shape[1]), int(frames.shape[2])]}


def _single(item: Any) -> Any:
    return item


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="video", disable=not enabled, dynamic_ncols=True)


def build_cache(root: str, key: dict, model: Any, videos: dict[str, VideoRecord],
                source: Callable[[VideoRecord], Any], preprocess: dict, tokens: bool = False,
                batch_frames: int = 256, num_workers: int = 0, progress: bool = True,
                desc: str = "caching features") -> str:
    """Build the cache of ``key`` under ``root`` (the folder ``root/<key digest>``) and return its
    path; an existing complete folder is returned as is.

    ``model`` is the paradigm's ``VideoTextModel`` (its ``frozen_frame_features(frames, tokens)``
    runs on the device of its backbone); ``videos`` maps video keys to a record of each video;
    ``source`` gives a record's frame source (the datamodule's); ``preprocess`` is the model's.
    """
    if "://" in str(root):
        raise ValueError(f"feature caches are built on a local or shared file system, not {root!r}; "
                         "build locally (zoo cache-features), upload the folder, then read it from there")
    from litdata.streaming.writer import BinaryWriter

    final = Path(root) / key_digest(key)
    if (final / KEY_FILE).is_file():
        return str(final)
    temporary = Path(root) / f".{final.name}.building-{socket.gethostname()}-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)

    crops, stride = int(key["transform"]["crops"]), int(key["grid"]["frame_stride"])
    dtype = STORAGE_DTYPES[key["dtype"]]
    autocast = key["model"]["autocast"]
    transform = VideoTransform(preprocess, train=False, crops=crops)
    loader = DataLoader(DecodedVideos(list(videos.items()), source, transform, stride), batch_size=None,
                        num_workers=num_workers, collate_fn=_single)
    device = next(model.backbone.parameters()).device
    writer = BinaryWriter(str(temporary), chunk_bytes=CHUNK_BYTES)
    manifest: dict[str, Any] = {"videos": {}, "missing": {}}
    pending: list[dict] = []
    frames_done, started = 0, time.perf_counter()
    was_training = model.training
    model.eval()
    bar = _progress(len(videos), desc, progress)

    def encode(batch: list[dict]) -> None:
        nonlocal frames_done
        if not batch:
            return
        flat = torch.cat([item["frames"].flatten(0, 1) for item in batch])  # [M, 3, h, w]
        outputs: dict[str, list[torch.Tensor]] = {}
        context = torch.autocast(device.type, dtype=getattr(torch, autocast)) if autocast else nullcontext()
        with torch.no_grad(), context:
            for start in range(0, flat.shape[0], batch_frames):
                piece = model.frozen_frame_features(flat[start:start + batch_frames].to(device), tokens=tokens)
                for name, value in piece.items():
                    outputs.setdefault(name, []).append(value.to("cpu", dtype))
        fields = {name: torch.cat(values) for name, values in outputs.items()}
        offset = 0
        for item in batch:
            n = item["frames"].shape[0]
            size = n * crops
            index = len(manifest["videos"])
            writer[index] = {"key": item["key"], **{name: value[offset:offset + size].unflatten(0, (n, crops)).clone()
                                                    for name, value in fields.items()}}
            offset += size
            manifest["videos"][item["key"]] = {"index": index, "frames": n, "source_frames": item["source_frames"],
                                               "fps": item["fps"], "size": item["size"]}
        frames_done += flat.shape[0]
        bar.update(len(batch))
        bar.set_postfix(frames_per_s=f"{frames_done / max(time.perf_counter() - started, 1e-9):.0f}")

    try:
        queued = 0
        for item in loader:
            if "error" in item:
                manifest["missing"][item["key"]] = item["error"]
                bar.update(1)
                continue
            pending.append(item)
            queued += item["frames"].shape[0] * crops
            if queued >= batch_frames:
                encode(pending)
                pending, queued = [], 0
        encode(pending)
    except BaseException:
        bar.close()
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        model.train(was_training)
    bar.close()
    if not manifest["videos"]:
        shutil.rmtree(temporary, ignore_errors=True)
        first = next(iter(manifest["missing"].items()), ("", "no videos"))
        raise VideoDecodeError(first[0], f"no video of the split decodes, nothing to cache ({first[1]})")
    writer.done()
    # one writer, whatever the process group says: merge its index without waiting for other
    # ranks' (BinaryWriter.merge would wait for world_size index files under DDP)
    writer._merge_no_wait()
    manifest["seconds"] = round(time.perf_counter() - started, 3)
    manifest["frames"] = frames_done
    (temporary / KEY_FILE).write_text(json.dumps(key, indent=1, sort_keys=True) + "\n")
    (temporary / VIDEOS_FILE).write_text(json.dumps(manifest) + "\n")
    try:
        os.rename(temporary, final)
    except OSError:  # another process finished the same key first
        shutil.rmtree(temporary, ignore_errors=True)
        if not (final / KEY_FILE).is_file():
            raise
    return str(final)


def folder_size(folder: str) -> int:
    """Bytes of a cache folder."""
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


__all__ = ["build_cache", "folder_size", "DecodedVideos"]
