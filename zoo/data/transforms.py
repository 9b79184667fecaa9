"""Spatial transforms for clips, built from the backbone's stored preprocessing.

``VideoTransform(preprocess, train)`` maps decoded frames, uint8 ``[T, H, W, 3]``, to the model's
input, float ``[T, 3, h, w]`` normalised with the backbone's mean/std, and moves boxes along.
The preprocessing dict is the one stored with the backbone / checkpoint (DESIGN §5, §8); this file
has no mean, std or size of its own:

    preprocess = {"mean": [...], "std": [...], "size": 224,              # required
                  "interpolation": "bicubic" | "bilinear",              # optional
                  "resize_mode": "shortest" | "squash"}                 # optional

``interpolation`` and ``resize_mode`` follow open_clip's ``PreprocessCfg`` when absent
(``"bicubic"``, ``"shortest"``); other keys (``frames``, ``fps``, ...) are ignored. ``size`` is an
int or an ``(h, w)`` pair.

Pipeline (every frame of a clip gets the same parameters):

1. resize: ``"shortest"`` scales the frame so that it covers ``h × w`` (for a square size: short
   side to ``size``); ``"squash"`` resizes straight to ``h × w``. In training the scale may be
   multiplied by a factor drawn from ``scale_range`` (default ``(1, 1)``: no jitter).
2. crop ``h × w``: train → a random position; test → the centre (``crops=1``), or left / centre /
   right crops along the long side (``crops=3``; top / centre / bottom for portrait frames).
3. horizontal flip, only in training and only with ``flip=True``: off by default because left and
   right carry meaning in our tasks ("moves left").
4. ``(x / 255 - mean) / std`` in float32.

Boxes -- **zoo's one convention: xyxy, in pixels of the model input.** Boxes enter as ``xyxy``
pixels of the decoded (source) frame and come out as ``xyxy`` pixels of the output crop (the
``h x w`` image the model sees), clipped to it, with a validity mask that is False when a box
leaves the crop (no area left) or was not finite to begin with (invalid boxes are zeroed).
Every spatial step moves them: the resize (and its training scale jitter, ``"shortest"`` or
``"squash"``), the crop (random, centre, or each of the 3 test crops) and the horizontal flip.
Why pixels of the model input rather than normalised coordinates: it is what DESIGN §3 and the
reference evaluators (vIoU, TETA, both scale-free IoUs) use, a box and the frame it belongs to
can never disagree about the crop, and ``inverse_transform_boxes`` takes a prediction back to
source pixels exactly (for writing TAO / HC-STVG results). Heads that regress normalised
``cxcywh`` (DETR-style) convert at the head with ``to_normalized_cxcywh`` /
``from_normalized_cxcywh``. Other source formats (xywh, dicts) are converted by the parsers
(``zoo.data.formats``), and annotations at another resolution or frame rate than decoded by
the dataset (``zoo.data.records.frame_lookup``), so a transform only ever sees source xyxy.

Randomness comes only from the ``numpy.random.Generator`` passed in (datasets pass their per-item
generator), so a transform is reproducible and worker-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Union

import numpy as np
import torch
from torchvision.transforms.v2 import functional as F

__all__ = ["VideoTransform", "TransformedClip", "CropParams", "transform_boxes",
           "inverse_transform_boxes", "to_normalized_cxcywh", "from_normalized_cxcywh"]

_INTERPOLATIONS = {"bicubic": F.InterpolationMode.BICUBIC, "bilinear": F.InterpolationMode.BILINEAR}
_RESIZE_MODES = ("shortest", "squash")


@dataclass(frozen=True)
class CropParams:
    """Where one output crop comes from: the frame is resized to ``resized`` (h, w), then the
    window at ``(top, left)`` of the output size is taken, then flipped if ``flip``."""

    resized: tuple[int, int]
    top: int
    left: int
    flip: bool = False


@dataclass
class TransformedClip:
    """Output of ``VideoTransform``.

    ``video``  float ``[T, 3, h, w]``; with ``crops=3``: ``[3, T, 3, h, w]``.
    ``boxes``  float, the input boxes' shape in crop pixels (with a leading crop dim for
               ``crops=3``); ``None`` when no boxes were given.
    ``valid``  bool, ``boxes.shape[:-1]``: the box still has area inside the crop.
    ``params`` one ``CropParams`` per crop.
    """

    video: torch.Tensor
    boxes: Optional[torch.Tensor] = None
    valid: Optional[torch.Tensor] = None
    params: tuple[CropParams, ...] = ()


def transform_boxes(boxes: torch.Tensor, source_size: tuple[int, int], params: CropParams,
                    size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Map xyxy boxes from source-frame pixels to pixels of one output crop.

    Args:
        boxes: float ``[..., 4]`` xyxy in pixels of the ``source_size`` (h, w) frame.
        params: the crop (resize, offset, flip).
        size: the crop's (h, w).
    Returns:
        ``(boxes [..., 4], valid [...])``: clipped to ``[0, w] × [0, h]``; ``valid`` is False (and
        the box zeroed) where nothing of the box is left inside the crop or the box was not finite.
    """
    boxes = torch.as_tensor(boxes, dtype=torch.float32)
    if boxes.shape[-1:] != (4,):
        raise ValueError(f"boxes must be [..., 4] xyxy, got shape {tuple(boxes.shape)}")
    (src_h, src_w), (out_h, out_w) = source_size, size
    sy, sx = params.resized[0] / src_h, params.resized[1] / src_w
    x1 = boxes[..., 0] * sx - params.left
    y1 = boxes[..., 1] * sy - params.top
    x2 = boxes[..., 2] * sx - params.left
    y2 = boxes[..., 3] * sy - params.top
    if params.flip:
        x1, x2 = out_w - x2, out_w - x1
    out = torch.stack([x1.clamp(0, out_w), y1.clamp(0, out_h), x2.clamp(0, out_w),
                       y2.clamp(0, out_h)], dim=-1)
    has_area = (out[..., 2] > out[..., 0]) & (out[..., 3] > out[..., 1])
    valid = torch.isfinite(boxes).all(dim=-1) & has_area
    out = torch.where(valid[..., None], out, torch.zeros_like(out))
    return out, valid


def inverse_transform_boxes(boxes: torch.Tensor, source_size: tuple[int, int],
                            params: CropParams, size: tuple[int, int]) -> torch.Tensor:
    """Map xyxy boxes from pixels of one output crop back to source-frame pixels: the exact
    inverse of :func:`transform_boxes` for a box that lies inside the crop (a clipped box comes
    back clipped). Use it to report predictions in the video's own pixels.

    Args:
        boxes: float ``[..., 4]`` xyxy in pixels of the ``size`` (h, w) crop.
        source_size: the (h, w) of the source frame; params: the crop that made the input.
    Returns:
        float ``[..., 4]`` xyxy in source pixels.
    """
    boxes = torch.as_tensor(boxes, dtype=torch.float32)
    if boxes.shape[-1:] != (4,):
        raise ValueError(f"boxes must be [..., 4] xyxy, got shape {tuple(boxes.shape)}")
    (src_h, src_w), out_w = source_size, size[1]
    x1, y1, x2, y2 = boxes.unbind(-1)
    if params.flip:
        x1, x2 = out_w - x2, out_w - x1
    sy, sx = params.resized[0] / src_h, params.resized[1] / src_w
    return torch.stack([(x1 + params.left) / sx, (y1 + params.top) / sy,
                        (x2 + params.left) / sx, (y2 + params.top) / sy], dim=-1)


def to_normalized_cxcywh(boxes: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """xyxy pixels of an ``(h, w)`` image -> ``(cx, cy, w, h)`` as fractions of the image
    (DETR's regression target), ``[..., 4]``."""
    from torchvision.ops import box_convert

    h, w = size
    scale = torch.tensor([w, h, w, h], dtype=torch.float32)
    return box_convert(torch.as_tensor(boxes, dtype=torch.float32), "xyxy", "cxcywh") / scale


def from_normalized_cxcywh(boxes: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Inverse of :func:`to_normalized_cxcywh`: normalised ``cxcywh`` -> xyxy pixels of an
    ``(h, w)`` image, ``[..., 4]``."""
    from torchvision.ops import box_convert

    h, w = size
    scale = torch.tensor([w, h, w, h], dtype=torch.float32)
    return box_convert(torch.as_tensor(boxes, dtype=torch.float32) * scale, "cxcywh", "xyxy")


class VideoTransform:
    """Clip transform: uint8 ``[T, H, W, 3]`` → float ``[T, 3, h, w]`` (``[3, T, 3, h, w]`` for
    ``crops=3``), plus boxes.

    Args:
        preprocess: the backbone's preprocessing dict (module docstring).
        train: random crop (+ optional flip and scale jitter) if True, else deterministic crops.
        crops: test-time spatial views, 1 (centre) or 3 (along the long side).
        flip: random horizontal flip with probability 0.5 in training (default False).
        scale_range: training scale jitter, a factor on the resize scale drawn uniformly from
            this range (values >= 1 zoom in; default ``(1, 1)``).
    """

    def __init__(self, preprocess: Mapping, train: bool, crops: int = 1, flip: bool = False,
                 scale_range: Sequence[float] = (1.0, 1.0)):
        missing = [k for k in ("mean", "std", "size") if k not in preprocess]
        if missing:
            raise KeyError(f"preprocess is missing {missing}: build transforms from the backbone's "
                           f"stored preprocessing (got keys {sorted(preprocess)})")
        self.mean = torch.tensor([float(m) for m in preprocess["mean"]], dtype=torch.float32)
        self.std = torch.tensor([float(s) for s in preprocess["std"]], dtype=torch.float32)
        if self.mean.shape != (3,) or self.std.shape != (3,) or bool((self.std <= 0).any()):
            raise ValueError(f"preprocess mean/std must be 3 values each (std > 0), got "
                             f"{preprocess['mean']} / {preprocess['std']}")
        self.size = size_pair(preprocess["size"])
        self.interpolation = preprocess.get("interpolation", "bicubic")
        if self.interpolation not in _INTERPOLATIONS:
            raise ValueError(f"preprocess interpolation {self.interpolation!r} is not supported; "
                             f"choose one of {sorted(_INTERPOLATIONS)}")
        self.resize_mode = preprocess.get("resize_mode", "shortest")
        if self.resize_mode not in _RESIZE_MODES:
            raise ValueError(f"preprocess resize_mode {self.resize_mode!r} is not supported; "
                             f"choose one of {_RESIZE_MODES}")
        if crops not in (1, 3):
            raise ValueError(f"crops must be 1 or 3, got {crops}")
        if train and crops != 1:
            raise ValueError("crops=3 is a test-time protocol; training uses one random crop")
        low, high = (float(v) for v in scale_range)
        if not 0 < low <= high:
            raise ValueError(f"scale_range must satisfy 0 < low <= high, got {scale_range}")
        self.train, self.crops, self.flip, self.scale_range = train, crops, flip, (low, high)

    @property
    def num_views(self) -> int:
        """Spatial views per clip (``crops``)."""
        return self.crops

    # -- parameters --------------------------------------------------------------------------
    def get_params(self, source_size: tuple[int, int],
                   rng: Optional[np.random.Generator] = None) -> list[CropParams]:
        """The crops for a frame of ``source_size`` (h, w): one in training or for ``crops=1``,
        three for ``crops=3``. Training draws from ``rng`` (required)."""
        if self.train and rng is None:
            raise ValueError("VideoTransform(train=True) needs a numpy Generator `rng` so that "
                             "crops are reproducible")
        src_h, src_w = source_size
        out_h, out_w = self.size
        jitter = float(rng.uniform(*self.scale_range)) if self.train and \
            self.scale_range != (1.0, 1.0) else 1.0
        if self.resize_mode == "squash":
            new_h, new_w = round(out_h * jitter), round(out_w * jitter)
        else:
            scale = max(out_h / src_h, out_w / src_w) * jitter
            new_h, new_w = round(src_h * scale), round(src_w * scale)
        new_h, new_w = max(new_h, out_h), max(new_w, out_w)
        slack_h, slack_w = new_h - out_h, new_w - out_w
        if self.train:
            top = int(rng.integers(0, slack_h + 1))
            left = int(rng.integers(0, slack_w + 1))
            flip = bool(self.flip and rng.random() < 0.5)
            return [CropParams((new_h, new_w), top, left, flip)]
        top, left = int(round(slack_h / 2.0)), int(round(slack_w / 2.0))  # as torchvision's
        if self.crops == 1:
            return [CropParams((new_h, new_w), top, left)]
        if slack_w >= slack_h:  # landscape (or square): left / centre / right
            return [CropParams((new_h, new_w), top, x) for x in (0, left, slack_w)]
        return [CropParams((new_h, new_w), y, left) for y in (0, top, slack_h)]

    # -- application -------------------------------------------------------------------------
    def __call__(self, frames: Union[np.ndarray, torch.Tensor],
                 boxes: Optional[torch.Tensor] = None,
                 rng: Optional[np.random.Generator] = None) -> TransformedClip:
        """Transform one clip.

        Args:
            frames: uint8 ``[T, H, W, 3]`` RGB (numpy or torch).
            boxes: optional float ``[T, 4]`` or ``[T, K, 4]`` (any ``[..., 4]``) xyxy in source
                pixels.
            rng: required in training.
        """
        video = torch.as_tensor(np.asarray(frames) if isinstance(frames, np.ndarray) else frames)
        if video.dtype != torch.uint8 or video.ndim != 4 or video.shape[-1] != 3:
            raise ValueError(f"frames must be uint8 [T, H, W, 3], got {video.dtype} "
                             f"{tuple(video.shape)}")
        source_size = (int(video.shape[1]), int(video.shape[2]))
        params = self.get_params(source_size, rng)
        video = video.permute(0, 3, 1, 2)  # [T, 3, H, W]
        resized = F.resize(video, list(params[0].resized),
                           interpolation=_INTERPOLATIONS[self.interpolation], antialias=True)
        outs, out_boxes, out_valid = [], [], []
        for p in params:
            crop = resized[..., p.top:p.top + self.size[0], p.left:p.left + self.size[1]]
            if p.flip:
                crop = crop.flip(-1)
            outs.append(self._normalise(crop))
            if boxes is not None:
                b, v = transform_boxes(boxes, source_size, p, self.size)
                out_boxes.append(b)
                out_valid.append(v)
        if self.crops == 1:
            return TransformedClip(outs[0], out_boxes[0] if out_boxes else None,
                                   out_valid[0] if out_valid else None, tuple(params))
        return TransformedClip(torch.stack(outs),
                               torch.stack(out_boxes) if out_boxes else None,
                               torch.stack(out_valid) if out_valid else None, tuple(params))

    def _normalise(self, video: torch.Tensor) -> torch.Tensor:
        video = video.to(torch.float32).div_(255.0)
        return video.sub_(self.mean[:, None, None]).div_(self.std[:, None, None]).contiguous()

    def __repr__(self) -> str:
        mode = "train" if self.train else f"test, crops={self.crops}"
        return (f"VideoTransform(size={self.size}, {self.resize_mode}/{self.interpolation}, "
                f"{mode}, flip={self.flip}, scale_range={self.scale_range})")


def size_pair(size) -> tuple[int, int]:
    """``(h, w)`` of a preprocessing ``size``: an int (square) or a pair; a clear error otherwise."""
    if isinstance(size, (int, np.integer)):
        pair = (int(size), int(size))
    else:
        values = [int(s) for s in size]
        if len(values) != 2:
            raise ValueError(f"preprocess size must be an int or (h, w), got {size!r}")
        pair = (values[0], values[1])
    if min(pair) < 1:
        raise ValueError(f"preprocess size must be positive, got {size!r}")
    return pair
