"""LV-VIS (YouTube-VIS 2019 JSON) parser.

The LV-VIS annotation files are on Google Drive, not in a repository; the fixture follows the
format as ``haochenheheda/LVVIS @ cc3cdf4fea04c4b70baf67f472d88aee7156eb86`` reads it
(``ov2seg/data_video/datasets/lvvis.py``: ``videos`` with ``id, width, height, length,
file_names`` — possibly with Windows ``\\`` separators —, per-frame ``segmentations`` as RLE
with a run-length list or a compressed string, polygons or ``null``; ``evaluate/lvvis.py``:
categories with ``partition``, base = 0/1, novel = 2/3;
``ov2seg/data_video/datasets/lvvis_categories.py``:
``{id, name, partition}``), plus the README's ``bboxes`` / ``areas`` per frame. Content made up.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.burst import rle_encode, rle_to_string
from zoo.data.formats.lvvis import lvvis_categories, parse_lvvis

H, W = 6, 8


def rect(y0, y1, x0, x1) -> np.ndarray:
    out = np.zeros((H, W), bool)
    out[y0:y1, x0:x1] = True
    return out


def lvvis_doc() -> dict:
    return {
        "videos": [
            {"id": 1, "width": W, "height": H, "length": 3,
             "file_names": ["JPEGImages\\val\\00007\\00000.jpg",
                            "JPEGImages\\val\\00007\\00001.jpg",
                            "JPEGImages\\val\\00007\\00002.jpg"]},
            {"id": 2, "width": W, "height": H, "length": 2,
             "file_names": ["00009/00000.jpg", "00009/00001.jpg"]}],
        "annotations": [
            {"id": 11, "video_id": 1, "category_id": 3, "iscrowd": 0,
             "segmentations": [{"counts": rle_encode(rect(1, 3, 2, 5)), "size": [H, W]}, None,
                               {"counts": rle_to_string(rle_encode(rect(0, 2, 0, 1))),
                                "size": [H, W]}],
             "bboxes": [None, None, None], "areas": [6, None, 2]},
            {"id": 12, "video_id": 1, "category_id": 9, "iscrowd": 0,
             "segmentations": [None, [[1.0, 1.0, 4.5, 1.0, 4.5, 5.0, 1.0, 5.0]], None],
             "bboxes": [None, [1.0, 1.0, 3.5, 4.0], None], "areas": [None, 14.0, None]},
            {"id": 13, "video_id": 1, "category_id": 9, "iscrowd": 0,
             "segmentations": [None, [[0.0, 0.0, 3.0, 0.0, 3.0, 2.0]], None],
             "areas": [None, 3.0, None]}],
        "categories": [{"id": 3, "name": "air_fryer", "partition": 3},
                       {"id": 9, "name": "airplane", "partition": 0},
                       {"id": 10, "name": "alarm_clock", "partition": 1}]}


def write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "val_instances.json"
    path.write_text(json.dumps(doc))
    return path


def raises_at(path, line, call, match: str = "") -> AnnotationError:
    with pytest.raises(AnnotationError) as info:
        call()
    assert info.value.file == str(path) and info.value.line == line, str(info.value)
    assert match in info.value.reason, info.value.reason
    return info.value


def test_records_tracks_and_partitions(tmp_path):
    path = write(tmp_path, lvvis_doc())
    first, second = parse_lvvis(path)
    assert (first.video_id, first.path) == ("00007", "00007")  # the last two \\-components
    assert first.frame_files == ["00000.jpg", "00001.jpg", "00002.jpg"]
    assert first.frame_size == (H, W) and first.source == f"{path}:videos[0]"
    fryer, plane, other = first.tracks
    assert (fryer.track_id, fryer.category, fryer.category_id, fryer.novel) == (
        11, "air_fryer", 3, True)
    assert fryer.frames == [0, 2]  # absent (null) in frame 1
    assert fryer.boxes == [(2.0, 1.0, 5.0, 3.0), (0.0, 0.0, 1.0, 2.0)]  # list and string RLE
    assert (plane.novel, plane.frames, plane.boxes) == (False, [1], [(1.0, 1.0, 4.5, 5.0)])
    assert other.boxes == [(0.0, 0.0, 3.0, 2.0)]  # no bboxes: from the polygon
    assert (second.video_id, second.tracks, second.frame_files) == (
        "00009", [], ["00000.jpg", "00001.jpg"])
    assert [(c.name, c.novel) for c in lvvis_categories(path)] == [
        ("air_fryer", True), ("airplane", False), ("alarm_clock", False)]


def test_test_queries_without_annotations(tmp_path):
    doc = lvvis_doc()
    del doc["annotations"]
    path = write(tmp_path, doc)
    assert [r.tracks for r in parse_lvvis(path)] == [[], []]


def _broken(change):
    doc = lvvis_doc()
    change(doc)
    return doc


@pytest.mark.parametrize("change, where, match", [
    (lambda d: d["annotations"][0].update(video_id=5), "annotations[0]", "unknown video 5"),
    (lambda d: d["annotations"][0].update(category_id=4), "annotations[0]", "unknown category"),
    (lambda d: d["annotations"][0]["segmentations"].pop(), "annotations[0]",
     "2 segmentations for a video of 3 frames"),
    (lambda d: d["annotations"][0]["segmentations"].__setitem__(
        1, {"counts": [5, 3], "size": [H, W]}), "annotations[0]", "bad RLE"),
    (lambda d: d["annotations"][0]["segmentations"].__setitem__(
        1, {"counts": [48], "size": [W, H]}), "annotations[0]", "not the video's"),
    (lambda d: d["annotations"][2]["segmentations"].__setitem__(1, [[1.0, 2.0]]),
     "annotations[2]", "polygon"),
    (lambda d: d["annotations"][1]["bboxes"].__setitem__(1, [1.0, 1.0, -2.0, 4.0]),
     "annotations[1]", "negative size"),
    (lambda d: d["annotations"].append(dict(d["annotations"][0])), "annotations[3]",
     "listed twice"),
    (lambda d: d["videos"][0].update(length=4), "videos[0]", "3 file_names for length 4"),
    (lambda d: d["videos"][1]["file_names"].__setitem__(1, "00010/00001.jpg"), "videos[1]",
     "several folders"),
    (lambda d: d["categories"][0].update(partition=7), "categories[0]", "partition"),
])
def test_malformed_entries(tmp_path, change, where, match):
    path = write(tmp_path, _broken(change))
    raises_at(path, where, lambda: parse_lvvis(path), match)


def test_category_id_listed_twice(tmp_path):
    doc = lvvis_doc()
    doc["categories"].append({"id": 9, "name": "aircraft", "partition": 2})
    path = write(tmp_path, doc)
    error = raises_at(path, "categories[3]", lambda: parse_lvvis(path))
    assert error.reason == "category id 9 is listed twice"
    error = raises_at(path, "categories[3]", lambda: lvvis_categories(path))
    assert error.reason == "category id 9 is listed twice"
