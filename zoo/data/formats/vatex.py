"""VATEX (retrieval and captioning) JSON files → records, one per clip.

Files (the VATEX download page): ``vatex_training_v1.0.json`` (25,991 clips),
``vatex_validation_v1.0.json`` (3,000), ``vatex_public_test_english_v1.1.json`` (6,000, English
captions only) and ``vatex_private_test_without_annotations.json`` (ids only). Each is a JSON
list of ``{"videoID": "<youtube id>_<start:06d>_<end:06d>", "enCap": [10 English captions],
"chCap": [10 Chinese captions]}``; ``enCap`` holds 5 regular then 5 parallel (translation-paired)
captions. ``chCap`` is ignored (not read, not checked).

``videoID`` is parsed from the right (the YouTube id may contain ``_``): ``start`` / ``end`` are
whole seconds into the YouTube video, ``start < end``. Records: ``video_id = videoID``,
``captions`` = ``enCap`` (stripped, order kept; empty for the private test), and

- ``trimmed=True`` (default): ``path = "<videoID>.mp4"``, the downloaded 10-second clip;
- ``trimmed=False``: ``path = "<youtube id>.mp4"`` (the full video) with ``start`` / ``end``.

A missing or malformed ``videoID``, a repeated one, or an ``enCap`` that is not a list of
non-empty strings raises ``AnnotationError(file, "[i]", reason)``.
"""

from __future__ import annotations

import re

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json
from zoo.data.records import VideoRecord

__all__ = ["parse_vatex", "split_vatex_id"]

_ID = re.compile(r"^(?P<yt>.+)_(?P<start>\d+)_(?P<end>\d+)$")


def split_vatex_id(video_id: str) -> tuple[str, int, int]:
    """``"<ytid>_<start>_<end>"`` → ``(ytid, start, end)``; ``ValueError`` if it is not one."""
    match = _ID.match(video_id)
    if not match:
        raise ValueError(f"{video_id!r} is not '<youtube id>_<start>_<end>'")
    return match.group("yt"), int(match.group("start")), int(match.group("end"))


def parse_vatex(path: PathLike, trimmed: bool = True, ext: str = ".mp4") -> list[VideoRecord]:
    """Parse a VATEX JSON file (module docstring)."""
    data = read_json(path)
    if not isinstance(data, list):
        raise AnnotationError(path, None, "expected a JSON list of clips")
    records, seen = [], {}
    for i, item in enumerate(data):
        where = f"[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("videoID"), str):
            raise AnnotationError(path, where, "a clip must be an object with a string 'videoID'")
        video_id = item["videoID"].strip()
        try:
            youtube_id, start, end = split_vatex_id(video_id)
        except ValueError as e:
            raise AnnotationError(path, where, str(e)) from None
        if end <= start:
            raise AnnotationError(path, where, f"{video_id}: end {end} <= start {start}")
        if video_id in seen:
            raise AnnotationError(path, where, f"videoID {video_id!r} repeats (first at "
                                  f"{seen[video_id]})")
        seen[video_id] = where
        captions = item.get("enCap", [])
        if not isinstance(captions, list) or not all(isinstance(c, str) and c.strip()
                                                     for c in captions):
            raise AnnotationError(path, where, f"enCap must be a list of non-empty strings, got "
                                  f"{captions!r}")
        record = VideoRecord(video_id=video_id, captions=[c.strip() for c in captions],
                             source=locate(path, where))
        if trimmed:
            record.path = video_id + ext
        else:
            record.path, record.start, record.end = youtube_id + ext, float(start), float(end)
        records.append(record)
    return records
