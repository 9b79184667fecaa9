"""HMDB51 (recognition) datamodule.

Files read: the official split folder ``testTrainMulti_7030_splits/`` (from
``test_train_splits.rar``): ``<class>_test_split<k>.txt`` for the chosen official split ``k``
(flag 1 = train, 2 = test, 0 = unused; see ``zoo.data.formats.hmdb51``). Videos:
``hmdb51_org/<class>/<video>.avi`` (the class archives of ``hmdb51_org.rar``, unpacked).
Class index: the sorted class names (mmaction2). Splits: train = flag 1; val **and** test = flag
2 (HMDB51 has no validation list). The benchmark reports top-1 averaged over the 3 splits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.hmdb51 import hmdb51_classes, hmdb51_split_files, parse_hmdb51
from zoo.data.records import VideoRecord

__all__ = ["HMDB51DataModule"]


class HMDB51DataModule(BenchmarkDataModule):
    """HMDB51 (51-class recognition), official ``split`` 1, 2 or 3.

    Args:
        root: the dataset folder.
        split: the official split (the ``_test_split<split>.txt`` files).
        split_dir: the folder of the split files.
        video_dir: the folder of the class folders.
        readable_names: ``dataset_info`` gives class names as words (``brush_hair`` ->
            ``brush hair``, for text prompts); False keeps the folder spelling.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, split: int = 1, split_dir: str = "testTrainMulti_7030_splits",
                 video_dir: str = "hmdb51_org", readable_names: bool = True, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if split not in (1, 2, 3):
            raise ValueError(f"HMDB51 has official splits 1, 2 and 3, got split={split!r}")
        self.official_split = split
        self.split_dir = split_dir
        self.readable_names = readable_names
        self._classes: Optional[list[str]] = None

    @property
    def classes(self) -> list[str]:
        """The class folder names, sorted (label = position)."""
        if self._classes is None:
            self._classes = hmdb51_classes(self.path(self.split_dir), self.official_split)
        return self._classes

    def annotation_files(self, split: str) -> list[Path]:
        return list(hmdb51_split_files(self.path(self.split_dir), self.official_split).values())

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_hmdb51(self.path(self.split_dir), self.official_split,
                            subset="train" if split == "train" else "test", classes=self.classes)

    def dataset_info(self) -> dict[str, Any]:
        names = [c.replace("_", " ") for c in self.classes] if self.readable_names else self.classes
        return {"class_names": list(names)}
