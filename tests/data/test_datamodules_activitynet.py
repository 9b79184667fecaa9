"""ActivityNet Captions and ActivityNet-QA datamodules end to end on tiny clips: paragraph items
(test = val_1) and sentence items with segments (test = val_2), ``v_<id>`` files with the
``.mkv`` fallback, and QA items joined from the question and answer files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from zoo.data.benchmarks import ActivityNetCaptionsDataModule, ActivityNetQADataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}


def clip(path, level, seconds=8):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.mp4")
    write_video(tmp, np.full((seconds, 32, 32, 3), level, np.uint8), fps=1)
    os.replace(tmp, path)


@pytest.fixture
def anet(tmp_path):
    captions = tmp_path / "captions"
    captions.mkdir()
    val_1 = {"v_ab-C": {"duration": 8.0, "timestamps": [[0, 3.5], [3.0, 8.2]],
                        "sentences": ["A man ties a knot.", "  He pulls the rope."]},
             "v_Zz9": {"duration": 8.0, "timestamps": [[1, 2]], "sentences": ["A cat yawns."]}}
    val_2 = {"v_ab-C": {"duration": 8.0, "timestamps": [[2, 6]], "sentences": ["A knot."]}}
    for name, data in (("train.json", val_1), ("val_1.json", val_1), ("val_2.json", val_2)):
        (captions / name).write_text(json.dumps(data))
    clip(tmp_path / "videos" / "v_ab-C.mp4", 100)
    clip(tmp_path / "videos" / "v_Zz9.mkv", 200)
    return tmp_path


def test_captions_paragraphs_and_sentences(anet):
    dm = ActivityNetCaptionsDataModule(anet, batch_size=2, video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(dm.test_dataloader()))  # val_1
    assert batch["video_id"] == ["v_ab-C", "v_Zz9"]
    assert batch["captions"] == [["A man ties a knot. He pulls the rope."], ["A cat yawns."]]
    assert [int(v.flatten()[0]) for v in (batch["video"] * 255).round()] == [100, 200]
    grounding = ActivityNetCaptionsDataModule(anet, granularity="sentence", batch_size=3,
                                              video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(grounding.val_dataloader()))  # val_1, one item per sentence
    assert batch["query"] == ["A man ties a knot.", "He pulls the rope.", "A cat yawns."]
    assert batch["segments"].tolist() == [[0.0, 3.5], [3.0, 8.0], [1.0, 2.0]]  # 8.2 clamped
    assert [r.query for r in grounding.records("test")] == ["A knot."]  # val_2


def test_activitynet_qa(anet):
    dataset = anet / "dataset"
    dataset.mkdir()
    questions = [{"video_name": "ab-C", "question": "what is the man tying",
                  "question_id": "v_ab-C_0"},
                 {"video_name": "Zz9", "question": "is the cat awake ", "question_id": "v_Zz9_1"}]
    answers = [{"answer": "knot", "type": 5, "question_id": "v_ab-C_0"},
               {"answer": "yes", "type": 3, "question_id": "v_Zz9_1"}]
    for split in ("train", "val", "test"):
        (dataset / f"{split}_q.json").write_text(json.dumps(questions))
        (dataset / f"{split}_a.json").write_text(json.dumps(answers))
    dm = ActivityNetQADataModule(anet, batch_size=2, answer_vocab_size=1,
                                 video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(dm.test_dataloader()))
    assert batch["question"] == ["what is the man tying", "is the cat awake"]
    assert batch["answer"] == ["knot", "yes"] and batch["question_type"] == ["5", "3"]
    assert batch["question_id"] == ["v_ab-C_0", "v_Zz9_1"]
    assert [int(v.flatten()[0]) for v in (batch["video"] * 255).round()] == [100, 200]
    info = dm.dataset_info()
    assert info["answer_vocab"] == ["knot"] and info["question_types"][:3] == ["0", "1", "2"]
