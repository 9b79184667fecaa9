"""Kinetics-400/600/700 (recognition) datamodule, cvdfoundation layout.

Files read: ``annotations/{train,val,test}.csv`` (either header variant; see
``zoo.data.formats.kinetics``) and, optionally, a label map (mmaction2's
``label_map_k400.txt``). Videos: ``{train,val,test}/<ytid>_<s:06d>_<e:06d>.mp4``, or inside
``<label with spaces as _>/`` class folders with ``label_folders=True``. Splits: train / val /
test as the CSVs name them. Dead YouTube ids make every copy incomplete, so missing videos are
skipped, counted and logged by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.kinetics import kinetics_classes, parse_kinetics, read_label_map
from zoo.data.records import VideoRecord

__all__ = ["KineticsDataModule"]


class KineticsDataModule(BenchmarkDataModule):
    """Kinetics-400/600/700 (recognition) in the cvdfoundation layout.

    Args:
        root: the dataset folder.
        train_csv / val_csv / test_csv: the split CSVs (either header variant).
        train_videos / val_videos / test_videos: each split's video folder.
        label_map: a label-map file (mmaction2's ``label_map_k400.txt``: line k = class k - 1);
            ``None``: ``sorted(set(labels))`` of the train CSV (mmaction2's rule).
        label_folders: videos sit in ``<label with spaces as _>/`` sub-folders. When videos are
            missing and the video folder holds sub-folders, the error says to set this.
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

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.csvs[split])]

    def video_root(self, split: str) -> Path:
        return self.path(self.video_dirs[split])

    def missing_hint(self, split: str, missing: list[VideoRecord]) -> str:
        """Class folders under a flat-layout video root: say to set ``label_folders=true``."""
        if self.label_folders:
            return ""
        folder = self.video_root(split)
        if not folder.is_dir():
            return ""
        subfolders = sorted(p.name for p in folder.iterdir() if p.is_dir())
        if not subfolders:
            return ""
        shown = ", ".join(f"{name}/" for name in subfolders[:3])
        return (f"{folder} has {len(subfolders)} sub-folder(s) ({shown}...): if the videos are "
                "stored in class folders, set label_folders=true "
                "(--data.init_args.label_folders true)")

    def dataset_info(self) -> dict[str, Any]:
        return {"class_names": list(self.class_names)}
