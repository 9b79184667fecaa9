"""ActivityNet Captions (paragraph retrieval; dense captioning / grounding) datamodule.

Files read: ``captions/train.json``, ``val_1.json``, ``val_2.json`` (``captions.zip``; see
``zoo.data.formats.activitynet_captions`` for the known holes and the ``on_invalid`` policy).
Videos: ``videos/v_<youtube id>.mp4`` (``.mkv`` / ``.webm`` tried next), or ``<youtube id>.*``
with ``strip_prefix=True``. YouTube-based: missing videos are skipped, counted and logged by
default.

Splits: ``granularity="paragraph"`` (retrieval, CLIP4Clip): train = train.json, val = test =
val_1.json. ``granularity="sentence"`` (grounding, 2D-TAN and most later work): train =
train.json, val = val_1.json, test = val_2.json. ``val_json`` / ``test_json`` override.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.activitynet_captions import parse_activitynet_captions
from zoo.data.records import VideoRecord

__all__ = ["ActivityNetCaptionsDataModule"]

DEFAULT_SPLITS = {"paragraph": ("val_1.json", "val_1.json"),
                  "sentence": ("val_1.json", "val_2.json")}


class ActivityNetCaptionsDataModule(BenchmarkDataModule):
    """ActivityNet Captions.

    Args:
        root: the dataset folder.
        annotation_dir: the folder of the JSON files.
        granularity: ``"paragraph"`` (one item per video) or ``"sentence"`` (one per sentence,
            with ``segments`` and ``query``).
        train_json / val_json / test_json: file names in ``annotation_dir``; ``None``: the
            granularity's default (module docstring).
        video_dir: the folder of the videos.
        strip_prefix: videos are named ``<youtube id>.*`` (no ``v_``).
        on_invalid: ``"fix"`` (clamp / swap the known holes, logged) or ``"raise"``.
        missing_videos: ``"skip"`` by default (counted and logged).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    video_extensions = (".mkv", ".webm")

    def __init__(self, root: str, annotation_dir: str = "captions",
                 granularity: str = "paragraph", train_json: str = "train.json",
                 val_json: Optional[str] = None, test_json: Optional[str] = None,
                 video_dir: str = "videos", strip_prefix: bool = False, on_invalid: str = "fix",
                 missing_videos: str = "skip", **kwargs):
        super().__init__(root, video_dir=video_dir, missing_videos=missing_videos, **kwargs)
        if granularity not in DEFAULT_SPLITS:
            raise ValueError(f"granularity must be 'paragraph' or 'sentence', got {granularity!r}")
        if on_invalid not in ("fix", "raise"):
            raise ValueError(f"on_invalid must be 'fix' or 'raise', got {on_invalid!r}")
        val_default, test_default = DEFAULT_SPLITS[granularity]
        self.annotation_dir, self.granularity = annotation_dir, granularity
        self.files = {"train": train_json, "val": val_json or val_default,
                      "test": test_json or test_default}
        self.strip_prefix, self.on_invalid = strip_prefix, on_invalid

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.annotation_dir) / self.files[split]]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_activitynet_captions(self.annotation_files(split)[0],
                                          granularity=self.granularity,
                                          on_invalid=self.on_invalid,
                                          strip_prefix=self.strip_prefix)
