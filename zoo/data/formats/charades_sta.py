"""Charades-STA (temporal grounding) → records, one per query line.

Line format: ``"<vid> <start_sec> <end_sec>##<sentence>"`` (LF), e.g.
``3MSZA 24.3 30.4##person turn a light on.`` Parsed with ``split("##", 1)``, then whitespace.
Each record has ``segments=[(start, end)]``, ``query=<sentence>`` (stripped) and
``path=<vid>.mp4`` (videos live in ``Charades_v1_480/``).

Durations are not in this file. Pass ``durations`` — a dict, DRN/mmaction2's
``Charades_duration.json`` (``{"WX4AP": 20.64, ...}``), or Charades ``Charades_v1_{train,test}.csv``
(columns ``id`` and ``length``) — to set ``record.duration`` and clamp segments to it. A video
missing from the durations raises.

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

__all__ = ["parse_charades_sta", "read_charades_durations"]

logger = logging.getLogger("zoo.data")


def read_charades_durations(path: PathLike) -> dict[str, float]:
    """Durations (seconds) by video id: ``Charades_duration.json`` or ``Charades_v1_*.csv``."""
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
        duration = None
        if table is not None:
            if vid not in table:
                raise AnnotationError(path, line, f"video {vid!r} has no duration in the "
                                      "durations given")
            duration = float(table[vid])
            if start >= duration:
                raise AnnotationError(path, line, f"start {start} is not inside the video "
                                      f"({duration} s)")
            if end > duration:
                logger.info("%s:%d: end %s clamped to the duration %s", path, line, end, duration)
                end = duration
        records.append(VideoRecord(video_id=vid, path=vid + ext, segments=[(start, end)],
                                   query=sentence, duration=duration, source=locate(path, line)))
    return records
