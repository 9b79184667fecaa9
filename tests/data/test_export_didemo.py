"""DiDeMo as exported from the world (``zoo.data.world.export.didemo``): ``{train,val,test}_data.json``
with four annotators' 5-second chunk indices derived from the world's moments, read back through
``parse_didemo`` and ``DiDeMoDataModule`` (paragraphs and sentences) — on default clips (shorter
than one chunk) and on 12-s event videos (three chunks, two moments each)."""

import json
import re

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import DiDeMoDataModule
from zoo.data.formats.didemo import didemo_seconds, parse_didemo
from zoo.data.world.export import export_world
from zoo.data.world.export.common import clip_events
from zoo.data.world.export.didemo import didemo_times
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
EVENTS = WorldConfig(num_frames=96, height=32, width=32, fps=8.0, min_events=2, max_events=2)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


def exported(tmp_path_factory, config):
    out = tmp_path_factory.mktemp("didemo")
    manifest = export_world(out, formats=["didemo"], sizes=SIZES, seed=7, config=config)
    worlds = {split: SyntheticWorld(split, n, config, seed=7) for split, n in SIZES.items()}
    owner = {c["ids"]["didemo"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "didemo", owner, worlds


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return exported(tmp_path_factory, CONFIG)


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    return exported(tmp_path_factory, EVENTS)


def test_files_as_released(export):
    root, owner, worlds = export
    text = (root / "data" / "train_data.json").read_text()
    assert text.count("\n") == 1 and text.startswith('[{"num_segments": 1, "description": ')
    items = json.loads(text)
    assert list(items[0]) == ["num_segments", "description", "dl_link", "times", "video",
                              "annotation_id"]
    assert all(item["times"] == [[0, 0]] * 4 for item in items)  # clips shorter than 5 s
    assert all(re.fullmatch(r"\d{8}@N0\d_\d{10}_[0-9a-f]{10}\.mp4", v) for v in owner)
    ids = [i["annotation_id"] for s in ("train", "val", "test")
           for i in json.loads((root / "data" / f"{s}_data.json").read_text())]
    assert ids == list(range(sum(SIZES.values()) * 4))


def test_paragraphs_and_batches(export):
    root, owner, worlds = export
    for split in ("train", "val", "test"):
        records = parse_didemo(root / "data" / f"{split}_data.json")
        assert [owner[r.video_id] for r in records] == [(split, i) for i in range(SIZES[split])]
        assert [r.captions for r in records] == [
            [" ".join(worlds[split].clip(i).captions)] for i in range(SIZES[split])]
    dm = DiDeMoDataModule(root, batch_size=2).connect(PREPROCESS)
    batch = next(iter(dm.train_dataloader()))
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, video in enumerate(batch["video_id"]):
        split, index = owner[video]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
    assert dm.missing == {}


def test_sentence_moments_of_event_videos(events):
    root, owner, worlds = events
    chunks = set()
    for split in ("train", "val", "test"):
        records = parse_didemo(root / "data" / f"{split}_data.json", granularity="sentence")
        expected = []
        for i in range(SIZES[split]):
            clip = worlds[split].clip(i)
            for event in clip_events(clip):
                times = didemo_times(event.segment, clip.duration)
                chunks.add(tuple(times[0]))
                assert times[0][0] * 5 <= event.segment[0] and event.segment[1] <= (times[0][1] + 1) * 5
                expected.extend((clip.video_id, c, didemo_seconds(*times[0])) for c in event.captions)
        got = [(worlds[owner[r.video_id][0]].clip(owner[r.video_id][1]).video_id, r.query,
                r.segments[0]) for r in records]
        assert got == expected  # the majority moment comes first
    assert len(chunks) > 1 and max(e for _, e in chunks) <= 2  # 12-s videos: chunks 0-2
    dm = DiDeMoDataModule(root, granularity="sentence", batch_size=3).connect(PREPROCESS)
    batch = next(iter(dm.val_dataloader()))
    assert batch["segments"].shape == (3, 2) and batch["query"][0] == dm.records("val")[0].query
