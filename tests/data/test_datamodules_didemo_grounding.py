"""DiDeMo for temporal grounding: every annotator's distinct moment or the majority one only,
and each sentence item limited to the annotated first seconds of its video."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zoo.data.benchmarks import DiDeMoDataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 16, "num_frames": 4}


@pytest.fixture
def didemo(tmp_path):
    data = [{"annotation_id": 1, "description": "a kite rises", "video": "11@N00_5_aa.mov",
             "times": [[1, 1], [0, 1], [1, 1], [2, 3]], "num_segments": 6}]
    (tmp_path / "data").mkdir()
    for split in ("train", "val", "test"):
        (tmp_path / "data" / f"{split}_data.json").write_text(json.dumps(data))
    (tmp_path / "videos").mkdir()
    write_video(tmp_path / "videos" / "11@N00_5_aa.mov.mp4", np.zeros((40, 16, 16, 3), np.uint8), fps=1)
    (tmp_path / "videos" / "11@N00_5_aa.mov.mp4").rename(tmp_path / "videos" / "11@N00_5_aa.mov")
    return tmp_path


def test_moments_and_the_annotated_seconds(didemo):
    every = DiDeMoDataModule(didemo, granularity="sentence", video_backend="pyav").connect(PREPROCESS)
    (record,) = every.parse("test")
    assert record.segments == [(5.0, 10.0), (0.0, 10.0), (10.0, 20.0)] and record.end == 30.0
    batch = next(iter(every.test_dataloader()))
    assert batch["duration"].tolist() == [30.0]  # a 40-s file: the first 30 s
    assert batch["windows"].tolist() == [[[5.0, 10.0], [0.0, 10.0], [10.0, 20.0]]]
    assert batch["frame_times"].max().item() < 30.0
    majority = DiDeMoDataModule(didemo, granularity="sentence", moments="majority",
                                annotated_seconds=8.0, video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(majority.test_dataloader()))
    assert batch["windows"].tolist() == [[[5.0, 8.0]]] and batch["duration"].tolist() == [8.0]
    paragraph = DiDeMoDataModule(didemo)
    assert paragraph.parse("test")[0].end is None  # retrieval reads whole videos, as before
    with pytest.raises(ValueError, match="moments"):
        DiDeMoDataModule(didemo, moments="first")
