"""Map-style video dataset over standard records, and the collate function of the standard batch.

``VideoDataset(records, source, sampler, transform, train)`` turns record ``i`` into one sample
dict with the keys of the standard batch (``zoo.data.records.BATCH_KEYS``): ``source(record)``
gives frames (a ``VideoReader`` for files, a renderer for the world), ``sampler(n, rng, fps)``
V lists of T frame indices, ``transform(frames, boxes, rng)`` uint8 ``[T, H, W, 3]`` -> float
``[T, 3, h, w]`` (+ boxes in pixels of the model input). ``video`` is ``[T, 3, h, w]`` or
``[V, T, 3, h, w]`` (views clip-major); an annotation key is present for every item once any
record has it (fill values otherwise), so every batch has the same keys. Seconds are relative to
the record's ``start``. Training draws from a generator seeded by ``(seed, epoch, index)``
(``EpochSampler`` carries the epoch to every worker); evaluation is deterministic. Decode errors:
``on_error="raise"`` (``ItemLoadError`` naming the record) or ``"skip"`` (logged, counted in
``dataset.skipped``, never silent).

Full definition: ``docs/data.md#the-standard-batch``.
"""

from __future__ import annotations

import logging
import math
from contextlib import closing, nullcontext
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from zoo.data.records import (VideoRecord, frame_lookup, relative_segments, saliency_table,
                              span_frames, span_limits)
from zoo.data.sampling import ClipSampler, EpochSampler
from zoo.data.transforms import TransformedClip
from zoo.data.video import FrameSource, VideoDecodeError

__all__ = ["VideoDataset", "EpochSampler", "collate_batch", "ItemLoadError", "SkippedItem"]

logger = logging.getLogger("zoo.data")

QA_KEYS = ("question", "answer", "answer_index", "question_type", "choices", "question_id")
QA_MODES = ("random", "first", "expand")
ALWAYS_KEYS = ("video", "video_id", "frame_times", "valid")  # produced whatever ``keys`` says


class ItemLoadError(RuntimeError):
    """A dataset item could not be loaded; the message names the record and the reason."""

    def __init__(self, message: str, *, where: str = "", path: str = "", reason: str = ""):
        super().__init__(message)
        self.where, self.path, self.reason = where, path, reason


@dataclass(frozen=True)
class SkippedItem:
    """One item ``on_error="skip"`` left out: dataset ``index``, ``record.where()``, file, why."""

    index: int
    where: str
    path: str
    reason: str


class VideoDataset(Dataset):
    """Map-style dataset: ``dataset[i]`` is one sample dict of the standard batch (module doc).

    Args:
        records: the standard records (from a parser in ``zoo.data.formats`` or the synthetic
            world).
        source: ``record -> FrameSource`` (e.g. ``VideoFileSource(root)``). Called once per item;
            the source is closed after use when it has ``close()``.
        sampler: a clip sampler (``zoo.data.sampling``).
        transform: a ``VideoTransform`` or any ``(frames, boxes=None, rng=None)`` callable that
            returns a ``TransformedClip`` or a video tensor; ``None`` keeps uint8 ``[T, 3, H, W]``.
        train: random sampling (seeded per item) if True, deterministic otherwise.
        seed: base seed of the per-item generators.
        on_error: ``"raise"`` or ``"skip"`` (module doc).
        qa: how an item picks its question: ``"random"``, ``"first"`` or ``"expand"``; default
            ``"random"`` in training, ``"first"`` in evaluation.
        keys: the annotation keys to produce (a task's ``batch_keys``); ``None``: every key the
            records annotate. ``video``, ``video_id``, ``frame_times`` and ``valid`` are always
            produced. Leaving out keys the consumer never reads skips their per-item work (box
            and track lookup, box mapping through the transform).
    """

    def __init__(self, records: Sequence[VideoRecord], source: Callable[[VideoRecord], FrameSource],
                 sampler: ClipSampler, transform: Optional[Callable], train: bool, seed: int = 0,
                 on_error: str = "raise", qa: Optional[str] = None,
                 keys: Optional[Iterable[str]] = None):
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        qa = qa or ("random" if train else "first")
        if qa not in QA_MODES:
            raise ValueError(f"qa must be one of {QA_MODES}, got {qa!r}")
        self.records = list(records)
        self.source, self.sampler, self.transform = source, sampler, transform
        self.train, self.seed, self.on_error, self.qa = train, int(seed), on_error, qa
        self.epoch = 0
        self.skipped: list[SkippedItem] = []
        self._bad: set[int] = set()
        # items: (record index, question index); -1 = no fixed question
        self.items: list[tuple[int, int]] = []
        for r, record in enumerate(self.records):
            if qa == "expand" and record.qa:
                self.items.extend((r, q) for q in range(len(record.qa)))
            else:
                self.items.append((r, -1))
        self.wanted = None if keys is None else tuple(keys)
        self.keys = self._annotated_keys()

    # -- bookkeeping -------------------------------------------------------------------------
    def _annotated_keys(self) -> tuple[str, ...]:
        recs = self.records
        keys = ["video", "video_id", "frame_times"]
        if any(r.label >= 0 for r in recs):
            keys.append("label")
        if any(r.labels for r in recs):
            keys.append("labels")
        if any(r.captions for r in recs):
            keys.append("captions")
        if any(r.qa for r in recs):
            keys.extend(QA_KEYS)
        if any(r.segments for r in recs):
            keys.extend(("segments", "windows", "window_mask"))
        if any(r.query for r in recs):
            keys.append("query")
        if any(r.query_id for r in recs):
            keys.append("query_id")
        if any(r.query_type for r in recs):
            keys.append("query_type")
        if any(r.saliency_clips for r in recs):
            keys.extend(("saliency", "saliency_mask", "frame_saliency", "clip_length"))
        if any(r.segments or r.saliency_clips or r.tube_frames for r in recs):
            keys.append("duration")
        if any(r.tube_frames for r in recs):
            keys.extend(("boxes", "frame_mask"))
        if any(r.tracks for r in recs):
            keys.append("tracks")
        if getattr(self.sampler, "variable_length", False):
            keys.append("valid")
        if self.wanted is not None:
            keys = [k for k in keys if k in ALWAYS_KEYS or k in self.wanted]
        tracks = [t for r in recs for t in r.tracks]
        self._track_novel = any(t.novel is not None for t in tracks)
        self._track_category_ids = any(t.category_id >= 0 for t in tracks)
        return tuple(keys)

    def set_epoch(self, epoch: int) -> None:
        """Change the training randomness for a new epoch (see the module doc on workers)."""
        self.epoch = int(epoch)

    def generator(self, index: int, epoch: Optional[int] = None) -> np.random.Generator:
        """The generator item ``index`` draws from in ``epoch`` (default: the current one)."""
        epoch = self.epoch if epoch is None else epoch
        return np.random.default_rng(np.random.SeedSequence([self.seed, int(epoch), int(index)]))

    def __len__(self) -> int:
        return len(self.items)

    def record(self, index: int) -> VideoRecord:
        """The record behind item ``index``."""
        return self.records[self.items[index][0]]

    # -- loading -----------------------------------------------------------------------------
    def __getitem__(self, index: Union[int, tuple[int, int]]) -> dict[str, Any]:
        """Item ``index`` in the current epoch, or ``(epoch, index)`` (what ``EpochSampler``
        yields) for an explicit epoch."""
        epoch = self.epoch
        if isinstance(index, tuple):
            epoch, index = (int(i) for i in index)
        n = len(self.items)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for a dataset of {n} items")
        index %= n
        for step in range(n):
            j = (index + step) % n
            if j in self._bad:
                continue
            record = self.record(j)
            try:
                return self._load(j, epoch)
            except VideoDecodeError as e:
                where = record.where()
                if self.on_error == "raise":
                    raise ItemLoadError(f"{where}: {e}", where=where, path=e.path,
                                        reason=e.reason) from e
                self._bad.add(j)
                self.skipped.append(SkippedItem(j, where, e.path, e.reason))
                logger.warning("skipping %s (%s): %s [%d skipped so far in this process]",
                               where, e.path, e.reason, len(self.skipped))
        raise ItemLoadError(f"no item of this dataset loads ({len(self.skipped)} skipped; first: "
                            f"{self.skipped[0].where}: {self.skipped[0].reason})")

    def _load(self, index: int, epoch: int) -> dict[str, Any]:
        record_index, qa_index = self.items[index]
        record = self.records[record_index]
        rng = self.generator(index, epoch) if self.train else None
        source = self.source(record)
        with closing(source) if hasattr(source, "close") else nullcontext():
            num_frames, fps = int(source.num_frames), float(source.fps)
            first, stop = span_frames(record, num_frames, fps)
            offered = stop - first
            chosen = self.sampler(offered, rng, fps=fps) if isinstance(self.sampler, ClipSampler) \
                else self.sampler(offered, rng)
            views = [[first + i for i in view] for view in chosen]
            wanted = sorted({i for view in views for i in view})
            frames = np.asarray(source.get_frames(wanted))
        if frames.ndim != 4 or frames.shape[0] != len(wanted) or frames.shape[-1] != 3:
            raise ValueError(f"{record.where()}: the frame source returned shape {frames.shape} "
                             f"for {len(wanted)} frames; expected [{len(wanted)}, H, W, 3]")
        position = {i: k for k, i in enumerate(wanted)}
        offset = record.start or 0.0

        size = (int(frames.shape[1]), int(frames.shape[2]))
        tube = frame_lookup(record, record.tube_frames, record.tube_boxes, fps, size) \
            if "boxes" in self.keys else None
        tracks = record.tracks if "tracks" in self.keys else []
        track_boxes = [_track_lookup(t, record, fps, size) for t in tracks]
        videos, times, tube_out, tracks_out, saliency = [], [], [], [], []
        for view in views:
            clip = frames[[position[i] for i in view]]
            boxes, present = _view_boxes(view, tube, track_boxes)
            out = self._transform(clip, boxes, rng)
            crops = out.video.shape[0] if out.video.ndim == 5 else 0
            video = out.video if crops else out.video[None]
            videos.append(video)
            frame_times = torch.tensor([i / fps - offset for i in view], dtype=torch.float32)
            times.extend([frame_times] * max(crops, 1))
            if "frame_saliency" in self.keys:
                saliency.extend([_frame_saliency(record, view, fps, num_frames / fps)]
                                * max(crops, 1))
            if boxes is not None:
                b, valid = (out.boxes, out.valid) if crops else (out.boxes[None], out.valid[None])
                valid = valid & present
                for c in range(b.shape[0]):
                    tube_out.append((b[c, :, 0], valid[c, :, 0]))
                    tracks_out.append((b[c, :, 1:], valid[c, :, 1:]))
        video = torch.cat(videos)  # [V, T, 3, h, w]
        single = video.shape[0] == 1

        def views_of(tensors: list[torch.Tensor]) -> torch.Tensor:
            stacked = torch.stack(tensors)
            return stacked[0] if single else stacked

        sample: dict[str, Any] = {
            "video": video[0] if single else video,
            "video_id": record.video_id,
            "frame_times": views_of(times),
        }
        self._annotate(sample, record, qa_index, rng, self.generator(index, epoch),
                       num_frames / fps)
        return self._add_frame_annotations(sample, views_of, saliency, tube, tube_out, tracks, tracks_out)

    def _add_frame_annotations(self, sample: dict, views_of, saliency, tube, tube_out, tracks,
                               tracks_out) -> dict:
        """Add the per-sampled-frame keys (``frame_saliency``, ``valid``, ``boxes`` /
        ``frame_mask``, ``tracks``) to ``sample``; ``views_of`` stacks a per-view list."""
        if "frame_saliency" in self.keys:
            sample["frame_saliency"] = views_of(saliency)
        if "valid" in self.keys:
            sample["valid"] = torch.ones(sample["frame_times"].shape, dtype=torch.bool)
        if tube is not None:
            sample["boxes"] = views_of([b for b, _ in tube_out])
            sample["frame_mask"] = views_of([m for _, m in tube_out])
        if "tracks" in self.keys:
            sample["tracks"] = {
                "boxes": views_of([b for b, _ in tracks_out]),
                "visible": views_of([m for _, m in tracks_out]),
                "track_ids": torch.tensor([t.track_id for t in tracks], dtype=torch.long),
                "categories": [t.category for t in tracks],
            }
            if self._track_novel:
                sample["tracks"]["novel"] = torch.tensor([bool(t.novel) for t in tracks],
                                                         dtype=torch.bool)
            if self._track_category_ids:
                sample["tracks"]["category_ids"] = torch.tensor(
                    [t.category_id for t in tracks], dtype=torch.long)
        return sample

    def _transform(self, clip: np.ndarray, boxes: Optional[torch.Tensor],
                   rng: Optional[np.random.Generator]) -> TransformedClip:
        if self.transform is None:
            video = torch.from_numpy(np.ascontiguousarray(clip)).permute(0, 3, 1, 2)
            valid = None if boxes is None else torch.isfinite(boxes).all(-1)
            return TransformedClip(video, None if boxes is None else torch.nan_to_num(boxes), valid)
        out = self.transform(clip, boxes=boxes, rng=rng)
        if isinstance(out, torch.Tensor):
            if boxes is not None:
                raise TypeError("the transform returned a bare tensor, but this dataset has boxes: "
                                "return a TransformedClip so that boxes follow the crop")
            return TransformedClip(out)
        return out

    def _annotate(self, sample: dict, record: VideoRecord, qa_index: int,
                  rng: Optional[np.random.Generator], fallback: np.random.Generator,
                  file_duration: float) -> None:
        keys = self.keys
        if "label" in keys:
            sample["label"] = torch.tensor(record.label, dtype=torch.long)
        if "labels" in keys:
            sample["labels"] = list(record.labels)
        if "captions" in keys:
            sample["captions"] = list(record.captions)
        if "question" in keys:
            qa = None
            if record.qa:
                if qa_index < 0:
                    if self.qa == "random":
                        gen = rng if rng is not None else fallback
                        qa_index = int(gen.integers(len(record.qa)))
                    else:
                        qa_index = 0
                qa = record.qa[qa_index]
            sample["question"] = qa.question if qa else ""
            sample["answer"] = qa.answer if qa else ""
            sample["answer_index"] = torch.tensor(qa.answer_index if qa else -1, dtype=torch.long)
            sample["question_type"] = qa.question_type if qa else ""
            sample["choices"] = list(qa.choices) if qa else []
            sample["question_id"] = qa.qid if qa else ""
        if "segments" in keys:
            windows = relative_segments(record, file_duration)
            sample["segments"] = torch.tensor(windows[0] if windows else (math.nan, math.nan),
                                              dtype=torch.float32)
            sample["windows"] = torch.tensor(windows, dtype=torch.float32).reshape(-1, 2)
            sample["window_mask"] = torch.ones(len(windows), dtype=torch.bool)
        if "query" in keys:
            sample["query"] = record.query
        if "query_id" in keys:
            sample["query_id"] = record.query_id
        if "query_type" in keys:
            sample["query_type"] = record.query_type
        if "saliency" in keys:
            _, scores, annotated = saliency_table(record, file_duration)
            sample["saliency"] = torch.tensor(scores, dtype=torch.float32).reshape(
                len(scores), -1 if scores else 0)
            sample["saliency_mask"] = torch.tensor(annotated, dtype=torch.bool)
            sample["clip_length"] = torch.tensor(
                float(record.clip_length) if record.clip_length else math.nan)
        if "duration" in keys:
            low, high = span_limits(record, file_duration)
            sample["duration"] = torch.tensor(high - low, dtype=torch.float32)

    def __repr__(self) -> str:
        return (f"VideoDataset({len(self)} items from {len(self.records)} records, "
                f"train={self.train}, sampler={self.sampler!r}, keys={list(self.keys)})")


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def _track_lookup(track, record: VideoRecord, fps: float,
                  size: tuple[int, int]) -> dict[int, tuple[float, ...]]:
    try:
        return frame_lookup(record, track.frames, track.boxes, fps, size)
    except ValueError:
        raise ValueError(f"{record.where()}: track {track.track_id}: {len(track.frames)} frames "
                         f"but {len(track.boxes)} boxes") from None


def _frame_saliency(record: VideoRecord, view: list[int], fps: float,
                    file_duration: float) -> torch.Tensor:
    """float ``[T]``: the mean annotator score of the saliency clip holding each frame of
    ``view`` (file frame indices), 0 where that clip is not annotated."""
    first, scores, annotated = saliency_table(record, file_duration)
    out = torch.zeros(len(view), dtype=torch.float32)
    if not scores:
        return out
    c = float(record.clip_length)
    for t, i in enumerate(view):
        j = math.floor(i / fps / c + 1e-9) - first
        if 0 <= j < len(scores) and annotated[j]:
            out[t] = sum(scores[j]) / len(scores[j])
    return out


def _view_boxes(view: list[int], tube: Optional[dict], tracks: list[dict]
                ) -> tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Boxes ``[T, 1 + K, 4]`` (column 0: the tube, then tracks) and presence ``[T, 1 + K]``."""
    if tube is None and not tracks:
        return None, None
    tables = [tube or {}] + tracks
    nan = (float("nan"),) * 4
    boxes = torch.tensor([[table.get(i, nan) for table in tables] for i in view],
                         dtype=torch.float32).reshape(len(view), len(tables), 4)
    present = torch.tensor([[i in table for table in tables] for i in view],
                           dtype=torch.bool).reshape(len(view), len(tables))
    return boxes, present


# ------------------------------------------------------------------------------------------------
# collate
# ------------------------------------------------------------------------------------------------

def collate_batch(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Collate samples into the standard batch.

    - tensors are stacked along a new batch dim; when their shapes differ (a source of variable
      length), they are padded at the end of each dim to the largest shape with ``False`` (bool),
      ``-1`` (integer) or ``NaN`` (float) — except ``video``: its shapes must agree, unless the
      samples carry ``valid`` (a variable-length sampler), when videos of different lengths are
      zero-padded at the end of the frame dim (``[T, 3, H, W]`` or ``[V, T, 3, H, W]``) and
      ``valid`` (padded with False) marks the real frames;
    - strings, lists and dicts (``tracks``) are kept as Python lists of length B.

    Every sample must have the same keys (a ``VideoDataset`` guarantees it).
    """
    if not samples:
        raise ValueError("collate_batch needs at least one sample")
    keys = list(samples[0])
    for s in samples[1:]:
        if set(s) != set(keys):
            diff = sorted(set(s) ^ set(keys))
            raise ValueError(f"samples have different keys {diff} (video ids "
                             f"{samples[0].get('video_id')!r}, {s.get('video_id')!r})")
    batch: dict[str, Any] = {}
    for key in keys:
        values = [s[key] for s in samples]
        if key == "video" and "valid" in keys:
            batch[key] = _pad_frames(values)
        elif all(isinstance(v, torch.Tensor) for v in values):
            batch[key] = _stack(key, values)
        else:
            batch[key] = list(values)
    return batch


def _stack(key: str, values: list[torch.Tensor]) -> torch.Tensor:
    shapes = {tuple(v.shape) for v in values}
    if len(shapes) == 1:
        return torch.stack(values)
    if key == "video" or len({v.ndim for v in values}) != 1:
        raise ValueError(f"cannot collate {key!r}: shapes differ {sorted(shapes)}")
    dtype = values[0].dtype
    fill = False if dtype == torch.bool else (float("nan") if dtype.is_floating_point else -1)
    size = [max(dims) for dims in zip(*shapes)]
    out = torch.full([len(values), *size], fill, dtype=dtype)
    for b, v in enumerate(values):
        out[(b, *[slice(0, d) for d in v.shape])] = v
    return out


def _pad_frames(videos: list[torch.Tensor]) -> torch.Tensor:
    """Videos ``[..., T_i, 3, H, W]`` -> ``[B, ..., max T, 3, H, W]``, zero-padded frames."""
    shapes = {tuple(v.shape[:-4]) + tuple(v.shape[-3:]) for v in videos}
    if len(shapes) != 1 or min(v.ndim for v in videos) < 4:
        raise ValueError(f"cannot collate 'video': shapes differ in more than the frame dim "
                         f"{sorted({tuple(v.shape) for v in videos})}")
    length = max(v.shape[-4] for v in videos)
    out = videos[0].new_zeros((len(videos), *videos[0].shape[:-4], length,
                               *videos[0].shape[-3:]))
    for b, v in enumerate(videos):
        out[b, ..., :v.shape[-4], :, :, :] = v
    return out
