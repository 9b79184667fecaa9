"""TETA against hand-computed tracking scenarios.

Conventions of the scenarios: boxes A = [0,0,10,10] and B = [50,0,60,10] never overlap, so each
class's local cluster holds only the predictions drawn on its own objects. Every part is written
out over the 20 localisation thresholds alpha = 0, 0.05, ..., 0.95 (LocA, AssocA) and the 10
classification thresholds 0.5, ..., 0.95 (ClsA); TETA = (LocA + AssocA + ClsA) / 3.
"""

import math

import numpy as np
import pytest
import torch

from zoo.metrics.teta import (LOC_ALPHAS, METRIC_NAMES, TrackEveryThingAccuracy, frames_from_tracks,
                              teta_scores, video_counts)

A = [0.0, 0.0, 10.0, 10.0]
B = [50.0, 0.0, 60.0, 10.0]
FAR = [200.0, 200.0, 210.0, 210.0]


def gt_frame(*objects):
    """objects: (track_id, label, box)."""
    return {"boxes": torch.tensor([o[2] for o in objects], dtype=torch.float32).reshape(-1, 4),
            "track_ids": torch.tensor([o[0] for o in objects], dtype=torch.long),
            "labels": torch.tensor([o[1] for o in objects], dtype=torch.long)}


def pred_frame(*objects):
    """objects: (track_id, label, box[, score])."""
    frame = gt_frame(*[o[:3] for o in objects])
    frame["scores"] = torch.tensor([o[3] if len(o) > 3 else 0.9 for o in objects], dtype=torch.float32)
    return frame


def scores_of(preds, target, novel=(), **kwargs):
    return teta_scores(video_counts(preds, target, **kwargs), novel)


def per_class(preds, target, label):
    return video_counts(preds, target)[label].scores()


def test_thresholds_are_the_references():
    assert len(LOC_ALPHAS) == 20 and LOC_ALPHAS[0] == 0.0 and LOC_ALPHAS[10] == 0.5
    assert LOC_ALPHAS[-1] == pytest.approx(0.95)


def test_perfect_tracker_scores_one():
    """Two objects of two classes over 3 frames, predicted exactly with their classes.
    Per class, every frame gives one kept pair at every alpha: TP 3, FN 0, FP 0 -> LocA 1;
    one pair of tracks matched on 3 frames, each track 3 frames long: 3 * 3 / (3 + 3 - 3) / TP 3
    = 1 -> AssocA 1; Cls TP 3, FN 0, FP 0 -> ClsA 1."""
    target = [gt_frame((1, 0, A), (2, 1, B)) for _ in range(3)]
    preds = [pred_frame((10, 0, A), (20, 1, B)) for _ in range(3)]
    assert scores_of(preds, target, novel={1}) == {name: 1.0 for name in METRIC_NAMES}


def test_identity_switch_halves_association():
    """One object over 4 frames, predicted exactly but as track 10 on frames 0-1 and track 11 on
    frames 2-3. LocA: TP 4, FN 0, FP 0 -> 1. ClsA: 4 correct -> 1.
    AssocA: m(gt, 10) = 2 frames, n_gt = 4, n_10 = 2 -> 2 * 2 / (4 + 2 - 2) = 1; same for 11;
    sum 2 / TP 4 = 1/2 at every alpha. TETA = (1 + 1/2 + 1) / 3 = 5/6."""
    target = [gt_frame((1, 0, A)) for _ in range(4)]
    preds = [pred_frame((10, 0, A)), pred_frame((10, 0, A)), pred_frame((11, 0, A)), pred_frame((11, 0, A))]
    s = scores_of(preds, target)
    assert s["LocA"] == pytest.approx(1.0)
    assert s["AssocA"] == pytest.approx(0.5)
    assert s["ClsA"] == pytest.approx(1.0)
    assert s["TETA"] == pytest.approx(5 / 6)


def test_missed_frame():
    """One object over 3 frames; the tracker (track 10) misses frame 1.
    LocA: TP 2, FN 1, FP 0 -> 2/3 at every alpha.
    AssocA: m = 2, n_gt = 3, n_10 = 2 -> 2 * 2 / (3 + 2 - 2) = 4/3, / TP 2 = 2/3.
    ClsA: a missing box is no classification error: TP 2, FN 0, FP 0 -> 1.
    TETA = (2/3 + 2/3 + 1) / 3 = 7/9."""
    target = [gt_frame((1, 0, A)) for _ in range(3)]
    preds = [pred_frame((10, 0, A)), pred_frame(), pred_frame((10, 0, A))]
    s = scores_of(preds, target)
    assert (s["LocA"], s["AssocA"], s["ClsA"], s["TETA"]) == pytest.approx((2 / 3, 2 / 3, 1.0, 7 / 9))


def test_false_positive_inside_the_cluster_costs_localisation_only():
    """One object over 2 frames, predicted exactly by track 10; in frame 0 a second track 11
    draws [0,0,10,8] (IoU 80/100 = 0.8 >= 0.5: inside the local cluster).
    Global alignment: frame 0 soft matches 1/1.8 (track 10) and 0.8/1.8 (track 11), frame 1: 1
    -> A(10) = 1.556 / (2 + 2 - 1.556) = 0.64 > A(11) = 0.444 / (2 + 1 - 0.444) = 0.17, so the
    Hungarian pairs the object with track 10 in frame 0 (score 0.64 * 1 > 0.17 * 0.8).
    LocA: TP 2, FN 0, FP 1 (track 11, overlapping but unmatched) -> 2/3 at every alpha.
    AssocA: m(gt, 10) = 2, n = 2 and 2 -> 2 * 2 / 2 / TP 2 = 1 (track 11 has no matched frame).
    ClsA: 2 correct matches; an unmatched box is no Cls FP -> 1. TETA = (2/3 + 1 + 1) / 3 = 8/9."""
    target = [gt_frame((1, 0, A)) for _ in range(2)]
    preds = [pred_frame((10, 0, A), (11, 0, [0, 0, 10, 8])), pred_frame((10, 0, A))]
    s = scores_of(preds, target)
    assert (s["LocA"], s["AssocA"], s["ClsA"], s["TETA"]) == pytest.approx((2 / 3, 1.0, 1.0, 8 / 9))


def test_false_positive_outside_every_cluster_is_ignored():
    """A track far from every GT box (IoU 0 with all) is outside the local clusters: TETA does not
    penalise it (TAO is not exhaustively annotated), so a perfect tracker stays at 1."""
    target = [gt_frame((1, 0, A)) for _ in range(2)]
    preds = [pred_frame((10, 0, A), (99, 0, FAR)) for _ in range(2)]
    assert scores_of(preds, target)["TETA"] == pytest.approx(1.0)


def test_max_detections_keep_the_best_scores():
    """As the in-cluster false positive above, but with one detection per frame allowed: track 11
    (score 0.5 < 0.9) is dropped before evaluation, so nothing is left to penalise: LocA 1."""
    target = [gt_frame((1, 0, A)) for _ in range(2)]
    preds = [pred_frame((10, 0, A, 0.9), (11, 0, [0, 0, 10, 8], 0.5)), pred_frame((10, 0, A))]
    assert scores_of(preds, target, max_detections_per_frame=1)["LocA"] == pytest.approx(1.0)
    assert scores_of(preds, target, max_detections_per_frame=2)["LocA"] == pytest.approx(2 / 3)


def test_wrong_class():
    """Objects 1 (class 0, box A) and 2 (class 1, box B) over 2 frames; track 10 follows object 1
    perfectly but says class 1, track 20 follows object 2 with the right class 1.
    Class 0: LocA 1, AssocA 1; at each of the 10 alphas >= 0.5, 2 matched pairs of the wrong class:
      Cls TP 0, FN 2 -> ClsA_0 = 0; and each is a Cls FP of class 1 (2 per alpha).
      TETA_0 = (1 + 1 + 0) / 3 = 2/3.
    Class 1: LocA 1, AssocA 1; Cls TP 2, FN 0, FP 2 -> ClsA_1 = 2 / 4 = 1/2. TETA_1 = 5/6.
    Means over the two classes: ClsA 1/4, TETA (2/3 + 5/6) / 2 = 3/4."""
    target = [gt_frame((1, 0, A), (2, 1, B)) for _ in range(2)]
    preds = [pred_frame((10, 1, A), (20, 1, B)) for _ in range(2)]
    counts = video_counts(preds, target)
    assert counts[0].scores() == pytest.approx({"TETA": 2 / 3, "LocA": 1.0, "AssocA": 1.0, "ClsA": 0.0})
    assert counts[1].scores() == pytest.approx({"TETA": 5 / 6, "LocA": 1.0, "AssocA": 1.0, "ClsA": 0.5})
    np.testing.assert_array_equal(counts[0].cls_fn, np.full(10, 2.0))
    np.testing.assert_array_equal(counts[1].cls_fp, np.full(10, 2.0))
    s = teta_scores(counts)
    assert (s["LocA"], s["AssocA"], s["ClsA"], s["TETA"]) == pytest.approx((1.0, 1.0, 0.25, 0.75))


def test_wrong_class_without_ground_truth_is_not_scored():
    """Track 10 calls object 1 (class 0) class 7, which has no ground truth anywhere: class 0 gets
    Cls FN 2 per alpha -> ClsA 0, TETA (1 + 1 + 0) / 3; class 7 is not averaged in."""
    target = [gt_frame((1, 0, A)) for _ in range(2)]
    preds = [pred_frame((10, 7, A)) for _ in range(2)]
    s = scores_of(preds, target)
    assert (s["LocA"], s["AssocA"], s["ClsA"], s["TETA"]) == pytest.approx((1.0, 1.0, 0.0, 2 / 3))


def test_novel_class_found_base_and_novel_split():
    """Base object 1 (class 0, box A) on frames 0-2; novel object 2 (class 5, box B) on frames 0-2.
    The tracker follows both with the right classes but misses the novel object in frame 1
    (frame 1 still has ground truth, object 1, so it remains a timestep).
    Base (class 0): all 1.  Novel (class 5), as the missed-frame case: LocA 2/3, AssocA 2/3,
    ClsA 1, TETA 7/9.  Overall = the mean of the two classes: LocA 5/6, AssocA 5/6, ClsA 1,
    TETA (1 + 7/9) / 2 = 8/9."""
    target = [gt_frame((1, 0, A), (2, 5, B)) for _ in range(3)]
    preds = [pred_frame((10, 0, A), (20, 5, B)), pred_frame((10, 0, A)), pred_frame((10, 0, A), (20, 5, B))]
    s = scores_of(preds, target, novel={5})
    assert (s["TETA_base"], s["LocA_base"], s["AssocA_base"], s["ClsA_base"]) == pytest.approx((1, 1, 1, 1))
    assert (s["TETA_novel"], s["LocA_novel"], s["AssocA_novel"], s["ClsA_novel"]) == pytest.approx(
        (7 / 9, 2 / 3, 2 / 3, 1.0))
    assert (s["TETA"], s["LocA"], s["AssocA"], s["ClsA"]) == pytest.approx((8 / 9, 5 / 6, 5 / 6, 1.0))


def test_novel_object_called_by_a_base_name():
    """The novel object (class 5) is tracked but labelled class 0 (base) on both frames.
    Novel: LocA 1, AssocA 1, Cls FN 2 -> ClsA 0, TETA 2/3.
    Base class 0: Cls TP 2 (its own object), FP 2 (the novel object's label) -> ClsA 1/2,
    TETA (1 + 1 + 1/2) / 3 = 5/6."""
    target = [gt_frame((1, 0, A), (2, 5, B)) for _ in range(2)]
    preds = [pred_frame((10, 0, A), (20, 0, B)) for _ in range(2)]
    s = scores_of(preds, target, novel={5})
    assert (s["TETA_novel"], s["ClsA_novel"]) == pytest.approx((2 / 3, 0.0))
    assert (s["TETA_base"], s["ClsA_base"]) == pytest.approx((5 / 6, 0.5))


def test_split_without_classes_is_nan():
    target = [gt_frame((1, 0, A))]
    preds = [pred_frame((10, 0, A))]
    s = scores_of(preds, target, novel={5})
    assert s["TETA_base"] == 1.0 and math.isnan(s["TETA_novel"])


def test_localisation_thresholds_sweep():
    """One frame, one object, one prediction [0,0,10,7.2]: IoU 72/100 = 0.72.
    Kept at the 15 alphas 0 .. 0.70, dropped at the 5 alphas 0.75 .. 0.95 (where it is then
    one FN and, overlapping >= 0.5, one FP).
    LocA = (15 * 1 + 5 * 0) / 20 = 3/4; AssocA = (15 * 1 + 5 * 0) / 20 = 3/4;
    ClsA over alpha 0.5 .. 0.95: matched (TP 1) at 0.5 .. 0.70 (5 values), unmatched at 5 values
    where TP = FN = FP = 0 -> 0 / max(1, 0) = 0; ClsA = 5/10 = 1/2. TETA = (3/4 + 3/4 + 1/2) / 3 = 2/3."""
    s = scores_of([pred_frame((10, 0, [0, 0, 10, 7.2]))], [gt_frame((1, 0, A))])
    assert (s["LocA"], s["AssocA"], s["ClsA"], s["TETA"]) == pytest.approx((0.75, 0.75, 0.5, 2 / 3))


def test_alpha_zero_counts_any_hungarian_pair():
    """The reference keeps Hungarian pairs with IoU >= alpha - eps, so at alpha = 0 a pair of IoU 0
    counts. Object on A in frames 0 and 1; track 10 on A in frame 0 and far away in frame 1 (it
    stays in the cluster through frame 0).
    Alpha 0: TP 2, FN 0, FP 0 -> LocA 1; other 19 alphas: TP 1, FN 1 -> 1/2.
      LocA = (1 + 19 / 2) / 20 = 0.525.
    AssocA: alpha 0: m = 2, n = 2, 2 -> 2 * 2 / 2 / TP 2 = 1; others: m = 1 -> 1 / (2 + 2 - 1)
      / TP 1 = 1/3.  AssocA = (1 + 19 / 3) / 20 = 11/30.
    ClsA: at alpha >= 0.5 only frame 0 matches, with the right class -> 1.
    TETA = (0.525 + 11/30 + 1) / 3."""
    target = [gt_frame((1, 0, A)) for _ in range(2)]
    preds = [pred_frame((10, 0, A)), pred_frame((10, 0, FAR))]
    s = scores_of(preds, target)
    assert (s["LocA"], s["AssocA"], s["ClsA"]) == pytest.approx((0.525, 11 / 30, 1.0))
    assert s["TETA"] == pytest.approx((0.525 + 11 / 30 + 1) / 3)


def test_frames_without_ground_truth_are_dropped_but_other_classes_frames_count():
    """Object 1 (class 0, A) on frames 0-1; track 10 on A on frames 0-2.
    (a) Frame 2 has no ground truth at all: it is not a timestep, track 10 is 2 frames long:
        AssocA = 2 * 2 / (2 + 2 - 2) / 2 = 1.
    (b) Frame 2 holds object 2 (class 1, B), tracked by track 20: frame 2 is a timestep, and
        track 10 has 3 boxes on class 0's cluster: AssocA_0 = 2 * 2 / (2 + 3 - 2) / TP 2 = 2/3,
        TETA_0 = (1 + 2/3 + 1) / 3 = 8/9; class 1 is perfect. Overall AssocA (2/3 + 1) / 2 = 5/6,
        TETA (8/9 + 1) / 2 = 17/18."""
    preds = [pred_frame((10, 0, A)), pred_frame((10, 0, A)), pred_frame((10, 0, A))]
    target = [gt_frame((1, 0, A)), gt_frame((1, 0, A)), gt_frame()]
    assert scores_of(preds, target)["AssocA"] == pytest.approx(1.0)

    preds[2] = pred_frame((10, 0, A), (20, 1, B))
    target[2] = gt_frame((2, 1, B))
    counts = video_counts(preds, target)
    assert counts[0].scores()["AssocA"] == pytest.approx(2 / 3)
    assert counts[0].scores()["TETA"] == pytest.approx(8 / 9)
    assert counts[1].scores() == pytest.approx({"TETA": 1.0, "LocA": 1.0, "AssocA": 1.0, "ClsA": 1.0})
    s = teta_scores(counts)
    assert (s["AssocA"], s["TETA"]) == pytest.approx((5 / 6, 17 / 18))


def test_counts_sum_over_videos_with_weighted_association():
    """Video 1: the identity switch (TP 4 per alpha, association sum 2); video 2: the perfect
    single object over 2 frames (TP 2, association sum 2 * 2 / 2 = 2). Same class, so counts add:
    LocA 1; AssocA = (2 + 2) / (4 + 2) = 2/3 (the Loc_TP-weighted mean of 1/2 and 1)."""
    switch = ([pred_frame((10, 0, A))] * 2 + [pred_frame((11, 0, A))] * 2, [gt_frame((1, 0, A))] * 4)
    perfect = ([pred_frame((10, 0, A))] * 2, [gt_frame((1, 0, A))] * 2)
    metric = TrackEveryThingAccuracy()
    metric.update([switch[0], perfect[0]], [switch[1], perfect[1]], video_ids=["v1", "v2"])
    out = metric.compute()
    assert set(out) == set(METRIC_NAMES)
    assert out["LocA"].item() == pytest.approx(1.0)
    assert out["AssocA"].item() == pytest.approx(2 / 3)
    assert out["TETA"].item() == pytest.approx((1 + 2 / 3 + 1) / 3)


def test_metric_deduplicates_padded_videos_and_rejects_conflicts():
    perfect = ([pred_frame((10, 0, A))] * 2, [gt_frame((1, 0, A))] * 2)
    missed = ([pred_frame((10, 0, A)), pred_frame()], [gt_frame((1, 0, A))] * 2)
    metric = TrackEveryThingAccuracy()
    metric.update([missed[0], perfect[0], missed[0]], [missed[1], perfect[1], missed[1]],
                  video_ids=["m", "p", "m"])
    # counted once: TP 1 + 2 = 3, FN 1 -> LocA 3/4 (counted twice it would be 4/6)
    assert metric.compute()["LocA"].item() == pytest.approx(3 / 4)
    metric.update([perfect[0]], [perfect[1]], video_ids=["m"])
    with pytest.raises(ValueError, match="video 'm' was given twice"):
        metric.compute()


def test_metric_gathers_records_across_ranks(monkeypatch):
    """DDP: ``_sync_dist`` gathers the per-video records of every rank (all_gather_object).
    Rank 0 scored the missed-frame video, its peer the perfect one: LocA (1 + 2) / (4) = 3/4."""
    import torch.distributed as dist

    peer_metric = TrackEveryThingAccuracy()
    peer_metric.update([[pred_frame((10, 0, A))] * 2], [[gt_frame((1, 0, A))] * 2], video_ids=["p"])
    peer = (list(peer_metric.video_ids), list(peer_metric.records))

    def all_gather_object(output, obj, group=None):
        output[0], output[1] = obj, peer

    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    monkeypatch.setattr(dist, "all_gather_object", all_gather_object)
    metric = TrackEveryThingAccuracy()
    metric.update([[pred_frame((10, 0, A)), pred_frame()]], [[gt_frame((1, 0, A))] * 2], video_ids=["m"])
    metric._sync_dist()
    assert metric.video_ids == ["m", "p"]
    assert metric.compute()["LocA"].item() == pytest.approx(3 / 4)


def test_frames_from_tracks():
    boxes = torch.tensor([[A, B], [A, B]])
    visible = torch.tensor([[True, False], [True, True]])
    frames = frames_from_tracks(boxes, visible, torch.tensor([4, 7]), torch.tensor([0, 5]))
    assert frames[0]["track_ids"].tolist() == [4] and frames[0]["labels"].tolist() == [0]
    assert frames[1]["boxes"].tolist() == [A, B]
    with pytest.raises(ValueError, match="visible must be bool"):
        frames_from_tracks(boxes, visible.long(), torch.tensor([4, 7]), torch.tensor([0, 5]))


@pytest.mark.parametrize("preds, target, message", [
    ([pred_frame((10, 0, A), (10, 0, B))], [gt_frame((1, 0, A))],
     r"predicted track ids \[10\] appear more than once"),
    ([pred_frame((10, 0, A))], [gt_frame((1, 0, A), (1, 0, B))], r"ground-truth track ids \[1\]"),
    ([pred_frame((10, 0, A))] * 2, [gt_frame((1, 0, A)), gt_frame((1, 3, A))], "track 1 changes category"),
    ([pred_frame((10, 0, A))], [gt_frame((1, 0, A))] * 2, "1 predicted frames but 2 target frames"),
    ([pred_frame((10, 0, [5, 0, 1, 10]))], [gt_frame((1, 0, A))], "negative size"),
    ([pred_frame((10, 0, [0, 0, float("nan"), 10]))], [gt_frame((1, 0, A))], "NaN"),
    ([dict(pred_frame((10, 0, A)), scores=torch.tensor([0.5, 0.5]))], [gt_frame((1, 0, A))],
     "one entry per box"),
    ([dict(pred_frame((10, 0, A)), labels=torch.tensor([0.0]))], [gt_frame((1, 0, A))], "must be integer"),
])
def test_bad_input_raises(preds, target, message):
    with pytest.raises(ValueError, match=message):
        video_counts(preds, target)


def test_crowded_scene_matches_the_reference_implementation():
    """Golden values from running SysCV/tet @ a62a9c0a (``teta.datasets.TAO`` + ``teta.metrics.TETA``,
    ``exhaustive=False``, ``MAX_DETECTIONS=0``) on this scene written as TAO json (boxes as xywh),
    combining sequences and classes as ``teta/eval.py`` does. Classes 0 and 1 overlap (object 2
    covers half of object 1), so the global assignment's cross-class exclusion matters; the scene
    also has jitter, an identity switch (20 -> 21), a wrong class (track 10, frame 2), a miss
    (object 3, frame 2), an in-cluster duplicate (40) and a stray box (50)."""
    gt = [
        [(1, 0, [0, 0, 20, 20]), (2, 1, [10, 5, 30, 25])],
        [(1, 0, [2, 0, 22, 20]), (2, 1, [10, 5, 30, 25]), (3, 0, [60, 60, 80, 80])],
        [(1, 0, [4, 0, 24, 20]), (2, 1, [10, 5, 30, 25]), (3, 0, [60, 60, 80, 80])],
        [(1, 0, [6, 0, 26, 20]), (2, 1, [10, 5, 30, 25]), (3, 0, [60, 60, 80, 80])],
    ]
    pred = [
        [(10, 0, [1, 0, 20, 21], .9), (20, 1, [10, 5, 30, 25], .8), (30, 0, [60, 60, 80, 80], .7)],
        [(10, 0, [2, 1, 23, 20], .9), (20, 1, [11, 5, 30, 26], .8), (30, 0, [61, 60, 80, 80], .7),
         (40, 0, [1, 1, 21, 19], .4)],
        [(10, 1, [5, 0, 24, 22], .9), (21, 1, [10, 6, 29, 25], .8), (50, 0, [150, 150, 170, 170], .3)],
        [(10, 0, [6, 2, 26, 20], .9), (21, 1, [10, 5, 31, 25], .8), (30, 0, [60, 61, 79, 80], .7)],
    ]
    counts = video_counts([pred_frame(*f) for f in pred], [gt_frame(*f) for f in gt])
    reference_per_class = {
        0: {"TETA": 0.7870968660968661, "LocA": 0.7066239316239316, "AssocA": 0.788,
            "ClsA": 0.8666666666666668},
        1: {"TETA": 0.7638888888888887, "LocA": 0.9666666666666666, "AssocA": 0.485,
            "ClsA": 0.8400000000000001},
    }
    for label, expected in reference_per_class.items():
        assert counts[label].scores() == pytest.approx(expected, rel=1e-12)
    s = teta_scores(counts)
    assert (s["TETA"], s["LocA"], s["AssocA"], s["ClsA"]) == pytest.approx(
        (0.7754928774928775, 0.8366452991452992, 0.6365, 0.8533333333333335), rel=1e-12)


@pytest.mark.parametrize("value", [0, -1, 2.5, True])
def test_max_detections_must_be_a_positive_int_or_none(value):
    with pytest.raises(ValueError, match="max_detections_per_frame"):
        TrackEveryThingAccuracy(max_detections_per_frame=value)


def test_metric_syncs_through_a_real_process_group(tmp_path):
    """One-rank gloo group: the records survive all_gather_object (pickling) unchanged."""
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        metric = TrackEveryThingAccuracy()
        metric.update([[pred_frame((10, 0, A)), pred_frame()]], [[gt_frame((1, 0, A))] * 2], video_ids=["m"])
        metric.sync()
        assert metric.video_ids == ["m"] and set(metric.records[0]) == {0}
        metric.unsync()
        # compute() syncs again: the missed-frame case over 2 frames, TP 1, FN 1 -> LocA 1/2
        assert metric.compute()["LocA"].item() == pytest.approx(0.5)
    finally:
        dist.destroy_process_group()


def test_frames_from_tracks_and_update_reject_mismatched_shapes():
    """Boxes that are not [T, K, 4], and video ids that do not pair one-to-one with the videos,
    are errors that say so (not a wrong pairing of records to videos)."""
    with pytest.raises(ValueError, match=r"boxes must be \[T, K, 4\], got shape \(2, 4\)"):
        frames_from_tracks(torch.tensor([A, B]), torch.ones(2, 1, dtype=torch.bool), torch.tensor([4]),
                           torch.tensor([0]))
    metric = TrackEveryThingAccuracy()
    with pytest.raises(ValueError, match="1 video_ids for 2 videos"):
        metric.update([[pred_frame((10, 0, A))]] * 2, [[gt_frame((1, 0, A))]] * 2, video_ids=["v1"])
    assert metric.records == [] and metric.video_ids == []
