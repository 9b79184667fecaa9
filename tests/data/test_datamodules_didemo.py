"""DiDeMo datamodule end to end on tiny clips: paragraph retrieval items, per-sentence grounding
items with ``segments`` in seconds, and a Flickr video that is gone skipped, counted and logged."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from zoo.data.benchmarks import DiDeMoDataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}


def entry(annotation_id, video, description, times):
    return {"num_segments": 6, "description": description,
            "dl_link": f"https://www.flickr.com/video_download.gne?id={annotation_id}",
            "times": times, "video": video, "annotation_id": annotation_id}


@pytest.fixture
def didemo(tmp_path):
    data = [entry(1, "11@N00_5_aa.mov", "a kite rises", [[0, 0], [0, 0], [0, 1], [0, 0]]),
            entry(2, "22@N01_6_bb.avi", "a dog sits ", [[1, 1], [1, 1], [1, 1], [0, 1]]),
            entry(3, "11@N00_5_aa.mov", "the kite falls", [[1, 1], [1, 1], [1, 1], [1, 1]]),
            entry(4, "33@N02_7_cc.", "gone from flickr", [[0, 0], [0, 0], [0, 0], [0, 0]])]
    (tmp_path / "data").mkdir()
    for split in ("train", "val", "test"):
        (tmp_path / "data" / f"{split}_data.json").write_text(json.dumps(data))
    (tmp_path / "videos").mkdir()
    for name, level in (("11@N00_5_aa.mov", 70), ("22@N01_6_bb.avi", 140)):
        tmp = tmp_path / "videos" / (name + ".mp4")  # 12 frames at 1 fps: 12 s
        write_video(tmp, np.full((12, 32, 32, 3), level, np.uint8), fps=1)
        tmp.rename(tmp_path / "videos" / name)
    return tmp_path


def test_paragraph_and_sentence_items(didemo, caplog):
    dm = DiDeMoDataModule(didemo, batch_size=2, video_backend="pyav").connect(PREPROCESS)
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        batch = next(iter(dm.test_dataloader()))
    assert "1 of 3 rows have no video file" in caplog.text and "33@N02_7_cc." in caplog.text
    assert [r.video_id for r in dm.missing["test"]] == ["33@N02_7_cc."]
    assert batch["captions"] == [["a kite rises the kite falls"], ["a dog sits"]]
    assert [int(v.flatten()[0]) for v in (batch["video"] * 255).round()] == [70, 140]
    sentences = DiDeMoDataModule(didemo, granularity="sentence", batch_size=3,
                                 video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(sentences.test_dataloader()))
    assert batch["query"] == ["a kite rises", "a dog sits", "the kite falls"]
    assert batch["segments"].tolist() == [[0.0, 5.0], [5.0, 10.0], [5.0, 10.0]]
    with pytest.raises(FileNotFoundError, match="pass missing_videos='skip'"):
        DiDeMoDataModule(didemo, missing_videos="raise").records("train")
