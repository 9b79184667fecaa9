"""Video reading: a defensive reader over decord, with a PyAV fallback that returns the same frames.

``VideoReader(path)`` opens one file and decodes **only the requested frames**:

    with VideoReader("clip.mp4") as video:
        frames = video.get_frames([0, 8, 16])      # uint8 [3, H, W, 3], RGB

Everything that yields frames — a file, or a video the synthetic world renders on the fly —
implements the tiny ``FrameSource`` protocol (``num_frames``, ``fps``, ``get_frames``), so datasets
treat both the same way.

Backends
--------
``"decord"``  decord's ``VideoReader`` (x86-64 wheels only), imported lazily so that ``zoo``
              imports without it.
``"pyav"``    PyAV (FFmpeg). It indexes the packets of the file once (demux only, no decoding),
              then decodes from the nearest keyframe before each requested frame, continuing
              forward instead of seeking when no keyframe lies in between.
``"auto"``    decord when it imports, else PyAV; and when decord cannot open or decode a file
              that PyAV can (decord fails on some frame widths, e.g. 16, 24 and 48 pixels),
              the reader switches to PyAV for that file with a ``UserWarning`` naming it.

Both number frames the same way (frame ``i`` is the ``i``-th in presentation order) and convert
to RGB with FFmpeg's swscale, so for the same indices they return identical arrays (tested on
lossless RGB and on YUV 4:2:0 files with B-frames).

Defences against decord's known problems (memory growth, hangs past the decodable frames):

- one reader per call site / dataset item: there is no global reader to share across DataLoader
  workers, and ``close()`` (or the context manager) releases the decoder at once;
- ``seek(0)`` after every ``get_batch`` (dmlc/decord #197);
- indices are **clamped** to ``[0, num_frames - 1]`` before they reach a decoder, so a request
  past the end never reaches decord (dmlc/decord #373); negative indices clamp to 0.
- a file whose index promises more frames than can be decoded (e.g. a truncated download): the
  requested frames from the first undecodable one onwards are replaced by the last requested
  frame that decoded, a ``UserWarning`` names the file, and later calls clamp to the decodable
  prefix. When not even the first requested frame decodes, ``VideoDecodeError`` is raised.
  (decord refuses to open most truncated files at all: that is a ``VideoDecodeError`` too.)

``write_video(path, frames)`` writes frames losslessly with PyAV (test fixtures, exported
synthetic videos).

Errors always name the file: ``VideoNotFoundError`` (missing file; also a ``FileNotFoundError``),
``VideoDecodeError(path, reason)`` for unreadable / corrupt files, a file without a video stream
or with zero frames, and decode failures.
"""

from __future__ import annotations

import os
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Optional, Protocol, Sequence, Union, runtime_checkable

import numpy as np

from zoo.data.video_backends import (VideoDecodeError, VideoNotFoundError, _Backend, _DecordBackend,
                                     _PyAVBackend, _short, decord_available)

__all__ = [
    "FrameSource", "VideoReader", "VideoDecodeError", "VideoNotFoundError", "VideoFileSource",
    "decord_available", "write_video", "BACKENDS",
]

BACKENDS = ("auto", "decord", "pyav")

PathLike = Union[str, os.PathLike]


@runtime_checkable
class FrameSource(Protocol):
    """Anything that yields RGB frames by index: a video file or a generated video.

    ``num_frames``  number of frames that can be requested (indices ``0 .. num_frames - 1``);
    ``fps``         frames per second, so frame ``i`` is at ``i / fps`` seconds;
    ``get_frames``  ``indices`` (any order, repeats allowed) -> uint8 ``[len(indices), H, W, 3]``.

    A source may also have ``close()``; datasets call it when they are done with the item.
    """

    @property
    def num_frames(self) -> int: ...

    @property
    def fps(self) -> float: ...

    def get_frames(self, indices: Sequence[int]) -> np.ndarray: ...


# ------------------------------------------------------------------------------------------------
# The reader
# ------------------------------------------------------------------------------------------------


class VideoReader:
    """One open video file; a ``FrameSource``.

    Args:
        path: the video file.
        backend: ``"auto"`` (decord if importable, else PyAV), ``"decord"`` or ``"pyav"``.
        num_threads: decoder threads. 1 by default: DataLoader workers already run in parallel,
            and decord's automatic thread count multiplies per reader.

    Properties: ``num_frames``, ``fps``, ``duration`` (= ``num_frames / fps`` seconds),
    ``height``, ``width``, ``backend`` (the resolved name), ``path``.
    """

    def __init__(self, path: PathLike, backend: str = "auto", num_threads: int = 1):
        self.path = str(path)
        if backend not in BACKENDS:
            raise ValueError(f"unknown video backend {backend!r}; choose one of {BACKENDS}")
        if not os.path.isfile(self.path):
            reason = "is a directory, not a file" if os.path.isdir(self.path) else "file not found"
            raise VideoNotFoundError(self.path, reason)
        self._num_threads = num_threads
        self._auto = backend == "auto" and decord_available()
        if backend == "auto":
            backend = "decord" if self._auto else "pyav"
        self.backend = backend
        self._impl: Optional[_Backend] = None
        if backend == "pyav":
            self._impl = _PyAVBackend(self.path, num_threads)
        else:
            try:
                self._impl = _DecordBackend(self.path, num_threads)
            except VideoDecodeError as e:
                if not self._auto:
                    raise
                self._fall_back_to_pyav(e.reason)
        self._decodable = self._impl.num_frames  # lowered when the tail turns out undecodable

    def _fall_back_to_pyav(self, reason: str) -> None:
        """``backend="auto"``: decord failed on this file; continue with PyAV (or raise both
        reasons when PyAV fails too)."""
        if self._impl is not None:
            self._impl.close()
            self._impl = None
        try:
            self._impl = _PyAVBackend(self.path, self._num_threads)
        except VideoDecodeError as e:
            raise VideoDecodeError(self.path, f"{reason}; PyAV: {e.reason}") from None
        self.backend, self._auto = "pyav", False
        self._decodable = self._impl.num_frames
        warnings.warn(f"video {self.path}: {reason}; reading it with PyAV instead", stacklevel=3)

    # -- metadata ---------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        """Frames in the container's index (the stream may decode fewer; see module doc)."""
        return self._open().num_frames

    @property
    def fps(self) -> float:
        return self._open().fps

    @property
    def duration(self) -> float:
        """Seconds covered by the frames: ``num_frames / fps``."""
        return self.num_frames / self.fps

    @property
    def height(self) -> int:
        return int(self._shape()[0])

    @property
    def width(self) -> int:
        return int(self._shape()[1])

    def _shape(self) -> tuple[int, int]:
        impl = self._open()
        try:
            return impl.shape()
        except Exception as e:
            reason = e.reason if isinstance(e, VideoDecodeError) else \
                f"cannot read the frame size ({_short(e)})"
        if self._auto:
            self._fall_back_to_pyav(f"decord: {reason}")
            return self._impl.shape()
        raise VideoDecodeError(self.path, reason)

    # -- frames -----------------------------------------------------------------------------
    def get_frames(self, indices: Sequence[int]) -> np.ndarray:
        """Decode the frames at ``indices`` (any order, repeats allowed).

        Returns uint8 ``[len(indices), H, W, 3]`` RGB. Indices are clamped to the decodable range
        (see the module docstring); only the distinct requested frames are decoded.
        """
        impl = self._open()
        wanted = np.asarray(list(indices), dtype=np.int64).reshape(-1)
        if wanted.size == 0:
            height, width = self._shape()
            return np.zeros((0, height, width, 3), np.uint8)
        wanted = np.clip(wanted, 0, self._decodable - 1)
        unique = sorted(set(wanted.tolist()))
        try:
            frames = impl.decode(unique)
        except VideoDecodeError:
            raise
        except Exception as e:
            raise VideoDecodeError(self.path, f"decoding failed ({_short(e)})") from None
        if self._auto and len(frames) < len(unique):
            self._fall_back_to_pyav(f"decord: {impl.failure}")
            return self.get_frames(indices)
        if len(frames) < len(unique):
            if not frames:
                raise VideoDecodeError(self.path, impl.failure or "no requested frame decodes")
            first_bad = unique[len(frames)]
            self._decodable = min(self._decodable, first_bad)
            warnings.warn(
                f"video {self.path}: {impl.failure}; frames {first_bad}.."
                f"{impl.num_frames - 1} are replaced by frame {unique[len(frames) - 1]}, the last "
                "requested one that decoded", stacklevel=2)
            impl.failure = None
            frames += [frames[-1]] * (len(unique) - len(frames))
        position = {index: k for k, index in enumerate(unique)}
        return np.stack([frames[position[min(i, unique[-1])]] for i in wanted.tolist()])

    # -- lifetime ---------------------------------------------------------------------------
    def _open(self) -> _Backend:
        if self._impl is None:
            raise ValueError(f"video reader for {self.path} is closed")
        return self._impl

    @property
    def closed(self) -> bool:
        return self._impl is None

    def close(self) -> None:
        """Release the decoder now (idempotent)."""
        if self._impl is not None:
            self._impl.close()
            self._impl = None

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __len__(self) -> int:
        return self.num_frames

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.num_frames} frames @ {self.fps:g} fps"
        return f"VideoReader({self.path!r}, backend={self.backend!r}, {state})"


class VideoFileSource:
    """``record -> VideoReader``: the ``source`` a ``VideoDataset`` uses for video files.

    ``record.path`` is joined onto ``root`` (absolute paths are kept). When the file is missing
    and ``extensions`` are given, the same name with each of those extensions is tried in order
    (CLIP4Clip's ``.mp4`` → ``.webm`` fallback). A picklable object, not a closure, so that it
    travels to DataLoader workers under any start method.
    """

    def __init__(self, root: Optional[PathLike] = None, backend: str = "auto",
                 extensions: Sequence[str] = (), num_threads: int = 1):
        if backend not in BACKENDS:
            raise ValueError(f"unknown video backend {backend!r}; choose one of {BACKENDS}")
        self.root = Path(root) if root is not None else None
        self.backend = backend
        self.extensions = tuple(extensions)
        self.num_threads = num_threads

    def resolve(self, record) -> Path:
        """The file that holds ``record`` (the first existing candidate, else the primary path)."""
        if not record.path:
            raise VideoNotFoundError(record.video_id, f"record {record.where()} has no video path")
        path = Path(record.path)
        if self.root is not None and not path.is_absolute():
            path = self.root / path
        if not path.is_file():
            for ext in self.extensions:
                candidate = path.with_suffix(ext)
                if candidate.is_file():
                    return candidate
        return path

    def __call__(self, record) -> VideoReader:
        return VideoReader(self.resolve(record), backend=self.backend,
                           num_threads=self.num_threads)


def write_video(path: PathLike, frames: np.ndarray, fps: float = 25, lossless: bool = True,
                gop: Optional[int] = None, bframes: int = 0, faststart: bool = False) -> Path:
    """Write uint8 RGB frames ``[T, H, W, 3]`` to an H.264 MP4 with PyAV.

    ``lossless=True`` encodes RGB losslessly (``libx264rgb``, ``crf=0``): decoding returns the
    exact input, which is what decoding tests and exported synthetic videos need. Otherwise
    ``libx264`` YUV 4:2:0 at ``crf=18`` (H and W must be even). ``gop`` sets the keyframe interval,
    ``bframes`` the B-frames between references (x264 ignores them in lossless mode), and
    ``faststart`` puts the index at the front of the file. Returns the path.
    (torchvision's ``write_video`` no longer exists in our torchvision.)
    """
    import av  # noqa: PLC0415

    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or not len(frames):
        raise ValueError(f"frames must be uint8 [T>0, H, W, 3], got {frames.dtype} {frames.shape}")
    height, width = frames.shape[1:3]
    if not lossless and (height % 2 or width % 2):
        raise ValueError(f"YUV 4:2:0 needs an even frame size, got {height}x{width}")
    path = Path(path)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264rgb" if lossless else "libx264",
                                      rate=Fraction(str(fps)).limit_denominator(100000))
        stream.width, stream.height = int(width), int(height)
        stream.pix_fmt = "rgb24" if lossless else "yuv420p"
        codec_options = {"crf": "0" if lossless else "18",
                         "preset": "ultrafast" if not bframes else "fast"}
        if gop:
            codec_options["g"] = str(gop)
            codec_options["x264-params"] = f"keyint={gop}:min-keyint={gop}:scenecut=0"
        if bframes:
            stream.codec_context.max_b_frames = bframes
            codec_options["bf"] = str(bframes)
        stream.options = codec_options
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
