"""MSVD-QA as exported from the world (``zoo.data.world.export.msvd_qa``): ``*_qa.json`` with
``vid<N>`` numbers, ``youtube_mapping.txt`` and ``video/vid<N>.avi``, read back through
``parse_msrvtt_qa(dataset="msvd")`` and ``MSVDQADataModule`` — also through the mapping onto the
MSVD export's ``YouTubeClips``."""

import json

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import MSVDQADataModule
from zoo.data.formats.msrvtt_qa import parse_msrvtt_qa
from zoo.data.world.export import export_world
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 1, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("msvd_qa")
    manifest = export_world(out, formats=["msvd", "msvd_qa"], sizes=SIZES, seed=6, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=6) for split, n in SIZES.items()}
    owner = {c["ids"]["msvd_qa"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out, owner, worlds


def test_questions_answers_and_batches(export):
    out, owner, worlds = export
    root = out / "msvd_qa"
    assert set(json.loads((root / "train_qa.json").read_text())[0]) == {
        "answer", "id", "question", "video_id"}
    for split in ("train", "val", "test"):
        records = parse_msrvtt_qa(root / f"{split}_qa.json", dataset="msvd")
        expected = [(f"vid{n}", qa.question, qa.answer)
                    for n, (s, i) in sorted((int(v[3:]), o) for v, o in owner.items()) if s == split
                    for qa in worlds[s].clip(i).qa if not qa.choices]
        assert [(r.video_id, r.qa[0].question, r.qa[0].answer) for r in records] == expected
        assert [r.qa[0].qid for r in records] == [str(k) for k in range(len(records))]
    dm = MSVDQADataModule(root, batch_size=5).connect(PREPROCESS)
    through_mapping = MSVDQADataModule(root, youtube_mapping="youtube_mapping.txt",
                                       video_dir=str(out / "msvd" / "YouTubeClips"),
                                       batch_size=5).connect(PREPROCESS)
    for module in (dm, through_mapping):
        batch = next(iter(module.test_dataloader()))
        pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
        for i, vid in enumerate(batch["video_id"]):
            split, index = owner[vid]
            frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
            assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
    assert through_mapping.records("val")[0].path.endswith(".avi")
    assert dm.records("val")[0].path == "vid1201.avi"
