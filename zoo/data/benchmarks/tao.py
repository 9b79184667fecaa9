"""TAO and BURST (open-vocabulary tracking on TAO's frame folders): datamodules.

**TAO** (``TAODataModule``; ``zoo.data.formats.tao``): under ``root``

- ``annotations/train.json``, ``annotations/validation.json`` (COCO-video JSON, LVIS categories);
  TAO's test annotations are not public, so ``test_file`` defaults to the validation file (the
  split OVTrack and TETA report);
- ``frames/<video name>/...``: the frames of every video (``<split>/<source>/<video>/frame0001.jpg``
  ...; the images the JSON lists are the annotated ones, about one per second).

**BURST** (``BURSTDataModule``; ``zoo.data.formats.burst``): ``annotations/train/train.json``,
``annotations/val/all_classes.json``, ``annotations/test/all_classes.json``, frames
``frames/<split>/<dataset>/<seq_name>/<all_image_paths[i]>``; base / novel from
``novel_category_ids`` (BURST's categories have no LVIS frequency).

``frames`` says which frames a video is made of:

- ``"annotated"`` (default): only the annotated frames (the JSON's images, in ``frame_index``
  order; BURST: the frames any track is annotated in), as a video at ``annotated_fps`` (TAO and
  BURST validation annotate one frame per second). Clips are sampled among them, so every
  sampled frame has ground truth — how TAO trackers train and are scored (TETA only scores
  annotated frames);
- ``"all"``: every image of the folder in name order (TAO) or ``all_image_paths`` (BURST), at
  ``fps`` (TAO's JSON states no frame rate; 30 by default) or the sequence's ``fps`` (BURST);
  annotated frames keep their index.

The open-vocabulary protocol: ``train_novel="drop"`` (default) removes the tracks of novel
categories from the training split (OVTrack trains on base categories only; their objects stay
in the pixels, unlabelled); ``"keep"`` trains on every track.

``dataset_info()``: ``categories`` (names, in the file's order), ``category_ids`` (the
benchmark's ids), ``base_categories``, ``novel_categories``, ``novel_category_ids`` — from the
training file's categories when it exists, else the validation file's.

Errors: a file name outside its video's folder (``AnnotationError`` naming the image), plus the
parsers' checks (unknown image, track crossing videos, box outside the frame, ...), missing frame
folders (``missing_videos``), unreadable images (``on_error``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterable, Optional, Sequence

from zoo.data.benchmarks.base import BenchmarkDataModule
from zoo.data.formats.base import AnnotationError, read_json
from zoo.data.formats.burst import burst_categories, parse_burst
from zoo.data.formats.tao import OVTRACK_NOVEL, parse_tao, tao_categories
from zoo.data.frames import FrameFolderSource
from zoo.data.records import Category, VideoRecord

__all__ = ["TAODataModule", "BURSTDataModule", "FRAME_MODES", "TRAIN_NOVEL", "keep_frames"]

FRAME_MODES = ("annotated", "all")
TRAIN_NOVEL = ("drop", "keep")


def keep_frames(record: VideoRecord, frames: Sequence[int], files: Sequence[str],
                fps: float) -> VideoRecord:
    """``record`` as the video of only ``frames`` (sorted frame indices, image ``files[i]`` of
    ``frames[i]``) at ``fps``: track frames become positions in ``frames`` (annotations on other
    frames are dropped)."""
    position = {f: i for i, f in enumerate(frames)}
    tracks = []
    for track in record.tracks:
        kept = [(position[f], b) for f, b in zip(track.frames, track.boxes) if f in position]
        tracks.append(replace(track, frames=[f for f, _ in kept], boxes=[b for _, b in kept]))
    return replace(record, frame_files=list(files), fps=fps, tracks=tracks)


def vocabulary(categories: Sequence[Category]) -> dict:
    """The ``dataset_info`` entries of a category list."""
    return {"categories": [c.name for c in categories], "category_ids": [c.id for c in categories],
            "base_categories": [c.name for c in categories if not c.novel],
            "novel_categories": [c.name for c in categories if c.novel],
            "novel_category_ids": [c.id for c in categories if c.novel]}


class _TrackingBenchmark(BenchmarkDataModule):
    """What TAO and BURST share: frame folders, the frame mode, the training protocol."""

    files: dict[str, str] = {}

    def __init__(self, root: str, frame_dir: str = "frames", frames: str = "annotated",
                 annotated_fps: float = 1.0, fps: float = 30.0, train_novel: str = "drop", **kwargs):
        super().__init__(root, video_dir=frame_dir, **kwargs)
        if frames not in FRAME_MODES:
            raise ValueError(f"frames must be one of {FRAME_MODES}, got {frames!r}")
        if train_novel not in TRAIN_NOVEL:
            raise ValueError(f"train_novel must be one of {TRAIN_NOVEL}, got {train_novel!r}")
        if annotated_fps <= 0 or fps <= 0:
            raise ValueError(f"annotated_fps and fps must be positive, got {annotated_fps}, {fps}")
        self.frames, self.annotated_fps, self.fps, self.train_novel = frames, annotated_fps, fps, train_novel

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.files[split])]

    def source(self, split: str) -> FrameFolderSource:
        return FrameFolderSource(self.video_root(split), fps=self.fps)

    def read(self, split: str) -> list[VideoRecord]:
        """The split's records as the parser gives them (frames of the whole folder)."""
        raise NotImplementedError

    def parse(self, split: str) -> list[VideoRecord]:
        records = self.read(split)
        if split == "train" and self.train_novel == "drop":
            records = [replace(r, tracks=[t for t in r.tracks if not t.novel]) for r in records]
        return records

    def categories(self) -> list[Category]:
        raise NotImplementedError

    def dataset_info(self) -> dict:
        return vocabulary(self.categories())

    def category_file(self) -> Path:
        train = self.path(self.files["train"])
        return train if train.is_file() else self.path(self.files["val"])


class TAODataModule(_TrackingBenchmark):
    """TAO (module docstring).

    Args:
        root: the dataset folder. train_file / val_file / test_file: annotation files
            (``test_file`` ``None``: the validation file). frame_dir: the frames root.
        frames / annotated_fps / fps / train_novel: module docstring.
        novel_frequencies: LVIS frequencies that are novel (OVTrack: rare, ``["r"]``).
        on_empty_box: the parser's policy for boxes with no area inside the frame.
        (the rest: :class:`~zoo.data.benchmarks.base.BenchmarkDataModule`)
    """

    def __init__(self, root: str, train_file: str = "annotations/train.json",
                 val_file: str = "annotations/validation.json", test_file: Optional[str] = None,
                 novel_frequencies: Sequence[str] = OVTRACK_NOVEL, on_empty_box: str = "raise",
                 **kwargs):
        super().__init__(root, **kwargs)
        self.files = {"train": train_file, "val": val_file, "test": test_file or val_file}
        self.novel_frequencies = tuple(novel_frequencies)
        self.on_empty_box = on_empty_box

    def categories(self) -> list[Category]:
        return tao_categories(self.category_file(), self.novel_frequencies)

    def read(self, split: str) -> list[VideoRecord]:
        path = self.path(self.files[split])
        records = parse_tao(path, self.novel_frequencies, self.on_empty_box)
        if self.frames == "all":
            return [replace(r, fps=self.fps) for r in records]
        images = annotated_images(path, {r.video_id for r in records})
        return [keep_frames(r, [f for f, _ in images.get(r.video_id, [])],
                            [name for _, name in images.get(r.video_id, [])], self.annotated_fps)
                for r in records]


def annotated_images(path: Path, videos: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """``{video name: [(frame_index, file relative to the video's folder), ...]}`` sorted by frame
    index, from a TAO file's ``images`` (already checked by ``parse_tao``)."""
    data = read_json(path)
    names = {v["id"]: v["name"] for v in data["videos"]}
    out: dict[str, list[tuple[int, str]]] = {}
    for k, image in enumerate(data["images"]):
        name = names[image["video_id"]]
        file_name = str(image.get("file_name", ""))
        if not file_name.startswith(name + "/"):
            raise AnnotationError(path, f"images[{k}]", f"file_name {file_name!r} is not inside its "
                                  f"video's frame folder {name!r}")
        out.setdefault(name, []).append((int(image["frame_index"]), file_name[len(name) + 1:]))
    return {name: sorted(out.get(name, [])) for name in videos}


class BURSTDataModule(_TrackingBenchmark):
    """BURST (module docstring).

    Args:
        root: the dataset folder. train_file / val_file / test_file: annotation files.
        novel_category_ids: the categories that are novel (e.g. BURST's uncommon classes).
        frames / annotated_fps / fps / train_novel / frame_dir: module docstring (``fps`` only
            for sequences that state none).
    """

    def __init__(self, root: str, train_file: str = "annotations/train/train.json",
                 val_file: str = "annotations/val/all_classes.json",
                 test_file: str = "annotations/test/all_classes.json",
                 novel_category_ids: Optional[list[int]] = None, **kwargs):
        super().__init__(root, **kwargs)
        self.files = {"train": train_file, "val": val_file, "test": test_file}
        self.novel_category_ids = novel_category_ids

    def categories(self) -> list[Category]:
        return burst_categories(self.category_file(), self.novel_category_ids)

    def read(self, split: str) -> list[VideoRecord]:
        records = parse_burst(self.path(self.files[split]), self.novel_category_ids)
        if self.frames == "all":
            return records
        out = []
        for record in records:
            frames = sorted({f for track in record.tracks for f in track.frames})
            out.append(keep_frames(record, frames, [record.frame_files[f] for f in frames],
                                   self.annotated_fps))
        return out

