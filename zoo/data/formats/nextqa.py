"""NExT-QA multiple-choice QA (``dataset/nextqa/{train,val,test}.csv``) → records.

Header ``video,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4``, read **by
name** (``frame_count``, ``width``, ``height`` are optional and unused):

- ``video`` is a numeric id kept as a **string** (some have 11 digits);
- ``answer`` is the 0-based index into ``a0..a4``; ``record.qa[0].answer`` is that choice's text;
- ``type`` is one of CW, CH, TN, TP, TC, DC, DL, DO (``question_type``);
- ``qid`` is unique within a video; the benchmark's key ``f"{video}_{qid}"`` is ``qa.qid``.

Videos: ``map_vid_vidorID.json`` (``video_map``) maps a video id to its VidOR path
``"0101/2909445186"`` → ``record.path = "0101/2909445186.mp4"``; without a map the path is
``<video>.mp4``. A video missing from the map raises.

One record per question (``group_by_video=False``, the default: every question is an item), or
one per video with all its questions (``group_by_video=True``; the dataset's ``qa`` option then
chooses or expands them).
"""

from __future__ import annotations

from typing import Mapping, Union

from zoo.data.formats.base import (AnnotationError, PathLike, locate, read_csv, read_json,
                                   to_int)
from zoo.data.records import QuestionAnswer, VideoRecord

__all__ = ["parse_nextqa", "read_nextqa_video_map", "QUESTION_TYPES"]

QUESTION_TYPES = ("CW", "CH", "TN", "TP", "TC", "DC", "DL", "DO")
CHOICES = ("a0", "a1", "a2", "a3", "a4")


def read_nextqa_video_map(path: PathLike) -> dict[str, str]:
    """``map_vid_vidorID.json``: video id (str) → VidOR relative path without extension."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected an object {video id: 'dir/vidor_id'}")
    out = {}
    for key, value in data.items():
        if not isinstance(value, str) or not value:
            raise AnnotationError(path, repr(key), f"expected a path string, got {value!r}")
        out[str(key)] = value
    return out


def parse_nextqa(path: PathLike, video_map: Union[Mapping[str, str], PathLike, None] = None,
                 group_by_video: bool = False, ext: str = ".mp4") -> list[VideoRecord]:
    """Parse a NExT-QA CSV (module docstring)."""
    if video_map is not None and not isinstance(video_map, Mapping):
        video_map = read_nextqa_video_map(video_map)
    records: list[VideoRecord] = []
    by_video: dict[str, VideoRecord] = {}
    seen: set[str] = set()
    required = ("video", "question", "answer", "qid", "type") + CHOICES
    for line, row in read_csv(path, required):
        video = row["video"]
        if not video:
            raise AnnotationError(path, line, "empty video id")
        question = row["question"]
        if not question:
            raise AnnotationError(path, line, "empty question")
        choices = [row[c] for c in CHOICES]
        empty = [c for c, text in zip(CHOICES, choices) if not text]
        if empty:
            raise AnnotationError(path, line, f"empty answer choice(s) {empty}")
        answer = to_int(row["answer"], path, line, "answer", minimum=0)
        if answer >= len(CHOICES):
            raise AnnotationError(path, line, f"answer {answer} is not an index into a0..a4")
        qtype = row["type"]
        if qtype not in QUESTION_TYPES:
            raise AnnotationError(path, line, f"type {qtype!r} is not one of {QUESTION_TYPES}")
        key = f"{video}_{row['qid']}"
        if not row["qid"] or key in seen:
            raise AnnotationError(path, line, f"qid {row['qid']!r} is empty or repeats for "
                                  f"video {video}")
        seen.add(key)
        if video_map is not None:
            if video not in video_map:
                raise AnnotationError(path, line, f"video {video} is not in the video map")
            file = video_map[video] + ext
        else:
            file = video + ext
        qa = QuestionAnswer(question=question, answer=choices[answer], question_type=qtype,
                            choices=choices, answer_index=answer, qid=key)
        if group_by_video and video in by_video:
            by_video[video].qa.append(qa)
            continue
        record = VideoRecord(video_id=video, path=file, qa=[qa], source=locate(path, line))
        by_video[video] = record
        records.append(record)
    return records
