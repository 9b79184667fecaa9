"""NExT-QA datamodules: multiple choice (``doc-doc/NExT-QA``) and open-ended (``doc-doc/NExT-OE``).

Files read: ``dataset/nextqa/{train,val,test}.csv`` (the multiple-choice and the open-ended
releases use the same folder name and header prefix; point ``root`` / ``annotation_dir`` at the
right copy), ``dataset/nextqa/map_vid_vidorID.json`` (video id → VidOR path) and, for NExT-OE
test, optionally ``add_reference_answer_test.json``. Videos: ``NExTVideo/<dir>/<vidor id>.mp4``.
Splits: train / val / test as the files name them. One item per question.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule, answer_vocabulary
from zoo.data.formats.nextqa import QUESTION_TYPES as NEXTQA_QUESTION_TYPES
from zoo.data.formats.nextqa import parse_nextqa, read_nextqa_video_map
from zoo.data.formats.nextqa_oe import (OE_QUESTION_TYPES, parse_nextqa_oe,
                                        read_nextoe_reference_answers)
from zoo.data.records import VideoRecord

__all__ = ["NExTQADataModule", "NExTOEDataModule", "NEXTQA_QUESTION_GROUPS",
           "NEXTOE_QUESTION_GROUPS"]

#: NExT-QA's reported groups (``eval_mc.py``): causal, temporal (TP merged into TN), descriptive.
NEXTQA_QUESTION_GROUPS = {"C": ["CW", "CH"], "T": ["TN", "TC", "TP"], "D": ["DC", "DL", "DO"]}
#: NExT-OE's groups (``eval_oe.py``): DB (yes/no) joins the descriptive group.
NEXTOE_QUESTION_GROUPS = {"C": ["CW", "CH"], "T": ["TN", "TC", "TP"],
                          "D": ["DC", "DL", "DO", "DB"]}


class _NExTBase(BenchmarkDataModule):
    def __init__(self, root: str, annotation_dir: str = "dataset/nextqa",
                 video_map: Optional[str] = "dataset/nextqa/map_vid_vidorID.json",
                 video_dir: str = "NExTVideo", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        self.annotation_dir = annotation_dir
        self.video_map = video_map
        self._video_map: Optional[dict[str, str]] = None

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.annotation_dir) / f"{split}.csv"]

    def _map(self) -> Optional[dict[str, str]]:
        if self.video_map is not None and self._video_map is None:
            self._video_map = read_nextqa_video_map(self.path(self.video_map))
        return self._video_map


class NExTQADataModule(_NExTBase):
    """NExT-QA (5-way multiple-choice QA), one item per question.

    Args:
        root: the dataset folder.
        annotation_dir: the folder of ``{train,val,test}.csv``.
        video_map: ``map_vid_vidorID.json`` (video id -> ``"<dir>/<vidor id>"``); ``None``:
            videos are ``<video>.mp4`` directly under ``video_dir``.
        video_dir: the folder of the VidOR video folders.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_nextqa(self.annotation_files(split)[0], video_map=self._map())

    def dataset_info(self) -> dict[str, Any]:
        return {"question_types": list(NEXTQA_QUESTION_TYPES),
                "question_type_groups": {k: list(v) for k, v in NEXTQA_QUESTION_GROUPS.items()}}


class NExTOEDataModule(_NExTBase):
    """NExT-QA open-ended (NExT-OE), one item per question; answers are free-form phrases
    (the benchmark scores WUPS; exact-match accuracy for DC and DB).

    Args:
        root: the NExT-OE dataset folder.
        annotation_dir: the folder of NExT-OE's ``{train,val,test}.csv``.
        video_map / video_dir: as :class:`NExTQADataModule` (the videos are the same).
        reference_answers: NExT-OE's ``add_reference_answer_test.json`` (second reference
            answers of 500 test videos), handed to the task as ``dataset_info()
            ["reference_answers"]`` keyed by question id; ``None``: not used.
        answer_vocab_size: ``dataset_info()["answer_vocab"]`` = the top-K training answers, for
            answer-classification heads.
        on_duplicate: ``"warn"`` (train.csv repeats 3 question keys; both kept) or ``"raise"``.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, reference_answers: Optional[str] = None,
                 answer_vocab_size: int = 1000, on_duplicate: str = "warn", **kwargs):
        super().__init__(root, **kwargs)
        if answer_vocab_size < 1:
            raise ValueError(f"answer_vocab_size must be positive, got {answer_vocab_size}")
        self.reference_answers = reference_answers
        self.answer_vocab_size = answer_vocab_size
        self.on_duplicate = on_duplicate

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_nextqa_oe(self.annotation_files(split)[0], video_map=self._map(),
                               on_duplicate=self.on_duplicate)

    def dataset_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "question_types": list(OE_QUESTION_TYPES),
            "question_type_groups": {k: list(v) for k, v in NEXTOE_QUESTION_GROUPS.items()},
            "answer_vocab": answer_vocabulary(self.parsed("train"), self.answer_vocab_size)}
        if self.reference_answers is not None:
            info["reference_answers"] = read_nextoe_reference_answers(
                self.path(self.reference_answers))
        return info
