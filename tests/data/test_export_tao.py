"""TAO as exported from the world (``zoo.data.world.export.tao``): COCO-video JSON per split (test
without annotations, as released) and lossless PNG frame folders, read back through ``parse_tao``
(no datamodule reads frame folders yet): every object a track with its category, base / novel
from LVIS frequencies, float xywh boxes in the frames it is visible in; frames exact."""

import json
import re

import numpy as np
import pytest

from zoo.data.formats.tao import parse_tao, tao_categories
from zoo.data.world.export import export_world
from zoo.data.world.export.media import read_png
from zoo.data.world.export.tao import TAO_FILES
from zoo.data.world.synthetic import NOVEL_SHAPES, SHAPES, SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 1}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("tao")
    manifest = export_world(out, formats=["tao"], sizes=SIZES, seed=16, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=16) for split, n in SIZES.items()}
    owner = {c["ids"]["tao"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "tao", owner, worlds


def test_files_categories_and_frames(export):
    root, owner, worlds = export
    doc = json.loads((root / "annotations" / "train.json").read_text())
    assert list(doc) == ["videos", "annotations", "tracks", "images", "info", "categories",
                         "licenses"]
    image = doc["images"][3]
    assert image["file_name"] == f"{image['video']}/frame{image['frame_index'] + 1:04d}.png"
    categories = tao_categories(root / "annotations" / "train.json")
    assert [c.name for c in categories] == list(SHAPES)
    assert [c.name for c in categories if c.novel] == list(NOVEL_SHAPES)
    for name, (split, index) in owner.items():
        assert re.fullmatch(rf"{'val' if split == 'val' else split}/ZooWorld/v_[0-9a-f]{{32}}", name)
        frames = np.stack([read_png(root / "frames" / name / f"frame{k + 1:04d}.png")
                           for k in range(CONFIG.num_frames)])
        assert np.array_equal(frames, worlds[split].render(index))


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_tracks_carry_the_world_objects(export, split):
    root, owner, worlds = export
    records = parse_tao(root / "annotations" / TAO_FILES[split])
    assert [owner[r.video_id] for r in records] == [(split, i) for i in range(SIZES[split])]
    for record in records:
        clip = worlds[split].clip(owner[record.video_id][1])
        assert record.frame_size == (CONFIG.height, CONFIG.width)
        assert sorted(record.negative_categories) == sorted(
            set(SHAPES) - {o.shape for o in clip.objects})
        if split == "test":
            assert record.tracks == []
            continue
        assert [t.category for t in record.tracks] == [o.shape for o in clip.objects]
        assert [t.novel for t in record.tracks] == [o.shape in NOVEL_SHAPES for o in clip.objects]
        for track, obj in zip(record.tracks, clip.objects):
            assert track.frames == np.flatnonzero(obj.visible).tolist()
            assert np.allclose(track.boxes, obj.boxes[track.frames], atol=1e-4)
    ids = [t.track_id for r in records for t in r.tracks]
    assert len(ids) == len(set(ids))  # unique over the file
