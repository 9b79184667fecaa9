"""MSR-VTT (retrieval and captioning) → records.

Files (CLIP4Clip's ``msrvtt_data.zip`` layout):

- ``MSRVTT_data.json`` — ``{"videos": [...], "sentences": [...]}``. A video is
  ``{"video_id": "video0", "category": int, "url": ..., "start time": s, "end time": s,
  "split": "train" | "validate" | "test", "id": int}`` — note the **space** in ``"start time"`` /
  ``"end time"`` (``start_time`` spellings are accepted too). They are times in the *YouTube*
  video; the distributed ``video<N>.mp4`` files are already cut, so records keep the whole file
  and only use the difference as ``duration``. A sentence is
  ``{"caption": str, "video_id": "videoN", "sen_id": int}`` (20 per video).
- the official release splits the same schema over ``train_val_videodatainfo.json`` (video0–7009,
  splits ``train`` / ``validate``) and ``test_videodatainfo.json`` (video7010–9999, ``test``):
  pass both (a list) wherever a JSON path is taken; they are merged, and a video id in two files
  raises.
- ``MSRVTT_train.9k.csv`` / ``MSRVTT_train.7k.csv`` — one column, header ``video_id``.
- ``MSRVTT_JSFUSION_test.csv`` (1k-A test) — header ``key,vid_key,video_id,sentence``, one caption
  per video, row *i* ↔ video *i*.

The CSVs are comma-separated; copies re-saved with ``;`` are rejected with a message that says so.

Parsers:

- ``parse_msrvtt(json, split_csv=None, split=None, unfold=False)``: one record per video with all
  its captions, for the videos of ``split_csv`` (in its order) or of the JSON's ``split`` field
  (or all). ``unfold=True`` gives one record per (video, caption) — CLIP4Clip's 180k training
  pairs for the 9k split (126k for the 7k split).

Protocols these cover: retrieval 1k-A (train = 9k or 7k CSV with all 20 captions of each video,
test = JSFusion CSV, one caption per video); retrieval "full" and captioning (the JSON's
``split`` field: 6513 / 497 / 2990 videos, all captions).
- ``parse_msrvtt_jsfusion(csv)``: one record per row (1k-A test), ``captions=[sentence]``.
- ``read_msrvtt_split(csv)``: the video ids of a train CSV.

Video files are ``<video_id>.mp4`` (``ext``); give ``VideoFileSource(extensions=[".webm"])`` for
CLIP4Clip's fallback.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

from zoo.data.formats.base import (AnnotationError, PathLike, locate, read_csv, read_json,
                                   to_float)
from zoo.data.records import VideoRecord

__all__ = ["parse_msrvtt", "parse_msrvtt_jsfusion", "read_msrvtt_split", "load_msrvtt_json"]

SPLITS = ("train", "validate", "test")


def read_msrvtt_split(path: PathLike) -> list[tuple[int, str]]:
    """``(line, video_id)`` for each row of ``MSRVTT_train.{9k,7k}.csv``."""
    out, seen = [], set()
    for line, row in read_csv(path, ("video_id",)):
        vid = row["video_id"]
        if not vid:
            raise AnnotationError(path, line, "empty video_id")
        if ";" in vid:
            raise AnnotationError(path, line, f"{vid!r} contains ';': this copy seems to use ';' "
                                  "as the separator; MSR-VTT CSVs use ','")
        if vid in seen:
            raise AnnotationError(path, line, f"video {vid!r} is listed twice")
        seen.add(vid)
        out.append((line, vid))
    return out


def _time(video: dict, name: str, path: PathLike, where: str) -> Optional[float]:
    for key in (name, name.replace(" ", "_")):
        if key in video:
            return to_float(video[key], path, where, repr(key))
    return None


JsonPaths = Union[PathLike, Sequence[PathLike]]


def _json_paths(paths: JsonPaths) -> list[PathLike]:
    if isinstance(paths, (list, tuple)):
        if not paths:
            raise ValueError("no MSR-VTT JSON file given")
        return list(paths)
    return [paths]


def load_msrvtt_json(paths: JsonPaths) -> tuple[dict[str, VideoRecord], dict[str, str]]:
    """``MSRVTT_data.json`` (or the official pair of files) → (records by video id, captions in
    ``sen_id`` order; split by id)."""
    records: dict[str, VideoRecord] = {}
    splits: dict[str, str] = {}
    loaded = []
    for path in _json_paths(paths):
        data = read_json(path)
        if not isinstance(data, dict) or "videos" not in data or "sentences" not in data:
            raise AnnotationError(path, None, "expected an object with 'videos' and 'sentences'")
        if not isinstance(data["videos"], list) or not isinstance(data["sentences"], list):
            raise AnnotationError(path, None, "'videos' and 'sentences' must be lists")
        loaded.append((path, data))
        for i, video in enumerate(data["videos"]):
            where = f"videos[{i}]"
            if not isinstance(video, dict) or not isinstance(video.get("video_id"), str):
                raise AnnotationError(path, where, "a video needs a string 'video_id'")
            vid = video["video_id"]
            if vid in records:
                raise AnnotationError(path, where, f"video {vid!r} appears twice (first at "
                                      f"{records[vid].source})")
            start = _time(video, "start time", path, where)
            end = _time(video, "end time", path, where)
            duration = None
            if start is not None and end is not None:
                if end <= start:
                    raise AnnotationError(path, where, f"'end time' {end} <= 'start time' {start}")
                duration = end - start
            split = video.get("split", "")
            if split and split not in SPLITS:
                raise AnnotationError(path, where, f"split {split!r} is not one of {SPLITS}")
            splits[vid] = split
            records[vid] = VideoRecord(video_id=vid, duration=duration, source=locate(path, where))
    captions: dict[str, list[tuple[int, str]]] = {vid: [] for vid in records}
    for path, data in loaded:
        for i, sentence in enumerate(data["sentences"]):
            where = f"sentences[{i}]"
            if not isinstance(sentence, dict):
                raise AnnotationError(path, where, "a sentence must be an object")
            vid, caption = sentence.get("video_id"), sentence.get("caption")
            if vid not in records:
                raise AnnotationError(path, where, f"video_id {vid!r} is not in 'videos'")
            if not isinstance(caption, str) or not caption.strip():
                raise AnnotationError(path, where,
                                      f"caption must be a non-empty string, got {caption!r}")
            sen_id = sentence.get("sen_id", i)
            captions[vid].append((sen_id if isinstance(sen_id, int) else i, caption.strip()))
    for vid, caps in captions.items():
        records[vid].captions = [c for _, c in sorted(caps, key=lambda x: x[0])]
    return records, splits


def parse_msrvtt(json_path: JsonPaths, split_csv: Optional[PathLike] = None,
                 split: Optional[str] = None, unfold: bool = False,
                 ext: str = ".mp4") -> list[VideoRecord]:
    """Records of the videos in ``split_csv`` (or the JSON's ``split``, or all) with captions."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    by_id, splits = load_msrvtt_json(json_path)
    if split_csv is not None:
        chosen = []
        for line, vid in read_msrvtt_split(split_csv):
            if vid not in by_id:
                names = ", ".join(str(p) for p in _json_paths(json_path))
                raise AnnotationError(split_csv, line, f"video {vid!r} is not in {names}")
            if split is not None and splits[vid] != split:
                raise AnnotationError(split_csv, line, f"video {vid!r} is in split "
                                      f"{splits[vid]!r} of the JSON, not {split!r}")
            chosen.append(by_id[vid])
    else:
        chosen = [r for vid, r in by_id.items() if split is None or splits[vid] == split]
    records = []
    for record in chosen:
        if not record.captions:
            file, where = record.source.rsplit(":", 1)
            raise AnnotationError(file, where, f"video {record.video_id!r} has no caption")
        record.path = record.video_id + ext
        if unfold:
            records.extend(VideoRecord(video_id=record.video_id, path=record.path,
                                       duration=record.duration, captions=[c],
                                       source=record.source) for c in record.captions)
        else:
            records.append(record)
    return records


def parse_msrvtt_jsfusion(path: PathLike, ext: str = ".mp4") -> list[VideoRecord]:
    """``MSRVTT_JSFUSION_test.csv`` → one record per row, ``captions=[sentence]``, row order kept
    (the ground truth is the diagonal)."""
    records = []
    for line, row in read_csv(path, ("key", "vid_key", "video_id", "sentence")):
        vid, sentence = row["video_id"], row["sentence"]
        if not vid:
            raise AnnotationError(path, line, "empty video_id")
        if not sentence:
            raise AnnotationError(path, line, f"empty sentence for {vid!r}")
        records.append(VideoRecord(video_id=vid, path=vid + ext, captions=[sentence],
                                   source=locate(path, line)))
    return records
