"""ActivityNet Captions as exported from the world (``zoo.data.world.export.activitynet_captions``):
``train.json`` / ``val_1.json`` / ``val_2.json`` and the id lists, read back through
``parse_activitynet_captions`` (no hole to fix: ``on_invalid="raise"`` passes) and
``ActivityNetCaptionsDataModule`` in both granularities — and, on event videos, one sentence per
event with the later ones starting with a space, as released."""

import json

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import ActivityNetCaptionsDataModule
from zoo.data.formats.activitynet_captions import (parse_activitynet_captions,
                                                   read_activitynet_ids)
from zoo.data.world.export import export_world
from zoo.data.world.export.common import clip_events, sentence
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
EVENTS = WorldConfig(num_frames=48, height=32, width=32, fps=8.0, min_events=2, max_events=3)
SIZES = {"train": 3, "val": 2, "test": 2}
FILES = {"train": "train.json", "val": "val_1.json", "test": "val_2.json"}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


def exported(tmp_path_factory, config):
    out = tmp_path_factory.mktemp("anet")
    manifest = export_world(out, formats=["activitynet_captions"], sizes=SIZES, seed=9,
                            config=config)
    worlds = {split: SyntheticWorld(split, n, config, seed=9) for split, n in SIZES.items()}
    owner = {c["ids"]["activitynet_captions"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "activitynet_captions", owner, worlds


@pytest.mark.parametrize("config", [CONFIG, EVENTS], ids=["clips", "events"])
def test_sentences_segments_and_ids(tmp_path_factory, config):
    root, owner, worlds = exported(tmp_path_factory, config)
    for split, name in FILES.items():
        raw = json.loads((root / "captions" / name).read_text())
        records = parse_activitynet_captions(root / "captions" / name, granularity="sentence",
                                             on_invalid="raise")
        expected = []
        for i in range(SIZES[split]):
            clip = worlds[split].clip(i)
            vid = next(v for v, o in owner.items() if o == (split, i))
            assert isinstance(raw[vid]["duration"], float)
            assert all(s.startswith(" ") == (k > 0) for k, s in enumerate(raw[vid]["sentences"]))
            expected.extend((vid, sentence(e.captions[0]), e.segment) for e in clip_events(clip))
        assert [(r.video_id, r.query) for r in records] == [(v, q) for v, q, _ in expected]
        for record, (_, _, segment) in zip(records, expected):
            assert record.segments[0] == pytest.approx(segment, abs=0.005)
            assert record.duration == config.duration
    ids = read_activitynet_ids(root / "captions" / "val_ids.json")
    assert sorted(owner[v][0] for v in ids) == ["test"] * 2 + ["val"] * 2


def test_datamodule_batches(tmp_path_factory):
    root, owner, worlds = exported(tmp_path_factory, CONFIG)
    paragraph = ActivityNetCaptionsDataModule(root, batch_size=2).connect(PREPROCESS)
    batch = next(iter(paragraph.test_dataloader()))  # paragraph protocol: test = val_1
    assert [owner[v][0] for v in batch["video_id"]] == ["val", "val"]
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, vid in enumerate(batch["video_id"]):
        split, index = owner[vid]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
        assert batch["captions"][i] == [sentence(worlds[split].clip(index).captions[0])]
    grounding = ActivityNetCaptionsDataModule(root, granularity="sentence",
                                              batch_size=2).connect(PREPROCESS)
    batch = next(iter(grounding.test_dataloader()))  # sentence protocol: test = val_2
    for i, vid in enumerate(batch["video_id"]):
        split, index = owner[vid]
        assert split == "test"
        assert batch["segments"][i].tolist() == pytest.approx(worlds[split].clip(index).segment,
                                                              abs=0.005)
