"""The generic mmaction2 video-list datamodule (``VideoListDataModule``): space and comma lists,
class names from a file or ``num_classes`` from the labels, val defaulting to the test list, and
an empty list refused."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.data.benchmarks import VideoListDataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}


def test_video_lists(tmp_path):
    for name, level in (("a/x.mp4", 50), ("b/y.mp4", 90)):
        (tmp_path / "videos" / name).parent.mkdir(parents=True, exist_ok=True)
        write_video(tmp_path / "videos" / name, np.full((4, 32, 32, 3), level, np.uint8), fps=4)
    (tmp_path / "train.txt").write_text("a/x.mp4 2\nb/y.mp4 0\n")
    (tmp_path / "test.txt").write_text("b/y.mp4 0\n")
    (tmp_path / "classes.txt").write_text("dive\nrun\njump\n")
    dm = VideoListDataModule(tmp_path, class_names="classes.txt", batch_size=2,
                             video_backend="pyav").connect(PREPROCESS)
    assert dm.dataset_info() == {"class_names": ["dive", "run", "jump"]}
    batch = next(iter(dm.train_dataloader()))
    truth = {"a/x": (2, 50), "b/y": (0, 90)}
    assert [(lab, int(v.flatten()[0])) for lab, v in zip(batch["label"].tolist(),
                                                         (batch["video"] * 255).round())] == [
        truth[v] for v in batch["video_id"]]
    assert [r.video_id for r in dm.records("val")] == ["b/y"]
    (tmp_path / "train.csv").write_text("a/x.mp4,1\n")
    commas = VideoListDataModule(tmp_path, train_list="train.csv", delimiter=",")
    assert commas.dataset_info() == {"num_classes": 2}
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(AnnotationError, match="empty.txt: the 'train' split"):
        VideoListDataModule(tmp_path, train_list="empty.txt").records("train")
