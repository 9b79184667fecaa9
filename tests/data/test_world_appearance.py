"""Appearance labels (zoo/data/world/appearance.py): themed scenes whose class -- the shape every
object shares x the background tone -- any single frame decides, beside the motion-defined
action, balanced, from their own seed stream; and the datamodule's ``label="appearance"``."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from zoo.data.world import WorldDataModule
from zoo.data.world.appearance import (APPEARANCE_CLASSES, APPEARANCE_NAMES, TONES,
                                       appearance_name, draw_appearance, plural)
from zoo.data.world.language import VERB_PHRASES
from zoo.data.world.synthetic import ACTIONS, NOVEL_SHAPES, SHAPES, SyntheticWorld, WorldConfig

THEMED = WorldConfig(appearance=True)
PREPROCESS = {"mean": [0.5] * 3, "std": [0.25] * 3, "size": 64, "num_frames": 4}


@pytest.fixture(scope="module")
def world() -> SyntheticWorld:
    return SyntheticWorld("test", size=42, config=THEMED, seed=2)


@pytest.fixture(scope="module")
def clips(world):
    return [world.clip(i) for i in range(len(world))]


def test_classes_names_and_chance():
    assert len(APPEARANCE_CLASSES) == 14 == len(SHAPES) * len(TONES)
    assert APPEARANCE_CLASSES[:2] == (("circle", "dark"), ("circle", "light"))
    assert appearance_name("cross", "light") == "crosses on a light background" == APPEARANCE_NAMES[9]
    assert plural("square") == "squares"
    assert len(set(APPEARANCE_NAMES)) == 14


def test_balanced_in_blocks(clips):
    counts = Counter(c.appearance for c in clips)
    assert sorted(counts) == list(range(14)) and set(counts.values()) == {3}
    for block in range(3):
        assert sorted(c.appearance for c in clips[14 * block:14 * (block + 1)]) == list(range(14))
    allowed = [0, 1, 2, 3]
    assert sorted(draw_appearance(0, "train", i, allowed) for i in range(4)) == allowed
    base = SyntheticWorld("train", size=20, config=WorldConfig(appearance=True, base_only=True))
    drawn = {base.clip(i).appearance_name for i in range(20)}
    assert len(drawn) == 10 and not any(plural(s) in n for n in drawn for s in NOVEL_SHAPES)


def test_a_single_frame_decides_the_class(world, clips):
    for clip in clips:
        theme, tone = APPEARANCE_CLASSES[clip.appearance]
        assert clip.appearance_name == appearance_name(theme, tone)
        assert {o.shape for o in clip.objects} == {theme}  # every object shows the shape
        # any one frame: its median grey (the background) tells the tone
        frame = world.render(clip.index, frames=[clip.index % clip.num_frames])[0]
        level = float(np.median(frame))
        assert (level < 90) == (tone == "dark"), (clip.video_id, tone, level)
    # ... while the action still needs motion, and a round theme never spins
    assert len({c.action for c in clips}) >= 8
    assert not any(c.action == "spin" and APPEARANCE_CLASSES[c.appearance][0] in ("circle", "ring")
                   for c in clips)


def test_appearance_captions_describe_a_frame_not_the_motion(clips):
    verbs = [v.split("{")[0].strip() for phrases in VERB_PHRASES.values() for v in phrases]
    for clip in clips:
        theme, tone = APPEARANCE_CLASSES[clip.appearance]
        assert len(clip.appearance_captions) == 4
        for caption in clip.appearance_captions:
            assert tone in caption and (plural(theme) in caption or len(clip.objects) == 1)
            assert not any(v in caption for v in verbs)
        assert any(all(o.colour in c for o in clip.objects) for c in clip.appearance_captions)


def test_records_switch_label_and_text(world, clips):
    record = world.record(5, label="appearance", text="appearance")
    assert record.label == clips[5].appearance and record.label_name == clips[5].appearance_name
    assert record.captions == clips[5].appearance_captions and record.query == record.captions[0]
    plain = world.record(5)
    assert plain.label == ACTIONS.index(clips[5].action) and plain.captions == clips[5].captions
    with pytest.raises(ValueError, match="appearance=True"):
        SyntheticWorld("test", size=1).record(0, label="appearance")
    with pytest.raises(ValueError, match="label"):
        world.record(0, label="scene")


def test_datamodule_appearance_label():
    dm = WorldDataModule(train_size=14, val_size=4, test_size=2, batch_size=4,
                         label="appearance").connect(PREPROCESS)
    info = dm.dataset_info()
    assert info["class_names"] == list(APPEARANCE_NAMES) == info["appearance_class_names"]
    assert len(info["action_class_names"]) == 10
    assert info["question_groups"]["appearance"] == ["shape", "count"]
    batch = next(iter(dm.val_dataloader()))
    world = dm.world("val")
    assert batch["label"].tolist() == [world.clip(i).appearance for i in range(4)]
    assert batch["captions"][0] == world.clip(0).appearance_captions
    # text="action": appearance labels with the action captions
    mixed = WorldDataModule(train_size=1, val_size=2, test_size=1, label="appearance",
                            text="action").records("val")
    assert mixed[0].captions == world.clip(0).captions
    # zero-shot: the 4 classes of the novel shapes are held out of training
    zs = WorldDataModule(train_size=20, val_size=2, test_size=2, label="appearance", zero_shot=True)
    novel = zs.dataset_info()["novel_classes"]
    assert len(novel) == 4 and all(n.split()[0] in ("stars", "rings") for n in novel)
    assert not {r.label_name for r in zs.records("train")} & set(novel)
    with pytest.raises(ValueError, match="label"):
        WorldDataModule(label="scene")


def test_default_datamodule_keeps_the_action_label():
    dm = WorldDataModule(train_size=2, val_size=2, test_size=1).connect(PREPROCESS)
    assert not dm.world_config.appearance and len(dm.class_names) == 10
    info = dm.dataset_info()
    assert "appearance_class_names" not in info
    assert info["question_groups"] == {"appearance": ["count"],
                                       "motion": ["colour", "shape", "action", "direction"]}
    assert isinstance(next(iter(dm.val_dataloader()))["label"], torch.Tensor)
