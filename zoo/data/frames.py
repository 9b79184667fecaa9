"""Videos stored as folders of images (TAO, BURST, LV-VIS ship frames, not video files).

``FrameFolder(folder, fps, files=None)`` is a ``FrameSource`` (``zoo.data.video``): frame ``i``
is ``files[i]`` (relative to ``folder``) when the annotation lists the files, else the ``i``-th
image of the folder in name order (``IMAGE_EXTENSIONS``, case-insensitive). Only the requested
images are decoded (PIL, converted to RGB). ``FrameFolderSource(root, fps)`` gives the
``FrameFolder`` of a record: ``root / record.path`` with ``record.frame_files`` and
``record.fps`` (``fps`` when the record has none).

Errors name the folder or the file (``VideoDecodeError`` / ``VideoNotFoundError``, as video
files do, so datasets raise or skip them under ``on_error``): a missing folder, a folder without
images, a listed file that is missing or does not decode, a frame index outside the folder, and
frames of different sizes within one video.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from zoo.data.video import VideoDecodeError, VideoNotFoundError

__all__ = ["FrameFolder", "FrameFolderSource", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")

PathLike = Union[str, os.PathLike]


def list_images(folder: Path) -> list[str]:
    """The image file names of ``folder`` in name order (``VideoNotFoundError`` when it is not a
    folder)."""
    if not folder.is_dir():
        raise VideoNotFoundError(str(folder), "frame folder not found")
    return sorted(name for name in os.listdir(folder)
                  if Path(name).suffix.lower() in IMAGE_EXTENSIONS and (folder / name).is_file())


class FrameFolder:
    """A folder of images as a ``FrameSource`` (module docstring).

    Args:
        folder: the folder.
        fps: frames per second the indices stand for (frame ``i`` is at ``i / fps`` s).
        files: the image of each frame, relative to ``folder`` (``None``: the folder's images in
            name order, listed when first needed).
    """

    def __init__(self, folder: PathLike, fps: float, files: Optional[Sequence[str]] = None):
        if not fps or fps <= 0:
            raise ValueError(f"frame folder {folder}: fps must be positive, got {fps}")
        self.folder = Path(folder)
        self._fps = float(fps)
        self._files = list(files) if files is not None else None
        self._size: Optional[tuple[int, int]] = None

    @property
    def files(self) -> list[str]:
        if self._files is None:
            self._files = list_images(self.folder)
        return self._files

    @property
    def num_frames(self) -> int:
        return len(self.files)

    @property
    def fps(self) -> float:
        return self._fps

    def path(self, index: int) -> Path:
        """The image file of frame ``index``."""
        files = self.files
        if not files:
            raise VideoDecodeError(str(self.folder), "the frame folder holds no image "
                                   f"({', '.join(IMAGE_EXTENSIONS)})")
        if not 0 <= index < len(files):
            raise VideoDecodeError(str(self.folder), f"frame {index} requested but the video has "
                                   f"{len(files)} frames (0..{len(files) - 1})")
        return self.folder / files[index]

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` as uint8 ``[H, W, 3]`` RGB."""
        path = self.path(index)
        if not path.is_file():
            raise VideoNotFoundError(str(path), "frame image not found")
        try:
            with Image.open(path) as image:
                frame = np.asarray(image.convert("RGB"))
        except (UnidentifiedImageError, OSError, SyntaxError) as e:
            raise VideoDecodeError(str(path), f"the image does not decode ({e})") from None
        if self._size is None:
            self._size = frame.shape[:2]
        elif frame.shape[:2] != self._size:
            raise VideoDecodeError(str(path), f"frame {index} is {frame.shape[0]}x{frame.shape[1]} "
                                   f"but earlier frames of {self.folder} are "
                                   f"{self._size[0]}x{self._size[1]} (height x width)")
        return frame

    def get_frames(self, indices: Sequence[int]) -> np.ndarray:
        """uint8 ``[len(indices), H, W, 3]``; each distinct image is decoded once."""
        indices = [int(i) for i in indices]
        decoded = {i: self.read(i) for i in sorted(set(indices))}
        if not indices:
            return np.zeros((0, 0, 0, 3), np.uint8)
        return np.stack([decoded[i] for i in indices])

    def __repr__(self) -> str:
        count = len(self._files) if self._files is not None else "?"
        return f"FrameFolder({str(self.folder)!r}, {count} frames @ {self._fps:g} fps)"


class FrameFolderSource:
    """``record -> FrameFolder``: the ``source`` of a ``VideoDataset`` over frame folders.

    ``record.path`` (the folder, relative to ``root`` unless absolute), ``record.frame_files``
    (or the folder's images in name order) and ``record.fps`` (or ``fps``). A picklable object,
    so that it travels to DataLoader workers.
    """

    def __init__(self, root: Optional[PathLike] = None, fps: Optional[float] = None):
        self.root = Path(root) if root is not None else None
        self.fps = fps

    def folder(self, record) -> Path:
        if not record.path:
            raise VideoNotFoundError(record.video_id, f"record {record.where()} has no frame folder path")
        path = Path(record.path)
        return self.root / path if self.root is not None and not path.is_absolute() else path

    def resolve(self, record) -> Path:
        """The record's first frame file (what an existence check looks at); the folder itself
        when it has no image."""
        folder = self.folder(record)
        if record.frame_files:
            return folder / record.frame_files[0]
        if not folder.is_dir():
            return folder
        images = list_images(folder)
        return folder / images[0] if images else folder

    def __call__(self, record) -> FrameFolder:
        fps = record.fps or self.fps
        if not fps:
            raise ValueError(f"{record.where()}: the record states no fps and the frame source has "
                             "no default (FrameFolderSource(fps=...))")
        return FrameFolder(self.folder(record), fps, record.frame_files or None)
