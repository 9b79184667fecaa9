"""HC-STVG v1 / v2 (spatio-temporal video grounding) → records, one per video (one sentence each).

Each file (v1 ``train.json`` / ``test.json``, v2 ``trainv2.json`` / ``valv2.json``) is a JSON
object keyed by the video **file name** (``"55_vfjywN5CN0Y.mp4"``; some v1 keys end in ``.mkv``)::

    {"<name>.mp4": {"bbox": [[x, y, w, h], ...], "st_time": 6.50, "ed_time": 11.95,
                    "img_num": 480, "caption": "The man in brown ...", "width": 480,
                    "height": 360, "st_frame": 157}, ...}

- v1 (``tzhhhh123/HC-STVG`` README and ``test.json``): ``caption``, ``width``, ``height``;
  v2 (read by ``antoyang/TubeDETR : preproc/preproc_hcstvgv2.py``): ``English`` and
  ``img_size = [height, width]`` (a third, channel entry is tolerated). The version is detected per
  entry from its keys; ``version=1`` / ``2`` requires that version's keys.
- ``img_num`` frames (the videos are 20 s long: ``fps = img_num / 20``, TubeDETR's rule).
- ``st_frame`` is **1-based**; ``bbox`` has one **xywh** box per frame from ``st_frame`` on, so the
  tube covers 1-based frames ``[st_frame, st_frame + len(bbox))``.
- ``st_time`` / ``ed_time``: the moment in seconds.

Records: ``video_id`` = the key without its extension, ``path`` = the key (videos sit in
sub-folders ``video/<part>/<name>``: the datamodule resolves the folder), ``query`` = the sentence,
``segments = [(st_time, ed_time)]``, ``tube_frames`` = **0-based** frame indices
(``st_frame - 1 + i``), ``tube_boxes`` = xyxy pixels, ``fps``, ``frame_size = (height, width)``,
``duration`` = 20 s.

Checks (``AnnotationError(file, "<key>", reason)``): missing or mistyped keys, an empty sentence,
an empty ``bbox`` list, ``st_frame < 1``, a tube running past ``img_num`` (frame index beyond the
video), ``st_time < 0`` or ``ed_time <= st_time``; ``ed_time`` past the video length is clamped
(logged). Box policy (:class:`BoxPolicy`): a negative width or height raises; a box partly outside
the frame is clipped to it and counted (one INFO line per file); a box with no area inside the
frame raises, or with ``on_empty_box="drop"`` leaves that frame out of the tube, counted and
logged.

This module also holds the box helpers the other box formats (VidSTG, TAO, BURST, LV-VIS) share.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import Any, Optional, Sequence

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_float, to_int
from zoo.data.records import VideoRecord

__all__ = ["parse_hcstvg", "BoxPolicy", "xywh_to_xyxy", "HCSTVG_SECONDS", "ON_EMPTY_BOX"]

logger = logging.getLogger("zoo.data")

#: Every HC-STVG video is 20 s long (the README); TubeDETR derives ``fps = img_num / 20``.
HCSTVG_SECONDS = 20.0
ON_EMPTY_BOX = ("raise", "drop")
Box = tuple[float, float, float, float]


# ------------------------------------------------------------------------------------------------
# box helpers shared by the box formats
# ------------------------------------------------------------------------------------------------

def xywh_to_xyxy(box: Sequence[float]) -> Box:
    """``[x, y, w, h]`` -> ``(x1, y1, x2, y2)``."""
    x, y, w, h = box
    return (x, y, x + w, y + h)


class BoxPolicy:
    """Checks the boxes of one annotation file against their frame and applies the box policy:

    - a box that is not 4 finite numbers, or whose x2 < x1 or y2 < y1 (negative size), raises;
    - a box partly outside ``[0, width] x [0, height]`` is clipped to the frame (``clipped`` counts
      them; :meth:`log` reports the count once);
    - a box with no area inside the frame (outside it, or zero width / height) raises with
      ``on_empty="raise"``, or is dropped (``check`` returns ``None``; ``dropped`` counts them).
    """

    def __init__(self, path: PathLike, on_empty: str = "raise"):
        if on_empty not in ON_EMPTY_BOX:
            raise ValueError(f"on_empty_box must be one of {ON_EMPTY_BOX}, got {on_empty!r}")
        self.path, self.on_empty = path, on_empty
        self.clipped = self.dropped = 0

    def numbers(self, value: Any, where: str, what: str) -> list[float]:
        """``value`` as 4 finite floats, or an ``AnnotationError``."""
        if not isinstance(value, (list, tuple)) or len(value) != 4:
            raise AnnotationError(self.path, where, f"{what} must be 4 numbers, got {value!r}")
        return [to_float(v, self.path, where, what) for v in value]

    def check(self, box: Sequence[float], width: float, height: float, where: str,
              what: str) -> Optional[Box]:
        """The xyxy ``box`` checked and clipped to a ``width`` x ``height`` frame (class doc)."""
        x1, y1, x2, y2 = (float(v) for v in box)
        if x2 < x1 or y2 < y1:
            raise AnnotationError(self.path, where, f"{what} has a negative size: xyxy "
                                  f"{[x1, y1, x2, y2]}")
        cx1, cy1 = min(max(x1, 0.0), width), min(max(y1, 0.0), height)
        cx2, cy2 = min(max(x2, 0.0), width), min(max(y2, 0.0), height)
        if cx2 <= cx1 or cy2 <= cy1:
            if self.on_empty == "raise":
                raise AnnotationError(self.path, where, f"{what} xyxy {[x1, y1, x2, y2]} has no "
                                      f"area inside the {width:g}x{height:g} frame "
                                      "(on_empty_box='drop' leaves such frames out)")
            self.dropped += 1
            return None
        if (cx1, cy1, cx2, cy2) != (x1, y1, x2, y2):
            self.clipped += 1
        return (cx1, cy1, cx2, cy2)

    def log(self) -> None:
        """One log line with the counts, if any box was clipped or dropped."""
        if self.clipped:
            logger.info("%s: %d box(es) partly outside their frame were clipped to it", self.path,
                        self.clipped)
        if self.dropped:
            logger.warning("%s: %d box(es) with no area inside their frame were dropped "
                           "(on_empty_box='drop')", self.path, self.dropped)


def frame_size(entry: dict, path: PathLike, where: str) -> tuple[int, int]:
    """``(height, width)`` from ``width`` / ``height`` keys, each an integer > 0."""
    height = to_int(entry.get("height"), path, where, "height", minimum=1)
    width = to_int(entry.get("width"), path, where, "width", minimum=1)
    return height, width


# ------------------------------------------------------------------------------------------------
# HC-STVG
# ------------------------------------------------------------------------------------------------

def parse_hcstvg(path: PathLike, version: Optional[int] = None, on_empty_box: str = "raise",
                 video_seconds: float = HCSTVG_SECONDS) -> list[VideoRecord]:
    """Parse an HC-STVG v1 or v2 annotation file (module docstring for the format and policy)."""
    if version not in (None, 1, 2):
        raise ValueError(f"version must be 1, 2 or None (detect), got {version!r}")
    data = read_json(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected a JSON object {video file name: annotation}")
    boxes = BoxPolicy(path, on_empty_box)
    records = [_record(key, entry, path, version, boxes, video_seconds)
               for key, entry in data.items()]
    boxes.log()
    return records


def _record(key: str, entry: Any, path: PathLike, version: Optional[int], boxes: BoxPolicy,
            video_seconds: float) -> VideoRecord:
    where = repr(key)
    if not isinstance(entry, dict):
        raise AnnotationError(path, where, f"expected an object, got {type(entry).__name__}")
    name = PurePosixPath(key)
    if not name.suffix or not name.stem:
        raise AnnotationError(path, where, "the key must be a video file name (<name>.mp4)")
    found = 2 if ("English" in entry or "img_size" in entry) else 1
    if version is not None and found != version:
        raise AnnotationError(path, where, f"has the keys of HC-STVG v{found} (v1: caption, "
                              f"width, height; v2: English, img_size), expected v{version}")
    text_key = "English" if found == 2 else "caption"
    missing = [k for k in ("bbox", "st_frame", "st_time", "ed_time", "img_num", text_key)
               if k not in entry]
    if missing:
        raise AnnotationError(path, where, f"missing key(s) {missing} (HC-STVG v{found})")
    sentence = entry[text_key]
    if not isinstance(sentence, str) or not sentence.strip():
        raise AnnotationError(path, where, f"{text_key} must be a non-empty sentence, got "
                              f"{sentence!r}")
    if found == 2:
        size = entry.get("img_size")
        if not isinstance(size, list) or len(size) not in (2, 3):
            raise AnnotationError(path, where, f"img_size must be [height, width], got {size!r}")
        height = to_int(size[0], path, where, "img_size height", minimum=1)
        width = to_int(size[1], path, where, "img_size width", minimum=1)
    else:
        height, width = frame_size(entry, path, where)
    num_frames = to_int(entry["img_num"], path, where, "img_num", minimum=1)
    first = to_int(entry["st_frame"], path, where, "st_frame (1-based)", minimum=1)
    raw = entry["bbox"]
    if not isinstance(raw, list) or not raw:
        raise AnnotationError(path, where, f"bbox must be a non-empty list of [x, y, w, h], got "
                              f"{raw!r}")
    last = first + len(raw) - 1
    if last > num_frames:
        raise AnnotationError(path, where, f"the tube runs to frame {last} (st_frame {first} + "
                              f"{len(raw)} boxes - 1) but the video has img_num {num_frames} "
                              "frames")
    start = to_float(entry["st_time"], path, where, "st_time")
    end = to_float(entry["ed_time"], path, where, "ed_time")
    if start < 0 or end <= start:
        raise AnnotationError(path, where, f"st_time / ed_time [{start}, {end}] must satisfy "
                              "0 <= st_time < ed_time")
    if start >= video_seconds:
        raise AnnotationError(path, where, f"st_time {start} is not inside the "
                              f"{video_seconds:g}-s video")
    if end > video_seconds:
        logger.info("%s:%s: ed_time %s clamped to the video length %g s", path, where, end,
                    video_seconds)
        end = video_seconds

    frames, tube = [], []
    for i, value in enumerate(raw):
        what = f"bbox[{i}] (frame {first + i})"
        box = boxes.check(xywh_to_xyxy(boxes.numbers(value, where, what)), width, height, where,
                          what)
        if box is None:
            continue
        frames.append(first - 1 + i)  # 1-based -> 0-based
        tube.append(box)
    if not frames:
        raise AnnotationError(path, where, "no box of the tube is left inside the frame")
    fps = num_frames / video_seconds
    return VideoRecord(video_id=name.stem, path=key, query=sentence.strip(),
                       segments=[(start, end)], duration=video_seconds, tube_frames=frames,
                       tube_boxes=tube, fps=fps, frame_size=(height, width),
                       source=locate(path, where))
