"""TGIF-QA question files (``zoo.data.formats.tgif_qa``).

Fixtures keep the structure of ``YunseokJANG/tgif-qa @ 9ecbbc7cb3d08300ddb6662b3dfd651914f3183f :
dataset/Test_action_question.csv``, ``Test_transition_question.csv``,
``Test_frameqa_question.csv`` and ``Test_count_question.csv``: TAB-separated despite the name,
CRLF, a header, per-task columns, a quoted field with doubled quotes (transition), counts from 0,
``vid_id`` unique per question and ``key`` shared by a GIF's questions — with our own content.
"""

from __future__ import annotations

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.tgif_qa import parse_tgif_qa, tgif_task

T = "\t"


def write(folder, name, rows):
    path = folder / name
    path.write_bytes("".join(T.join(row) + "\r\n" for row in rows).encode())
    return path


MC_HEADER = ["gif_name", "question", "a1", "a2", "a3", "a4", "a5", "answer", "vid_id", "key"]


def test_action_and_transition_multiple_choice(tmp_path):
    action = write(tmp_path, "Test_action_question.csv", [
        MC_HEADER,
        ["tumblr_aaa1bb2_250", "What does the cat do 3 times ?", "blink", "jump", "nod",
         "wave paw", "spin", "3", "ACTION7", "31"]])
    record = parse_tgif_qa(action)[0]
    qa = record.qa[0]
    assert (record.video_id, record.path) == ("tumblr_aaa1bb2_250", "tumblr_aaa1bb2_250.gif")
    assert qa.choices == ["blink", "jump", "nod", "wave paw", "spin"]
    assert (qa.answer_index, qa.answer, qa.qid, qa.question_type) == (3, "wave paw", "ACTION7",
                                                                      "action")
    transition = write(tmp_path, "Test_transition_question.csv", [
        MC_HEADER,
        ["tumblr_ccc_400", "What does the man do after nod ?", "sit", '"say ""hi"""', "run",
         "clap", "stand", "1", "TRANS12", "44"]])
    qa = parse_tgif_qa(transition)[0].qa[0]
    assert qa.answer == 'say "hi"' and qa.question_type == "transition"


def test_frameqa_and_count(tmp_path):
    frameqa = write(tmp_path, "Test_frameqa_question.csv", [
        ["gif_name", "question", "answer", "type", "vid_id", "key", "description"],
        ["tumblr_ddd_250", "what is the color of the car ?", "red", "2", "FRAMEQA5", "70",
         "a red car drives by ."],
        ["tumblr_ddd_250", "how many dogs are in the park ?", "two", "1", "FRAMEQA6", "70",
         "two dogs play in a park ."]])
    records = parse_tgif_qa(frameqa)
    assert [(r.qa[0].answer, r.qa[0].question_type, r.qa[0].qid) for r in records] == [
        ("red", "2", "FRAMEQA5"), ("two", "1", "FRAMEQA6")]
    assert records[0].qa[0].choices == [] and records[1].source == f"{frameqa}:3"
    count = write(tmp_path, "Train_count_question.csv", [
        ["gif_name", "question", "answer", "vid_id", "key"],
        ["tumblr_eee_500", "How many times does the man jump ?", "0", "COUNT3", "12"],
        ["tumblr_fff_500", "How many times does the girl spin ?", "10", "COUNT4", "13"]])
    records = parse_tgif_qa(count)
    assert [(r.qa[0].answer, r.qa[0].answer_index, r.qa[0].question_type) for r in records] == [
        ("0", -1, "count"), ("10", -1, "count")]
    assert tgif_task(count) == "count"


@pytest.mark.parametrize("row, reason", [
    (["tumblr_x", "q ?", "a", "b", "c", "d", "e", "5", "ACTION9", "1"], "not an index into a1..a5"),
    (["tumblr_x", "q ?", "a", "", "c", "d", "e", "1", "ACTION9", "1"], "empty answer choice(s) ['a2']"),
    (["tumblr_x", "q ?", "a", "b", "c", "d", "e", "1", "ACTION1", "1"], "vid_id 'ACTION1' repeats"),
    (["tumblr_x", "q ?", "a", "b", "c", "d", "e", "1", "ACTION9"], "9 fields, but the header has 10"),
])
def test_bad_rows_name_file_and_line(tmp_path, row, reason):
    good = ["tumblr_y", "q ?", "a", "b", "c", "d", "e", "0", "ACTION1", "1"]
    path = write(tmp_path, "Train_action_question.csv", [MC_HEADER, good, row])
    with pytest.raises(AnnotationError) as info:
        parse_tgif_qa(path)
    assert (info.value.file, info.value.line) == (str(path), 3) and reason in info.value.reason
    frameqa = write(tmp_path, "x.csv", [["gif_name", "question", "answer", "type", "vid_id", "key"],
                                        ["g", "q ?", "red", "7", "F1", "1"]])
    with pytest.raises(AnnotationError, match="cannot tell the TGIF-QA task"):
        parse_tgif_qa(frameqa)
    with pytest.raises(AnnotationError, match=r"x\.csv:2: type '7'"):
        parse_tgif_qa(frameqa, task="frameqa")
    count = write(tmp_path, "Test_count_question.csv", [
        ["gif_name", "question", "answer", "vid_id", "key"], ["g", "q ?", "2.5", "C1", "1"]])
    with pytest.raises(AnnotationError, match=r":2: answer \(a count\) must be an integer"):
        parse_tgif_qa(count)
