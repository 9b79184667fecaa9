"""TAO (COCO-video JSON) parser.

The fixture keeps the structure of a real TAO excerpt — ``open-mmlab/mmtracking @
78e4a6ee7184870a5dfa705aa8df576a80d3ffd7 : tests/data/demo_tao_data/ann.json`` (cut from TAO's
``train.json``; the schema is ``TAO-Dataset/tao : tao/toolkit/tao/tao.py``) — with made-up
content: pretty-printed with 4-space indents; top-level keys in its order ``videos, annotations,
tracks, images, info, categories, licenses``; ids starting at 0; videos with ``neg_category_ids``,
``not_exhaustive_category_ids``, ``metadata`` and ``frame_range``; annotations with float xywh
``bbox``, polygon ``segmentation``, integer ``area``, ``iscrowd``, ``_scale_uuid``,
``scale_category``, ``video_id`` and ``instance_id``; images with ``video``, ``_scale_task_id``,
``frame_index`` (0-based) and a ``file_name`` ending ``frame{frame_index + 1:04d}.jpg``, plus
``frame_id``; LVIS categories with ``frequency``, ``synset``, ``synonyms``, ``def``,
``image_count``, ``instance_count`` (and LVIS v0.5's quirk of naming ``person.n.01`` "baby").
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.tao import parse_tao, tao_categories

NAME = "val/LaSOT/rabbit-7"


def annotation(aid, image_id, track_id, category_id, bbox, video_id=0):
    x, y, w, h = bbox
    return {"segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]], "bbox": bbox,
            "area": int(w * h), "iscrowd": 0, "id": aid, "image_id": image_id,
            "category_id": category_id, "track_id": track_id,
            "_scale_uuid": f"0000-{aid}", "scale_category": "moving object",
            "video_id": video_id, "instance_id": track_id}


def image(iid, video_id, index, name=NAME):
    return {"id": iid, "video": name, "_scale_task_id": "5e0f00aa11", "width": 640,
            "height": 360, "file_name": f"{name}/frame{index + 1:04d}.jpg", "frame_index": index,
            "license": 0, "video_id": video_id, "frame_id": iid,
            "neg_category_ids": [77], "not_exhaustive_category_ids": [805]}


def tao_doc() -> dict:
    return {
        "videos": [
            {"id": 0, "width": 640, "height": 360, "neg_category_ids": [77],
             "not_exhaustive_category_ids": [805], "name": NAME,
             "metadata": {"dataset": "LaSOT", "user_id": "x", "username": "y"},
             "frame_range": 30},
            {"id": 1, "width": 1280, "height": 720, "neg_category_ids": [],
             "not_exhaustive_category_ids": [], "name": "val/HACS/Walking_v_q0Z",
             "metadata": {"dataset": "HACS"}, "frame_range": 30}],
        "annotations": [
            annotation(3, 1, 2, 805, [10.0, 20.0, 100.0, 300.0]),
            annotation(1, 0, 1, 51, [200.0, 150.0, 80.5, 60.0]),
            annotation(2, 0, 2, 805, [12.0, 22.0, 98.0, 296.0]),
            annotation(4, 1, 1, 51, [590.0, 300.0, 80.0, 70.0])],  # partly outside: clipped
        "tracks": [{"id": 1, "category_id": 51, "video_id": 0},
                   {"id": 2, "category_id": 805, "video_id": 0}],
        "images": [image(0, 0, 0), image(1, 0, 30)],
        "info": {"year": 2020, "version": "0.1.20200120", "description": "made-up"},
        "categories": [
            {"frequency": "r", "id": 51, "synset": "rabbit.n.01", "image_count": 3,
             "instance_count": 4, "synonyms": ["rabbit"], "def": "a small mammal",
             "name": "rabbit"},
            {"frequency": "f", "id": 805, "synset": "person.n.01", "image_count": 93,
             "instance_count": 487, "synonyms": ["baby", "child", "person"],
             "def": "a human being", "name": "baby"},
            {"frequency": "c", "id": 77, "synset": "bicycle.n.01", "image_count": 0,
             "instance_count": 0, "synonyms": ["bicycle"], "def": "a two-wheeled vehicle",
             "name": "bicycle"}],
        "licenses": ["Unknown"]}


def write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "validation.json"
    path.write_text(json.dumps(doc, indent=4))
    return path


def raises_at(path, line, call, match: str = "") -> AnnotationError:
    with pytest.raises(AnnotationError) as info:
        call()
    assert info.value.file == str(path) and info.value.line == line, str(info.value)
    assert match in info.value.reason, info.value.reason
    return info.value


def test_records_tracks_and_categories(tmp_path, caplog):
    path = write(tmp_path, tao_doc())
    with caplog.at_level(logging.INFO, logger="zoo.data"):
        first, second = parse_tao(path)
    assert (first.video_id, first.path, first.frame_size) == (NAME, NAME, (360, 640))
    assert first.negative_categories == ["bicycle"]
    assert first.not_exhaustive_categories == ["baby"]
    assert first.source == f"{path}:videos[0]"
    rabbit, person = first.tracks
    assert (rabbit.track_id, rabbit.category, rabbit.category_id, rabbit.novel) == (
        1, "rabbit", 51, True)
    assert rabbit.frames == [0, 30]  # frame_index, 0-based
    assert rabbit.boxes[0] == (200.0, 150.0, 280.5, 210.0)  # xywh -> xyxy
    assert rabbit.boxes[1] == (590.0, 300.0, 640.0, 360.0)  # clipped to the 640x360 frame
    assert "1 box(es) partly outside" in caplog.text
    assert (person.category, person.novel, person.frames) == ("baby", False, [0, 30])
    assert person.boxes == [(12.0, 22.0, 110.0, 318.0), (10.0, 20.0, 110.0, 320.0)]
    assert second.video_id == "val/HACS/Walking_v_q0Z" and second.tracks == []
    categories = {c.id: c for c in tao_categories(path)}
    assert (categories[51].frequency, categories[51].novel) == ("r", True)
    assert (categories[77].novel, categories[805].novel, categories[805].synset) == (
        False, False, "person.n.01")
    common = parse_tao(path, novel_frequencies=("r", "c"))[0]
    assert [t.novel for t in common.tracks] == [True, False]
    with pytest.raises(ValueError, match="novel_frequencies"):
        parse_tao(path, novel_frequencies=("rare",))


def test_test_split_without_annotations(tmp_path):
    doc = tao_doc()
    del doc["annotations"], doc["tracks"]
    path = write(tmp_path, doc)
    assert [r.tracks for r in parse_tao(path)] == [[], []]


def _broken(change):
    doc = tao_doc()
    change(doc)
    return doc


@pytest.mark.parametrize("change, where, match", [
    (lambda d: d["annotations"][1].update(image_id=9), "annotations[1]", "unknown image 9"),
    (lambda d: d["annotations"][1].update(track_id=9), "annotations[1]", "unknown track 9"),
    (lambda d: d["annotations"][1].update(category_id=9), "annotations[1]", "unknown category"),
    (lambda d: d["annotations"][1].update(category_id=805), "annotations[1]", "differs from"),
    (lambda d: d["annotations"][1].update(bbox=[200.0, 150.0, -1.0, 60.0]), "annotations[1]",
     "negative size"),
    (lambda d: d["annotations"][1].update(bbox=[700.0, 150.0, 10.0, 60.0]), "annotations[1]",
     "no area inside"),
    (lambda d: d["annotations"][1].update(bbox=[1, 2, 3]), "annotations[1]", "4 numbers"),
    (lambda d: d["annotations"][1].update(video_id=1), "annotations[1]", "video_id 1"),
    (lambda d: d["annotations"].append(annotation(5, 0, 1, 51, [1.0, 1.0, 5.0, 5.0])),
     "annotations[4]", "two boxes"),
    (lambda d: d["tracks"].append({"id": 3, "category_id": 9, "video_id": 0}), "tracks[2]",
     "unknown category"),
    (lambda d: d["tracks"].append({"id": 2, "category_id": 51, "video_id": 0}), "tracks[2]",
     "listed twice"),
    (lambda d: d["images"].append(image(2, 7, 60)), "images[2]", "unknown video_id 7"),
    (lambda d: d["images"].append(image(2, 0, 30)), "images[2]", "two images at frame_index 30"),
    (lambda d: d["images"][1].update(width=1280), "images[1]", "differs from its video"),
    (lambda d: d["images"][1].pop("frame_index"), "images[1]", "missing key"),
    (lambda d: d["videos"][0].update(neg_category_ids=[4]), "videos[0].neg_category_ids",
     "unknown category id 4"),
    (lambda d: d["categories"][0].update(frequency="x"), "categories[0]", "frequency"),
    (lambda d: d["videos"].append(dict(d["videos"][0])), "videos[2]", "listed twice"),
])
def test_malformed_entries(tmp_path, change, where, match):
    path = write(tmp_path, _broken(change))
    raises_at(path, where, lambda: parse_tao(path), match)


def test_track_crossing_videos(tmp_path):
    doc = tao_doc()
    doc["images"].append(image(2, 1, 0, name="val/HACS/Walking_v_q0Z"))
    doc["images"][-1].update(width=1280, height=720)
    doc["annotations"].append(annotation(5, 2, 1, 51, [5.0, 5.0, 20.0, 20.0], video_id=1))
    path = write(tmp_path, doc)
    raises_at(path, "annotations[4]", lambda: parse_tao(path), "track 1 crosses videos")
    doc = copy.deepcopy(tao_doc())
    doc.pop("videos")
    path = write(tmp_path, doc)
    raises_at(path, "videos", lambda: parse_tao(path), "missing")


def test_drop_boxes_outside(tmp_path, caplog):
    path = write(tmp_path, _broken(lambda d: d["annotations"][1].update(
        bbox=[700.0, 150.0, 10.0, 60.0])))
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        record = parse_tao(path, on_empty_box="drop")[0]
    assert record.tracks[0].frames == [30] and "1 box(es) with no area" in caplog.text


def test_image_sizes_are_optional_and_checked_when_given(tmp_path):
    doc = tao_doc()
    for image_ in doc["images"]:  # no width / height on the images: the video's size is used
        del image_["width"], image_["height"]
    path = write(tmp_path, doc)
    first, second = parse_tao(path)
    assert first.frame_size == (360, 640) and second.frame_size == (720, 1280)
    assert [t.frames for t in first.tracks] == [[0, 30], [0, 30]]
    # an image with only one of the two keys: the other is required
    only_height = copy.deepcopy(doc)
    only_height["images"][1]["height"] = 360
    path = write(tmp_path, only_height)
    assert raises_at(path, "images[1]", lambda: parse_tao(path)).reason == (
        "width must be an integer, got None")
    only_width = copy.deepcopy(doc)
    only_width["images"][0]["width"] = 640
    path = write(tmp_path, only_width)
    assert raises_at(path, "images[0]", lambda: parse_tao(path)).reason == (
        "height must be an integer, got None")
    # a size that is given must be the video's (height, width)
    taller = tao_doc()
    taller["images"][1]["height"] = 720
    path = write(tmp_path, taller)
    assert raises_at(path, "images[1]", lambda: parse_tao(path)).reason == (
        "image size (720, 640) differs from its video's (360, 640) (height, width)")
