"""MSR-VTT (text-video retrieval, captioning) datamodule, CLIP4Clip's ``msrvtt_data.zip`` layout.

Files read: ``msrvtt_data/MSRVTT_data.json`` (or the official ``train_val_videodatainfo.json`` +
``test_videodatainfo.json`` pair, given as a list), the train list ``MSRVTT_train.9k.csv`` (or
``MSRVTT_train.7k.csv``) and ``MSRVTT_JSFUSION_test.csv``. Videos: ``videos/all/video<N>.mp4``
(``.webm`` tried when the ``.mp4`` is missing, as CLIP4Clip does). Splits: see ``protocol``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.msrvtt import parse_msrvtt, parse_msrvtt_jsfusion
from zoo.data.records import VideoRecord

__all__ = ["MSRVTTDataModule"]


class MSRVTTDataModule(BenchmarkDataModule):
    """MSR-VTT (text-video retrieval, captioning) in CLIP4Clip's layout.

    Protocols:
        ``"1k-A"`` (retrieval; default): train = the videos of ``train_csv`` (the 9k list, or the
            7k list ``msrvtt_data/MSRVTT_train.7k.csv``) with all their captions; val and test =
            the JSFusion 1k-A list, one caption per video (CLIP4Clip validates on it too: the 9k
            list leaves no other held-out video).
        ``"official"`` (captioning, and "full" retrieval): the JSON's ``split`` field,
            train / validate / test (6513 / 497 / 2990 videos), all captions.

    Args:
        root: the dataset folder.
        protocol: ``"1k-A"`` or ``"official"``.
        data_json: ``MSRVTT_data.json``, or a list of JSON files of the same schema (the official
            ``train_val_videodatainfo.json`` and ``test_videodatainfo.json``), merged.
        train_csv / test_csv: the 9k (or 7k) train list, the JSFusion test list.
        video_dir: the folder of ``video<N>.mp4`` (``.webm`` is tried when ``.mp4`` is missing).
        unfold_train: one training item per (video, caption) pair — CLIP4Clip's 180k pairs for
            the 9k list — instead of one per video with all its captions.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    PROTOCOLS = ("1k-A", "official")
    JSON_SPLITS = {"train": "train", "val": "validate", "test": "test"}
    video_extensions = (".webm",)

    def __init__(self, root: str, protocol: str = "1k-A",
                 data_json: Union[str, list[str]] = "msrvtt_data/MSRVTT_data.json",
                 train_csv: str = "msrvtt_data/MSRVTT_train.9k.csv",
                 test_csv: str = "msrvtt_data/MSRVTT_JSFUSION_test.csv",
                 video_dir: str = "videos/all", unfold_train: bool = False, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if protocol not in self.PROTOCOLS:
            raise ValueError(f"protocol must be one of {self.PROTOCOLS}, got {protocol!r}")
        self.protocol = protocol
        self.data_json, self.train_csv, self.test_csv = data_json, train_csv, test_csv
        self.unfold_train = unfold_train

    def _json(self) -> Union[Path, list[Path]]:
        if isinstance(self.data_json, (list, tuple)):
            return [self.path(p) for p in self.data_json]
        return self.path(self.data_json)

    def annotation_files(self, split: str) -> list[Path]:
        json = self._json()
        jsons = json if isinstance(json, list) else [json]
        if self.protocol == "official":
            return jsons
        if split == "train":
            return [self.path(self.train_csv), *jsons]
        return [self.path(self.test_csv)]

    def parse(self, split: str) -> list[VideoRecord]:
        unfold = self.unfold_train and split == "train"
        if self.protocol == "official":
            return parse_msrvtt(self._json(), split=self.JSON_SPLITS[split], unfold=unfold)
        if split == "train":
            return parse_msrvtt(self._json(), self.path(self.train_csv), unfold=unfold)
        return parse_msrvtt_jsfusion(self.path(self.test_csv))
