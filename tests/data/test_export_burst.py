"""BURST as exported from the world (``zoo.data.world.export.burst``): one JSON per split with a
COCO RLE mask per visible object and frame (the world's box as a filled rectangle), read back
through ``parse_burst`` (no datamodule reads frame folders yet); the frames are TAO's,
hard-linked when both are exported, and exact."""

import json
import os

import numpy as np
import pytest

from zoo.data.formats.burst import parse_burst
from zoo.data.world.export import export_world
from zoo.data.world.export.burst import BURST_FILES, burst_mask_box
from zoo.data.world.export.media import read_png
from zoo.data.world.synthetic import SHAPES, SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=48, fps=8.0)
SIZES = {"train": 2, "val": 2, "test": 1}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("burst")
    manifest = export_world(out, formats=["tao", "burst"], sizes=SIZES, seed=17, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=17) for split, n in SIZES.items()}
    return out, manifest, worlds


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_sequences_masks_and_frames(export, split):
    out, manifest, worlds = export
    root = out / "burst"
    owner = {c["ids"]["burst"]: (c["split"], c["index"]) for c in manifest["clips"]}
    doc = json.loads((root / "annotations" / BURST_FILES[split]).read_text())
    assert doc["split"] == split and "frequency" not in doc["categories"][0]
    records = parse_burst(root / "annotations" / BURST_FILES[split])
    assert [owner[r.video_id] for r in records] == [(split, i) for i in range(SIZES[split])]
    for record in records:
        clip = worlds[split].clip(owner[record.video_id][1])
        assert record.path == f"{split}/{record.video_id}" and record.fps == CONFIG.fps
        assert record.frame_files == [f"frame{k + 1:04d}.png" for k in range(CONFIG.num_frames)]
        assert sorted(record.negative_categories) == sorted(
            set(SHAPES) - {o.shape for o in clip.objects})
        assert [(t.track_id, t.category) for t in record.tracks] == [
            (o.track_id, o.shape) for o in clip.objects]
        for track, obj in zip(record.tracks, clip.objects):
            assert track.frames == np.flatnonzero(obj.visible).tolist()
            assert track.boxes == [burst_mask_box(obj.boxes[f], CONFIG.height, CONFIG.width)
                                   for f in track.frames]
        folder = root / "frames" / record.path
        frames = np.stack([read_png(folder / name) for name in record.frame_files])
        assert np.array_equal(frames, worlds[split].render(owner[record.video_id][1]))
        tao = out / next(c["files"]["tao"] for c in manifest["clips"]
                         if c["ids"]["burst"] == record.video_id)
        assert os.path.samefile(tao / "frame0001.png", folder / "frame0001.png")


def test_mask_box_is_the_covering_pixel_rectangle():
    assert burst_mask_box((1.2, 0.0, 3.5, 2.0), 4, 4) == (1, 0, 4, 2)
    assert burst_mask_box((-0.5, 2.5, 9.1, 3.9), 4, 6) == (0, 2, 6, 4)
