"""Kinetics datamodule rough edges: the missing-video error says ``label_folders=true`` when the
video folder holds class folders, and a split with no record raises naming its file instead of
"training on nothing". Tiny lossless MP4s stand in for the clips."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.data.benchmarks import KineticsDataModule, UCF101DataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.video import write_video

HEADER = "label,youtube_id,time_start,time_end,split\n"


def clip(path, level=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    write_video(path, np.full((4, 32, 32, 3), level, np.uint8), fps=4)


@pytest.fixture
def kinetics(tmp_path):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "train.csv").write_text(
        HEADER + "abseiling,aaa,0,10,train\nair drumming,bbb,5,15,train\n")
    (tmp_path / "annotations" / "val.csv").write_text(HEADER)  # header only: no record
    # the videos sit in class folders, as many Kinetics copies ship them
    clip(tmp_path / "train" / "abseiling" / "aaa_000000_000010.mp4", 10)
    clip(tmp_path / "train" / "air_drumming" / "bbb_000005_000015.mp4", 20)
    return tmp_path


def test_missing_videos_in_class_folders_hint_label_folders(kinetics):
    with pytest.raises(FileNotFoundError) as info:
        KineticsDataModule(kinetics).records("train")
    message = str(info.value)
    assert "2 of 2 rows have no video file" in message
    assert "2 sub-folder(s) (abseiling/, air_drumming/" in message
    assert "set label_folders=true" in message
    (kinetics / "annotations" / "val.csv").write_text(HEADER + "abseiling,aaa,0,10,val\n")
    dm = KineticsDataModule(kinetics, label_folders=True, video_backend="pyav", batch_size=2,
                            val_videos="train")
    assert [r.path for r in dm.records("train")] == ["abseiling/aaa_000000_000010.mp4",
                                                     "air_drumming/bbb_000005_000015.mp4"]
    dm.connect({"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2})
    batch = next(iter(dm.train_dataloader()))
    levels = {10: 0, 20: 1}  # each clip's grey level -> its class
    pixels = (batch["video"] * 255).round()
    assert batch["label"].tolist() == [levels[int(v.flatten()[0])] for v in pixels]


def test_flat_folder_without_class_folders_has_no_hint(kinetics):
    (kinetics / "val").mkdir()
    (kinetics / "annotations" / "val.csv").write_text(HEADER + "abseiling,zzz,0,10,val\n")
    with pytest.raises(FileNotFoundError) as info:
        KineticsDataModule(kinetics).records("val")
    assert "label_folders" not in str(info.value)


def test_split_without_records_raises_naming_the_file(kinetics):
    dm = KineticsDataModule(kinetics, label_folders=True)
    with pytest.raises(AnnotationError) as info:
        dm.records("val")
    assert info.value.file == str(kinetics / "annotations" / "val.csv")
    assert "'val' split of KineticsDataModule has no record" in str(info.value)
    root = kinetics / "ucf"
    (root / "ucfTrainTestlist").mkdir(parents=True)
    (root / "ucfTrainTestlist" / "classInd.txt").write_bytes(b"1 ApplyEyeMakeup\r\n")
    (root / "ucfTrainTestlist" / "trainlist01.txt").write_bytes(b"\r\n")  # blank: no data
    with pytest.raises(AnnotationError, match="trainlist01.txt: the 'train' split"):
        UCF101DataModule(root).records("train")
