"""The world datamodule: standard batches, preprocessing from the model, protocols."""

import pytest
import torch

from zoo.data.world.synthetic import ACTION_PHRASES, NOVEL_ACTIONS
from zoo.data.world import WorldDataModule

PREPROCESS = {"mean": [0.5] * 3, "std": [0.25] * 3, "size": 64, "num_frames": 4}


def test_requires_connect_and_matching_frames():
    dm = WorldDataModule(train_size=4, val_size=2, test_size=2, batch_size=2)
    with pytest.raises(RuntimeError, match="connect"):
        dm.setup("fit")
    with pytest.raises(ValueError, match="num_frames=8"):
        WorldDataModule(num_frames=8).connect(PREPROCESS)


def test_batches_follow_the_standard_batch():
    dm = WorldDataModule(train_size=4, val_size=2, test_size=3, batch_size=2, test_clips=2).connect(PREPROCESS)
    batch = next(iter(dm.train_dataloader()))
    assert batch["video"].shape == (2, 4, 3, 64, 64)
    assert batch["label"].dtype == torch.long and len(batch["captions"]) == 2
    for key in ("captions", "question", "answer", "segments", "boxes", "frame_mask", "tracks"):
        assert key in batch
    test = next(iter(dm.test_dataloader()))
    assert test["video"].shape == (2, 2, 4, 3, 64, 64)  # [B, V, T, 3, H, W], V = 2 clips
    # normalised with the given mean/std: a constant 0.5 grey would map to 0
    assert test["video"].min() >= (0 - 0.5) / 0.25 - 1e-5 and test["video"].max() <= (1 - 0.5) / 0.25 + 1e-5


def test_zero_shot_protocol_holds_out_novel_actions():
    dm = WorldDataModule(train_size=40, val_size=2, test_size=2, zero_shot=True).connect(PREPROCESS)
    info = dm.dataset_info()
    assert info["novel_classes"] == [ACTION_PHRASES[a] for a in NOVEL_ACTIONS]
    train_actions = {dm.world("train").clip(i).action for i in range(40)}
    assert not train_actions & set(NOVEL_ACTIONS)
    assert set(info["class_groups"]["order_dependent"]).isdisjoint(info["class_groups"]["order_independent"])


def test_bad_novel_action_is_named():
    with pytest.raises(ValueError, match="jump"):
        WorldDataModule(novel_actions=["jump"])


def test_grounding_serves_one_item_per_event_query():
    dm = WorldDataModule(train_size=3, val_size=3, test_size=2, batch_size=4, grounding=True,
                         min_world_frames=40).connect({**PREPROCESS, "num_frames": 8})
    val = dm.records("val")
    world = dm.world("val")
    assert world.config.num_frames == 64 and world.config.events
    assert len(val) == sum(len(world.clip(i).events) for i in range(3))
    assert len({r.query_id for r in val}) == len(val)
    batch = next(iter(dm.val_dataloader()))
    assert batch["video"].shape == (4, 8, 3, 64, 64)
    for key in ("query", "query_id", "segments", "windows", "duration", "saliency",
                "frame_saliency", "boxes", "frame_mask", "tracks"):
        assert key in batch
    assert batch["query"] == [r.query for r in val[:4]]
    durations = [world.clip(int(r.source.split(":")[2])).duration for r in val[:4]]
    assert batch["duration"].tolist() == durations
    assert (batch["windows"][:, 0] == batch["segments"]).all()
    info = dm.dataset_info()
    assert info["clip_length"] == 1.0 and info["max_duration"] == 8.0
    # one frame per 1-s clip: lengths differ, padding is masked
    per_clip = WorldDataModule(train_size=2, val_size=4, test_size=1, batch_size=4,
                               grounding=True, min_world_frames=24, sampling="clip_length",
                               num_frames=8).connect({**PREPROCESS, "num_frames": 8})
    batch = next(iter(per_clip.val_dataloader()))
    lengths = batch["valid"].sum(1).tolist()
    assert batch["video"].shape[1] == max(lengths) <= 8 and min(lengths) >= 3
    assert (batch["video"][~batch["valid"]] == 0).all()


def test_tracking_protocol_keeps_novel_shapes_out_of_training():
    dm = WorldDataModule(train_size=30, val_size=30, test_size=2, batch_size=4,
                         tracking=True).connect(PREPROCESS)
    info = dm.dataset_info()
    assert info["categories"] == ["circle", "square", "triangle", "diamond", "cross", "star", "ring"]
    assert info["novel_categories"] == ["star", "ring"] and info["novel_category_ids"] == [5, 6]
    assert info["category_novel"] == [False] * 5 + [True] * 2
    train_shapes = {t.category for r in dm.records("train") for t in r.tracks}
    val_tracks = [t for r in dm.records("val") for t in r.tracks]
    assert train_shapes and not train_shapes & {"star", "ring"}  # absent, not just unlabelled
    assert {t.category for t in val_tracks} & {"star", "ring"}
    assert all(t.novel == (t.category in ("star", "ring")) for t in val_tracks)
    train_actions = {r.label_name for r in dm.records("train")}
    assert train_actions & {"move_down", "shrink"}  # actions are not restricted
    tracks = next(iter(dm.val_dataloader()))["tracks"][0]
    assert tracks["novel"].dtype == torch.bool and tracks["category_ids"].dtype == torch.long
    assert tracks["categories"] == [info["categories"][i] for i in tracks["category_ids"].tolist()]


def test_train_flip_reaches_the_transform():
    dm = WorldDataModule(train_size=2, val_size=1, test_size=1, train_flip=True).connect(PREPROCESS)
    dm.setup("fit")
    assert dm.datasets["train"].transform.flip and not dm.datasets["val"].transform.flip
    assert not WorldDataModule().train_flip
    with pytest.raises(ValueError, match="min_world_frames"):
        WorldDataModule(min_world_frames=8)


def test_grounding_items_are_not_appearance_labelled():
    with pytest.raises(ValueError, match="event queries"):
        WorldDataModule(grounding=True, label="appearance")
