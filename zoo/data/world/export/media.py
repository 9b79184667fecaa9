"""The exported clips' media: lossless video files in the containers the benchmarks distribute,
and lossless frame folders.

Every file holds exactly the rendered frames (decoding returns the same uint8 RGB), except GIF
frames of more than 256 colours (``gif_frames``):

- ``.mp4`` / ``.avi``: ``zoo.data.video.write_video`` (H.264 RGB, ``libx264rgb``, ``crf=0``);
- ``.webm``: VP9 lossless in planar RGB (``libvpx-vp9``, ``lossless=1``, ``gbrp``) — WebM holds
  VP8 / VP9 / AV1 only, so Something-Something's ``.webm`` files cannot carry H.264;
- ``.gif``: one palette per frame (GIF allows 256 colours per image): exact when a frame has at
  most 256 distinct colours; otherwise its 256 most frequent colours are kept and every other
  pixel takes the nearest kept colour. The frame delays (whole centiseconds) follow the world's
  frame times;
- frame folders: one PNG per frame (``frame0001.png``, ...) — PNG rather than the ``.jpg`` of TAO
  / BURST, since JPEG is lossy.

``write_media(path, frames, fps)`` picks the encoder from the suffix. The export encodes a clip
once per container and hard-links every other file of that container to it (a copy where the
file system refuses links).
"""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

from zoo.data.video import write_video

__all__ = ["write_media", "write_webm", "write_gif", "gif_frames", "write_frames", "read_png",
           "link", "VIDEO_SUFFIXES", "FRAME_SUFFIX"]

VIDEO_SUFFIXES = (".mp4", ".avi", ".webm", ".gif")
FRAME_SUFFIX = ".png"
_GIF_COLOURS = 256


def link(master: Path, target: Path) -> None:
    """``target`` as a hard link to ``master`` (a copy where links are refused)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(master, target)
    except OSError:
        shutil.copyfile(master, target)


def write_media(path: Path, frames: np.ndarray, fps: float) -> Path:
    """Write ``frames`` (uint8 ``[T, H, W, 3]``) losslessly to ``path``, by its suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix in (".mp4", ".avi"):
        return write_video(path, frames, fps=fps, lossless=True)
    if suffix == ".webm":
        return write_webm(path, frames, fps)
    if suffix == ".gif":
        return write_gif(path, frames, fps)
    raise ValueError(f"no lossless writer for {suffix!r} files ({path})")


def write_webm(path: Path, frames: np.ndarray, fps: float) -> Path:
    """VP9 lossless, planar RGB (decodes to the exact input with PyAV and decord)."""
    import av  # noqa: PLC0415

    frames = np.asarray(frames)
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libvpx-vp9", rate=Fraction(str(fps)).limit_denominator(100000))
        stream.width, stream.height = int(frames.shape[2]), int(frames.shape[1])
        stream.pix_fmt = "gbrp"
        stream.codec_context.thread_count = 1  # deterministic output
        stream.options = {"lossless": "1", "deadline": "good", "cpu-used": "8", "row-mt": "0"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _palette(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(colours [K <= 256, 3], index [H, W])`` of one frame (the module doc's rule)."""
    pixels = frame.reshape(-1, 3)
    colours, inverse, counts = np.unique(pixels, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if len(colours) <= _GIF_COLOURS:
        return colours, inverse.reshape(frame.shape[:2])
    keep = np.sort(np.argsort(-counts, kind="stable")[:_GIF_COLOURS])
    kept = colours[keep].astype(np.int64)
    distance = ((colours.astype(np.int64)[:, None, :] - kept[None]) ** 2).sum(-1)
    nearest = np.argmin(distance, axis=1)  # every colour -> its nearest kept one (kept -> itself)
    return colours[keep], nearest[inverse].reshape(frame.shape[:2])


def gif_frames(frames: np.ndarray) -> np.ndarray:
    """The frames as a GIF stores them (the input itself where a frame has <= 256 colours)."""
    out = np.empty_like(np.asarray(frames))
    for k, frame in enumerate(np.asarray(frames)):
        colours, index = _palette(frame)
        out[k] = colours[index]
    return out


def write_gif(path: Path, frames: np.ndarray, fps: float) -> Path:
    """An animated GIF, one palette per frame, frame ``k`` shown at ``round(100 k / fps)`` cs."""
    import av  # noqa: PLC0415

    frames = np.asarray(frames)
    with av.open(str(path), "w", format="gif") as container:
        stream = container.add_stream("gif", rate=Fraction(str(fps)).limit_denominator(100000))
        stream.width, stream.height = int(frames.shape[2]), int(frames.shape[1])
        stream.pix_fmt = "pal8"
        stream.time_base = Fraction(1, 100)
        for k, frame in enumerate(frames):
            colours, index = _palette(frame)
            palette = np.zeros((256, 4), np.uint8)  # ARGB, every entry opaque
            palette[:, 0] = 255
            palette[:len(colours), 1:] = colours
            image = av.VideoFrame.from_ndarray((index.astype(np.uint8), palette), format="pal8")
            image.pts, image.time_base = round(100 * k / fps), Fraction(1, 100)
            for packet in stream.encode(image):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_frames(folder: Path, names: Sequence[str], frames: np.ndarray) -> list[Path]:
    """One lossless PNG per frame: ``folder / names[i]`` holds frame ``i``."""
    import av  # noqa: PLC0415

    frames = np.asarray(frames)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in zip(names, frames):
        codec = av.CodecContext.create("png", "w")
        codec.width, codec.height = int(frame.shape[1]), int(frame.shape[0])
        codec.pix_fmt = "rgb24"
        codec.time_base = Fraction(1, 1)
        packets = codec.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")) + codec.encode(None)
        path = folder / name
        path.write_bytes(b"".join(bytes(p) for p in packets))
        paths.append(path)
    return paths


def read_png(path: Path) -> np.ndarray:
    """A PNG written by ``write_frames`` as uint8 ``[H, W, 3]`` (PyAV; for tests and checks)."""
    import av  # noqa: PLC0415

    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")
