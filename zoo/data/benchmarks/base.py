"""What every real-benchmark datamodule shares: ``BenchmarkDataModule`` and small helpers.

A benchmark datamodule reads the annotation files of one benchmark exactly as distributed
(through a parser of ``zoo.data.formats``) and the video files under one ``root``:

- every file argument defaults to the benchmark's conventional layout and is joined onto
  ``root`` (an absolute path is kept);
- ``parse(split)`` gives the records of ``train`` / ``val`` / ``test``; a split that parses to
  **zero records raises** ``AnnotationError`` naming the file(s) it read — an empty or truncated
  list must not "train on nothing and exit 0";
- missing videos (rows whose file is not on disk) are found when a split's records are first
  built, before any batch: ``missing_videos="raise"`` raises ``FileNotFoundError`` with the count
  and the first files; ``"skip"`` (the default of YouTube-based sets, which lose videos) leaves
  them out, logs one warning with the count on the ``zoo.data`` logger and keeps them in
  ``datamodule.missing[split]``. A split with no video at all raises either way (a wrong
  ``root`` / video folder, not a dead link). Videos that exist but do not decode follow
  ``on_error`` (``zoo.data.datasets``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Union

from zoo.data.datamodule import SPLITS, ZooDataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.records import VideoRecord
from zoo.data.video import BACKENDS, VideoFileSource

__all__ = ["BenchmarkDataModule", "readable_class_name", "answer_vocabulary", "MISSING_VIDEOS",
           "logger"]

logger = logging.getLogger("zoo.data")

MISSING_VIDEOS = ("raise", "skip")

_CAMEL_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|[0-9]+")


def readable_class_name(name: str) -> str:
    """A CamelCase class folder name as lower-case words, for text prompts:
    ``"ApplyEyeMakeup"`` -> ``"apply eye makeup"``, ``"YoYo"`` -> ``"yo yo"``."""
    return " ".join(word.lower() for word in _CAMEL_WORDS.findall(name)) or name


def answer_vocabulary(records: Iterable[VideoRecord], size: int) -> list[str]:
    """The ``size`` most frequent answers of open-ended questions (ties: first seen first) — the
    top-K answer vocabulary of MSRVTT-QA-style protocols."""
    answers = Counter(qa.answer for record in records for qa in record.qa if not qa.choices)
    return [a for a, _ in answers.most_common(size)]


class BenchmarkDataModule(ZooDataModule):
    """A benchmark read from files under ``root``: what every real-dataset datamodule shares.

    Subclasses implement ``parse(split)`` (records from the annotation files) and
    ``annotation_files(split)`` (the files that split reads, for error messages) and, when videos
    do not all live in one ``video_dir``, ``video_root(split)``.

    Args:
        root: the dataset folder; relative file arguments are joined onto it.
        video_dir: the folder of the video files (relative to ``root`` or absolute).
        missing_videos: ``"raise"`` or ``"skip"`` rows whose video file is missing (module doc).
        video_backend: ``"auto"`` (decord, else PyAV), ``"decord"`` or ``"pyav"``.
        (the rest: see :class:`~zoo.data.datamodule.ZooDataModule`)
    """

    #: Extensions tried when ``<name>.<ext>`` is missing (CLIP4Clip's MSR-VTT ``.webm`` fallback).
    video_extensions: tuple[str, ...] = ()

    def __init__(self, root: str, video_dir: str = "", missing_videos: str = "raise",
                 video_backend: str = "auto", **kwargs):
        super().__init__(**kwargs)
        if missing_videos not in MISSING_VIDEOS:
            raise ValueError(f"missing_videos must be one of {MISSING_VIDEOS}, got {missing_videos!r}")
        if video_backend not in BACKENDS:
            raise ValueError(f"video_backend must be one of {BACKENDS}, got {video_backend!r}")
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"{type(self).__name__}: root {str(self.root)!r} is not a "
                                    "folder (set --data.init_args.root to the dataset folder)")
        self.video_dir = video_dir
        self.missing_videos = missing_videos
        self.video_backend = video_backend
        #: Records left out because their video file is missing, per split (``"skip"``).
        self.missing: dict[str, list[VideoRecord]] = {}
        self._parsed: dict[str, list[VideoRecord]] = {}
        self._present: dict[str, list[VideoRecord]] = {}

    # ------------------------------------------------------------------ for subclasses
    def path(self, name: Union[str, Path]) -> Path:
        """A file argument: ``root / name`` unless ``name`` is absolute."""
        path = Path(name)
        return path if path.is_absolute() else self.root / path

    def parse(self, split: str) -> list[VideoRecord]:
        """The records the annotation files give ``split`` (no file-system checks)."""
        raise NotImplementedError

    def annotation_files(self, split: str) -> list[Path]:
        """The annotation file(s) ``split`` reads (named when the split has no record)."""
        return []

    def video_root(self, split: str) -> Path:
        """The folder that ``record.path`` of ``split`` is relative to."""
        return self.path(self.video_dir)

    def missing_hint(self, split: str, missing: list[VideoRecord]) -> str:
        """Advice appended to the missing-video message (e.g. a layout option to set)."""
        return ""

    # ------------------------------------------------------------------ ZooDataModule interface
    def parsed(self, split: str) -> list[VideoRecord]:
        """``parse(split)``, once; a split without records raises (module doc)."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if split not in self._parsed:
            records = self.parse(split)
            if not records:
                files = self.annotation_files(split)
                where = files[0] if files else type(self).__name__
                others = ""
                if len(files) > 1:
                    shown = ", ".join(map(str, files[1:4]))
                    more = f" and {len(files) - 4} more" if len(files) > 4 else ""
                    others = f" (with {shown}{more})"
                raise AnnotationError(where, None, f"the {split!r} split of "
                                      f"{type(self).__name__} has no record{others}: the file has "
                                      "no data rows for it (empty, truncated or the wrong file?); "
                                      "refusing to train or evaluate on nothing")
            self._parsed[split] = records
        return self._parsed[split]

    def records(self, split: str) -> list[VideoRecord]:
        """The records of ``split`` whose video file exists (``missing_videos`` policy)."""
        if split not in self._present:
            self._present[split] = self._with_videos(split, self.parsed(split))
        return self._present[split]

    def source(self, split: str) -> VideoFileSource:
        return VideoFileSource(self.video_root(split), backend=self.video_backend,
                               extensions=self.video_extensions)

    def _with_videos(self, split: str, records: list[VideoRecord]) -> list[VideoRecord]:
        source = self.source(split)
        present, missing = [], []
        for record in records:
            (present if source.resolve(record).is_file() else missing).append(record)
        if not missing:
            return present
        name = type(self).__name__
        first = ", ".join(str(source.resolve(r)) for r in missing[:3])
        summary = (f"{name} {split}: {len(missing)} of {len(records)} rows have no video file "
                   f"under {self.video_root(split)} (first: {first})")
        hint = self.missing_hint(split, missing)
        if hint:
            summary = f"{summary}. {hint}"
        if not present:
            raise FileNotFoundError(f"{summary}: no video of this split was found; check root "
                                    "and the video folder arguments")
        if self.missing_videos == "raise":
            raise FileNotFoundError(f"{summary}; pass missing_videos='skip' to leave them out "
                                    "(they are then counted and logged)")
        logger.warning("%s; skipped (datamodule.missing[%r] lists them)", summary, split)
        self.missing[split] = missing
        return present
