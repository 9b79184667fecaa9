"""STVG metrics (tIoU, vIoU, vIoU@R) against hand-computed tubes and a literal transcription of
TubeDETR's evaluator loop."""

import random

import pytest
import torch

from zoo.metrics.tubes import (SpatioTemporalGrounding, paired_box_iou, segment_from_indices,
                               stvg_video_scores, temporal_iou)

GT_BOX = [0.0, 0.0, 10.0, 10.0]


def tube(boxes_per_frame):
    return torch.tensor(boxes_per_frame, dtype=torch.float64)


def constant_tube(num_frames, box=GT_BOX):
    return tube([box] * num_frames)


# ------------------------------------------------------------------------------------------------
# temporal IoU


def test_temporal_iou_by_hand():
    # [2, 7) and [4, 9): inter [4, 7) = 3, union 5 + 5 - 3 = 7
    assert temporal_iou((2, 7), (4, 9)) == pytest.approx(3 / 7)
    # touching half-open segments do not overlap
    assert temporal_iou((0, 5), (5, 9)) == 0.0
    assert temporal_iou((0, 5), (0, 5)) == 1.0
    # continuous lengths: [0, 2.5) in [0, 10) -> 2.5 / 10
    assert temporal_iou((0.0, 2.5), (0.0, 10.0)) == pytest.approx(0.25)
    # an empty prediction never overlaps
    assert temporal_iou((3, 3), (0, 10)) == 0.0


def test_segment_from_indices_follows_postprocess_stvg():
    # TubeDETR: pred_sted = [frames_id[s], frames_id[e] + 1] with frames_id the original frame
    # indices of the sampled frames; here sampled every 6 source frames.
    frame_ids = torch.tensor([0, 6, 12, 18, 24, 30])
    assert segment_from_indices(2, 4, frame_ids, end_offset=1) == (12.0, 25.0)
    # seconds at 30 fps: one source frame is 1/30 s
    seconds = segment_from_indices(1, 1, frame_ids / 30.0, end_offset=1 / 30)
    assert seconds == pytest.approx((0.2, 0.2 + 1 / 30))
    with pytest.raises(ValueError, match="start_index <= end_index"):
        segment_from_indices(3, 2, frame_ids, end_offset=1)
    with pytest.raises(ValueError, match="end_offset"):
        segment_from_indices(0, 1, frame_ids, end_offset=0)


# ------------------------------------------------------------------------------------------------
# one video


def test_disjoint_segments_score_zero_viou():
    """GT [0, 4), prediction [6, 10) on 10 frames with perfect boxes: tIoU 0, vIoU 0 (S_i empty);
    gt_vIoU = 1 because the boxes are right on every GT frame."""
    s = stvg_video_scores((6, 10), constant_tube(10), (0, 4), constant_tube(10))
    assert s == {"tiou": 0.0, "viou": 0.0, "gt_viou": 1.0}


def test_identical_tubes_score_one():
    s = stvg_video_scores((2, 8), constant_tube(10), (2, 8), constant_tube(10))
    assert s == {"tiou": 1.0, "viou": 1.0, "gt_viou": 1.0}


def test_partial_overlap_with_known_per_frame_ious():
    """10 frames, GT [2, 7) = frames 2..6, prediction [4, 9) = frames 4..8.
    S_i = {4, 5, 6}, S_u = {2, ..., 8} (7 frames), tIoU = 3 / 7.
    GT box [0,0,10,10] (area 100) everywhere; predicted boxes:
      frames 2, 3: [20,20,30,30]  -> IoU 0
      frame 4: [0,0,10,10]  -> 1
      frame 5: [0,0,10,5]   -> 50 / 100 = 1/2
      frame 6: [5,0,15,10]  -> inter 5*10 = 50, union 100 + 100 - 50 = 150 -> 1/3
      frames 0, 1, 7, 8, 9: outside the GT segment, never compared
    vIoU = (1 + 1/2 + 1/3) / 7 = (11/6) / 7 = 11/42
    gt_vIoU = (0 + 0 + 1 + 1/2 + 1/3) / 5 = 11/30
    """
    far = [20.0, 20.0, 30.0, 30.0]
    pred = tube([far, far, far, far, GT_BOX, [0, 0, 10, 5], [5, 0, 15, 10], far, far, far])
    s = stvg_video_scores((4, 9), pred, (2, 7), constant_tube(10))
    assert s["tiou"] == pytest.approx(3 / 7, rel=1e-12)
    assert s["viou"] == pytest.approx(11 / 42, rel=1e-12)
    assert s["gt_viou"] == pytest.approx(11 / 30, rel=1e-12)


def test_single_frame_segments():
    """GT and prediction both [3, 4): one frame; pred box [0,0,5,5] against [0,0,10,10]:
    inter 25, union 100 -> IoU 1/4; tIoU 1, vIoU 1/4 / 1. A one-frame prediction on the next
    frame, [4, 5), touches but does not overlap: tIoU 0, vIoU 0 (S_u = 2 frames, S_i empty)."""
    pred = constant_tube(6, [0.0, 0.0, 5.0, 5.0])
    assert stvg_video_scores((3, 4), pred, (3, 4), constant_tube(6)) == {
        "tiou": 1.0, "viou": 0.25, "gt_viou": 0.25}
    s = stvg_video_scores((4, 5), pred, (3, 4), constant_tube(6))
    assert s["tiou"] == 0.0 and s["viou"] == 0.0


def test_boxes_outside_the_frame_are_not_clipped():
    """Prediction [-10,0,10,10] hangs 10 px off the left edge of the image. Unclipped (the
    reference): inter 10*10 = 100, union 200 + 100 - 100 = 200 -> 1/2. Clipping to the image
    would give [0,0,10,10] and IoU 1, which the reference never computes."""
    pred = constant_tube(4, [-10.0, 0.0, 10.0, 10.0])
    s = stvg_video_scores((0, 4), pred, (0, 4), constant_tube(4))
    assert s == {"tiou": 1.0, "viou": 0.5, "gt_viou": 0.5}


def test_empty_prediction_scores_zero():
    """An empty predicted segment [5, 5): tIoU 0; S_u = [2, 7) has 5 frames, S_i is empty,
    so vIoU = 0 / 5 = 0 whatever the boxes."""
    s = stvg_video_scores((5, 5), constant_tube(10), (2, 7), constant_tube(10))
    assert s == {"tiou": 0.0, "viou": 0.0, "gt_viou": 1.0}


def test_sampled_frames_on_the_original_frame_axis():
    """TubeDETR's axis: original frame indices of frames sampled every 6 source frames,
    frame_times = [0, 6, 12, 18, 24, 30]. GT [5, 20) covers sampled frames 6, 12, 18. Head output
    (start 2, end 4) -> [12, 24 + 1) = [12, 25) covers 12, 18, 24.
    tIoU is continuous on the source frames: inter [12, 20) = 8, union 15 + 13 - 8 = 20 -> 0.4
    (counting sampled frames instead would give 2 / 4 = 0.5).
    S_u = [5, 25) -> {6, 12, 18, 24} = 4, S_i = [12, 20) -> {12, 18}: perfect boxes give
    vIoU = 2 / 4 = 0.5."""
    times = torch.tensor([0, 6, 12, 18, 24, 30])
    pred_segment = segment_from_indices(2, 4, times, end_offset=1)
    s = stvg_video_scores(pred_segment, constant_tube(6), (5, 20), constant_tube(6), frame_times=times)
    assert s["tiou"] == pytest.approx(0.4, rel=1e-12)
    assert s["viou"] == pytest.approx(0.5, rel=1e-12)
    assert s["gt_viou"] == 1.0


def test_gt_rows_outside_the_segment_are_ignored_and_missing_gt_inside_raises():
    gt = constant_tube(5)
    gt[0] = float("nan")  # outside [1, 4): never read
    gt[4] = 0.0
    s = stvg_video_scores((1, 4), constant_tube(5), (1, 4), gt,
                          gt_mask=torch.tensor([False, True, True, True, False]))
    assert s == {"tiou": 1.0, "viou": 1.0, "gt_viou": 1.0}
    with pytest.raises(ValueError, match=r"sampled frames \[2\].*no GT box"):
        stvg_video_scores((1, 4), constant_tube(5), (1, 4), gt,
                          gt_mask=torch.tensor([False, True, False, True, False]))


def test_degenerate_boxes_give_zero_not_nan():
    # both boxes of zero area: union 0 -> IoU 0 (the reference would divide 0 by 0)
    assert paired_box_iou(tube([[1.0, 1.0, 1.0, 1.0]]), tube([[1.0, 1.0, 1.0, 1.0]])).tolist() == [0.0]
    # a zero-area prediction against a real box: inter 0 / union 100
    assert paired_box_iou(tube([[1.0, 1.0, 1.0, 5.0]]), tube([GT_BOX])).tolist() == [0.0]


@pytest.mark.parametrize("kwargs, message", [
    (dict(pred_boxes=tube([[0, 0, float("nan"), 1]] * 4)), "NaN"),
    (dict(pred_boxes=tube([[5, 0, 1, 1]] * 4)), "negative size"),
    (dict(gt_boxes=tube([[0, 5, 1, 1]] * 4)), "negative size"),
    (dict(pred_segment=(3, 1)), "ends before it starts"),
    (dict(gt_segment=(0, float("inf"))), "NaN or infinite"),
    (dict(frame_times=torch.tensor([0, 2, 2, 3])), "strictly increasing"),
    (dict(frame_times=torch.tensor([0, 1, 2])), r"frame_times must be \[T\]"),
    (dict(gt_boxes=constant_tube(3)), r"gt_boxes must be \[T, 4\]"),
    (dict(pred_boxes=torch.zeros(4, 5)), r"pred_boxes must be \[T, 4\]"),
    (dict(gt_mask=torch.ones(4)), "gt_mask must be bool"),
])
def test_bad_input_raises(kwargs, message):
    args = dict(pred_segment=(0, 4), pred_boxes=constant_tube(4), gt_segment=(0, 4),
                gt_boxes=constant_tube(4))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        stvg_video_scores(**args)


# ------------------------------------------------------------------------------------------------
# an independent route: TubeDETR's evaluator loop, transcribed on integer frame ids


def _plain_iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _tubedetr_loop(frame_ids, gt_sted, pred_sted, gt_boxes, pred_boxes):
    """hcstvg_eval.py's arithmetic: tIoU from the [start, end) frame ids, union/intersection as
    lists of sampled frame ids, vIoU summed over GT-tube frames that are in the intersection."""
    max_start, min_end = max(gt_sted[0], pred_sted[0]), min(gt_sted[1], pred_sted[1])
    min_start, max_end = min(gt_sted[0], pred_sted[0]), max(gt_sted[1], pred_sted[1])
    if min_end <= max_start:
        tiou = 0
    else:
        inter = min_end - max_start
        tiou = inter / ((gt_sted[1] - gt_sted[0]) + (pred_sted[1] - pred_sted[0]) - inter)
    union = [f for f in frame_ids if min_start <= f < max_end]
    inter_frames = {f for f in frame_ids if max_start <= f < min_end}
    viou = gt_viou = 0.0
    gt_frames = [i for i, f in enumerate(frame_ids) if gt_sted[0] <= f < gt_sted[1]]
    for i in gt_frames:
        iou = _plain_iou(pred_boxes[i], gt_boxes[i])
        if frame_ids[i] in inter_frames:
            viou += iou
        gt_viou += iou
    return tiou, viou / max(len(union), 1), gt_viou / max(len(gt_frames), 1)


def _random_box(rng):
    x, y = rng.uniform(0, 50), rng.uniform(0, 50)
    return [x, y, x + rng.uniform(1, 40), y + rng.uniform(1, 40)]


def test_matches_a_transcription_of_the_reference_loop():
    rng = random.Random(0)
    for _ in range(200):
        num = rng.randint(1, 12)
        frame_ids = sorted(rng.sample(range(60), num))
        gt_start = rng.randint(0, 55)
        gt_sted = (gt_start, gt_start + rng.randint(1, 20))
        s = rng.randrange(num)
        e = rng.randrange(s, num)
        pred_sted = (frame_ids[s], frame_ids[e] + 1)  # PostProcessSTVG
        gt_boxes = [_random_box(rng) for _ in range(num)]
        pred_boxes = [_random_box(rng) for _ in range(num)]
        expected = _tubedetr_loop(frame_ids, gt_sted, pred_sted, gt_boxes, pred_boxes)
        got = stvg_video_scores(segment_from_indices(s, e, torch.tensor(frame_ids), 1), tube(pred_boxes),
                                gt_sted, tube(gt_boxes), frame_times=torch.tensor(frame_ids))
        assert (got["tiou"], got["viou"], got["gt_viou"]) == pytest.approx(expected, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------------------------------------
# the torchmetrics Metric


def _batch():
    """Three videos of 6 frames (index axis).
    v0: identical tubes [1, 5)                       -> tIoU 1,   vIoU 1,    gt_vIoU 1
    v1: GT [0, 4), pred [2, 6), perfect boxes:  tIoU 2/6, S_i {2,3}, S_u {0..5} -> vIoU 2/6; gt 1
    v2: GT [0, 6), pred [0, 6), boxes IoU 1/2 (pred [0,0,10,5]) -> tIoU 1, vIoU 1/2, gt 1/2
    """
    pred_boxes = torch.stack([constant_tube(6), constant_tube(6), constant_tube(6, [0, 0, 10, 5])]).float()
    gt_boxes = constant_tube(6).expand(3, 6, 4).float()
    pred_segments = torch.tensor([[1.0, 5.0], [2.0, 6.0], [0.0, 6.0]])
    gt_segments = torch.tensor([[1.0, 5.0], [0.0, 4.0], [0.0, 6.0]])
    return pred_segments, pred_boxes, gt_segments, gt_boxes


def test_metric_averages_over_videos():
    """m_tIoU = (1 + 1/3 + 1) / 3 = 7/9; m_vIoU = (1 + 1/3 + 1/2) / 3 = 11/18;
    vIoU@0.3: {1, 1/3, 1/2} all > 0.3 -> 1; vIoU@0.5: only 1 > 0.5 (1/2 is not, strict) -> 1/3;
    m_gt_vIoU = (1 + 1 + 1/2) / 3 = 5/6."""
    metric = SpatioTemporalGrounding()
    pred_segments, pred_boxes, gt_segments, gt_boxes = _batch()
    metric.update(pred_segments[:2], pred_boxes[:2], gt_segments[:2], gt_boxes[:2])
    metric.update(pred_segments[2:], pred_boxes[2:], gt_segments[2:], gt_boxes[2:])
    out = metric.compute()
    assert set(out) == {"m_tIoU", "m_vIoU", "vIoU@0.3", "vIoU@0.5", "m_gt_vIoU"}
    assert out["m_tIoU"].item() == pytest.approx(7 / 9)
    assert out["m_vIoU"].item() == pytest.approx(11 / 18)
    assert out["vIoU@0.3"].item() == pytest.approx(1.0)
    assert out["vIoU@0.5"].item() == pytest.approx(1 / 3)
    assert out["m_gt_vIoU"].item() == pytest.approx(5 / 6)


def test_metric_groups_and_padding():
    """VidSTG-style groups: v0 and v2 declarative, v1 interrogative (values as in _batch).
    declarative m_vIoU = (1 + 1/2) / 2 = 3/4; interrogative = 1/3. Padding: v1 gets 2 extra
    frames marked invalid, whose (NaN) boxes and positions must not count."""
    pred_segments, pred_boxes, gt_segments, gt_boxes = _batch()
    pad = torch.full((3, 2, 4), float("nan"))
    valid = torch.ones(3, 8, dtype=torch.bool)
    valid[:, 6:] = False
    metric = SpatioTemporalGrounding(groups=("declarative", "interrogative"))
    metric.update(pred_segments, torch.cat([pred_boxes, pad], 1), gt_segments, torch.cat([gt_boxes, pad], 1),
                  frame_valid=valid, groups=["declarative", "interrogative", "declarative"])
    out = metric.compute()
    assert out["m_vIoU"].item() == pytest.approx(11 / 18)
    assert out["declarative/m_vIoU"].item() == pytest.approx(3 / 4)
    assert out["interrogative/m_vIoU"].item() == pytest.approx(1 / 3)
    assert out["interrogative/m_tIoU"].item() == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="unknown groups"):
        metric.update(pred_segments, pred_boxes, gt_segments, gt_boxes, groups=["a", "b", "c"])
    with pytest.raises(ValueError, match="pass groups="):
        metric.update(pred_segments, pred_boxes, gt_segments, gt_boxes)


def test_metric_states_concatenate_like_ddp():
    """Two 'ranks' each scoring part of the set give the same result as one (cat states)."""
    pred_segments, pred_boxes, gt_segments, gt_boxes = _batch()
    whole, rank0, rank1 = SpatioTemporalGrounding(), SpatioTemporalGrounding(), SpatioTemporalGrounding()
    whole.update(pred_segments, pred_boxes, gt_segments, gt_boxes)
    rank0.update(pred_segments[:1], pred_boxes[:1], gt_segments[:1], gt_boxes[:1])
    rank1.update(pred_segments[1:], pred_boxes[1:], gt_segments[1:], gt_boxes[1:])
    rank0.merge_state(rank1)
    assert {k: v.item() for k, v in rank0.compute().items()} == pytest.approx(
        {k: v.item() for k, v in whole.compute().items()})


def test_metric_shape_errors():
    metric = SpatioTemporalGrounding()
    pred_segments, pred_boxes, gt_segments, gt_boxes = _batch()
    with pytest.raises(ValueError, match=r"pred_segments must be \[B, 2\]"):
        metric.update(pred_segments[:2], pred_boxes, gt_segments, gt_boxes)
    with pytest.raises(ValueError, match=r"frame_times must be \[B, T\]"):
        metric.update(pred_segments, pred_boxes, gt_segments, gt_boxes, frame_times=torch.zeros(3, 5))
    with pytest.raises(RuntimeError, match="before any update"):
        metric.compute()
