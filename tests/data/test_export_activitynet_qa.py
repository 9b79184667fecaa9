"""ActivityNet-QA as exported from the world (``zoo.data.world.export.activitynet_qa``): question
and answer files joined by ``question_id``, read back through ``parse_activitynet_qa`` and
``ActivityNetQADataModule``."""

import json

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import ActivityNetQADataModule
from zoo.data.formats.activitynet_qa import parse_activitynet_qa
from zoo.data.world.export import export_world
from zoo.data.world.export.activitynet_qa import ANETQA_TYPE_OF
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("anetqa")
    manifest = export_world(out, formats=["activitynet_qa"], sizes=SIZES, seed=10, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=10) for split, n in SIZES.items()}
    owner = {c["ids"]["activitynet_qa"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "activitynet_qa", owner, worlds


def test_questions_answers_and_batches(export):
    root, owner, worlds = export
    data = root / "dataset"
    first = json.loads((data / "train_q.json").read_text())[0]
    assert list(first) == ["video_name", "question", "question_id"]
    assert first["question_id"] == f"v_{first['video_name']}_0" and "?" not in first["question"]
    for split in ("train", "val", "test"):
        records = parse_activitynet_qa(data / f"{split}_q.json", data / f"{split}_a.json")
        expected = [(qa.question[:-1], qa.answer, str(ANETQA_TYPE_OF[qa.question_type]))
                    for i in range(SIZES[split]) for qa in worlds[split].clip(i).qa
                    if not qa.choices]
        assert [(r.qa[0].question, r.qa[0].answer, r.qa[0].question_type)
                for r in records] == expected
        assert all(owner[r.video_id][0] == split for r in records)
    dm = ActivityNetQADataModule(root, batch_size=5).connect(PREPROCESS)
    assert dm.missing == {} and len(dm.records("train")) == SIZES["train"] * 5
    batch = next(iter(dm.val_dataloader()))
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, video in enumerate(batch["video_id"]):
        split, index = owner[video]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
