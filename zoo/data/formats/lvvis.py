"""LV-VIS (large-vocabulary video instance segmentation; YouTube-VIS 2019 JSON) → records, one per
video, with one :class:`~zoo.data.records.Track` per instance.

Format (``haochenheheda/LVVIS`` README; read by ``ov2seg/data_video/datasets/lvvis.py`` and
``evaluate/lvvis.py``) — ``train_instances.json`` / ``val_instances.json``::

    {"videos": [{"id", "width", "height", "length", "file_names": ["00000/00000.jpg", ...]}],
     "annotations": [{"id", "video_id", "category_id", "iscrowd",
                      "segmentations": [RLE | polygon | null per frame],
                      "bboxes": [[x, y, w, h] | null per frame], "areas": [...]}],
     "categories": [{"id", "name", "partition": 0 | 1 | 2 | 3}]}

Where LV-VIS differs from TAO / BURST:

- one annotation = one instance over the whole video: per-frame lists of ``length`` entries, and
  ``null`` where the instance is absent (no track ids, no images list);
- ``file_names`` may use Windows ``\\`` separators: like the official loader, the last two
  ``\\``-separated components are kept (``'/'.join(name.split('\\')[-2:])``);
- base / novel comes from ``partition``: **base = partition 0 or 1, novel = 2 or 3**
  (``evaluate/lvvis.py``: ``base_categories`` / ``novel_categories``); no LVIS frequency.

A frame's box is ``bboxes[i]`` (xywh → xyxy) when given (``segmentations[i]`` is then not read),
else the box of ``segmentations[i]``
(COCO RLE with a run-length list or a compressed string, via
:func:`~zoo.data.formats.burst.rle_box`; or polygons: the min / max of their points); an instance
is absent from frames where both are ``null``.

Records: ``video_id`` = ``path`` = the frame folder (``"00000"``, from ``file_names``),
``frame_files`` = the file names within it (frame index i = ``file_names[i]``), ``frame_size``,
``tracks`` (by annotation id) with ``category``, ``category_id``, ``novel``. A file without
annotations (the test queries) gives records without tracks.

Checks (``AnnotationError(file, "<list>[i]", reason)``): missing / mistyped keys, duplicate ids,
``len(file_names) != length``, frames of one video in different folders, an annotation of an
unknown video or category, per-frame lists of the wrong length, a malformed RLE or polygon.
Boxes follow :class:`~zoo.data.formats.hcstvg.BoxPolicy`.
"""

from __future__ import annotations

from typing import Any, Optional

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_float, to_int
from zoo.data.formats.burst import rle_box
from zoo.data.formats.hcstvg import BoxPolicy, frame_size, xywh_to_xyxy
from zoo.data.records import Category, Track, VideoRecord

__all__ = ["parse_lvvis", "lvvis_categories", "LVVIS_NOVEL_PARTITIONS"]

#: ``evaluate/lvvis.py``: novel categories are partitions 2 and 3 (base: 0 and 1).
LVVIS_NOVEL_PARTITIONS = (2, 3)


def lvvis_categories(path: PathLike, data: Optional[dict] = None) -> list[Category]:
    """The ``categories`` of an LV-VIS file as :class:`Category` (``novel`` from ``partition``;
    ``None`` without one)."""
    data = read_json(path) if data is None else data
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise AnnotationError(path, None, "expected an object with a 'categories' list")
    categories: dict[int, Category] = {}
    for k, cat in enumerate(data["categories"]):
        where = f"categories[{k}]"
        if not isinstance(cat, dict) or "id" not in cat or not isinstance(cat.get("name"), str):
            raise AnnotationError(path, where, f"a category must be {{id, name, partition}}, got "
                                  f"{cat!r}")
        cid = to_int(cat["id"], path, where, "id")
        if cid in categories:
            raise AnnotationError(path, where, f"category id {cid} is listed twice")
        novel = None
        if "partition" in cat:
            partition = to_int(cat["partition"], path, where, "partition", minimum=0)
            if partition > 3:
                raise AnnotationError(path, where, f"partition must be 0-3, got {partition}")
            novel = partition in LVVIS_NOVEL_PARTITIONS
        categories[cid] = Category(id=cid, name=cat["name"], novel=novel)
    return list(categories.values())


def parse_lvvis(path: PathLike, on_empty_box: str = "raise") -> list[VideoRecord]:
    """Parse an LV-VIS ``*_instances.json`` file; module docstring for the format and checks."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected a YouTube-VIS JSON object")
    categories = {c.id: c for c in lvvis_categories(path, data)}
    videos = data.get("videos")
    if not isinstance(videos, list):
        raise AnnotationError(path, "videos", "missing or not a list")
    records: dict[int, VideoRecord] = {}
    lengths: dict[int, int] = {}
    for k, video in enumerate(videos):
        where = f"videos[{k}]"
        if not isinstance(video, dict):
            raise AnnotationError(path, where, "must be an object")
        missing = [key for key in ("id", "width", "height", "length", "file_names")
                   if key not in video]
        if missing:
            raise AnnotationError(path, where, f"missing key(s) {missing}")
        vid = to_int(video["id"], path, where, "id")
        if vid in records:
            raise AnnotationError(path, where, f"video id {vid} is listed twice")
        length = to_int(video["length"], path, where, "length", minimum=1)
        names = video["file_names"]
        if not isinstance(names, list) or len(names) != length:
            n = len(names) if isinstance(names, list) else "no list of"
            raise AnnotationError(path, where, f"{n} file_names for length {length}")
        folders, files = set(), []
        for name in names:
            if not isinstance(name, str) or not name:
                raise AnnotationError(path, where, f"file_names must be strings, got {name!r}")
            name = "/".join(name.split("\\")[-2:])  # the official loader's rule
            folder, _, file = name.rpartition("/")
            folders.add(folder)
            files.append(file)
        if len(folders) != 1:
            raise AnnotationError(path, where, f"frames lie in several folders {sorted(folders)}")
        folder = folders.pop() or str(vid)
        records[vid] = VideoRecord(video_id=folder, path=folder, frame_files=files,
                                   frame_size=frame_size(video, path, where),
                                   source=locate(path, where))
        lengths[vid] = length

    annotations = data.get("annotations", [])
    if not isinstance(annotations, list):
        raise AnnotationError(path, "annotations", "must be a list")
    boxes = BoxPolicy(path, on_empty_box)
    tracks: dict[int, tuple[int, Track]] = {}
    for k, ann in enumerate(annotations):
        where = f"annotations[{k}]"
        if not isinstance(ann, dict):
            raise AnnotationError(path, where, "must be an object")
        missing = [key for key in ("id", "video_id", "category_id") if key not in ann]
        if missing or ("segmentations" not in ann and "bboxes" not in ann):
            raise AnnotationError(path, where, f"missing key(s) {missing or ['segmentations']}")
        aid = to_int(ann["id"], path, where, "id")
        if aid in tracks:
            raise AnnotationError(path, where, f"annotation id {aid} is listed twice")
        vid = to_int(ann["video_id"], path, where, "video_id")
        if vid not in records:
            raise AnnotationError(path, where, f"refers to an unknown video {vid}")
        cid = to_int(ann["category_id"], path, where, "category_id")
        if cid not in categories:
            raise AnnotationError(path, where, f"unknown category id {cid}")
        length = lengths[vid]
        per_frame = {}
        for key in ("bboxes", "segmentations"):
            value = ann.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or len(value) != length:
                n = len(value) if isinstance(value, list) else "no list of"
                raise AnnotationError(path, where, f"{n} {key} for a video of {length} frames")
            per_frame[key] = value
        height, width = records[vid].frame_size
        category = categories[cid]
        track = Track(track_id=aid, category=category.name, frames=[], boxes=[], category_id=cid,
                      novel=category.novel)
        for i in range(length):
            box = _frame_box(per_frame, i, height, width, boxes, path, where)
            if box is not None:
                track.frames.append(i)
                track.boxes.append(box)
        tracks[aid] = (vid, track)
    boxes.log()
    for aid in sorted(tracks):
        vid, track = tracks[aid]
        records[vid].tracks.append(track)
    return list(records.values())


def _frame_box(per_frame: dict, i: int, height: int, width: int, boxes: BoxPolicy,
               path: PathLike, where: str):
    raw = per_frame.get("bboxes", [None] * (i + 1))[i]
    if raw is not None:
        what = f"bboxes[{i}]"
        return boxes.check(xywh_to_xyxy(boxes.numbers(raw, where, what)), width, height, where,
                           what)
    segm = per_frame.get("segmentations", [None] * (i + 1))[i]
    if segm is None:
        return None
    what = f"segmentations[{i}]"
    box = _segmentation_box(segm, height, width, path, where, what)
    if box is None:  # an empty mask: the instance is not visible in this frame
        return None
    return boxes.check(box, width, height, where, what)


def _segmentation_box(segm: Any, height: int, width: int, path: PathLike, where: str, what: str):
    if isinstance(segm, dict):
        counts, size = segm.get("counts"), segm.get("size")
        if not isinstance(size, list) or len(size) != 2:
            raise AnnotationError(path, where, f"{what} RLE size must be [height, width], got "
                                  f"{size!r}")
        if [to_int(v, path, where, f"{what} size") for v in size] != [height, width]:
            raise AnnotationError(path, where, f"{what} RLE size {size} is not the video's "
                                  f"[{height}, {width}]")
        if not isinstance(counts, (str, list)):
            raise AnnotationError(path, where, f"{what} RLE counts must be a string or a list")
        try:
            return rle_box(counts, height, width)
        except (TypeError, ValueError) as e:
            raise AnnotationError(path, where, f"{what}: bad RLE: {e}") from None
    if isinstance(segm, list):  # polygons [[x0, y0, x1, y1, ...], ...]
        xs, ys = [], []
        for polygon in segm:
            if not isinstance(polygon, list) or len(polygon) < 6 or len(polygon) % 2:
                raise AnnotationError(path, where, f"{what}: a polygon must be a list of >= 3 "
                                      "x, y points")
            values = [to_float(v, path, where, what) for v in polygon]
            xs += values[0::2]
            ys += values[1::2]
        if not xs:
            return None
        return (min(xs), min(ys), max(xs), max(ys))
    raise AnnotationError(path, where, f"{what} must be an RLE object, polygons or null, got "
                          f"{type(segm).__name__}")
