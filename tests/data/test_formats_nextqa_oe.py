"""NExT-QA open-ended files (``zoo.data.formats.nextqa_oe``).

Fixtures keep the structure of ``doc-doc/NExT-OE @ a83f8f581191da07675e0fc83074e0dfcf907273 :
dataset/nextqa/val.csv`` / ``train.csv`` (header ``video,frame_count,width,height,question,
answer,qid,type``, LF, 10- and 11-digit video ids, the ``DB`` type, repeated ``(video, qid)``
keys in train) and ``dataset/nextqa/add_reference_answer_test.json`` (``{video: {qid: answer}}``,
indent 4) — with our own content.
"""

from __future__ import annotations

import json
import logging

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.nextqa_oe import parse_nextqa_oe, read_nextoe_reference_answers

HEADER = "video,frame_count,width,height,question,answer,qid,type\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_open_ended_questions(tmp_path):
    path = write(tmp_path, "val.csv", HEADER +
                 "31415926535,900,640,480,why did the boy clap,to cheer his friend,3,CW\n"
                 "2718281828,450,640,360,is the room bright,yes,0,DB\n")
    records = parse_nextqa_oe(path)
    assert [r.video_id for r in records] == ["31415926535", "2718281828"]
    qa = records[0].qa[0]
    assert (qa.question, qa.answer, qa.question_type, qa.qid, qa.choices) == (
        "why did the boy clap", "to cheer his friend", "CW", "31415926535_3", [])
    assert records[1].qa[0].question_type == "DB" and records[1].source == f"{path}:3"
    mapped = parse_nextqa_oe(path, video_map={"31415926535": "1001/99", "2718281828": "0002/7"})
    assert mapped[0].path == "1001/99.mp4" and parse_nextqa_oe(path)[1].path == "2718281828.mp4"
    refs = write(tmp_path, "add_reference_answer_test.json", json.dumps(
        {"2718281828": {"0": "yes it is", "4": "a lamp"}}, indent=4))
    assert read_nextoe_reference_answers(refs) == {"2718281828_0": "yes it is",
                                                   "2718281828_4": "a lamp"}


def test_repeated_keys_policy_and_errors(tmp_path, caplog):
    path = write(tmp_path, "train.csv", HEADER + "2718281828,450,640,360,is it day,yes,5,DB\n"
                 "2718281828,450,640,360,what did the lady do after,pushes it back,5,TN\n")
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        records = parse_nextqa_oe(path)
    assert [r.qa[0].qid for r in records] == ["2718281828_5", "2718281828_5#3"]
    assert f"{path}:3: qid 5 repeats for video 2718281828 (first at line 2)" in caplog.text
    with pytest.raises(AnnotationError, match=r"train\.csv:3: qid 5 repeats"):
        parse_nextqa_oe(path, on_duplicate="raise")
    for row, reason in [("1,1,1,1,q,a,0,XX\n", "type 'XX'"), ("1,1,1,1,q,,0,CW\n", "empty answer"),
                        ("1,1,1,1,,a,0,CW\n", "empty question")]:
        bad = write(tmp_path, "bad.csv", HEADER + "2,1,1,1,q,a,0,CW\n" + row)
        with pytest.raises(AnnotationError) as info:
            parse_nextqa_oe(bad)
        assert (info.value.file, info.value.line) == (str(bad), 3) and reason in info.value.reason
    with pytest.raises(AnnotationError, match=r":2: video 2 is not in the video map"):
        parse_nextqa_oe(bad, video_map={"1": "a/b"})
