"""DiDeMo annotation files (``zoo.data.formats.didemo``).

The fixture keeps the structure of
``Sy-Zhang/LocalizingMoments @ 6b3935650d9a00f5e3f11c8305fb417a4c9db9ad : data/val_data.json``
(a fork of ``LisaAnne/LocalizingMoments`` that carries the data files): one JSON line, keys in
the order ``num_segments, description, dl_link, times, video, annotation_id``, integer chunk
indices, 4 or 7 annotators, Flickr file names with assorted extensions and one ending in a bare
``.``, descriptions with a trailing space or newline — with our own content.
"""

from __future__ import annotations

import json

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.didemo import didemo_seconds, parse_didemo


def entry(annotation_id, video, description, times, num_segments=6):
    return {"num_segments": num_segments, "description": description,
            "dl_link": f"https://www.flickr.com/video_download.gne?id={annotation_id}",
            "times": times, "video": video, "annotation_id": annotation_id}


ENTRIES = [
    entry(7, "1111@N00_2222_abcd.mov", "a red kite rises ", [[1, 1], [1, 2], [1, 1], [0, 0]]),
    entry(8, "3333@N01_4444_ef01.", "the dog sits down\n", [[4, 4], [4, 4], [3, 4], [4, 4]], 5),
    entry(9, "1111@N00_2222_abcd.mov", "kite  falls", [[3, 5], [3, 4], [3, 4], [5, 5], [3, 4],
                                                      [3, 5], [3, 5]]),
]


def write(tmp_path, entries):
    path = tmp_path / "val_data.json"
    path.write_text(json.dumps(entries))
    return path


def test_paragraphs_and_sentences(tmp_path):
    path = write(tmp_path, ENTRIES)
    paragraphs = parse_didemo(path)
    assert [(r.video_id, r.path) for r in paragraphs] == [
        ("1111@N00_2222_abcd.mov", "1111@N00_2222_abcd.mov"),
        ("3333@N01_4444_ef01.", "3333@N01_4444_ef01.")]
    assert paragraphs[0].captions == ["a red kite rises kite falls"]
    assert paragraphs[0].source == f"{path}:[0]" and paragraphs[0].segments == []
    sentences = parse_didemo(path, granularity="sentence", video_suffix=".mp4")
    assert [r.query for r in sentences] == ["a red kite rises", "the dog sits down", "kite falls"]
    assert sentences[0].path == "1111@N00_2222_abcd.mov.mp4"
    assert sentences[0].segments == [(5.0, 10.0), (5.0, 15.0), (0.0, 5.0)]  # majority first
    assert sentences[2].segments == [(15.0, 30.0), (15.0, 25.0), (25.0, 30.0)]  # 3-3 tie: order
    assert sentences[1].captions == ["the dog sits down"] and sentences[1].source == f"{path}:[1]"
    assert didemo_seconds(0, 5) == (0.0, 30.0)


@pytest.mark.parametrize("change, reason", [
    ({"times": [[1, 6]]}, "need 0 <= start <= end < num_segments (6)"),
    ({"times": [[4, 5]], "num_segments": 5}, "< num_segments (5)"),
    ({"times": [[3, 2]]}, "need 0 <= start <= end"),
    ({"times": [[1.5, 2]]}, "two integer chunk indices"),
    ({"times": []}, "non-empty list"),
    ({"description": "  "}, "description must be a non-empty string"),
    ({"annotation_id": 7}, "annotation_id 7 repeats"),
])
def test_bad_entries_name_file_and_index(tmp_path, change, reason):
    bad = dict(ENTRIES[0], annotation_id=70, **{k: v for k, v in change.items()
                                                if k != "annotation_id"})
    if "annotation_id" in change:
        bad["annotation_id"] = change["annotation_id"]
    path = write(tmp_path, [ENTRIES[0], bad])
    with pytest.raises(AnnotationError) as info:
        parse_didemo(path, granularity="sentence")
    assert (info.value.file, info.value.line) == (str(path), "[1]") and reason in info.value.reason
    path = write(tmp_path, [{"video": "x.mov", "times": [[0, 0]]}])
    with pytest.raises(AnnotationError, match=r"\[0\]: missing key\(s\) \['description'\]"):
        parse_didemo(path)


@pytest.mark.parametrize("num_segments, shown", [
    (7, "7"), (0, "0"), (-1, "-1"), (True, "True"), ("6", "'6'"), (5.0, "5.0"),
])
def test_num_segments_must_be_an_integer_from_1_to_6(tmp_path, num_segments, shown):
    bad = dict(ENTRIES[0], annotation_id=70, num_segments=num_segments)
    path = write(tmp_path, [ENTRIES[0], bad])
    with pytest.raises(AnnotationError) as info:
        parse_didemo(path, granularity="sentence")
    assert (info.value.file, info.value.line) == (str(path), "[1]")
    assert info.value.reason == f"num_segments must be an integer 1..6, got {shown}"


def test_num_segments_bounds_are_accepted(tmp_path):
    one = dict(ENTRIES[0], annotation_id=70, num_segments=1, times=[[0, 0], [0, 0]])
    path = write(tmp_path, [one, dict(ENTRIES[0], annotation_id=71, num_segments=6)])
    first, second = parse_didemo(path, granularity="sentence")
    assert first.segments == [(0.0, 5.0)]
    assert second.segments == [(5.0, 10.0), (5.0, 15.0), (0.0, 5.0)]
