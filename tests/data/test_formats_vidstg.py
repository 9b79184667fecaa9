"""VidSTG parser (VidSTG sentence annotations + VidOR box annotations).

Fixtures keep the structure of the real files with made-up content:

- the sentence file: ``Guaranteer/VidSTG-Dataset @ 6820cb57b11ab5cbd5358277a139f5d9b6b20118 :
  annotations/val_annotations.json`` — a list; keys in its order ``vid, fps, frame_count,
  used_segment, width, height, subject/objects, used_relation, temporal_gt, captions,
  questions``; ``vid`` a digit string; ``fps`` a float (29.97 / 29.97002997002997) or an int;
  ``used_segment.end_fid`` at most ``frame_count - 1`` while ``temporal_gt.end_fid`` may equal
  ``frame_count``; descriptions with double spaces; ``questions`` possibly empty;
- the VidOR file: ``xdshang/VidVRD-helper @ b76fca15e5661db32331ab6cd1b475ee437cd449 :
  evaluation/test/task2/11566930393.json`` — compact JSON (no spaces), keys ``version, video_id,
  video_path ("<dir>/<id>.mp4"), frame_count, fps, width, height, subject/objects, trajectories,
  relation_instances``; one list per frame of ``{tid, bbox: {xmin, ymin, xmax, ymax} (integers),
  generated, tracker}``; the file sits at ``validation/<dir>/<id>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.vidstg import index_vidor, parse_vidstg

VID = "5550001234"
FRAMES = 12


def vidor_doc(**overrides) -> dict:
    trajectories = []
    for f in range(FRAMES):
        frame = []
        if f != 6:  # the adult is not annotated in frame 6
            frame.append({"tid": 0, "bbox": {"xmin": 100 + f, "ymin": 40, "xmax": 220 + f,
                                              "ymax": 400}, "generated": int(f % 3 != 0),
                          "tracker": "none" if f % 3 == 0 else "kcf"})
        if 2 <= f <= 9:
            frame.append({"tid": 1, "bbox": {"xmin": 300, "ymin": 300 + f, "xmax": 420,
                                              "ymax": 380 + f}, "generated": 1,
                          "tracker": "mosse"})
        trajectories.append(frame)
    doc = {"version": "VERSION 1.0", "video_id": VID, "video_path": f"0042/{VID}.mp4",
           "frame_count": FRAMES, "fps": 29.97, "width": 640, "height": 480,
           "subject/objects": [{"tid": 0, "category": "adult"}, {"tid": 1, "category": "dog"}],
           "trajectories": trajectories,
           "relation_instances": [{"subject_tid": 0, "object_tid": 1, "predicate": "pet",
                                   "begin_fid": 3, "end_fid": 8}]}
    doc.update(overrides)
    return doc


def sentence_entry(**overrides) -> dict:
    entry = {"vid": VID, "fps": 29.97, "frame_count": FRAMES,
             "used_segment": {"begin_fid": 0, "end_fid": 11}, "width": 640, "height": 480,
             "subject/objects": [{"tid": 0, "category": "adult"}, {"tid": 1, "category": "dog"}],
             "used_relation": {"subject_tid": 0, "object_tid": 1, "predicate": "pet",
                               "begin_fid": 3, "end_fid": 8},
             "temporal_gt": {"begin_fid": 3, "end_fid": 8},
             "captions": [{"description": "an adult  in a blue shirt pets the dog.",
                           "type": "person", "target_id": 0}],
             "questions": [{"description": "who pets the dog?", "type": "person",
                            "target_id": 0},
                           {"description": "what does the adult  pet?", "type": "object",
                            "target_id": 1}]}
    entry.update(overrides)
    return entry


def layout(tmp_path: Path, entries: list, doc: dict = None) -> tuple[Path, Path]:
    vidor = tmp_path / "vidor"
    folder = vidor / "validation" / "0042"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{VID}.json").write_text(json.dumps(doc or vidor_doc(), separators=(",", ":")))
    path = tmp_path / "test_annotations.json"
    path.write_text(json.dumps(entries))
    return path, vidor


def raises_at(path, line, call, match: str = "") -> AnnotationError:
    with pytest.raises(AnnotationError) as info:
        call()
    assert info.value.file == str(path) and info.value.line == line, str(info.value)
    assert match in info.value.reason, info.value.reason
    return info.value


def test_records_per_sentence(tmp_path):
    last = sentence_entry(used_segment={"begin_fid": 4, "end_fid": 11},
                          temporal_gt={"begin_fid": 9, "end_fid": 12}, questions=[],
                          fps=29.97002997002997)
    path, vidor = layout(tmp_path, [sentence_entry(), last])
    records = parse_vidstg(path, vidor)
    assert [(r.query_type, r.query_id) for r in records] == [
        ("declarative", f"{VID}:0:d0"), ("interrogative", f"{VID}:0:i0"),
        ("interrogative", f"{VID}:0:i1"), ("declarative", f"{VID}:1:d0")]
    caption = records[0]
    assert caption.query == "an adult in a blue shirt pets the dog."  # whitespace collapsed
    assert (caption.video_id, caption.path) == (VID, f"0042/{VID}.mp4")
    assert caption.fps == 29.97 and caption.frame_size == (480, 640)
    assert caption.start == 0.0 and caption.end == pytest.approx(12 / 29.97)  # end_fid inclusive
    assert caption.segments == [(3 / 29.97, 8 / 29.97)]
    assert caption.duration == pytest.approx(12 / 29.97)
    # the tube: frames 3..7 of temporal_gt where the target has a box (frame 6 has none)
    assert caption.tube_frames == [3, 4, 5, 7]
    assert caption.tube_boxes[0] == (103.0, 40.0, 223.0, 400.0)
    assert caption.source == f"{path}:[0].captions[0]"
    dog = records[2]
    assert dog.query == "what does the adult pet?" and dog.tube_frames == [3, 4, 5, 6, 7]
    assert dog.tube_boxes[-1] == (300.0, 307.0, 420.0, 387.0)
    # temporal_gt may end at frame_count (exclusive end) when used_segment ends at the last frame
    end = records[3]
    assert end.tube_frames == [9, 10, 11] and end.segments[0][1] == pytest.approx(12 / 29.97002997)
    assert end.start == pytest.approx(4 / 29.97002997)
    only = parse_vidstg(path, {VID: vidor / "validation" / "0042" / f"{VID}.json"},
                        sentences=("interrogative",))
    assert [r.query_type for r in only] == ["interrogative", "interrogative"]
    with pytest.raises(ValueError, match="sentences"):
        parse_vidstg(path, vidor, sentences=("imperative",))


@pytest.mark.parametrize("entry, where, match", [
    (sentence_entry(vid="999"), "[1]", "no VidOR annotation"),
    (sentence_entry(captions=[{"description": "x", "type": "person", "target_id": 7}]),
     "[1].captions[0]", "target_id 7 is not in subject/objects"),
    (sentence_entry(temporal_gt={"begin_fid": 3, "end_fid": 13}), "[1]", "beyond the video"),
    (sentence_entry(temporal_gt={"begin_fid": 5, "end_fid": 5}), "[1]", "empty"),
    (sentence_entry(used_segment={"begin_fid": 0, "end_fid": 12}), "[1]", "beyond the video"),
    (sentence_entry(used_segment={"begin_fid": 4, "end_fid": 11}), "[1]",
     "outside the used_segment"),
    (sentence_entry(temporal_gt={"begin_fid": 1, "end_fid": 8}, captions=[],
                    questions=[{"description": "what?", "type": "object", "target_id": 1}]),
     "[1].questions[0]", "runs outside the trajectory"),
    (sentence_entry(frame_count=13), "[1]", "frame_count"),
    (sentence_entry(fps=25), "[1]", "fps"),
    (sentence_entry(captions=[{"description": " ", "type": "person", "target_id": 0}]),
     "[1].captions[0]", "description"),
    ({k: v for k, v in sentence_entry().items() if k != "temporal_gt"}, "[1]", "missing key"),
])
def test_malformed_entries(tmp_path, entry, where, match):
    path, vidor = layout(tmp_path, [sentence_entry(), entry])
    raises_at(path, where, lambda: parse_vidstg(path, vidor), match)


def test_target_without_trajectory_and_bad_boxes(tmp_path):
    doc = vidor_doc(**{"subject/objects": [{"tid": 0, "category": "adult"},
                                           {"tid": 1, "category": "dog"},
                                           {"tid": 2, "category": "ball"}]})
    ask = [{"description": "what is red?", "type": "object", "target_id": 2}]
    objects = doc["subject/objects"]
    path, vidor = layout(tmp_path, [sentence_entry(**{"subject/objects": objects},
                                                   captions=ask, questions=[])], doc)
    raises_at(path, "[0].captions[0]", lambda: parse_vidstg(path, vidor),
              "missing trajectory for target_id 2")
    doc = vidor_doc()
    doc["trajectories"][4][0]["bbox"]["xmax"] = 50  # xmax < xmin
    path, vidor = layout(tmp_path, [sentence_entry()], doc)
    raises_at(path, "[0].captions[0]", lambda: parse_vidstg(path, vidor), "negative size")


def test_vidor_file_errors(tmp_path):
    file = tmp_path / "vidor" / "validation" / "0042" / f"{VID}.json"
    doc = vidor_doc(trajectories=vidor_doc()["trajectories"][:-1])
    path, vidor = layout(tmp_path, [sentence_entry()], doc)
    raises_at(file, "trajectories", lambda: parse_vidstg(path, vidor), "one list per frame")
    doc = vidor_doc()
    doc["trajectories"][0].append({"tid": 5, "bbox": {"xmin": 0, "ymin": 0, "xmax": 1,
                                                      "ymax": 1}})
    path, vidor = layout(tmp_path, [sentence_entry()], doc)
    raises_at(file, "trajectories[0][1]", lambda: parse_vidstg(path, vidor), "tid 5")
    (tmp_path / "vidor" / "training" / "0001").mkdir(parents=True)
    (tmp_path / "vidor" / "training" / "0001" / f"{VID}.json").write_text("{}")
    with pytest.raises(AnnotationError, match="annotated twice"):
        index_vidor(tmp_path / "vidor")
    with pytest.raises(AnnotationError, match="not found"):
        index_vidor(tmp_path / "nowhere")


def test_vidor_file_missing_keys(tmp_path):
    file = tmp_path / "vidor" / "validation" / "0042" / f"{VID}.json"
    doc = vidor_doc()
    del doc["fps"], doc["trajectories"]
    path, vidor = layout(tmp_path, [sentence_entry()], doc)
    error = raises_at(file, None, lambda: parse_vidstg(path, vidor))
    assert error.reason == "missing key(s) ['fps', 'trajectories']"


def test_single_frame_video(tmp_path):
    # frame_count 1 is the smallest video: one frame, one box, a one-frame moment
    doc = vidor_doc(frame_count=1, trajectories=[[
        {"tid": 0, "bbox": {"xmin": 10, "ymin": 20, "xmax": 30, "ymax": 60}, "generated": 0,
         "tracker": "none"}]], relation_instances=[])
    entry = sentence_entry(frame_count=1, used_segment={"begin_fid": 0, "end_fid": 0},
                           temporal_gt={"begin_fid": 0, "end_fid": 1}, questions=[])
    path, vidor = layout(tmp_path, [entry], doc)
    record, = parse_vidstg(path, vidor)
    assert record.tube_frames == [0] and record.tube_boxes == [(10.0, 20.0, 30.0, 60.0)]
    assert record.start == 0.0 and record.end == pytest.approx(1 / 29.97)
    assert record.segments == [(0.0, pytest.approx(1 / 29.97))]
    assert record.duration == pytest.approx(0.0333667)  # 1 frame at 29.97 fps
    # frame_count 0 in the VidOR file is refused there
    file = vidor / "validation" / "0042" / f"{VID}.json"
    path, vidor = layout(tmp_path, [entry], vidor_doc(frame_count=0, trajectories=[]))
    error = raises_at(file, "frame_count", lambda: parse_vidstg(path, vidor))
    assert error.reason == "frame_count must be >= 1, got 0"
