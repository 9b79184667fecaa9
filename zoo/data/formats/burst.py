"""BURST (open-vocabulary / class-guided video object segmentation, on TAO's videos) → records,
one per sequence, with one :class:`~zoo.data.records.Track` per object and boxes from its masks.

Format (``Ali2500/BURST-benchmark : ANNOTATION_FORMAT.md``, read by ``burstapi/dataset.py``,
``burstapi/video.py`` and ``burstapi/thirdparty/trackeval/datasets/burst_helpers/
format_converter.py``)::

    {"split": "val",
     "categories": [{"id", "name", "synset", "def", "synonyms"}, ...],   # LVIS ids
     "sequences": [{"id": int, "seq_name": str, "dataset": "LaSOT" | "BDD" | ..., "fps": int,
                    "width": int, "height": int,
                    "all_image_paths": ["frame0001.jpg", ...],
                    "annotated_image_paths": ["frame0001.jpg", ...],
                    "neg_category_ids": [int], "not_exhaustive_category_ids": [int],
                    "track_category_ids": {"<track id>": category id},
                    "segmentations": [{"<track id>": {"rle": str, "is_gt": bool, "score": float
                                                      [, "bbox", "point"]}}, ...]}]}

- ``segmentations`` has one dict per annotated frame (same order as ``annotated_image_paths``);
  track ids are **string keys** (cast to int here); they start from 1 in every sequence.
- ``rle`` is a COCO *compressed* RLE string of an ``height x width`` mask (column-major runs,
  starting with a background run). Boxes come from the masks through :func:`rle_from_string` +
  :func:`rle_bbox` here (numpy, about 0.3 ms per 720p mask; pycocotools is not needed): they give
  pycocotools' ``toBbox`` box exactly — a test checks it where pycocotools is installed — and,
  unlike pycocotools, reject a string whose runs do not cover ``height x width`` pixels.
- A frame's index is the position of its annotated image in ``all_image_paths`` (0-based), so
  ``record.frame_files = all_image_paths`` maps indices to files. Val/test are annotated at 1 fps.

Records: ``video_id`` = ``"<dataset>/<seq_name>"``, ``path`` = ``"<split>/<dataset>/<seq_name>"``
(the image folder under the images root, as ``burstapi``), ``fps``, ``frame_size``,
``frame_files``, ``negative_categories`` / ``not_exhaustive_categories`` (names), ``tracks``
sorted by track id, each with ``category`` (name), ``category_id`` and ``novel``. Categories have
no LVIS ``frequency`` in BURST; pass ``novel_category_ids`` (e.g. the uncommon classes of
``info/class_split.json``) to set ``novel``, otherwise it stays ``None``.

Checks (``AnnotationError(file, "sequences[i]..." , reason)``): missing / mistyped keys; a track
id that is not an integer, or that has a mask but no entry in ``track_category_ids``; an unknown
category id (in ``track_category_ids`` or the negative / not-exhaustive lists); ``segmentations``
and ``annotated_image_paths`` of different lengths; an annotated image missing from
``all_image_paths`` or listed twice; an RLE string that does not decode, or whose runs do not add
up to ``height * width``. An **empty mask** (no foreground pixel: nothing to box) is skipped,
counted and logged once per file — the README asks predictions to omit null masks rather than
encode them, and an empty ground-truth mask carries no box.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Optional, Sequence, Union

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_float, to_int
from zoo.data.formats.hcstvg import frame_size
from zoo.data.records import Category, Track, VideoRecord

__all__ = ["parse_burst", "burst_categories", "rle_from_string", "rle_to_string", "rle_bbox",
           "rle_encode", "rle_decode", "rle_box"]

logger = logging.getLogger("zoo.data")

Box = tuple[float, float, float, float]


# ------------------------------------------------------------------------------------------------
# COCO run-length encoding (what pycocotools' maskApi.c does, in Python)
# ------------------------------------------------------------------------------------------------

def rle_from_string(text: Union[str, bytes]) -> list[int]:
    """The run lengths of a COCO compressed RLE string (pycocotools' ``rleFrString``): each run
    is a group of 5-bit chunks stored as characters offset by 48, least significant first; bit
    0x20 of a character says another chunk follows, bit 0x10 of a group's last character makes
    the value negative; from the 4th run on the value is a difference to the run two before.
    Vectorised with numpy. Raises ``ValueError`` on a malformed string."""
    import numpy as np

    data = text.encode("ascii") if isinstance(text, str) else bytes(text)
    if not data:
        return []
    chars = np.frombuffer(data, dtype=np.uint8).astype(np.int64) - 48
    if chars.min() < 0 or chars.max() >= 64:
        bad = int(np.flatnonzero((chars < 0) | (chars >= 64))[0])
        raise ValueError(f"RLE string has an invalid character {chr(data[bad])!r} at {bad}")
    more = (chars & 0x20) != 0
    if more[-1]:
        raise ValueError("RLE string ends inside a run length")
    ends = np.flatnonzero(~more)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if lengths.max() > 12:
        raise ValueError("RLE string has a run length of more than 60 bits")
    group = np.repeat(np.arange(len(ends)), lengths)
    shift = 5 * (np.arange(len(chars)) - starts[group])
    values = np.add.reduceat((chars & 0x1F) << shift, starts)
    negative = (chars[ends] & 0x10) != 0
    values = np.where(negative, values | np.left_shift(-1, 5 * lengths), values)
    counts = values.copy()
    counts[1::2] = np.cumsum(values[1::2])  # run i += run i - 2, for i > 2
    counts[2::2] = np.cumsum(values[2::2])
    if counts.min() < 0:
        raise ValueError(f"RLE string decodes to a negative run length at run "
                         f"{int(np.flatnonzero(counts < 0)[0])}")
    return counts.tolist()


def rle_to_string(counts: Sequence[int]) -> str:
    """The COCO compressed RLE string of ``counts`` (``rleToString``; inverse of
    :func:`rle_from_string`)."""
    out = []
    for i, count in enumerate(counts):
        x = int(count) - (int(counts[i - 2]) if i > 2 else 0)
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if c & 0x10 else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def rle_encode(mask) -> list[int]:
    """Run lengths of a 2-D boolean mask ``[height, width]``, column-major, background first."""
    import numpy as np

    flat = np.asarray(mask, dtype=bool).flatten(order="F")
    if flat.size == 0:
        return [0]
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], changes, [flat.size]))
    runs = np.diff(bounds).tolist()
    return ([0] + runs) if flat[0] else runs


def rle_decode(counts: Sequence[int], height: int, width: int):
    """The boolean mask ``[height, width]`` of run lengths ``counts``."""
    import numpy as np

    if sum(counts) != height * width:
        raise ValueError(f"RLE runs add up to {sum(counts)} pixels, not {height}x{width}")
    values = np.arange(len(counts)) % 2 == 1
    return np.repeat(values, counts).reshape((height, width), order="F")


def rle_bbox(counts: Sequence[int], height: int, width: int) -> Optional[Box]:
    """The xyxy box (pixel edges) of the mask of run lengths ``counts``; ``None`` for an empty
    mask. The same box as pycocotools' ``toBbox`` (``rleToBbox`` of pycocotools >= 2.0.7; its
    ``[x, y, w, h]`` is ``[x1, y1, x2 - x1, y2 - y1]``), including its rules that a foreground run
    wrapping into the next column spans the whole column height and that zero-length runs are
    ignored. Raises ``ValueError`` if the runs do not cover
    ``height * width`` pixels."""
    import numpy as np

    if height <= 0 or width <= 0:
        raise ValueError(f"mask size {height}x{width} must be positive")
    runs = np.asarray(counts, dtype=np.int64)
    if runs.size and runs.min() < 0:
        raise ValueError("RLE has a negative run length")
    if int(runs.sum()) != height * width:
        raise ValueError(f"RLE runs add up to {int(runs.sum())} pixels, not {height}x{width} = "
                         f"{height * width}")
    if not runs[1::2].any():
        return None
    ends = np.cumsum(runs)
    starts = ends - runs
    fg = np.flatnonzero((np.arange(len(runs)) % 2 == 1) & (runs > 0))  # foreground runs
    first, last = starts[fg], ends[fg] - 1  # their first and last pixel (column-major)
    x_first, x_last = first // height, last // height
    if (x_first < x_last).any():  # a foreground run crosses into the next column
        ys, ye = 0, height - 1
    else:
        ys, ye = int((first % height).min()), int((last % height).max())
    return (float(x_first.min()), float(ys), float(x_last.max() + 1), float(ye + 1))


def rle_box(rle: Union[str, bytes, Sequence[int]], height: int, width: int) -> Optional[Box]:
    """The xyxy box of a COCO RLE — a compressed string or a run-length list — of an
    ``height x width`` mask; ``None`` if the mask is empty. Raises ``ValueError`` for a malformed
    RLE (including runs that do not add up to the mask size, which pycocotools does not check)."""
    counts = rle_from_string(rle) if isinstance(rle, (str, bytes)) else [int(c) for c in rle]
    return rle_bbox(counts, height, width)


# ------------------------------------------------------------------------------------------------
# BURST
# ------------------------------------------------------------------------------------------------

def burst_categories(path: PathLike, novel_category_ids: Optional[Iterable[int]] = None,
                     data: Optional[dict] = None) -> list[Category]:
    """The ``categories`` of a BURST file as :class:`Category` (``novel`` from
    ``novel_category_ids`` when given)."""
    data = read_json(path) if data is None else data
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise AnnotationError(path, None, "expected an object with a 'categories' list")
    novel = None if novel_category_ids is None else {int(i) for i in novel_category_ids}
    categories: dict[int, Category] = {}
    for k, cat in enumerate(data["categories"]):
        where = f"categories[{k}]"
        if not isinstance(cat, dict) or not isinstance(cat.get("name"), str) or "id" not in cat:
            raise AnnotationError(path, where, f"a category must be {{id, name, ...}}, got {cat!r}")
        cid = to_int(cat["id"], path, where, "id")
        if cid in categories:
            raise AnnotationError(path, where, f"category id {cid} is listed twice")
        categories[cid] = Category(id=cid, name=cat["name"],
                                   frequency=str(cat.get("frequency", "")),
                                   novel=None if novel is None else cid in novel,
                                   synset=str(cat.get("synset", "")))
    if novel is not None and not novel <= set(categories):
        raise ValueError(f"novel_category_ids {sorted(novel - set(categories))} are not "
                         f"categories of {path}")
    return list(categories.values())


def parse_burst(path: PathLike, novel_category_ids: Optional[Iterable[int]] = None
                ) -> list[VideoRecord]:
    """Parse a BURST annotation file (``{train,val,test}/all_classes.json`` or a class subset);
    module docstring for the format and the checks."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected an object {sequences, categories, split}")
    missing = [k for k in ("sequences", "categories", "split") if k not in data]
    if missing:
        raise AnnotationError(path, None, f"missing key(s) {missing}")
    categories = {c.id: c for c in burst_categories(path, novel_category_ids, data)}
    split = data["split"]
    if not isinstance(split, str) or not split:
        raise AnnotationError(path, "split", f"must be a split name, got {split!r}")
    if not isinstance(data["sequences"], list):
        raise AnnotationError(path, "sequences", "must be a list")
    empty = [0]
    records = [_sequence(seq, i, path, split, categories, empty)
               for i, seq in enumerate(data["sequences"])]
    if empty[0]:
        logger.warning("%s: %d empty mask(s) skipped (no foreground pixel, so no box)", path,
                       empty[0])
    return records


def _names(value: Any, categories: dict[int, Category], path: PathLike, where: str) -> list[str]:
    if not isinstance(value, list):
        raise AnnotationError(path, where, f"must be a list of category ids, got {value!r}")
    names = []
    for cid in value:
        cid = to_int(cid, path, where, "category id")
        if cid not in categories:
            raise AnnotationError(path, where, f"unknown category id {cid}")
        names.append(categories[cid].name)
    return names


def _sequence(seq: Any, i: int, path: PathLike, split: str, categories: dict[int, Category],
              empty: list[int]) -> VideoRecord:
    where = f"sequences[{i}]"
    if not isinstance(seq, dict):
        raise AnnotationError(path, where, "a sequence must be an object")
    missing = [k for k in ("id", "seq_name", "dataset", "fps", "width", "height",
                           "all_image_paths", "annotated_image_paths", "track_category_ids",
                           "segmentations") if k not in seq]
    if missing:
        raise AnnotationError(path, where, f"missing key(s) {missing}")
    name, dataset = seq["seq_name"], seq["dataset"]
    if not isinstance(name, str) or not name or not isinstance(dataset, str) or not dataset:
        raise AnnotationError(path, where, f"seq_name / dataset must be names, got {name!r} / "
                              f"{dataset!r}")
    height, width = frame_size(seq, path, where)
    fps = to_float(seq["fps"], path, where, "fps")
    all_paths, annotated = seq["all_image_paths"], seq["annotated_image_paths"]
    for key, value in (("all_image_paths", all_paths), ("annotated_image_paths", annotated)):
        if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
            raise AnnotationError(path, f"{where}.{key}", "must be a list of image file names")
    index: dict[str, int] = {}
    for k, image in enumerate(all_paths):
        if image in index:
            raise AnnotationError(path, f"{where}.all_image_paths[{k}]", f"{image!r} is listed "
                                  "twice")
        index[image] = k
    frames_of = []
    for k, image in enumerate(annotated):
        if image not in index:
            raise AnnotationError(path, f"{where}.annotated_image_paths[{k}]", f"{image!r} is not "
                                  "in all_image_paths")
        frames_of.append(index[image])
    if len(set(frames_of)) != len(frames_of):
        raise AnnotationError(path, f"{where}.annotated_image_paths", "lists an image twice")

    raw_tracks = seq["track_category_ids"]
    if not isinstance(raw_tracks, dict):
        raise AnnotationError(path, f"{where}.track_category_ids", "must be {track id: category "
                              "id}")
    tracks: dict[int, Track] = {}
    for key, cid in raw_tracks.items():
        at = f"{where}.track_category_ids[{key!r}]"
        track_id = _track_id(key, path, at)
        cid = to_int(cid, path, at, "category id")
        if cid not in categories:
            raise AnnotationError(path, at, f"unknown category id {cid}")
        category = categories[cid]
        tracks[track_id] = Track(track_id=track_id, category=category.name, frames=[], boxes=[],
                                 category_id=cid, novel=category.novel)

    segmentations = seq["segmentations"]
    if not isinstance(segmentations, list) or len(segmentations) != len(annotated):
        n = len(segmentations) if isinstance(segmentations, list) else "no list of"
        raise AnnotationError(path, f"{where}.segmentations", f"{n} frames of segmentations for "
                              f"{len(annotated)} annotated_image_paths")
    for t, frame_masks in enumerate(segmentations):
        if not isinstance(frame_masks, dict):
            raise AnnotationError(path, f"{where}.segmentations[{t}]", "must be {track id: mask}")
        for key, mask in frame_masks.items():
            at = f"{where}.segmentations[{t}][{key!r}]"
            track_id = _track_id(key, path, at)
            if track_id not in tracks:
                raise AnnotationError(path, at, f"track {track_id} has no entry in "
                                      "track_category_ids")
            if not isinstance(mask, dict) or not isinstance(mask.get("rle"), str):
                raise AnnotationError(path, at, "must be {rle: <COCO RLE string>, ...}")
            try:
                box = rle_box(mask["rle"], height, width)
            except ValueError as e:
                raise AnnotationError(path, at,
                                      f"bad RLE for a {height}x{width} mask: {e}") from None
            if box is None:
                empty[0] += 1
                continue
            tracks[track_id].frames.append(frames_of[t])
            tracks[track_id].boxes.append(box)
    for track in tracks.values():  # annotated frames may be listed out of order
        order = sorted(range(len(track.frames)), key=track.frames.__getitem__)
        track.frames = [track.frames[k] for k in order]
        track.boxes = [track.boxes[k] for k in order]

    return VideoRecord(
        video_id=f"{dataset}/{name}", path=f"{split}/{dataset}/{name}", fps=fps,
        frame_size=(height, width), frame_files=list(all_paths),
        tracks=[tracks[k] for k in sorted(tracks)],
        negative_categories=_names(seq.get("neg_category_ids", []), categories, path,
                                   f"{where}.neg_category_ids"),
        not_exhaustive_categories=_names(seq.get("not_exhaustive_category_ids", []), categories,
                                         path, f"{where}.not_exhaustive_category_ids"),
        source=locate(path, where))


def _track_id(key: Any, path: PathLike, where: str) -> int:
    try:
        return int(str(key))
    except ValueError:
        raise AnnotationError(path, where, f"track id {key!r} is not an integer") from None
