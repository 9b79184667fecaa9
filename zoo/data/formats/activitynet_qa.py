"""ActivityNet-QA (``MILVLG/activitynet-qa/dataset``) ``{train,val,test}_{q,a}.json`` → records.

Questions and answers are two JSON lists of the same length, joined **by** ``question_id``
(the released files also keep the same order, which is not relied on):

- ``<split>_q.json``: ``{"video_name": "TIEzvhv6xaI", "question": "is the no.3 athlete playing
  indoor", "question_id": "v_TIEzvhv6xaI_2"}`` — questions are lower-case, without ``?``; some
  end with a space (stripped here);
- ``<split>_a.json``: ``{"answer": "yes", "type": 3, "question_id": "v_TIEzvhv6xaI_2"}``.
  ``type`` (an int) is kept as a string in ``question_type``: 0 motion, 1 spatial relation,
  2 temporal relation, 3-8 "free" questions by answer type (3 yes/no, 4 color, 5 object,
  6 location, 7 number, 8 other) — ``ANETQA_TYPES`` names them. ``evaluation/eval.py`` scores
  exact string match, per type.

A question without an answer, an answer without a question, a repeated ``question_id`` or a
missing key raises. Without an answer file (``a_path=None``) records carry questions only
(answer ``""``). Open-ended: ``choices`` empty, ``answer_index`` -1.

Videos: ``video_name`` is the YouTube id; ActivityNet's downloads name the file
``v_<youtube id>.mp4`` (``.mkv`` / ``.webm`` for some): ``path`` is
``f"{prefix}{video_name}{ext}"`` with ``prefix="v_"``, ``ext=".mp4"`` by default.
"""

from __future__ import annotations

from typing import Optional

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_int
from zoo.data.records import QuestionAnswer, VideoRecord

__all__ = ["parse_activitynet_qa", "ANETQA_TYPES"]

ANETQA_TYPES = {"0": "motion", "1": "spatial relation", "2": "temporal relation",
                "3": "yes/no", "4": "color", "5": "object", "6": "location", "7": "number",
                "8": "other"}


def _entries(path: PathLike, keys: tuple[str, ...]) -> list[tuple[str, dict]]:
    data = read_json(path)
    if not isinstance(data, list):
        raise AnnotationError(path, None, "expected a JSON list")
    out = []
    for i, item in enumerate(data):
        where = f"[{i}]"
        if not isinstance(item, dict):
            raise AnnotationError(path, where, "an entry must be an object")
        missing = [k for k in keys if k not in item]
        if missing:
            raise AnnotationError(path, where, f"missing key(s) {missing}")
        for k in keys:
            if k != "type" and (not isinstance(item[k], str) or not item[k].strip()):
                raise AnnotationError(path, where, f"{k} must be a non-empty string, got "
                                      f"{item[k]!r}")
        out.append((where, item))
    return out


def parse_activitynet_qa(q_path: PathLike, a_path: Optional[PathLike] = None,
                         prefix: str = "v_", ext: str = ".mp4") -> list[VideoRecord]:
    """Join ``<split>_q.json`` and ``<split>_a.json`` into one record per question."""
    answers: dict[str, tuple[str, dict]] = {}
    if a_path is not None:
        for where, item in _entries(a_path, ("answer", "type", "question_id")):
            qid = item["question_id"]
            if qid in answers:
                raise AnnotationError(a_path, where, f"question_id {qid!r} repeats (first at "
                                      f"{answers[qid][0]})")
            answers[qid] = (where, item)
    records, seen = [], {}
    for where, item in _entries(q_path, ("video_name", "question", "question_id")):
        qid = item["question_id"]
        if qid in seen:
            raise AnnotationError(q_path, where, f"question_id {qid!r} repeats (first at "
                                  f"{seen[qid]})")
        seen[qid] = where
        answer, qtype = "", ""
        if a_path is not None:
            if qid not in answers:
                raise AnnotationError(q_path, where, f"question_id {qid!r} has no answer in "
                                      f"{a_path}")
            a_where, a_item = answers[qid]
            number = to_int(a_item["type"], a_path, a_where, "type", minimum=0)
            if str(number) not in ANETQA_TYPES:
                raise AnnotationError(a_path, a_where, f"type {number} is not one of 0..8")
            answer, qtype = a_item["answer"].strip(), str(number)
        video = item["video_name"].strip()
        qa = QuestionAnswer(question=item["question"].strip(), answer=answer, question_type=qtype,
                            qid=qid)
        records.append(VideoRecord(video_id=video, path=f"{prefix}{video}{ext}", qa=[qa],
                                   source=locate(q_path, where)))
    if a_path is not None:
        extra = [qid for qid in answers if qid not in seen]
        if extra:
            where = answers[extra[0]][0]
            raise AnnotationError(a_path, where, f"{len(extra)} answer(s) have no question in "
                                  f"{q_path} (first: {extra[0]!r})")
    return records
