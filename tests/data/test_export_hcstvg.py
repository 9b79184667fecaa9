"""HC-STVG v1 / v2 as exported from the world (``zoo.data.world.export.hcstvg``): the four
annotation files, read back through ``parse_hcstvg`` (``video_seconds`` = the world's clip length:
real HC-STVG videos are all 20 s) and a ``VideoDataset`` over ``video/<part>/<name>.mp4`` (no
HC-STVG datamodule yet): sentence, moment, 1-based ``st_frame`` tube with integer xywh boxes."""

import json

import numpy as np
import pytest

from zoo.data.datasets import VideoDataset
from zoo.data.formats.hcstvg import parse_hcstvg
from zoo.data.sampling import UniformSegmentSampler
from zoo.data.video import VideoFileSource
from zoo.data.world.export import export_world
from zoo.data.world.export.common import clip_events, frames_in, pixel_box, sentence
from zoo.data.world.export.hcstvg import HCSTVG_FILES
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=16, height=32, width=64, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("hcstvg")
    manifest = export_world(out, formats=["hcstvg"], sizes=SIZES, seed=14, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=14) for split, n in SIZES.items()}
    owner = {c["ids"]["hcstvg"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "hcstvg", owner, worlds


def test_files_as_released(export):
    root, owner, worlds = export
    v1 = json.loads((root / "anno" / "train.json").read_text())
    v2 = json.loads((root / "anno" / "trainv2.json").read_text())
    assert (root / "anno" / "train.json").read_text().count("\n") == 1
    assert list(v1) == list(v2) and all(key.endswith(".mp4") for key in v1)
    entry = next(iter(v1.values()))
    assert list(entry) == ["bbox", "st_time", "ed_time", "img_num", "caption", "width", "height",
                           "st_frame"]
    assert list(next(iter(v2.values()))) == ["bbox", "st_time", "ed_time", "img_num", "English",
                                             "img_size", "st_frame"]
    assert all(isinstance(v, int) for box in entry["bbox"] for v in box)


@pytest.mark.parametrize("version, file", list(HCSTVG_FILES))
def test_records_tubes_and_samples(export, version, file):
    root, owner, worlds = export
    split = HCSTVG_FILES[version, file]
    records = parse_hcstvg(root / "anno" / file, version=version, video_seconds=CONFIG.duration)
    assert sorted(owner[r.video_id] for r in records) == [(split, i) for i in range(SIZES[split])]
    for record in records:
        clip = worlds[split].clip(owner[record.video_id][1])
        event = clip_events(clip)[0]
        frames = frames_in(event.segment, CONFIG.fps, CONFIG.num_frames)
        assert record.query == sentence(event.captions[0])
        assert record.segments == [event.segment] and record.fps == CONFIG.fps
        assert record.frame_size == (CONFIG.height, CONFIG.width)
        assert record.tube_frames == frames
        assert record.tube_boxes == [pixel_box(clip.actor_object.boxes[f]) for f in frames]
    files = {p.name: p for p in (root / "video").rglob("*.mp4")}
    for record in records:
        record.path = str(files[record.path])  # TubeDETR: the part folder from the name
    dataset = VideoDataset(records, VideoFileSource(),
                           UniformSegmentSampler(CONFIG.num_frames, train=False), None, train=False)
    sample, record = dataset[0], dataset.record(0)
    clip_split, index = owner[record.video_id]
    assert np.array_equal(sample["video"].permute(0, 2, 3, 1).numpy(),
                          worlds[clip_split].render(index))
    mask = sample["frame_mask"].tolist()
    assert mask == [k in record.tube_frames for k in range(CONFIG.num_frames)]
    boxes = sample["boxes"][sample["frame_mask"]].tolist()
    assert boxes == [list(map(float, b)) for b in record.tube_boxes]
