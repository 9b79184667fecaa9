"""ActivityNet-QA datamodule (open-ended QA over ActivityNet videos).

Files read: ``dataset/{train,val,test}_q.json`` joined with ``{train,val,test}_a.json`` by
``question_id`` (see ``zoo.data.formats.activitynet_qa``). Videos: ``videos/v_<video_name>.mp4``
(``.mkv`` / ``.webm`` tried next). Splits: train / val / test (32k / 18k / 8k questions).
YouTube-based: missing videos are skipped, counted and logged by default. ``dataset_info``
gives the top-K training answers and the 9 question types (0 motion, 1 spatial, 2 temporal,
3-8 free by answer type).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.data.benchmarks.base import BenchmarkDataModule, answer_vocabulary
from zoo.data.formats.activitynet_qa import ANETQA_TYPES, parse_activitynet_qa
from zoo.data.records import VideoRecord

__all__ = ["ActivityNetQADataModule"]


class ActivityNetQADataModule(BenchmarkDataModule):
    """ActivityNet-QA, one item per question.

    Args:
        root: the dataset folder.
        annotation_dir: the folder of the ``*_q.json`` / ``*_a.json`` files.
        video_dir: the folder of the ActivityNet videos.
        video_prefix: the file-name prefix before the YouTube id (``"v_"``; ``""`` for copies
            named by the bare id).
        answer_vocab_size: ``answer_vocab`` = the top-K training answers.
        missing_videos: ``"skip"`` by default (counted and logged).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    video_extensions = (".mkv", ".webm")

    def __init__(self, root: str, annotation_dir: str = "dataset", video_dir: str = "videos",
                 video_prefix: str = "v_", answer_vocab_size: int = 1000,
                 missing_videos: str = "skip", **kwargs):
        super().__init__(root, video_dir=video_dir, missing_videos=missing_videos, **kwargs)
        if answer_vocab_size < 1:
            raise ValueError(f"answer_vocab_size must be positive, got {answer_vocab_size}")
        self.annotation_dir, self.video_prefix = annotation_dir, video_prefix
        self.answer_vocab_size = answer_vocab_size

    def annotation_files(self, split: str) -> list[Path]:
        folder = self.path(self.annotation_dir)
        return [folder / f"{split}_q.json", folder / f"{split}_a.json"]

    def parse(self, split: str) -> list[VideoRecord]:
        questions, answers = self.annotation_files(split)
        return parse_activitynet_qa(questions, answers, prefix=self.video_prefix)

    def dataset_info(self) -> dict[str, Any]:
        return {"answer_vocab": answer_vocabulary(self.parsed("train"), self.answer_vocab_size),
                "question_types": list(ANETQA_TYPES),
                "question_type_names": dict(ANETQA_TYPES)}
