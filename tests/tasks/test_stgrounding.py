"""Spatio-temporal grounding: the TubeDETR head's targets, losses and decoding against hand-computed
cases, the head's invariants (time-aligned attention, padding), the task on the grounding world
(training step, learning, multi-clip merging, spatial crops refused), scoring of hand-made tubes
and of the whole-video baseline, predictions and their pictures."""

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from zoo.data.world import WorldDataModule
from zoo.factory import create_model
from zoo.registry import PARADIGMS, TASKS
from zoo.tasks.layers.tube_criterion import (box_losses, decode_moment, frame_cells,
                                             gaussian_targets, normalised_cxcywh, pixel_xyxy,
                                             pointer_loss, pointer_targets, sted_loss, sted_targets)
from zoo.tasks.layers.tube_detr import (TimeAlignedDecoderLayer, TubeDETRHead, patch_centres,
                                        sine_grid_embedding, sine_time_embedding)
from zoo.tasks.layers.tube_drawing import draw_frames, render_tube, tube_box
from zoo.tasks.stgrounding import (STGroundingTask, Tube, score_tubes, timeline,
                                   whole_video_tubes)

FRAMES = 2
EPS = 1e-6


@pytest.fixture(scope="module")
def task():
    return create_model("postnet_stgrounding_tiny", num_frames=FRAMES, width=32, heads=2,
                        decoder_layers=2, dropout=0.0)


@pytest.fixture(scope="module")
def world(task):
    return WorldDataModule(grounding=True, world_frames=16, fps=4.0, train_size=3, val_size=2,
                           test_size=2, batch_size=4, test_clips=2).connect(task.preprocess)


@pytest.fixture(scope="module")
def batch(world):
    return next(iter(world.train_dataloader()))


def test_registered():
    assert TASKS.class_of("stgrounding") is STGroundingTask
    assert STGroundingTask.headline == "m_vIoU"


@pytest.mark.parametrize("paradigm", list(PARADIGMS))
def test_every_paradigm_builds_and_grounds(paradigm):
    task = create_model(f"{paradigm}_stgrounding_tiny", num_frames=2, width=32, heads=2).eval()
    with torch.no_grad():
        out = task(torch.randn(1, 2, 3, 64, 64), ["the red square moves left"])
    assert out["boxes"].shape == (1, 2, 4) and out["sted"].shape == (1, 2, 2)
    boxes = out["boxes"]
    assert (boxes[..., 2:] >= boxes[..., :2]).all() and torch.isfinite(out["sted"]).all()


# ---------------------------------------------------------------------- boxes, targets, losses
def test_box_conversions_round_trip():
    xyxy = torch.tensor([[8.0, 4.0, 24.0, 12.0]])
    cxcywh = normalised_cxcywh(xyxy, (16, 32))  # h 16, w 32
    assert cxcywh.tolist() == [[0.5, 0.5, 0.5, 0.5]]
    torch.testing.assert_close(pixel_xyxy(cxcywh, (16, 32)), xyxy)


def test_box_losses_hand_computed():
    pred = torch.tensor([[[0.5, 0.5, 0.2, 0.2], [0.2, 0.5, 0.2, 0.2], [0.9, 0.9, 0.1, 0.1]]])
    target = torch.tensor([[[0.6, 0.5, 0.2, 0.2], [0.8, 0.5, 0.2, 0.2], [0.1, 0.1, 0.1, 0.1]]])
    mask = torch.tensor([[True, True, False]])  # the third frame has no ground-truth box
    l1, giou = box_losses(pred, target, mask)
    # L1: 0.1 and 0.6; GIoU: overlapping (IoU 1/3, hull = union) -> 2/3, disjoint (hull 0.16,
    # union 0.08) -> 1 - (0 - 0.5) = 1.5; both divided by the 2 boxes
    assert float(l1) == pytest.approx(0.35, abs=1e-6)
    assert float(giou) == pytest.approx((2 / 3 + 1.5) / 2, abs=1e-6)
    none = box_losses(pred, target, torch.zeros_like(mask))
    assert float(none[0]) == float(none[1]) == 0.0


def test_gaussian_targets_and_sted_loss_hand_computed():
    q = gaussian_targets(torch.tensor([1]), 3, sigma=1.0)[0]
    z = 2 * (math.exp(-0.5) + EPS) + 1 + EPS
    assert q.tolist() == pytest.approx([(math.exp(-0.5) + EPS) / z, (1 + EPS) / z,
                                        (math.exp(-0.5) + EPS) / z])
    # uniform predictions over 2 frames, both targets at frame 0
    logits = torch.zeros(1, 2, 2)
    q0, q1 = 1 + EPS, math.exp(-0.5) + EPS
    q0, q1 = q0 / (q0 + q1), q1 / (q0 + q1)
    per_channel = (0.5 * math.log((0.5 + EPS) / q0) + 0.5 * math.log((0.5 + EPS) / q1)) / 2
    valid = torch.ones(1, 2, dtype=torch.bool)
    zero = torch.zeros(1, dtype=torch.long)
    assert float(sted_loss(logits, zero, zero, valid)) == pytest.approx(2 * per_channel, rel=1e-5)


def test_sted_loss_ignores_padded_frames():
    logits = torch.randn(2, 4, 2)
    valid = torch.tensor([[True, True, True, False], [True, True, False, False]])
    start, end = torch.tensor([0, 1]), torch.tensor([2, 1])
    moved = logits.clone()
    moved[0, 3], moved[1, 2:] = 50.0, -50.0
    assert float(sted_loss(logits, start, end, valid)) == pytest.approx(
        float(sted_loss(moved, start, end, valid)), rel=1e-6)
    assert float(sted_loss(logits, start, end, valid)) > 0


def test_sted_targets_first_and_last_frame_inside_or_the_nearest():
    times = torch.tensor([[0.5, 1.5, 2.5, 3.5]] * 3)
    segments = torch.tensor([[1.0, 3.0], [1.6, 1.9], [2.0, 4.0]])
    valid = torch.tensor([[True] * 4, [True] * 4, [True, True, False, False]])
    start, end = sted_targets(times, segments, valid)
    # [1, 3) holds frames 1, 2; [1.6, 1.9) holds none: nearest to 1.75 is frame 1; the third
    # video's frames 2, 3 are padding: none inside, nearest valid frame to 3.0 is frame 1
    assert start.tolist() == [1, 1, 1] and end.tolist() == [2, 1, 1]
    assert sted_targets(torch.tensor([[0.5, 1.5]]), torch.tensor([[1.5, 1.5001]]))[0].tolist() == [1]
    with pytest.raises(ValueError, match="no ground-truth segment"):
        sted_targets(times[:1], torch.tensor([[math.nan, math.nan]]))


def test_pointer_targets_and_loss_hand_computed():
    # a 2 x 2 grid: patch centres x, y in {0.25, 0.75}, row-major
    assert patch_centres(2, 2).tolist() == [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]
    tall = torch.tensor([0.25, 0.5, 0.3, 1.0])  # x 0.1-0.4, y 0-1: the left column
    small = torch.tensor([0.8, 0.2, 0.05, 0.05])  # holds no centre: the patch holding (0.8, 0.2)
    targets = pointer_targets(torch.stack([tall, small]), (2, 2))
    assert targets.tolist() == [[0.5, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 0.0]]
    logits = torch.zeros(1, 2, 4)
    logits[0, 1] = torch.tensor([0.0, 9.0, 0.0, 0.0])  # a frame without a box: ignored
    boxes, mask = torch.stack([tall, small])[None], torch.tensor([[True, False]])
    assert float(pointer_loss(logits, boxes, mask, (2, 2))) == pytest.approx(math.log(4))
    logits[0, 0] = torch.tensor([5.0, 0.0, 5.0, 0.0])  # p = e^5 / (2 e^5 + 2) on each target
    assert float(pointer_loss(logits, boxes, mask, (2, 2))) == pytest.approx(
        math.log(2 + 2 * math.exp(-5)), rel=1e-5)  # H(target) = log 2 at best


def test_decode_moment_hand_computed():
    assert decode_moment(torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 3.0]]))[:2] == (1, 2)
    assert decode_moment(torch.tensor([[0.0, 0.0], [5.0, 5.0], [0.0, 0.0]]))[:2] == (1, 1)
    # the best start (2) comes after the best end (0): s <= e leaves (0, 0) and (2, 2) tied at
    # log p_start + log p_end = log(e^5 / (2 + e^5)^2); the first wins
    s, e, score = decode_moment(torch.tensor([[0.0, 5.0], [0.0, 0.0], [5.0, 0.0]]))
    assert (s, e) == (0, 0)
    assert score == pytest.approx(math.exp(5) / (2 + math.exp(5)) ** 2, rel=1e-5)


def test_frame_cells_hand_computed():
    low, high = frame_cells(torch.tensor([0.5, 1.5, 2.5, 3.5]), duration=4.0)
    assert low.tolist() == [0.0, 1.0, 2.0, 3.0] and high.tolist() == [1.0, 2.0, 3.0, 4.0]
    low, high = frame_cells(torch.tensor([1.0, 2.0, 4.0]), duration=6.0)
    assert low.tolist() == [0.5, 1.5, 3.0] and high.tolist() == [1.5, 3.0, 5.0]
    assert [t.tolist() for t in frame_cells(torch.tensor([2.0]), 5.0)] == [[0.0], [5.0]]
    with pytest.raises(ValueError, match="strictly increasing"):
        frame_cells(torch.tensor([1.0, 1.0]))


# ---------------------------------------------------------------------- the head
def test_sine_embeddings():
    time = sine_time_embedding(3, 4)
    assert time[0].tolist() == [0.0, 1.0, 0.0, 1.0]  # sin 0, cos 0 on both frequencies
    assert time[1].tolist() == pytest.approx([math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)])
    grid = sine_grid_embedding(2, 3, 8)
    assert grid.shape == (6, 8)
    assert torch.equal(grid[0, :4], grid[2, :4]) and not torch.equal(grid[0, :4], grid[3, :4])  # y
    assert torch.equal(grid[0, 4:], grid[3, 4:]) and not torch.equal(grid[0, 4:], grid[1, 4:])  # x


def test_cross_attention_is_time_aligned():
    torch.manual_seed(0)
    layer = TimeAlignedDecoderLayer(16, 2, 32, 0.0).eval()
    queries, pos = torch.randn(1, 3, 16), torch.randn(1, 3, 16)
    memory, memory_pos = torch.randn(3, 5, 16), torch.randn(3, 5, 16)
    before = layer(queries, pos, memory, memory_pos, None, None)
    memory[1] += 1.0  # frame 1's memory only
    after = layer(queries, pos, memory, memory_pos, None, None)
    assert torch.equal(before[:, [0, 2]], after[:, [0, 2]]) and not torch.equal(before[:, 1], after[:, 1])


def test_the_pointer_anchors_on_the_patch_matching_the_sentence():
    head = TubeDETRHead(8, 6, 4, width=16, heads=2)
    with torch.no_grad():
        for layer in (head.pointer_memory, head.pointer_sentence):
            layer.weight.copy_(torch.eye(16))
            layer.bias.zero_()
    patches = torch.eye(16)[:6][None].repeat(2, 1, 1)  # 2 frames of a 2 x 3 grid, patch k = e_k
    sentence = torch.zeros(1, 16)
    sentence[0, 4] = 100.0  # matches patch 4: row 1, column 1
    logits, anchors, pointed = head.point(patches, sentence, (2, 3))
    assert logits.shape == (2, 6) and int(logits[0].argmax()) == 4
    torch.testing.assert_close(anchors[0], torch.tensor([0.5, 0.75, 0.0, 0.0]), atol=1e-3, rtol=0)
    torch.testing.assert_close(pointed[1], patches[1, 4], atol=1e-3, rtol=0)


def test_patch_memory_carries_each_tokens_motion():
    """With ``token_motion`` a patch's memory is ``P x_t + M |x_t - x_{t-1}|`` (zeros before the
    first frame): two patches that swap contents look the same to the patch projection alone,
    and only the motion term tells the frames apart; without it the head has no motion layer."""
    torch.manual_seed(0)
    head = TubeDETRHead(8, 6, 4, width=16, heads=2, encoder_layers=0)
    still = TubeDETRHead(8, 6, 4, width=16, heads=2, encoder_layers=0, token_motion=False)
    assert still.motion_projection is None
    a, b = torch.randn(8), torch.randn(8)
    tokens = torch.stack([torch.stack([a, b]), torch.stack([b, a]), torch.stack([b, a])])[None]
    frames, video, text, words = torch.randn(1, 3, 6), torch.randn(1, 6), torch.randn(1, 2, 4), torch.ones(1, 2)
    memory = head.memory(tokens, frames, video, (1, 2), text, words)[0][:, :2]  # [T, N, d]
    with torch.no_grad():
        appearance = head.patch_projection(tokens[0])
        moved = head.motion_projection((a - b).abs())
        resting = head.motion_projection(torch.zeros(8))
    torch.testing.assert_close(memory[0], appearance[0] + resting)
    torch.testing.assert_close(memory[1, 0], appearance[1, 0] + moved)
    torch.testing.assert_close(memory[1, 1], appearance[1, 1] + moved)
    torch.testing.assert_close(memory[2], appearance[2] + resting)  # the swapped patches rest
    torch.testing.assert_close(memory[1].flip(0) - moved, memory[0] - resting)
    plain = still.memory(tokens, frames, video, (1, 2), text, words)[0][:, :2]
    with torch.no_grad():
        torch.testing.assert_close(plain, still.patch_projection(tokens[0]))


def test_head_ignores_padded_frames_and_padded_words():
    torch.manual_seed(0)
    head = TubeDETRHead(8, 6, 4, width=16, heads=2, encoder_layers=1, decoder_layers=2,
                        dropout=0.0).eval()
    tokens, frames, video = torch.randn(1, 3, 4, 8), torch.randn(1, 3, 6), torch.randn(1, 6)
    text, words, sentence = torch.randn(1, 5, 4), torch.tensor([[True] * 3 + [False] * 2]), torch.randn(1, 6)
    valid = torch.tensor([[True, True, False]])
    out = head(tokens, frames, video, (2, 2), text, words, sentence, valid)
    tokens[0, 2], frames[0, 2], text[0, 3:] = 9.0, -9.0, 7.0
    moved = head(tokens, frames, video, (2, 2), text, words, sentence, valid)
    torch.testing.assert_close(out.boxes[:, :, :2], moved.boxes[:, :, :2])
    torch.testing.assert_close(out.sted[:, :, :2], moved.sted[:, :, :2])
    torch.testing.assert_close(out.pointer[:, :2], moved.pointer[:, :2])
    assert out.boxes.shape == (2, 1, 3, 4) and out.sted.shape == (2, 1, 3, 2)
    assert out.pointer.shape == (1, 3, 4)
    with pytest.raises(ValueError, match="grid"):
        head(tokens, frames, video, (3, 3), text, words, sentence)


# ---------------------------------------------------------------------- the task on the world
def test_training_step_reaches_exactly_the_trainable_parameters(task, batch):
    assert batch["boxes"].shape == (len(batch["query"]), FRAMES, 4)
    task.train()
    task.zero_grad(set_to_none=True)
    loss = task.training_step(batch, 0)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    for name, param in task.named_parameters():
        if param.requires_grad:
            assert param.grad is not None and torch.isfinite(param.grad).all(), name
        else:
            assert param.grad is None, name
    assert float(task.head.box_head.layers[0].weight.grad.abs().sum()) > 0
    task.zero_grad(set_to_none=True)


def test_a_few_steps_fit_one_batch(batch):
    torch.manual_seed(0)
    task = create_model("postnet_stgrounding_tiny", num_frames=FRAMES, width=32, heads=2,
                        dropout=0.0, sted_dropout=0.0)
    task.log = lambda *args, **kwargs: None
    optimizer = torch.optim.AdamW([p for p in task.parameters() if p.requires_grad], lr=2e-3)
    losses = []
    for _ in range(12):
        loss = task.task_loss(batch, task.encode_video(batch["video"])).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.7 * losses[0], losses


def test_timeline_sorts_merges_and_drops_repeats_and_padding():
    times = torch.tensor([[0.0, 2.0, 4.0], [1.0, 2.0, 5.0]])
    assert timeline(times).tolist() == [0, 3, 1, 2, 5]  # 2.0 twice: the first
    valid = torch.tensor([[True, True, False], [True, True, True]])
    assert timeline(times, valid).tolist() == [0, 3, 1, 5]


def test_multi_clip_evaluation_merges_the_clips(task, world):
    batch = next(iter(world.test_dataloader()))
    assert batch["video"].shape[1] == 2  # two temporal clips
    task.eval()
    with torch.no_grad():
        tubes = task.tubes(batch)
    for i, tube in enumerate(tubes):
        expected = sorted(set(batch["frame_times"][i].flatten().tolist()))
        assert tube.times.tolist() == pytest.approx(expected)
        assert 0 <= tube.start <= tube.end < len(tube.times)
        low, high = tube.segment
        assert 0.0 <= low < high <= float(batch["duration"][i])
        inside = ((tube.times >= low) & (tube.times < high)).nonzero().flatten().tolist()
        assert inside == list(range(tube.start, tube.end + 1))  # the segment holds frames s..e
    crops = dict(batch, video=torch.stack([batch["video"][:, 0], batch["video"][:, 0] + 1], 1),
                 frame_times=batch["frame_times"][:, [0, 0]])
    with pytest.raises(ValueError, match="spatial crops"):
        task.tubes(crops)


def _hand_batch(mask):
    box = [0.0, 0.0, 4.0, 4.0]
    return {"video": torch.zeros(1, 4, 3, 8, 8), "video_id": ["v"], "query": ["x"],
            "query_type": ["declarative"],
            "frame_times": torch.tensor([[0.5, 1.5, 2.5, 3.5]]), "duration": torch.tensor([4.0]),
            "segments": torch.tensor([[1.0, 3.0]]),
            "boxes": torch.tensor([[[0.0] * 4, box, box, [0.0] * 4]]),
            "frame_mask": torch.tensor([mask])}


def test_scoring_hand_made_tubes(task):
    metrics = task.make_metrics()
    batch = _hand_batch([False, True, True, False])
    box = torch.tensor([0.0, 0.0, 4.0, 4.0])
    perfect = Tube(order=torch.arange(4), times=batch["frame_times"][0], boxes=box.expand(4, 4),
                   sted=torch.zeros(4, 2), start=1, end=2, segment=(1.0, 3.0), score=1.0)
    score_tubes(metrics, batch, [perfect])
    values = task.compute_metrics(metrics)
    assert {k: float(v) for k, v in values.items()} == {
        "m_tIoU": 1.0, "m_vIoU": 1.0, "vIoU@0.3": 1.0, "vIoU@0.5": 1.0, "m_gt_vIoU": 1.0}


def test_whole_video_baseline_hand_computed(task):
    # the box (1, 0, 5, 4) against (0, 0, 4, 4): IoU 12 / 20 = 0.6; moment [1, 3) of [0, 4)
    box = torch.tensor([0.375, 0.25, 0.5, 0.5])  # normalised cxcywh on the 8 x 8 input
    metrics = task.make_metrics()
    score_tubes(metrics, _hand_batch([False, True, True, False]),
                whole_video_tubes(_hand_batch([False, True, True, False]), box))
    values = {k: float(v) for k, v in task.compute_metrics(metrics).items()}
    assert values == pytest.approx({"m_tIoU": 0.5, "m_vIoU": 1.2 / 4, "vIoU@0.3": 0.0,
                                    "vIoU@0.5": 0.0, "m_gt_vIoU": 0.6})
    # frame 2 inside the moment has no box: left out of both spans and counted
    metrics = task.make_metrics()
    batch = _hand_batch([False, True, False, False])
    score_tubes(metrics, batch, whole_video_tubes(batch, box))
    with pytest.warns(UserWarning, match="1 sampled frame"):
        values = {k: float(v) for k, v in task.compute_metrics(metrics).items()}
    assert values["m_vIoU"] == pytest.approx(0.6 / 3) and values["m_gt_vIoU"] == pytest.approx(0.6)


def test_metrics_per_query_type():
    task = create_model("postnet_stgrounding_tiny", num_frames=2, width=32, heads=2,
                        query_types=["declarative", "interrogative"])
    metrics = task.make_metrics()
    batch = _hand_batch([False, True, True, False])
    score_tubes(metrics, batch, whole_video_tubes(batch, torch.tensor([0.25, 0.25, 0.5, 0.5])),
                task.query_types)
    values = task.compute_metrics(metrics)
    assert float(values["declarative/m_vIoU"]) == pytest.approx(0.5)  # IoU 1 on 2 of 4 frames
    assert not any(name.startswith("interrogative/") for name in values)  # no such item: not logged


# ---------------------------------------------------------------------- predictions and pictures
def test_predictions_are_readable_json(task, world):
    batch = next(iter(world.val_dataloader()))
    task.eval()
    with torch.no_grad():
        results = task.predict_batch(batch)
    assert len(results) == len(batch["query"])
    json.dumps(results)
    for result, query in zip(results, batch["query"]):
        assert result["query"] == query and result["image_size"] == [64, 64]
        start, end = result["segment"]
        assert 0 <= start < end and 1 <= len(result["frames"]) <= FRAMES
        assert all(start <= f["time"] < end and len(f["box"]) == 4 for f in result["frames"])


def test_prediction_inputs(task):
    assert task.prediction_inputs(["  the red square moves left "]) == {
        "query": ["the red square moves left"]}
    for texts in (["a", "b"], [], [" "]):
        with pytest.raises(ValueError, match="one sentence"):
            task.prediction_inputs(texts)


def test_tube_box_interpolates_inside_the_segment():
    tube = {"segment": [0.0, 4.0], "image_size": [8, 8],
            "frames": [{"time": 1.0, "box": [0, 0, 2, 2]}, {"time": 3.0, "box": [2, 2, 6, 6]}]}
    assert tube_box(tube, 2.0).tolist() == [1.0, 1.0, 4.0, 4.0]
    assert tube_box(tube, 0.5).tolist() == [0.0, 0.0, 2.0, 2.0]
    assert tube_box(tube, 4.0) is None


@pytest.mark.parametrize("suffix", [".png", ".gif", ".mp4"])
def test_render_writes_the_tube(task, tmp_path, suffix):
    frames = np.zeros((3, 16, 16, 3), dtype=np.uint8)
    result = {"segment": [0.5, 2.5], "image_size": [16, 16],
              "frames": [{"time": 1.0, "box": [4, 4, 12, 12]}, {"time": 2.0, "box": [4, 4, 12, 12]}]}
    truth = {"segment": [1.5, 3.0], "image_size": [16, 16],
             "frames": [{"time": 2.0, "box": [0, 0, 8, 8]}]}
    path = task.render(frames, [0.0, 1.0, 2.0], result, tmp_path / f"tube{suffix}", truth=truth)
    assert path.is_file() and path.stat().st_size > 0
    if suffix == ".gif":
        assert Image.open(path).n_frames == 3
    if suffix == ".mp4":
        import av

        with av.open(str(path)) as container:
            assert sum(1 for _ in container.decode(video=0)) == 3


def test_drawn_boxes_land_where_the_tube_is():
    frames = np.zeros((2, 16, 16, 3), dtype=np.uint8)
    result = {"segment": [0.5, 2.0], "image_size": [32, 32],  # boxes in a 32-px input
              "frames": [{"time": 1.0, "box": [8, 8, 24, 24]}]}
    first, second = (np.asarray(p) for p in draw_frames(frames, [0.0, 1.0], result))
    assert first.shape == (256, 256, 3)  # 16 px enlarged 16 times
    # box x1 = 8 / 32 of 256 = 64, y in [64, 192]
    assert second[128, 64].tolist() == [40, 220, 60] and not (first[20:] == [40, 220, 60]).all(-1).any()
    with pytest.raises(ValueError, match="written as"):
        render_tube(frames, [0.0, 1.0], result, "tube.jpg")
