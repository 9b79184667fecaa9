"""Something-Something v2 as exported from the world (``zoo.data.world.export.sthv2``): the label
and split JSON files in the released layout, read back through ``parse_sthv2`` and
``SthV2DataModule``; the VP9 ``.webm`` files decode to the rendered frames."""

import json
import re

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import SthV2DataModule
from zoo.data.formats.sthv2 import parse_sthv2, read_sthv2_labels
from zoo.data.world.export import export_world
from zoo.data.world.export.sthv2 import STHV2_TEMPLATES
from zoo.data.world.synthetic import ACTIONS, SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("sthv2")
    manifest = export_world(out, formats=["sthv2"], sizes=SIZES, seed=5, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=5) for split, n in SIZES.items()}
    owner = {c["ids"]["sthv2"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "sthv2", owner, worlds


def check_frames(batch, owner, worlds):
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, video_id in enumerate(batch["video_id"]):
        split, index = owner[video_id]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames)), video_id


def test_files_as_released(export):
    root, owner, worlds = export
    labels = (root / "labels" / "something-something-v2-labels.json").read_text()
    assert labels.startswith('{\n "Moving something from right to left":"0",\n')
    assert labels.endswith('"9"\n}\n') and len(json.loads(labels)) == len(ACTIONS)
    lines = (root / "labels" / "something-something-v2-train.json").read_text().split("\n")
    assert lines[0] == "[" and lines[-2:] == ["]", ""] and len(lines) == SIZES["train"] + 3
    assert re.fullmatch(r'\{"id":"\d+","label":"[^"]+","template":"[^"]+",'
                        r'"placeholders":\["[a-z]+ [a-z]+"\]\},?', lines[1])
    test = json.loads((root / "labels" / "something-something-v2-test.json").read_text())
    assert [set(item) for item in test] == [{"id"}] * SIZES["test"]


def test_records_carry_the_world_labels(export):
    root, owner, worlds = export
    names = read_sthv2_labels(root / "labels" / "something-something-v2-labels.json")
    assert names == [STHV2_TEMPLATES[a].replace("[", "").replace("]", "") for a in ACTIONS]
    for file, split in (("train", "train"), ("validation", "val")):
        path = root / "labels" / f"something-something-v2-{file}.json"
        records = parse_sthv2(path, names)
        assert [owner[r.video_id] for r in records] == [(split, i) for i in range(SIZES[split])]
        for record, item in zip(records, json.loads(path.read_text())):
            clip = worlds[split].clip(owner[record.video_id][1])
            actor = clip.actor_object
            assert record.label == clip.label and record.path == f"{record.video_id}.webm"
            assert item["placeholders"] == [f"{actor.colour} {actor.shape}"]
            assert f"{actor.colour} {actor.shape}" in item["label"] and item["label"][0].islower()
    test = parse_sthv2(root / "labels" / "something-something-v2-test.json", names)
    assert [(owner[r.video_id], r.label) for r in test] == [(("test", i), -1) for i in range(2)]


def test_datamodule_batches_decode_to_the_rendered_frames(export):
    root, owner, worlds = export
    dm = SthV2DataModule(root, batch_size=3).connect(PREPROCESS)
    assert dm.dataset_info()["class_names"][0] == "Moving something from right to left"
    for loader in (dm.train_dataloader(), dm.test_dataloader()):  # test = validation
        batch = next(iter(loader))
        check_frames(batch, owner, worlds)
        truth = [worlds[owner[v][0]].clip(owner[v][1]).label for v in batch["video_id"]]
        assert batch["label"].tolist() == truth
    unlabelled = SthV2DataModule(root, test_json="test", batch_size=2,
                                 video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(unlabelled.test_dataloader()))
    check_frames(batch, owner, worlds)
    assert "label" not in batch  # an unlabelled split (label -1 throughout) has no label key
