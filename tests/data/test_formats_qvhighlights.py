"""QVHighlights ``highlight_*_release.jsonl`` parser.

The fixtures copy the structure of the real release files — ``jayleicn/moment_detr @
b7e553ac3b0c898ee6b85e03ee507c064eab89ca : data/highlight_val_release.jsonl`` and
``data/highlight_test_release.jsonl`` — with made-up content: one JSON object per line, keys in
the file's order (``qid, query, duration, vid, relevant_clip_ids, saliency_scores,
relevant_windows``), ``", "`` separators, integer seconds, even window bounds, 3 annotator scores
per relevant 2-s clip, YouTube ids containing ``_`` and ``-``, LF endings and no newline after the
last line; the test file has only ``qid, query, duration, vid``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.qvhighlights import parse_qvhighlights, qvhighlights_youtube_id

VAL = (
    '{"qid": 4021, "query": "A chef slices onions on a wooden board.", "duration": 150, '
    '"vid": "k_9Xr-2Lmq0_60.0_210.0", "relevant_clip_ids": [3, 4, 5, 6], '
    '"saliency_scores": [[2, 3, 1], [4, 3, 2], [4, 4, 3], [1, 2, 0]], '
    '"relevant_windows": [[6, 14]]}\n'
    '{"qid": 87, "query": "Two kids race bikes down a hill", "duration": 126, '
    '"vid": "Zq81_hT0aw_360.0_510.0", "relevant_clip_ids": [0, 1, 10, 11, 12, 62], '
    '"saliency_scores": [[0, 1, 1], [3, 2, 2], [4, 4, 4], [3, 4, 4], [2, 1, 3], [1, 1, 0]], '
    '"relevant_windows": [[0, 4], [20, 26], [124, 126]]}'
)
TEST = (
    '{"qid": 512, "query": "Fireworks light up the night sky.", "duration": 150, '
    '"vid": "-fw0Q7__pYc_0.0_150.0"}\n'
    '{"qid": 513, "query": "A man reads a map at a bus stop", "duration": 148, '
    '"vid": "aa3MxK9dLq4_210.0_360.0"}'
)


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


def test_val_records_windows_and_saliency(tmp_path):
    path = write(tmp_path, "highlight_val_release.jsonl", VAL)
    first, second = parse_qvhighlights(path)
    assert (first.video_id, first.path, first.query_id) == (
        "k_9Xr-2Lmq0_60.0_210.0", "k_9Xr-2Lmq0_60.0_210.0.mp4", "4021")
    assert first.query == "A chef slices onions on a wooden board."
    assert first.duration == 150.0 and first.start is None and first.end is None
    assert first.segments == [(6.0, 14.0)]
    assert first.saliency_clips == [3, 4, 5, 6] and first.clip_length == 2.0
    assert first.saliency == [(2, 3, 1), (4, 3, 2), (4, 4, 3), (1, 2, 0)]
    assert first.source == f"{path}:1"
    # several windows, kept in file order; a window may end exactly at the duration
    assert second.segments == [(0.0, 4.0), (20.0, 26.0), (124.0, 126.0)]
    assert second.saliency_clips[-1] == 62 and second.saliency[2] == (4, 4, 4)
    assert second.duration == 126.0 and second.source == f"{path}:2"
    assert all(isinstance(x, float) for s in second.segments for x in s)


def test_test_split_has_no_labels(tmp_path):
    path = write(tmp_path, "highlight_test_release.jsonl", TEST)
    records = parse_qvhighlights(path)
    assert [(r.query_id, r.video_id, r.duration) for r in records] == [
        ("512", "-fw0Q7__pYc_0.0_150.0", 150.0), ("513", "aa3MxK9dLq4_210.0_360.0", 148.0)]
    assert all(r.segments == [] and r.saliency == [] and r.clip_length is None for r in records)


def test_youtube_id_keeps_underscores():
    assert qvhighlights_youtube_id("-fw0Q7__pYc_0.0_150.0") == ("-fw0Q7__pYc", 0.0, 150.0)
    assert qvhighlights_youtube_id("k_9Xr-2Lmq0_60.0_210.0") == ("k_9Xr-2Lmq0", 60.0, 210.0)
    with pytest.raises(ValueError):
        qvhighlights_youtube_id("no-span")


def _line(**overrides) -> str:
    item = {"qid": 1, "query": "q", "duration": 150, "vid": "abc_0.0_150.0",
            "relevant_clip_ids": [2, 3], "saliency_scores": [[1, 2, 3], [4, 0, 1]],
            "relevant_windows": [[4, 8]]}
    item.update(overrides)
    return json.dumps({k: v for k, v in item.items() if v is not None})


@pytest.mark.parametrize("bad, match", [
    ('{"qid": 2, "query": "broken", ', "invalid JSON"),
    ('[1, 2]', "JSON object"),
    (_line(vid=None), "missing key"),
    (_line(query="  "), "query"),
    (_line(qid="x"), "qid"),
    (_line(duration=0), "duration"),
    (_line(relevant_windows=[[8, 4]]), "end <= start"),
    (_line(relevant_windows=[[6, 6]]), "end <= start"),
    (_line(relevant_windows=[[-2, 4]]), "before the video"),
    (_line(relevant_windows=[[150, 152]]), "at or after the duration"),
    (_line(relevant_windows=[[140, 152]]), "ends after the duration"),
    (_line(relevant_windows=[[4]]), "[start, end]"),
    (_line(saliency_scores=[[1, 2, 3]]), "saliency shape mismatch"),
    (_line(saliency_scores=[[1, 2, 3], [4, 0]]), "saliency shape mismatch"),
    (_line(saliency_scores=[[1, 2, 3], [5, 0, 1]]), "0-4"),
    (_line(relevant_clip_ids=[2, 2]), "repeats"),
    (_line(relevant_clip_ids=[2, 75]), "at or after the duration"),
    (_line(saliency_scores=None), "a labelled line needs all three"),
])
def test_malformed_lines_name_file_and_line(tmp_path, bad, match):
    path = write(tmp_path, "highlight_val_release.jsonl", _line() + "\n\n" + bad + "\n")
    raises_at(path, 3, lambda: parse_qvhighlights(path), match)


def test_window_past_the_duration_can_be_clamped(tmp_path, caplog):
    path = write(tmp_path, "val.jsonl", _line(relevant_windows=[[140, 152]]))
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        record, = parse_qvhighlights(path, on_outside="clamp")
    assert record.segments == [(140.0, 150.0)]
    assert f"{path}:1" in caplog.text and "clamped" in caplog.text
    with pytest.raises(ValueError, match="on_outside"):
        parse_qvhighlights(path, on_outside="ignore")


def test_crlf_and_blank_lines(tmp_path):
    path = write(tmp_path, "val.jsonl", (VAL + "\n\n").replace("\n", "\r\n"))
    assert [r.source for r in parse_qvhighlights(path)] == [f"{path}:1", f"{path}:2"]


def test_real_annotation_from_the_release_readme(tmp_path):
    """A real QVHighlights annotation: the example of ``jayleicn/moment_detr @
    1112fe94452c4b2f050e4fd08bbbf55c9c18055f : data/README.md`` (qid 8737), written as the one
    line it is in the release file."""
    line = ('{"qid": 8737, "query": "A family is playing basketball together on a green court outside.", '
            '"duration": 126, "vid": "bP5KfdFJzC4_660.0_810.0", "relevant_windows": [[0, 16]], '
            '"relevant_clip_ids": [0, 1, 2, 3, 4, 5, 6, 7], "saliency_scores": [[4, 1, 1], [4, 1, 1], '
            '[4, 2, 1], [4, 3, 2], [4, 3, 2], [4, 3, 3], [4, 3, 3], [4, 3, 2]]}')
    (record,) = parse_qvhighlights(write(tmp_path, "highlight_train_release.jsonl", line))
    assert (record.query_id, record.video_id, record.duration) == ("8737", "bP5KfdFJzC4_660.0_810.0", 126.0)
    assert record.query == "A family is playing basketball together on a green court outside."
    assert record.segments == [(0.0, 16.0)] and record.clip_length == 2.0
    assert record.saliency_clips == list(range(8)) and record.saliency[0] == (4, 1, 1)
    assert record.saliency[-1] == (4, 3, 2)
    assert qvhighlights_youtube_id(record.video_id) == ("bP5KfdFJzC4", 660.0, 810.0)
