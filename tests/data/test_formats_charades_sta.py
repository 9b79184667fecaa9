"""Charades-STA without ``Charades_duration.json``: the durations file is optional.

The query file is the real sample ``/work/shared/samples/charades_sta_test.txt`` (the first 12
lines of ``Alvin-Zeng/DRN @ 80743f3a9b0e28dbd6ef7764712dd55aac11815c :
data/dataset/Charades/Charades_sta_test.txt``), read in place. Durations files are written here
in the shapes of DRN/mmaction2's ``Charades_duration.json`` (``{"<vid>": seconds}``) and
Charades' ``Charades_v1_test.csv`` (column ``length``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.charades_sta import (apply_durations, parse_charades_sta,
                                           read_charades_durations)

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "charades_sta_test.txt"


@pytest.fixture
def sample() -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"the real annotation sample is not here ({SAMPLE})")
    return SAMPLE


def test_parses_without_durations(sample):
    records = parse_charades_sta(sample)
    assert len(records) == 12 and all(r.duration is None for r in records)
    assert records[0].segments == [(24.3, 30.4)] and records[0].video_id == "3MSZA"


def test_missing_durations_file_is_explained_or_optional(sample, tmp_path, caplog):
    missing = tmp_path / "Charades_duration.json"
    with pytest.raises(AnnotationError) as info:
        read_charades_durations(missing)
    assert info.value.file == str(missing) and info.value.line is None
    assert "does not ship" in info.value.reason and "durations=None" in info.value.reason
    with pytest.raises(AnnotationError, match="durations=None"):
        parse_charades_sta(sample, durations=missing)
    with caplog.at_level(logging.INFO, logger="zoo.data"):
        assert read_charades_durations(missing, missing_ok=True) is None
    assert "from the video files" in caplog.text
    present = tmp_path / "d.json"
    present.write_text(json.dumps({"3MSZA": 31.0}))
    assert read_charades_durations(present, missing_ok=True) == {"3MSZA": 31.0}


def test_durations_from_the_videos_afterwards(sample, caplog):
    records = parse_charades_sta(sample)
    measured = {r.video_id: 30.0 for r in records}  # what a datamodule reads off the video files
    with caplog.at_level(logging.INFO, logger="zoo.data"):
        apply_durations(records, measured)
    assert records[0].duration == 30.0 and records[0].segments == [(24.3, 30.0)]
    assert f"{sample}:1" in caplog.text  # the clamp names the query line
    # the same result as giving the durations to the parser
    assert [r.segments for r in records] == [
        r.segments for r in parse_charades_sta(sample, durations=measured)]


def test_apply_durations_policy(tmp_path):
    path = tmp_path / "sta.txt"
    path.write_text("AKKWU 38.0 13.0##person opens the cabinet.\nLEOL6 6.5 7.0##person sits.\n")
    records = parse_charades_sta(path)
    with pytest.raises(AnnotationError) as info:
        apply_durations(records, {"AKKWU": 40.0, "LEOL6": 6.0})
    assert (info.value.file, info.value.line) == (str(path), 2)
    assert "not inside the video" in info.value.reason
    with pytest.raises(KeyError, match="LEOL6"):
        apply_durations(parse_charades_sta(path), {"AKKWU": 40.0})
    with pytest.raises(AnnotationError, match="<= 0"):
        apply_durations(parse_charades_sta(path), {"AKKWU": 0.0, "LEOL6": 8.0})
    records = parse_charades_sta(path)
    apply_durations(records, {"AKKWU": 30.5, "LEOL6": 8.0})
    assert [(r.segments, r.duration) for r in records] == [([(13.0, 30.5)], 30.5),
                                                           ([(6.5, 7.0)], 8.0)]


def test_zero_length_segment_is_kept_with_a_warning(tmp_path, caplog):
    path = tmp_path / "sta.txt"
    path.write_text("3MSZA 24.3 30.4##person turn a light on.\n"
                    "LEOL6 6.5 6.5##person sits down.\n")
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        records = parse_charades_sta(path)
    assert [(r.video_id, r.segments) for r in records] == [("3MSZA", [(24.3, 30.4)]),
                                                           ("LEOL6", [(6.5, 6.5)])]
    assert records[1].query == "person sits down." and records[1].source == f"{path}:2"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"{path}:2: zero-length segment [6.5, 6.5]"]
    # also with on_reversed="raise": a zero-length segment is not a reversed one
    assert parse_charades_sta(path, on_reversed="raise")[1].segments == [(6.5, 6.5)]
