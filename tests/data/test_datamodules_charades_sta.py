"""Charades-STA without ``Charades_duration.json`` (the dataset does not ship it): durations are
read from the video files, cached next to the data (or kept in memory), and the parser's policy
applies — an end past the video is clamped, a start past it raises naming file and line."""

from __future__ import annotations

import json

import numpy as np
import pytest

import zoo.data.benchmarks.charades_sta as charades
from zoo.data.benchmarks import CharadesSTADataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.video import write_video
from zoo.data.world import WorldConfig
from zoo.data.world.export import export_world


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The world's Charades-STA export; its durations file (the world's own clip durations) is
    taken away and returned as the truth."""
    out = tmp_path_factory.mktemp("charades")
    export_world(out, formats=["charades_sta"], sizes={"train": 3, "test": 2}, config=WorldConfig(num_frames=16))
    durations_file = out / "charades_sta" / "Charades_duration.json"
    truth = json.loads(durations_file.read_text())
    durations_file.unlink()
    return out / "charades_sta", truth


def no_decoding(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a video was opened to measure its duration")
    monkeypatch.setattr(charades, "VideoReader", refuse)


def test_durations_are_read_from_the_videos_and_cached(exported, monkeypatch):
    root, truth = exported
    (root / "zoo_durations.json").unlink(missing_ok=True)
    dm = CharadesSTADataModule(root)
    records = dm.records("train") + dm.records("test")
    assert {r.video_id for r in records} == set(truth)
    for record in records:
        assert record.duration == pytest.approx(truth[record.video_id], abs=1e-9)
        assert all(0 <= start <= end <= record.duration for start, end in record.segments)
    cached = json.loads((root / "zoo_durations.json").read_text())["videos"]
    assert {vid: entry["seconds"] for vid, entry in cached.items()} == pytest.approx(truth)

    no_decoding(monkeypatch)  # a new datamodule takes them from the cache
    again = CharadesSTADataModule(root)
    assert [r.duration for r in again.records("test")] == [r.duration for r in dm.records("test")]


def test_a_changed_video_is_measured_again(exported):
    root, truth = exported
    dm = CharadesSTADataModule(root)
    dm.records("test")  # cache filled
    vid = dm.records("test")[0].video_id
    video = root / "Charades_v1_480" / f"{vid}.mp4"
    original = video.read_bytes()
    try:
        write_video(video, np.zeros((80, 16, 16, 3), np.uint8), fps=8)  # 10 s now
        assert {r.duration for r in CharadesSTADataModule(root).records("test") if r.video_id == vid} == {10.0}
    finally:
        video.write_bytes(original)
    restored = {r.duration for r in CharadesSTADataModule(root).records("test") if r.video_id == vid}
    assert len(restored) == 1 and restored.pop() == pytest.approx(truth[vid])


@pytest.fixture
def generated(tmp_path):
    """One 4-second video (16 frames at 4 fps) and query files that overrun it."""
    (tmp_path / "Charades_v1_480").mkdir()
    write_video(tmp_path / "Charades_v1_480" / "AB12C.mp4", np.zeros((16, 16, 16, 3), np.uint8), fps=4)
    (tmp_path / "charades_sta_train.txt").write_text("AB12C 1.0 6.5##person runs past the end.\n"
                                                     "AB12C 0.5 2.0##person sits.\n")
    (tmp_path / "charades_sta_test.txt").write_text("AB12C 4.5 5.0##person starts after the end.\n")
    return tmp_path


def test_the_parser_policy_applies_to_measured_durations(generated):
    dm = CharadesSTADataModule(generated)
    assert [(r.duration, r.segments) for r in dm.records("train")] == [(4.0, [(1.0, 4.0)]), (4.0, [(0.5, 2.0)])]
    with pytest.raises(AnnotationError, match=r"charades_sta_test.txt:1: start 4.5 is not inside the video"):
        dm.records("test")


def test_durations_stay_in_memory_when_they_cannot_be_cached(generated):
    (generated / "a_file").write_text("")
    dm = CharadesSTADataModule(generated, durations_cache="a_file/zoo_durations.json")
    assert [r.duration for r in dm.records("train")] == [4.0, 4.0]
    dm = CharadesSTADataModule(generated, durations_cache=None)
    assert [r.duration for r in dm.records("train")] == [4.0, 4.0]
    assert sorted(p.name for p in generated.iterdir()) == [
        "Charades_v1_480", "a_file", "charades_sta_test.txt", "charades_sta_train.txt"]


def test_a_durations_file_is_used_when_there_and_required_when_named(generated, monkeypatch):
    (generated / "Charades_duration.json").write_text(json.dumps({"AB12C": 3.0}))
    no_decoding(monkeypatch)
    dm = CharadesSTADataModule(generated)
    assert [(r.duration, r.segments) for r in dm.records("train")] == [(3.0, [(1.0, 3.0)]), (3.0, [(0.5, 2.0)])]
    with pytest.raises(AnnotationError, match="Charades_v1_train.csv: durations file not found"):
        CharadesSTADataModule(generated, durations="Charades_v1_train.csv").records("train")
