"""Per-frame AP@0.5 against hand-computed precision/recall curves (COCOeval's convention)."""

import math

import numpy as np
import pytest
import torch

from zoo.metrics.detection import (RECALL_POINTS, FrameDetectionAP, average_precision, checked_boxes,
                                   match_frame)

A = [0.0, 0.0, 10.0, 10.0]
B = [20.0, 0.0, 30.0, 10.0]
C = [40.0, 0.0, 50.0, 10.0]
FAR = [200.0, 200.0, 210.0, 210.0]


def frame(boxes, scores=None, labels=None):
    out = {"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)}
    if scores is not None:
        out["scores"] = torch.tensor(scores, dtype=torch.float32)
    out["labels"] = torch.tensor(labels if labels is not None else [0] * len(boxes), dtype=torch.long)
    return out


def ap(preds, target, **kwargs):
    metric = FrameDetectionAP(**kwargs)
    metric.update(preds, target)
    return {k: v.item() for k, v in metric.compute().items()}


def test_recall_points():
    assert len(RECALL_POINTS) == 101 and RECALL_POINTS[0] == 0.0 and RECALL_POINTS[50] == 0.5
    assert RECALL_POINTS[-1] == 1.0


def test_precision_recall_curve_by_hand():
    """One frame, GT A and B; detections by score: 0.9 on A (TP), 0.8 far (FP), 0.7 on B (TP).
    Cumulative TP 1, 1, 2; FP 0, 1, 1 -> recall 0.5, 0.5, 1; precision 1, 1/2, 2/3.
    Envelope from the right: 1, 2/3, 2/3. Recall points 0 .. 0.50 (51 points) first reach recall
    at detection 1 -> precision 1; points 0.51 .. 1 (50 points) at detection 3 -> 2/3.
    AP = (51 * 1 + 50 * 2/3) / 101 = (51 + 100/3) / 101 = 253 / 303."""
    out = ap([frame([A, FAR, B], [0.9, 0.8, 0.7])], [frame([A, B])])
    assert out["det_ap50"] == pytest.approx(253 / 303, rel=1e-12)


def test_perfect_and_empty_detectors():
    assert ap([frame([A, B], [0.9, 0.8])], [frame([A, B])])["det_ap50"] == pytest.approx(1.0, rel=1e-12)
    # no detection: every recall point is unreached -> 0
    assert ap([frame([], [])], [frame([A])])["det_ap50"] == 0.0
    # no ground truth at all: undefined
    assert math.isnan(ap([frame([A], [0.9])], [frame([])])["det_ap50"])


def test_iou_threshold_is_inclusive():
    """IoU exactly 0.5 matches (COCOeval skips only IoU < threshold): [0,0,10,5] vs A:
    inter 50, union 100 -> 0.5 -> TP, AP 1. [0,0,10,4.9] -> 0.49 -> FP, AP 0."""
    assert ap([frame([[0, 0, 10, 5]], [0.9])], [frame([A])])["det_ap50"] == pytest.approx(1.0)
    assert ap([frame([[0, 0, 10, 4.9]], [0.9])], [frame([A])])["det_ap50"] == 0.0


def test_greedy_matching_by_score():
    """GT A and B. Detection 0.9 [1,0,11,10] (IoU 90/110 with A) comes first and takes A; 0.8 [0,0,10,10]
    (IoU 1 with A, 0 with B) finds A taken -> FP, although an optimal assignment would differ.
    Detection 0.7 on B -> TP. TP 1,1,2 / FP 0,1,1: the same curve as the hand case -> 253/303."""
    kept, tp = match_frame(torch.tensor([[1.0, 0, 11, 10], A, B]).double(),
                           torch.tensor([0.9, 0.8, 0.7]).double(), torch.tensor([A, B]).double())
    assert kept.tolist() == [0, 1, 2] and tp.tolist() == [True, False, True]
    out = ap([frame([[1, 0, 11, 10], A, B], [0.9, 0.8, 0.7])], [frame([A, B])])
    assert out["det_ap50"] == pytest.approx(253 / 303, rel=1e-12)


def test_equal_iou_goes_to_the_later_ground_truth():
    """Detection [5,0,15,10] overlaps GT A=[0,0,10,10] and [10,0,20,10] equally (50 / 150 = 1/3).
    At threshold 0.3 COCOeval keeps replacing its candidate unless the IoU is strictly lower, so
    the later GT (index 1) is taken; the second detection, exactly on GT 1, is then an FP."""
    gt = torch.tensor([A, [10.0, 0, 20, 10]]).double()
    _, tp = match_frame(torch.tensor([[5.0, 0, 15, 10], [10.0, 0, 20, 10]]).double(),
                        torch.tensor([0.9, 0.8]).double(), gt, iou_threshold=0.3)
    assert tp.tolist() == [True, False]


def test_score_order_across_frames_and_max_detections():
    """Frame 0: GT A, detection 0.6 on A (TP). Frame 1: GT B, detections 0.9 far (FP), 0.5 on B (TP).
    Global order 0.9 FP, 0.6 TP, 0.5 TP: TP 0,1,2 / FP 1,1,1; recall 0, 0.5, 1; precision 0, 1/2, 2/3
    -> envelope 2/3, 2/3, 2/3: every recall point reads 2/3 -> AP 2/3.
    With one detection per frame, frame 1 keeps only the 0.9 FP: TP 0,1 / FP 1,1 over 2 GT;
    recall 0, 0.5; precision 0, 1/2 -> envelope 1/2, 1/2; points 0 .. 0.5 (51) read 1/2, the rest 0:
    AP = 51 * 0.5 / 101 = 51/202."""
    preds = [frame([A], [0.6]), frame([FAR, B], [0.9, 0.5])]
    target = [frame([A]), frame([B])]
    assert ap(preds, target)["det_ap50"] == pytest.approx(2 / 3, rel=1e-12)
    assert ap(preds, target, max_detections_per_frame=1)["det_ap50"] == pytest.approx(51 / 202, rel=1e-12)


def test_class_agnostic_and_per_class():
    """GT A (class 0) and B (class 1); detections 0.9 on A labelled 1, 0.8 on B labelled 1.
    Class-agnostic: both TP -> AP 1.
    Class 0: 1 GT, no detection -> AP 0. Class 1: 0.9 (IoU 0 with B) FP, 0.8 TP: TP 0,1 / FP 1,1,
    recall 0, 1, precision 0, 1/2 -> envelope 1/2, 1/2 -> AP 1/2. Mean over classes: 1/4.
    A detection of class 7, which has no GT, is ignored by the per-class mean."""
    preds = [frame([A, B, C], [0.9, 0.8, 0.95], labels=[1, 1, 7])]
    target = [frame([A, B], labels=[0, 1])]
    out = ap(preds, target, per_class=True)
    assert out["det_map50"] == pytest.approx(0.25, rel=1e-12)
    # agnostic: 0.95 (C, no GT) FP first, then two TP: TP 0,1,2 / FP 1,1,1 -> envelope 2/3 -> AP 2/3
    assert out["det_ap50"] == pytest.approx(2 / 3, rel=1e-12)


def test_average_precision_function():
    # all TP: precision 1 at every point
    assert average_precision(np.array([0.5, 0.4]), np.array([True, True]), 2) == pytest.approx(1.0)
    # half the GT found, perfectly: points 0 .. 0.5 read 1, the other 50 read 0 -> 51/101
    assert average_precision(np.array([0.5]), np.array([True]), 2) == pytest.approx(51 / 101)
    assert math.isnan(average_precision(np.zeros(0), np.zeros(0, dtype=bool), 0))


def test_states_concatenate_like_ddp():
    preds = [frame([A], [0.6]), frame([FAR, B], [0.9, 0.5])]
    target = [frame([A]), frame([B])]
    rank0, rank1 = FrameDetectionAP(per_class=True), FrameDetectionAP(per_class=True)
    rank0.update(preds[:1], target[:1])
    rank1.update(preds[1:], target[1:])
    rank0.merge_state(rank1)
    out = {k: v.item() for k, v in rank0.compute().items()}
    assert out == pytest.approx({"det_ap50": 2 / 3, "det_map50": 2 / 3})


@pytest.mark.parametrize("pred, gt, message", [
    (frame([[5, 0, 1, 10]], [0.9]), frame([A]), "negative size"),
    (frame([[0, 0, float("nan"), 10]], [0.9]), frame([A]), "NaN"),
    (frame([A], [0.9, 0.8]), frame([A]), "one entry per box"),
    ({"boxes": torch.zeros(1, 5), "scores": torch.ones(1)}, frame([A]), r"must be \[N, 4\]"),
])
def test_bad_input_raises(pred, gt, message):
    with pytest.raises(ValueError, match=message):
        FrameDetectionAP().update([pred], [gt])


def test_checked_boxes_accepts_empty():
    assert checked_boxes(torch.zeros(0), "x").shape == (0, 4)


def test_compute_before_any_frame_is_nan_not_a_crash():
    """No frame seen: no ground truth, so AP is undefined (NaN, as for a frame set without ground
    truth), for the agnostic AP and the class mean alike."""
    out = FrameDetectionAP(per_class=True).compute()
    assert set(out) == {"det_ap50", "det_map50"}
    assert all(math.isnan(float(v)) for v in out.values())
