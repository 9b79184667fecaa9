"""ActivityNet Captions (``captions.zip``: ``train.json``, ``val_1.json``, ``val_2.json``) → records
(one per video or one per sentence).

Each file maps a video id to its annotation:
``{"v_uqiMw7tQ1Cc": {"duration": 55.15, "timestamps": [[0.28, 55.15], [13.79, 54.32]],
"sentences": ["A weight lifting tutorial is given.", "  The coach helps the guy in red ..."]}}``
— one sentence per ``[start, end]`` (seconds; ints and floats), most sentences after the first
**start with spaces** (stripped here). ``{train,val,test}_ids.json`` are lists of the ids
(``read_activitynet_ids``). val_1 and val_2 annotate (almost) the same videos with different
captions.

``granularity="paragraph"`` (paragraph-to-video retrieval, CLIP4Clip's protocol: train on
``train.json``, test on ``val_1.json``): one record per video, ``captions = [paragraph]`` — the
stripped sentences joined with a space, in file order — over the whole video (``duration`` set).

``granularity="sentence"`` (dense captioning / temporal grounding): one record per sentence,
``query`` and ``captions = [sentence]``, ``segments = [(start, end)]`` in seconds,
``duration`` set; ``source`` is ``"<file>:<video id>.timestamps[k]"``.

Known holes of the released files and the policy for them (``on_invalid``):

- an end time past ``duration`` (29 in train, 5 in val_1 — mostly float noise such as 95.04 vs
  95.03999999999999 — and 1 in val_2): ``"fix"`` (default) clamps it to the duration;
- a start after its end (2 segments in train): ``"fix"`` swaps the two;
- ``on_invalid="raise"`` raises for either, and one ``WARNING`` line per file counts what
  ``"fix"`` changed — never silent.

Always errors, naming the file and the video id (``AnnotationError(file, "<id>...", reason)``):
a start outside ``[0, duration)`` (the segment is not in the video), a negative time, a
non-positive duration, ``timestamps`` and ``sentences`` of different lengths, an empty sentence.

Video files: ``v_<youtube id>.mp4`` (ActivityNet's downloads; some are ``.mkv`` / ``.webm``).
``strip_prefix=True`` drops the ``v_`` (CLIP4Clip's ``video_id[2:]``) for copies named
``<youtube id>.mp4``.
"""

from __future__ import annotations

import logging

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_float
from zoo.data.records import VideoRecord

__all__ = ["parse_activitynet_captions", "read_activitynet_ids"]

logger = logging.getLogger("zoo.data")

GRANULARITIES = ("paragraph", "sentence")


def read_activitynet_ids(path: PathLike) -> list[str]:
    """``{train,val,test}_ids.json``: a JSON list of ``"v_..."`` ids."""
    data = read_json(path)
    if not isinstance(data, list) or not all(isinstance(v, str) and v for v in data):
        raise AnnotationError(path, None, "expected a JSON list of video id strings")
    return list(data)


def parse_activitynet_captions(path: PathLike, granularity: str = "paragraph",
                               on_invalid: str = "fix", strip_prefix: bool = False,
                               ext: str = ".mp4") -> list[VideoRecord]:
    """Parse ``train.json`` / ``val_1.json`` / ``val_2.json`` (module docstring)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
    if on_invalid not in ("fix", "raise"):
        raise ValueError(f"on_invalid must be 'fix' or 'raise', got {on_invalid!r}")
    data = read_json(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected an object {video id: {duration, timestamps, "
                              "sentences}}")
    records: list[VideoRecord] = []
    clamped, swapped = [], []
    for vid, item in data.items():
        where = repr(vid)
        if not isinstance(item, dict):
            raise AnnotationError(path, where, "a video's annotation must be an object")
        missing = [k for k in ("duration", "timestamps", "sentences") if k not in item]
        if missing:
            raise AnnotationError(path, where, f"video {vid}: missing key(s) {missing}")
        duration = to_float(item["duration"], path, f"{vid}.duration", "duration")
        if duration <= 0:
            raise AnnotationError(path, f"{vid}.duration", f"duration {duration} <= 0")
        stamps, sentences = item["timestamps"], item["sentences"]
        if not isinstance(stamps, list) or not isinstance(sentences, list):
            raise AnnotationError(path, where, f"video {vid}: timestamps and sentences must be "
                                  "lists")
        if len(stamps) != len(sentences):
            raise AnnotationError(path, where, f"video {vid}: {len(stamps)} timestamps but "
                                  f"{len(sentences)} sentences")
        if not stamps:
            raise AnnotationError(path, where, f"video {vid} has no sentence")
        texts, segments = [], []
        for k, (pair, sentence) in enumerate(zip(stamps, sentences)):
            at = f"{vid}.timestamps[{k}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise AnnotationError(path, at, f"expected [start, end], got {pair!r}")
            start = to_float(pair[0], path, at, "start")
            end = to_float(pair[1], path, at, "end")
            if not isinstance(sentence, str) or not sentence.strip():
                raise AnnotationError(path, f"{vid}.sentences[{k}]", f"empty sentence "
                                      f"{sentence!r}")
            if start < 0 or end < 0:
                raise AnnotationError(path, at, f"video {vid}: negative time in [{start}, {end}]")
            if end < start:
                if on_invalid == "raise":
                    raise AnnotationError(path, at, f"video {vid}: end {end} < start {start}")
                start, end = end, start
                swapped.append(at)
            if start >= duration:
                raise AnnotationError(path, at, f"video {vid}: segment [{start}, {end}] starts "
                                      f"outside the video ({duration} s)")
            if end > duration:
                if on_invalid == "raise":
                    raise AnnotationError(path, at, f"video {vid}: end {end} is past the "
                                          f"duration {duration}")
                end = duration
                clamped.append(at)
            texts.append(sentence.strip())
            segments.append((start, end))
        file = (vid[2:] if strip_prefix and vid.startswith("v_") else vid) + ext
        if granularity == "paragraph":
            records.append(VideoRecord(video_id=vid, path=file, captions=[" ".join(texts)],
                                       duration=duration, source=locate(path, where)))
        else:
            records.extend(VideoRecord(video_id=vid, path=file, query=text, captions=[text],
                                       segments=[segment], duration=duration,
                                       source=locate(path, f"{vid}.timestamps[{k}]"))
                           for k, (text, segment) in enumerate(zip(texts, segments)))
    if clamped or swapped:
        logger.warning("%s: %d end time(s) past the duration clamped (first: %s), %d reversed "
                       "segment(s) swapped (first: %s) — on_invalid='fix'", path, len(clamped),
                       clamped[0] if clamped else "-", len(swapped),
                       swapped[0] if swapped else "-")
    return records
