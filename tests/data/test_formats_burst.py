"""BURST parser and the COCO RLE helpers it uses.

No BURST annotation file is public in a code repository (they are downloaded from RWTH), so the
fixture follows the documented format — ``Ali2500/BURST-benchmark @
2ad8aece3f0029c973bfcb6f72ff709eb08c72a3 : ANNOTATION_FORMAT.md`` — and what that repository's
readers use (``burstapi/dataset.py``, ``burstapi/video.py`` and
``burstapi/thirdparty/trackeval/datasets/burst_helpers/format_converter.py`` @ c1431986): a top
level ``{sequences, categories, split}``; per sequence ``width, height, id, seq_name, dataset,
fps, all_image_paths, annotated_image_paths, neg_category_ids, not_exhaustive_category_ids,
track_category_ids`` (string track-id keys) and ``segmentations`` (one dict per annotated frame,
string track-id keys, ``{rle, is_gt, score}``); TAO-style image names ``frame0001.jpg``;
LVIS-style categories ``{id, name, synset, def, synonyms}`` without ``frequency``. Masks are
made here and encoded as COCO compressed RLE strings.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.burst import (burst_categories, parse_burst, rle_bbox, rle_box, rle_decode,
                                    rle_encode, rle_from_string, rle_to_string)

H, W = 8, 10


def mask(*pixels) -> np.ndarray:
    out = np.zeros((H, W), bool)
    for y, x in pixels:
        out[y, x] = True
    return out


def rect(y0, y1, x0, x1) -> np.ndarray:
    out = np.zeros((H, W), bool)
    out[y0:y1, x0:x1] = True
    return out


def rle(m: np.ndarray) -> str:
    return rle_to_string(rle_encode(m))


def seg(m, is_gt=True, score=1.0):
    return {"rle": rle(m), "is_gt": is_gt, "score": score}


def burst_doc() -> dict:
    frames = [f"frame{i:04d}.jpg" for i in range(1, 8)]
    return {
        "sequences": [{
            "width": W, "height": H, "id": 1, "seq_name": "v_25685519b728afd746dfd1b2fe77c",
            "dataset": "YFCC100M", "fps": 30, "all_image_paths": frames,
            "annotated_image_paths": ["frame0001.jpg", "frame0004.jpg", "frame0007.jpg"],
            "neg_category_ids": [95], "not_exhaustive_category_ids": [],
            "track_category_ids": {"2": 95, "1": 805},
            "segmentations": [
                {"1": seg(rect(2, 5, 1, 4)), "2": seg(mask((7, 4), (0, 5)), False, 0.83)},
                {"1": seg(rect(3, 6, 2, 5)), "2": seg(np.zeros((H, W), bool))},
                {"2": seg(mask((1, 9)))}],
        }],
        "categories": [
            {"id": 95, "name": "bicycle", "synset": "bicycle.n.01", "def": "a two-wheeled vehicle",
             "synonyms": ["bicycle", "bike"]},
            {"id": 805, "name": "person", "synset": "person.n.01", "def": "a human being",
             "synonyms": ["person", "human"]}],
        "split": "val"}


def write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "all_classes.json"
    path.write_text(json.dumps(doc))
    return path


def raises_at(path, line, call, match: str = "") -> AnnotationError:
    with pytest.raises(AnnotationError) as info:
        call()
    assert info.value.file == str(path) and info.value.line == line, str(info.value)
    assert match in info.value.reason, info.value.reason
    return info.value


# -- RLE -----------------------------------------------------------------------------------------

def test_rle_round_trip_and_known_values():
    m = rect(2, 5, 1, 4)
    counts = rle_encode(m)
    # column-major: 10 background pixels (column 0 and rows 0-1 of column 1), then 3 foreground...
    assert counts == [10, 3, 5, 3, 5, 3, 51]
    assert rle_from_string(rle_to_string(counts)) == counts
    assert (rle_decode(counts, H, W) == m).all()
    assert rle_bbox(counts, H, W) == (1.0, 2.0, 4.0, 5.0)
    assert rle_encode(np.ones((2, 2), bool)) == [0, 4]  # a mask starting with foreground
    assert rle_bbox([0, 4], 2, 2) == (0.0, 0.0, 2.0, 2.0)
    assert rle_bbox([80], H, W) is None  # empty
    # a run that wraps from one column into the next spans the whole column height (pycocotools)
    assert rle_bbox(rle_encode(mask((7, 4), (0, 5))), H, W) == (4.0, 0.0, 6.0, 8.0)
    # differences to the run two before (from the 4th run on) and negative deltas
    big = [1000, 3, 999, 1, 2]
    assert rle_from_string(rle_to_string(big)) == big
    assert rle_box(rle_to_string(counts), H, W) == rle_box(counts, H, W) == (1.0, 2.0, 4.0, 5.0)
    # zero-length foreground runs are ignored (pycocotools >= 2.0.7)
    assert rle_bbox([12, 2, 30, 0, 36], H, W) == (1.0, 4.0, 2.0, 6.0)


@pytest.mark.parametrize("text", ["0a", "\x7f", "o"])  # bad character, truncated run
def test_malformed_rle_strings(text):
    with pytest.raises(ValueError):
        rle_from_string(text)


def test_rle_size_mismatch():
    with pytest.raises(ValueError, match="add up"):
        rle_bbox([10, 3, 5], H, W)


def test_rle_matches_pycocotools():
    cocomask = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(0)
    for trial in range(300):  # masks as pycocotools encodes them
        h, w = (int(v) for v in rng.integers(1, 30, size=2))
        m = rng.random((h, w)) < rng.random() if trial % 2 else np.zeros((h, w), bool)
        if trial % 2 == 0:
            m[rng.integers(0, h):, rng.integers(0, w):rng.integers(0, w) + 3] = True
        encoded = cocomask.encode(np.asfortranarray(m.astype(np.uint8)))
        text = encoded["counts"].decode()
        assert rle_to_string(rle_encode(m)) == text
        counts = rle_from_string(text)
        if m.any():
            x, y, bw, bh = (float(v) for v in cocomask.toBbox(encoded))
            assert rle_bbox(counts, h, w) == (x, y, x + bw, y + bh)
        else:
            assert rle_bbox(counts, h, w) is None
    for trial in range(300):  # any run lengths, including zero-length runs and large values
        h, w = (int(v) for v in rng.integers(1, 2000, size=2))
        cuts = np.sort(rng.integers(0, h * w + 1, size=int(rng.integers(1, 12))))
        runs = np.diff(np.concatenate(([0], cuts, [h * w]))).tolist()
        encoded = cocomask.frPyObjects({"counts": runs, "size": [h, w]}, h, w)
        assert rle_from_string(encoded["counts"].decode()) == runs
        assert rle_to_string(runs) == encoded["counts"].decode()
        if any(runs[1::2]):
            x, y, bw, bh = (float(v) for v in cocomask.toBbox(encoded))
            assert rle_bbox(runs, h, w) == (x, y, x + bw, y + bh)


# -- BURST ---------------------------------------------------------------------------------------

def test_records_and_tracks(tmp_path, caplog):
    path = write(tmp_path, burst_doc())
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        record, = parse_burst(path)
    assert record.video_id == "YFCC100M/v_25685519b728afd746dfd1b2fe77c"
    assert record.path == "val/YFCC100M/v_25685519b728afd746dfd1b2fe77c"
    assert (record.fps, record.frame_size) == (30.0, (H, W))
    assert record.frame_files[0] == "frame0001.jpg" and len(record.frame_files) == 7
    assert record.negative_categories == ["bicycle"] and record.not_exhaustive_categories == []
    assert record.source == f"{path}:sequences[0]"
    person, bike = record.tracks  # sorted by (int) track id
    assert (person.track_id, person.category, person.category_id, person.novel) == (
        1, "person", 805, None)
    assert person.frames == [0, 3]  # positions of frame0001 / frame0004 in all_image_paths
    assert person.boxes == [(1.0, 2.0, 4.0, 5.0), (2.0, 3.0, 5.0, 6.0)]
    assert (bike.track_id, bike.frames) == (2, [0, 6])  # its empty mask on frame0004 is skipped
    assert bike.boxes == [(4.0, 0.0, 6.0, 8.0), (9.0, 1.0, 10.0, 2.0)]
    assert "1 empty mask(s) skipped" in caplog.text
    novel, = parse_burst(path, novel_category_ids=[95])
    assert [t.novel for t in novel.tracks] == [False, True]
    assert [c.name for c in burst_categories(path)] == ["bicycle", "person"]
    with pytest.raises(ValueError, match="novel_category_ids"):
        parse_burst(path, novel_category_ids=[4])


def _broken(change):
    doc = burst_doc()
    change(doc["sequences"][0])
    return doc


@pytest.mark.parametrize("change, where, match", [
    (lambda s: s["track_category_ids"].update({"x": 95}), "sequences[0].track_category_ids['x']",
     "not an integer"),
    (lambda s: s["track_category_ids"].update({"3": 4}), "sequences[0].track_category_ids['3']",
     "unknown category id 4"),
    (lambda s: s["segmentations"][2].update({"5": seg(mask((0, 0)))}),
     "sequences[0].segmentations[2]['5']", "no entry in track_category_ids"),
    (lambda s: s["segmentations"].pop(), "sequences[0].segmentations", "3 annotated_image_paths"),
    (lambda s: s["annotated_image_paths"].__setitem__(2, "frame0099.jpg"),
     "sequences[0].annotated_image_paths[2]", "not in all_image_paths"),
    (lambda s: s["all_image_paths"].append("frame0001.jpg"), "sequences[0].all_image_paths[7]",
     "listed twice"),
    (lambda s: s["segmentations"][0]["1"].update(rle="0a"), "sequences[0].segmentations[0]['1']",
     "bad RLE"),
    (lambda s: s["segmentations"][0]["1"].update(rle=rle_to_string([10, 3, 5])),
     "sequences[0].segmentations[0]['1']", "bad RLE"),
    (lambda s: s["segmentations"][0]["1"].pop("rle"), "sequences[0].segmentations[0]['1']",
     "rle"),
    (lambda s: s.update(neg_category_ids=[1]), "sequences[0].neg_category_ids",
     "unknown category id 1"),
    (lambda s: s.pop("fps"), "sequences[0]", "missing key"),
])
def test_malformed_sequences(tmp_path, change, where, match):
    path = write(tmp_path, _broken(change))
    raises_at(path, where, lambda: parse_burst(path), match)


def test_file_level_errors(tmp_path):
    doc = burst_doc()
    del doc["split"]
    path = write(tmp_path, doc)
    raises_at(path, None, lambda: parse_burst(path), "missing key")
    doc = burst_doc()
    doc["categories"].append({"id": 95, "name": "bike"})
    path = write(tmp_path, doc)
    raises_at(path, "categories[2]", lambda: parse_burst(path), "listed twice")


@pytest.mark.parametrize("category", [
    {"id": 3, "synset": "kite.n.03"},  # no name
    {"id": 3, "name": 3},  # a name that is not a string
    {"name": "kite", "synset": "kite.n.03"},  # no id
    "kite",  # not an object
])
def test_malformed_category(tmp_path, category):
    doc = burst_doc()
    doc["categories"].append(category)
    path = write(tmp_path, doc)
    error = raises_at(path, "categories[2]", lambda: parse_burst(path),
                      "a category must be {id, name, ...}")
    assert error.reason == f"a category must be {{id, name, ...}}, got {category!r}"
    with pytest.raises(AnnotationError, match=r"categories\[2\]: a category must be"):
        burst_categories(path)


@pytest.mark.parametrize("key, value, where", [
    ("all_image_paths", [f"frame{i:04d}.jpg" for i in range(1, 8)] + [""],
     "sequences[0].all_image_paths"),
    ("all_image_paths", [f"frame{i:04d}.jpg" for i in range(1, 8)] + [8],
     "sequences[0].all_image_paths"),
    ("all_image_paths", "frame0001.jpg", "sequences[0].all_image_paths"),
    ("annotated_image_paths", ["frame0001.jpg", "frame0004.jpg", 7],
     "sequences[0].annotated_image_paths"),
    ("annotated_image_paths", ["frame0001.jpg", "", "frame0007.jpg"],
     "sequences[0].annotated_image_paths"),
])
def test_image_paths_must_be_lists_of_names(tmp_path, key, value, where):
    path = write(tmp_path, _broken(lambda s: s.update({key: value})))
    error = raises_at(path, where, lambda: parse_burst(path))
    assert error.reason == "must be a list of image file names"


def test_annotated_image_listed_twice(tmp_path):
    # three annotated entries for three segmentation dicts, but frame0001.jpg twice
    path = write(tmp_path, _broken(lambda s: s.update(
        annotated_image_paths=["frame0001.jpg", "frame0004.jpg", "frame0001.jpg"])))
    error = raises_at(path, "sequences[0].annotated_image_paths", lambda: parse_burst(path))
    assert error.reason == "lists an image twice"
    assert str(error) == f"{path}:sequences[0].annotated_image_paths: lists an image twice"
