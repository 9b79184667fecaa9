"""HC-STVG v1 / v2 (spatio-temporal video grounding) datamodule.

Files read (``zoo.data.formats.hcstvg``): v1 ``anno/train.json`` + ``anno/test.json``, v2
``anno/trainv2.json`` + ``anno/valv2.json``. Videos: ``video/<part>/<name>.mp4`` — the annotation
names only the file, so the datamodule finds each video's part folder by searching ``video_dir``
(as TubeDETR does). Splits: v1 train = ``train.json``, val **and** test = ``test.json`` (v1 has no
validation file); v2 train = ``trainv2.json``, val **and** test = ``valv2.json`` (v2's test
annotations are not public). One item per video (one sentence each): ``query``, ``segments``
(seconds), the actor's ``boxes`` / ``frame_mask`` in the sampled frames.

Frames are **squashed** to the model's input size by default (``resize_mode="squash"``), not
resized on the short side and centre-cropped as CLIP's own preprocessing does: a crop would cut
the referred person out of the wide HC-STVG frames (and leave tube frames without a box), and
TubeDETR too sees the whole frame. ``resize_mode="shortest"`` keeps the backbone's rule. The
evaluation protocol (TubeDETR: frames at 5 fps, at most 200 per video) becomes the recipe's
``num_frames`` frames sampled uniformly over the 20-s video.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.hcstvg import HCSTVG_SECONDS, parse_hcstvg
from zoo.data.records import VideoRecord

__all__ = ["HCSTVGDataModule", "WholeFrameDataModule", "RESIZE_MODES"]

RESIZE_MODES = ("squash", "shortest")
#: (version, split) -> annotation file under ``annotation_dir``.
HCSTVG_SPLIT_FILES = {(1, "train"): "train.json", (1, "val"): "test.json", (1, "test"): "test.json",
                      (2, "train"): "trainv2.json", (2, "val"): "valv2.json",
                      (2, "test"): "valv2.json"}


class WholeFrameDataModule(BenchmarkDataModule):
    """A benchmark whose frames the model sees whole (``resize_mode="squash"``, the default of
    the grounding datamodules) or as the backbone's preprocessing says (``"shortest"``)."""

    def __init__(self, root: str, resize_mode: str = "squash", **kwargs):
        super().__init__(root, **kwargs)
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f"resize_mode must be one of {RESIZE_MODES}, got {resize_mode!r}")
        self.resize_mode = resize_mode

    def connect(self, preprocess: dict, batch_keys: Optional[Sequence[str]] = None) -> "WholeFrameDataModule":
        """Adopt the model's preprocessing, with this datamodule's ``resize_mode``."""
        super().connect(preprocess, batch_keys)
        if self.resize_mode == "squash":
            self.preprocess = {**self.preprocess, "resize_mode": "squash"}
        return self


class HCSTVGDataModule(WholeFrameDataModule):
    """HC-STVG v1 or v2 (module docstring).

    Args:
        root: the dataset folder.
        version: 1 or 2.
        annotation_dir: the folder of the annotation files.
        video_dir: the folder whose sub-folders hold the videos.
        video_seconds: the videos' length (every HC-STVG video is 20 s; ``fps = img_num / 20``).
        on_empty_box: ``"raise"`` on a box with no area inside its frame, or ``"drop"`` that frame
            from the tube (counted and logged).
        resize_mode: ``"squash"`` (default) or ``"shortest"`` (see :class:`WholeFrameDataModule`).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, version: int = 1, annotation_dir: str = "anno",
                 video_dir: str = "video", video_seconds: float = HCSTVG_SECONDS,
                 on_empty_box: str = "raise", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if version not in (1, 2):
            raise ValueError(f"HC-STVG version must be 1 or 2, got {version!r}")
        if not video_seconds > 0:
            raise ValueError(f"video_seconds must be positive, got {video_seconds}")
        self.version, self.annotation_dir = version, annotation_dir
        self.video_seconds, self.on_empty_box = float(video_seconds), on_empty_box
        self._videos: Optional[dict[str, str]] = None

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.annotation_dir) / HCSTVG_SPLIT_FILES[self.version, split]]

    def video_paths(self) -> dict[str, str]:
        """``{file name: path relative to video_dir}`` of every file under ``video_dir``; a name
        found in two part folders raises."""
        if self._videos is None:
            folder, found = self.path(self.video_dir), {}
            for file in sorted(folder.rglob("*")) if folder.is_dir() else []:
                if file.is_file():
                    relative = file.relative_to(folder).as_posix()
                    if file.name in found:
                        raise FileExistsError(f"HC-STVG video {file.name!r} is in two folders: "
                                              f"{found[file.name]} and {relative} under {folder}")
                    found[file.name] = relative
            self._videos = found
        return self._videos

    def parse(self, split: str) -> list[VideoRecord]:
        records = parse_hcstvg(self.annotation_files(split)[0], version=self.version,
                               on_empty_box=self.on_empty_box, video_seconds=self.video_seconds)
        videos = self.video_paths()
        for record in records:  # the part folder; a missing video keeps its bare name
            record.path = videos.get(record.path, record.path)
        return records
