"""Clip samplers: small strategy objects that choose which frames of a video a model sees.

A sampler is called with the number of frames available and returns one list of frame indices per
temporal view:

    sampler = UniformSegmentSampler(num_frames=8, clips=2, train=False)
    sampler(16)            # [[0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]]

Indices are relative to the frames offered (a dataset adds the first frame of a record's span).
Test sampling is deterministic and needs no generator; train sampling draws from the
``numpy.random.Generator`` passed in (and refuses to run without one, so that every random draw is
reproducible). Each sampler also has ``num_frames`` (T) and ``num_views`` (temporal views, V).
``ClipLengthSampler`` works in seconds (the caller passes the source's ``fps``) and returns one
frame per clip of ``clip_length`` seconds, so its T varies between videos (at most
``num_frames``); datasets then pad and mask (``valid``). ``EpochSampler`` (the DataLoader sampler
over items, not frames) lives here too.

Short videos (fewer frames than a clip needs):

- ``UniformSegmentSampler`` repeats frames in order: segment boundaries fall closer than one
  frame apart, so neighbouring segments share a frame (4 frames, T=8 → ``[0,0,1,1,2,2,3,3]``).
- ``DenseSampler`` starts at frame 0 and, past the last frame, either repeats the last frame
  (``pad="repeat_last"``, the default) or wraps around to the start (``pad="loop"``, mmaction2's
  default). Repeating is the default because looping turns "moves left" into a jump to the right,
  and the direction of motion is what our temporal tasks ask about.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
from torch.utils.data import Sampler

__all__ = ["ClipSampler", "UniformSegmentSampler", "DenseSampler", "ClipLengthSampler",
           "make_sampler", "preprocessing_sampler", "SAMPLERS", "EpochSampler"]


class ClipSampler:
    """Base class: ``sampler(num_source_frames, rng=None, fps=None) -> list[list[int]]`` (V lists
    of T). ``fps`` (frames per second of the source) is only needed by samplers that work in
    seconds (``needs_fps``); ``variable_length`` samplers return a T that depends on the video."""

    num_frames: int
    clips: int
    train: bool
    needs_fps = False
    variable_length = False

    @property
    def num_views(self) -> int:
        """Temporal views per video (``clips``)."""
        return self.clips

    def __call__(self, num_source_frames: int, rng: Optional[np.random.Generator] = None,
                 fps: Optional[float] = None) -> list[list[int]]:
        n = int(num_source_frames)
        if n <= 0:
            raise ValueError(f"{type(self).__name__}: a video needs at least one frame, got {n}")
        if self.train and rng is None:
            raise ValueError(f"{type(self).__name__}(train=True) needs a numpy Generator `rng`; "
                             "pass np.random.default_rng(seed) so that sampling is reproducible")
        if self.needs_fps:
            if fps is None or not fps > 0:
                raise ValueError(f"{type(self).__name__} samples in seconds: pass the source's "
                                 f"fps (> 0), got {fps}")
            views = self._sample_at(n, rng, float(fps))
        else:
            views = self._sample(n, rng)
        return [[int(i) for i in view] for view in views]

    def _sample(self, n: int, rng: Optional[np.random.Generator]) -> list[np.ndarray]:
        raise NotImplementedError

    def _check(self) -> None:
        if self.num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {self.num_frames}")
        if self.clips < 1:
            raise ValueError(f"clips must be >= 1, got {self.clips}")


@dataclass
class UniformSegmentSampler(ClipSampler):
    """TSN sampling: split the video into ``num_frames`` equal segments, one frame from each.

    Segment ``j`` covers ``[j*n/T, (j+1)*n/T)``.
    - train: a uniformly random frame of each segment, independently per segment and per clip;
    - test: frame ``floor((j + o) * n / T)`` with offset ``o = (v + 0.5) / clips`` for view ``v``
      (the segment centre for one clip; mmaction2's multi-clip test protocol otherwise).

    Example: n=16, T=8, test → ``[1, 3, 5, ..., 15]``; clips=2 → ``[0, 2, ..., 14]`` and
    ``[1, 3, ..., 15]``.
    """

    num_frames: int
    clips: int = 1
    train: bool = True

    def __post_init__(self) -> None:
        self._check()

    def _sample(self, n: int, rng: Optional[np.random.Generator]) -> list[np.ndarray]:
        t = self.num_frames
        j = np.arange(t)
        if self.train:
            starts = (j * n) // t
            ends = np.maximum(((j + 1) * n) // t, starts + 1)  # exclusive; >= 1 frame per segment
            return [rng.integers(starts, ends) for _ in range(self.clips)]
        views = []
        for v in range(self.clips):
            offset = (v + 0.5) / self.clips
            views.append(np.minimum(np.floor((j + offset) * n / t).astype(np.int64), n - 1))
        return views


@dataclass
class DenseSampler(ClipSampler):
    """Consecutive frames with a stride: ``start + k * stride`` for ``k < num_frames``.

    A clip spans ``(num_frames - 1) * stride + 1`` frames.
    - train: a uniformly random start in ``[0, n - span]``;
    - test: ``clips`` evenly spaced starts ``floor((v + 0.5) * (n - span + 1) / clips)``, i.e. the
      centred clip for ``clips=1`` (n=16, T=8 → frames 4..11).
    Videos shorter than the span start at 0 and are padded as ``pad`` says (module docstring).
    """

    num_frames: int
    stride: int = 1
    clips: int = 1
    train: bool = True
    pad: str = "repeat_last"

    def __post_init__(self) -> None:
        self._check()
        if self.stride < 1:
            raise ValueError(f"stride must be >= 1, got {self.stride}")
        if self.pad not in ("repeat_last", "loop"):
            raise ValueError(f"pad must be 'repeat_last' or 'loop', got {self.pad!r}")

    @property
    def span(self) -> int:
        """Source frames one clip covers."""
        return (self.num_frames - 1) * self.stride + 1

    def _sample(self, n: int, rng: Optional[np.random.Generator]) -> list[np.ndarray]:
        max_start = max(n - self.span, 0)
        if self.train:
            starts = [int(rng.integers(0, max_start + 1)) for _ in range(self.clips)]
        else:
            starts = [math.floor((v + 0.5) * (max_start + 1) / self.clips)
                      for v in range(self.clips)]
        offsets = np.arange(self.num_frames) * self.stride
        views = []
        for start in starts:
            idx = start + offsets
            idx = np.mod(idx, n) if self.pad == "loop" else np.minimum(idx, n - 1)
            views.append(idx)
        return views


@dataclass
class ClipLengthSampler(ClipSampler):
    """One frame per ``clip_length``-second clip of the span -- the per-clip features of
    Moment-DETR (2-s clips on QVHighlights): frame ``j`` stands for clip ``j``, so a head's score
    per frame is a score per saliency clip. ``T`` varies with the video (``variable_length``):
    ``C = ceil(n / (clip_length * fps))`` clips, the last one possibly partial.

    Clip ``j`` covers source frames ``[ceil(j L), ceil((j + 1) L))`` with ``L = clip_length * fps``
    (clipped to the video);
    - test: its frame at offset ``(v + 0.5) / clips`` of the clip for view ``v`` (the centre for
      one view): ``floor(j L + (v + 0.5) / clips * L)``, within the clip;
    - train: a uniformly random frame of each clip.
    A video with more than ``num_frames`` clips falls back to ``UniformSegmentSampler`` over the
    whole span with ``num_frames`` frames (frames then no longer match clips one to one; use
    ``frame_times`` to map them). Example: n=40 at 8 fps, clip_length=1 → 5 clips, test frames
    ``[4, 12, 20, 28, 36]``.
    """

    num_frames: int
    clip_length: float = 2.0
    clips: int = 1
    train: bool = True
    needs_fps = True
    variable_length = True

    def __post_init__(self) -> None:
        self._check()
        if not self.clip_length > 0:
            raise ValueError(f"clip_length must be > 0 seconds, got {self.clip_length}")

    def _sample_at(self, n: int, rng: Optional[np.random.Generator],
                   fps: float) -> list[np.ndarray]:
        length = self.clip_length * fps  # source frames per clip
        count = max(1, math.ceil(n / length - 1e-9))
        if count > self.num_frames:
            fallback = UniformSegmentSampler(self.num_frames, clips=self.clips, train=self.train)
            return fallback._sample(n, rng)
        j = np.arange(count)
        starts = np.minimum(np.ceil(j * length - 1e-9).astype(np.int64), n - 1)
        ends = np.maximum(np.minimum(np.ceil((j + 1) * length - 1e-9).astype(np.int64), n),
                          starts + 1)  # exclusive
        if self.train:
            return [rng.integers(starts, ends) for _ in range(self.clips)]
        views = []
        for v in range(self.clips):
            offset = np.floor(j * length + (v + 0.5) / self.clips * length).astype(np.int64)
            views.append(np.clip(offset, starts, ends - 1))
        return views


SAMPLERS = {
    "uniform": UniformSegmentSampler,
    "segment": UniformSegmentSampler,
    "tsn": UniformSegmentSampler,
    "dense": DenseSampler,
    "clip_length": ClipLengthSampler,
}


def make_sampler(name: str, **kwargs) -> ClipSampler:
    """Build a sampler by name: ``"uniform"`` (aliases ``"segment"``, ``"tsn"``), ``"dense"`` or
    ``"clip_length"`` (one frame per ``clip_length`` seconds, at most ``num_frames``).

    ``kwargs`` go to the class, e.g. ``make_sampler("dense", num_frames=8, stride=4, train=False)``.
    """
    try:
        cls = SAMPLERS[name]
    except KeyError:
        raise ValueError(f"unknown sampler {name!r}; choose one of {sorted(SAMPLERS)}") from None
    return cls(**kwargs)


class EpochSampler(Sampler):
    """Yields ``(epoch, index)`` for every item once per epoch, shuffled or in order.

    The epoch rides along with each index, so training randomness changes every epoch even in
    persistent DataLoader workers; Lightning calls ``set_epoch`` before each epoch (call it
    yourself in a plain loop). The shuffle order depends only on ``(seed, epoch)``.
    """

    def __init__(self, num_items: int, shuffle: bool = True, seed: int = 0):
        self.num_items, self.shuffle, self.seed, self.epoch = int(num_items), shuffle, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.num_items)
        else:
            order = np.arange(self.num_items)
        return iter([(self.epoch, int(i)) for i in order])

    def __len__(self) -> int:
        return self.num_items


def preprocessing_sampler(preprocess: dict, clips: int = 1, train: bool = False) -> ClipSampler:
    """The sampler a stored ``preprocessing`` block describes (``sampling``, ``num_frames``, and
    ``frame_stride`` / ``clip_length`` where the sampling uses them), with ``clips`` test views."""
    sampling = preprocess.get("sampling") or "uniform"
    kwargs = {"stride": int(preprocess.get("frame_stride") or 1)} if sampling == "dense" else {}
    if sampling == "clip_length" and preprocess.get("clip_length"):
        kwargs["clip_length"] = float(preprocess["clip_length"])
    return make_sampler(sampling, num_frames=int(preprocess["num_frames"]), clips=clips, train=train, **kwargs)
