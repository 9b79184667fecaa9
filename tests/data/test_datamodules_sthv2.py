"""Something-Something v2 datamodule end to end on tiny clips: labels from ``labels.json``,
``<id>.webm`` files (lossless H.264 under a ``.webm`` name; decoders probe the content), test =
validation, short file names found, and the exact frames of each video in the batch."""

from __future__ import annotations

import os

import numpy as np
import pytest

from zoo.data.benchmarks import SthV2DataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}


def clip(path, level):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".mp4")
    write_video(tmp, np.full((4, 32, 32, 3), level, np.uint8), fps=4)
    os.replace(tmp, path)


def levels(batch):
    return [int(v.flatten()[0]) for v in (batch["video"] * 255).round()]


@pytest.mark.parametrize("short_names", [False, True])
def test_sthv2_batches(tmp_path, short_names):
    labels = tmp_path / "labels"
    labels.mkdir()
    name = (lambda n: f"{n}.json") if short_names else (
        lambda n: f"something-something-v2-{n}.json")
    (labels / name("labels")).write_text('{\n "Opening something":"0",\n "Closing something":"1"\n}')
    (labels / name("train")).write_text(
        '[\n{"id":"11","label":"opening a box","template":"Opening [something]","placeholders":'
        '["a box"]},\n{"id":"12","label":"closing a jar","template":"Closing [something]",'
        '"placeholders":["a jar"]}\n]')
    (labels / name("validation")).write_text(
        '[\n{"id":"21","label":"closing a door","template":"Closing [something]","placeholders":'
        '["a door"]}\n]')
    (labels / name("test")).write_text('[\n{"id":"31"}\n]')
    for vid, level in (("11", 40), ("12", 80), ("21", 120), ("31", 160)):
        clip(tmp_path / "20bn-something-something-v2" / f"{vid}.webm", level)
    dm = SthV2DataModule(tmp_path, batch_size=2, video_backend="pyav").connect(PREPROCESS)
    assert dm.dataset_info() == {"class_names": ["Opening something", "Closing something"]}
    batch = next(iter(dm.train_dataloader()))
    truth = {"11": (40, 0), "12": (80, 1)}
    assert [(lvl, lab) for lvl, lab in zip(levels(batch), batch["label"].tolist())] == [
        truth[v] for v in batch["video_id"]]
    test = next(iter(dm.test_dataloader()))  # validation, labelled
    assert (test["video_id"], test["label"].tolist(), levels(test)) == (["21"], [1], [120])
    unlabelled = SthV2DataModule(tmp_path, test_json="test", video_backend="pyav")
    assert [(r.video_id, r.label) for r in unlabelled.records("test")] == [("31", -1)]
