"""MSVD (retrieval, captioning) datamodule.

Files read: the captions — ``AllVideoDescriptions.txt`` or a JSON copy of CLIP4Clip's
``raw-captions.pkl`` (pickles are refused; ``zoo.data.formats.msvd`` says how to convert one) —
and the split: CLIP4Clip's ``msvd_data/{train,val,test}_list.txt``, or, with
``split_lists=None``, ``youtube_mapping.txt``'s vid numbers (1-1200 / 1201-1300 / 1301-1970).
Either way the standard 1200 / 100 / 670 clips. Videos: ``YouTubeClips/<clip id>.avi``.
One item per clip with all its captions (about 40; multi-caption retrieval evaluation), or per
(clip, caption) for training with ``unfold_train=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.msvd import load_msvd_captions, parse_msvd
from zoo.data.records import VideoRecord

__all__ = ["MSVDDataModule"]


class MSVDDataModule(BenchmarkDataModule):
    """MSVD / YouTube2Text (text-video retrieval, captioning).

    Args:
        root: the dataset folder.
        captions: ``AllVideoDescriptions.txt`` or ``raw-captions.json`` (``{clip: [captions or
            token lists]}``).
        split_lists: the folder of ``{train,val,test}_list.txt``; ``None``: split by
            ``youtube_mapping``.
        youtube_mapping: ``youtube_mapping.txt`` (used when ``split_lists`` is ``None``).
        video_dir: the folder of ``<clip id>.avi``.
        unfold_train: one training item per (clip, caption).
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, captions: str = "AllVideoDescriptions.txt",
                 split_lists: Optional[str] = "msvd_data",
                 youtube_mapping: Optional[str] = "youtube_mapping.txt",
                 video_dir: str = "YouTubeClips", unfold_train: bool = False, **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        if split_lists is None and youtube_mapping is None:
            raise ValueError("MSVD needs split_lists (train/val/test_list.txt) or youtube_mapping")
        self.captions, self.split_lists = captions, split_lists
        self.youtube_mapping, self.unfold_train = youtube_mapping, unfold_train
        self._captions: Optional[dict[str, list[str]]] = None

    def annotation_files(self, split: str) -> list[Path]:
        if self.split_lists is not None:
            first = self.path(self.split_lists) / f"{split}_list.txt"
        else:
            first = self.path(self.youtube_mapping)
        return [first, self.path(self.captions)]

    def parse(self, split: str) -> list[VideoRecord]:
        if self._captions is None:
            self._captions = load_msvd_captions(self.path(self.captions))
        unfold = self.unfold_train and split == "train"
        if self.split_lists is not None:
            return parse_msvd(self._captions, split_list=self.annotation_files(split)[0],
                              unfold=unfold)
        return parse_msvd(self._captions, youtube_mapping=self.path(self.youtube_mapping),
                          split=split, unfold=unfold)
