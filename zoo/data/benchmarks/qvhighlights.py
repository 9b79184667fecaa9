"""QVHighlights (moment retrieval + highlight detection) datamodule.

Files read: ``data/highlight_{train,val,test}_release.jsonl`` (``jayleicn/moment_detr : data/``;
see ``zoo.data.formats.qvhighlights`` for the checks and the ``on_outside`` policy). Videos:
``videos/<vid>.mp4``, the release's 150-s clips already cut (``vid = <ytid>_<start>_<end>``).
YouTube-based: missing videos are skipped, counted and logged by default.

One item per query line: ``query``, ``query_id`` (the ``qid``), every relevant window
(``windows``; ``segments`` is the first), ``duration``, and the 3 annotators' 0-4 scores per 2-s
clip (``saliency``, ``frame_saliency``, ``clip_length = 2``).

Splits: train = the train file; **val and test = the val file** — the test file has no labels
(``highlight_test_release.jsonl`` holds only ``qid, query, duration, vid``; its results are
submitted to the CodaLab server), so papers report val numbers next to test-server ones.
``test_jsonl="data/highlight_test_release.jsonl"`` makes the test split the unlabelled file (for
``zoo predict`` / a submission; evaluating it raises, naming the missing windows).

Sampling: ``dataset_info()`` and ``default_clip_length`` give 2-s clips, Moment-DETR's features —
``sampling: clip_length`` samples one frame per 2-s clip (75 for a 150-s video; shorter videos
give fewer, padded in the batch with ``valid``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.qvhighlights import CLIP_LENGTH, parse_qvhighlights
from zoo.data.records import VideoRecord

__all__ = ["QVHighlightsDataModule"]

#: QVHighlights' videos are 150-s clips (1511 of the 1550 val queries; the others are shorter).
MAX_DURATION = 150.0


class QVHighlightsDataModule(BenchmarkDataModule):
    """QVHighlights (module docstring).

    Args:
        root: the dataset folder.
        train_jsonl / val_jsonl / test_jsonl: the query files (relative to ``root``);
            ``test_jsonl`` defaults to the val file (module docstring).
        video_dir: the folder of ``<vid>.mp4``.
        on_outside: ``"raise"`` (default) or ``"clamp"`` a window ending after the duration.
        missing_videos: ``"skip"`` by default (counted and logged).
        (the rest: see :class:`BenchmarkDataModule`; ``sampling: clip_length`` is the protocol)
    """

    def __init__(self, root: str, train_jsonl: str = "data/highlight_train_release.jsonl",
                 val_jsonl: str = "data/highlight_val_release.jsonl",
                 test_jsonl: Optional[str] = None, video_dir: str = "videos",
                 on_outside: str = "raise", missing_videos: str = "skip", **kwargs):
        super().__init__(root, video_dir=video_dir, missing_videos=missing_videos, **kwargs)
        if on_outside not in ("raise", "clamp"):
            raise ValueError(f"on_outside must be 'raise' or 'clamp', got {on_outside!r}")
        self.files = {"train": train_jsonl, "val": val_jsonl, "test": test_jsonl or val_jsonl}
        self.on_outside = on_outside

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.files[split])]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_qvhighlights(self.path(self.files[split]), on_outside=self.on_outside)

    def default_clip_length(self) -> Optional[float]:
        return CLIP_LENGTH

    def dataset_info(self) -> dict[str, Any]:
        """``clip_length`` (2 s) and ``max_duration`` (150 s)."""
        return {"clip_length": CLIP_LENGTH, "max_duration": MAX_DURATION}
