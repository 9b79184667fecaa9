"""HC-STVG datamodule end to end: the world exported as HC-STVG v1 and v2 read back through
``HCSTVGDataModule`` (videos found in their part folders, sentences, moments, the actor's boxes in
the squashed model input), a real-structure v1 excerpt over a synthetic video, and the errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import HCSTVGDataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.video import write_video
from zoo.data.world.export import export_world
from zoo.data.world.export.common import clip_events, frames_in, pixel_box, sentence
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=16, height=32, width=48, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 16, "num_frames": 16}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("hcstvg_dm")
    manifest = export_world(out, formats=["hcstvg"], sizes=SIZES, seed=21, config=CONFIG)
    owner = {c["ids"]["hcstvg"]: (c["split"], c["index"]) for c in manifest["clips"]}
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=21) for split, n in SIZES.items()}
    return out / "hcstvg", owner, worlds


@pytest.mark.parametrize("version, split, world_split", [(1, "train", "train"), (1, "val", "test"),
                                                         (1, "test", "test"), (2, "train", "train"),
                                                         (2, "val", "val"), (2, "test", "val")])
def test_splits_read_the_right_files(export, version, split, world_split):
    root, owner, _ = export
    dm = HCSTVGDataModule(root, version=version, video_seconds=CONFIG.duration)
    records = dm.records(split)
    assert sorted(owner[r.video_id] for r in records) == [(world_split, i) for i in
                                                          range(SIZES[world_split])]
    assert all(r.path.count("/") == 1 for r in records)  # "<part>/<name>.mp4" under video/
    assert all((root / "video" / r.path).is_file() for r in records)


@pytest.mark.parametrize("version", [1, 2])
def test_items_carry_sentence_moment_and_squashed_boxes(export, version):
    root, owner, worlds = export
    dm = HCSTVGDataModule(root, version=version, video_seconds=CONFIG.duration,
                          video_backend="pyav").connect(PREPROCESS)
    dataset = dm.make_dataset("val")
    for k in range(len(dataset)):
        sample, record = dataset[k], dataset.record(k)
        clip = worlds[owner[record.video_id][0]].clip(owner[record.video_id][1])
        event = clip_events(clip)[0]
        assert sample["query"] == sentence(event.captions[0])
        assert sample["segments"].tolist() == pytest.approx(list(event.segment), abs=1e-6)
        # 16 of 16 frames: every frame; squashed from 48x32 to 16x16
        frames = frames_in(event.segment, CONFIG.fps, CONFIG.num_frames)
        assert sample["frame_mask"].nonzero().flatten().tolist() == frames
        scale = torch.tensor([16 / 48, 16 / 32, 16 / 48, 16 / 32])
        expected = torch.tensor([pixel_box(clip.actor_object.boxes[f]) for f in frames]) * scale
        torch.testing.assert_close(sample["boxes"][sample["frame_mask"]], expected.float())


def test_squash_is_the_default_and_shortest_keeps_the_backbone_rule(export):
    root = export[0]
    squash = HCSTVGDataModule(root, video_seconds=2.0).connect(PREPROCESS)
    assert squash.preprocess["resize_mode"] == "squash"
    shortest = HCSTVGDataModule(root, video_seconds=2.0, resize_mode="shortest").connect(PREPROCESS)
    assert "resize_mode" not in shortest.preprocess
    with pytest.raises(ValueError, match="resize_mode"):
        HCSTVGDataModule(root, resize_mode="crop")
    with pytest.raises(ValueError, match="version"):
        HCSTVGDataModule(root, version=3)


# a real v1 entry (structure of tzhhhh123/HC-STVG test.json: one line, key = file name, xywh boxes
# from the 1-based st_frame) over a 10-frame synthetic video: 20 s at img_num / 20 = 0.5 fps
REAL_V1 = ('{"7_Qw-Er_Ty0uI.mp4": {"bbox": [[10, 8, 20, 12], [12, 8, 20, 12], [14, 8, 20, 12]], '
           '"st_time": 8.0, "ed_time": 14.0, "img_num": 10, "caption": "The old man turns '
           'around and walks to the door.", "width": 64, "height": 32, "st_frame": 5}}')


def test_real_structure_excerpt(tmp_path):
    (tmp_path / "anno").mkdir()
    (tmp_path / "anno" / "test.json").write_text(REAL_V1)
    (tmp_path / "video" / "3").mkdir(parents=True)
    write_video(tmp_path / "video" / "3" / "7_Qw-Er_Ty0uI.mp4",
                np.arange(10, dtype=np.uint8)[:, None, None, None].repeat(32, 1).repeat(64, 2)
                .repeat(3, 3) * 20, fps=0.5)
    dm = HCSTVGDataModule(tmp_path, batch_size=1, video_backend="pyav").connect(
        {**PREPROCESS, "size": 32, "num_frames": 10})
    batch = next(iter(dm.test_dataloader()))
    assert batch["query"] == ["The old man turns around and walks to the door."]
    assert batch["frame_times"][0].tolist() == [2.0 * k for k in range(10)]
    # 1-based st_frame 5 -> frames 4, 5, 6 (8, 10, 12 s); the moment is [8, 14) s
    assert batch["frame_mask"][0].nonzero().flatten().tolist() == [4, 5, 6]
    assert batch["segments"][0].tolist() == [8.0, 14.0]
    # xywh [10, 8, 20, 12] on 64x32, squashed to 32x32: x halves, y stays
    assert batch["boxes"][0, 4].tolist() == [5.0, 8.0, 15.0, 20.0]


def test_missing_and_ambiguous_videos_and_an_empty_file(tmp_path):
    (tmp_path / "anno").mkdir()
    (tmp_path / "anno" / "test.json").write_text(REAL_V1)
    (tmp_path / "video").mkdir()
    with pytest.raises(FileNotFoundError, match="no video of this split"):
        HCSTVGDataModule(tmp_path).records("test")
    for part in ("1", "2"):
        (tmp_path / "video" / part).mkdir()
        (tmp_path / "video" / part / "7_Qw-Er_Ty0uI.mp4").write_bytes(b"")
    with pytest.raises(FileExistsError, match="two folders"):
        HCSTVGDataModule(tmp_path).records("test")
    (tmp_path / "video" / "2" / "7_Qw-Er_Ty0uI.mp4").unlink()
    (tmp_path / "anno" / "test.json").write_text(json.dumps({}))
    with pytest.raises(AnnotationError, match="has no record") as info:
        HCSTVGDataModule(tmp_path).records("test")
    assert info.value.file == str(tmp_path / "anno" / "test.json")
