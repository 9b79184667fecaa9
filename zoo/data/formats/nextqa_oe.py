"""NExT-QA open-ended QA (``doc-doc/NExT-OE``: ``dataset/nextqa/{train,val,test}.csv``) → records.

Header ``video,frame_count,width,height,question,answer,qid,type`` (LF, comma-separated, no
quoting in the released files), read **by name** (``frame_count``, ``width``, ``height`` are
optional and unused):

- ``video`` is a numeric id kept as a **string** (10 or 11 digits);
- ``answer`` is a free-form phrase (``"in case food fall"``), kept as written (stripped);
- ``type`` is one of CW, CH, TN, TP, TC, DC, DL, DO and **DB** (binary yes/no questions, which the
  multiple-choice release does not have) → ``question_type``;
- ``qid`` is the question number within the video; the benchmark's key ``f"{video}_{qid}"`` is
  ``qa.qid`` (``eval_oe.py`` looks predictions up as ``res[video][qid]``).

Known hole of the real files: ``train.csv`` repeats three ``(video, qid)`` keys with different
questions (e.g. video 4598213889 qid 5 and qid 2). They are distinct questions, so both are kept,
each repeat logged as a warning naming file and line (``on_duplicate="warn"``, the default);
``on_duplicate="raise"`` makes a repeat an error (val and test have none). The second one's key
gets a ``#<line>`` suffix so keys stay unique.

``add_reference_answer_test.json`` (``{video: {qid: answer}}``, 500 test videos) holds a second
reference answer that ``eval_oe.py`` accepts too: ``read_nextoe_reference_answers`` reads it keyed
like ``qa.qid``. (A ``QuestionAnswer`` has no field for alternative answers; the datamodule
hands them to the task through ``dataset_info``.)

Videos: as in NExT-QA multiple choice — ``map_vid_vidorID.json`` maps the video id to
``"<dir>/<vidor id>"``; without a map the path is ``<video>.mp4``.
"""

from __future__ import annotations

import logging
from typing import Mapping, Union

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_csv, read_json
from zoo.data.formats.nextqa import read_nextqa_video_map
from zoo.data.records import QuestionAnswer, VideoRecord

__all__ = ["parse_nextqa_oe", "read_nextoe_reference_answers", "OE_QUESTION_TYPES"]

logger = logging.getLogger("zoo.data")

OE_QUESTION_TYPES = ("CW", "CH", "TN", "TP", "TC", "DC", "DL", "DO", "DB")


def read_nextoe_reference_answers(path: PathLike) -> dict[str, str]:
    """``add_reference_answer_test.json`` → ``{f"{video}_{qid}": answer}``."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, None, "expected an object {video: {qid: answer}}")
    out = {}
    for video, answers in data.items():
        if not isinstance(answers, dict):
            raise AnnotationError(path, repr(video), f"expected {{qid: answer}}, got {answers!r}")
        for qid, answer in answers.items():
            if not isinstance(answer, str) or not answer.strip():
                raise AnnotationError(path, f"{video!r}.{qid!r}", f"answer must be a non-empty "
                                      f"string, got {answer!r}")
            out[f"{video}_{qid}"] = answer.strip()
    return out


def parse_nextqa_oe(path: PathLike, video_map: Union[Mapping[str, str], PathLike, None] = None,
                    on_duplicate: str = "warn", ext: str = ".mp4") -> list[VideoRecord]:
    """Parse a NExT-OE CSV into one record per question (module docstring)."""
    if on_duplicate not in ("warn", "raise"):
        raise ValueError(f"on_duplicate must be 'warn' or 'raise', got {on_duplicate!r}")
    if video_map is not None and not isinstance(video_map, Mapping):
        video_map = read_nextqa_video_map(video_map)
    records = []
    seen: dict[str, int] = {}
    for line, row in read_csv(path, ("video", "question", "answer", "qid", "type")):
        video = row["video"]
        if not video:
            raise AnnotationError(path, line, "empty video id")
        if not row["question"]:
            raise AnnotationError(path, line, "empty question")
        if not row["answer"]:
            raise AnnotationError(path, line, "empty answer")
        qtype = row["type"]
        if qtype not in OE_QUESTION_TYPES:
            raise AnnotationError(path, line, f"type {qtype!r} is not one of {OE_QUESTION_TYPES}")
        if not row["qid"]:
            raise AnnotationError(path, line, "empty qid")
        key = f"{video}_{row['qid']}"
        if key in seen:
            if on_duplicate == "raise":
                raise AnnotationError(path, line, f"qid {row['qid']} repeats for video {video} "
                                      f"(first at line {seen[key]})")
            logger.warning("%s:%d: qid %s repeats for video %s (first at line %d); kept as %s#%d",
                           path, line, row["qid"], video, seen[key], key, line)
            key = f"{key}#{line}"
        else:
            seen[key] = line
        if video_map is not None:
            if video not in video_map:
                raise AnnotationError(path, line, f"video {video} is not in the video map")
            file = video_map[video] + ext
        else:
            file = video + ext
        qa = QuestionAnswer(question=row["question"], answer=row["answer"], question_type=qtype,
                            qid=key)
        records.append(VideoRecord(video_id=video, path=file, qa=[qa], source=locate(path, line)))
    return records
