"""TETA (Li et al., "Tracking Every Thing in the Wild", ECCV 2022): LocA, AssocA, ClsA and their
mean, over all, base and novel categories (the OVTrack protocol), number for number as
``SysCV/tet`` @ a62a9c0a (``teta/teta/metrics/teta.py``, ``datasets/tao.py``, ``eval.py``) with
OVTrack's base / novel split (``SysCV/ovtrack`` @ e188b32e). Per video: frames with ground truth
are the timesteps; a global Hungarian assignment on HOTA-style alignment scores, then per class
local clusters (non-exhaustive labels: predictions overlapping no ground truth of the class are
never false positives) scored at 20 localisation thresholds (10 for ClsA). Values are fractions
in [0, 1]. Not implemented (no number changes for single-dataset video evaluation): the
``exhaustive`` mode, TAO's category merging, thresholds other than 0.5, precision / recall
sub-scores.

Inputs per video: frames, each ``(pred, target)`` with ``pred = {"boxes": [K, 4] xyxy, "scores":
[K], "track_ids": [K], "labels": [K]}`` and ``target = {"boxes": [M, 4], "track_ids": [M],
"labels": [M]}``; shapes, finite values, box sizes, one id per frame and one category per ground
truth track are checked.

Full definition: ``docs/metrics.md#teta-open-vocabulary-tracking``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Collection, Hashable, Mapping, Optional, Sequence

import numpy as np
import torch
import torch.distributed as dist
from scipy.optimize import linear_sum_assignment
from torch import Tensor
from torchmetrics import Metric

from zoo.metrics.detection import checked_boxes, checked_vector, pairwise_iou

#: Localisation thresholds, bit-identical to the reference's ``np.arange(0.0, 0.99, 0.05)``.
LOC_ALPHAS = np.arange(0.0, 0.99, 0.05)
#: Index of alpha = 0.5 in LOC_ALPHAS: classification is scored at ``LOC_ALPHAS[CLS_FROM:]``.
CLS_FROM = 10
CLUSTER_IOU = 0.5
EPS = np.finfo(float).eps
PARTS = ("TETA", "LocA", "AssocA", "ClsA")
METRIC_NAMES = PARTS + tuple(f"{p}_{split}" for split in ("base", "novel") for p in PARTS)


@dataclass
class ClassCounts:
    """Per-class TETA sufficient statistics, summable over videos.

    ``loc_*``, ``assoc`` are ``[20]`` (one per LOC_ALPHAS), ``cls_*`` ``[10]`` (alpha >= 0.5);
    ``assoc`` is the reference's per-video ``AssocA * Loc_TP`` (the sum over track pairs);
    ``num_gt`` counts ground-truth boxes (a class is scored only if it has some)."""

    num_gt: int = 0
    loc_tp: np.ndarray = field(default_factory=lambda: np.zeros(len(LOC_ALPHAS)))
    loc_fn: np.ndarray = field(default_factory=lambda: np.zeros(len(LOC_ALPHAS)))
    loc_fp: np.ndarray = field(default_factory=lambda: np.zeros(len(LOC_ALPHAS)))
    assoc: np.ndarray = field(default_factory=lambda: np.zeros(len(LOC_ALPHAS)))
    cls_tp: np.ndarray = field(default_factory=lambda: np.zeros(len(LOC_ALPHAS) - CLS_FROM))
    cls_fn: np.ndarray = field(default_factory=lambda: np.zeros(len(LOC_ALPHAS) - CLS_FROM))
    cls_fp: np.ndarray = field(default_factory=lambda: np.zeros(len(LOC_ALPHAS) - CLS_FROM))

    def add(self, other: "ClassCounts") -> None:
        self.num_gt += other.num_gt
        for f in fields(self)[1:]:
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def equals(self, other: "ClassCounts") -> bool:
        return self.num_gt == other.num_gt and all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)[1:])

    def scores(self) -> dict[str, float]:
        """LocA, AssocA, ClsA (each averaged over its alphas) and TETA of these counts."""
        loc = float(np.mean(self.loc_tp / np.maximum(1, self.loc_tp + self.loc_fn + self.loc_fp)))
        assoc = float(np.mean(self.assoc / np.maximum(1, self.loc_tp)))
        cls = float(np.mean(self.cls_tp / np.maximum(1, self.cls_tp + self.cls_fn + self.cls_fp)))
        return {"TETA": (loc + assoc + cls) / 3, "LocA": loc, "AssocA": assoc, "ClsA": cls}


@dataclass
class _Frame:
    """One timestep: GT and predicted ids / categories and their IoU ``[M, K]``."""

    gt_ids: np.ndarray
    gt_labels: np.ndarray
    tk_ids: np.ndarray
    tk_labels: np.ndarray
    iou: np.ndarray


@dataclass
class _Cluster:
    """The reference's preprocessed sequence for one class (or all): per frame the kept GT and
    predicted boxes with contiguous track indices, their IoU, and the overlapping predictions."""

    gt: list            # [M_t] contiguous GT track index per kept GT box
    gt_orig: list       # [M_t] original GT track ids
    tk: list            # [K_t] contiguous predicted track index per kept detection
    tk_orig: list       # [K_t] original predicted track ids
    tk_labels: list     # [K_t] predicted categories
    sim: list           # [M_t, K_t] IoU
    overlap: list       # set of original track ids with IoU >= 0.5 to a kept GT box
    num_gt_tracks: int
    num_tk_tracks: int

    @property
    def num_gt_dets(self) -> int:
        return sum(len(g) for g in self.gt)

    @property
    def num_overlap_dets(self) -> int:
        return sum(len(o) for o in self.overlap)


def _contiguous(ids: list) -> tuple[list, int]:
    unique = np.unique(np.concatenate(ids)) if ids else np.zeros(0, dtype=np.int64)
    return [np.searchsorted(unique, i).astype(np.int64) for i in ids], len(unique)


def _cluster(frames: Sequence[_Frame], gt_keep: Sequence[np.ndarray],
             excluded: Sequence[set]) -> _Cluster:
    overlap = []
    for frame, keep, out in zip(frames, gt_keep, excluded):
        hit = (frame.iou[keep] >= CLUSTER_IOU).any(axis=0)
        overlap.append(set(frame.tk_ids[hit].tolist()) - out)
    tracks = np.array(sorted(set().union(*overlap)), dtype=np.int64)
    tk_keep = [np.isin(frame.tk_ids, tracks) for frame in frames]
    gt_orig = [frame.gt_ids[keep] for frame, keep in zip(frames, gt_keep)]
    tk_orig = [frame.tk_ids[keep] for frame, keep in zip(frames, tk_keep)]
    gt, num_gt = _contiguous(gt_orig)
    tk, num_tk = _contiguous(tk_orig)
    return _Cluster(
        gt=gt, gt_orig=gt_orig, tk=tk, tk_orig=tk_orig,
        tk_labels=[frame.tk_labels[keep] for frame, keep in zip(frames, tk_keep)],
        sim=[frame.iou[g][:, k] for frame, g, k in zip(frames, gt_keep, tk_keep)],
        overlap=overlap, num_gt_tracks=num_gt, num_tk_tracks=num_tk)


def _alignment(cluster: _Cluster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Global alignment score ``A [G, P]`` and the per-track box counts ``n_gt [G]``, ``n_tk [P]``."""
    matches = np.zeros((cluster.num_gt_tracks, cluster.num_tk_tracks))
    n_gt = np.zeros(cluster.num_gt_tracks)
    n_tk = np.zeros(cluster.num_tk_tracks)
    for gt, tk, sim in zip(cluster.gt, cluster.tk, cluster.sim):
        denom = sim.sum(0, keepdims=True) + sim.sum(1, keepdims=True) - sim
        soft = np.divide(sim, denom, out=np.zeros_like(sim), where=denom > EPS)
        matches[np.ix_(gt, tk)] += soft
        n_gt[gt] += 1
        n_tk[tk] += 1
    score = matches / (n_gt[:, None] + n_tk[None, :] - matches)
    return score, n_gt, n_tk


def _hungarian(cluster: _Cluster, score: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sim = cluster.sim[t]
    rows, cols = linear_sum_assignment(-(score[np.ix_(cluster.gt[t], cluster.tk[t])] * sim))
    return rows, cols, sim[rows, cols]


def _global_assignment(frames: Sequence[_Frame]) -> list[dict]:
    """Per frame ``{GT track id: predicted track id}`` over all classes at IoU >= 0.5."""
    cluster = _cluster(frames, [np.ones(len(f.gt_ids), dtype=bool) for f in frames],
                       [set() for _ in frames])
    if cluster.num_overlap_dets == 0 or cluster.num_gt_dets == 0:
        return [{} for _ in frames]
    score, _, _ = _alignment(cluster)
    assignment = []
    for t in range(len(frames)):
        rows, cols, sim = _hungarian(cluster, score, t)
        keep = sim >= CLUSTER_IOU - EPS
        assignment.append(dict(zip(cluster.gt_orig[t][rows[keep]].tolist(),
                                   cluster.tk_orig[t][cols[keep]].tolist())))
    return assignment


def _class_counts(frames: Sequence[_Frame], assignment: Sequence[dict], label: int,
                  wrong_class: dict[int, np.ndarray]) -> ClassCounts:
    """Counts of class ``label`` in one video; ``Cls_FP`` it causes to other classes are added to
    ``wrong_class[predicted category]``."""
    keep = [f.gt_labels == label for f in frames]
    excluded = []
    for frame, k, assigned in zip(frames, keep, assignment):
        own = set(frame.gt_ids[k].tolist())
        excluded.append({tk for gt, tk in assigned.items() if gt not in own})
    cluster = _cluster(frames, keep, excluded)
    counts = ClassCounts(num_gt=cluster.num_gt_dets)
    if cluster.num_overlap_dets == 0 or cluster.num_gt_dets == 0:
        counts.loc_fn[:] = cluster.num_gt_dets
        return counts
    score, n_gt, n_tk = _alignment(cluster)
    pair_frames = np.zeros((len(LOC_ALPHAS), cluster.num_gt_tracks, cluster.num_tk_tracks))
    for t in range(len(frames)):
        num_gt_t = len(cluster.gt[t])
        if num_gt_t == 0:
            continue
        rows, cols, sim = _hungarian(cluster, score, t)
        for a, alpha in enumerate(LOC_ALPHAS):
            kept = sim >= alpha - EPS
            r, c = rows[kept], cols[kept]
            if a >= CLS_FROM:
                predicted = cluster.tk_labels[t][c]
                right = predicted == label
                counts.cls_tp[a - CLS_FROM] += right.sum()
                counts.cls_fn[a - CLS_FROM] += (~right).sum()
                for other in predicted[~right].tolist():
                    wrong_class.setdefault(other, np.zeros(len(LOC_ALPHAS) - CLS_FROM))[a - CLS_FROM] += 1
            counts.loc_tp[a] += len(r)
            counts.loc_fn[a] += num_gt_t - len(r)
            counts.loc_fp[a] += len(cluster.overlap[t] - set(cluster.tk_orig[t][c].tolist()))
            pair_frames[a, cluster.gt[t][r], cluster.tk[t][c]] += 1
    union = n_gt[:, None] + n_tk[None, :]
    for a in range(len(LOC_ALPHAS)):
        m = pair_frames[a]
        counts.assoc[a] = float((m * m / np.maximum(1, union - m)).sum())
    return counts


def _frame_arrays(pred: Mapping[str, Any], gt: Mapping[str, Any], where: str,
                  max_detections: Optional[int]) -> tuple[_Frame, Tensor, Tensor]:
    g_boxes = checked_boxes(gt["boxes"], f"{where} target boxes")
    g_ids = checked_vector(gt["track_ids"], len(g_boxes), f"{where} target track_ids", integer=True)
    g_labels = checked_vector(gt["labels"], len(g_boxes), f"{where} target labels", integer=True)
    p_boxes = checked_boxes(pred["boxes"], f"{where} predicted boxes")
    p_scores = checked_vector(pred["scores"], len(p_boxes), f"{where} predicted scores", integer=False)
    p_ids = checked_vector(pred["track_ids"], len(p_boxes), f"{where} predicted track_ids", integer=True)
    p_labels = checked_vector(pred["labels"], len(p_boxes), f"{where} predicted labels", integer=True)
    for ids, who in ((g_ids, "ground-truth"), (p_ids, "predicted")):
        unique, count = torch.unique(ids, return_counts=True)
        if (count > 1).any():
            raise ValueError(f"{where}: {who} track ids {unique[count > 1].tolist()} appear more than "
                             "once in the frame (a track has at most one box per frame)")
    if max_detections is not None and len(p_boxes) > max_detections:
        # TAO's _limit_dets_per_image: the best scores, equal scores in input order
        top = torch.from_numpy(np.argsort(-p_scores.numpy(), kind="mergesort")[:max_detections])
        p_boxes, p_ids, p_labels = p_boxes[top], p_ids[top], p_labels[top]
    frame = _Frame(gt_ids=g_ids.numpy(), gt_labels=g_labels.numpy(), tk_ids=p_ids.numpy(),
                   tk_labels=p_labels.numpy(), iou=pairwise_iou(g_boxes, p_boxes))
    return frame, g_ids, g_labels


def _check_max_detections(value: Optional[int]) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"max_detections_per_frame must be None (unlimited) or an int >= 1, got {value!r}")


def video_counts(preds: Sequence[Mapping[str, Any]], target: Sequence[Mapping[str, Any]],
                 max_detections_per_frame: Optional[int] = None,
                 name: str = "video") -> dict[int, ClassCounts]:
    """TETA counts of one video, ``{category id: ClassCounts}`` (module docstring).

    ``preds`` and ``target`` list the same frames in temporal order, one dict per frame
    (``pred``: boxes, scores, track_ids, labels; ``target``: boxes, track_ids, labels). The
    result holds every class with ground truth in the video and every category that received a
    ``Cls_FP`` (with ``num_gt`` 0 unless it also has ground truth)."""
    _check_max_detections(max_detections_per_frame)
    if isinstance(preds, Mapping) or isinstance(target, Mapping):
        raise TypeError(f"{name}: preds and target must be lists of per-frame dicts")
    if len(preds) != len(target):
        raise ValueError(f"{name}: {len(preds)} predicted frames but {len(target)} target frames")
    frames, track_label = [], {}
    for i, (pred, gt) in enumerate(zip(preds, target)):
        frame, g_ids, g_labels = _frame_arrays(pred, gt, f"{name} frame {i}", max_detections_per_frame)
        for tid, label in zip(g_ids.tolist(), g_labels.tolist()):
            if track_label.setdefault(tid, label) != label:
                raise ValueError(f"{name} frame {i}: ground-truth track {tid} changes category "
                                 f"from {track_label[tid]} to {label}")
        if len(frame.gt_ids):  # frames without ground truth are not timesteps (TAO's loader)
            frames.append(frame)
    wrong_class: dict[int, np.ndarray] = {}
    result: dict[int, ClassCounts] = {}
    if frames:
        assignment = _global_assignment(frames)
        for label in sorted(set(np.concatenate([f.gt_labels for f in frames]).tolist())):
            result[label] = _class_counts(frames, assignment, label, wrong_class)
    for label, fp in wrong_class.items():
        result.setdefault(label, ClassCounts()).cls_fp += fp
    return result


def teta_scores(per_class: Mapping[int, ClassCounts],
                novel_categories: Collection[int] = ()) -> dict[str, float]:
    """TETA, LocA, AssocA, ClsA over the classes with ground truth, and ``*_base`` /
    ``*_novel`` over those of each split (``METRIC_NAMES``); NaN for a split without classes."""
    novel = set(int(c) for c in novel_categories)
    scored = {c: counts.scores() for c, counts in per_class.items() if counts.num_gt > 0}
    out: dict[str, float] = {}
    for suffix, chosen in (("", list(scored)), ("_base", [c for c in scored if c not in novel]),
                           ("_novel", [c for c in scored if c in novel])):
        for part in PARTS:
            out[f"{part}{suffix}"] = (float(np.mean([scored[c][part] for c in chosen]))
                                      if chosen else math.nan)
    return out


def frames_from_tracks(boxes: Tensor, visible: Tensor, track_ids: Tensor,
                       labels: Tensor) -> list[dict[str, Tensor]]:
    """zoo's dense track annotation (``batch["tracks"]`` of one video: ``boxes [T, K, 4]``,
    ``visible [T, K]`` bool, ``track_ids [K]``, category ids ``labels [K]``) as per-frame target
    dicts ``{"boxes" [M_t, 4], "track_ids" [M_t], "labels" [M_t]}`` keeping the visible boxes."""
    if boxes.dim() != 3 or boxes.shape[-1] != 4:
        raise ValueError(f"boxes must be [T, K, 4], got shape {tuple(boxes.shape)}")
    num_frames, num_tracks = boxes.shape[:2]
    if visible.shape != (num_frames, num_tracks) or visible.dtype != torch.bool:
        raise ValueError(f"visible must be bool [T, K] = [{num_frames}, {num_tracks}], got "
                         f"{visible.dtype} {tuple(visible.shape)}")
    if track_ids.shape != (num_tracks,) or labels.shape != (num_tracks,):
        raise ValueError(f"track_ids and labels must be [K] = [{num_tracks}], got "
                         f"{tuple(track_ids.shape)} and {tuple(labels.shape)}")
    return [{"boxes": boxes[t][visible[t]], "track_ids": track_ids[visible[t]],
             "labels": labels[visible[t]]} for t in range(num_frames)]


class TrackEveryThingAccuracy(Metric):
    """TETA over the videos seen since the last ``reset`` (module docstring).

    ``update(preds, target, video_ids=None)``: ``preds[v]`` / ``target[v]`` are the per-frame
    dict lists of video ``v`` (see :func:`video_counts`; :func:`frames_from_tracks` builds the
    target from zoo's batch). Each video is evaluated in ``update`` (TETA's counts are per video),
    and its per-class counts are kept as one record per video.

    ``compute()`` -> ``METRIC_NAMES``: ``TETA``, ``LocA``, ``AssocA``, ``ClsA`` and the same with
    ``_base`` / ``_novel``, float64 fractions in [0, 1].

    The records are Python objects (``dist_reduce_fx=None``), gathered across processes with
    ``torch.distributed.all_gather_object`` in ``_sync_dist`` (as :class:`zoo.metrics.cider.CIDErD`).
    With ``video_ids``, a video scored twice (a ``DistributedSampler`` padding the last batch)
    counts once; the same id with different counts raises.
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, novel_categories: Collection[int] = (),
                 max_detections_per_frame: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        _check_max_detections(max_detections_per_frame)
        self.novel_categories = frozenset(int(c) for c in novel_categories)
        self.max_detections_per_frame = max_detections_per_frame
        self.add_state("video_ids", default=[], dist_reduce_fx=None)
        self.add_state("records", default=[], dist_reduce_fx=None)

    def update(self, preds: Sequence[Sequence[Mapping[str, Any]]],
               target: Sequence[Sequence[Mapping[str, Any]]],
               video_ids: Optional[Sequence[Hashable]] = None) -> None:
        if len(preds) != len(target):
            raise ValueError(f"{len(preds)} predicted videos but {len(target)} target videos")
        if video_ids is not None and len(video_ids) != len(preds):
            raise ValueError(f"{len(video_ids)} video_ids for {len(preds)} videos")
        ids = list(video_ids) if video_ids is not None else [None] * len(preds)
        for video_id, pred, gt in zip(ids, preds, target):
            name = f"video {video_id!r}" if video_id is not None else f"video #{len(self.records)}"
            self.records.append(video_counts(pred, gt, self.max_detections_per_frame, name))
            self.video_ids.append(video_id)

    def _combined(self) -> dict[int, ClassCounts]:
        seen: dict[Hashable, dict[int, ClassCounts]] = {}
        total: dict[int, ClassCounts] = {}
        for video_id, record in zip(self.video_ids, self.records):
            if video_id is not None:
                if video_id in seen:
                    previous = seen[video_id]
                    if previous.keys() != record.keys() or not all(
                            previous[c].equals(record[c]) for c in record):
                        raise ValueError(f"video {video_id!r} was given twice with different "
                                         "predictions or ground truth")
                    continue
                seen[video_id] = record
            for label, counts in record.items():
                total.setdefault(label, ClassCounts()).add(counts)
        return total

    def compute(self) -> dict[str, Tensor]:
        if not self.records:
            raise RuntimeError("TrackEveryThingAccuracy.compute() before any update")
        scores = teta_scores(self._combined(), self.novel_categories)
        return {name: torch.tensor(scores[name], dtype=torch.float64) for name in METRIC_NAMES}

    def _sync_dist(self, dist_sync_fn=None, process_group: Optional[Any] = None) -> None:
        """Gather every rank's (video id, record) lists with ``all_gather_object``, in rank order."""
        group = process_group or self.process_group
        gathered: list = [None] * dist.get_world_size(group)
        dist.all_gather_object(gathered, (list(self.video_ids), list(self.records)), group=group)
        self.video_ids = [v for ids, _ in gathered for v in ids]
        self.records = [r for _, records in gathered for r in records]
