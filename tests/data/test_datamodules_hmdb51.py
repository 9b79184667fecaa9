"""HMDB51 datamodule end to end on tiny clips: the official split files pick train / test,
labels follow the sorted class names, val = test, and the exact frames reach the batch."""

from __future__ import annotations

import numpy as np

from zoo.data.benchmarks import HMDB51DataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}


def clip(path, level):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".mp4")
    write_video(tmp, np.full((4, 32, 32, 3), level, np.uint8), fps=4)
    tmp.rename(path)


def test_hmdb51_batches(tmp_path):
    splits = tmp_path / "testTrainMulti_7030_splits"
    splits.mkdir()
    (splits / "wave_test_split1.txt").write_text("w_a.avi 1 \nw_b.avi 2 \nw_c.avi 0 \n")
    (splits / "clap_test_split1.txt").write_text("c_a.avi 2 \nc_b.avi 1 \n")
    for cls, name, level in (("wave", "w_a", 10), ("wave", "w_b", 20), ("clap", "c_a", 30),
                             ("clap", "c_b", 40)):
        clip(tmp_path / "hmdb51_org" / cls / f"{name}.avi", level)
    dm = HMDB51DataModule(tmp_path, batch_size=2, video_backend="pyav").connect(PREPROCESS)
    assert dm.dataset_info() == {"class_names": ["clap", "wave"]}
    assert [r.video_id for r in dm.records("val")] == [r.video_id for r in dm.records("test")]
    batch = next(iter(dm.test_dataloader()))
    assert batch["video_id"] == ["c_a", "w_b"] and batch["label"].tolist() == [0, 1]
    assert [int(v.flatten()[0]) for v in (batch["video"] * 255).round()] == [30, 20]
    assert sorted(r.video_id for r in dm.records("train")) == ["c_b", "w_a"]
