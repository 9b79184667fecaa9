"""DiDeMo (``LocalizingMoments``: ``data/{train,val,test}_data.json``) → records.

Each file is a JSON list of annotations
``{"annotation_id": 49152, "description": "the man in the hat briefly bends over the machine",
"video": "35034348999@N01_6060447507_dc1a90b8ef.mov", "times": [[1, 1], [1, 1], [1, 1], [0, 0]],
"dl_link": "https://www.flickr.com/video_download.gne?id=6060447507", "num_segments": 6}``.
Quirks of the released files this parser accepts:

- ``times`` holds one ``[start, end]`` pair per annotator — usually 4, sometimes 5 or 7 — in
  **5-second chunk indices**, inclusive at both ends: chunk pair (s, e) covers seconds
  ``[5 s, 5 (e + 1)]`` (videos were cut to at most 30 s: 6 chunks, 5 when shorter;
  ``num_segments`` says how many, and ``e < num_segments`` is required);
- ``video`` is the Flickr file name with its original extension (``.mov``, ``.avi``, ``.mp4``,
  ``.mpg``, ``.m4v``, ``.3gp``, ``.wmv``, ``.3g2``, ``.mts``, ``.m2ts``) — and some names end in a
  bare ``.`` with no extension; ``record.path`` is the name as written plus ``video_suffix``
  (``".mp4"`` for CLIP4Clip-style converted copies named ``<video>.mp4``);
- descriptions may end with spaces or a newline (whitespace runs are collapsed to one space);
- the download link is ``dl_link`` (the README says ``download_link``); neither is used.

``granularity="paragraph"`` (text-video retrieval, CLIP4Clip's protocol): one record per video,
in first-appearance order, ``captions = [paragraph]`` where the paragraph is the video's
descriptions joined with a space in file order; the whole video is used.

``granularity="sentence"`` (moment localisation / grounding): one record per annotation,
``query`` and ``captions = [description]``, ``segments`` = the annotators' distinct moments in
seconds, most votes first (ties: first given first) — so ``segments[0]`` (what a batch carries)
is the majority moment. ``LocalizingMoments/utils/eval.py`` scores against all annotators.

Bad input raises ``AnnotationError(file, "[i]", reason)``: a missing key, an empty description, a
chunk index outside ``0 <= s <= e < num_segments`` (6 when absent), a non-integer index.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json
from zoo.data.records import VideoRecord

__all__ = ["parse_didemo", "didemo_seconds", "CHUNK_SECONDS"]

CHUNK_SECONDS = 5.0
GRANULARITIES = ("paragraph", "sentence")


def didemo_seconds(start_chunk: int, end_chunk: int) -> tuple[float, float]:
    """Chunk indices (inclusive) → seconds ``[5 s, 5 (e + 1)]``."""
    return start_chunk * CHUNK_SECONDS, (end_chunk + 1) * CHUNK_SECONDS


def _times(item: dict, path: PathLike, where: str) -> list[tuple[int, int]]:
    times = item["times"]
    chunks = item.get("num_segments", 6)
    if isinstance(chunks, bool) or not isinstance(chunks, int) or not 1 <= chunks <= 6:
        raise AnnotationError(path, where, f"num_segments must be an integer 1..6, got {chunks!r}")
    if not isinstance(times, list) or not times:
        raise AnnotationError(path, where, f"times must be a non-empty list of [start, end] "
                              f"chunk pairs, got {times!r}")
    out = []
    for k, pair in enumerate(times):
        if (not isinstance(pair, list) or len(pair) != 2
                or any(isinstance(v, bool) or not isinstance(v, int) for v in pair)):
            raise AnnotationError(path, where, f"times[{k}] must be two integer chunk indices, "
                                  f"got {pair!r}")
        s, e = pair
        if not 0 <= s <= e < chunks:
            raise AnnotationError(path, where, f"times[{k}] = {pair}: need 0 <= start <= end < "
                                  f"num_segments ({chunks})")
        out.append((s, e))
    return out


def parse_didemo(path: PathLike, granularity: str = "paragraph",
                 video_suffix: str = "") -> list[VideoRecord]:
    """Parse a DiDeMo ``*_data.json`` (module docstring)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
    data = read_json(path)
    if not isinstance(data, list):
        raise AnnotationError(path, None, "expected a JSON list of annotations")
    records: list[VideoRecord] = []
    paragraphs: dict[str, VideoRecord] = {}
    seen_ids: dict[object, str] = {}
    for i, item in enumerate(data):
        where = f"[{i}]"
        if not isinstance(item, dict):
            raise AnnotationError(path, where, "an annotation must be an object")
        missing = [k for k in ("video", "description", "times") if k not in item]
        if missing:
            raise AnnotationError(path, where, f"missing key(s) {missing}")
        video, description = item["video"], item["description"]
        if not isinstance(video, str) or not video.strip():
            raise AnnotationError(path, where, f"video must be a file name, got {video!r}")
        if not isinstance(description, str) or not description.strip():
            raise AnnotationError(path, where, f"description must be a non-empty string, got "
                                  f"{description!r}")
        description = " ".join(description.split())
        pairs = _times(item, path, where)
        annotation_id: Optional[object] = item.get("annotation_id")
        if annotation_id is not None:
            if annotation_id in seen_ids:
                raise AnnotationError(path, where, f"annotation_id {annotation_id!r} repeats "
                                      f"(first at {seen_ids[annotation_id]})")
            seen_ids[annotation_id] = where
        file = video + video_suffix
        if granularity == "paragraph":
            if video in paragraphs:
                paragraphs[video].captions[0] += " " + description
            else:
                record = VideoRecord(video_id=video, path=file, captions=[description],
                                     source=locate(path, where))
                paragraphs[video] = record
                records.append(record)
            continue
        votes = Counter(pairs)
        order = sorted(votes, key=lambda p: (-votes[p], pairs.index(p)))
        records.append(VideoRecord(video_id=video, path=file, query=description,
                                   captions=[description],
                                   segments=[didemo_seconds(s, e) for s, e in order],
                                   source=locate(path, where)))
    return records
