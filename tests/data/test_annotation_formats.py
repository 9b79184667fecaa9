"""Annotation parsers on the real samples (``/work/shared/samples``, read in place) and on
hand-written fixtures; every malformed line raises an error naming its file and line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from zoo.data.formats import PARSERS, AnnotationError, get_parser
from zoo.data.formats.charades_sta import parse_charades_sta, read_charades_durations
from zoo.data.formats.kinetics import (kinetics_classes, kinetics_video_name, parse_kinetics,
                                       read_label_map)
from zoo.data.formats.mmaction_list import parse_video_list
from zoo.data.formats.msrvtt import parse_msrvtt, parse_msrvtt_jsfusion, read_msrvtt_split
from zoo.data.formats.msrvtt_qa import parse_msrvtt_qa
from zoo.data.formats.nextqa import parse_nextqa
from zoo.data.formats.ucf101 import parse_ucf101, read_class_index

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"the real annotation samples are not here ({SAMPLES}); they live in the "
                    "project's shared folder next to the repository")
    return SAMPLES


def write(folder: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def raises_at(path: Path, line, call):
    """``call()`` raises an AnnotationError whose message starts with ``<path>:<line>: ``."""
    with pytest.raises(AnnotationError) as info:
        call()
    prefix = f"{path}: " if line is None else f"{path}:{line}: "  # None: about the whole file
    assert str(info.value).startswith(prefix), str(info.value)
    assert info.value.file == str(path) and info.value.line == line
    return info.value


# -- registry ------------------------------------------------------------------------------------

def test_registry_lists_every_format():
    assert set(PARSERS) == {
        "kinetics", "ucf101", "hmdb51", "sthv2", "mmaction_list", "msrvtt", "msrvtt_jsfusion",
        "msvd", "didemo", "vatex", "activitynet_captions", "msrvtt_qa", "nextqa", "nextqa_oe",
        "tgif_qa", "activitynet_qa", "charades_sta", "qvhighlights", "hcstvg", "vidstg", "tao",
        "burst", "lvvis"}
    assert all(callable(p) for p in PARSERS.values()) and get_parser("nextqa") is parse_nextqa
    modules = {name: parser.__module__.rsplit(".", 1)[1] for name, parser in PARSERS.items()}
    assert all(name.startswith(module) for name, module in modules.items()), modules
    with pytest.raises(KeyError, match="unknown annotation format.*'tao'"):
        get_parser("kinetics-700")


def test_missing_annotation_file(tmp_path):
    raises_at(tmp_path / "none.csv", None, lambda: parse_kinetics(tmp_path / "none.csv"))


# -- Kinetics ------------------------------------------------------------------------------------

def test_kinetics_real_sample(samples):
    path = samples / "kinetics400_validate.csv"
    records = parse_kinetics(path)
    assert len(records) == 10
    first = records[0]
    assert first.video_id == "--07WQ2iBlw_000001_000011"
    assert first.path == "--07WQ2iBlw_000001_000011.mp4" and first.start is None
    assert first.label_name == "javelin throw" and first.source == f"{path}:2"
    classes = kinetics_classes(path)
    assert classes == sorted(classes) and first.label == classes.index("javelin throw")
    assert records[-1].source == f"{path}:11"

    full = parse_kinetics(path, classes=classes, trimmed=False)
    assert (full[2].path, full[2].start, full[2].end) == ("--7VUM9MKg4.mp4", 136.0, 146.0)
    folders = parse_kinetics(path, label_folders=True)
    assert folders[0].path == "javelin_throw/--07WQ2iBlw_000001_000011.mp4"


def test_kinetics_cvdf_variant_label_map_and_unlabelled(tmp_path):
    csv = write(tmp_path, "val.csv", 'label,youtube_id,time_start,time_end,split,is_cc\n'
                '"air drumming",_dbcJuKJQNs,40,50,val,0\n'
                '"zumba",abc,3.5,13.0,val,1\n')
    label_map = write(tmp_path, "label_map.txt", "abseiling\nair drumming\nzumba\n")
    records = parse_kinetics(csv, classes=label_map)
    assert [r.label for r in records] == [1, 2]
    assert records[1].video_id == "abc_000003_000013"
    assert kinetics_video_name("abc", 3.5, 13.0) == "abc_000003_000013.mp4"
    assert read_label_map(label_map) == ["abseiling", "air drumming", "zumba"]
    test = write(tmp_path, "test.csv", "youtube_id,time_start,time_end,split\nxyz,0,10,test\n")
    assert parse_kinetics(test, classes=["a"])[0].label == -1
    empty_label = write(tmp_path, "t2.csv", "label,youtube_id,time_start,time_end\n,xyz,0,10\n")
    assert parse_kinetics(empty_label, classes=["a"])[0].label == -1


def test_kinetics_errors_name_file_and_line(tmp_path):
    header = "label,youtube_id,time_start,time_end,split\n"
    bad_time = write(tmp_path, "a.csv", header + "dancing,id1,0,10,train\ndancing,id2,x,10,train\n")
    assert "time_start" in raises_at(bad_time, 3, lambda: parse_kinetics(bad_time)).reason
    reversed_ = write(tmp_path, "b.csv", header + "dancing,id1,10,5,train\n")
    raises_at(reversed_, 2, lambda: parse_kinetics(reversed_))
    unknown = write(tmp_path, "c.csv", header + "dancing,id1,0,10,train\n")
    assert "not one of" in raises_at(unknown, 2,
                                     lambda: parse_kinetics(unknown, classes=["x"])).reason
    no_column = write(tmp_path, "d.csv", "label,ytid,time_start,time_end\nx,y,0,1\n")
    assert "youtube_id" in raises_at(no_column, 1, lambda: parse_kinetics(no_column)).reason
    fields = write(tmp_path, "e.csv", header + "dancing,id1,0,10\n")
    raises_at(fields, 2, lambda: parse_kinetics(fields))
    gap = write(tmp_path, "map.txt", "a\n\nb\n")
    raises_at(gap, 2, lambda: read_label_map(gap))


@pytest.mark.parametrize("start, end, reason", [
    ("5", "5", "time_start 5.0 / time_end 5.0: need 0 <= time_start < time_end"),
    ("5.0", "5", "time_start 5.0 / time_end 5.0: need 0 <= time_start < time_end"),
    ("0", "0", "time_start 0.0 / time_end 0.0: need 0 <= time_start < time_end"),
])
def test_kinetics_zero_length_clip_raises(tmp_path, start, end, reason):
    header = "label,youtube_id,time_start,time_end,split\n"
    path = write(tmp_path, "z.csv", header + "dancing,id1,0,10,train\n"
                 f"dancing,id2,{start},{end},train\n")
    assert raises_at(path, 3, lambda: parse_kinetics(path)).reason == reason


# -- UCF101 --------------------------------------------------------------------------------------

def test_ucf101_real_samples(samples):
    classes = read_class_index(samples / "ucf101_classInd.txt")
    assert len(classes) == 101 and classes[0] == "ApplyEyeMakeup" and "YoYo" in classes
    assert not any("\r" in c for c in classes)  # CRLF stripped
    train_list = samples / "ucf101_trainlist01.txt"
    train = parse_ucf101(train_list, samples / "ucf101_classInd.txt")
    assert len(train) == 10 and {r.label for r in train} == {0}  # "1" → 0
    assert train[0].path == "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi"
    assert train[0].video_id == "v_ApplyEyeMakeup_g08_c01" and train[0].source == f"{train_list}:1"
    test = parse_ucf101(samples / "ucf101_testlist01.txt", classes)  # labels from the folder
    assert len(test) == 10 and all(r.label == 0 and r.label_name == "ApplyEyeMakeup" for r in test)


def test_ucf101_errors(tmp_path):
    classes = write(tmp_path, "classInd.txt", "1 ApplyEyeMakeup\n2 YoYo\n", newline="\r\n")
    mismatch = write(tmp_path, "train.txt", "YoYo/v_YoYo_g01_c01.avi 2\n"
                     "YoYo/v_YoYo_g01_c02.avi 1\n", newline="\r\n")
    assert "disagrees" in raises_at(mismatch, 2, lambda: parse_ucf101(mismatch, classes)).reason
    case = write(tmp_path, "test.txt", "yoyo/v_YoYo_g01_c01.avi\n")
    raises_at(case, 1, lambda: parse_ucf101(case, classes))  # class names are case-sensitive
    label = write(tmp_path, "t3.txt", "YoYo/v_YoYo_g01_c01.avi two\n")
    raises_at(label, 1, lambda: parse_ucf101(label, classes))
    order = write(tmp_path, "classInd2.txt", "1 A\n3 B\n")
    raises_at(order, 2, lambda: read_class_index(order))


# -- mmaction2 video list ------------------------------------------------------------------------

def test_video_list_space_comma_unlabelled_multilabel(tmp_path):
    spaces = write(tmp_path, "list.txt", "a/x.mp4 3\nb/y.mp4\n\nc/z.mp4   0\n")
    records = parse_video_list(spaces)
    assert [(r.path, r.label) for r in records] == [("a/x.mp4", 3), ("b/y.mp4", -1),
                                                    ("c/z.mp4", 0)]
    assert records[0].video_id == "a/x" and records[2].source == f"{spaces}:4"
    commas = write(tmp_path, "list.csv", "some dir/x.mp4,7\n")
    assert parse_video_list(commas, delimiter=",")[0].path == "some dir/x.mp4"
    multi = write(tmp_path, "multi.txt", "x.mp4 1 4 5\ny.mp4\n")
    records = parse_video_list(multi, multi_label=True)
    assert records[0].labels == [1, 4, 5] and records[0].label == -1 and records[1].labels == []


def test_video_list_errors(tmp_path):
    bad = write(tmp_path, "list.txt", "x.mp4 1\ny.mp4 one\n")
    raises_at(bad, 2, lambda: parse_video_list(bad))
    multi = write(tmp_path, "multi.txt", "x.mp4 1 2\n")
    assert "multi_label" in raises_at(multi, 1, lambda: parse_video_list(multi)).reason
    negative = write(tmp_path, "neg.txt", "x.mp4 -1\n")
    raises_at(negative, 1, lambda: parse_video_list(negative))


# -- MSR-VTT -------------------------------------------------------------------------------------

def msrvtt_json(folder: Path, videos: int = 20) -> Path:
    data = {"info": {}, "videos": [], "sentences": []}
    for i in range(videos):
        data["videos"].append({"category": i % 20, "url": f"https://www.youtube.com/watch?v={i}",
                               "video_id": f"video{i}", "start time": 10.0 + i,
                               "end time": 20.5 + i, "split": "train" if i < 15 else "validate",
                               "id": i})
        for k in (1, 0):  # sen_id order, not file order, orders captions
            data["sentences"].append({"caption": f"video {i} caption {k}", "video_id": f"video{i}",
                                      "sen_id": 2 * i + k})
    path = folder / "MSRVTT_data.json"
    path.write_text(json.dumps(data))
    return path


def test_msrvtt_real_split_csv_with_json(samples, tmp_path):
    split = samples / "msrvtt_train_9k.csv"
    assert [vid for _, vid in read_msrvtt_split(split)][:3] == ["video0", "video1", "video2"]
    data = msrvtt_json(tmp_path)
    records = parse_msrvtt(data, split_csv=split)
    assert len(records) == 20 and records[0].video_id == "video0"
    assert records[0].path == "video0.mp4" and records[0].start is None
    assert records[0].captions == ["video 0 caption 0", "video 0 caption 1"]
    assert records[3].duration == pytest.approx(10.5)  # "end time" - "start time"
    assert records[3].source == f"{data}:videos[3]"
    assert len(parse_msrvtt(data, split_csv=split, unfold=True)) == 40
    assert len(parse_msrvtt(data, split="validate")) == 5
    with pytest.raises(AnnotationError, match="split 'train'"):
        parse_msrvtt(data, split_csv=split, split="validate")


def test_msrvtt_jsfusion_real_sample(samples):
    path = samples / "msrvtt_jsfusion_test.csv"
    records = parse_msrvtt_jsfusion(path)
    assert len(records) == 20
    assert (records[0].video_id, records[0].path) == ("video9770", "video9770.mp4")
    assert records[0].captions == ["a person is connecting something to system"]
    assert records[19].video_id == "video8913" and records[19].source == f"{path}:21"


def test_msrvtt_semicolon_copies_fail_loudly(tmp_path):
    test = write(tmp_path, "test.csv", "key;vid_key;video_id;sentence\nret0;msr1;video1;a cat\n")
    assert "';'" in raises_at(test, 1, lambda: parse_msrvtt_jsfusion(test)).reason
    train = write(tmp_path, "train.csv", "video_id\nvideo0;x\n")
    raises_at(train, 2, lambda: read_msrvtt_split(train))


def test_msrvtt_errors(tmp_path):
    data = msrvtt_json(tmp_path, videos=3)
    split = write(tmp_path, "train.csv", "video_id\nvideo0\nvideo7\n")
    assert "video7" in raises_at(split, 3, lambda: parse_msrvtt(data, split_csv=split)).reason
    broken = json.loads(data.read_text())
    broken["sentences"][4]["video_id"] = "video99"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    raises_at(bad, "sentences[4]", lambda: parse_msrvtt(bad))
    broken = json.loads(data.read_text())
    broken["videos"][1]["end time"] = "soon"
    bad.write_text(json.dumps(broken))
    raises_at(bad, "videos[1]", lambda: parse_msrvtt(bad))
    syntax = write(tmp_path, "syntax.json", '{"videos": [\n  {"video_id": }\n]}')
    raises_at(syntax, 2, lambda: parse_msrvtt(syntax))
    rows = write(tmp_path, "test.csv", "key,vid_key,video_id,sentence\nret0,msr1,video1\n")
    raises_at(rows, 2, lambda: parse_msrvtt_jsfusion(rows))


# -- Charades-STA --------------------------------------------------------------------------------

def test_charades_sta_real_sample(samples):
    path = samples / "charades_sta_test.txt"
    records = parse_charades_sta(path)
    assert len(records) == 12
    first = records[0]
    assert (first.video_id, first.path, first.segments) == ("3MSZA", "3MSZA.mp4", [(24.3, 30.4)])
    assert first.query == "person turn a light on." and first.source == f"{path}:1"
    assert records[6].segments == [(0.0, 3.4)]
    durations = {r.video_id: 30.0 for r in records}
    clamped = parse_charades_sta(path, durations=durations)
    assert clamped[0].segments == [(24.3, 30.0)] and clamped[0].duration == 30.0


def test_charades_sta_reversed_policy_and_durations(tmp_path, caplog):
    path = write(tmp_path, "sta.txt", "AKKWU 38.0 13.0##person opens the cabinet.\n"
                 "LEOL6 1.0 7.0##person sits.\n")
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        records = parse_charades_sta(path)
    assert records[0].segments == [(13.0, 38.0)]
    assert f"{path}:1" in caplog.text and "swapped" in caplog.text
    raises_at(path, 1, lambda: parse_charades_sta(path, on_reversed="raise"))
    as_json = write(tmp_path, "Charades_duration.json", json.dumps({"AKKWU": 30.5, "LEOL6": 6.0}))
    as_csv = write(tmp_path, "Charades_v1_test.csv", 'id,subject,scene,length\n'
                   'AKKWU,S1,"Kitchen, home",30.5\nLEOL6,S2,Hall,6.0\n')
    assert read_charades_durations(as_json) == read_charades_durations(as_csv)
    records = parse_charades_sta(path, durations=as_csv)
    assert records[0].segments == [(13.0, 30.5)] and records[1].segments == [(1.0, 6.0)]
    raises_at(path, 2, lambda: parse_charades_sta(path, durations={"AKKWU": 40.0}))
    late = write(tmp_path, "late.txt", "LEOL6 6.5 7.0##person sits.\n")
    raises_at(late, 1, lambda: parse_charades_sta(late, durations={"LEOL6": 6.0}))


def test_charades_sta_malformed_lines(tmp_path):
    for text, line in [("3MSZA 24.3 30.4 person turns a light on.\n", 1),
                       ("ok 1 2##fine.\n3MSZA 24.3##person.\n", 2),
                       ("3MSZA 24.3 x##person.\n", 1),
                       ("3MSZA 1 2##   \n", 1),
                       ("3MSZA -1 2##person.\n", 1)]:
        path = write(tmp_path, "sta.txt", text)
        raises_at(path, line, lambda: parse_charades_sta(path))


# -- NExT-QA -------------------------------------------------------------------------------------

NEXTQA_HEADER = "video,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4\n"


def test_nextqa(tmp_path):
    path = write(tmp_path, "val.csv", NEXTQA_HEADER +
                 "04390000123,300,640,480,why did the boy run,2,6,CW,a,b,to catch the ball,d,e\n"
                 "04390000123,300,640,480,what did he do after,0,7,TN,jump,b,c,d,e\n"
                 "5555,90,320,240,how many dogs,4,0,DC,one,two,three,four,five\n")
    records = parse_nextqa(path)
    assert len(records) == 3 and records[0].video_id == "04390000123"  # kept as a string
    qa = records[0].qa[0]
    assert (qa.answer, qa.answer_index, qa.question_type, qa.qid) == (
        "to catch the ball", 2, "CW", "04390000123_6")
    assert qa.choices == ["a", "b", "to catch the ball", "d", "e"]
    assert records[0].path == "04390000123.mp4" and records[2].source == f"{path}:4"
    grouped = parse_nextqa(path, group_by_video=True)
    assert [len(r.qa) for r in grouped] == [2, 1]
    video_map = write(tmp_path, "map_vid_vidorID.json",
                      json.dumps({"04390000123": "0101/2909445186", "5555": "0000/1"}))
    assert parse_nextqa(path, video_map=video_map)[0].path == "0101/2909445186.mp4"
    raises_at(path, 4, lambda: parse_nextqa(path, video_map={"04390000123": "0101/1"}))


def test_nextqa_errors(tmp_path):
    row = "1,1,1,1,q,{answer},0,{type},a,b,c,d,e\n"
    cases = [(row.format(answer=5, type="CW"), "answer"),
             (row.format(answer="x", type="CW"), "answer"),
             (row.format(answer=1, type="WHY"), "type"),
             ("1,1,1,1,q,1,0,CW,a,,c,d,e\n", "empty answer choice")]
    for text, reason in cases:
        path = write(tmp_path, "bad.csv", NEXTQA_HEADER + row.format(answer=0, type="CH") + text)
        assert reason in raises_at(path, 3, lambda: parse_nextqa(path)).reason
    repeated = write(tmp_path, "rep.csv", NEXTQA_HEADER + row.format(answer=0, type="CH") * 2)
    raises_at(repeated, 3, lambda: parse_nextqa(repeated))


def test_nextqa_empty_question(tmp_path):
    path = write(tmp_path, "val.csv", NEXTQA_HEADER +
                 "5555,90,320,240,how many dogs,4,0,DC,one,two,three,four,five\n"
                 "5555,90,320,240,,1,1,DC,one,two,three,four,five\n")
    error = raises_at(path, 3, lambda: parse_nextqa(path))
    assert error.reason == "empty question"
    spaces = write(tmp_path, "val2.csv", NEXTQA_HEADER +
                   "5555,90,320,240,   ,1,1,DC,one,two,three,four,five\n")  # cells are stripped
    assert raises_at(spaces, 2, lambda: parse_nextqa(spaces)).reason == "empty question"


# -- MSRVTT-QA / MSVD-QA -------------------------------------------------------------------------

def test_msrvtt_qa(tmp_path):
    path = tmp_path / "test_qa.json"
    path.write_text(json.dumps([
        {"answer": "man", "id": 158581, "question": "who is talking?", "video_id": 7010,
         "category_id": 2},
        {"answer": "dog", "id": 158582, "question": "what runs?", "video_id": 7011}]))
    records = parse_msrvtt_qa(path)
    assert [(r.video_id, r.path) for r in records] == [("video7010", "video7010.mp4"),
                                                       ("video7011", "video7011.mp4")]
    qa = records[0].qa[0]
    assert (qa.question, qa.answer, qa.question_type, qa.qid, qa.choices, qa.answer_index) == (
        "who is talking?", "man", "2", "158581", [], -1)
    assert records[1].source == f"{path}:[1]"
    assert parse_msrvtt_qa(path, dataset="msvd")[0].path == "vid7010.avi"


def test_msrvtt_qa_errors(tmp_path):
    path = tmp_path / "qa.json"
    good = {"answer": "a", "id": 1, "question": "q?", "video_id": 3}
    for bad, locator in [({"answer": "a", "id": 2, "video_id": 3}, "[1]"),
                         ({**good, "video_id": "three"}, "[1]"),
                         ({**good, "answer": ""}, "[1]")]:
        path.write_text(json.dumps([good, bad]))
        raises_at(path, locator, lambda: parse_msrvtt_qa(path))
    path.write_text(json.dumps({"questions": []}))
    raises_at(path, None, lambda: parse_msrvtt_qa(path))
