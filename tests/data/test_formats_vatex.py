"""VATEX JSON files (``zoo.data.formats.vatex``).

No VATEX annotation file is in the public-repository index; the fixture follows the schema of
the VATEX download page (``eric-xw.github.io/vatex-website/download.html``, quoted in e.g.
``open-compass`` / ``DataFlow`` readers): a list of ``{"videoID": "<ytid>_<start:06d>_<end:06d>",
"enCap": [10], "chCap": [10]}``, the public test without ``chCap``, the private test with ids
only — YouTube ids containing ``_`` and ``-``. Content is our own.
"""

from __future__ import annotations

import json

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.vatex import parse_vatex, split_vatex_id

EN = [f"a person juggles {k} balls" for k in range(1, 11)]
CH = [f"一个人在玩{k}个球" for k in range(1, 11)]


def write(tmp_path, data, name="vatex_validation_v1.0.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def test_clips_captions_and_ids(tmp_path):
    path = write(tmp_path, [{"videoID": "a_b-C_d9_000012_000022", "enCap": EN, "chCap": CH},
                            {"videoID": "Zz9-x_0_000100_000110", "enCap": [" a dog barks "]}])
    records = parse_vatex(path)
    assert records[0].video_id == "a_b-C_d9_000012_000022"
    assert records[0].path == "a_b-C_d9_000012_000022.mp4" and records[0].start is None
    assert records[0].captions == EN and records[1].captions == ["a dog barks"]
    full = parse_vatex(path, trimmed=False)
    assert (full[0].path, full[0].start, full[0].end) == ("a_b-C_d9.mp4", 12.0, 22.0)
    assert split_vatex_id("Zz9-x_0_000100_000110") == ("Zz9-x_0", 100, 110)
    private = parse_vatex(write(tmp_path, [{"videoID": "q_000001_000011"}], "private.json"))
    assert private[0].captions == [] and private[0].source.endswith("private.json:[0]")


@pytest.mark.parametrize("item, reason", [
    ({"videoID": "abc", "enCap": EN}, "is not '<youtube id>_<start>_<end>'"),
    ({"videoID": "abc_000020_000010", "enCap": EN}, "end 10 <= start 20"),
    ({"videoID": "x_000001_000011", "enCap": EN}, "repeats"),
    ({"videoID": "y_000001_000011", "enCap": ["ok", ""]}, "enCap must be a list"),
    ({"enCap": EN}, "string 'videoID'"),
])
def test_bad_clips_name_file_and_index(tmp_path, item, reason):
    path = write(tmp_path, [{"videoID": "x_000001_000011", "enCap": EN}, item])
    with pytest.raises(AnnotationError) as info:
        parse_vatex(path)
    assert (info.value.file, info.value.line) == (str(path), "[1]") and reason in info.value.reason
