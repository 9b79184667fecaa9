"""VidSTG (spatio-temporal video grounding) datamodule.

Files read (``zoo.data.formats.vidstg``): ``annotations/{train,val,test}_annotations.json`` and
the VidOR annotations ``vidor/training/<dir>/<vid>.json`` (train, val) and
``vidor/validation/<dir>/<vid>.json`` (test: VidSTG's test split comes from VidOR validation).
Videos: ``video/<dir>/<vid>.mp4`` (VidOR's ``video_path``). Splits as the files name them. One
item per sentence — declarative and interrogative, or the kinds ``sentences`` keeps — sampled
inside the annotated ``used_segment``: ``query``, ``query_type``, ``query_id``, ``segments``
(seconds from the used segment's start), the target's ``boxes`` / ``frame_mask``.

``dataset_info()`` gives the task ``query_types`` (the sentence kinds), so the metrics are also
reported per kind, as VidSTG papers do (``declarative/m_vIoU`` ...). Frames are squashed to the
model's input size by default (:class:`~zoo.data.benchmarks.hcstvg.WholeFrameDataModule`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

from zoo.data.benchmarks.hcstvg import WholeFrameDataModule
from zoo.data.formats.vidstg import SENTENCE_KINDS, index_vidor, parse_vidstg
from zoo.data.records import VideoRecord

__all__ = ["VidSTGDataModule", "VIDOR_SPLITS"]

#: VidSTG split -> the VidOR folder its trajectories are in.
VIDOR_SPLITS = {"train": "training", "val": "training", "test": "validation"}


class VidSTGDataModule(WholeFrameDataModule):
    """VidSTG (module docstring).

    Args:
        root: the dataset folder.
        annotation_dir: the folder of ``{split}_annotations.json``.
        vidor_dir: the VidOR annotation folder (holding ``training/`` and ``validation/``).
        video_dir: the folder of VidOR's ``<dir>/<vid>.mp4`` videos.
        sentences: the sentence kinds to keep (``declarative``, ``interrogative``).
        on_empty_box: ``"raise"`` or ``"drop"`` (see ``zoo.data.formats.hcstvg.BoxPolicy``).
        resize_mode: ``"squash"`` (default) or ``"shortest"``.
        (the rest: see :class:`~zoo.data.benchmarks.base.BenchmarkDataModule`)
    """

    def __init__(self, root: str, annotation_dir: str = "annotations", vidor_dir: str = "vidor",
                 video_dir: str = "video",
                 sentences: Sequence[str] = ("declarative", "interrogative"),
                 on_empty_box: str = "raise", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        sentences = list(sentences)
        unknown = [s for s in sentences if s not in SENTENCE_KINDS]
        if unknown or not sentences or len(set(sentences)) != len(sentences):
            raise ValueError(f"sentences must be distinct kinds among {sorted(SENTENCE_KINDS)}, "
                             f"got {sentences!r}")
        self.annotation_dir, self.vidor_dir = annotation_dir, vidor_dir
        self.sentences, self.on_empty_box = sentences, on_empty_box
        self._vidor: dict[str, dict[str, Path]] = {}

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.annotation_dir) / f"{split}_annotations.json"]

    def vidor_files(self, split: str) -> dict[str, Path]:
        """``{video id: VidOR annotation file}`` of the folder ``split`` reads."""
        folder = VIDOR_SPLITS[split]
        if folder not in self._vidor:
            self._vidor[folder] = index_vidor(self.path(self.vidor_dir) / folder)
        return self._vidor[folder]

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_vidstg(self.annotation_files(split)[0], self.vidor_files(split),
                            sentences=self.sentences, on_empty_box=self.on_empty_box)

    def dataset_info(self) -> dict[str, Any]:
        """``query_types``: the sentence kinds, reported separately by the task."""
        return {"query_types": list(self.sentences)}

    def missing_hint(self, split: str, missing: list[VideoRecord]) -> Optional[str]:
        return ("VidSTG videos are VidOR's: point video_dir at the folder holding "
                "<dir>/<vid>.mp4 (VidOR's video_path)")
