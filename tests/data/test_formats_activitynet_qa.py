"""ActivityNet-QA question / answer files (``zoo.data.formats.activitynet_qa``).

Fixtures keep the structure of ``MILVLG/activitynet-qa @
2cf80aeb4e45955e53404e1716d3b9c0b1cbd72f : dataset/val_q.json`` and ``dataset/val_a.json``:
one-line JSON lists, ``question_id = "v_<video_name>_<n>"``, integer ``type``, lower-case
questions without ``?``, some ending in a space — with our own content.
"""

from __future__ import annotations

import json

import pytest

from zoo.data.formats.activitynet_qa import parse_activitynet_qa
from zoo.data.formats.base import AnnotationError

QUESTIONS = [{"video_name": "Ab-c_9", "question": "what is the person holding ",
              "question_id": "v_Ab-c_9_1"},
             {"video_name": "Zy8", "question": "is the dog outdoors", "question_id": "v_Zy8_4"}]
ANSWERS = [{"answer": "yes", "type": 3, "question_id": "v_Zy8_4"},  # order not relied on
           {"answer": "racket", "type": 5, "question_id": "v_Ab-c_9_1"}]


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_questions_joined_with_answers(tmp_path):
    q, a = write(tmp_path, "val_q.json", QUESTIONS), write(tmp_path, "val_a.json", ANSWERS)
    records = parse_activitynet_qa(q, a)
    assert [(r.video_id, r.path) for r in records] == [("Ab-c_9", "v_Ab-c_9.mp4"),
                                                       ("Zy8", "v_Zy8.mp4")]
    qa = records[0].qa[0]
    assert (qa.question, qa.answer, qa.question_type, qa.qid) == (
        "what is the person holding", "racket", "5", "v_Ab-c_9_1")
    assert records[1].source == f"{q}:[1]" and qa.choices == [] and qa.answer_index == -1
    assert parse_activitynet_qa(q, prefix="")[1].path == "Zy8.mp4"
    assert parse_activitynet_qa(q)[0].qa[0].answer == ""


def test_join_errors(tmp_path):
    q = write(tmp_path, "val_q.json", QUESTIONS)
    a = write(tmp_path, "val_a.json", ANSWERS[:1])
    with pytest.raises(AnnotationError, match=r"val_q\.json:\[0\]: question_id 'v_Ab-c_9_1' has no "
                                              r"answer"):
        parse_activitynet_qa(q, a)
    a = write(tmp_path, "val_a.json", ANSWERS + [{"answer": "no", "type": 3,
                                                  "question_id": "v_Q_1"}])
    with pytest.raises(AnnotationError, match=r"val_a\.json:\[2\]: 1 answer\(s\) have no question"):
        parse_activitynet_qa(q, a)
    a = write(tmp_path, "val_a.json", ANSWERS[:1] + [{"answer": "x", "type": 9,
                                                      "question_id": "v_Ab-c_9_1"}])
    with pytest.raises(AnnotationError, match=r"val_a\.json:\[1\]: type 9"):
        parse_activitynet_qa(q, a)
    dup = write(tmp_path, "q2.json", QUESTIONS + QUESTIONS[:1])
    with pytest.raises(AnnotationError, match=r"q2\.json:\[2\]: question_id 'v_Ab-c_9_1' repeats"):
        parse_activitynet_qa(dup)
    empty = write(tmp_path, "q3.json", [{"video_name": "x", "question": "", "question_id": "v_x_0"}])
    with pytest.raises(AnnotationError, match=r"q3\.json:\[0\]: question must be a non-empty"):
        parse_activitynet_qa(empty)
