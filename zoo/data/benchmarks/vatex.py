"""VATEX (retrieval, captioning) datamodule.

Files read: ``vatex_training_v1.0.json`` (train), ``vatex_validation_v1.0.json`` (val) and
``vatex_public_test_english_v1.1.json`` (test: English captions only); see
``zoo.data.formats.vatex``. English captions (``enCap``, 10 per clip) only; ``chCap`` is ignored.
Videos: ``videos/<ytid>_<start:06d>_<end:06d>.mp4`` (the downloaded 10-second clips), or full
videos ``<ytid>.mp4`` sampled in ``[start, end]`` with ``trimmed=False``. YouTube-based: missing
videos are skipped, counted and logged by default.

Retrieval papers that split the validation set (e.g. 1500 / 1500) do so with their own id lists;
point ``val_json`` / ``test_json`` at JSON files holding those clips.
"""

from __future__ import annotations

from pathlib import Path

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.vatex import parse_vatex
from zoo.data.records import VideoRecord

__all__ = ["VATEXDataModule"]


class VATEXDataModule(BenchmarkDataModule):
    """VATEX (English).

    Args:
        root: the dataset folder.
        train_json / val_json / test_json: the split files.
        video_dir: the folder of the clips.
        trimmed: clips named by ``videoID`` (True) or full YouTube videos (False).
        missing_videos: ``"skip"`` by default (counted and logged).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, train_json: str = "vatex_training_v1.0.json",
                 val_json: str = "vatex_validation_v1.0.json",
                 test_json: str = "vatex_public_test_english_v1.1.json",
                 video_dir: str = "videos", trimmed: bool = True, missing_videos: str = "skip",
                 **kwargs):
        super().__init__(root, video_dir=video_dir, missing_videos=missing_videos, **kwargs)
        self.files = {"train": train_json, "val": val_json, "test": test_json}
        self.trimmed = trimmed

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.files[split])]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_vatex(self.path(self.files[split]), trimmed=self.trimmed)
