"""The generic mmaction2 video-list datamodule: recognition on any dataset that has (or can be
given) ``"<relative/path.mp4> <label>"`` lists — Diving48, Jester, Kinetics subsets, UCF101 /
HMDB51 lists converted by mmaction2's tools, UniFormer / VideoMAE's comma lists, in-house sets.

Files read: one list per split (``zoo.data.formats.mmaction_list``: space- or
``delimiter``-separated, 0-based integer labels, a path-only line is unlabelled, multi-label
lines with ``multi_label=True``) and, optionally, a class-name file (one name per line, line k
= class k - 1). Videos: ``record.path`` joined onto ``video_dir``. Splits: the three lists;
``val_list`` defaults to the test list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.kinetics import read_label_map
from zoo.data.formats.mmaction_list import parse_video_list
from zoo.data.records import VideoRecord

__all__ = ["VideoListDataModule"]


class VideoListDataModule(BenchmarkDataModule):
    """Recognition from mmaction2-style video lists (module docstring).

    Args:
        root: the dataset folder.
        train_list / val_list / test_list: the lists (``val_list=None``: the test list).
        video_dir: the folder the list paths are relative to (mmaction2's ``data_prefix``).
        delimiter: the field separator (``" "``: any whitespace; ``","`` for UniFormer-style).
        multi_label: ``"<path> l1 l2 ..."`` lines (``batch["labels"]``).
        class_names: a file of class names, one per line in label order; ``None``: the task gets
            no names (``dataset_info`` is then ``{"num_classes": max label + 1}``).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, train_list: str = "train.txt", val_list: Optional[str] = None,
                 test_list: str = "test.txt", video_dir: str = "videos", delimiter: str = " ",
                 multi_label: bool = False, class_names: Optional[str] = None, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        self.lists = {"train": train_list, "val": val_list or test_list, "test": test_list}
        self.delimiter = delimiter
        self.multi_label = multi_label
        self.class_names = class_names

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.lists[split])]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_video_list(self.path(self.lists[split]), delimiter=self.delimiter,
                                multi_label=self.multi_label)

    def dataset_info(self) -> dict[str, Any]:
        if self.class_names is not None:
            return {"class_names": read_label_map(self.path(self.class_names))}
        labels = [max([r.label, *r.labels]) for r in self.parsed("train")]
        return {"num_classes": max(labels) + 1}
