"""DiDeMo (paragraph-to-video retrieval; moment localisation) datamodule.

Files read: ``data/{train,val,test}_data.json`` (``LocalizingMoments``; see
``zoo.data.formats.didemo``). Videos: ``videos/<Flickr file name>`` as the JSON names it
(``video_suffix=".mp4"`` for CLIP4Clip-style converted copies ``<name>.mp4``). Splits: train /
val / test as the files name them. Flickr videos disappear, so missing videos are skipped,
counted and logged by default.

``granularity="paragraph"`` (retrieval, default): one item per video, ``captions`` = the video's
descriptions as one paragraph. ``granularity="sentence"`` (grounding): one item per description,
``query`` + ``segments`` (seconds; the majority annotator moment first).
"""

from __future__ import annotations

from pathlib import Path

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.didemo import parse_didemo
from zoo.data.records import VideoRecord

__all__ = ["DiDeMoDataModule"]


class DiDeMoDataModule(BenchmarkDataModule):
    """DiDeMo.

    Args:
        root: the dataset folder.
        annotation_dir: the folder of ``{train,val,test}_data.json``.
        granularity: ``"paragraph"`` or ``"sentence"`` (module docstring).
        video_dir: the folder of the video files.
        video_suffix: appended to the JSON's file name to find the video.
        missing_videos: ``"skip"`` by default (counted and logged).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, annotation_dir: str = "data", granularity: str = "paragraph",
                 video_dir: str = "videos", video_suffix: str = "",
                 missing_videos: str = "skip", **kwargs):
        super().__init__(root, video_dir=video_dir, missing_videos=missing_videos, **kwargs)
        if granularity not in ("paragraph", "sentence"):
            raise ValueError(f"granularity must be 'paragraph' or 'sentence', got {granularity!r}")
        self.annotation_dir, self.granularity = annotation_dir, granularity
        self.video_suffix = video_suffix

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.annotation_dir) / f"{split}_data.json"]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_didemo(self.annotation_files(split)[0], granularity=self.granularity,
                            video_suffix=self.video_suffix)
