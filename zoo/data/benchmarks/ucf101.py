"""UCF101 (recognition) datamodule.

Files read: ``ucfTrainTestlist/classInd.txt``, ``trainlist0<k>.txt`` and ``testlist0<k>.txt``
for the official split ``k`` in 1..3 (CRLF lists; see ``zoo.data.formats.ucf101``). Videos:
``UCF-101/<Class>/v_<Class>_gGG_cCC.avi``. Splits: train = the train list; val **and** test = the
test list (UCF101 has no validation list).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule, readable_class_name
from zoo.data.formats.ucf101 import parse_ucf101, read_class_index
from zoo.data.records import VideoRecord

__all__ = ["UCF101DataModule"]


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

    def annotation_files(self, split: str) -> list[Path]:
        kind = "train" if split == "train" else "test"
        return [self.path(self.annotation_dir) / f"{kind}list0{self.official_split}.txt"]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_ucf101(self.annotation_files(split)[0], self.classes)

    def dataset_info(self) -> dict[str, Any]:
        names = [readable_class_name(c) for c in self.classes] if self.readable_names else self.classes
        return {"class_names": list(names)}
