"""TGIF-QA datamodule (one of its four tasks).

Files read: ``dataset/{Train,Test}_<task>_question.csv`` (TAB-separated, CRLF; see
``zoo.data.formats.tgif_qa``). Videos: ``gifs/<gif_name>.gif``. Splits: train = Train file; val
**and** test = Test file (TGIF-QA has no validation split; the ``Total`` files are Train + Test).

Tasks: ``action`` and ``transition`` are 5-way multiple choice (accuracy), ``frameqa`` is
open-ended (accuracy; ``dataset_info`` gives the answer vocabulary and the 4 question types),
``count`` is a regression over 0..10 scored by mean squared error: ``batch["answer"]`` holds the
count as a decimal string, the task compares ``float(answer)`` (``dataset_info`` says
``answer_kind="count"``, ``metric="mse"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule, answer_vocabulary
from zoo.data.formats.tgif_qa import FRAMEQA_TYPES, TGIF_COUNT_RANGE, TGIF_TASKS, parse_tgif_qa
from zoo.data.records import VideoRecord

__all__ = ["TGIFQADataModule"]


class TGIFQADataModule(BenchmarkDataModule):
    """TGIF-QA, one item per question.

    Args:
        root: the dataset folder.
        task: ``"action"``, ``"transition"``, ``"frameqa"`` or ``"count"``.
        annotation_dir: the folder of the question files.
        video_dir: the folder of ``<gif_name>.gif``.
        answer_vocab_size: frameqa's ``answer_vocab`` size (top-K training answers); ``None``:
            every training answer.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, task: str = "frameqa", annotation_dir: str = "dataset",
                 video_dir: str = "gifs", answer_vocab_size: Optional[int] = None, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if task not in TGIF_TASKS:
            raise ValueError(f"task must be one of {TGIF_TASKS}, got {task!r}")
        if answer_vocab_size is not None and answer_vocab_size < 1:
            raise ValueError(f"answer_vocab_size must be positive, got {answer_vocab_size}")
        self.task, self.annotation_dir = task, annotation_dir
        self.answer_vocab_size = answer_vocab_size

    def annotation_files(self, split: str) -> list[Path]:
        prefix = "Train" if split == "train" else "Test"
        return [self.path(self.annotation_dir) / f"{prefix}_{self.task}_question.csv"]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_tgif_qa(self.annotation_files(split)[0], task=self.task)

    def dataset_info(self) -> dict[str, Any]:
        if self.task == "frameqa":
            train = self.parsed("train")
            size = self.answer_vocab_size or len({qa.answer for r in train for qa in r.qa})
            return {"answer_vocab": answer_vocabulary(train, size),
                    "question_types": list(FRAMEQA_TYPES),
                    "question_type_names": dict(FRAMEQA_TYPES)}
        if self.task == "count":
            return {"answer_kind": "count", "metric": "mse",
                    "answer_range": list(TGIF_COUNT_RANGE)}
        return {"num_choices": 5}
