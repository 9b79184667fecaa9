"""Charades-STA (temporal grounding) → records, one per query line.

Line format: ``"<vid> <start_sec> <end_sec>##<sentence>"`` (LF), e.g.
``3MSZA 24.3 30.4##person turn a light on.`` Parsed with ``split("##", 1)``, then whitespace.
Each record has ``segments=[(start, end)]``, ``query=<sentence>`` (stripped) and
``path=<vid>.mp4`` (videos live in ``Charades_v1_480/``).

Durations are not in this file, and the dataset does not ship them: ``Charades_duration.json``
comes from DRN / mmaction2 (``{"WX4AP": 20.64, ...}``) and ``Charades_v1_{train,test}.csv``
(columns ``id`` and ``length``) from the Charades release. Both are **optional**:

- pass ``durations`` (a dict or either file) to set ``record.duration`` and clamp segments to it
  now; a video missing from the durations raises;
- or pass ``durations=None`` (records get ``duration=None``) and take the durations from the video
  files once they are found: ``apply_durations(records, {vid: seconds})`` applies the same policy
  (clamp / raise, below) afterwards. ``read_charades_durations(path, missing_ok=True)`` returns
  ``None`` (logged) for a durations file that is not there, so a caller can default to it.

Policy for the real data's edge cases (documented, never silent):

- **reversed segments** (4 train lines have end < start, e.g. ``AKKWU 38.0 13.0``):
  ``on_reversed="swap"`` (default) swaps the two times and logs a warning naming file and
  line; ``on_reversed="raise"`` raises ``AnnotationError``. A zero-length segment (start == end)
  is kept as it is, with a warning.
- **end past the duration**: clamped to the duration (logged at INFO level, as it is routine).
  A start at or past the duration raises: that query points outside its video.
- negative times raise.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping, Optional, Union

from zoo.data.formats.base import (AnnotationError, PathLike, locate, read_csv, read_json,
                                   read_lines, to_float)
from zoo.data.records import VideoRecord

__all__ = ["parse_charades_sta", "read_charades_durations", "apply_durations"]

logger = logging.getLogger("zoo.data")


def read_charades_durations(path: PathLike, missing_ok: bool = False
                            ) -> Optional[dict[str, float]]:
    """Durations (seconds) by video id: ``Charades_duration.json`` or ``Charades_v1_*.csv``.

    A file that does not exist raises ``AnnotationError`` saying how to go without it, or — with
    ``missing_ok=True`` — returns ``None`` (logged at INFO level): durations then come from the
    video files (:func:`apply_durations`).
    """
    if not Path(path).is_file():
        if missing_ok:
            logger.info("%s not found: Charades-STA durations will come from the video files",
                        path)
            return None
        raise AnnotationError(path, None, "durations file not found. Charades-STA does not ship "
                              "durations: Charades_duration.json is DRN/mmaction2's and "
                              "Charades_v1_{train,test}.csv is in the Charades release (column "
                              "'length'); pass durations=None to take them from the video files")
    if Path(path).suffix.lower() == ".json":
        data = read_json(path)
        if not isinstance(data, dict):
            raise AnnotationError(path, None, "expected an object {video id: duration}")
        out = {}
        for vid, value in data.items():
            out[str(vid)] = to_float(value, path, repr(vid), "duration")
    else:
        out = {}
        for line, row in read_csv(path, ("id", "length")):
            out[row["id"]] = to_float(row["length"], path, line, "length")
    for vid, value in out.items():
        if value <= 0:
            raise AnnotationError(path, None, f"video {vid!r} has duration {value} <= 0")
    return out


def parse_charades_sta(path: PathLike,
                       durations: Union[Mapping[str, float], PathLike, None] = None,
                       on_reversed: str = "swap", ext: str = ".mp4") -> list[VideoRecord]:
    """Parse a ``charades_sta_{train,test}.txt`` file (module docstring for the policy)."""
    if on_reversed not in ("swap", "raise"):
        raise ValueError(f"on_reversed must be 'swap' or 'raise', got {on_reversed!r}")
    table: Optional[Mapping[str, float]]
    if durations is None or isinstance(durations, Mapping):
        table = durations
    else:
        table = read_charades_durations(durations)

    records = []
    for line, text in read_lines(path):
        if "##" not in text:
            raise AnnotationError(path, line, f"expected '<vid> <start> <end>##<sentence>', got "
                                  f"{text!r}")
        head, sentence = text.split("##", 1)
        fields = head.split()
        if len(fields) != 3:
            raise AnnotationError(path, line, f"expected '<vid> <start> <end>' before '##', got "
                                  f"{head!r}")
        vid = fields[0]
        start = to_float(fields[1], path, line, "start")
        end = to_float(fields[2], path, line, "end")
        sentence = sentence.strip()
        if not sentence:
            raise AnnotationError(path, line, "empty sentence")
        if start < 0 or end < 0:
            raise AnnotationError(path, line, f"negative time in [{start}, {end}]")
        if start == end:
            logger.warning("%s:%d: zero-length segment [%s, %s]", path, line, start, end)
        if end < start:
            if on_reversed == "raise":
                raise AnnotationError(path, line, f"end {end} < start {start}")
            logger.warning("%s:%d: reversed segment [%s, %s] swapped", path, line, start, end)
            start, end = end, start
        record = VideoRecord(video_id=vid, path=vid + ext, segments=[(start, end)],
                             query=sentence, source=locate(path, line))
        if table is not None:
            if vid not in table:
                raise AnnotationError(path, line, f"video {vid!r} has no duration in the "
                                      "durations given")
            _set_duration(record, float(table[vid]), path, line)
        records.append(record)
    return records


def apply_durations(records: list[VideoRecord], durations: Mapping[str, float]) -> None:
    """Set ``record.duration`` from ``durations`` (seconds by video id, e.g. measured on the video
    files) and clamp each segment to it, in place, with the parser's policy: an end past the
    duration is clamped (INFO log), a start at or past it raises ``AnnotationError`` naming the
    record's file and line. A record whose video has no duration raises ``KeyError``."""
    for record in records:
        if record.video_id not in durations:
            raise KeyError(f"{record.where()}: no duration for video {record.video_id!r}")
        file, _, where = record.source.rpartition(":")
        line = int(where) if where.isdigit() else (where or None)
        if not file:  # a record not made by this parser
            file, line = record.where(), None
        _set_duration(record, float(durations[record.video_id]), file, line)


def _set_duration(record: VideoRecord, duration: float, path, line) -> None:
    if not duration > 0:
        raise AnnotationError(path, line, f"video {record.video_id!r} has duration {duration} <= 0")
    segments = []
    for start, end in record.segments:
        if start >= duration:
            raise AnnotationError(path, line, f"start {start} is not inside the video "
                                  f"({duration} s)")
        if end > duration:
            logger.info("%s:%s: end %s clamped to the duration %s", path, line, end, duration)
            end = duration
        segments.append((start, end))
    record.segments = segments
    record.duration = duration
