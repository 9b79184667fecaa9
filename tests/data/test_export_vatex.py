"""VATEX as exported from the world (``zoo.data.world.export.vatex``): Kinetics-style ``videoID`` s,
10 English captions (the world's 4 repeated in order), read back through ``parse_vatex`` and
``VATEXDataModule``."""

import json
import re

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import VATEXDataModule
from zoo.data.formats.vatex import parse_vatex
from zoo.data.world.export import export_world
from zoo.data.world.export.vatex import VATEX_FILES
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("vatex")
    manifest = export_world(out, formats=["vatex", "kinetics"], sizes=SIZES, seed=8, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=8) for split, n in SIZES.items()}
    return out, manifest, worlds


def test_clips_captions_and_batches(export):
    out, manifest, worlds = export
    root = out / "vatex"
    owner = {c["ids"]["vatex"]: (c["split"], c["index"]) for c in manifest["clips"]}
    assert all(c["ids"]["vatex"] == c["ids"]["kinetics"] for c in manifest["clips"])  # K600 clips
    for split, name in VATEX_FILES.items():
        assert set(json.loads((root / name).read_text())[0]) == {"videoID", "enCap"}
        records = parse_vatex(root / name)
        assert [owner[r.video_id] for r in records] == [(split, i) for i in range(SIZES[split])]
        for record in records:
            captions = worlds[split].clip(owner[record.video_id][1]).captions
            assert re.fullmatch(r"[A-Za-z0-9_-]{11}_\d{6}_\d{6}", record.video_id)
            assert record.captions == (captions * 3)[:10]
    dm = VATEXDataModule(root, batch_size=2).connect(PREPROCESS)
    batch = next(iter(dm.val_dataloader()))
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, video in enumerate(batch["video_id"]):
        split, index = owner[video]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
        assert len(batch["captions"][i]) == 10
    assert dm.missing == {}
