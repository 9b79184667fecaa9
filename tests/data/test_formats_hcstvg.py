"""HC-STVG v1 / v2 parser.

v1 fixture: the structure of the real ``tzhhhh123/HC-STVG @
b90a0f0990f8aedf23f1102af0fd4ac898ca7322 : test.json`` with made-up content — one JSON object on
one line, keyed by video file name (some keys end in ``.mkv``), values with keys in the file's
order ``bbox, st_time, ed_time, img_num, caption, width, height, st_frame``; integer ``[x, y, w,
h]`` boxes, one per frame from the 1-based ``st_frame``; long float ``st_time`` / ``ed_time``
(``st_time`` close to ``(st_frame - 1) / (img_num / 20)``).
v2 fixture: no v2 file is public; its keys (``English``, ``img_size = [height, width]``) are the
ones ``antoyang/TubeDETR @ d70c0eed94da09a9a5e4329c937230ecfb1d3ee6 :
preproc/preproc_hcstvgv2.py`` reads.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.hcstvg import BoxPolicy, parse_hcstvg, xywh_to_xyxy

V1 = (
    '{"12_aBcD3fGh1Jk.mp4": {"bbox": [[300, 20, 120, 330], [302, 21, 119, 331], '
    '[560, 22, 100, 330], [305, 23, 117, 320]], "st_time": 4.003317716829918, '
    '"ed_time": 4.163317716829921, "img_num": 500, "caption": "The woman in the green coat '
    'lifts the cup and drinks.", "width": 640, "height": 360, "st_frame": 101}, '
    '"7_Qw-Er_Ty0uI.mkv": {"bbox": [[10, 50, 200, 280], [12, 50, 200, 279], [15, 49, 201, 280]], '
    '"st_time": 0.011290322580645161, "ed_time": 0.1112903225806452, "img_num": 600, '
    '"caption": "The old man turns around and walks to the door.", "width": 704, "height": 480, '
    '"st_frame": 1}}'
)
V2 = json.dumps({
    "3_zz9Y8x7W6v5.mp4": {"bbox": [[40, 60, 100, 200], [41, 61, 100, 200]], "st_time": 10.0,
                          "ed_time": 10.08, "img_num": 500, "English": "The boy in red jumps.",
                          "img_size": [360, 480], "st_frame": 251}})


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode())
    return path


def raises_at(path: Path, line, call, match: str = "") -> AnnotationError:
    with pytest.raises(AnnotationError) as info:
        call()
    assert info.value.file == str(path) and info.value.line == line, str(info.value)
    assert match in info.value.reason, info.value.reason
    return info.value


def test_v1_records(tmp_path, caplog):
    path = write(tmp_path, "test.json", V1)
    with caplog.at_level(logging.INFO, logger="zoo.data"):
        first, second = parse_hcstvg(path)
    assert (first.video_id, first.path) == ("12_aBcD3fGh1Jk", "12_aBcD3fGh1Jk.mp4")
    assert first.query == "The woman in the green coat lifts the cup and drinks."
    assert first.segments == [(4.003317716829918, 4.163317716829921)]
    assert first.fps == 25.0 and first.duration == 20.0 and first.frame_size == (360, 640)
    # st_frame 101 is 1-based: the tube is 0-based frames 100..103
    assert first.tube_frames == [100, 101, 102, 103]
    assert first.tube_boxes[0] == (300.0, 20.0, 420.0, 350.0)
    # the third box (x 560 + w 100 > width 640) is clipped to the frame and counted
    assert first.tube_boxes[2] == (560.0, 22.0, 640.0, 352.0)
    assert "1 box(es) partly outside" in caplog.text and str(path) in caplog.text
    assert first.source == f"{path}:'12_aBcD3fGh1Jk.mp4'"
    assert (second.video_id, second.path) == ("7_Qw-Er_Ty0uI", "7_Qw-Er_Ty0uI.mkv")
    assert second.tube_frames == [0, 1, 2] and second.fps == 30.0
    assert second.frame_size == (480, 704) and second.tube_boxes[2] == (15.0, 49.0, 216.0, 329.0)


def test_v2_keys(tmp_path):
    path = write(tmp_path, "valv2.json", V2)
    record, = parse_hcstvg(path)
    assert record.query == "The boy in red jumps." and record.frame_size == (360, 480)
    assert record.tube_frames == [250, 251] and record.tube_boxes[1] == (41.0, 61.0, 141.0, 261.0)
    assert parse_hcstvg(path, version=2)[0].tube_frames == [250, 251]
    raises_at(path, "'3_zz9Y8x7W6v5.mp4'", lambda: parse_hcstvg(path, version=1), "v2")
    v1 = write(tmp_path, "test.json", V1)
    raises_at(v1, "'12_aBcD3fGh1Jk.mp4'", lambda: parse_hcstvg(v1, version=2), "v1")


def _entry(**overrides) -> dict:
    entry = {"bbox": [[10, 10, 50, 80], [11, 10, 50, 80]], "st_time": 1.0, "ed_time": 1.08,
             "img_num": 500, "caption": "A man waves.", "width": 640, "height": 360,
             "st_frame": 26}
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize("entry, match", [
    (_entry(caption=None), "missing key"),
    (_entry(caption=" "), "non-empty sentence"),
    (_entry(bbox=[]), "non-empty list"),
    (_entry(bbox=[[10, 10, 50]]), "4 numbers"),
    (_entry(bbox=[[10, 10, -5, 80]]), "negative size"),
    (_entry(bbox=[[700, 10, 50, 80]]), "no area inside the 640x360 frame"),
    (_entry(bbox=[[10, 10, 0, 80]]), "no area inside"),
    (_entry(st_frame=0), "st_frame"),
    (_entry(st_frame=500), "img_num 500"),  # 2 boxes from frame 500: frame 501 is beyond
    (_entry(st_time=2.0, ed_time=1.0), "st_time < ed_time"),
    (_entry(st_time=-0.5), "st_time"),
    (_entry(st_time=20.0, ed_time=21.0), "not inside"),
    (_entry(width=0), "width"),
    (_entry(img_num="many"), "img_num"),
])
def test_malformed_entries_name_file_and_video(tmp_path, entry, match):
    path = write(tmp_path, "train.json", json.dumps({"1_ok.mp4": _entry(), "2_bad.mp4": entry}))
    raises_at(path, "'2_bad.mp4'", lambda: parse_hcstvg(path), match)


def test_file_level_errors_and_options(tmp_path, caplog):
    path = write(tmp_path, "train.json", json.dumps([_entry()]))
    raises_at(path, None, lambda: parse_hcstvg(path), "JSON object")
    path = write(tmp_path, "train.json", json.dumps({"no_extension": _entry()}))
    raises_at(path, "'no_extension'", lambda: parse_hcstvg(path), "file name")
    # drop the frames whose box lies outside the image instead of raising
    outside = _entry(bbox=[[10, 10, 50, 80], [900, 10, 50, 80], [12, 10, 50, 80]])
    path = write(tmp_path, "train.json", json.dumps({"1_v.mp4": outside}))
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        record, = parse_hcstvg(path, on_empty_box="drop")
    assert record.tube_frames == [25, 27] and "1 box(es) with no area" in caplog.text
    # an ed_time past the 20-s video is clamped
    path = write(tmp_path, "train.json", json.dumps({"1_v.mp4": _entry(st_time=19.9,
                                                                       ed_time=20.3)}))
    assert parse_hcstvg(path)[0].segments == [(19.9, 20.0)]
    with pytest.raises(ValueError, match="version"):
        parse_hcstvg(path, version=3)
    with pytest.raises(ValueError, match="on_empty_box"):
        parse_hcstvg(path, on_empty_box="skip")


def test_box_helpers(tmp_path):
    assert xywh_to_xyxy([1, 2, 3, 4]) == (1, 2, 4, 6)
    policy = BoxPolicy(tmp_path / "a.json")
    assert policy.check((-5, -5, 10, 10), 20, 20, "[0]", "box") == (0.0, 0.0, 10.0, 10.0)
    assert policy.check((0, 0, 20, 20), 20, 20, "[0]", "box") == (0.0, 0.0, 20.0, 20.0)
    assert policy.clipped == 1
    with pytest.raises(AnnotationError, match="must be finite"):
        policy.numbers([0, 0, float("nan"), 1], "[0]", "box")
