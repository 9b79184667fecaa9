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
