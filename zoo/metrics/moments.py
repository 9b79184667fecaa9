"""Temporal grounding metrics as the reference evaluators compute them (datasets.md §5.4):
:class:`MomentRecall` (R1@IoU θ and mIoU, Charades-STA / ActivityNet Captions / QVHighlights
MR-R1; a hit when IoU >= θ), :class:`MomentMAP` (QVHighlights MR-mAP@0.5, @0.75 and averaged over
0.5:0.05:0.95, Moment-DETR's ``standalone_eval``) and :class:`HighlightMetrics` (HL-mAP and
HL-Hit1 at "VeryGood"). Windows are ``(start, end)`` seconds scored as given (clip with
``zoo.ops.spans.clamp_spans`` first); ranked predictions per query, ties in score keep the given
order (a stable sort, as Moment-DETR); no prediction is a miss. Values are percentages. DDP-safe:
per-query numbers are concatenated across processes; optional ``query_ids`` count repeated
queries once.

Full definition: ``docs/metrics.md#moment-retrieval-and-highlight-detection``.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor
from torchmetrics import Metric
from torchmetrics.utilities import dim_zero_cat

from zoo.ops.spans import check_spans, pairwise_iou

CHARADES_THRESHOLDS = (0.3, 0.5, 0.7)
QVHIGHLIGHTS_R1_THRESHOLDS = (0.5, 0.7)
MAP_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))  # 0.5, 0.55, ..., 0.95
MAX_PREDICTIONS = 10
SALIENCY_NAMES = {2: "fair", 3: "good", 4: "verygood"}
CLIP_LENGTH = 2.0  # QVHighlights clips, seconds

QueryTensors = Union[Tensor, Sequence[Tensor]]


def threshold_name(threshold: float) -> str:
    """``0.5 -> "0.5"``, ``0.75 -> "0.75"`` (the suffix of ``r1_iou0.5``, ``map_iou0.75``)."""
    return f"{threshold:g}"


# --------------------------------------------------------------------------- inputs
def _per_query(values: Any, name: str) -> list[Tensor]:
    if isinstance(values, Tensor):
        return list(values.unbind(0)) if values.dim() > 0 else [values]
    if isinstance(values, (list, tuple)):
        return [v if isinstance(v, Tensor) else torch.as_tensor(v, dtype=torch.float64) for v in values]
    raise TypeError(f"{name} must be a tensor or a sequence of per-query tensors, got {type(values).__name__}")


def _windows(windows: Tensor, name: str, allow_empty: bool) -> Tensor:
    windows = windows.detach().to(torch.float64)
    if windows.dim() == 1 and windows.numel() == 2:
        windows = windows[None]
    if windows.dim() == 1 and windows.numel() == 0:
        windows = windows.reshape(0, 2)
    if windows.dim() != 2 or windows.shape[1] != 2:
        raise ValueError(f"{name} must be [N, 2] windows (start, end), got shape {tuple(windows.shape)}")
    if windows.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} has no window; every query needs at least one ground-truth window")
    return check_spans(windows, name)


def ranked_windows(windows: Tensor, scores: Optional[Tensor] = None, name: str = "prediction") -> Tensor:
    """One query's predictions ``[P, 2]`` (+ scores ``[P]``) -> ``[P, 2]`` float64 in rank order:
    by descending score, ties in the given order (stable); the given order without scores."""
    windows = _windows(windows, f"{name} windows", allow_empty=True)
    if scores is None:
        return windows
    scores = scores.detach().to(torch.float64).reshape(-1)
    if scores.shape[0] != windows.shape[0]:
        raise ValueError(f"{name}: {windows.shape[0]} windows but {scores.shape[0]} scores")
    if not torch.isfinite(scores).all():
        raise ValueError(f"{name} scores hold NaN or infinite values")
    order = torch.sort(scores, descending=True, stable=True).indices
    return windows[order]


def _queries(pred_windows: QueryTensors, pred_scores: Optional[QueryTensors],
             gt_windows: QueryTensors) -> list[tuple[Tensor, Tensor]]:
    """Per query ``(ranked predictions [P, 2], ground truth [G, 2])``, float64, on the CPU."""
    preds = _per_query(pred_windows, "pred_windows")
    gts = _per_query(gt_windows, "gt_windows")
    if len(preds) != len(gts):
        raise ValueError(f"{len(preds)} queries of predictions but {len(gts)} of ground truth")
    scores = _per_query(pred_scores, "pred_scores") if pred_scores is not None else [None] * len(preds)
    if len(scores) != len(preds):
        raise ValueError(f"{len(preds)} queries of predictions but {len(scores)} of scores")
    return [(ranked_windows(p.cpu(), None if s is None else s.cpu(), f"query {i} prediction"),
             _windows(g.cpu(), f"query {i} gt_windows", allow_empty=False))
            for i, (p, s, g) in enumerate(zip(preds, scores, gts))]


# --------------------------------------------------------------------------- (a) R1 / mIoU
def top1_iou(ranked: Tensor, gt_windows: Tensor) -> float:
    """IoU of the top-ranked window with the ground-truth window it overlaps most (the first of
    equal ones); 0 without a prediction."""
    if ranked.shape[0] == 0:
        return 0.0
    return float(pairwise_iou(ranked[:1], gt_windows).max())


# --------------------------------------------------------------------------- (b) detection AP
def interpolated_ap(precision: Sequence[float], recall: Sequence[float]) -> float:
    """VOC interpolated AP (mmaction2's ``interpolated_precision_recall``): precision padded with 0
    at both ends, recall with 0 and 1, precision made non-increasing from the right, summed over
    the recall changes."""
    m_precision = [0.0, *precision, 0.0]
    m_recall = [0.0, *recall, 1.0]
    for i in range(len(m_precision) - 2, -1, -1):
        m_precision[i] = max(m_precision[i], m_precision[i + 1])
    return sum((m_recall[i] - m_recall[i - 1]) * m_precision[i]
               for i in range(1, len(m_recall)) if m_recall[i] != m_recall[i - 1])


def detection_ap(ranked: Tensor, gt_windows: Tensor, thresholds: Sequence[float] = MAP_THRESHOLDS,
                 max_predictions: Optional[int] = MAX_PREDICTIONS) -> list[float]:
    """AP of one query's ranked windows ``[P, 2]`` against its ground truth ``[G, 2]``, per IoU
    threshold (see (b) in the module docstring); all 0 without predictions."""
    if max_predictions is not None:
        ranked = ranked[:max_predictions]
    if ranked.shape[0] == 0:
        return [0.0] * len(thresholds)
    iou = pairwise_iou(ranked, gt_windows)  # [P, G]
    # ground truth tried by decreasing IoU; equal IoUs: later window first (argsort()[::-1])
    orders = [torch.argsort(row, stable=True).flip(0).tolist() for row in iou]
    aps = []
    for threshold in thresholds:
        taken = [False] * gt_windows.shape[0]
        hits = []
        for row, order in zip(iou.tolist(), orders):
            hit = False
            for j in order:
                if row[j] < threshold:
                    break
                if not taken[j]:
                    taken[j], hit = True, True
                    break
            hits.append(hit)
        tp = np.cumsum(hits, dtype=np.float64)
        fp = np.cumsum([not h for h in hits], dtype=np.float64)
        aps.append(interpolated_ap((tp / (tp + fp)).tolist(), (tp / gt_windows.shape[0]).tolist()))
    return aps


# --------------------------------------------------------------------------- (c) highlights
def full_saliency_scores(relevant_clip_ids: Sequence[int], saliency_scores: Sequence[Sequence[float]],
                         duration: float, clip_length: float = CLIP_LENGTH) -> Tensor:
    """QVHighlights annotation -> ``[int(duration / clip_length), A]`` scores, 0 for the clips not
    listed (Moment-DETR's ``mk_gt_scores``)."""
    num_clips = int(duration / clip_length)
    scores = torch.as_tensor(saliency_scores, dtype=torch.float64)
    ids = torch.as_tensor(relevant_clip_ids, dtype=torch.long).reshape(-1)
    if scores.dim() != 2 or scores.shape[0] != ids.shape[0]:
        raise ValueError(f"saliency_scores must be [len(relevant_clip_ids), A] = [{ids.shape[0]}, A], "
                         f"got shape {tuple(scores.shape)}")
    if ids.numel() and (ids.min() < 0 or ids.max() >= num_clips):
        raise ValueError(f"relevant_clip_ids must lie in [0, {num_clips}) for a {duration} s video "
                         f"of {clip_length} s clips, got {ids.tolist()}")
    full = torch.zeros(num_clips, scores.shape[1], dtype=torch.float64)
    full[ids] = scores
    return full


def saliency_ap(labels: Tensor, scores: Tensor) -> float:
    """Moment-DETR's ``get_ap`` (interpolated, not 11-point) for binary ``labels [C]`` and
    ``scores [C]``: 0 if no positive, 1 if no negative, else the mean over distinct positive recall
    levels of the best precision at that recall or above, one precision/recall point per distinct
    score (sklearn's ``precision_recall_curve``)."""
    labels = labels.to(torch.bool)
    positives = int(labels.sum())
    if positives == 0:
        return 0.0
    if positives == labels.numel():
        return 1.0
    order = torch.sort(scores, descending=True, stable=True).indices
    sorted_scores, sorted_labels = scores[order], labels[order].to(torch.float64)
    tp = torch.cumsum(sorted_labels, 0)
    last_of_score = torch.ones_like(sorted_labels, dtype=torch.bool)  # the last item of each tie group
    last_of_score[:-1] = sorted_scores[1:] != sorted_scores[:-1]
    tp = tp[last_of_score]
    counted = torch.arange(1, labels.numel() + 1, dtype=torch.float64)[last_of_score]
    precision, recall = (tp / counted).tolist(), (tp / positives).tolist()  # by rising recall
    best, total, levels = 0.0, 0.0, 0
    for i in range(len(recall) - 1, -1, -1):  # from full recall down
        best = max(best, precision[i])
        if recall[i] > 0 and (i == 0 or recall[i - 1] != recall[i]):
            total, levels = total + best, levels + 1
    return total / levels


def highlight_scores(pred_saliency: Tensor, gt_saliency: Tensor, min_score: float = 4) -> tuple[float, float]:
    """One query: ``pred_saliency [C]`` (a score per clip) against ``gt_saliency [N, A]`` ->
    ``(hit@1 in {0, 1}, AP averaged over the A annotators)``."""
    labels = gt_saliency >= min_score  # [N, A]
    num_clips = labels.shape[0]
    if pred_saliency.numel() == 0:
        hit = 0.0
    else:
        top = int(torch.argmax(pred_saliency))  # first of equal maxima
        hit = float(labels[top].any()) if top < num_clips else 0.0
    fitted = torch.zeros(num_clips, dtype=torch.float64)
    length = min(num_clips, pred_saliency.numel())
    fitted[:length] = pred_saliency[:length]
    aps = [saliency_ap(labels[:, a], fitted) for a in range(labels.shape[1])]
    return hit, sum(aps) / len(aps)


# --------------------------------------------------------------------------- Metric classes
class _PerQueryMetric(Metric):
    """Per-query values in tensor states (``cat`` across processes) with optional query ids;
    ``_unique(*states)`` drops repeated ids, keeping the first occurrence."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.add_state("query_ids", default=[], dist_reduce_fx="cat")
        self.add_state("has_id", default=[], dist_reduce_fx="cat")

    def _record_ids(self, query_ids: Optional[Union[Tensor, Sequence[int]]], count: int) -> None:
        if query_ids is None:
            self.query_ids.append(torch.zeros(count, dtype=torch.long, device=self.device))
            self.has_id.append(torch.zeros(count, dtype=torch.bool, device=self.device))
            return
        ids = torch.as_tensor(query_ids, device=self.device)
        if ids.shape != (count,) or ids.is_floating_point() or ids.dtype == torch.bool:
            raise ValueError(f"query_ids must be [{count}] integers, got {ids.dtype} of shape {tuple(ids.shape)}")
        self.query_ids.append(ids.long())
        self.has_id.append(torch.ones(count, dtype=torch.bool, device=self.device))

    def _unique(self, *states: Any) -> list[Tensor]:
        empty = self.query_ids.numel() == 0 if isinstance(self.query_ids, Tensor) else not self.query_ids
        if empty:
            raise RuntimeError(f"{type(self).__name__}.compute() before any update")
        ids, has_id = dim_zero_cat(self.query_ids), dim_zero_cat(self.has_id)
        values = [dim_zero_cat(state) for state in states]
        keep = torch.ones_like(has_id)
        seen: set[int] = set()
        for index, (query, named) in enumerate(zip(ids.tolist(), has_id.tolist())):
            if named:
                keep[index] = query not in seen
                seen.add(query)
        return [value[keep] for value in values]


class MomentRecall(_PerQueryMetric):
    """R1@IoU and mIoU of the top-1 window (protocol (a) of the module docstring).

    ``update(pred_windows, gt_windows, pred_scores=None, query_ids=None)``, one entry per query:

    - ``pred_windows``: ``[B, P, 2]`` or a list of ``[P_i, 2]`` (``[2]`` for one window;
      ``P_i = 0``: no prediction, a miss); ranked by ``pred_scores`` (``[B, P]`` / list of
      ``[P_i]``, descending, ties in given order) or, without scores, in the given order;
    - ``gt_windows``: ``[B, 2]`` (one window per query, Charades-STA / ActivityNet), ``[B, G, 2]`` or
      a list of ``[G_i, 2]`` (QVHighlights), ``G_i >= 1``;
    - ``query_ids``: optional ``[B]`` integers; a repeated id counts once.

    ``compute()`` -> ``{"r1_iou0.3": ..., "r1_iou0.5": ..., "r1_iou0.7": ..., "miou": ...}`` in
    percent (thresholds ``CHARADES_THRESHOLDS`` by default; QVHighlights' MR-R1 is
    ``MomentRecall(thresholds=QVHIGHLIGHTS_R1_THRESHOLDS)``). State: ``ious [Q]`` float64.
    """

    def __init__(self, thresholds: Sequence[float] = CHARADES_THRESHOLDS, **kwargs: Any):
        super().__init__(**kwargs)
        if not thresholds or any(not 0 < t <= 1 for t in thresholds):
            raise ValueError(f"thresholds must be non-empty values in (0, 1], got {thresholds}")
        self.thresholds = tuple(float(t) for t in thresholds)
        self.add_state("ious", default=[], dist_reduce_fx="cat")

    def update(self, pred_windows: QueryTensors, gt_windows: QueryTensors,
               pred_scores: Optional[QueryTensors] = None,
               query_ids: Optional[Union[Tensor, Sequence[int]]] = None) -> None:
        queries = _queries(pred_windows, pred_scores, gt_windows)
        self.ious.append(torch.tensor([top1_iou(p, g) for p, g in queries], dtype=torch.float64,
                                      device=self.device))
        self._record_ids(query_ids, len(queries))

    def compute(self) -> dict[str, Tensor]:
        (ious,) = self._unique(self.ious)
        values = {f"r1_iou{threshold_name(t)}": 100.0 * (ious >= t).double().mean() for t in self.thresholds}
        values["miou"] = 100.0 * ious.mean()
        return values


class MomentMAP(_PerQueryMetric):
    """QVHighlights moment-retrieval mAP (protocol (b) of the module docstring).

    ``update(pred_windows, gt_windows, pred_scores=None, query_ids=None)`` as :class:`MomentRecall`
    (without ``pred_scores`` the given order is the ranking); at most ``max_predictions`` (10)
    top-ranked windows per query are scored.

    ``compute()`` -> ``{"map_iou0.5": ..., "map_iou0.75": ..., "map_avg": ...}`` in percent
    (``map_avg`` over IoU 0.5:0.05:0.95). State: ``aps [Q, 10]`` float64.
    """

    def __init__(self, max_predictions: Optional[int] = MAX_PREDICTIONS, **kwargs: Any):
        super().__init__(**kwargs)
        if max_predictions is not None and max_predictions < 1:
            raise ValueError(f"max_predictions must be positive or None, got {max_predictions}")
        self.max_predictions = max_predictions
        self.add_state("aps", default=[], dist_reduce_fx="cat")

    def update(self, pred_windows: QueryTensors, gt_windows: QueryTensors,
               pred_scores: Optional[QueryTensors] = None,
               query_ids: Optional[Union[Tensor, Sequence[int]]] = None) -> None:
        queries = _queries(pred_windows, pred_scores, gt_windows)
        aps = [detection_ap(p, g, MAP_THRESHOLDS, self.max_predictions) for p, g in queries]
        self.aps.append(torch.tensor(aps, dtype=torch.float64, device=self.device).reshape(-1, len(MAP_THRESHOLDS)))
        self._record_ids(query_ids, len(queries))

    def compute(self) -> dict[str, Tensor]:
        (aps,) = self._unique(self.aps)
        per_threshold = 100.0 * aps.mean(dim=0)
        index = {t: i for i, t in enumerate(MAP_THRESHOLDS)}
        return {"map_iou0.5": per_threshold[index[0.5]], "map_iou0.75": per_threshold[index[0.75]],
                "map_avg": per_threshold.mean()}


class HighlightMetrics(_PerQueryMetric):
    """QVHighlights highlight detection: HIT@1 and mAP (protocol (c) of the module docstring).

    ``update(pred_saliency, gt_saliency, query_ids=None)``, one entry per query:
    ``pred_saliency`` ``[B, C]`` or a list of ``[C_i]`` (a score per 2-s clip; may be empty);
    ``gt_saliency`` ``[B, N, A]`` or a list of ``[N_i, A]`` annotator scores (0-4) for every clip of
    the video (:func:`full_saliency_scores`), ``N_i >= 1``, the same ``A`` within a query.

    ``compute()`` -> ``{"hl_map": ..., "hl_hit1": ...}`` in percent for ``min_score=4``
    ("VeryGood", the headline); ``hl_map_fair`` / ``hl_hit1_fair`` for 2 and ``..._good`` for 3.
    States: ``hits [Q]``, ``aps [Q]`` float64.
    """

    def __init__(self, min_score: int = 4, **kwargs: Any):
        super().__init__(**kwargs)
        if min_score not in SALIENCY_NAMES:
            raise ValueError(f"min_score must be one of {sorted(SALIENCY_NAMES)} "
                             f"({', '.join(SALIENCY_NAMES.values())}), got {min_score}")
        self.min_score = min_score
        self.suffix = "" if min_score == 4 else f"_{SALIENCY_NAMES[min_score]}"
        self.add_state("hits", default=[], dist_reduce_fx="cat")
        self.add_state("aps", default=[], dist_reduce_fx="cat")

    def update(self, pred_saliency: QueryTensors, gt_saliency: QueryTensors,
               query_ids: Optional[Union[Tensor, Sequence[int]]] = None) -> None:
        preds, gts = _per_query(pred_saliency, "pred_saliency"), _per_query(gt_saliency, "gt_saliency")
        if len(preds) != len(gts):
            raise ValueError(f"{len(preds)} queries of predicted saliency but {len(gts)} of ground truth")
        hits, aps = [], []
        for i, (pred, gt) in enumerate(zip(preds, gts)):
            pred, gt = pred.detach().cpu().to(torch.float64).reshape(-1), gt.detach().cpu().to(torch.float64)
            if gt.dim() != 2 or gt.shape[0] == 0 or gt.shape[1] == 0:
                raise ValueError(f"query {i}: gt_saliency must be [num_clips, annotators] with both >= 1, "
                                 f"got shape {tuple(gt.shape)}")
            if not (torch.isfinite(pred).all() and torch.isfinite(gt).all()):
                raise ValueError(f"query {i}: saliency holds NaN or infinite values")
            hit, ap = highlight_scores(pred, gt, self.min_score)
            hits.append(hit)
            aps.append(ap)
        self.hits.append(torch.tensor(hits, dtype=torch.float64, device=self.device))
        self.aps.append(torch.tensor(aps, dtype=torch.float64, device=self.device))
        self._record_ids(query_ids, len(preds))

    def compute(self) -> dict[str, Tensor]:
        hits, aps = self._unique(self.hits, self.aps)
        return {f"hl_map{self.suffix}": 100.0 * aps.mean(), f"hl_hit1{self.suffix}": 100.0 * hits.mean()}
