"""ActivityNet Captions JSON files (``zoo.data.formats.activitynet_captions``).

The fixture keeps the structure of ``DaniCFraq/project-mpdw-2025 @
c509653323155b7d6cef0ae68d1d08151e1ff151 : captions/val_1.json`` (with ``captions/readme.txt``):
``{"v_<id>": {"duration", "timestamps", "sentences"}}``, int and float times, sentences after
the first starting with spaces, an end time past the duration by float noise
(``95.04`` vs ``95.03999999999999``) — with our own content.
"""

from __future__ import annotations

import json
import logging

import pytest

from zoo.data.formats.activitynet_captions import (parse_activitynet_captions,
                                                   read_activitynet_ids)
from zoo.data.formats.base import AnnotationError

DATA = {
    "v_ab-C_d1": {"duration": 61.53999999999999,
                  "timestamps": [[0, 12.4], [10.07, 61.54]],
                  "sentences": ["A chef chops carrots.", "  She then fries them in a pan."]},
    "v_Zz9": {"duration": 30.0, "timestamps": [[2.5, 9]], "sentences": ["A cat jumps."]},
}


def write(tmp_path, data, name="val_1.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


def test_paragraphs_sentences_and_clamp(tmp_path, caplog):
    path = write(tmp_path, DATA)
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        paragraphs = parse_activitynet_captions(path)
    assert "1 end time(s) past the duration clamped (first: v_ab-C_d1.timestamps[1])" in caplog.text
    assert [(r.video_id, r.path) for r in paragraphs] == [("v_ab-C_d1", "v_ab-C_d1.mp4"),
                                                          ("v_Zz9", "v_Zz9.mp4")]
    assert paragraphs[0].captions == ["A chef chops carrots. She then fries them in a pan."]
    assert paragraphs[0].duration == pytest.approx(61.54) and paragraphs[0].segments == []
    sentences = parse_activitynet_captions(path, granularity="sentence", strip_prefix=True)
    assert [r.query for r in sentences] == ["A chef chops carrots.",
                                            "She then fries them in a pan.", "A cat jumps."]
    assert sentences[1].segments == [(10.07, 61.53999999999999)]  # clamped
    assert sentences[2].segments == [(2.5, 9.0)] and sentences[2].path == "Zz9.mp4"
    assert sentences[1].source == f"{path}:v_ab-C_d1.timestamps[1]"
    ids = tmp_path / "val_ids.json"
    ids.write_text('[\n  "v_ab-C_d1",\n  "v_Zz9"\n]')
    assert read_activitynet_ids(ids) == ["v_ab-C_d1", "v_Zz9"]


def test_known_holes_policy(tmp_path, caplog):
    reversed_ = write(tmp_path, {"v_r": {"duration": 20.0, "timestamps": [[14.0, 3.5]],
                                         "sentences": ["A man waves."]}}, "train.json")
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        fixed = parse_activitynet_captions(reversed_, granularity="sentence")
    assert fixed[0].segments == [(3.5, 14.0)] and "1 reversed segment(s) swapped" in caplog.text
    with pytest.raises(AnnotationError) as info:
        parse_activitynet_captions(reversed_, on_invalid="raise")
    assert (info.value.file, info.value.line) == (str(reversed_), "v_r.timestamps[0]")
    assert "video v_r: end 3.5 < start 14.0" in info.value.reason
    with pytest.raises(AnnotationError, match=r"v_ab-C_d1\.timestamps\[1\].*past the duration"):
        parse_activitynet_captions(write(tmp_path, DATA), on_invalid="raise")


@pytest.mark.parametrize("video, locator, reason", [
    ({"duration": 20.0, "timestamps": [[21.0, 25.0]], "sentences": ["x"]}, "v_bad.timestamps[0]",
     "starts outside the video"),
    ({"duration": 20.0, "timestamps": [[-1, 5]], "sentences": ["x"]}, "v_bad.timestamps[0]",
     "negative time"),
    ({"duration": 20.0, "timestamps": [[1, 5]], "sentences": ["x", "y"]}, "'v_bad'",
     "1 timestamps but 2 sentences"),
    ({"duration": 20.0, "timestamps": [[1, 5]], "sentences": [" "]}, "v_bad.sentences[0]",
     "empty sentence"),
    ({"duration": 0, "timestamps": [[0, 1]], "sentences": ["x"]}, "v_bad.duration", "<= 0"),
    ({"timestamps": [[0, 1]], "sentences": ["x"]}, "'v_bad'", "missing key(s) ['duration']"),
])
def test_errors_name_file_and_video(tmp_path, video, locator, reason):
    path = write(tmp_path, {**DATA, "v_bad": video})
    with pytest.raises(AnnotationError) as info:
        parse_activitynet_captions(path)
    assert (info.value.file, info.value.line) == (str(path), locator) and reason in info.value.reason
