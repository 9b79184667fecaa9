"""DiDeMo (paragraph-to-video retrieval; moment localisation) datamodule.

Files read: ``data/{train,val,test}_data.json`` (``LocalizingMoments``; see
``zoo.data.formats.didemo``). Videos: ``videos/<Flickr file name>`` as the JSON names it
(``video_suffix=".mp4"`` for CLIP4Clip-style converted copies ``<name>.mp4``). Splits: train /
val / test as the files name them. Flickr videos disappear, so missing videos are skipped,
counted and logged by default.

``granularity="paragraph"`` (retrieval, default): one item per video, ``captions`` = the video's
descriptions as one paragraph. ``granularity="sentence"`` (grounding): one item per description,
``query`` + ``segments`` (seconds; the majority annotator moment first). ``moments="majority"``
keeps only that moment (the grounding recipes train and score against it; LocalizingMoments'
own protocol, the mean of the best 3 of 4 annotators' IoUs over 21 candidate moments, is not
reproduced); ``"all"`` keeps every annotator's distinct moment (metrics then take the one the
prediction overlaps most). Each sentence item covers the first ``annotated_seconds`` (30: the
6 five-second chunks the annotators saw) of its video, so the model sees no frame the
annotation cannot refer to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

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
        moments: ``"all"`` or ``"majority"`` annotator moments per sentence (module docstring).
        annotated_seconds: the seconds of each video a sentence item covers (``None``: all).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, annotation_dir: str = "data", granularity: str = "paragraph",
                 video_dir: str = "videos", video_suffix: str = "",
                 missing_videos: str = "skip", moments: str = "all",
                 annotated_seconds: Optional[float] = 30.0, **kwargs):
        super().__init__(root, video_dir=video_dir, missing_videos=missing_videos, **kwargs)
        if granularity not in ("paragraph", "sentence"):
            raise ValueError(f"granularity must be 'paragraph' or 'sentence', got {granularity!r}")
        if moments not in ("all", "majority"):
            raise ValueError(f"moments must be 'all' or 'majority', got {moments!r}")
        if annotated_seconds is not None and not annotated_seconds > 0:
            raise ValueError(f"annotated_seconds must be > 0 or None, got {annotated_seconds}")
        self.annotation_dir, self.granularity = annotation_dir, granularity
        self.video_suffix = video_suffix
        self.moments, self.annotated_seconds = moments, annotated_seconds

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.annotation_dir) / f"{split}_data.json"]

    def parse(self, split: str) -> list[VideoRecord]:
        records = parse_didemo(self.annotation_files(split)[0], granularity=self.granularity,
                               video_suffix=self.video_suffix)
        if self.granularity == "sentence":
            for record in records:
                if self.moments == "majority":
                    record.segments = record.segments[:1]
                if self.annotated_seconds is not None:
                    record.end = float(self.annotated_seconds)
        return records
