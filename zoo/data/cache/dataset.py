"""``CachedVideoDataset``: the standard dataset, with frames read from a feature cache.

It is a :class:`~zoo.data.datasets.VideoDataset` over the same records with the same clip sampler,
transform, seed and question choice; only the frames differ: instead of decoding pixels and
transforming them, each view takes the cached frozen features of the frames the sampler chose.
The random draws happen in the same order as on pixels (sampler, then the transform's crop, then
the question), so an item is the same clip — same frames, same question — as the pixel item of
the same (seed, epoch, index), and the training clips still change every epoch.

Where the pixel transform would take another crop than the cached one (random crops of frames
larger than the model's input, flips, scale jitter), the pixels would differ from the cache: the
dataset refuses, naming the record, instead of training on features of other pixels.

A sample's ``video`` is a :class:`~zoo.data.cache.frames.ClipFields` (``{name: [T, ...]}``, or
``[V, T, ...]`` for several views); :func:`collate_cached` makes the batch's ``video`` a
:class:`~zoo.data.cache.frames.CachedFrames`. The other keys are those of the pixel batch, boxes
included (mapped through the cached crop exactly as the transform maps them).
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import torch

from zoo.data.cache.frames import ClipFields, collate_clip_fields
from zoo.data.cache.store import FeatureCache
from zoo.data.datasets import (VideoDataset, _frame_saliency, _track_lookup, _view_boxes,
                               collate_batch)
from zoo.data.records import VideoRecord, frame_lookup, span_frames
from zoo.data.sampling import ClipSampler
from zoo.data.transforms import VideoTransform, transform_boxes


def collate_cached(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``collate_batch`` for cached samples: the batch's ``video`` is a ``CachedFrames``."""
    rest = collate_batch([{k: v for k, v in s.items() if k != "video"} for s in samples])
    return {"video": collate_clip_fields([s["video"] for s in samples], pad="valid" in rest), **rest}


class CachedVideoDataset(VideoDataset):
    """A :class:`VideoDataset` whose frames come from ``cache`` (module docstring).

    ``transform`` is the pixel transform of the split (a ``VideoTransform``): its random draws are
    replayed and its crops checked against the cached ones; it never touches pixels.
    """

    collate = staticmethod(collate_cached)  # the DataLoader's collate_fn for this dataset

    def __init__(self, records: Sequence[VideoRecord], cache: FeatureCache, sampler: ClipSampler,
                 transform: VideoTransform, train: bool, seed: int = 0, on_error: str = "raise",
                 qa: Optional[str] = None, keys: Optional[Iterable[str]] = None):
        if not isinstance(transform, VideoTransform):
            raise TypeError(f"a feature cache replays a VideoTransform's crops; got {type(transform).__name__}")
        if transform.flip or transform.scale_range != (1.0, 1.0):
            raise ValueError("random flips and scale jitter change pixels from epoch to epoch, which a "
                             f"frozen-feature cache cannot replay ({transform!r}); turn them off "
                             "(train_flip=False) or train without feature_cache")
        cached_crops = int(cache.key["transform"]["crops"])
        if transform.crops != cached_crops:
            raise ValueError(f"the split takes {transform.crops} crops per frame, the cache holds {cached_crops}")
        super().__init__(records, cache.video, sampler, transform, train=train, seed=seed,
                         on_error=on_error, qa=qa, keys=keys)
        self.cache = cache

    @classmethod
    def from_dataset(cls, dataset: VideoDataset, cache: FeatureCache) -> "CachedVideoDataset":
        """The cached twin of a pixel dataset (same records, sampler, transform, seed, ...)."""
        return cls(dataset.records, cache, dataset.sampler, dataset.transform, train=dataset.train,
                   seed=dataset.seed, on_error=dataset.on_error, qa=dataset.qa, keys=dataset.wanted)

    def _crops(self, record: VideoRecord, video, rng) -> tuple:
        params = tuple(self.transform.get_params(video.size, rng))
        if params != video.crops:
            h, w = video.size
            raise ValueError(
                f"{record.where()}: the {'training' if self.train else 'evaluation'} transform takes "
                f"{params} of the {h}x{w} frames but the feature cache holds {video.crops}: random crops "
                "(frames larger than the model's input), flips and scale jitter change pixels, which a "
                "frozen-feature cache cannot replay. Train on centre crops from the cache "
                "(feature_cache train_crop='center'), or without feature_cache")
        return params

    def _load(self, index: int, epoch: int) -> dict[str, Any]:
        record_index, qa_index = self.items[index]
        record = self.records[record_index]
        rng = self.generator(index, epoch) if self.train else None
        video = self.source(record)
        num_frames, fps = video.num_frames, video.fps
        first, stop = span_frames(record, num_frames, fps)
        offered = stop - first
        chosen = self.sampler(offered, rng, fps=fps) if isinstance(self.sampler, ClipSampler) \
            else self.sampler(offered, rng)
        views = [[first + i for i in view] for view in chosen]
        offset = record.start or 0.0
        size = video.size
        # boxes are annotated per frame of the video: look them up at the source frame rate, for
        # the source frame (cached frame k is video frame k * stride) of each sampled frame
        source_fps = fps * video.stride
        tube = frame_lookup(record, record.tube_frames, record.tube_boxes, source_fps, size) \
            if "boxes" in self.keys else None
        tracks = record.tracks if "tracks" in self.keys else []
        track_boxes = [_track_lookup(t, record, source_fps, size) for t in tracks]
        clips, times, tube_out, tracks_out, saliency = [], [], [], [], []
        for view in views:
            params = self._crops(record, video, rng)
            boxes, present = _view_boxes([i * video.stride for i in view], tube, track_boxes)
            frame_times = torch.tensor([i / fps - offset for i in view], dtype=torch.float32)
            for crop, param in enumerate(params):
                clips.append(video.take(view, crop))
                times.append(frame_times)
                if "frame_saliency" in self.keys:
                    saliency.append(_frame_saliency(record, view, fps, video.duration))
                if boxes is not None:
                    mapped, valid = transform_boxes(boxes, size, param, self.transform.size)
                    valid = valid & present
                    tube_out.append((mapped[:, 0], valid[:, 0]))
                    tracks_out.append((mapped[:, 1:], valid[:, 1:]))
        single = len(clips) == 1

        def views_of(tensors: list[torch.Tensor]) -> torch.Tensor:
            return tensors[0] if single else torch.stack(tensors)

        fields = {name: views_of([clip[name] for clip in clips]) for name in clips[0]}
        sample: dict[str, Any] = {"video": ClipFields(fields, multi_view=not single),
                                  "video_id": record.video_id, "frame_times": views_of(times)}
        # the fallback generator only serves evaluation items (rng is None); skip building it
        fallback = rng if rng is not None else self.generator(index, epoch)
        self._annotate(sample, record, qa_index, rng, fallback, video.duration)
        return self._add_frame_annotations(sample, views_of, saliency, tube, tube_out, tracks, tracks_out)

    def __repr__(self) -> str:
        return f"Cached{super().__repr__()} from {self.cache!r}"
