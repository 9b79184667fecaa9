"""VideoReader over decord and PyAV: exact frames from lossless synthetic MP4s, and every error
names its file."""

from __future__ import annotations

import pickle
import sys
import warnings

import av
import numpy as np
import pytest

from zoo.data.records import VideoRecord
from zoo.data.video import (FrameSource, VideoDecodeError, VideoFileSource, VideoNotFoundError,
                            VideoReader, decord_available, write_video)

BACKENDS = [
    "pyav",
    pytest.param("decord", marks=pytest.mark.skipif(not decord_available(),
                                                     reason="decord is not installed here")),
]


def distinct_frames(num_frames: int, height: int = 48, width: int = 64,
                    seed: int = 0) -> np.ndarray:
    """Random frames, each also stamped with its index in the top-left pixel."""
    frames = np.random.default_rng(seed).integers(0, 256, (num_frames, height, width, 3),
                                                  dtype=np.uint8)
    frames[:, 0, 0, :] = np.arange(num_frames, dtype=np.uint8)[:, None]
    return frames


@pytest.fixture(scope="module")
def lossless(tmp_path_factory):
    """A lossless 24-frame MP4 at 12 fps with a keyframe every 4 frames, and its frames."""
    frames = distinct_frames(24)
    path = write_video(tmp_path_factory.mktemp("video") / "lossless.mp4", frames, fps=12, gop=4)
    return path, frames


@pytest.mark.parametrize("backend", BACKENDS)
def test_exact_frames_at_requested_indices(lossless, backend):
    path, frames = lossless
    with VideoReader(path, backend=backend) as video:
        assert video.backend == backend
        assert (video.num_frames, video.fps, video.height, video.width) == (24, 12.0, 48, 64)
        assert video.duration == pytest.approx(2.0)
        assert len(video) == 24
        for indices in ([0], [5, 0, 23, 5, 12], [3, 4, 5, 6, 7, 8], [23, 22, 1, 9, 17, 9], []):
            got = video.get_frames(indices)
            assert got.dtype == np.uint8 and got.shape == (len(indices), 48, 64, 3)
            np.testing.assert_array_equal(got, frames[indices])


@pytest.mark.parametrize("backend", BACKENDS)
def test_indices_clamped_to_decodable_range(lossless, backend):
    path, frames = lossless
    with VideoReader(path, backend=backend) as video:
        np.testing.assert_array_equal(video.get_frames([-3, 100, 23]), frames[[0, 23, 23]])


def test_backends_agree_on_yuv_with_bframes(tmp_path):
    """Reordered (B-frame) YUV video: both backends number frames alike and decode identically."""
    levels = np.arange(30, dtype=np.uint8) * 8
    frames = np.broadcast_to(levels[:, None, None, None], (30, 48, 64, 3)).copy()
    path = write_video(tmp_path / "bframes.mp4", frames, fps=25, lossless=False, gop=6, bframes=2)
    with av.open(str(path)) as container:  # the fixture really has B-frames
        packets = [p for p in container.demux(video=0) if p.size]
        assert any(p.pts != p.dts for p in packets)
    indices = [29, 3, 3, 14, 0, 7, 21]
    with VideoReader(path, backend="pyav") as video:
        got = video.get_frames(indices)
    assert [round(f.mean() / 8) for f in got] == indices  # each frame is recognisable
    if decord_available():
        with VideoReader(path, backend="decord") as video:
            np.testing.assert_array_equal(video.get_frames(indices), got)


def test_decord_reader_seeks_to_start_after_every_batch(lossless, monkeypatch):
    decord = pytest.importorskip("decord")
    calls = []
    original = decord.VideoReader.seek
    monkeypatch.setattr(decord.VideoReader, "seek",
                        lambda self, pos: calls.append(pos) or original(self, pos))
    path, frames = lossless
    with VideoReader(path, backend="decord") as video:
        video.get_frames([3, 7])
        video.get_frames([20])
    assert calls == [0, 0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_close_releases_the_reader(lossless, backend):
    path, _ = lossless
    video = VideoReader(path, backend=backend)
    assert not video.closed and isinstance(video, FrameSource)
    video.close()
    video.close()  # idempotent
    assert video.closed
    with pytest.raises(ValueError, match="closed"):
        video.get_frames([0])
    with VideoReader(path, backend=backend) as video:
        pass
    assert video.closed


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_file_names_it(tmp_path, backend):
    missing = tmp_path / "nope.mp4"
    with pytest.raises(VideoNotFoundError, match="nope.mp4") as info:
        VideoReader(missing, backend=backend)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, VideoDecodeError)
    assert info.value.path == str(missing)
    with pytest.raises(VideoNotFoundError, match="directory"):
        VideoReader(tmp_path, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_corrupt_file_raises_decode_error_naming_it(tmp_path, backend):
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(VideoDecodeError, match="corrupt.mp4") as info:
        VideoReader(corrupt, backend=backend)
    assert info.value.path == str(corrupt) and info.value.reason


def _zero_frame_video(path):
    """An MKV whose video stream has no frame (only the audio stream has packets)."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264rgb", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "rgb24"
        audio = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate = 16000
        for packet in [*audio.encode(frame), *audio.encode()]:
            container.mux(packet)
    return path


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_frames_raise(tmp_path, backend):
    path = _zero_frame_video(tmp_path / "empty.mkv")
    with pytest.raises(VideoDecodeError, match="empty.mkv") as info:
        VideoReader(path, backend=backend)
    if backend == "pyav":
        assert "zero frames" in info.value.reason


@pytest.fixture(scope="module")
def truncated(tmp_path_factory):
    """A lossless MP4 with its index at the front, cut to 2/3 of its bytes: the index promises
    30 frames, fewer decode."""
    frames = distinct_frames(30, seed=1)
    folder = tmp_path_factory.mktemp("truncated")
    full = write_video(folder / "full.mp4", frames, fps=10, faststart=True)
    data = full.read_bytes()
    cut = folder / "truncated.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    return cut, frames


def test_truncated_file_pyav_replaces_tail_with_last_decodable_frame(truncated):
    path, frames = truncated
    with VideoReader(path, backend="pyav") as video:
        with pytest.warns(UserWarning, match="truncated.mp4"):
            got = video.get_frames([0, 5, 29])
        np.testing.assert_array_equal(got[:2], frames[[0, 5]])
        np.testing.assert_array_equal(got[2], frames[5])  # the last requested frame that decoded
        last = video._decodable - 1
        assert 5 < last < 29
        # later calls clamp to the decodable prefix, silently and exactly
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(video.get_frames([last, 29]), frames[[last, last]])


def test_truncated_file_decord_fails_naming_it_auto_uses_pyav(truncated):
    if not decord_available():
        pytest.skip("decord is not installed here")
    path, frames = truncated
    with pytest.raises(VideoDecodeError, match="truncated.mp4"):
        VideoReader(path, backend="decord")
    with pytest.warns(UserWarning, match="truncated.mp4.*PyAV"):  # "auto" opens it with PyAV
        video = VideoReader(path, backend="auto")
    with video:
        assert video.backend == "pyav"
        np.testing.assert_array_equal(video.get_frames([3]), frames[[3]])


def test_auto_switches_to_pyav_where_decord_fails(tmp_path):
    """decord cannot decode some frame widths (16, 24, 48 px): "auto" reads them with PyAV."""
    if not decord_available():
        pytest.skip("decord is not installed here")
    frames = distinct_frames(6, height=32, width=48)
    path = write_video(tmp_path / "narrow.mp4", frames, fps=6)
    with pytest.raises(VideoDecodeError, match="narrow.mp4"):
        with VideoReader(path, backend="decord") as video:
            video.get_frames([0, 1])
    with VideoReader(path, backend="auto") as video:
        assert video.backend == "decord"
        with pytest.warns(UserWarning, match="narrow.mp4.*PyAV"):
            got = video.get_frames([5, 0, 2])
        assert video.backend == "pyav"
        np.testing.assert_array_equal(got, frames[[5, 0, 2]])
    with VideoReader(path, backend="auto") as video:
        with pytest.warns(UserWarning, match="PyAV"):
            assert (video.height, video.width) == (32, 48)
    truncated_or_corrupt = tmp_path / "corrupt.mp4"
    truncated_or_corrupt.write_bytes(b"\x00" * 2048)
    with pytest.raises(VideoDecodeError, match="corrupt.mp4.*PyAV") as info:
        VideoReader(truncated_or_corrupt, backend="auto")
    assert "decord" in info.value.reason  # both backends' reasons


def test_missing_decord_has_install_message_and_auto_falls_back(lossless, monkeypatch):
    monkeypatch.setitem(sys.modules, "decord", None)  # `import decord` now raises ImportError
    assert not decord_available()
    path, frames = lossless
    with pytest.raises(ImportError, match="pip install decord") as info:
        VideoReader(path, backend="decord")
    assert "x86-64" in str(info.value) and "pyav" in str(info.value)
    with VideoReader(path, backend="auto") as video:
        assert video.backend == "pyav"
        np.testing.assert_array_equal(video.get_frames([7]), frames[[7]])


def test_unknown_backend():
    with pytest.raises(ValueError, match="backend"):
        VideoReader("x.mp4", backend="opencv")


def test_errors_survive_pickling():
    """DataLoader workers send errors across processes."""
    for error in (VideoDecodeError("a.mp4", "broken"), VideoNotFoundError("b.mp4")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error) and copy.path == error.path


def test_file_source_resolves_root_and_extensions(lossless, tmp_path):
    path, frames = lossless
    source = VideoFileSource(root=path.parent, backend="pyav")
    with source(VideoRecord(video_id="v", path=path.name)) as video:
        np.testing.assert_array_equal(video.get_frames([1]), frames[[1]])
    # a .webm name that only exists as .mp4: found through the extension fallback
    fallback = VideoFileSource(root=path.parent, backend="pyav", extensions=[".mkv", ".mp4"])
    assert fallback.resolve(VideoRecord(video_id="v", path="lossless.webm")) == path
    with pytest.raises(VideoNotFoundError, match="other.mp4"):
        source(VideoRecord(video_id="v", path="other.mp4"))
    with pytest.raises(VideoNotFoundError, match="has no video path"):
        source(VideoRecord(video_id="v", source="list.txt:3"))
    # absolute paths ignore the root
    assert VideoFileSource(root=tmp_path).resolve(VideoRecord("v", path=str(path))) == path
    assert pickle.loads(pickle.dumps(source)).root == path.parent
