"""Temporal-grounding metrics against hand-computed cases, and against a restatement of
Moment-DETR's evaluator (``standalone_eval/eval.py`` + ``utils.py``) on random cases."""

import numpy as np
import pytest
import torch

from zoo.metrics.moments import (MAP_THRESHOLDS, HighlightMetrics, MomentMAP, MomentRecall,
                                 QVHIGHLIGHTS_R1_THRESHOLDS, detection_ap, full_saliency_scores,
                                 highlight_scores, interpolated_ap, ranked_windows, saliency_ap)
from zoo.ops.spans import clamp_spans


def t(values):
    return torch.tensor(values, dtype=torch.float64)


def floats(values):
    return {k: float(v) for k, v in values.items()}


# ----------------------------------------------------------------------------- (a) R1 / mIoU
def test_charades_protocol_by_hand_with_boundaries():
    """One ground-truth window per query ([B, 2]) and one predicted window ([B, 2]):
      (5, 15) vs (10, 20): inter 5, union 15 -> 1/3
      (10, 20) vs (10, 20) -> 1
      (0, 10) vs (0, 5): 5 / 10 = 0.5 exactly -> a hit at 0.5 (>=; 2D-TAN's > would miss it)
      (0, 10) vs (0, 7): 7 / 10 = 0.7 exactly -> a hit at 0.7
      zero-length (12, 12) vs (10, 20): no intersection -> 0
    R1@0.3 = 4/5, R1@0.5 = 3/5, R1@0.7 = 2/5; mIoU = (1/3 + 1 + 0.5 + 0.7 + 0) / 5."""
    metric = MomentRecall()
    metric.update(t([[5, 15], [10, 20], [0, 10], [0, 10], [12, 12]]),
                  t([[10, 20], [10, 20], [0, 5], [0, 7], [10, 20]]))
    values = floats(metric.compute())
    assert list(values) == ["r1_iou0.3", "r1_iou0.5", "r1_iou0.7", "miou"]
    assert values == pytest.approx({"r1_iou0.3": 80.0, "r1_iou0.5": 60.0, "r1_iou0.7": 40.0,
                                    "miou": 100 * (1 / 3 + 1 + 0.5 + 0.7) / 5})


def test_predictions_outside_the_video_are_scored_as_given():
    """A 30 s video, ground truth (20, 30). Partly outside, (20, 40): inter 10, union 20 -> 0.5;
    clamped to (20, 30) first -> 1. Fully outside (35, 45): 0; clamped to (30, 30): still 0."""
    preds = t([[20, 40], [35, 45]])
    gts = t([[20, 30], [20, 30]])
    raw = MomentRecall(thresholds=(0.5, 0.7))
    raw.update(preds, gts)
    assert floats(raw.compute()) == pytest.approx({"r1_iou0.5": 50.0, "r1_iou0.7": 0.0, "miou": 25.0})
    clamped = MomentRecall(thresholds=(0.5, 0.7))
    clamped.update(clamp_spans(preds, 30.0), gts)
    assert floats(clamped.compute()) == pytest.approx({"r1_iou0.5": 50.0, "r1_iou0.7": 50.0, "miou": 50.0})


def test_top1_with_scores_ties_several_gt_windows_and_no_prediction():
    """Ragged lists, QVHighlights R1 thresholds (0.5, 0.7):
      q0: windows (0, 10), (20, 30) with equal scores 0.5 -> the first given, (0, 10), is top-1;
          ground truth (20, 30) -> IoU 0
      q1: the same two windows given the other way round -> (20, 30) -> IoU 1
      q2: scores 0.4, 0.6 -> (20, 30) ranks first -> IoU 1
      q3: top-1 (18, 30) against two ground-truth windows (0, 10), (20, 30): the best, 10/12
      q4: no prediction -> 0
    R1@0.5 = 3/5, R1@0.7 = 3/5 (10/12 = 0.833 >= 0.7), mIoU = (0 + 1 + 1 + 5/6 + 0) / 5."""
    metric = MomentRecall(thresholds=QVHIGHLIGHTS_R1_THRESHOLDS)
    metric.update([t([[0, 10], [20, 30]]), t([[20, 30], [0, 10]]), t([[0, 10], [20, 30]]),
                   t([[18, 30]]), torch.zeros(0, 2)],
                  [t([[20, 30]]), t([[20, 30]]), t([[20, 30]]), t([[0, 10], [20, 30]]), t([[0, 5]])],
                  pred_scores=[t([0.5, 0.5]), t([0.5, 0.5]), t([0.4, 0.6]), t([0.3]), t([])])
    assert floats(metric.compute()) == pytest.approx(
        {"r1_iou0.5": 60.0, "r1_iou0.7": 60.0, "miou": 100 * (2 + 5 / 6) / 5})


def test_ranking_is_a_stable_descending_sort():
    windows = t([[0, 1], [2, 3], [4, 5], [6, 7]])
    ranked = ranked_windows(windows, t([0.2, 0.9, 0.2, 0.9]))
    assert ranked.tolist() == [[2, 3], [6, 7], [0, 1], [4, 5]]  # ties keep the given order
    assert torch.equal(ranked_windows(windows), windows)


def test_repeated_query_ids_count_once():
    """DistributedSampler padding: query 7 comes twice; the first occurrence is kept."""
    metric = MomentRecall(thresholds=(0.5,))
    metric.update(t([[0, 10], [0, 10]]), t([[0, 10], [0, 20]]), query_ids=[7, 8])  # IoU 1, 0.5
    metric.update(t([[0, 10]]), t([[0, 10]]), query_ids=torch.tensor([7]))       # padded repeat
    metric.update(t([[50, 60]]), t([[0, 10]]))                                   # no id: counted
    # queries 7 (1), 8 (0.5), anonymous (0): R1@0.5 = 2/3, mIoU = 1.5 / 3
    assert floats(metric.compute()) == pytest.approx({"r1_iou0.5": 200 / 3, "miou": 50.0})


def test_moment_inputs_are_checked():
    metric = MomentRecall()
    with pytest.raises(ValueError, match="end < start"):
        metric.update(t([[10, 5]]), t([[0, 10]]))
    with pytest.raises(ValueError, match="NaN"):
        metric.update(t([[0, float("nan")]]), t([[0, 10]]))
    with pytest.raises(ValueError, match="2 queries of predictions but 1"):
        metric.update(t([[0, 1], [0, 2]]), t([[0, 10]]))
    with pytest.raises(ValueError, match="at least one ground-truth window"):
        metric.update([t([[0, 1]])], [torch.zeros(0, 2)])
    with pytest.raises(ValueError, match="2 windows but 1 scores"):
        metric.update([t([[0, 1], [1, 2]])], [t([[0, 10]])], pred_scores=[t([0.3])])
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        metric.update([t([[0, 1, 2]])], [t([[0, 10]])])
    with pytest.raises(ValueError, match="query_ids"):
        metric.update(t([[0, 1]]), t([[0, 10]]), query_ids=[0.5])
    with pytest.raises(ValueError, match="thresholds"):
        MomentRecall(thresholds=(0.0,))
    with pytest.raises(RuntimeError, match="before any update"), pytest.warns(UserWarning):
        MomentRecall().compute()


# ----------------------------------------------------------------------------- (b) mAP
def test_map_thresholds_are_moment_detrs():
    assert MAP_THRESHOLDS == tuple(float(f"{e:.2f}") for e in np.linspace(0.5, 0.95, 10))


def test_ap_two_ground_truth_windows_by_hand():
    """Ground truth (0, 10), (20, 30); ranked a (20, 30), b (40, 50), c (0, 8).
    a: IoU 1 with the 2nd window -> TP; b: IoU 0 -> FP; c vs (0, 10): 8 / 10 = 0.8 -> TP while the
    threshold <= 0.8 (0.8 itself included), FP above.
    thresholds 0.5 .. 0.8: TP FP TP -> precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1
        interpolated: 1 up to recall 1/2, 2/3 up to 1 -> AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    thresholds 0.85 .. 0.95: TP FP FP -> recall stops at 1/2 -> AP = 1/2 * 1 = 1/2
    mAP@0.5 = mAP@0.75 = 5/6; average = (7 * 5/6 + 3 * 1/2) / 10 = 11/15."""
    ranked, gt = t([[20, 30], [40, 50], [0, 8]]), t([[0, 10], [20, 30]])
    assert detection_ap(ranked, gt) == pytest.approx([5 / 6] * 7 + [0.5] * 3)
    metric = MomentMAP()
    metric.update([t([[0, 8], [40, 50], [20, 30]])], [gt], pred_scores=[t([0.7, 0.8, 0.9])])
    assert floats(metric.compute()) == pytest.approx(
        {"map_iou0.5": 500 / 6, "map_iou0.75": 500 / 6, "map_avg": 1100 / 15})


def test_ap_false_positive_rank_and_duplicates():
    """One ground-truth window (20, 30).
    FP first, (40, 50) then (20, 30): precision 0, 1/2 at recall 0, 1 -> AP = 1 * 1/2.
    A duplicate after the hit: (20, 30) twice -> the second finds the window taken: FP, but after
    full recall -> AP = 1. A zero-length window (25, 25) has IoU 0: FP."""
    gt = t([[20, 30]])
    assert detection_ap(t([[40, 50], [20, 30]]), gt) == pytest.approx([0.5] * 10)
    assert detection_ap(t([[20, 30], [20, 30]]), gt) == pytest.approx([1.0] * 10)
    assert detection_ap(t([[25, 25], [20, 30]]), gt) == pytest.approx([0.5] * 10)


def test_ap_score_ties_keep_the_given_order():
    """x = (0, 10) and y = (40, 50) both score 0.5, ground truth (0, 10): given x, y -> TP, FP ->
    AP 1; given y, x -> FP, TP -> AP 1/2 (Moment-DETR's stable sort by -score)."""
    gt, scores = [t([[0, 10]])], [t([0.5, 0.5])]
    first = MomentMAP()
    first.update([t([[0, 10], [40, 50]])], gt, pred_scores=scores)
    assert float(first.compute()["map_avg"]) == pytest.approx(100.0)
    second = MomentMAP()
    second.update([t([[40, 50], [0, 10]])], gt, pred_scores=scores)
    assert float(second.compute()["map_avg"]) == pytest.approx(50.0)


def test_ap_equal_iou_ground_truth_windows_later_first():
    """p = (4, 16) overlaps (0, 12) and (8, 20) equally: 8 / 16 = 0.5 each; then q = (0, 12).
    Moment-DETR tries equal-IoU windows later first (argsort()[::-1]): p takes (8, 20), q takes
    (0, 12) with IoU 1 -> AP at 0.5 = 1. (Had p taken (0, 12), q would reach (8, 20) with IoU
    4 / 20 = 0.2: a FP, AP 1/2.) Above 0.5 p misses; q still hits -> precision 1/2 at recall 1/2
    -> AP 1/4."""
    aps = detection_ap(t([[4, 16], [0, 12]]), t([[0, 12], [8, 20]]))
    assert aps[0] == pytest.approx(1.0)
    assert aps[1:] == pytest.approx([0.25] * 9)


def test_only_the_top_ten_predictions_count_and_no_prediction_scores_zero():
    """The correct window ranked 11th (score 0.01 below ten wrong ones) is cut: AP 0; without
    the cut it is a TP at rank 11: precision 1/11 at recall 1 -> AP 1/11. A query with no
    prediction scores 0 and still counts in the mean."""
    wrong = [[100 + 10 * i, 105 + 10 * i] for i in range(10)]
    windows, scores = t(wrong + [[0, 10]]), t([0.9 - 0.05 * i for i in range(10)] + [0.01])
    gt = t([[0, 10]])
    metric = MomentMAP()
    metric.update([windows, t([[0, 10]]), torch.zeros(0, 2)], [gt, gt, gt],
                  pred_scores=[scores, t([0.5]), t([])])
    assert floats(metric.compute()) == pytest.approx({"map_iou0.5": 100 / 3, "map_iou0.75": 100 / 3,
                                                      "map_avg": 100 / 3})
    uncut = MomentMAP(max_predictions=None)
    uncut.update([windows], [gt], pred_scores=[scores])
    assert float(uncut.compute()["map_avg"]) == pytest.approx(100 / 11)


def test_interpolated_ap_by_hand():
    # precision 1, 0.5, 2/3 at recall 0.5, 0.5, 1 -> 0.5 * 1 + 0.5 * 2/3
    assert interpolated_ap([1, 0.5, 2 / 3], [0.5, 0.5, 1.0]) == pytest.approx(5 / 6)
    # recall never reaches 1: the step to 1 carries precision 0
    assert interpolated_ap([1.0], [0.25]) == pytest.approx(0.25)


def moment_detr_ap(ground_truth, prediction, thresholds):
    """Moment-DETR's ``compute_average_precision_detection`` for one query, restated in numpy:
    ground_truth [[s, e]], prediction [[s, e, score]] (already cut to 10)."""
    ap = np.zeros(len(thresholds))
    if len(prediction) == 0:
        return ap
    prediction = sorted(prediction, key=lambda x: -x[2])
    gt = np.array(ground_truth, dtype=float)
    lock = -np.ones((len(thresholds), len(gt)))
    tp = np.zeros((len(thresholds), len(prediction)))
    fp = np.zeros((len(thresholds), len(prediction)))
    for idx, (s, e, _) in enumerate(prediction):
        inter = np.clip(np.minimum(e, gt[:, 1]) - np.maximum(s, gt[:, 0]), 0, None)
        tiou = inter / ((e - s) + (gt[:, 1] - gt[:, 0]) - inter)
        for t_idx, thr in enumerate(thresholds):
            for j in tiou.argsort(kind="stable")[::-1]:
                if tiou[j] < thr:
                    fp[t_idx, idx] = 1
                    break
                if lock[t_idx, j] >= 0:
                    continue
                tp[t_idx, idx] = 1
                lock[t_idx, j] = idx
                break
            if fp[t_idx, idx] == 0 and tp[t_idx, idx] == 0:
                fp[t_idx, idx] = 1
    tp_c, fp_c = np.cumsum(tp, axis=1), np.cumsum(fp, axis=1)
    for t_idx in range(len(thresholds)):
        prec = np.hstack([[0], tp_c[t_idx] / (tp_c[t_idx] + fp_c[t_idx]), [0]])
        rec = np.hstack([[0], tp_c[t_idx] / len(gt), [1]])
        for i in range(len(prec) - 1)[::-1]:
            prec[i] = max(prec[i], prec[i + 1])
        idx = np.where(rec[1:] != rec[:-1])[0] + 1
        ap[t_idx] = np.sum((rec[idx] - rec[idx - 1]) * prec[idx])
    return ap


def test_map_equals_moment_detr_restated_on_random_queries():
    """300 random queries on a 2-s grid (QVHighlights-like: many equal IoUs, score ties from
    rounding, 1-4 ground-truth windows, 0-14 predictions, some zero-length)."""
    rng = np.random.default_rng(0)
    metric = MomentMAP()
    reference = []
    for _ in range(300):
        gts = []
        for _ in range(rng.integers(1, 5)):
            start = 2 * rng.integers(0, 70)
            gts.append([start, start + 2 * rng.integers(1, 10)])
        preds = []
        for _ in range(rng.integers(0, 15)):
            start = 2 * rng.integers(0, 72)
            preds.append([float(start), float(start + 2 * rng.integers(0, 12)), round(rng.random(), 1)])
        ranked_first = sorted(preds, key=lambda x: -x[2])[:10]  # the submission file, cut to 10
        reference.append(moment_detr_ap(gts, ranked_first, MAP_THRESHOLDS) if ranked_first
                         else np.zeros(10))
        windows = t([p[:2] for p in preds]) if preds else torch.zeros(0, 2)
        metric.update([windows], [t(gts)], pred_scores=[t([p[2] for p in preds])])
    per_threshold = 100 * np.mean(reference, axis=0)
    values = floats(metric.compute())
    assert values["map_iou0.5"] == pytest.approx(per_threshold[0], abs=1e-9)
    assert values["map_iou0.75"] == pytest.approx(per_threshold[5], abs=1e-9)
    assert values["map_avg"] == pytest.approx(per_threshold.mean(), abs=1e-9)


# ----------------------------------------------------------------------------- (c) highlights
GT_SCORES = [[4, 4, 2], [1, 0, 3], [4, 2, 4], [0, 0, 0], [3, 4, 1], [0, 1, 0]]  # 6 clips x 3
PRED = [0.9, 0.8, 0.7, 0.1, 0.6, 0.2]  # ranking c0 c1 c2 c4 c5 c3


def test_highlight_query_by_hand_verygood():
    """VeryGood (>= 4) positives per annotator: a0 {c0, c2}, a1 {c0, c4}, a2 {c2}.
    HIT@1: top clip c0 is positive for a0 -> 1.
    a0: c0 + (P 1, R 1/2), c1 -, c2 + (P 2/3, R 1) -> mean(1, 2/3) = 5/6
    a1: c0 + (1, 1/2), c1 -, c2 -, c4 + (2/4, 1) -> mean(1, 1/2) = 3/4
    a2: c0 -, c1 -, c2 + (1/3, 1) -> 1/3
    AP = (5/6 + 3/4 + 1/3) / 3 = 23/36."""
    hit, ap = highlight_scores(t(PRED), t(GT_SCORES), min_score=4)
    assert hit == 1.0
    assert ap == pytest.approx(23 / 36)


def test_highlight_query_by_hand_fair():
    """Fair (>= 2): a0 {c0, c2, c4}: c0 + (1, 1/3), c1 -, c2 + (2/3, 2/3), c4 + (3/4, 1);
    best precision at recall >= 1/3, 2/3, 1: 1, 3/4, 3/4 -> 5/6. a1 {c0, c2, c4}: the same 5/6.
    a2 {c0, c1, c2}: the top three -> 1. AP = (5/6 + 5/6 + 1) / 3 = 8/9."""
    metric = HighlightMetrics(min_score=2)
    metric.update([t(PRED)], [t(GT_SCORES)])
    assert floats(metric.compute()) == pytest.approx({"hl_map_fair": 800 / 9, "hl_hit1_fair": 100.0})


def test_highlight_two_queries_with_score_ties():
    """Query 1 as above (hit 1, AP 23/36). Query 2: 4 clips, only c1 VeryGood for all three
    annotators; predicted 0.5, 0.5, 0.1, 0: HIT@1 takes the first of the equal maxima, c0 -> miss.
    AP: c0 and c1 tie, so they enter together: precision 1/2 at recall 1 -> 1/2 per annotator.
    hl_hit1 = 100 (1 + 0) / 2 = 50; hl_map = 100 (23/36 + 1/2) / 2 = 100 * 41/72."""
    metric = HighlightMetrics()
    metric.update([t(PRED), t([0.5, 0.5, 0.1, 0.0])],
                  [t(GT_SCORES), t([[0, 0, 0], [4, 4, 4], [0, 0, 0], [0, 0, 0]])])
    assert floats(metric.compute()) == pytest.approx({"hl_map": 4100 / 72, "hl_hit1": 50.0})


def test_saliency_ap_means_recall_levels_not_steps():
    """Positives c0, c1, c2; scores 0.9, 0.5, 0.5, 0.5, 0.1 (c3, c4 negative). Thresholds:
    0.9 -> P 1, R 1/3; 0.5 -> P 3/4, R 1; 0.1 -> P 3/5, R 1. Levels 1/3 and 1: mean(1, 3/4) = 7/8
    (a recall-weighted AP would be 1/3 * 1 + 2/3 * 3/4 = 5/6)."""
    labels = torch.tensor([1, 1, 1, 0, 0])
    assert saliency_ap(labels, t([0.9, 0.5, 0.5, 0.5, 0.1])) == pytest.approx(7 / 8)
    assert saliency_ap(torch.zeros(4), t([0.1, 0.2, 0.3, 0.4])) == 0.0  # no positive
    assert saliency_ap(torch.ones(4), t([0.1, 0.2, 0.3, 0.4])) == 1.0   # no negative


def test_highlight_prediction_longer_shorter_or_empty():
    """3 clips, c2 VeryGood for every annotator.
    Longer, [0.1, 0.2, 0.3, 0.9]: the argmax (index 3) is past the video -> miss; AP on the cut
      [0.1, 0.2, 0.3] ranks c2 first -> 1.
    Shorter, [0.1]: zero-padded to [0.1, 0, 0]: c0 - (P 0, R 0), then c1, c2 tie at 0 -> P 1/3
      at R 1 -> AP 1/3; the argmax c0 -> miss.
    Empty: all zeros, one tie group: P 1/3 at R 1 -> AP 1/3; no top clip -> miss."""
    gt = t([[0, 0, 0], [0, 0, 0], [4, 4, 4]])
    assert highlight_scores(t([0.1, 0.2, 0.3, 0.9]), gt) == (0.0, pytest.approx(1.0))
    assert highlight_scores(t([0.1]), gt) == (0.0, pytest.approx(1 / 3))
    assert highlight_scores(t([]), gt) == (0.0, pytest.approx(1 / 3))


def test_full_saliency_scores_from_the_annotation():
    """duration 10 s of 2-s clips -> 5 clips; clips 1 and 3 annotated, the rest 0.
    duration 9 -> int(4.5) = 4 clips, so clip 4 does not exist."""
    full = full_saliency_scores([1, 3], [[4, 3, 2], [1, 1, 4]], duration=10)
    assert full.tolist() == [[0, 0, 0], [4, 3, 2], [0, 0, 0], [1, 1, 4], [0, 0, 0]]
    assert full_saliency_scores([], torch.zeros(0, 3), duration=9).shape == (4, 3)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        full_saliency_scores([4], [[4, 4, 4]], duration=9)
    with pytest.raises(ValueError, match="saliency_scores must be"):
        full_saliency_scores([1, 2], [[4, 4, 4]], duration=10)


def test_highlight_inputs_are_checked():
    metric = HighlightMetrics()
    with pytest.raises(ValueError, match="num_clips, annotators"):
        metric.update([t([0.1, 0.2])], [t([4, 0])])
    with pytest.raises(ValueError, match="NaN"):
        metric.update([t([float("nan")])], [t([[4, 4, 4]])])
    with pytest.raises(ValueError, match="2 queries of predicted saliency but 1"):
        metric.update([t([0.1]), t([0.2])], [t([[4, 4, 4]])])
    with pytest.raises(ValueError, match="min_score"):
        HighlightMetrics(min_score=5)


def sklearn_style_get_ap(y_true, y_score):
    """Moment-DETR's ``get_ap`` with sklearn's ``precision_recall_curve`` spelled out: one point
    per distinct score (ascending thresholds), then (precision 1, recall 0); running max from
    the low-threshold end; mean precision where the recall changes."""
    y_true, y_score = np.asarray(y_true, dtype=float), np.asarray(y_score, dtype=float)
    if len(set(y_true)) == 1:
        return float(y_true[0] != 0)
    precision, recall = [], []
    for threshold in np.unique(y_score):
        chosen = y_score >= threshold
        tp = float(np.sum(y_true[chosen]))
        precision.append(tp / np.sum(chosen))
        recall.append(tp / np.sum(y_true))
    precision, recall = np.array(precision + [1.0]), np.array(recall + [0.0], dtype=np.float32)
    for i in range(1, len(precision)):
        precision[i] = max(precision[i - 1], precision[i])
    return float(np.mean(precision[np.where(np.diff(recall))]))


def test_highlight_ap_equals_the_reference_restated_on_random_queries():
    rng = np.random.default_rng(1)
    for _ in range(300):
        clips = int(rng.integers(2, 20))
        labels = (rng.integers(0, 5, clips) >= 3).astype(int)
        scores = np.round(rng.random(clips), 1)  # ties
        assert saliency_ap(torch.tensor(labels), t(scores)) == pytest.approx(
            sklearn_style_get_ap(labels, scores), abs=1e-12)


# ----------------------------------------------------------------------------- DDP
def _ddp_worker(rank, world_size, store, results):
    import torch.distributed as dist

    torch.set_num_threads(1)  # a forked child must not reuse the parent's OpenMP pool
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world_size)
    try:
        recall, ap, hl = MomentRecall(), MomentMAP(), HighlightMetrics()
        if rank == 0:
            recall.update(t([[0, 10], [5, 15]]), t([[0, 10], [10, 20]]), query_ids=[0, 1])
            ap.update([t([[0, 10]]), t([[5, 15]])], [t([[0, 10]]), t([[10, 20]])], query_ids=[0, 1])
            hl.update([t(PRED)], [t(GT_SCORES)], query_ids=[0])
        else:  # query 2, plus query 0 again: the sampler's padding
            recall.update(t([[0, 4], [0, 10]]), t([[0, 10], [0, 10]]), query_ids=[2, 0])
            ap.update([t([[0, 4]]), t([[0, 10]])], [t([[0, 10]]), t([[0, 10]])], query_ids=[2, 0])
            hl.update([t([0.5, 0.5, 0.1, 0.0]), t(PRED)],
                      [t([[0, 0, 0], [4, 4, 4], [0, 0, 0], [0, 0, 0]]), t(GT_SCORES)], query_ids=[2, 0])
        results[rank] = {**floats(recall.compute()), **floats(ap.compute()), **floats(hl.compute())}
    finally:
        dist.destroy_process_group()


def test_metrics_gather_across_two_processes(tmp_path):
    """Two gloo processes; every rank computes over queries 0, 1, 2 once each.
    Recall: IoUs 1, 1/3, 4/10 -> R1@0.3 = 100, R1@0.5 = 100/3, R1@0.7 = 100/3,
    mIoU = 100 (1 + 1/3 + 0.4) / 3. mAP: query 0 AP 1; query 1 IoU 1/3, query 2 IoU 0.4: AP 0
    -> 100/3 at every threshold. Highlights: queries 0 and 2 of the hand cases above."""
    import torch.multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("needs the fork start method")
    # fork: the children inherit the imported modules (a spawned child re-imports zoo, ~20 s)
    context = mp.get_context("fork")
    results = context.Manager().dict()
    mp.start_processes(_ddp_worker, args=(2, str(tmp_path / "store"), results), nprocs=2, join=True,
                       start_method="fork")
    expected = {"r1_iou0.3": 100.0, "r1_iou0.5": 100 / 3, "r1_iou0.7": 100 / 3,
                "miou": 100 * (1 + 1 / 3 + 0.4) / 3, "map_iou0.5": 100 / 3, "map_iou0.75": 100 / 3,
                "map_avg": 100 / 3, "hl_map": 4100 / 72, "hl_hit1": 50.0}
    for rank in (0, 1):
        assert dict(results[rank]) == pytest.approx(expected)


@pytest.mark.parametrize("bad", [0, -3])
def test_map_rejects_a_non_positive_prediction_budget(bad):
    with pytest.raises(ValueError, match=f"max_predictions must be positive or None, got {bad}"):
        MomentMAP(max_predictions=bad)
