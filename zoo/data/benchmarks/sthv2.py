"""Something-Something v2 (recognition) datamodule.

Files read (``annotation_dir``, default ``labels``): ``something-something-v2-labels.json`` and
``something-something-v2-{train,validation,test}.json`` — the short names ``labels.json`` /
``train.json`` / ``validation.json`` / ``test.json`` are used when the long ones are absent (see
``zoo.data.formats.sthv2``). Videos: ``20bn-something-something-v2/<id>.webm``.

Splits: train = train; val = validation; test = **validation** by default, since the test list
has no labels (the benchmark reports validation accuracy); ``test_json="test"`` reads the
unlabelled test list (label -1) for prediction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.sthv2 import parse_sthv2, read_sthv2_labels
from zoo.data.records import VideoRecord

__all__ = ["SthV2DataModule"]


class SthV2DataModule(BenchmarkDataModule):
    """Something-Something v2 (174-class recognition).

    Args:
        root: the dataset folder.
        annotation_dir: the folder of the label and split JSON files.
        train_json / val_json / test_json: which list each split reads: ``"train"``,
            ``"validation"`` or ``"test"`` (resolved to ``something-something-v2-<name>.json``,
            else ``<name>.json``), or a path ending in ``.json``.
        video_dir: the folder of ``<id>.webm``.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, annotation_dir: str = "labels", train_json: str = "train",
                 val_json: str = "validation", test_json: str = "validation",
                 video_dir: str = "20bn-something-something-v2", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        self.annotation_dir = annotation_dir
        self.lists = {"train": train_json, "val": val_json, "test": test_json}
        self._classes: Optional[list[str]] = None

    def _file(self, name: str) -> Path:
        if name.endswith(".json"):
            return self.path(name)
        folder = self.path(self.annotation_dir)
        long = folder / f"something-something-v2-{name}.json"
        short = folder / f"{name}.json"
        return long if long.is_file() or not short.is_file() else short

    @property
    def class_names(self) -> list[str]:
        """The 174 templates without brackets, in ``labels.json``'s index order."""
        if self._classes is None:
            self._classes = read_sthv2_labels(self._file("labels"))
        return self._classes

    def annotation_files(self, split: str) -> list[Path]:
        return [self._file(self.lists[split])]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_sthv2(self._file(self.lists[split]), self.class_names)

    def dataset_info(self) -> dict[str, Any]:
        return {"class_names": list(self.class_names)}
