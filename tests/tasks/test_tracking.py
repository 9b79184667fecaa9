"""The tracking task and its layers: the DETR detector and its loss (hand-computed), the
association loss (hand-computed), the online tracker's rules (identity kept through a crossing,
a missed frame, birth and death), masked region tubes, the task's training loss and evaluation
wired to TETA (an oracle detector and classifier score 1; a novel category named), zero-shot
naming of held-out shapes by the frozen ``tiny``, and the prediction contract (JSON results and
pictures)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from zoo.data.world.datamodule import WorldDataModule
from zoo.tasks.layers.association import association_loss
from zoo.tasks.layers.detr import (Detections, FrameDetector, FrameTargets, LossWeights,
                                   detection_loss, normalised_targets, pixel_boxes,
                                   sine_position_embedding, token_anchors)
from zoo.tasks.layers.regions import box_masks, fill_boxes, masked_tubes, region_teacher_embeddings
from zoo.tasks.layers.track_drawing import track_colour
from zoo.tasks.layers.tracker import TrackerSettings, track_clip
from zoo.tasks.tracking import TrackingTask, vild_ensemble

SHAPES = ["circle", "square", "triangle", "diamond", "cross", "star", "ring"]
SPEC = {"class_path": "zoo.paradigms.postnet.PostnetSpec",
        "init_args": {"backbone": "tiny", "variant": "meanp", "num_frames": 2, "backbone_pretrained": False}}


def small_task(model=SPEC, **kwargs) -> TrackingTask:
    options = dict(categories=SHAPES, novel_categories=["star", "ring"], detector_width=32,
                   detector_layers=2, detector_heads=2, embedding_dim=8, region_batch=2)
    return TrackingTask(model=model, **{**options, **kwargs})


@pytest.fixture(scope="module")
def world_batches():
    dm = WorldDataModule(train_size=2, val_size=3, test_size=1, batch_size=3, world_frames=8,
                         tracking=True)
    dm.connect({"mean": [0.48, 0.46, 0.41], "std": [0.27, 0.26, 0.28], "size": 64, "num_frames": 2})
    return next(iter(dm.train_dataloader())), next(iter(dm.val_dataloader()))


# ---------------------------------------------------------------------------------- detector
def test_sine_position_embedding_by_hand():
    # grid 1 x 2, width 4: y = 2π for both tokens, x = π then 2π; channels (sin, cos) per axis
    expected = torch.tensor([[0.0, 1.0, 0.0, -1.0], [0.0, 1.0, 0.0, 1.0]])
    assert torch.allclose(sine_position_embedding((1, 2), 4), expected, atol=1e-6)
    with pytest.raises(ValueError, match="divisible by 4"):
        sine_position_embedding((2, 2), 6)


def test_detector_shapes_and_ranges():
    detector = FrameDetector(token_dim=12, grid=(2, 3), num_queries=5, width=16, num_layers=2,
                             num_heads=2, embedding_dim=7)
    out = detector(torch.randn(4, 6, 12))
    assert out.boxes.shape == (2, 4, 5, 4) and out.logits.shape == (2, 4, 5)
    assert out.embeddings.shape == (2, 4, 5, 7)
    assert ((out.boxes >= 0) & (out.boxes <= 1)).all()
    assert out.logits.sigmoid().mean() < 0.05  # the focal-loss prior 0.01
    assert out.proposal_boxes.shape == (4, 6, 4) and out.proposal_logits.shape == (4, 6)
    # at initialisation every proposal is its token's anchor and the queries start from the best 5
    assert torch.allclose(out.proposal_boxes[0], token_anchors((2, 3)), atol=1e-5)
    with pytest.raises(ValueError, match=r"\[frames, 6 \(grid \(2, 3\)\), C\]"):
        detector(torch.randn(4, 5, 12))
    with pytest.raises(ValueError, match="cannot exceed the 6 tokens"):
        FrameDetector(token_dim=12, grid=(2, 3), num_queries=7, width=16, num_heads=2)


def test_token_anchors_by_hand():
    # grid 1 x 2: cells centred at x = 1/4 and 3/4, y = 1/2; two cells wide (clipped to 1)
    assert token_anchors((1, 2)).tolist() == [[0.25, 0.5, 1.0, 1.0], [0.75, 0.5, 1.0, 1.0]]
    assert token_anchors((4, 8), cells=2)[9].tolist() == [0.1875, 0.375, 0.25, 0.5]


def test_detection_loss_by_hand():
    # one frame, 3 queries, 2 boxes; query 2 is exactly box 0, query 0 is box 1 shifted by 0.1 in cx
    targets = FrameTargets(boxes=[torch.tensor([[0.3, 0.3, 0.2, 0.2], [0.7, 0.6, 0.2, 0.4]])],
                           ids=[torch.tensor([11, 12])])
    boxes = torch.tensor([[[0.8, 0.6, 0.2, 0.4], [0.1, 0.9, 0.05, 0.05], [0.3, 0.3, 0.2, 0.2]]])
    logits = torch.tensor([[4.0, -4.0, 4.0]])
    detections = Detections(boxes[None], logits[None], torch.zeros(1, 1, 3, 2))
    total, parts, matches = detection_loss(detections, targets, LossWeights(), aux_loss=False)
    (queries, gts), = matches
    assert dict(zip(gts.tolist(), queries.tolist())) == {0: 2, 1: 0}
    assert parts["l1"].item() == pytest.approx(0.1 / 2)          # |0.8 - 0.7| over 2 boxes
    # box 1 shifted by 0.1: IoU = 0.1 / 0.1 ... xyxy [0.7,0.4,0.9,0.8] vs [0.6,0.4,0.8,0.8]
    iou = (0.1 * 0.4) / (2 * 0.08 - 0.1 * 0.4)                  # the union is also the hull
    assert parts["giou"].item() == pytest.approx((1 - iou) / 2, rel=1e-5)
    p = torch.sigmoid(torch.tensor([4.0, -4.0, 4.0]))
    focal = [0.25 * (1 - p[0]) ** 2 * -torch.log(p[0]), 0.75 * p[1] ** 2 * -torch.log(1 - p[1]),
             0.25 * (1 - p[2]) ** 2 * -torch.log(p[2])]
    assert parts["objectness"].item() == pytest.approx(float(sum(focal)) / 2, rel=1e-4)
    assert total.item() == pytest.approx(2 * parts["objectness"].item() + 5 * parts["l1"].item()
                                         + 2 * parts["giou"].item(), rel=1e-5)


def test_targets_and_pixel_boxes_round_trip():
    boxes = [torch.tensor([[8.0, 16.0, 24.0, 48.0], [5.0, 5.0, 5.0, 9.0]])]  # 2nd: zero width
    targets = normalised_targets(boxes, [torch.tensor([3, 4])], (64, 32))
    assert targets.ids[0].tolist() == [3] and targets.boxes[0].tolist() == [[0.5, 0.5, 0.5, 0.5]]
    assert pixel_boxes(targets.boxes[0], (64, 32)).tolist() == [[8.0, 16.0, 24.0, 48.0]]


# ---------------------------------------------------------------------------------- association
def test_association_loss_by_hand():
    e = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.6, 0.8]])
    tracks, frames, clips = torch.tensor([1, 2, 1, 2]), torch.tensor([0, 0, 1, 1]), torch.zeros(4, dtype=torch.long)
    # anchor 0: positive 2 (cos 1), negative 3 (0.6); anchor 1: positive 3 (0.8), negative 2 (0);
    # anchor 2: positive 0 (1), negative 1 (0); anchor 3: positive 1 (0.8), negative 0 (0.6).
    # Detections of the same frame are never compared.
    softplus = lambda x: math.log1p(math.exp(x))
    expected = (softplus(0.6 - 1) + softplus(0 - 0.8) + softplus(0 - 1) + softplus(0.6 - 0.8)) / 4
    assert association_loss(e, tracks, frames, clips, temperature=1.0).item() == pytest.approx(expected, rel=1e-5)
    assert association_loss(e, tracks, frames, clips, temperature=0.5).item() == pytest.approx(
        (softplus(-0.8) + softplus(-1.6) + softplus(-2) + softplus(-0.4)) / 4, rel=1e-5)
    # the same detections in two different clips: no pair, no loss
    assert association_loss(e, tracks, frames, torch.tensor([0, 0, 1, 1])).item() == 0.0


# ---------------------------------------------------------------------------------- tracker
def clip_inputs(frames: list[list[tuple]], queries: int = 4):
    """Frames of (box, score, embedding) -> tracker inputs [T, Q, ...] (unused queries score 0)."""
    boxes, scores, embeddings = torch.zeros(len(frames), queries, 4), torch.zeros(len(frames), queries), \
        torch.zeros(len(frames), queries, 2)
    for t, dets in enumerate(frames):
        for q, (box, score, emb) in enumerate(dets):
            boxes[t, q], scores[t, q], embeddings[t, q] = torch.tensor(box), score, torch.tensor(emb)
    return boxes, scores, embeddings


def ids_by_frame(out):
    return [dict(zip(f.detections.tolist(), f.track_ids.tolist())) for f in out]


def test_tracker_keeps_identities_through_a_crossing():
    a, b = (1.0, 0.0), (0.0, 1.0)
    # two objects swap places; in frame 1 they overlap; appearance decides
    frames = [[((0, 0, 10, 10), 0.9, a), ((30, 0, 40, 10), 0.9, b)],
              [((14, 0, 24, 10), 0.9, b), ((16, 0, 26, 10), 0.9, a)],
              [((0, 0, 10, 10), 0.9, b), ((30, 0, 40, 10), 0.9, a)]]
    out = ids_by_frame(track_clip(*clip_inputs(frames), TrackerSettings(appearance_weight=0.7)))
    assert out == [{0: 1, 1: 2}, {0: 2, 1: 1}, {0: 2, 1: 1}]


def test_tracker_missed_frame_birth_and_death():
    a = (1.0, 0.0)
    frames = [[((0, 0, 10, 10), 0.9, a)], [], [((1, 0, 11, 10), 0.9, a)]]
    assert ids_by_frame(track_clip(*clip_inputs(frames), TrackerSettings(max_age=1))) == [{0: 1}, {}, {0: 1}]
    assert ids_by_frame(track_clip(*clip_inputs(frames), TrackerSettings(max_age=0))) == [{0: 1}, {}, {0: 2}]
    # between score_threshold and birth_threshold: continues a track, never starts one
    weak = [[((0, 0, 10, 10), 0.45, a)], [((0, 0, 10, 10), 0.9, a)], [((0, 0, 10, 10), 0.45, a)]]
    settings = TrackerSettings(score_threshold=0.4, birth_threshold=0.5)
    assert ids_by_frame(track_clip(*clip_inputs(weak), settings)) == [{}, {0: 1}, {0: 1}]
    # a duplicate detection is suppressed (NMS), a dissimilar far detection starts a new track
    dup = [[((0, 0, 10, 10), 0.9, a), ((0, 0, 10, 9.5), 0.8, a), ((40, 40, 50, 50), 0.9, (0.0, 1.0))]]
    assert ids_by_frame(track_clip(*clip_inputs(dup), settings)) == [{0: 1, 2: 2}]
    with pytest.raises(ValueError, match="birth_threshold"):
        TrackerSettings(score_threshold=0.6, birth_threshold=0.5)


# ---------------------------------------------------------------------------------- regions
def test_fill_boxes_and_masked_tubes():
    boxes = torch.tensor([[[0, 0, 1, 1], [9, 9, 9, 9], [2, 2, 3, 3], [9, 9, 9, 9]]], dtype=torch.float32)
    present = torch.tensor([[True, False, True, False]])
    # frame 1 is as near to 0 as to 2: the earlier wins; frame 3 takes frame 2's box
    assert fill_boxes(boxes, present)[0].tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    mask = box_masks(torch.tensor([1.5, 0.0, 3.0, 2.0]), (4, 4))
    assert mask.int().tolist() == [[0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    video = torch.randn(2, 3, 4, 4)
    tubes = masked_tubes(video, torch.tensor([[[1.5, 0.0, 3.0, 2.0], [0.0, 0.0, 4.0, 4.0]]]))
    assert tubes.shape == (1, 2, 3, 4, 4)
    assert torch.equal(tubes[0, 0], video[0] * mask) and torch.equal(tubes[0, 1], video[1])
    with pytest.raises(ValueError, match="at least one frame"):
        fill_boxes(boxes, torch.zeros(1, 4, dtype=torch.bool))


# ---------------------------------------------------------------------------------- the task
def test_vocabulary_is_checked(world_batches):
    bare = small_task(categories=None, novel_categories=None)  # e.g. zoo.create_model(...)
    assert bare.categories == []
    with pytest.raises(ValueError, match="tracking training needs categories"):
        bare.task_loss(world_batches[0], bare.encode_video(world_batches[0]["video"]))
    with pytest.raises(ValueError, match="pass category names"):
        bare.eval().predict_batch(world_batches[1])
    with pytest.raises(ValueError, match=r"novel_categories \['moon'\] are not among"):
        small_task(novel_categories=["moon"])
    with pytest.raises(ValueError, match="one distinct id per category"):
        small_task(category_ids=[1, 2])
    with pytest.raises(ValueError, match="every category is novel"):
        small_task(novel_categories=SHAPES)
    task = small_task(category_ids=[10, 20, 30, 40, 50, 60, 70])
    assert task.base_categories == SHAPES[:5] and task.novel_categories == ["star", "ring"]
    assert TrackingTask(**task.task_config()).category_ids == [10, 20, 30, 40, 50, 60, 70]


def test_training_loss_reaches_the_heads_and_refuses_novel_tracks(world_batches):
    train, val = world_batches
    task = small_task()
    task.log = lambda *args, **kwargs: None
    result = task.task_loss(train, task.encode_video(train["video"]))
    assert torch.isfinite(result.loss) and result.texts == [f"a {c}." for c in SHAPES[:5]]
    result.loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for n, p in task.detector.named_parameters() if not n.startswith("association"))
    assert any(p.grad.abs().sum() > 0 for p in task.detector.association.parameters())
    assert any(v for item in val["tracks"] for v in item["novel"].tolist())
    with pytest.raises(ValueError, match="holds tracks of novel categories"):
        task.task_loss(val, task.encode_video(val["video"]))


def test_region_distillation_keeps_the_frozen_image_tower(world_batches):
    """The alignment-keeping region loss: a LoRA task's teacher is a frozen copy of the image
    tower taken at build time — outside the state dict and the parameters, equal to the student
    at initialisation (LoRA's B = 0), unchanged when the student's LoRA weights move, and its L1
    term is the hand-computed distance added to the cross-entropy."""
    train, _ = world_batches
    spec = {"class_path": "zoo.paradigms.lora.LoraSpec",
            "init_args": {"backbone": "tiny", "num_frames": 2, "backbone_pretrained": False}}
    task = small_task(spec, region_distill_weight=2.0)
    logged = {}
    task.log = lambda name, value, **kwargs: logged.__setitem__(name, float(value))
    teacher = task._region_teacher
    assert teacher is not None
    assert not any(k.startswith("_region_teacher") for k in task.state_dict())
    assert not any(p is q for p in task.parameters() for q in teacher.parameters())
    tubes = masked_tubes(train["video"][0], torch.tensor([[[8.0, 8, 40, 40]] * 2, [[0.0, 0, 64, 64]] * 2]))
    with torch.no_grad():
        student, reference = task.region_embeddings(tubes), region_teacher_embeddings(teacher, tubes)
    torch.testing.assert_close(student, reference, atol=1e-5, rtol=1e-5)
    with torch.no_grad():
        for name, p in task.model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
        moved = task.region_embeddings(tubes)
    assert (moved - student).abs().max() > 1e-3
    torch.testing.assert_close(region_teacher_embeddings(teacher, tubes), reference)
    text = task.category_embeddings(task.base_categories)[0]
    torch.manual_seed(0)
    loss = task.region_loss(train["video"], train["tracks"], text)
    distill = logged["train/region_distill"]
    torch.manual_seed(0)
    task.region_distill_weight = 0.0
    plain = task.region_loss(train["video"], train["tracks"], text)
    assert distill > 0
    torch.testing.assert_close(loss.item(), plain.item() + 2.0 * distill, atol=1e-4, rtol=1e-4)
    assert small_task()._region_teacher is None
    with pytest.raises(ValueError, match="region_distill_weight"):
        small_task(region_distill_weight=-1.0)


def test_vild_ensemble_by_hand():
    """ViLD's geometric ensemble: weight 2/3 on the trained distribution for base categories,
    2/3 on the teacher's for the others, renormalised."""
    trained, teacher = torch.tensor([[0.8, 0.2]]), torch.tensor([[0.2, 0.8]])
    # base / novel: both columns get 0.8^(2/3) * 0.2^(1/3) -> a tie
    torch.testing.assert_close(vild_ensemble(trained, teacher, torch.tensor([True, False])), torch.tensor([[0.5, 0.5]]))
    both = vild_ensemble(trained, teacher, torch.tensor([True, True]))
    a, b = 0.8 ** (2 / 3) * 0.2 ** (1 / 3), 0.2 ** (2 / 3) * 0.8 ** (1 / 3)
    torch.testing.assert_close(both, torch.tensor([[a / (a + b), b / (a + b)]]))
    novel = vild_ensemble(trained, teacher, torch.tensor([False, False]))
    torch.testing.assert_close(novel, torch.tensor([[b / (a + b), a / (a + b)]]))


def test_region_naming_modes_build_the_teacher_they_need():
    """``teacher`` / ``ensemble`` naming build the frozen teacher (with its own text tower,
    equal to the student's at initialisation); ``trained`` without distillation builds none;
    an unknown mode is refused by name."""
    assert small_task(region_naming="trained")._region_teacher is None
    task = small_task(region_naming="ensemble")
    assert task._region_teacher is not None and task._region_teacher.has_text_tower
    assert not small_task(region_distill_weight=1.0)._region_teacher.has_text_tower
    with torch.no_grad():
        torch.testing.assert_close(task.teacher_category_embeddings(SHAPES), task.category_embeddings(SHAPES)[0])
    with pytest.raises(ValueError, match="region_naming must be one of"):
        small_task(region_naming="clip")


def test_every_region_naming_agrees_when_the_paradigm_is_the_frozen_tower(world_batches):
    """postnet meanp *is* the frozen image tower's meanP: the trained, teacher and ensemble
    namings of the same tracks give the same labels and probabilities (the ensemble of two equal
    distributions is that distribution)."""
    _, val = world_batches
    named = {}
    for mode in ("trained", "teacher", "ensemble"):
        torch.manual_seed(0)
        task = small_task(region_naming=mode, tracker={"score_threshold": 0.0, "birth_threshold": 0.0}).eval()
        results = task.track(val["video"])
        assert sum(r.num_tracks for r in results) > 0
        named[mode] = [(r.labels, r.label_scores) for r in results]
    for mode in ("teacher", "ensemble"):
        for (labels, scores), (labels0, scores0) in zip(named[mode], named["trained"]):
            assert torch.equal(labels, labels0)
            torch.testing.assert_close(scores, scores0, atol=1e-5, rtol=1e-5)


def oracle(task: TrackingTask, batch: dict, category=None) -> None:
    """Replace the detector by the ground truth (query k = track k) and the region classifier by
    the true category of each track (or always ``category``)."""
    t, (h, w) = batch["video"].shape[1], batch["video"].shape[-2:]
    queries = task.detector.num_queries

    def detect(tokens):
        boxes, logits = torch.full((len(tokens), queries, 4), 0.5), torch.full((len(tokens), queries), -9.0)
        embeddings = torch.zeros(len(tokens), queries, queries)
        for f in range(len(tokens)):
            item = batch["tracks"][f // t]
            for k in range(len(item["track_ids"])):
                if item["visible"][f % t, k]:
                    x1, y1, x2, y2 = item["boxes"][f % t, k].tolist()
                    boxes[f, k] = torch.tensor([(x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h])
                    logits[f, k], embeddings[f, k, k] = 9.0, 1.0
        return Detections(boxes[None], logits[None], embeddings[None])

    def classify(clips, results, vocabularies):
        for i, result in enumerate(results):
            vocabulary = list(vocabularies[i])
            item, probabilities = batch["tracks"][i], torch.zeros(result.num_tracks, len(vocabulary))
            for j in range(result.num_tracks):
                t0 = int(result.present[j].nonzero()[0])
                k = int(((item["boxes"][t0].nan_to_num(0) - result.track_boxes[j, t0]).abs().sum(-1)).argmin())
                name = category or item["categories"][k]
                probabilities[j, vocabulary.index(name)] = 1.0
            result.set_categories(probabilities)

    task.detector.forward = detect
    task.classify_tracks = classify


def test_oracle_tracks_score_one_and_name_the_novel_category(world_batches):
    _, val = world_batches
    task = small_task().eval()
    oracle(task, val)
    metrics = task.make_metrics()
    task.update_metrics(metrics, val, "val")
    values = {k: float(v) for k, v in task.compute_metrics(metrics).items()}
    assert {"TETA", "LocA", "AssocA", "ClsA", "TETA_novel", "ClsA_novel", "det_ap50"} <= set(values)
    assert all(v == pytest.approx(1.0) for v in values.values()), values
    # always one base category c: every kept pair is a Cls_TP of c if it is a c box, else a
    # Cls_FN of its class and a Cls_FP of c, so ClsA_c = N_c / N (N: ground-truth boxes) and
    # every other class scores 0; the novel categories are never named
    counts = {}
    for item in val["tracks"]:
        for k, name in enumerate(item["categories"]):
            counts[name] = counts.get(name, 0) + int(item["visible"][:, k].sum())
    base = [c for c in counts if c not in ("star", "ring") and counts[c]]
    task = small_task().eval()
    oracle(task, val, category=base[0])
    metrics = task.make_metrics()
    task.update_metrics(metrics, val, "val")
    values = {k: float(v) for k, v in task.compute_metrics(metrics).items()}
    assert values["ClsA_novel"] == 0.0
    assert values["ClsA_base"] == pytest.approx(counts[base[0]] / sum(counts.values()) / len(base))
    assert values["LocA"] == pytest.approx(1.0) and values["AssocA"] == pytest.approx(1.0)
    # the batch's category ids (the world's: 0..6) must be the task's
    task = small_task(category_ids=[10, 20, 30, 40, 50, 60, 70]).eval()
    oracle(task, val)
    with pytest.raises(ValueError, match=r"world-val-000000'?: category ids \[.*\] are not among"):
        task.update_metrics(task.make_metrics(), val, "val")


def test_frozen_tiny_names_held_out_shapes_from_masked_tubes():
    """The mechanism behind novel-category ClsA: ground-truth tracks' masked tubes through a frozen
    pretrained ``tiny`` (postnet meanp: the mean of CLIP's frame embeddings), ranked against the
    prompts of all seven shapes, far above chance (1/7) on base and on held-out shapes."""
    spec = {"class_path": "zoo.paradigms.postnet.PostnetSpec",
            "init_args": {"backbone": "tiny", "variant": "meanp", "num_frames": 4}}
    task = TrackingTask(model=spec, categories=SHAPES, novel_categories=["star", "ring"]).eval()
    dm = WorldDataModule(train_size=1, val_size=12, test_size=1, batch_size=12, tracking=True)
    batch = next(iter(dm.connect(task.preprocess).val_dataloader()))
    tubes, labels = [], []
    for b, item in enumerate(batch["tracks"]):
        for k in range(len(item["track_ids"])):
            if item["visible"][:, k].any():
                boxes = fill_boxes(item["boxes"][:, k][None].nan_to_num(0), item["visible"][:, k][None])
                tubes.append(masked_tubes(batch["video"][b], boxes)[0])
                labels.append(SHAPES.index(item["categories"][k]))
    with torch.no_grad():
        predicted = task.region_logits(task.region_embeddings(torch.stack(tubes)),
                                       task.category_embeddings(SHAPES)[0]).argmax(-1)
    labels = torch.tensor(labels)
    novel = labels >= 5
    assert novel.sum() >= 5 and (~novel).sum() >= 5
    assert (predicted == labels)[~novel].float().mean() >= 0.5
    assert (predicted == labels)[novel].float().mean() >= 0.5


# ---------------------------------------------------------------------------------- prediction
def test_prediction_inputs():
    task = small_task()
    assert task.prediction_inputs(["star, ring", "circle"]) == {"categories": [["star", "ring", "circle"]]}
    for bad, message in (([], "needs a list of category names"), (["star,"], "needs a list"),
                         (["star", "star"], "repeat")):
        with pytest.raises(ValueError, match=message):
            task.prediction_inputs(bad)
    with pytest.raises(ValueError, match="no prediction options"):
        task.prediction_inputs(["star"], threshold=0.5)


def test_predict_results_are_json_and_render_to_pictures(world_batches, tmp_path):
    _, val = world_batches
    task = small_task().eval()
    oracle(task, val)
    batch = {**val, **task.prediction_inputs(["star", "ring", "circle", "square", "triangle",
                                             "diamond", "cross"])}
    batch["categories"] = batch["categories"] * len(val["video"])
    results = task.predict_batch(batch)
    truths = task.truth_batch(val)
    assert len(results) == len(truths) == len(val["video"])
    for result, truth in zip(results, truths):
        json.dumps(result)
        assert set(result) == set(truth) == {"video_id", "categories", "frame_times", "image_size", "tracks"}
        assert [(t["category"], t["boxes"]) for t in result["tracks"]] == \
            [(t["category"], t["boxes"]) for t in truth["tracks"]]
    with pytest.raises(ValueError, match="single-view"):
        task.predict_batch({**val, "video": val["video"][:, None]})

    frames = (np.random.default_rng(0).random((2, 64, 64, 3)) * 60).astype(np.uint8)
    result = {"image_size": [64, 64], "tracks": [{"track_id": 3, "category": "star", "category_score": 0.9,
                                                  "frames": [0, 1], "times": [0.0, 0.5],
                                                  "boxes": [[10, 10, 30, 30], [12, 10, 32, 30]],
                                                  "scores": [0.9, 0.8]}]}
    png = task.render(frames, [0.0, 0.5], result, tmp_path / "out.png", truth=truths[0])
    image = np.asarray(Image.open(png).convert("RGB"))
    assert image.shape == (256, 512, 3)  # two frames tiled, enlarged x4
    assert tuple(image[119, 80]) == track_colour(3)  # the bottom edge of the box in frame 0
    gif = task.render(frames, [0.0, 0.5], result, tmp_path / "out.gif")
    assert Image.open(gif).n_frames == 2
    assert task.render(frames, [0.0, 0.5], result, tmp_path / "out.mp4").stat().st_size > 0
    with pytest.raises(ValueError, match="one of .png"):
        task.render(frames, [0.0, 0.5], result, tmp_path / "out.txt")
    colours = [track_colour(i) for i in range(1, 9)]
    assert colours == [track_colour(i) for i in range(1, 9)] and len(set(colours)) == 8
