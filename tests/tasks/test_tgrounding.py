"""Temporal grounding: Moment-DETR's head (positions, padding, order), its set criterion against
hand-computed values, the decoding to seconds, the most-frequent-window baseline, and the task on
world batches (variable lengths, several views, metrics wiring against hand-computed values,
prediction, picture, and learning a small set of queries)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

import zoo
from zoo.data.world import WorldDataModule
from zoo.registry import PARADIGMS
from zoo.tasks.layers.moment_decode import clip_saliency, highlight_clip_count, ranked_moments
from zoo.tasks.layers.moment_detr import MomentDETR, MomentOutput, sine_positions
from zoo.tasks.layers.moment_loss import MomentLossWeights, match_moments, moment_losses, saliency_loss
from zoo.tasks.layers.window_prior import most_frequent_window, prior_predictions

SMALL_HEAD = dict(hidden_dim=32, num_heads=2, ffn_dim=64, num_queries=4)


def small_detr(**kwargs) -> MomentDETR:
    torch.manual_seed(0)
    return MomentDETR(video_dim=6, text_dim=5, **{**SMALL_HEAD, **kwargs}).eval()


# ------------------------------------------------------------------------------- the head
def test_sine_positions_match_hand_values():
    times = torch.tensor([[0.0, 0.25]])
    x = 2 * math.pi * 0.25
    expected = [[0.0, 1.0, 0.0, 1.0], [math.sin(x), math.cos(x), math.sin(x / 100), math.cos(x / 100)]]
    torch.testing.assert_close(sine_positions(times, 4)[0], torch.tensor(expected))


def test_padding_frames_change_nothing_and_score_minus_infinity():
    head = small_detr()
    video, times = torch.randn(1, 3, 6), torch.tensor([[0.1, 0.5, 0.9]])
    text, text_mask = torch.randn(1, 4, 5), torch.tensor([[True, True, True, False]])
    clip = torch.randn(1, 6)
    plain = head(video, torch.ones(1, 3, dtype=torch.bool), times, text, text_mask, clip)
    padded_video = torch.cat([video, 100 * torch.randn(1, 2, 6)], dim=1)
    padded_times = torch.cat([times, torch.tensor([[float("nan"), 0.3]])], dim=1)
    mask = torch.tensor([[True, True, True, False, False]])
    padded = head(padded_video, mask, padded_times, text, text_mask, clip)
    torch.testing.assert_close(padded.logits, plain.logits)
    torch.testing.assert_close(padded.spans, plain.spans)
    torch.testing.assert_close(padded.saliency[:, :3], plain.saliency)
    assert torch.isneginf(padded.saliency[:, 3:]).all()
    assert plain.logits.shape == (2, 1, 4, 2) and plain.spans.shape == (2, 1, 4, 2)
    assert ((plain.spans >= 0) & (plain.spans <= 1)).all()


def test_frames_are_a_set_placed_by_their_times():
    head = small_detr(clip_token=False)
    video, times = torch.randn(2, 5, 6), torch.rand(2, 5)
    text, mask = torch.randn(2, 3, 5), torch.ones(2, 3, dtype=torch.bool)
    valid = torch.ones(2, 5, dtype=torch.bool)
    order = torch.tensor([3, 0, 4, 1, 2])
    out = head(video, valid, times, text, mask)
    shuffled = head(video[:, order], valid, times[:, order], text, mask)
    torch.testing.assert_close(shuffled.spans, out.spans)
    torch.testing.assert_close(shuffled.saliency, out.saliency[:, order])
    with pytest.raises(ValueError, match="clip_token=True"):
        small_detr()(video, valid, times, text, mask)


# ------------------------------------------------------------------------------- the criterion
def output(spans, logits=None, saliency=None) -> MomentOutput:
    spans = torch.tensor(spans, dtype=torch.float32)[None]  # one layer, [1, B, Q, 2]
    logits = torch.zeros(*spans.shape[:-1], 2) if logits is None else torch.tensor(logits)[None]
    saliency = torch.zeros(spans.shape[1], 3) if saliency is None else saliency
    return MomentOutput(logits=logits, spans=spans, saliency=saliency)


def test_matching_takes_the_cheapest_prediction_and_the_losses_follow_by_hand():
    weights = MomentLossWeights()
    out = output([[[0.5, 0.4], [0.35, 0.2]]])  # (0.3, 0.7) and (0.25, 0.45) seconds/D
    target = [torch.tensor([[0.4, 0.2]])]  # (0.3, 0.5)
    # costs: q0: 10 * 0.3 - GIoU 0.5 - 4 * 0.5 = 0.5; q1: 10 * 0.05 - (0.15/0.25 - 0/.25) - 2 = -2.1
    (pred, gt), = match_moments(out.logits[0], out.spans[0], target, weights)
    assert pred.tolist() == [1] and gt.tolist() == [0]
    only = output([[[0.5, 0.4]]])
    losses = moment_losses(only, target, torch.zeros(1, 3), torch.ones(1, 3, dtype=torch.bool), weights)
    assert losses["span"].item() == pytest.approx(0.15)  # (|0.5 - 0.4| + |0.4 - 0.2|) / 2
    assert losses["giou"].item() == pytest.approx(0.5)  # IoU 0.2 / 0.4, hull = union
    assert losses["label"].item() == pytest.approx(math.log(2))  # one foreground, logits 0
    assert losses["saliency"].item() == 0.0
    assert losses["loss"].item() == pytest.approx(10 * 0.15 + 0.5 + 4 * math.log(2))


def test_no_moment_predictions_weigh_eos_coef_in_a_plain_mean():
    weights = MomentLossWeights(eos_coef=0.1)
    out = output([[[0.5, 0.2], [0.3, 0.2]]])
    losses = moment_losses(out, [torch.tensor([[0.3, 0.2]])], torch.zeros(1, 3),
                           torch.ones(1, 3, dtype=torch.bool), weights)
    assert losses["span"].item() == 0.0 and losses["giou"].item() == pytest.approx(0.0, abs=1e-6)
    assert losses["label"].item() == pytest.approx((0.1 * math.log(2) + math.log(2)) / 2)


def test_auxiliary_layers_are_matched_and_named():
    spans = torch.tensor([[[[0.5, 0.4]]], [[[0.4, 0.2]]]])  # layer 0 off, layer 1 exact
    out = MomentOutput(logits=torch.zeros(2, 1, 1, 2), spans=spans, saliency=torch.zeros(1, 2))
    losses = moment_losses(out, [torch.tensor([[0.4, 0.2]])], torch.zeros(1, 2),
                           torch.ones(1, 2, dtype=torch.bool), MomentLossWeights())
    assert losses["span_0"].item() == pytest.approx(0.15) and losses["span"].item() == 0.0
    no_aux = moment_losses(out, [torch.tensor([[0.4, 0.2]])], torch.zeros(1, 2),
                           torch.ones(1, 2, dtype=torch.bool), MomentLossWeights(aux=False))
    assert "span_0" not in no_aux and no_aux["loss"] < losses["loss"]


def test_saliency_hinge_over_every_ordered_pair():
    scores, target = torch.tensor([[0.5, 0.0, 0.4]]), torch.tensor([[2.0, 0.0, 1.0]])
    # pairs (0>1): max(0, .2 - .5) = 0; (0>2): .2 - .1 = .1; (2>1): max(0, .2 - .4) = 0
    assert saliency_loss(scores, target, torch.ones(1, 3, dtype=torch.bool), 0.2).item() == pytest.approx(0.1 / 3)
    assert saliency_loss(scores, target, torch.tensor([[True, True, False]]), 0.2).item() == 0.0
    assert saliency_loss(scores, torch.ones(1, 3), torch.ones(1, 3, dtype=torch.bool), 0.2).item() == 0.0


# ------------------------------------------------------------------------------- decoding, baseline
def test_ranked_moments_are_seconds_clamped_sorted_and_suppressed():
    spans = torch.tensor([[0.5, 0.5], [0.95, 0.3], [0.52, 0.5]])
    windows, scores = ranked_moments(spans, torch.tensor([0.2, 0.9, 0.5]), 10.0)
    torch.testing.assert_close(windows, torch.tensor([[8.0, 10.0], [2.7, 7.7], [2.5, 7.5]]))
    assert scores.tolist() == pytest.approx([0.9, 0.5, 0.2])
    kept, _ = ranked_moments(spans, torch.tensor([0.2, 0.9, 0.5]), 10.0, nms_threshold=0.5, top_k=5)
    torch.testing.assert_close(kept, torch.tensor([[8.0, 10.0], [2.7, 7.7]]))


def test_clip_saliency_means_frames_per_clip_and_interpolates_empty_clips():
    scores = clip_saliency(torch.tensor([5.0, 1.0, 3.0]), torch.tensor([1.25, 0.25, 0.75]), 1.0, 4)
    assert scores.tolist() == [2.0, 5.0, 5.0, 5.0]  # clips 2, 3 hold no frame: edge value
    scores = clip_saliency(torch.tensor([0.0, 4.0]), torch.tensor([0.5, 4.5]), 1.0, 5)
    assert scores.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert highlight_clip_count(150.0, 2.0) == 75 and highlight_clip_count(127.0, 2.0) == 63
    assert highlight_clip_count(1.0, 2.0) == 1


def test_most_frequent_window_by_hand():
    prior = most_frequent_window([(0, 4), (0.2, 4.1), (2, 6)], [8, 8, 8], bins=4)
    assert prior == (0.0, 0.5)  # quarters: (0, 2), (0, 2), (1, 3)
    assert most_frequent_window([(2, 6), (0, 4)], [8, 8], bins=4) == (0.0, 0.5)  # tie: earliest
    torch.testing.assert_close(prior_predictions(prior, torch.tensor([8.0, 10.0])),
                               torch.tensor([[[0.0, 4.0]], [[0.0, 5.0]]], dtype=torch.float64))
    with pytest.raises(ValueError, match="at least one"):
        most_frequent_window([], [])


# ------------------------------------------------------------------------------- the task
def grounding_task(paradigm: str = "postnet", num_frames: int = 4, **kwargs):
    torch.manual_seed(0)
    return zoo.create_model(f"{paradigm}_tgrounding_tiny", num_frames=num_frames,
                            **{**SMALL_HEAD, **kwargs})


def world_batch(task, split: str = "train", batch_size: int = 3, **kwargs) -> dict:
    options = dict(grounding=True, train_size=2, val_size=2, test_size=2, world_frames=16,
                   height=32, width=32, batch_size=batch_size)
    dm = WorldDataModule(**{**options, **kwargs}).connect(task.preprocess)
    return next(iter({"train": dm.train_dataloader, "test": dm.test_dataloader}[split]()))


@pytest.mark.parametrize("paradigm", list(PARADIGMS))
def test_every_paradigm_builds(paradigm):
    task = zoo.create_model(f"{paradigm}_tgrounding_tiny")
    assert task.task == "tgrounding" and task.model.paradigm == paradigm
    assert task.head.video_proj[2].in_features == task.model.embed_dim
    assert task.head.text_proj[2].in_features == task.model.text_width


def test_variable_lengths_are_padded_for_fixed_length_paradigms_and_learn():
    task = grounding_task("adapter", num_frames=6)  # AIM needs exactly num_frames frames
    batch = world_batch(task, batch_size=12, train_size=6, world_frames=32, min_world_frames=12,
                        max_events=2, sampling="clip_length", clip_length=1.0)
    lengths = batch["valid"].sum(1).tolist()  # 1.5-4 s videos: 2-4 one-second clips, one frame each
    assert batch["video"].shape[1] == max(lengths) <= 4 and min(lengths) < max(lengths)
    task.log = lambda *args, **kwargs: None
    loss = task.training_step(batch, 0)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in task.head.parameters() if p.requires_grad)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for n, p in task.model.named_parameters()
               if p.requires_grad)


def test_several_views_are_one_sequence_and_predictions_stay_in_the_video():
    task = grounding_task().eval()
    batch = world_batch(task, "test", batch_size=2, test_clips=2)
    assert batch["video"].dim() == 6 and batch["frame_times"].shape[:2] == (2, 2)
    with torch.no_grad():
        metrics = task.make_metrics()
        task.update_metrics(metrics, batch, "test")
        values = task.compute_metrics(metrics)
        results = task.predict_batch(batch)
    assert set(values) >= {"r1_iou0.5", "miou", "map_avg", "hl_map", "hl_hit1"}
    assert all(0.0 <= float(v) <= 1.0 for v in values.values())
    json.dumps(results)
    for result, duration in zip(results, batch["duration"].tolist()):
        moments = result["moments"]
        assert len(moments) == 4 and all(0 <= m["start"] <= m["end"] <= duration for m in moments)
        assert [m["score"] for m in moments] == sorted((m["score"] for m in moments), reverse=True)
        assert len(result["saliency"]["times"]) == 2 * 4  # 2 views of 4 frames, in time order
        assert result["saliency"]["times"] == sorted(result["saliency"]["times"])


class FixedHead(nn.Module):
    """Stands in for the head: always answers ``output`` (for the metrics wiring test)."""

    clip_position = None

    def __init__(self, answer: MomentOutput):
        super().__init__()
        self.answer = answer

    def forward(self, *args) -> MomentOutput:
        return self.answer


def test_metrics_wiring_against_hand_computed_values():
    task = grounding_task(num_frames=5).eval()
    nan = math.nan
    batch = {"video": torch.zeros(2, 5, 3, 64, 64), "video_id": ["a", "b"], "query": ["x", "y"],
             "query_id": ["1", "2"], "frame_times": torch.tensor([[1.0, 3, 5, 7, 9]] * 2),
             "duration": torch.tensor([10.0, 10.0]),
             "windows": torch.tensor([[[2.0, 4.0], [nan, nan]], [[6.0, 8.0], [8.0, 10.0]]]),
             "window_mask": torch.tensor([[True, False], [True, True]]),
             "saliency": torch.tensor([[[0.0], [4], [nan], [nan], [nan]], [[nan], [nan], [2], [4], [4]]]),
             "clip_length": torch.tensor([2.0, 2.0])}
    # item a: the best window is exact; item b: both windows miss; 2 moment queries each
    spans = torch.tensor([[[0.3, 0.2], [0.9, 0.2]], [[0.2, 0.2], [0.1, 0.2]]])
    logits = torch.tensor([[[2.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]])
    saliency = torch.tensor([[0.0, 3.0, 1.0, 0.0, 0.0], [5.0, 1.0, 2.0, 4.0, 3.0]])
    task.head = FixedHead(MomentOutput(logits[None], spans[None], saliency))
    metrics = task.make_metrics()
    with torch.no_grad():
        task.update_metrics(metrics, batch, "test")
    values = {k: float(v) for k, v in task.compute_metrics(metrics).items()}
    assert values["r1_iou0.3"] == values["r1_iou0.5"] == values["r1_iou0.7"] == 0.5
    assert values["miou"] == pytest.approx(0.5)  # IoU 1 (to float32 rounding) and 0
    assert values["map_avg"] == pytest.approx(0.5)  # AP 1 (first window exact), AP 0
    assert values["hl_hit1"] == pytest.approx(0.5)  # a: clip 1 (score 4) on top; b: clip 0 (0)
    # b: clips ranked 0 (-), 3 (+), 4 (+): precision 1/2 at recall 1/2, 2/3 at recall 1 -> 2/3
    assert values["hl_map"] == pytest.approx((1 + 2 / 3) / 2)


def test_windows_outside_the_video_and_missing_ones_raise_by_name():
    task = grounding_task()
    base = {"video_id": ["v"], "query_id": ["q7"], "duration": torch.tensor([8.0])}
    outside = {**base, "windows": torch.tensor([[[9.0, 12.0]]]), "window_mask": torch.tensor([[True]])}
    with pytest.raises(ValueError, match="'q7'.*no true window inside"):
        task.true_windows(outside, torch.tensor([8.0]), drop_empty=True)
    with pytest.raises(ValueError, match="batch\\['windows'\\]"):
        task.true_windows(base, torch.tensor([8.0]), drop_empty=True)


def test_motion_features_append_each_views_frame_differences():
    from zoo.interfaces import VideoFeatures

    task = grounding_task(num_frames=3, motion_features=True)
    d = task.model.embed_dim
    assert task.head.video_proj[2].in_features == 2 * d
    frames = torch.arange(2 * 3, dtype=torch.float32).reshape(2, 3, 1).expand(2, 3, d) ** 2  # 2 views
    features = VideoFeatures(video=torch.ones(2, d), frames=frames, tokens=None, grid=(1, 1),
                             pooled=torch.ones(2, d), views=2)
    batch = {"frame_times": torch.tensor([[[0.0, 2, 4], [1, 3, 5]]]), "duration": torch.tensor([6.0])}
    sequence = task.frame_sequence(batch, features)
    assert sequence["frames"].shape == (1, 6, 2 * d)
    assert sequence["frames"][0, :, 0].tolist() == [0, 1, 4, 9, 16, 25]
    assert sequence["frames"][0, :, d].tolist() == [0, 1, 3, 0, 7, 9]  # 0 at each view's start
    assert sequence["clip"].tolist() == [[1.0] * d + [0.0] * d]
    assert sequence["times"][0].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1 / 6, 1 / 2, 5 / 6])


def test_patch_pooling_finds_the_named_object_in_every_frame():
    """``patch_pooling``: the sentence attends over each frame's patch tokens; the attended value
    joins the frame embedding (before the motion differences); without tokens it says how to get them."""
    from zoo.interfaces import VideoFeatures
    from zoo.tasks.layers.patch_pooling import QueryPatchPooling

    task = grounding_task(num_frames=3, patch_pooling=True, motion_features=True)
    d, c = task.model.embed_dim, task.model.token_dim
    assert task.head.video_proj[2].in_features == 4 * d
    torch.manual_seed(1)
    tokens = torch.randn(2, 3, 5, c)  # 2 videos, 3 frames, 5 patches
    features = VideoFeatures(video=torch.ones(2, d), frames=torch.zeros(2, 3, d), tokens=tokens, grid=(1, 5),
                             pooled=torch.ones(2, d), views=1)
    batch = {"frame_times": torch.tensor([[0.0, 1, 2], [0, 1, 2]]), "duration": torch.tensor([3.0, 3.0])}
    sentence = torch.randn(2, d)
    sequence = task.frame_sequence(batch, features, sentence)
    pooled = task.patch_pooling(tokens[:, None], sentence)[:, 0]  # [2, 3, d]
    assert sequence["frames"].shape == (2, 3, 4 * d)
    torch.testing.assert_close(sequence["frames"][..., d:2 * d], pooled)
    torch.testing.assert_close(sequence["frames"][:, 1:, 3 * d:], pooled[:, 1:] - pooled[:, :-1])
    assert sequence["clip"].tolist() == [[1.0] * d + [0.0] * 3 * d] * 2
    with pytest.raises(ValueError, match="tokens=True"):
        task.frame_sequence(batch, VideoFeatures(video=features.video, frames=features.frames, tokens=None,
                                                 grid=(1, 1), pooled=features.pooled, views=1), sentence)

    # the pooling by hand: weights sum to 1 per frame, patches are a set (order does not matter),
    # and a frame whose patches are all equal pools to that patch's value whatever the sentence
    pooling = QueryPatchPooling(token_dim=4, text_dim=3, out_dim=2, hidden_dim=5)
    x, q = torch.randn(1, 1, 2, 6, 4), torch.randn(1, 3)
    torch.testing.assert_close(pooling.attention(x, q).sum(-1), torch.ones(1, 1, 2))
    torch.testing.assert_close(pooling(x[:, :, :, torch.randperm(6)], q), pooling(x, q))
    same = x[:, :, :, :1].expand(1, 1, 2, 6, 4)
    # frame 0 has no motion; frame 1's motion is |patch_1 - patch_0|, the same for every patch
    motion = torch.stack([torch.zeros(4), (x[0, 0, 1, 0] - x[0, 0, 0, 0]).abs()])[None, None]
    torch.testing.assert_close(pooling(same, q), pooling.value(torch.cat([x[:, :, :, 0], motion], dim=-1)))
    with pytest.raises(ValueError, match=r"tokens \[B, V, T, N, C\]"):
        pooling(x[0], q)


def test_patch_pooling_sees_the_named_object_move():
    """Token motion is taken per patch before pooling: an object that moves from patch 0 to
    patch 1 while the attention follows it pools to the same appearance in both frames, so only
    the per-token change shows the move; a still object pools to zero motion."""
    from zoo.tasks.layers.patch_pooling import QueryPatchPooling

    pooling = QueryPatchPooling(token_dim=2, text_dim=2, out_dim=4, hidden_dim=2)
    with torch.no_grad():  # attend to patches whose channel 0 is high; values: [token, motion]
        pooling.query.weight.copy_(torch.eye(2)); pooling.query.bias.zero_()
        pooling.key.weight.copy_(torch.tensor([[50.0, 0], [0, 0]])); pooling.key.bias.zero_()
        pooling.value.weight.copy_(torch.eye(4)); pooling.value.bias.zero_()
    obj, bg = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    moving = torch.stack([torch.stack([obj, bg]), torch.stack([bg, obj])])[None, None]  # [1, 1, T=2, N=2, C=2]
    still = torch.stack([torch.stack([obj, bg]), torch.stack([obj, bg])])[None, None]
    sentence = torch.tensor([[1.0, 0.0]])
    out_moving, out_still = pooling(moving, sentence)[0, 0], pooling(still, sentence)[0, 0]
    torch.testing.assert_close(out_moving[:, :2], out_still[:, :2])  # the same appearance pooled
    torch.testing.assert_close(out_moving[1, 2:], torch.ones(2), atol=1e-6, rtol=0)  # |bg - obj| per channel
    torch.testing.assert_close(out_still[:, 2:], torch.zeros(2, 2))
    torch.testing.assert_close(out_moving[0, 2:], torch.zeros(2))
    plain = QueryPatchPooling(token_dim=2, text_dim=2, out_dim=4, hidden_dim=2, token_motion=False)
    assert plain.value.in_features == 2


def test_patch_pooling_trains_from_pixels_on_the_world():
    task = grounding_task(num_frames=4, patch_pooling=True, motion_features=True)
    batch = world_batch(task)
    loss = task.task_loss(batch, task.encode_video(batch["video"])).loss
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in task.patch_pooling.parameters())


def test_saliency_targets_fall_back_to_inside_a_window():
    task = grounding_task()
    sequence = {"seconds": torch.tensor([[0.5, 1.5, 2.5, 3.5, math.nan]]),
                "mask": torch.tensor([[True] * 4 + [False]])}
    target = task.saliency_targets({}, sequence, [torch.tensor([[1.0, 2.5]])])
    assert target.tolist() == [[0.0, 1.0, 1.0, 0.0, 0.0]]


def test_prediction_inputs_and_picture(tmp_path):
    from PIL import Image

    task = grounding_task()
    assert task.prediction_inputs(["  the red  circle grows "]) == {"query": ["the red circle grows"]}
    for bad in ([], ["a", "b"], [" "]):
        with pytest.raises(ValueError, match="exactly one"):
            task.prediction_inputs(bad)
    with pytest.raises(ValueError, match="no prediction options"):
        task.prediction_inputs(["x"], top_k=3)
    batch = world_batch(task, "test", batch_size=1)
    with torch.no_grad():
        result = task.eval().predict_batch(batch)[0]
    frames = np.random.default_rng(0).integers(0, 255, (4, 32, 32, 3), dtype=np.uint8)
    truth = {"windows": batch["windows"][0].tolist()}
    path = task.render(frames, batch["frame_times"][0].tolist(), result, tmp_path / "t.png", truth=truth)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > image.height > 100
    with pytest.raises(ValueError, match="still picture"):
        task.render(frames, batch["frame_times"][0].tolist(), result, tmp_path / "t.gif")


def test_the_head_learns_a_handful_of_queries():
    task = grounding_task(num_frames=4, dropout=0.0, input_dropout=0.0, num_queries=2)
    batch = world_batch(task, batch_size=6, train_size=3)
    task.log = lambda *args, **kwargs: None
    optimizer = torch.optim.AdamW(task.head.parameters(), lr=3e-3)
    features = task.encode_video(batch["video"])  # postnet: frozen frames, the head learns
    first = None
    for _ in range(60):
        loss = task.task_loss(batch, features).loss
        first = float(loss.detach()) if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    task.eval()
    metrics = task.make_metrics()
    with torch.no_grad():
        task.update_metrics(metrics, batch, "test")
    values = task.compute_metrics(metrics)
    assert float(loss.detach()) < first / 3
    assert float(values["r1_iou0.5"]) == 1.0 and float(values["miou"]) > 0.8
