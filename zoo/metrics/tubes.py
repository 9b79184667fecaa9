"""Spatio-temporal video grounding (STVG): m_tIoU, m_vIoU, vIoU@0.3, vIoU@0.5, as TubeDETR scores them.

Reference: ``antoyang/TubeDETR`` @ d70c0eed, ``datasets/hcstvg_eval.py`` (``HCSTVGGiouEvaluator``)
and ``datasets/vidstg_eval.py`` (``VidSTGiouEvaluator``, identical arithmetic, reported per
sentence type), with ``models/postprocessors.py`` (``PostProcessSTVG``) for what the head emits.

One video
---------
The model sees ``T`` *sampled* frames; ``frame_times [T]`` gives the position of each on the
video's time axis, strictly increasing. The axis is whatever unit the segments use:

- TubeDETR uses **original frame indices** (frames sampled at 5 fps, at most 200 per video; for
  HC-STVG the fps is ``img_num / 20``). Sampling is the data pipeline's job, not this module's;
- zoo's standard batch uses **seconds** (``frame_times`` and ``segments``);
- without ``frame_times`` the axis is the sampled-frame index ``0 .. T-1``.

Segments are **half-open** ``[start, end)`` on that axis: sampled frame ``t`` is inside iff
``start <= frame_times[t] < end``. The TubeDETR head predicts an inclusive pair of sampled-frame
indices ``(s, e)``; :func:`segment_from_indices` turns it into ``[frame_times[s], frame_times[e] +
end_offset)`` exactly as ``PostProcessSTVG`` does with ``end_offset = 1`` original frame (so the
predicted segment ends one source frame after its last sampled frame, not one sampling stride).

- **tIoU** = |pred ∩ gt| / |pred ∪ gt| of the two intervals, measured continuously on the axis
  (``max(0, min_end - max_start) / (len_pred + len_gt - inter)``), 0 when they do not overlap;
- ``S_u`` = sampled frames in ``[min(starts), max(ends))``, ``S_i`` = sampled frames in
  ``[max(starts), min(ends))``. (``S_u`` is the hull; it equals the union whenever ``S_i`` is not
  empty, and when ``S_i`` is empty vIoU is 0 either way);
- **vIoU** = ``sum_{t in S_i} IoU(pred_box_t, gt_box_t) / max(|S_u|, 1)``: the sum runs over the
  *intersection* and is divided by the *union*'s frame count (so frames of either segment where
  the other has no box count as IoU 0);
- **gt_vIoU** = mean box IoU over the sampled frames of the GT segment (TubeDETR's ``gt_viou``:
  spatial grounding alone, as if the segment were known); ``max(n, 1)`` guards an empty GT span;
- over videos: **m_tIoU**, **m_vIoU**, **m_gt_vIoU** are means; **vIoU@R** is the fraction of
  videos with vIoU **strictly greater** than R (``viou > thresh`` in the reference).

Boxes are ``xyxy`` in pixels of the sampled frame. They are **not clipped** to the image (the
reference does not clip: ``PostProcess`` only rescales ``cxcywh`` to pixels), so a predicted box
hanging outside the frame keeps its full area in the union. Box IoU has no "+1" pixel convention.
A frame where both boxes have zero area (union 0) scores IoU 0; the reference would produce NaN
there, which can only come from degenerate input.

Input checks (ValueError): shapes, non-finite values, boxes with ``x2 < x1`` or ``y2 < y1``,
segments with ``end < start``, frame times not strictly increasing, and a GT segment covering a
sampled frame that has no GT box (``gt_mask`` False) — TubeDETR's ground truth has a box at every
frame of its segment, so such a frame would otherwise be scored against a placeholder box.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import torch
from torch import Tensor
from torchmetrics import Metric
from torchmetrics.utilities import dim_zero_cat
from torchvision.ops import box_iou

from zoo.metrics.detection import checked_boxes

VIOU_THRESHOLDS = (0.3, 0.5)
Number = Union[int, float]


def _as_segment(segment: Union[Tensor, Sequence[Number]], name: str) -> tuple[float, float]:
    values = torch.as_tensor(segment, dtype=torch.float64).flatten()
    if values.numel() != 2:
        raise ValueError(f"{name} must be a (start, end) pair, got {values.numel()} values")
    if not torch.isfinite(values).all():
        raise ValueError(f"{name} holds NaN or infinite values: {values.tolist()}")
    start, end = float(values[0]), float(values[1])
    if end < start:
        raise ValueError(f"{name} = [{start}, {end}) ends before it starts")
    return start, end


def temporal_iou(pred_segment: Union[Tensor, Sequence[Number]],
                 gt_segment: Union[Tensor, Sequence[Number]]) -> float:
    """tIoU of two half-open segments ``[start, end)`` on the same axis (continuous lengths).

    0 when the segments do not overlap (touching ends, ``[0, 5)`` and ``[5, 9)``, do not) or when
    either is empty."""
    p_start, p_end = _as_segment(pred_segment, "pred_segment")
    g_start, g_end = _as_segment(gt_segment, "gt_segment")
    inter = min(p_end, g_end) - max(p_start, g_start)
    if inter <= 0:
        return 0.0
    return inter / ((p_end - p_start) + (g_end - g_start) - inter)


def segment_from_indices(start_index: int, end_index: int, frame_times: Tensor,
                         end_offset: float) -> tuple[float, float]:
    """TubeDETR's conversion of an inclusive pair of sampled-frame indices to a half-open segment:
    ``[frame_times[start_index], frame_times[end_index] + end_offset)``.

    ``end_offset`` is one source frame in the axis' unit: 1 with original frame indices (what
    ``PostProcessSTVG`` adds), ``1 / fps`` with seconds, 1 with sampled-frame indices."""
    frame_times = torch.as_tensor(frame_times, dtype=torch.float64)
    if frame_times.dim() != 1:
        raise ValueError(f"frame_times must be [T], got shape {tuple(frame_times.shape)}")
    num = frame_times.numel()
    if not 0 <= start_index <= end_index < num:
        raise ValueError(f"need 0 <= start_index <= end_index < T = {num}, got "
                         f"({start_index}, {end_index})")
    if not end_offset > 0:
        raise ValueError(f"end_offset must be positive, got {end_offset}")
    return float(frame_times[start_index]), float(frame_times[end_index]) + float(end_offset)


def paired_box_iou(pred_boxes: Tensor, gt_boxes: Tensor) -> Tensor:
    """``[N]`` IoU of ``pred_boxes[i]`` with ``gt_boxes[i]`` (``[N, 4]`` xyxy each), float64; 0
    where both boxes have zero area."""
    if pred_boxes.shape != gt_boxes.shape:
        raise ValueError(f"paired boxes need equal shapes, got {tuple(pred_boxes.shape)} and "
                         f"{tuple(gt_boxes.shape)}")
    if pred_boxes.shape[0] == 0:
        return pred_boxes.new_zeros(0, dtype=torch.float64)
    iou = box_iou(pred_boxes.double(), gt_boxes.double()).diagonal()
    return torch.nan_to_num(iou, nan=0.0)


def stvg_video_scores(pred_segment: Union[Tensor, Sequence[Number]], pred_boxes: Tensor,
                      gt_segment: Union[Tensor, Sequence[Number]], gt_boxes: Tensor,
                      frame_times: Optional[Tensor] = None,
                      gt_mask: Optional[Tensor] = None) -> dict[str, float]:
    """tIoU, vIoU and gt_vIoU of one video (module docstring).

    Args:
        pred_segment: predicted ``[start, end)`` on the ``frame_times`` axis.
        pred_boxes: ``[T, 4]`` xyxy predicted box at every sampled frame (only frames of ``S_i``
            and of the GT segment are scored, but every row must be a valid box).
        gt_segment: ground-truth ``[start, end)`` on the same axis.
        gt_boxes: ``[T, 4]`` xyxy ground-truth box; read only at sampled frames inside
            ``gt_segment`` (rows elsewhere are ignored and may hold anything, NaN included).
        frame_times: ``[T]`` strictly increasing position of each sampled frame (default
            ``0 .. T-1``, the sampled-frame index).
        gt_mask: ``[T]`` bool, True where a GT box exists (zoo's ``frame_mask``); every sampled
            frame inside ``gt_segment`` must have one. Default: all True.

    Returns:
        ``{"tiou", "viou", "gt_viou"}`` as floats in [0, 1].
    """
    if pred_boxes.dim() != 2 or pred_boxes.shape[-1] != 4:
        raise ValueError(f"pred_boxes must be [T, 4], got shape {tuple(pred_boxes.shape)}")
    num = pred_boxes.shape[0]
    if gt_boxes.shape != (num, 4):
        raise ValueError(f"gt_boxes must be [T, 4] = [{num}, 4] like pred_boxes, got shape "
                         f"{tuple(gt_boxes.shape)}")
    if frame_times is None:
        frame_times = torch.arange(num, dtype=torch.float64)
    frame_times = torch.as_tensor(frame_times, dtype=torch.float64).cpu()
    if frame_times.shape != (num,):
        raise ValueError(f"frame_times must be [T] = [{num}], got shape {tuple(frame_times.shape)}")
    if not torch.isfinite(frame_times).all():
        raise ValueError("frame_times holds NaN or infinite values")
    if num > 1 and not (frame_times[1:] > frame_times[:-1]).all():
        raise ValueError("frame_times must be strictly increasing (each sampled frame once, in order)")
    p_start, p_end = _as_segment(pred_segment, "pred_segment")
    g_start, g_end = _as_segment(gt_segment, "gt_segment")
    pred_boxes = pred_boxes.detach().cpu().double()
    gt_boxes = gt_boxes.detach().cpu().double()
    checked_boxes(pred_boxes, "pred_boxes")

    in_gt = (frame_times >= g_start) & (frame_times < g_end)
    if gt_mask is not None:
        gt_mask = torch.as_tensor(gt_mask).cpu()
        if gt_mask.shape != (num,) or gt_mask.dtype != torch.bool:
            raise ValueError(f"gt_mask must be bool [T] = [{num}], got {gt_mask.dtype} "
                             f"{tuple(gt_mask.shape)}")
        missing = in_gt & ~gt_mask
        if missing.any():
            frames = missing.nonzero().flatten().tolist()
            raise ValueError(f"sampled frames {frames[:10]} (times {frame_times[frames[:10]].tolist()}) "
                             f"lie inside gt_segment [{g_start}, {g_end}) but have no GT box "
                             "(gt_mask False); the GT tube must have a box at every frame of its segment")
    checked_boxes(gt_boxes[in_gt], "gt_boxes (inside gt_segment)")

    iou = torch.zeros(num, dtype=torch.float64)
    iou[in_gt] = paired_box_iou(pred_boxes[in_gt], gt_boxes[in_gt])

    lo, hi = max(p_start, g_start), min(p_end, g_end)
    in_inter = (frame_times >= lo) & (frame_times < hi)  # inside both, so inside the GT segment
    in_union = (frame_times >= min(p_start, g_start)) & (frame_times < max(p_end, g_end))
    return {
        "tiou": temporal_iou((p_start, p_end), (g_start, g_end)),
        "viou": float(iou[in_inter].sum()) / max(int(in_union.sum()), 1),
        "gt_viou": float(iou[in_gt].sum()) / max(int(in_gt.sum()), 1),
    }


class SpatioTemporalGrounding(Metric):
    """m_tIoU, m_vIoU, vIoU@R and m_gt_vIoU over videos (see :func:`stvg_video_scores`).

    ``update(pred_segments [B, 2], pred_boxes [B, T, 4], gt_segments [B, 2], gt_boxes [B, T, 4],
    frame_times=None [B, T], gt_mask=None [B, T] bool, frame_valid=None [B, T] bool, groups=None)``:

    - segments are half-open ``[start, end)`` in the unit of ``frame_times`` (zoo's batch:
      seconds; default: sampled-frame indices ``0 .. T-1``); boxes xyxy pixels;
    - ``gt_mask`` marks frames that have a GT box (zoo's ``frame_mask``);
    - ``frame_valid`` marks real frames when videos of different lengths are padded to ``T``
      (padded frames are dropped before scoring);
    - ``groups``: one name per video among the ``groups`` given at construction (VidSTG reports
      ``declarative`` and ``interrogative`` sentences separately).

    ``compute()`` -> ``{"m_tIoU", "m_vIoU", "vIoU@0.3", "vIoU@0.5", "m_gt_vIoU"}`` (float64
    fractions in [0, 1], not percent) and, per configured group ``g``, the same five as
    ``"{g}/m_tIoU"`` ...; a group without videos gives NaN.

    States are per-video scalars concatenated across processes (``dist_reduce_fx="cat"``). With a
    ``DistributedSampler`` that pads the last batch, the repeated videos are scored twice (the
    reference deduplicates by video id); evaluate without padding for exact numbers.
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, thresholds: Sequence[float] = VIOU_THRESHOLDS,
                 groups: Sequence[str] = (), **kwargs: Any):
        super().__init__(**kwargs)
        thresholds = tuple(float(t) for t in thresholds)
        if any(not 0.0 <= t < 1.0 for t in thresholds):
            raise ValueError(f"vIoU thresholds must lie in [0, 1), got {thresholds}")
        if len(set(groups)) != len(groups):
            raise ValueError(f"groups must be distinct names, got {list(groups)}")
        self.thresholds = thresholds
        self.groups = tuple(str(g) for g in groups)
        self.add_state("tiou", default=[], dist_reduce_fx="cat")
        self.add_state("viou", default=[], dist_reduce_fx="cat")
        self.add_state("gt_viou", default=[], dist_reduce_fx="cat")
        self.add_state("group_index", default=[], dist_reduce_fx="cat")

    def update(self, pred_segments: Tensor, pred_boxes: Tensor, gt_segments: Tensor,
               gt_boxes: Tensor, frame_times: Optional[Tensor] = None,
               gt_mask: Optional[Tensor] = None, frame_valid: Optional[Tensor] = None,
               groups: Optional[Sequence[str]] = None) -> None:
        if pred_boxes.dim() != 3 or pred_boxes.shape[-1] != 4:
            raise ValueError(f"pred_boxes must be [B, T, 4], got shape {tuple(pred_boxes.shape)}")
        batch, num = pred_boxes.shape[:2]
        if gt_boxes.shape != pred_boxes.shape:
            raise ValueError(f"gt_boxes must be [B, T, 4] = {tuple(pred_boxes.shape)}, got "
                             f"{tuple(gt_boxes.shape)}")
        for name, seg in (("pred_segments", pred_segments), ("gt_segments", gt_segments)):
            if tuple(seg.shape) != (batch, 2):
                raise ValueError(f"{name} must be [B, 2] = [{batch}, 2], got {tuple(seg.shape)}")
        for name, value in (("frame_times", frame_times), ("gt_mask", gt_mask),
                            ("frame_valid", frame_valid)):
            if value is not None and tuple(value.shape) != (batch, num):
                raise ValueError(f"{name} must be [B, T] = [{batch}, {num}], got {tuple(value.shape)}")
        if frame_valid is not None and frame_valid.dtype != torch.bool:
            raise ValueError(f"frame_valid must be bool, got {frame_valid.dtype}")
        group_index = self._group_indices(groups, batch)
        pred_segments, pred_boxes, gt_segments, gt_boxes = (
            t.detach().cpu() for t in (pred_segments, pred_boxes, gt_segments, gt_boxes))
        frame_times, gt_mask, frame_valid = (
            None if t is None else t.detach().cpu() for t in (frame_times, gt_mask, frame_valid))

        scores = []
        for b in range(batch):
            keep = slice(None) if frame_valid is None else frame_valid[b]
            scores.append(stvg_video_scores(
                pred_segments[b], pred_boxes[b][keep], gt_segments[b], gt_boxes[b][keep],
                frame_times=None if frame_times is None else frame_times[b][keep],
                gt_mask=None if gt_mask is None else gt_mask[b][keep]))
        for key in ("tiou", "viou", "gt_viou"):
            getattr(self, key).append(torch.tensor([s[key] for s in scores], dtype=torch.float64,
                                                   device=self.device))
        self.group_index.append(torch.tensor(group_index, dtype=torch.long, device=self.device))

    def _group_indices(self, groups: Optional[Sequence[str]], batch: int) -> list[int]:
        if groups is None:
            if self.groups:
                raise ValueError(f"this metric reports groups {list(self.groups)}: pass groups=")
            return [-1] * batch
        if isinstance(groups, str) or len(groups) != batch:
            raise ValueError(f"groups must list one name per video ({batch}), got {groups!r}")
        unknown = sorted({g for g in groups if g not in self.groups})
        if unknown:
            raise ValueError(f"unknown groups {unknown}; configured: {list(self.groups)}")
        return [self.groups.index(g) for g in groups]

    def _summary(self, tiou: Tensor, viou: Tensor, gt_viou: Tensor, prefix: str = "") -> dict[str, Tensor]:
        out = {f"{prefix}m_tIoU": tiou.mean(), f"{prefix}m_vIoU": viou.mean()}
        for thresh in self.thresholds:
            out[f"{prefix}vIoU@{thresh:g}"] = (viou > thresh).double().mean()
        out[f"{prefix}m_gt_vIoU"] = gt_viou.mean()
        return out

    def compute(self) -> dict[str, Tensor]:
        if isinstance(self.tiou, list) and not self.tiou:  # a tensor after a DDP sync
            raise RuntimeError("SpatioTemporalGrounding.compute() before any update")
        tiou, viou, gt_viou = (dim_zero_cat(getattr(self, k)) for k in ("tiou", "viou", "gt_viou"))
        group_index = dim_zero_cat(self.group_index)
        out = self._summary(tiou, viou, gt_viou)
        for i, name in enumerate(self.groups):
            sel = group_index == i
            out.update(self._summary(tiou[sel], viou[sel], gt_viou[sel], prefix=f"{name}/"))
        return out
