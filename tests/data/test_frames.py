"""Frame folders as a ``FrameSource``: exact pixels, name order or listed files, only the
requested images decoded, and every bad input named (missing folder, empty folder, missing or
corrupt image, index out of range, frames of different sizes)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from PIL import Image

from zoo.data.frames import FrameFolder, FrameFolderSource
from zoo.data.records import VideoRecord
from zoo.data.video import FrameSource, VideoDecodeError, VideoNotFoundError


def write_frames(folder, count, size=(6, 8), names="frame{:04d}.png", start=1):
    folder.mkdir(parents=True, exist_ok=True)
    frames = np.zeros((count, *size, 3), np.uint8)
    for k in range(count):
        frames[k] = (10 * k, 255 - k, 3 * k)  # frame k has its own colour
        Image.fromarray(frames[k]).save(folder / names.format(k + start))
    return frames


def test_folder_frames_in_name_order_exactly(tmp_path):
    frames = write_frames(tmp_path / "v", 12)
    (tmp_path / "v" / "notes.txt").write_text("not a frame")
    source = FrameFolder(tmp_path / "v", fps=30)
    assert isinstance(source, FrameSource)
    assert source.num_frames == 12 and source.fps == 30.0
    assert source.files[:2] == ["frame0001.png", "frame0002.png"] and source.files[-1] == "frame0012.png"
    out = source.get_frames([11, 0, 11, 5])
    assert out.dtype == np.uint8 and out.shape == (4, 6, 8, 3)
    assert np.array_equal(out, frames[[11, 0, 11, 5]])


def test_listed_files_define_the_frames(tmp_path):
    frames = write_frames(tmp_path / "v", 5)
    source = FrameFolder(tmp_path / "v", fps=1, files=["frame0005.png", "frame0002.png"])
    assert source.num_frames == 2
    assert np.array_equal(source.get_frames([0, 1]), frames[[4, 1]])


def test_grayscale_images_become_rgb(tmp_path):
    (tmp_path / "g").mkdir()
    Image.fromarray(np.full((4, 4), 77, np.uint8), mode="L").save(tmp_path / "g" / "a.jpg")
    out = FrameFolder(tmp_path / "g", fps=1).get_frames([0])
    assert out.shape == (1, 4, 4, 3) and int(out.max()) - int(out.min()) <= 1


def test_bad_folders_and_images_are_named(tmp_path):
    with pytest.raises(VideoNotFoundError, match="frame folder not found"):
        FrameFolder(tmp_path / "nowhere", fps=1).get_frames([0])
    (tmp_path / "empty").mkdir()
    with pytest.raises(VideoDecodeError, match="holds no image"):
        FrameFolder(tmp_path / "empty", fps=1).get_frames([0])
    write_frames(tmp_path / "v", 3)
    with pytest.raises(VideoDecodeError, match="frame 3 requested but the video has 3 frames"):
        FrameFolder(tmp_path / "v", fps=1).get_frames([3])
    with pytest.raises(VideoNotFoundError, match="gone.png"):
        FrameFolder(tmp_path / "v", fps=1, files=["gone.png"]).get_frames([0])
    (tmp_path / "v" / "frame0004.png").write_bytes(b"not a png")
    with pytest.raises(VideoDecodeError, match="frame0004.png.*does not decode"):
        FrameFolder(tmp_path / "v", fps=1).get_frames([3])
    write_frames(tmp_path / "mixed", 1)
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(tmp_path / "mixed" / "frame0002.png")
    with pytest.raises(VideoDecodeError, match="frame0002.png.*5x5 but earlier frames .* 6x8"):
        FrameFolder(tmp_path / "mixed", fps=1).get_frames([0, 1])
    with pytest.raises(ValueError, match="fps must be positive"):
        FrameFolder(tmp_path / "v", fps=0)


def test_source_reads_records_and_pickles(tmp_path):
    frames = write_frames(tmp_path / "train" / "a", 4)
    source = pickle.loads(pickle.dumps(FrameFolderSource(tmp_path, fps=25)))
    listed = VideoRecord(video_id="a", path="train/a")
    assert source.resolve(listed) == tmp_path / "train" / "a" / "frame0001.png"
    folder = source(listed)
    assert folder.fps == 25 and np.array_equal(folder.get_frames([3]), frames[[3]])
    chosen = VideoRecord(video_id="a", path="train/a", fps=2.0, frame_files=["frame0003.png"])
    assert source.resolve(chosen) == tmp_path / "train" / "a" / "frame0003.png"
    assert source(chosen).fps == 2.0 and source(chosen).num_frames == 1
    assert not source.resolve(VideoRecord(video_id="b", path="train/b")).is_file()  # missing
    with pytest.raises(ValueError, match="states no fps"):
        FrameFolderSource(tmp_path)(listed)
