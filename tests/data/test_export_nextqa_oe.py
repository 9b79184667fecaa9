"""NExT-QA open-ended as exported from the world (``zoo.data.world.export.nextqa_oe``): the
NExT-OE CSVs over the same VidOR-style videos as the multiple-choice export, read back through
``parse_nextqa_oe`` and ``NExTOEDataModule``."""

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import NExTOEDataModule
from zoo.data.formats.nextqa_oe import parse_nextqa_oe
from zoo.data.world.export import NEXTQA_TYPES, export_world
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("nextoe")
    manifest = export_world(out, formats=["nextqa", "nextqa_oe"], sizes=SIZES, seed=11,
                            config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=11) for split, n in SIZES.items()}
    return out, manifest, worlds


def test_questions_and_batches(export):
    out, manifest, worlds = export
    root = out / "nextqa_oe"
    assert all(c["ids"]["nextqa_oe"] == c["ids"]["nextqa"] for c in manifest["clips"])
    owner = {c["ids"]["nextqa_oe"]: (c["split"], c["index"]) for c in manifest["clips"]}
    data = root / "dataset" / "nextqa"
    assert (data / "train.csv").read_text().splitlines()[0] == \
        "video,frame_count,width,height,question,answer,qid,type"
    assert (data / "map_vid_vidorID.json").read_bytes() == \
        (out / "nextqa" / "dataset" / "nextqa" / "map_vid_vidorID.json").read_bytes()
    for split in ("train", "val", "test"):
        records = parse_nextqa_oe(data / f"{split}.csv", video_map=data / "map_vid_vidorID.json",
                                  on_duplicate="raise")
        expected = [(qa.question, qa.answer, NEXTQA_TYPES[qa.question_type])
                    for i in range(SIZES[split]) for qa in worlds[split].clip(i).qa
                    if not qa.choices]
        assert [(r.qa[0].question, r.qa[0].answer, r.qa[0].question_type)
                for r in records] == expected
        assert [r.qa[0].qid for r in records[:5]] == [f"{records[0].video_id}_{k}" for k in range(5)]
    dm = NExTOEDataModule(root, batch_size=5).connect(PREPROCESS)
    batch = next(iter(dm.test_dataloader()))
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, video in enumerate(batch["video_id"]):
        split, index = owner[video]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
    assert batch["answer"] == [qa.answer for qa in worlds["test"].clip(0).qa if not qa.choices]
