"""VidSTG datamodule end to end: the world's event videos exported as VidSTG + VidOR files, read
back through ``VidSTGDataModule`` — one item per sentence of either kind, the VidOR folder of each
split, the sentence kinds as ``query_types`` for the task, segments relative to the used segment,
the target's boxes in the squashed model input — and a real-structure excerpt with a trimmed used
segment."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import VidSTGDataModule
from zoo.data.video import write_video
from zoo.data.world.export import export_world
from zoo.data.world.export.common import clip_events, frames_in, pixel_box
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

EVENTS = WorldConfig(num_frames=24, height=32, width=32, fps=8.0, min_events=2, max_events=2)
SIZES = {"train": 2, "val": 1, "test": 1}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 16, "num_frames": 24}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("vidstg_dm")
    manifest = export_world(out, formats=["vidstg"], sizes=SIZES, seed=22, config=EVENTS)
    owner = {c["ids"]["vidstg"]: (c["split"], c["index"]) for c in manifest["clips"]}
    worlds = {split: SyntheticWorld(split, n, EVENTS, seed=22) for split, n in SIZES.items()}
    return out / "vidstg", owner, worlds


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_sentences_of_both_kinds_per_split(export, split):
    root, owner, worlds = export
    dm = VidSTGDataModule(root)
    records = dm.records(split)
    assert {owner[r.video_id] for r in records} == {(split, i) for i in range(SIZES[split])}
    kinds = {r.query_type for r in records}
    assert kinds == {"declarative", "interrogative"}
    assert dm.dataset_info() == {"query_types": ["declarative", "interrogative"]}
    only = VidSTGDataModule(root, sentences=["interrogative"])
    assert {r.query_type for r in only.records(split)} == {"interrogative"}
    assert only.dataset_info() == {"query_types": ["interrogative"]}


def test_items_carry_the_target_tube_in_the_squashed_input(export):
    root, owner, worlds = export
    dm = VidSTGDataModule(root, sentences=["declarative"], video_backend="pyav").connect(PREPROCESS)
    dataset = dm.make_dataset("test")
    seen = 0
    for k in range(len(dataset)):
        sample, record = dataset[k], dataset.record(k)
        clip = worlds["test"].clip(owner[record.video_id][1])
        event = next(e for e in clip_events(clip) if sample["query"] in [f"{c}." for c in e.captions])
        frames = frames_in(event.segment, EVENTS.fps, EVENTS.num_frames)
        assert sample["query_type"] == "declarative"
        # temporal_gt [first, last + 1) frames, in seconds
        assert sample["segments"].tolist() == pytest.approx(
            [frames[0] / EVENTS.fps, (frames[-1] + 1) / EVENTS.fps])
        assert sample["frame_mask"].nonzero().flatten().tolist() == frames
        target = next(o for o in clip.objects if o.track_id == event.track_id)
        expected = torch.tensor([pixel_box(target.boxes[f]) for f in frames]) / 2  # 32 -> 16
        torch.testing.assert_close(sample["boxes"][sample["frame_mask"]], expected.float())
        seen += 1
    clip = worlds["test"].clip(0)
    assert seen == sum(len(e.captions) for e in clip_events(clip)) >= 4  # 2 events, >= 2 each


def test_real_structure_excerpt_with_a_trimmed_used_segment(tmp_path):
    """Structure of Guaranteer/VidSTG-Dataset val_annotations.json + a VidOR file (see
    tests/data/test_formats_vidstg.py); 12 frames at 2 fps, used segment frames 2..9."""
    vid = "5550001234"
    trajectories = [[{"tid": 0, "bbox": {"xmin": 4 + f, "ymin": 8, "xmax": 20 + f, "ymax": 24},
                      "generated": 0, "tracker": "none"}] for f in range(12)]
    vidor = {"version": "VERSION 1.0", "video_id": vid, "video_path": f"0042/{vid}.mp4",
             "frame_count": 12, "fps": 2.0, "width": 32, "height": 32,
             "subject/objects": [{"tid": 0, "category": "adult"}], "trajectories": trajectories,
             "relation_instances": []}
    entry = {"vid": vid, "fps": 2.0, "frame_count": 12,
             "used_segment": {"begin_fid": 2, "end_fid": 9}, "width": 32, "height": 32,
             "subject/objects": [{"tid": 0, "category": "adult"}], "used_relation": {},
             "temporal_gt": {"begin_fid": 4, "end_fid": 7},
             "captions": [{"description": "an adult  walks.", "type": "person", "target_id": 0}],
             "questions": []}
    (tmp_path / "vidor" / "validation" / "0042").mkdir(parents=True)
    (tmp_path / "vidor" / "validation" / "0042" / f"{vid}.json").write_text(json.dumps(vidor))
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "test_annotations.json").write_text(json.dumps([entry]))
    (tmp_path / "video" / "0042").mkdir(parents=True)
    write_video(tmp_path / "video" / "0042" / f"{vid}.mp4",
                np.arange(12, dtype=np.uint8)[:, None, None, None].repeat(32, 1).repeat(32, 2)
                .repeat(3, 3) * 20, fps=2.0)
    dm = VidSTGDataModule(tmp_path, batch_size=1, video_backend="pyav").connect(
        {**PREPROCESS, "size": 32, "num_frames": 8})
    batch = next(iter(dm.test_dataloader()))
    assert batch["query"] == ["an adult walks."] and batch["query_type"] == ["declarative"]
    # used segment frames 2..9 = 1.0-5.0 s; times relative to its start
    assert batch["frame_times"][0].tolist() == [0.5 * k for k in range(8)]
    assert batch["segments"][0].tolist() == [1.0, 2.5]  # temporal_gt [4, 7) -> [2, 3.5) s - 1 s
    assert batch["frame_mask"][0].nonzero().flatten().tolist() == [2, 3, 4]
    assert batch["boxes"][0, 2].tolist() == [8.0, 8.0, 24.0, 24.0]  # frame 4
    assert int(round(float(batch["video"][0, 0, 0, 0, 0] * 255))) == 40  # decoded frame 2
    with pytest.raises(ValueError, match="sentences"):
        VidSTGDataModule(tmp_path, sentences=["imperative"])
