"""Per-frame detection average precision at one IoU threshold (AP@0.5), COCO-style.

A sanity figure for trackers: every frame is an image, boxes are scored independently of track
ids. The convention is pycocotools' ``COCOeval`` (``evaluateImg`` + ``accumulate``) at a single
IoU threshold, area range "all", no crowd regions:

- **per frame**, detections are sorted by descending score (stable: equal scores keep their
  input order) and only the first ``max_detections_per_frame`` (100, COCO's last ``maxDets``)
  are kept;
- **greedy matching**, in that order: a detection takes, among the ground-truth boxes not yet
  matched, the one of highest IoU provided that IoU is ``>= iou_threshold``; on equal IoU the
  later ground-truth box wins (COCOeval replaces its candidate unless the IoU is strictly lower).
  Matched: true positive; otherwise false positive;
- **over all frames**, the kept detections are sorted by descending score (stable: frame order,
  then the per-frame order), cumulative TP/FP give ``recall = TP / num_gt`` and ``precision =
  TP / (TP + FP)`` (COCOeval adds ``np.spacing(1)`` to the denominator; so does this module);
- precision is made monotonically non-increasing from the right (the "envelope"), then read at
  the **101 recall points** ``0, 0.01, ..., 1``: the precision at the first detection whose recall
  reaches the point (``searchsorted(recall, r, side="left")``), 0 where recall never reaches it;
- **AP** = the mean of those 101 values.

``class_agnostic=True`` gives every box the same label (matching ignores categories); per class,
matching and truncation happen within each category, and the mean AP is taken over categories
that have at least one ground-truth box (COCOeval's -1 entries are skipped); detections of a
category without ground truth are ignored. An evaluation without any ground-truth box gives NaN.

``torchmetrics.detection.MeanAveragePrecision`` would do this but needs ``pycocotools`` or
``faster_coco_eval``, which zoo does not depend on.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor
from torchmetrics import Metric
from torchmetrics.utilities import dim_zero_cat
from torchvision.ops import box_iou

#: COCOeval's recall points, ``np.linspace(0, 1, 101)``.
RECALL_POINTS = np.linspace(0.0, 1.0, int(np.round(1.0 / 0.01)) + 1)


def checked_boxes(boxes: Any, name: str) -> Tensor:
    """``boxes`` as a float64 CPU tensor ``[N, 4]``; raise unless they are finite ``xyxy`` boxes
    with ``x2 >= x1`` and ``y2 >= y1`` (an empty input of any shape gives ``[0, 4]``)."""
    boxes = torch.as_tensor(boxes).detach().cpu().double()
    if boxes.numel() == 0 and boxes.dim() <= 2:
        return boxes.reshape(0, 4)
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} must be [N, 4] xyxy boxes, got shape {tuple(boxes.shape)}")
    finite = torch.isfinite(boxes).all(-1)
    if not finite.all():
        rows = (~finite).nonzero().flatten().tolist()
        raise ValueError(f"{name} holds NaN or infinite values (rows {rows[:10]})")
    negative = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if negative.any():
        rows = negative.nonzero().flatten().tolist()
        raise ValueError(f"{name} has boxes of negative size (x2 < x1 or y2 < y1; xyxy expected) "
                         f"at rows {rows[:10]}: {boxes[rows[0]].tolist()}")
    return boxes


def checked_vector(values: Any, length: int, name: str, integer: bool) -> Tensor:
    """``values`` as a flat CPU tensor of ``length`` entries: long when ``integer`` (floating
    input raises), else finite float64."""
    values = torch.as_tensor(values).detach().cpu().flatten()
    if values.numel() != length:
        raise ValueError(f"{name} must have one entry per box ({length}), got {values.numel()}")
    if integer and (values.is_floating_point() or values.is_complex()):
        raise ValueError(f"{name} must be integer, got {values.dtype}")
    if not integer and not torch.isfinite(values.double()).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return values.long() if integer else values.double()


def pairwise_iou(boxes1: Tensor, boxes2: Tensor) -> np.ndarray:
    """``[N, M]`` IoU (float64 numpy) of xyxy boxes through ``torchvision.ops.box_iou``; a pair
    whose union is empty (two zero-area boxes) scores 0 instead of NaN."""
    if boxes1.shape[0] == 0 or boxes2.shape[0] == 0:
        return np.zeros((boxes1.shape[0], boxes2.shape[0]))
    return torch.nan_to_num(box_iou(boxes1.double(), boxes2.double()), nan=0.0).numpy()


def match_frame(pred_boxes: Tensor, scores: Tensor, gt_boxes: Tensor, iou_threshold: float = 0.5,
                max_detections: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """COCOeval's greedy matching in one frame (one category).

    Args:
        pred_boxes: ``[K, 4]`` xyxy; scores: ``[K]``; gt_boxes: ``[M, 4]`` xyxy.

    Returns:
        ``(kept, is_tp)``: the indices of the kept detections in descending-score order (at most
        ``max_detections``), and for each a bool, True when it matched a ground-truth box.
    """
    order = np.argsort(-scores.numpy(), kind="mergesort")[:max_detections]
    ious = pairwise_iou(pred_boxes[order], gt_boxes)
    taken = np.zeros(gt_boxes.shape[0], dtype=bool)
    is_tp = np.zeros(len(order), dtype=bool)
    for d in range(len(order)):
        best, best_iou = -1, min(iou_threshold, 1 - 1e-10)
        for g in range(gt_boxes.shape[0]):
            if taken[g] or ious[d, g] < best_iou:
                continue
            best, best_iou = g, ious[d, g]
        if best >= 0:
            taken[best] = True
            is_tp[d] = True
    return order, is_tp


def average_precision(scores: np.ndarray, is_tp: np.ndarray, num_gt: int) -> float:
    """COCO 101-point interpolated AP of detections (``scores [N]``, ``is_tp [N]``, in the order
    they were collected) against ``num_gt`` ground-truth boxes; NaN when ``num_gt`` is 0."""
    if num_gt <= 0:
        return math.nan
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    tp = np.cumsum(np.asarray(is_tp, dtype=bool)[order]).astype(np.float64)
    fp = np.cumsum(~np.asarray(is_tp, dtype=bool)[order]).astype(np.float64)
    recall = tp / num_gt
    precision = tp / (tp + fp + np.spacing(1))
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # non-increasing envelope
    positions = np.searchsorted(recall, RECALL_POINTS, side="left")
    sampled = np.where(positions < len(precision), precision[np.minimum(positions, len(precision) - 1)], 0.0)
    return float(sampled.mean())


class FrameDetectionAP(Metric):
    """AP at one IoU threshold over all frames seen (module docstring for the convention).

    ``update(preds, target)`` takes one dict per frame, like torchmetrics' MeanAveragePrecision:
    ``preds[i] = {"boxes": [K, 4] xyxy, "scores": [K], "labels": [K] int}``, ``target[i] =
    {"boxes": [M, 4] xyxy, "labels": [M] int}`` (``labels`` may be omitted when ``per_class`` is
    False). Matching happens per frame in ``update``; the states are per-detection (score, TP flag,
    label) and per-GT labels, concatenated across processes (``cat``; TP flags as uint8). Under DDP the global score
    order breaks exact score ties by process order instead of frame order.

    ``compute()`` -> ``{"det_ap50": class-agnostic AP}`` plus ``{"det_map50": mean per-class AP}``
    when ``per_class`` (the number is ``round(100 * iou_threshold)``); float64 fractions in [0, 1].
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, iou_threshold: float = 0.5, per_class: bool = False,
                 max_detections_per_frame: int = 100, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0.0 < iou_threshold <= 1.0:
            raise ValueError(f"iou_threshold must lie in (0, 1], got {iou_threshold}")
        if max_detections_per_frame < 1:
            raise ValueError(f"max_detections_per_frame must be >= 1, got {max_detections_per_frame}")
        self.iou_threshold = float(iou_threshold)
        self.per_class = per_class
        self.max_detections_per_frame = int(max_detections_per_frame)
        self.suffix = f"{round(100 * self.iou_threshold)}"
        self.add_state("agnostic_scores", default=[], dist_reduce_fx="cat")
        self.add_state("agnostic_tp", default=[], dist_reduce_fx="cat")
        self.add_state("num_gt", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("class_scores", default=[], dist_reduce_fx="cat")
        self.add_state("class_tp", default=[], dist_reduce_fx="cat")
        self.add_state("class_labels", default=[], dist_reduce_fx="cat")
        self.add_state("gt_labels", default=[], dist_reduce_fx="cat")

    def update(self, preds: Sequence[Mapping[str, Any]], target: Sequence[Mapping[str, Any]]) -> None:
        if len(preds) != len(target):
            raise ValueError(f"{len(preds)} predicted frames but {len(target)} target frames")
        agn_scores, agn_tp, cls_scores, cls_tp, cls_labels, gt_labels = [], [], [], [], [], []
        num_gt = 0
        for i, (pred, gt) in enumerate(zip(preds, target)):
            p_boxes = checked_boxes(pred["boxes"], f"preds[{i}]['boxes']")
            p_scores = checked_vector(pred["scores"], len(p_boxes), f"preds[{i}]['scores']", integer=False)
            g_boxes = checked_boxes(gt["boxes"], f"target[{i}]['boxes']")
            num_gt += len(g_boxes)
            kept, tp = match_frame(p_boxes, p_scores, g_boxes, self.iou_threshold,
                                   self.max_detections_per_frame)
            agn_scores.append(p_scores[kept].numpy())
            agn_tp.append(tp)
            if not self.per_class:
                continue
            p_labels = checked_vector(pred["labels"], len(p_boxes), f"preds[{i}]['labels']", integer=True)
            g_labels = checked_vector(gt["labels"], len(g_boxes), f"target[{i}]['labels']", integer=True)
            gt_labels.append(g_labels.numpy())
            for label in torch.unique(p_labels).tolist():
                p_sel = (p_labels == label).nonzero().flatten()
                g_sel = (g_labels == label).nonzero().flatten()
                kept, tp = match_frame(p_boxes[p_sel], p_scores[p_sel], g_boxes[g_sel],
                                       self.iou_threshold, self.max_detections_per_frame)
                cls_scores.append(p_scores[p_sel][kept].numpy())
                cls_tp.append(tp)
                cls_labels.append(np.full(len(kept), label, dtype=np.int64))
        self.num_gt += num_gt
        self._append(self.agnostic_scores, agn_scores, torch.float64)
        self._append(self.agnostic_tp, agn_tp, torch.uint8)
        if self.per_class:
            self._append(self.class_scores, cls_scores, torch.float64)
            self._append(self.class_tp, cls_tp, torch.uint8)
            self._append(self.class_labels, cls_labels, torch.long)
            self._append(self.gt_labels, gt_labels, torch.long)

    def _append(self, state: list, arrays: list, dtype: torch.dtype) -> None:
        values = np.concatenate(arrays) if arrays else np.zeros(0)
        state.append(torch.as_tensor(values).to(device=self.device, dtype=dtype))

    @staticmethod
    def _cat(state: Any) -> np.ndarray:
        if isinstance(state, list) and not state:
            return np.zeros(0)
        return dim_zero_cat(state).cpu().numpy()

    def compute(self) -> dict[str, Tensor]:
        out = {f"det_ap{self.suffix}": torch.tensor(average_precision(
            self._cat(self.agnostic_scores), self._cat(self.agnostic_tp).astype(bool),
            int(self.num_gt)), dtype=torch.float64)}
        if self.per_class:
            scores = self._cat(self.class_scores)
            tp = self._cat(self.class_tp).astype(bool)
            labels = self._cat(self.class_labels).astype(np.int64)
            gt_labels = self._cat(self.gt_labels).astype(np.int64)
            aps = [average_precision(scores[labels == c], tp[labels == c], int((gt_labels == c).sum()))
                   for c in np.unique(gt_labels)]
            out[f"det_map{self.suffix}"] = torch.tensor(float(np.mean(aps)) if aps else math.nan,
                                                        dtype=torch.float64)
        return out
