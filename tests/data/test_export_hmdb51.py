"""HMDB51 as exported from the world (``zoo.data.world.export.hmdb51``): the official split
files (``"<video>.avi <flag> "`` lines, one file per class and split) read back through
``parse_hmdb51`` and ``HMDB51DataModule``; the AVI files decode to the rendered frames."""

import re

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import HMDB51DataModule
from zoo.data.formats.hmdb51 import hmdb51_classes, parse_hmdb51
from zoo.data.world.export import export_world
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS, SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 4, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}
CLASSES = sorted(ACTION_PHRASES[a].replace(" ", "_") for a in ACTIONS)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("hmdb51")
    manifest = export_world(out, formats=["hmdb51"], sizes=SIZES, seed=1, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=1) for split, n in SIZES.items()}
    owner = {c["ids"]["hmdb51"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "hmdb51", owner, worlds


def check_frames(batch, owner, worlds):
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, video_id in enumerate(batch["video_id"]):
        split, index = owner[video_id]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames)), video_id


def test_split_files_as_released(export):
    root, owner, worlds = export
    folder = root / "testTrainMulti_7030_splits"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{c}_test_split{k}.txt" for c in CLASSES for k in (1, 2, 3))
    lines = [line for p in folder.glob("*_test_split1.txt") for line in p.read_bytes().split(b"\n")]
    assert sum(1 for line in lines if line) == sum(SIZES.values())
    for line in filter(None, lines):
        assert re.fullmatch(rb"World[A-Za-z]{6}_[a-z_]+_u_nm_np[1-6]_fr_goo_0\.avi [012] ", line)
    assert hmdb51_classes(folder) == CLASSES


@pytest.mark.parametrize("split", [1, 3])
def test_records_carry_the_world_labels(export, split):
    root, owner, worlds = export
    for subset, world_split in (("train", "train"), ("test", "test")):
        records = parse_hmdb51(root / "testTrainMulti_7030_splits", split=split, subset=subset)
        assert sorted(owner[r.video_id] for r in records) == [
            (world_split, i) for i in range(SIZES[world_split])]
        for record in records:
            clip = worlds[world_split].clip(owner[record.video_id][1])
            assert record.label_name == ACTION_PHRASES[clip.action].replace(" ", "_")
            assert record.label == CLASSES.index(record.label_name)
            assert (root / "hmdb51_org" / record.path).is_file()


def test_datamodule_batches_decode_to_the_rendered_frames(export):
    root, owner, worlds = export
    dm = HMDB51DataModule(root, batch_size=4).connect(PREPROCESS)
    assert dm.dataset_info()["class_names"] == [c.replace("_", " ") for c in CLASSES]
    for loader in (dm.train_dataloader(), dm.val_dataloader()):
        batch = next(iter(loader))
        check_frames(batch, owner, worlds)
        names = [ACTION_PHRASES[worlds[owner[v][0]].clip(owner[v][1]).action] for v in batch["video_id"]]
        assert [dm.dataset_info()["class_names"][k] for k in batch["label"].tolist()] == names
    assert {owner[r.video_id][0] for r in dm.records("test")} == {"test"}
