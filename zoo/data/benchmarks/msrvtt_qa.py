"""MSRVTT-QA and MSVD-QA (Xu et al. 2017) datamodules: open-ended QA, one item per question.

Files read: ``{train,val,test}_qa.json`` (a JSON list of ``{"answer", "id", "question",
"video_id"}``, see ``zoo.data.formats.msrvtt_qa``). Videos: MSRVTT-QA ``video_id`` N →
MSR-VTT's ``video<N>.mp4``; MSVD-QA N → ``vid<N>.avi`` (the release's ``video/`` folder, MSVD's
clips renamed by ``youtube_mapping.txt``), or — given ``youtube_mapping`` — the original
``YouTubeClips/<youtube id>_<start>_<end>.avi``. Splits: train / val / test as the files name
them. ``dataset_info`` gives the top-K training answers (the protocol's 1000-answer vocabulary)
and the question types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule, answer_vocabulary
from zoo.data.datamodule import SPLITS
from zoo.data.formats.base import AnnotationError
from zoo.data.formats.msrvtt_qa import parse_msrvtt_qa
from zoo.data.formats.msvd import read_youtube_mapping
from zoo.data.records import VideoRecord

__all__ = ["MSRVTTQADataModule", "MSVDQADataModule"]


class MSRVTTQADataModule(BenchmarkDataModule):
    """MSRVTT-QA (open-ended QA), one item per question.

    Args:
        root: the dataset folder.
        annotation_dir: the folder of ``{train,val,test}_qa.json``.
        video_dir: the folder of MSR-VTT's ``video<N>.mp4`` (may be absolute, e.g. an MSR-VTT copy).
        answer_vocab_size: ``dataset_info``'s ``answer_vocab`` is the top-K training answers
            (1000 in the benchmark's protocol; out-of-vocabulary training questions are then
            dropped by the task, and count as wrong in evaluation).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    dataset = "msrvtt"

    def __init__(self, root: str, annotation_dir: str = ".", video_dir: str = "videos/all",
                 answer_vocab_size: int = 1000, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if answer_vocab_size < 1:
            raise ValueError(f"answer_vocab_size must be positive, got {answer_vocab_size}")
        self.annotation_dir = annotation_dir
        self.answer_vocab_size = answer_vocab_size

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.annotation_dir) / f"{split}_qa.json"]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_msrvtt_qa(self.annotation_files(split)[0], dataset=self.dataset)

    def dataset_info(self) -> dict[str, Any]:
        """``answer_vocab``: the most frequent training answers (ties: first seen first);
        ``question_types``: the ``category_id`` values of all splits, as strings."""
        info: dict[str, Any] = {"answer_vocab": answer_vocabulary(self.parsed("train"),
                                                                  self.answer_vocab_size)}
        types = {qa.question_type for split in SPLITS for r in self.parsed(split) for qa in r.qa}
        types.discard("")
        if types:
            info["question_types"] = sorted(types, key=lambda t: (len(t), t))
        return info


class MSVDQADataModule(MSRVTTQADataModule):
    """MSVD-QA (open-ended QA): MSRVTT-QA's JSON format over MSVD's 1970 clips.

    Args:
        root: the dataset folder (the release: ``{train,val,test}_qa.json``,
            ``youtube_mapping.txt`` and ``video/vid<N>.avi``).
        annotation_dir: the folder of the QA files.
        video_dir: ``video`` (renamed ``vid<N>.avi``) or, with ``youtube_mapping``, the folder of
            MSVD's original clips (``YouTubeClips``).
        youtube_mapping: ``youtube_mapping.txt`` (``"<clip> vid<N>"``): read videos by their
            original clip names; ``None``: ``vid<N>.avi``. ``video_id`` stays ``vid<N>`` either
            way. A question whose ``vid<N>`` is not in the mapping raises.
        answer_vocab_size: as :class:`MSRVTTQADataModule`.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    dataset = "msvd"

    def __init__(self, root: str, annotation_dir: str = ".", video_dir: str = "video",
                 youtube_mapping: Optional[str] = None, **kwargs):
        super().__init__(root, annotation_dir=annotation_dir, video_dir=video_dir, **kwargs)
        self.youtube_mapping = youtube_mapping
        self._clips: Optional[dict[int, str]] = None

    def parse(self, split: str) -> list[VideoRecord]:
        records = super().parse(split)
        if self.youtube_mapping is None:
            return records
        if self._clips is None:
            mapping = read_youtube_mapping(self.path(self.youtube_mapping))
            self._clips = {number: clip for clip, number in mapping.items()}
        for record in records:
            number = int(record.video_id[len("vid"):])
            if number not in self._clips:
                file, where = record.source.rsplit(":", 1)
                raise AnnotationError(file, where, f"video_id {number} (vid{number}) is not in "
                                      f"{self.path(self.youtube_mapping)}")
            record.path = self._clips[number] + ".avi"
        return records
