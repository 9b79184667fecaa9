"""QVHighlights (moment retrieval + highlight detection)
``highlight_{train,val,test}_release.jsonl`` → records, one per query line.

Format (``jayleicn/moment_detr : data/README.md``): JSON Lines, one object per query::

    {"qid": 2579, "query": "...", "duration": 150, "vid": "NUsG9BgSes0_210.0_360.0",
     "relevant_clip_ids": [41, 42, ...], "saliency_scores": [[1, 1, 2], ...],
     "relevant_windows": [[82, 150]]}

- ``vid`` is ``{youtube_id}_{start}_{end}``; the youtube id may itself contain ``_`` (split it
  with :func:`qvhighlights_youtube_id`). The video file is ``<vid>.mp4`` (the release's
  ``videos/`` folder holds the 150-s clips already cut, so records have no ``start``/``end``).
- ``duration`` (integer seconds in the release) becomes ``record.duration``.
- ``relevant_windows``: one or more ``[start, end]`` in seconds → ``record.segments`` (all of
  them, in file order; ``segments[0]`` is what single-moment batches carry).
- ``relevant_clip_ids``: indices of the 2-second clips (``clip_length``) inside the windows →
  ``record.saliency_clips``; ``saliency_scores``: one ``[a, b, c]`` per relevant clip (3
  annotators, 0-4) → ``record.saliency``. ``record.clip_length`` = 2.0.
- ``qid`` → ``record.query_id`` (a string); ``query`` → ``record.query``.
- The **test** file has only ``qid, query, duration, vid``: its records have no segments and no
  saliency. A line with some but not all of the three label keys raises.

Checks (a failing line raises ``AnnotationError(file, line, reason)``; the released train and
val files pass all of them — checked on moment_detr @ b7e553ac, 7218 + 1550 lines):

- a line that is not a JSON object, a missing key, a wrong type, an empty query, ``duration <= 0``;
- a window with ``start < 0``, ``end <= start`` or ``start >= duration``;
- a window ending after ``duration``: ``on_outside="raise"`` (default) or ``"clamp"`` (clamped to
  the duration, logged). The reference code (``moment_detr/start_end_dataset.py``) neither checks
  nor clamps — it divides windows by the feature length — and the released files have no such
  window, so one means a wrong file or duration;
- clip ids that are negative, repeated, or start at/after the duration
  (``id * clip_length >= duration``; the reference evaluator ``standalone_eval/eval.py`` indexes
  an array of ``int(duration / clip_length)`` clips with them and would fail);
- ``len(saliency_scores) != len(relevant_clip_ids)`` (saliency shape mismatch), rows of different
  lengths (one score per annotator), scores that are not integers in 0-4.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_lines, to_float, to_int
from zoo.data.records import VideoRecord

__all__ = ["parse_qvhighlights", "qvhighlights_youtube_id", "CLIP_LENGTH", "MAX_SALIENCY"]

logger = logging.getLogger("zoo.data")

#: QVHighlights' clip length in seconds (``relevant_clip_ids`` index 2-s clips).
CLIP_LENGTH = 2.0
#: Saliency scores are 0 ("Very Bad") to 4 ("Very Good").
MAX_SALIENCY = 4
_LABEL_KEYS = ("relevant_windows", "relevant_clip_ids", "saliency_scores")


def qvhighlights_youtube_id(vid: str) -> tuple[str, float, float]:
    """``"bP5KfdFJzC4_660.0_810.0"`` -> ``("bP5KfdFJzC4", 660.0, 810.0)``: the YouTube id and the
    clip's span in the YouTube video (the id may contain ``_``, so the last two fields are split
    off)."""
    parts = vid.rsplit("_", 2)
    if len(parts) != 3:
        raise ValueError(f"expected '<youtube id>_<start>_<end>', got {vid!r}")
    try:
        return parts[0], float(parts[1]), float(parts[2])
    except ValueError:
        raise ValueError(f"expected '<youtube id>_<start>_<end>', got {vid!r}") from None


def parse_qvhighlights(path: PathLike, on_outside: str = "raise", clip_length: float = CLIP_LENGTH,
                       ext: str = ".mp4") -> list[VideoRecord]:
    """Parse a ``highlight_*_release.jsonl`` file (module docstring for the checks and policy)."""
    if on_outside not in ("raise", "clamp"):
        raise ValueError(f"on_outside must be 'raise' or 'clamp', got {on_outside!r}")
    if not clip_length > 0:
        raise ValueError(f"clip_length must be > 0, got {clip_length!r}")
    records = []
    for line, text in read_lines(path):
        try:
            item = json.loads(text)
        except json.JSONDecodeError as e:
            raise AnnotationError(path, line, f"invalid JSON (column {e.colno}): {e.msg}") from None
        if not isinstance(item, dict):
            raise AnnotationError(path, line, f"expected a JSON object, got {type(item).__name__}")
        records.append(_record(item, path, line, on_outside, clip_length, ext))
    return records


def _record(item: dict, path: PathLike, line: int, on_outside: str, clip_length: float,
            ext: str) -> VideoRecord:
    missing = [k for k in ("qid", "query", "duration", "vid") if k not in item]
    if missing:
        raise AnnotationError(path, line, f"missing key(s) {missing}")
    qid = to_int(item["qid"], path, line, "qid")
    query, vid = item["query"], item["vid"]
    if not isinstance(query, str) or not query.strip():
        raise AnnotationError(path, line, f"query must be a non-empty string, got {query!r}")
    if not isinstance(vid, str) or not vid.strip():
        raise AnnotationError(path, line, f"vid must be a non-empty string, got {vid!r}")
    duration = to_float(item["duration"], path, line, "duration")
    if duration <= 0:
        raise AnnotationError(path, line, f"duration must be > 0, got {duration}")
    record = VideoRecord(video_id=vid, path=vid + ext, query=query.strip(), query_id=str(qid),
                         duration=duration, source=locate(path, line))

    present = [k for k in _LABEL_KEYS if k in item]
    if not present:  # the test split: no labels
        return record
    if len(present) != len(_LABEL_KEYS):
        absent = [k for k in _LABEL_KEYS if k not in item]
        raise AnnotationError(path, line, f"has {present} but not {absent}: a labelled line needs "
                              "all three, a test line none")
    record.segments = _windows(item["relevant_windows"], duration, path, line, on_outside)
    record.saliency_clips = _clip_ids(item["relevant_clip_ids"], duration, clip_length, path, line)
    record.saliency = _scores(item["saliency_scores"], len(record.saliency_clips), path, line)
    record.clip_length = float(clip_length)
    return record


def _windows(value: Any, duration: float, path: PathLike, line: int,
             on_outside: str) -> list[tuple[float, float]]:
    if not isinstance(value, list) or not value:
        raise AnnotationError(path, line, f"relevant_windows must be a non-empty list of "
                              f"[start, end], got {value!r}")
    windows = []
    for k, window in enumerate(value):
        what = f"relevant_windows[{k}]"
        if not isinstance(window, list) or len(window) != 2:
            raise AnnotationError(path, line, f"{what} must be [start, end], got {window!r}")
        start = to_float(window[0], path, line, f"{what} start")
        end = to_float(window[1], path, line, f"{what} end")
        if start < 0:
            raise AnnotationError(path, line, f"{what} starts before the video: {window}")
        if end <= start:
            raise AnnotationError(path, line, f"{what} has end <= start: {window}")
        if start >= duration:
            raise AnnotationError(path, line, f"{what} {window} starts at or after the duration "
                                  f"{duration:g} s")
        if end > duration:
            if on_outside == "raise":
                raise AnnotationError(path, line, f"{what} {window} ends after the duration "
                                      f"{duration:g} s (on_outside='clamp' clamps it)")
            logger.warning("%s:%d: %s %s clamped to the duration %g s", path, line, what, window,
                           duration)
            end = duration
        windows.append((start, end))
    return windows


def _clip_ids(value: Any, duration: float, clip_length: float, path: PathLike,
              line: int) -> list[int]:
    if not isinstance(value, list) or not value:
        raise AnnotationError(path, line, f"relevant_clip_ids must be a non-empty list of clip "
                              f"indices, got {value!r}")
    ids = [to_int(v, path, line, f"relevant_clip_ids[{k}]", minimum=0)
           for k, v in enumerate(value)]
    if len(set(ids)) != len(ids):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise AnnotationError(path, line, f"relevant_clip_ids repeats {repeated}")
    num_clips = math.ceil(duration / clip_length)
    beyond = [i for i in ids if i >= num_clips]
    if beyond:
        raise AnnotationError(path, line, f"relevant_clip_ids {beyond} start at or after the "
                              f"duration {duration:g} s ({num_clips} clips of {clip_length:g} s)")
    return ids


def _scores(value: Any, num_clips: int, path: PathLike, line: int) -> list[tuple[int, ...]]:
    if not isinstance(value, list):
        raise AnnotationError(path, line, f"saliency_scores must be a list, got {value!r}")
    if len(value) != num_clips:
        raise AnnotationError(path, line, f"saliency shape mismatch: {len(value)} rows of "
                              f"saliency_scores for {num_clips} relevant_clip_ids")
    rows = []
    for k, row in enumerate(value):
        what = f"saliency_scores[{k}]"
        if not isinstance(row, list) or not row:
            raise AnnotationError(path, line, f"{what} must be a non-empty list (one score per "
                                  f"annotator), got {row!r}")
        if rows and len(row) != len(rows[0]):
            raise AnnotationError(path, line, f"saliency shape mismatch: {what} has {len(row)} "
                                  f"scores, saliency_scores[0] has {len(rows[0])}")
        scores = tuple(to_int(v, path, line, f"{what}[{a}]", minimum=0) for a, v in enumerate(row))
        if max(scores) > MAX_SALIENCY:
            raise AnnotationError(path, line, f"{what} = {list(row)}: scores are 0-{MAX_SALIENCY}")
        rows.append(scores)
    return rows
