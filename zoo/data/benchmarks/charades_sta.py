"""Charades-STA (temporal grounding) datamodule.

Files read: ``charades_sta_{train,test}.txt`` (``"<vid> <s> <e>##<sentence>"``) and the
durations (``Charades_duration.json`` or Charades ``Charades_v1_*.csv``). Videos:
``Charades_v1_480/<vid>.mp4``. Splits: train = the train file; val **and** test = the test file.
One item per query, with ``segments`` (seconds) and ``query``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.charades_sta import parse_charades_sta, read_charades_durations
from zoo.data.records import VideoRecord

__all__ = ["CharadesSTADataModule"]


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

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.files[split])]

    def parse(self, split: str) -> list[VideoRecord]:
        if self.durations is not None and self._durations is None:
            self._durations = read_charades_durations(self.path(self.durations))
        return parse_charades_sta(self.path(self.files[split]), durations=self._durations,
                                  on_reversed=self.on_reversed)
