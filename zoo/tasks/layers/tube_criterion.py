"""Targets, losses and post-processing of the TubeDETR head (``tube_detr.py``).

Reference: ``antoyang/TubeDETR`` @ d70c0eed, ``models/tubedetr.py`` (``SetCriterion``) and
``models/postprocessors.py`` (``PostProcessSTVG``). Notation: B videos, T sampled frames.

Boxes: the losses read **normalised cxcywh** (fractions of the model input, the head's output);
zoo's batch carries xyxy pixels of the model input (``zoo.data.transforms``), converted by
:func:`normalised_cxcywh`.

Losses (TubeDETR's, with its default weights set by the task)
- ``l1`` and ``giou``: on every frame where the ground-truth tube has a box (``box_mask``), the
  L1 distance of the 4 normalised cxcywh numbers and ``1 - GIoU`` (``torchvision.ops``), each
  summed and divided by the number of boxes (TubeDETR's ``num_boxes``, here per process);
- ``sted``: TubeDETR's start / end loss. The target of each is a quantised Gaussian over frame
  indices centred on the target frame (``sigma`` frames), ``q = normalise(exp(-(i - i*)² / 2σ²)
  + 1e-6)``; the loss is TubeDETR's ``p · log((p + 1e-6) / q)`` summed over start and end,
  zeroed on padded frames and averaged over all ``B × T`` entries (``loss_sted.mean()``; so its
  weight relative to the box losses shrinks as T grows, exactly as in TubeDETR).

- ``pointer``: zoo's loss of the head's sentence pointer (``tube_detr.py``): on every frame with
  a box, the cross-entropy of the pointer's softmax over the patches to the uniform distribution
  over the patches whose centre lies inside the ground-truth box (the patch holding the box's
  centre when the box is smaller than a patch), averaged over those frames.

Targets (:func:`sted_targets`): the start / end target is the first / last sampled frame inside
the ground-truth segment ``[start, end)`` (TubeDETR's ``inter_idx``). When no sampled frame lies
inside (a moment shorter than the sampling stride), both are the frame nearest the segment's
middle.

Post-processing (:func:`decode_moment`): the pair ``s <= e`` maximising ``log p_start(s) + log
p_end(e)``, its probability product as the score. Two deliberate differences from
``PostProcessSTVG`` (``s < e`` strictly, segment ``[t_s, t_e + 1 source frame)``):

- ``s == e`` is allowed: with a few sampled frames, moments covering a single sampled frame are
  common and TubeDETR's rule could never predict them;
- the segment is ``[lo_s, hi_e)`` where each sampled frame owns the time up to half-way to its
  neighbours (:func:`frame_cells`; clipped to ``[0, duration]``). The frames inside it are exactly
  frames ``s..e`` — what vIoU counts is unchanged — but its ends do not fall short of the moment by
  a whole sampling stride (TubeDETR samples at 5 fps, where one source frame is close enough; zoo
  samples 8-32 frames per video, and the batch carries no source frame rate).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor
from torchvision.ops import box_convert, generalized_box_iou_loss

EPS = 1e-6  # TubeDETR's eps in the start / end loss


def normalised_cxcywh(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """xyxy pixels of an ``(h, w)`` image -> normalised cxcywh, ``[..., 4]``, on ``boxes``' device."""
    h, w = size
    return box_convert(boxes, "xyxy", "cxcywh") / boxes.new_tensor([w, h, w, h])


def pixel_xyxy(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Normalised cxcywh -> xyxy pixels of an ``(h, w)`` image, ``[..., 4]``."""
    h, w = size
    return box_convert(boxes * boxes.new_tensor([w, h, w, h]), "cxcywh", "xyxy")


def box_losses(pred: Tensor, target: Tensor, box_mask: Tensor) -> tuple[Tensor, Tensor]:
    """``(l1, giou)`` of ``pred`` / ``target`` normalised cxcywh ``[B, T, 4]`` over the frames of
    ``box_mask [B, T]`` (module docstring); both 0 (with gradients) when no frame has a box."""
    pred, target = pred[box_mask], target[box_mask].to(pred.dtype)
    count = max(int(box_mask.sum()), 1)
    l1 = (pred - target).abs().sum() / count
    if not len(pred):
        return l1, l1
    giou = generalized_box_iou_loss(box_convert(pred, "cxcywh", "xyxy"),
                                    box_convert(target, "cxcywh", "xyxy"), reduction="sum")
    return l1, giou / count


def pointer_targets(boxes: Tensor, grid: tuple[int, int]) -> Tensor:
    """``[..., N]``: for normalised cxcywh ``boxes [..., 4]``, the uniform distribution over the
    patches (row-major on the ``(h, w)`` grid) whose centre lies inside the box, or one-hot on the
    patch holding the box's centre when no patch centre does."""
    h, w = grid
    y = (torch.arange(h, device=boxes.device, dtype=torch.float32) + 0.5) / h
    x = (torch.arange(w, device=boxes.device, dtype=torch.float32) + 0.5) / w
    xyxy = box_convert(boxes.float(), "cxcywh", "xyxy")
    inside_x = (x >= xyxy[..., 0:1]) & (x <= xyxy[..., 2:3])  # [..., w]
    inside_y = (y >= xyxy[..., 1:2]) & (y <= xyxy[..., 3:4])  # [..., h]
    inside = (inside_y[..., :, None] & inside_x[..., None, :]).flatten(-2).float()
    column = (boxes[..., 0] * w).floor().clamp(0, w - 1).long()
    row = (boxes[..., 1] * h).floor().clamp(0, h - 1).long()
    centre = torch.nn.functional.one_hot(row * w + column, h * w).float()
    empty = inside.sum(dim=-1, keepdim=True) == 0
    target = torch.where(empty, centre, inside)
    return target / target.sum(dim=-1, keepdim=True)


def pointer_loss(logits: Tensor, boxes: Tensor, box_mask: Tensor, grid: tuple[int, int]) -> Tensor:
    """Cross-entropy of the pointer's ``logits [B, T, N]`` to :func:`pointer_targets` of the
    ground-truth ``boxes [B, T, 4]`` (normalised cxcywh), averaged over the frames of
    ``box_mask [B, T]``; 0 (with gradients) when no frame has a box."""
    logits, boxes = logits[box_mask].float(), boxes[box_mask]
    if not len(logits):
        return logits.sum()
    return -(pointer_targets(boxes, grid) * logits.log_softmax(dim=-1)).sum(dim=-1).mean()


def gaussian_targets(index: Tensor, length: int, sigma: float) -> Tensor:
    """``[B, length]``: TubeDETR's quantised Gaussian targets centred on ``index [B]``."""
    frames = torch.arange(length, device=index.device, dtype=torch.float32)
    weights = torch.exp(-((frames[None] - index[:, None].float()) ** 2) / (2 * sigma ** 2))
    weights = weights + EPS
    return weights / weights.sum(dim=1, keepdim=True)


def sted_loss(logits: Tensor, start: Tensor, end: Tensor, frame_valid: Tensor,
              sigma: float = 1.0) -> Tensor:
    """TubeDETR's start / end loss (module docstring): ``logits [B, T, 2]``, target frame indices
    ``start`` / ``end`` ``[B]``, ``frame_valid [B, T]`` bool (False = padding)."""
    logits = logits.float().masked_fill(~frame_valid[..., None], -1e32)
    total = logits.new_zeros(())
    for channel, index in ((0, start), (1, end)):
        target = gaussian_targets(index, logits.shape[1], sigma)
        p = logits[..., channel].softmax(dim=1)
        total = total + (p * ((p + EPS) / target).log() * frame_valid).mean()
    return total


def sted_targets(frame_times: Tensor, segments: Tensor,
                 frame_valid: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
    """Target start / end frame indices ``[B]`` (module docstring) from ``frame_times [B, T]``
    (seconds, increasing over the valid frames) and ``segments [B, 2]`` (``[start, end)``)."""
    if segments.shape != (frame_times.shape[0], 2):
        raise ValueError(f"segments must be [B, 2] = [{frame_times.shape[0]}, 2], got "
                         f"{tuple(segments.shape)}")
    if not torch.isfinite(segments).all():
        rows = (~torch.isfinite(segments).all(dim=1)).nonzero().flatten().tolist()
        raise ValueError(f"items {rows} have no ground-truth segment (NaN): spatio-temporal "
                         "grounding needs one per item")
    valid = torch.ones_like(frame_times, dtype=torch.bool) if frame_valid is None else frame_valid
    times = frame_times.masked_fill(~valid, float("nan"))
    inside = valid & (times >= segments[:, :1]) & (times < segments[:, 1:])
    order = torch.arange(times.shape[1], device=times.device).expand_as(times)
    first = torch.where(inside, order, times.shape[1]).min(dim=1).values
    last = torch.where(inside, order, -1).max(dim=1).values
    middle = segments.mean(dim=1, keepdim=True)
    nearest = (times - middle).abs().nan_to_num(float("inf")).argmin(dim=1)
    empty = ~inside.any(dim=1)
    return torch.where(empty, nearest, first), torch.where(empty, nearest, last)


def decode_moment(logits: Tensor) -> tuple[int, int, float]:
    """``(s, e, score)`` from the start / end logits ``[M, 2]`` of one video's M frames: the pair
    ``s <= e`` of highest ``log_softmax(start)[s] + log_softmax(end)[e]``, and ``exp`` of it."""
    if logits.dim() != 2 or logits.shape[1] != 2 or not len(logits):
        raise ValueError(f"start / end logits must be [M > 0, 2], got {tuple(logits.shape)}")
    log_start, log_end = logits.float().log_softmax(dim=0).unbind(1)
    scores = log_start[:, None] + log_end[None, :]
    allowed = torch.ones_like(scores, dtype=torch.bool).triu()
    flat = scores.masked_fill(~allowed, float("-inf")).flatten().argmax()
    s, e = divmod(int(flat), len(logits))
    return s, e, float(scores[s, e].exp())


def frame_cells(times: Tensor, duration: Optional[float] = None) -> tuple[Tensor, Tensor]:
    """``(lo [M], hi [M])``: the time each of M sampled frames owns (module docstring).

    ``times`` must be strictly increasing. Neighbouring cells meet half-way between frames; the
    first starts half a gap before its frame (not before 0), the last ends half a gap after its
    frame (not after ``duration``); a single frame owns ``[0, duration)`` (``[0, t + 1)`` without
    a duration)."""
    times = times.double()
    if times.dim() != 1 or not len(times):
        raise ValueError(f"times must be [M > 0], got {tuple(times.shape)}")
    if len(times) > 1 and not (times[1:] > times[:-1]).all():
        raise ValueError("frame times must be strictly increasing")
    if len(times) == 1:
        high = float(duration) if duration is not None and duration > times[0] else float(times[0]) + 1.0
        return times.new_zeros(1), times.new_tensor([high])
    middles = (times[1:] + times[:-1]) / 2
    first = (times[0] - (times[1] - times[0]) / 2).clamp(min=0.0)
    last = times[-1] + (times[-1] - times[-2]) / 2
    if duration is not None and times[-1] < duration:
        last = last.clamp(max=float(duration))
    return torch.cat([first[None], middles]), torch.cat([middles, last[None]])
