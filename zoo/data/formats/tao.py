"""TAO (tracking any object; COCO-video style JSON) → records, one per video, with one
:class:`~zoo.data.records.Track` per TAO track.

Format (``TAO-Dataset/tao : tao/toolkit/tao/tao.py`` docstring; an excerpt of a real file is
``open-mmlab/mmtracking : tests/data/demo_tao_data/ann.json``)::

    {"videos": [{"id", "name": "train/YFCC100M/v_f69e...", "width", "height",
                 "neg_category_ids": [int], "not_exhaustive_category_ids": [int], "metadata"}],
     "images": [{"id", "video_id", "frame_index": 390, "file_name": ".../frame0391.jpg",
                 "width", "height", ...}],
     "tracks": [{"id", "category_id", "video_id"}],
     "annotations": [{"id", "image_id", "track_id", "category_id", "bbox": [x, y, w, h],
                      "area", "iscrowd", "video_id", ...}],
     "categories": [{"id", "name", "synset", "frequency": "r" | "c" | "f", ...}],  # LVIS
     "info": ..., "licenses": ...}

- ``bbox`` is **xywh** float pixels of the image → xyxy.
- ``frame_index`` is the 0-based index of the image in the video's full frame sequence (TAO
  annotates about one frame per second: every 30th frame of a 30-fps video); the image file is
  ``frame{frame_index + 1:04d}.jpg`` in the real files. Track frames are these indices.
- Track ids are global (unique over the file) and kept as they are.
- Base / novel (the OVTrack protocol): LVIS **rare** categories are novel, common and frequent
  are base — ``novel_frequencies=("r",)``. A category without ``frequency`` gets
  ``novel=None``.

Records (in the order of ``videos``): ``video_id`` = ``path`` = the video ``name`` (its frame
folder under the frames root), ``frame_size``, ``tracks`` (sorted by track id; frames in order)
with ``category`` (name), ``category_id`` and ``novel``, ``negative_categories`` and
``not_exhaustive_categories`` (names; LVIS federated evaluation needs them). A video with no
annotation (the test split) has no tracks.

Checks (``AnnotationError(file, "<list>[i]", reason)``): missing / mistyped keys, duplicate ids;
an image of an unknown video, or of a size other than its video's, or two images at one
``frame_index``; an annotation referring to an unknown image, track or category; a track whose
annotations lie in another video than the track's (a track crossing videos); an annotation whose
category differs from its track's; two boxes of one track on one image. Boxes follow
:class:`~zoo.data.formats.hcstvg.BoxPolicy` (negative size raises, partly outside the frame →
clipped and counted, no area inside → raise, or dropped and counted with ``on_empty_box="drop"``).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_int
from zoo.data.formats.hcstvg import BoxPolicy, frame_size, xywh_to_xyxy
from zoo.data.records import Category, Track, VideoRecord

__all__ = ["parse_tao", "tao_categories", "LVIS_FREQUENCIES", "OVTRACK_NOVEL"]

LVIS_FREQUENCIES = ("r", "c", "f")
#: OVTrack's split: LVIS rare categories are novel.
OVTRACK_NOVEL = ("r",)


def _list(data: dict, key: str, path: PathLike, required: bool = True) -> list:
    value = data.get(key, None if required else [])
    if not isinstance(value, list):
        raise AnnotationError(path, key, "missing" if value is None else "must be a list")
    return value


def _object(item: Any, keys: Sequence[str], path: PathLike, where: str) -> dict:
    if not isinstance(item, dict):
        raise AnnotationError(path, where, "must be an object")
    missing = [k for k in keys if k not in item]
    if missing:
        raise AnnotationError(path, where, f"missing key(s) {missing}")
    return item


def tao_categories(path: PathLike, novel_frequencies: Sequence[str] = OVTRACK_NOVEL,
                   data: Optional[dict] = None) -> list[Category]:
    """The ``categories`` of a TAO file as :class:`Category` (``novel`` = ``frequency`` in
    ``novel_frequencies``; ``None`` without a frequency)."""
    bad = [f for f in novel_frequencies if f not in LVIS_FREQUENCIES]
    if bad:
        raise ValueError(f"novel_frequencies must be LVIS frequencies {LVIS_FREQUENCIES}, got "
                         f"{bad}")
    data = read_json(path) if data is None else data
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected a COCO-video JSON object")
    categories: dict[int, Category] = {}
    for k, cat in enumerate(_list(data, "categories", path)):
        where = f"categories[{k}]"
        cat = _object(cat, ("id", "name"), path, where)
        cid = to_int(cat["id"], path, where, "id")
        if cid in categories:
            raise AnnotationError(path, where, f"category id {cid} is listed twice")
        if not isinstance(cat["name"], str) or not cat["name"]:
            raise AnnotationError(path, where, f"name must be a string, got {cat['name']!r}")
        frequency = cat.get("frequency", "")
        if frequency not in ("",) + LVIS_FREQUENCIES:
            raise AnnotationError(path, where, f"frequency must be one of {LVIS_FREQUENCIES}, "
                                  f"got {frequency!r}")
        categories[cid] = Category(id=cid, name=cat["name"], frequency=frequency,
                                   novel=(frequency in novel_frequencies) if frequency else None,
                                   synset=str(cat.get("synset", "")))
    return list(categories.values())


def parse_tao(path: PathLike, novel_frequencies: Sequence[str] = OVTRACK_NOVEL,
              on_empty_box: str = "raise") -> list[VideoRecord]:
    """Parse a TAO annotation file (``train.json`` / ``validation.json`` / ``test*.json``); module
    docstring for the format and the checks."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected a COCO-video JSON object")
    categories = {c.id: c for c in tao_categories(path, novel_frequencies, data)}

    def names(value: Any, where: str) -> list[str]:
        if not isinstance(value, list):
            raise AnnotationError(path, where, "must be a list of category ids")
        out = []
        for cid in value:
            cid = to_int(cid, path, where, "category id")
            if cid not in categories:
                raise AnnotationError(path, where, f"unknown category id {cid}")
            out.append(categories[cid].name)
        return out

    records: dict[int, VideoRecord] = {}
    for k, video in enumerate(_list(data, "videos", path)):
        where = f"videos[{k}]"
        video = _object(video, ("id", "name", "width", "height"), path, where)
        vid = to_int(video["id"], path, where, "id")
        if vid in records:
            raise AnnotationError(path, where, f"video id {vid} is listed twice")
        name = video["name"]
        if not isinstance(name, str) or not name:
            raise AnnotationError(path, where, f"name must be a video path, got {name!r}")
        records[vid] = VideoRecord(
            video_id=name, path=name, frame_size=frame_size(video, path, where),
            negative_categories=names(video.get("neg_category_ids", []),
                                      f"{where}.neg_category_ids"),
            not_exhaustive_categories=names(video.get("not_exhaustive_category_ids", []),
                                            f"{where}.not_exhaustive_category_ids"),
            source=locate(path, where))

    images: dict[int, tuple[int, int]] = {}  # image id -> (video id, frame index)
    seen_frames: set[tuple[int, int]] = set()
    for k, image in enumerate(_list(data, "images", path)):
        where = f"images[{k}]"
        image = _object(image, ("id", "video_id", "frame_index"), path, where)
        iid = to_int(image["id"], path, where, "id")
        if iid in images:
            raise AnnotationError(path, where, f"image id {iid} is listed twice")
        vid = to_int(image["video_id"], path, where, "video_id")
        if vid not in records:
            raise AnnotationError(path, where, f"unknown video_id {vid}")
        index = to_int(image["frame_index"], path, where, "frame_index", minimum=0)
        if (vid, index) in seen_frames:
            raise AnnotationError(path, where, f"video {vid} has two images at frame_index {index}")
        seen_frames.add((vid, index))
        if "width" in image or "height" in image:
            size = frame_size(image, path, where)
            if size != records[vid].frame_size:
                raise AnnotationError(path, where, f"image size {size} differs from its video's "
                                      f"{records[vid].frame_size} (height, width)")
        images[iid] = (vid, index)

    tracks: dict[int, Track] = {}
    track_video: dict[int, int] = {}
    for k, track in enumerate(_list(data, "tracks", path, required=False)):
        where = f"tracks[{k}]"
        track = _object(track, ("id", "category_id", "video_id"), path, where)
        tid = to_int(track["id"], path, where, "id")
        if tid in tracks:
            raise AnnotationError(path, where, f"track id {tid} is listed twice")
        cid = to_int(track["category_id"], path, where, "category_id")
        if cid not in categories:
            raise AnnotationError(path, where, f"unknown category id {cid}")
        vid = to_int(track["video_id"], path, where, "video_id")
        if vid not in records:
            raise AnnotationError(path, where, f"unknown video_id {vid}")
        category = categories[cid]
        tracks[tid] = Track(track_id=tid, category=category.name, frames=[], boxes=[],
                            category_id=cid, novel=category.novel)
        track_video[tid] = vid

    boxes = BoxPolicy(path, on_empty_box)
    for k, ann in enumerate(_list(data, "annotations", path, required=False)):
        where = f"annotations[{k}]"
        ann = _object(ann, ("image_id", "track_id", "category_id", "bbox"), path, where)
        iid = to_int(ann["image_id"], path, where, "image_id")
        if iid not in images:
            raise AnnotationError(path, where, f"refers to an unknown image {iid}")
        vid, index = images[iid]
        tid = to_int(ann["track_id"], path, where, "track_id")
        if tid not in tracks:
            raise AnnotationError(path, where, f"refers to an unknown track {tid}")
        cid = to_int(ann["category_id"], path, where, "category_id")
        if cid not in categories:
            raise AnnotationError(path, where, f"unknown category id {cid}")
        if "video_id" in ann and to_int(ann["video_id"], path, where, "video_id") != vid:
            raise AnnotationError(path, where, f"video_id {ann['video_id']} but image {iid} is in "
                                  f"video {vid}")
        if track_video[tid] != vid:
            raise AnnotationError(path, where, f"track {tid} crosses videos: the track is in video "
                                  f"{track_video[tid]}, this annotation's image {iid} in video "
                                  f"{vid}")
        track = tracks[tid]
        if cid != track.category_id:
            raise AnnotationError(path, where, f"category_id {cid} differs from track {tid}'s "
                                  f"{track.category_id}")
        if index in track.frames:
            raise AnnotationError(path, where, f"track {tid} has two boxes on frame_index {index}")
        height, width = records[vid].frame_size
        what = f"bbox {ann['bbox']!r}"
        box = boxes.check(xywh_to_xyxy(boxes.numbers(ann["bbox"], where, "bbox")), width, height,
                          where, what)
        if box is None:
            continue
        track.frames.append(index)
        track.boxes.append(box)
    boxes.log()

    for tid in sorted(tracks):
        track = tracks[tid]
        order = sorted(range(len(track.frames)), key=track.frames.__getitem__)
        track.frames = [track.frames[k] for k in order]
        track.boxes = [track.boxes[k] for k in order]
        records[track_video[tid]].tracks.append(track)
    return list(records.values())
