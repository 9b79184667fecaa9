"""The decoding backends behind :class:`~zoo.data.video.VideoReader` (decord, with a PyAV
fallback that returns the same frames), and the errors they raise: each names the file.

Each backend opens one file and decodes sorted, unique, in-range indices; ``VideoReader`` does the
bookkeeping (order, repeats, range checks) and picks the backend.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from fractions import Fraction
from typing import Optional, Union

import numpy as np

PathLike = Union[str, os.PathLike]


class VideoDecodeError(RuntimeError):
    """A video file could not be opened or decoded. ``path`` names the file, ``reason`` says why."""

    def __init__(self, path: PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read video {self.path}: {reason}")

    def __reduce__(self):  # keep (path, reason) when the error crosses a worker process
        return (type(self), (self.path, self.reason))


class VideoNotFoundError(VideoDecodeError, FileNotFoundError):
    """The video file does not exist (a ``VideoDecodeError`` and a ``FileNotFoundError``)."""

    def __init__(self, path: PathLike, reason: str = "file not found"):
        VideoDecodeError.__init__(self, path, reason)

    def __str__(self) -> str:  # FileNotFoundError would otherwise format its own message
        return f"cannot read video {self.path}: {self.reason}"


_DECORD_MISSING = (
    "decord is not installed; it reads videos for zoo. Install it with `pip install decord` "
    "(decord publishes x86-64 wheels only: on other machines, e.g. aarch64 / Apple silicon, use "
    "backend='pyav', or backend='auto' which falls back to PyAV)."
)


def _import_decord():
    """Import decord lazily; a clear ImportError when it is missing."""
    try:
        import decord  # noqa: PLC0415 (lazy on purpose)
    except ImportError as e:
        raise ImportError(_DECORD_MISSING) from e
    return decord


def decord_available() -> bool:
    """Whether decord imports on this machine."""
    try:
        _import_decord()
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------------------
# Backends: each opens one file and decodes sorted, unique, in-range indices.
# ------------------------------------------------------------------------------------------------


class _Backend:
    num_frames: int
    fps: float

    def shape(self) -> tuple[int, int]:
        raise NotImplementedError

    def decode(self, indices: list[int]) -> list[np.ndarray]:
        """Sorted unique in-range ``indices`` -> one [H, W, 3] uint8 array per index.

        May return fewer arrays than indices when the file stops decoding (truncation); it then
        returns the frames before the failure and sets ``self.failure`` to the reason.
        """
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _DecordBackend(_Backend):
    def __init__(self, path: str, num_threads: int):
        decord = _import_decord()
        self._decord = decord
        self.failure: Optional[str] = None
        try:
            self._vr = decord.VideoReader(path, ctx=decord.cpu(0), num_threads=num_threads)
        except AssertionError:  # decord asserts on a frame count of 0
            raise VideoDecodeError(path, "the video stream has zero frames") from None
        except Exception as e:  # DECORDError / RuntimeError: unreadable or corrupt
            raise VideoDecodeError(path, f"decord could not open it ({_short(e)})") from None
        self.num_frames = len(self._vr)
        self.fps = float(self._vr.get_avg_fps())
        self._shape: Optional[tuple[int, int]] = None

    def _batch(self, indices: list[int]) -> np.ndarray:
        try:
            out = self._vr.get_batch(indices)
        finally:
            self._vr.seek(0)  # resets decoder state: avoids decord's memory growth (#197)
        # respect whatever bridge the user set globally (native NDArray or torch tensor)
        out = out.asnumpy() if hasattr(out, "asnumpy") else np.asarray(out)
        return np.ascontiguousarray(out, dtype=np.uint8)

    def decode(self, indices: list[int]) -> list[np.ndarray]:
        try:
            batch = self._batch(indices)
            if self._shape is None:
                self._shape = batch.shape[1:3]
            return list(batch)
        except Exception as e:
            first_error = _short(e)
        # The batch failed: decode one at a time to find the first undecodable frame.
        frames: list[np.ndarray] = []
        for i in indices:
            try:
                frames.append(self._batch([i])[0])
            except Exception as e:
                self.failure = f"frame {i} does not decode ({_short(e) or first_error})"
                break
        return frames

    def shape(self) -> tuple[int, int]:
        if self._shape is None:
            self._shape = self._batch([0]).shape[1:3]
        return self._shape

    def close(self) -> None:
        self._vr = None  # decord frees the native reader when the object goes away


class _PyAVBackend(_Backend):
    def __init__(self, path: str, num_threads: int):
        import av  # noqa: PLC0415 (a hard dependency, but keep import time low)

        self._av = av
        self.failure: Optional[str] = None
        try:
            self._container = av.open(path)
        except Exception as e:
            raise VideoDecodeError(path, f"PyAV could not open it ({_short(e)})") from None
        try:
            if not self._container.streams.video:
                raise VideoDecodeError(path, "the file has no video stream")
            self._stream = self._container.streams.video[0]
            if num_threads:
                self._stream.codec_context.thread_count = num_threads
            self._index_packets(path)
        except BaseException:
            self._container.close()
            raise
        self._position = -1  # index of the last frame the decoder produced; -1 = must seek
        self._frames = None  # the live decode generator

    def _index_packets(self, path: str) -> None:
        """Demux (no decoding) to list every frame's pts in presentation order, and keyframes."""
        pts, keys = [], []
        try:
            for packet in self._container.demux(self._stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                pts.append(int(packet.pts))
                keys.append(bool(packet.is_keyframe))
        except self._av.error.FFmpegError:
            pass  # truncated file: keep the packets demuxed so far (decoding may fail later)
        if not pts:
            raise VideoDecodeError(path, "the video stream has zero frames")
        order = np.argsort(pts, kind="stable")
        self._pts = [pts[i] for i in order]
        self._pts_to_index = {p: i for i, p in enumerate(self._pts)}
        self._keyframes = [i for i, o in enumerate(order) if keys[o]] or [0]
        self.num_frames = len(self._pts)
        self.fps = float(self._rate())
        self._container.seek(0)

    def _rate(self) -> Fraction:
        stream = self._stream
        for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
            if rate:
                return Fraction(rate)
        if len(self._pts) > 1:  # no rate in the header: from the mean pts step
            step = (self._pts[-1] - self._pts[0]) / (len(self._pts) - 1)
            return 1 / (step * Fraction(stream.time_base))
        return Fraction(1)

    def shape(self) -> tuple[int, int]:
        ctx = self._stream.codec_context
        return int(ctx.height), int(ctx.width)

    def _keyframe_before(self, index: int) -> int:
        return self._keyframes[max(bisect_right(self._keyframes, index) - 1, 0)]

    def decode(self, indices: list[int]) -> list[np.ndarray]:
        frames: list[np.ndarray] = []
        for target in indices:
            # continue decoding forward unless a keyframe lies between here and the target
            keyframe = self._keyframe_before(target)
            if self._frames is None or not keyframe <= self._position < target:
                self._container.seek(self._pts[target], stream=self._stream, backward=True,
                                     any_frame=False)
                self._frames = self._container.decode(self._stream)
                self._position = -1
            frame = self._decode_until(target)
            if frame is None:
                return frames
            frames.append(frame)
        return frames

    def _decode_until(self, target: int) -> Optional[np.ndarray]:
        try:
            for frame in self._frames:
                index = self._pts_to_index.get(frame.pts)
                if index is None:
                    continue
                self._position = index
                if index == target:
                    return frame.to_ndarray(format="rgb24")
                if index > target:  # the decoder never produced the target's pts
                    self.failure = f"frame {target} was not produced by the decoder"
                    return None
            self.failure = f"the stream ended before frame {target}"
        except self._av.error.FFmpegError as e:
            self.failure = f"frame {target} does not decode ({_short(e)})"
        self._frames, self._position = None, -1
        return None

    def close(self) -> None:
        self._frames = None
        self._container.close()


def _short(e: BaseException, limit: int = 200) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
