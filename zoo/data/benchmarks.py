"""Datamodules of the real benchmarks: their annotation files (``zoo.data.formats``) + video files.

Each datamodule takes the dataset's ``root`` and defaults every file argument to the benchmark's
conventional layout under it (a relative file argument is joined onto ``root``; an absolute one
is kept), so ``zoo fit --config configs/retrieval/msrvtt/lora.yaml --data.init_args.root
/data/msrvtt`` is all a user with the standard layout types. ``zoo export-world`` writes the
synthetic world in exactly these layouts (``zoo.data.world.export``).

================================ ============================================================
``KineticsDataModule``           recognition: ``annotations/{train,val,test}.csv``,
                                 videos ``{train,val,test}/<ytid>_<s:06d>_<e:06d>.mp4``
``UCF101DataModule``             recognition: ``ucfTrainTestlist/`` official split 1-3,
                                 videos ``UCF-101/<Class>/<name>.avi``; val = test list
``MSRVTTDataModule``             retrieval / captioning: ``msrvtt_data/`` (CLIP4Clip's zip),
                                 videos ``videos/all/video<N>.mp4`` (``.webm`` fallback)
``NExTQADataModule``             multiple-choice QA: ``dataset/nextqa/{train,val,test}.csv``,
                                 videos ``NExTVideo/<dir>/<id>.mp4`` via ``map_vid_vidorID.json``
``MSRVTTQADataModule``           open-ended QA: ``{train,val,test}_qa.json``,
                                 videos ``videos/all/video<N>.mp4``
``CharadesSTADataModule``        temporal grounding: ``charades_sta_{train,test}.txt`` +
                                 ``Charades_duration.json``, videos ``Charades_v1_480/<vid>.mp4``;
                                 val = test file; batches carry ``segments`` and ``query``
================================ ============================================================

Missing videos (a row whose file is not on disk) are found when a split's records are first
built, before any batch: ``missing_videos="raise"`` (the default, except Kinetics) raises
``FileNotFoundError`` naming the count and the first files; ``"skip"`` (Kinetics' default: many
YouTube ids are dead, so every copy of Kinetics lacks some videos) leaves those rows out, logs a
warning with the count on the ``zoo.data`` logger and keeps them in ``datamodule.missing[split]``.
A split with no video at all raises either way (a wrong ``root`` or ``video_dir``). Videos that
exist but do not decode follow ``on_error`` (``raise`` or ``skip`` and count; see
``zoo.data.datasets``).

``dataset_info()`` gives the task what depends on the data: ``class_names`` (Kinetics: the label
map, else ``sorted(set(train labels))`` as mmaction2; UCF101: ``classInd.txt``, made readable),
the MSRVTT-QA answer vocabulary (top-K training answers) and question types, NExT-QA's
question types and groups.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any, Optional, Union

from zoo.data.datamodule import SPLITS, ZooDataModule
from zoo.data.formats.charades_sta import parse_charades_sta, read_charades_durations
from zoo.data.formats.kinetics import kinetics_classes, parse_kinetics, read_label_map
from zoo.data.formats.msrvtt import parse_msrvtt, parse_msrvtt_jsfusion
from zoo.data.formats.msrvtt_qa import parse_msrvtt_qa
from zoo.data.formats.nextqa import QUESTION_TYPES as NEXTQA_QUESTION_TYPES
from zoo.data.formats.nextqa import parse_nextqa, read_nextqa_video_map
from zoo.data.formats.ucf101 import parse_ucf101, read_class_index
from zoo.data.records import VideoRecord
from zoo.data.video import BACKENDS, VideoFileSource

__all__ = ["BenchmarkDataModule", "KineticsDataModule", "UCF101DataModule", "MSRVTTDataModule",
           "NExTQADataModule", "MSRVTTQADataModule", "CharadesSTADataModule",
           "readable_class_name", "MISSING_VIDEOS", "NEXTQA_QUESTION_GROUPS"]

logger = logging.getLogger("zoo.data")

MISSING_VIDEOS = ("raise", "skip")

#: NExT-QA's reported groups (``eval_mc.py``): causal, temporal (TP merged into TN), descriptive.
NEXTQA_QUESTION_GROUPS = {"C": ["CW", "CH"], "T": ["TN", "TC", "TP"], "D": ["DC", "DL", "DO"]}

_CAMEL_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|[0-9]+")


def readable_class_name(name: str) -> str:
    """A CamelCase class folder name as lower-case words, for text prompts:
    ``"ApplyEyeMakeup"`` -> ``"apply eye makeup"``, ``"YoYo"`` -> ``"yo yo"``."""
    return " ".join(word.lower() for word in _CAMEL_WORDS.findall(name)) or name


class BenchmarkDataModule(ZooDataModule):
    """A benchmark read from files under ``root``: what every real-dataset datamodule shares.

    Subclasses implement ``parse(split)`` (records from the annotation files) and, when videos do
    not all live in one ``video_dir``, ``video_root(split)``.

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

    def video_root(self, split: str) -> Path:
        """The folder that ``record.path`` of ``split`` is relative to."""
        return self.path(self.video_dir)

    # ------------------------------------------------------------------ ZooDataModule interface
    def parsed(self, split: str) -> list[VideoRecord]:
        """``parse(split)``, once."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if split not in self._parsed:
            self._parsed[split] = self.parse(split)
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
        if not present:
            raise FileNotFoundError(f"{summary}: no video of this split was found; check root "
                                    "and the video folder arguments")
        if self.missing_videos == "raise":
            raise FileNotFoundError(f"{summary}; pass missing_videos='skip' to leave them out "
                                    "(they are then counted and logged)")
        logger.warning("%s; skipped (datamodule.missing[%r] lists them)", summary, split)
        self.missing[split] = missing
        return present


class KineticsDataModule(BenchmarkDataModule):
    """Kinetics-400/600/700 (recognition) in the cvdfoundation layout.

    Args:
        root: the dataset folder.
        train_csv / val_csv / test_csv: the split CSVs (either header variant).
        train_videos / val_videos / test_videos: each split's video folder.
        label_map: a label-map file (mmaction2's ``label_map_k400.txt``: line k = class k - 1);
            ``None``: ``sorted(set(labels))`` of the train CSV (mmaction2's rule).
        label_folders: videos sit in ``<label with spaces as _>/`` sub-folders.
        missing_videos: ``"skip"`` by default (dead YouTube ids): counted and logged.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, train_csv: str = "annotations/train.csv",
                 val_csv: str = "annotations/val.csv", test_csv: str = "annotations/test.csv",
                 train_videos: str = "train", val_videos: str = "val", test_videos: str = "test",
                 label_map: Optional[str] = None, label_folders: bool = False,
                 missing_videos: str = "skip", **kwargs):
        super().__init__(root, missing_videos=missing_videos, **kwargs)
        self.csvs = {"train": train_csv, "val": val_csv, "test": test_csv}
        self.video_dirs = {"train": train_videos, "val": val_videos, "test": test_videos}
        self.label_map = label_map
        self.label_folders = label_folders
        self._class_names: Optional[list[str]] = None

    @property
    def class_names(self) -> list[str]:
        if self._class_names is None:
            self._class_names = (read_label_map(self.path(self.label_map)) if self.label_map
                                 else kinetics_classes(self.path(self.csvs["train"])))
        return self._class_names

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_kinetics(self.path(self.csvs[split]), classes=self.class_names,
                              label_folders=self.label_folders)

    def video_root(self, split: str) -> Path:
        return self.path(self.video_dirs[split])

    def dataset_info(self) -> dict[str, Any]:
        return {"class_names": list(self.class_names)}


class UCF101DataModule(BenchmarkDataModule):
    """UCF101 (recognition), official ``split`` 1, 2 or 3; validation uses the test list.

    Args:
        root: the dataset folder.
        split: the official train/test split (``trainlist0<split>.txt`` / ``testlist0<split>.txt``).
        annotation_dir: the folder of ``classInd.txt`` and the lists.
        video_dir: the folder of the class folders.
        readable_names: ``dataset_info`` gives class names as words (``ApplyEyeMakeup`` ->
            ``apply eye makeup``, for text prompts); False keeps ``classInd.txt``'s spelling.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, split: int = 1, annotation_dir: str = "ucfTrainTestlist",
                 video_dir: str = "UCF-101", readable_names: bool = True, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if split not in (1, 2, 3):
            raise ValueError(f"UCF101 has official splits 1, 2 and 3, got split={split!r}")
        self.official_split = split
        self.annotation_dir = annotation_dir
        self.readable_names = readable_names
        self._classes: Optional[list[str]] = None

    @property
    def classes(self) -> list[str]:
        """``classInd.txt``'s names (label = position)."""
        if self._classes is None:
            self._classes = read_class_index(self.path(self.annotation_dir) / "classInd.txt")
        return self._classes

    def parse(self, split: str) -> list[VideoRecord]:
        kind = "train" if split == "train" else "test"
        name = f"{kind}list0{self.official_split}.txt"
        return parse_ucf101(self.path(self.annotation_dir) / name, self.classes)

    def dataset_info(self) -> dict[str, Any]:
        names = [readable_class_name(c) for c in self.classes] if self.readable_names else self.classes
        return {"class_names": list(names)}


class MSRVTTDataModule(BenchmarkDataModule):
    """MSR-VTT (text-video retrieval, captioning) in CLIP4Clip's layout.

    Protocols:
        ``"1k-A"`` (retrieval; default): train = the videos of ``train_csv`` (the 9k list) with
            all their captions; val and test = the JSFusion 1k-A list, one caption per video
            (CLIP4Clip validates on it too: the 9k list leaves no other held-out video).
        ``"official"`` (captioning): the JSON's ``split`` field, train / validate / test, all
            captions.

    Args:
        root: the dataset folder.
        protocol: ``"1k-A"`` or ``"official"``.
        data_json / train_csv / test_csv: ``MSRVTT_data.json``, the 9k (or 7k) train list, the
            JSFusion test list.
        video_dir: the folder of ``video<N>.mp4`` (``.webm`` is tried when ``.mp4`` is missing).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    PROTOCOLS = ("1k-A", "official")
    JSON_SPLITS = {"train": "train", "val": "validate", "test": "test"}
    video_extensions = (".webm",)

    def __init__(self, root: str, protocol: str = "1k-A",
                 data_json: str = "msrvtt_data/MSRVTT_data.json",
                 train_csv: str = "msrvtt_data/MSRVTT_train.9k.csv",
                 test_csv: str = "msrvtt_data/MSRVTT_JSFUSION_test.csv",
                 video_dir: str = "videos/all", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if protocol not in self.PROTOCOLS:
            raise ValueError(f"protocol must be one of {self.PROTOCOLS}, got {protocol!r}")
        self.protocol = protocol
        self.data_json, self.train_csv, self.test_csv = data_json, train_csv, test_csv

    def parse(self, split: str) -> list[VideoRecord]:
        if self.protocol == "official":
            return parse_msrvtt(self.path(self.data_json), split=self.JSON_SPLITS[split])
        if split == "train":
            return parse_msrvtt(self.path(self.data_json), self.path(self.train_csv))
        return parse_msrvtt_jsfusion(self.path(self.test_csv))


class NExTQADataModule(BenchmarkDataModule):
    """NExT-QA (5-way multiple-choice QA), one item per question.

    Args:
        root: the dataset folder.
        annotation_dir: the folder of ``{train,val,test}.csv``.
        video_map: ``map_vid_vidorID.json`` (video id -> ``"<dir>/<vidor id>"``); ``None``:
            videos are ``<video>.mp4`` directly under ``video_dir``.
        video_dir: the folder of the VidOR video folders.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, annotation_dir: str = "dataset/nextqa",
                 video_map: Optional[str] = "dataset/nextqa/map_vid_vidorID.json",
                 video_dir: str = "NExTVideo", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        self.annotation_dir = annotation_dir
        self.video_map = video_map
        self._video_map: Optional[dict[str, str]] = None

    def parse(self, split: str) -> list[VideoRecord]:
        if self.video_map is not None and self._video_map is None:
            self._video_map = read_nextqa_video_map(self.path(self.video_map))
        return parse_nextqa(self.path(self.annotation_dir) / f"{split}.csv", video_map=self._video_map)

    def dataset_info(self) -> dict[str, Any]:
        return {"question_types": list(NEXTQA_QUESTION_TYPES),
                "question_type_groups": {k: list(v) for k, v in NEXTQA_QUESTION_GROUPS.items()}}


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

    def __init__(self, root: str, annotation_dir: str = ".", video_dir: str = "videos/all",
                 answer_vocab_size: int = 1000, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if answer_vocab_size < 1:
            raise ValueError(f"answer_vocab_size must be positive, got {answer_vocab_size}")
        self.annotation_dir = annotation_dir
        self.answer_vocab_size = answer_vocab_size

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_msrvtt_qa(self.path(self.annotation_dir) / f"{split}_qa.json")

    def dataset_info(self) -> dict[str, Any]:
        """``answer_vocab``: the most frequent training answers (ties: first seen first);
        ``question_types``: the ``category_id`` values of all splits, as strings."""
        answers = Counter(qa.answer for record in self.parsed("train") for qa in record.qa)
        info: dict[str, Any] = {"answer_vocab": [a for a, _ in answers.most_common(self.answer_vocab_size)]}
        types = {qa.question_type for split in SPLITS for r in self.parsed(split) for qa in r.qa}
        types.discard("")
        if types:
            info["question_types"] = sorted(types, key=lambda t: (len(t), t))
        return info


class CharadesSTADataModule(BenchmarkDataModule):
    """Charades-STA (temporal grounding): one item per query, with ``segments`` (seconds) and
    ``query``; validation uses the test file.

    Args:
        root: the dataset folder.
        train_txt / test_txt: the query files.
        durations: ``Charades_duration.json`` or Charades ``Charades_v1_*.csv`` (segments are
            clamped to the duration); ``None``: no durations (segments are clipped to the file).
        video_dir: the folder of ``<vid>.mp4``.
        on_reversed: ``"swap"`` (logged) or ``"raise"`` for end < start lines.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, train_txt: str = "charades_sta_train.txt",
                 test_txt: str = "charades_sta_test.txt",
                 durations: Optional[str] = "Charades_duration.json",
                 video_dir: str = "Charades_v1_480", on_reversed: str = "swap", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        self.files = {"train": train_txt, "val": test_txt, "test": test_txt}
        self.durations = durations
        self.on_reversed = on_reversed
        self._durations: Optional[dict[str, float]] = None

    def parse(self, split: str) -> list[VideoRecord]:
        if self.durations is not None and self._durations is None:
            self._durations = read_charades_durations(self.path(self.durations))
        return parse_charades_sta(self.path(self.files[split]), durations=self._durations,
                                  on_reversed=self.on_reversed)
