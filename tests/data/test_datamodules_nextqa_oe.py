"""NExT-OE (NExT-QA open-ended) datamodule end to end on tiny clips: free-form answers, the DB
type and its group, the answer vocabulary and the test reference answers in ``dataset_info``."""

from __future__ import annotations

import json

import numpy as np

from zoo.data.benchmarks import NExTOEDataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}
HEADER = "video,frame_count,width,height,question,answer,qid,type\n"


def test_nextoe_batches(tmp_path):
    ann = tmp_path / "dataset" / "nextqa"
    ann.mkdir(parents=True)
    rows = ("2718281828,4,32,32,is the room bright,yes,0,DB\n"
            "31415926535,4,32,32,why did the boy clap,to cheer,3,CW\n")
    for split in ("train", "val", "test"):
        (ann / f"{split}.csv").write_text(HEADER + rows)
    (ann / "map_vid_vidorID.json").write_text(json.dumps({"2718281828": "0001/2718281828",
                                                          "31415926535": "0002/31415926535"}))
    (ann / "add_reference_answer_test.json").write_text(json.dumps(
        {"31415926535": {"3": "to encourage him"}}, indent=4))
    for rel, level in (("0001/2718281828.mp4", 45), ("0002/31415926535.mp4", 135)):
        (tmp_path / "NExTVideo" / rel).parent.mkdir(parents=True, exist_ok=True)
        write_video(tmp_path / "NExTVideo" / rel, np.full((4, 32, 32, 3), level, np.uint8), fps=4)
    dm = NExTOEDataModule(tmp_path, batch_size=2, video_backend="pyav",
                          reference_answers="dataset/nextqa/add_reference_answer_test.json"
                          ).connect(PREPROCESS)
    batch = next(iter(dm.test_dataloader()))
    assert batch["answer"] == ["yes", "to cheer"] and batch["question_type"] == ["DB", "CW"]
    assert batch["question_id"] == ["2718281828_0", "31415926535_3"]
    assert batch["choices"] == [[], []]
    assert [int(v.flatten()[0]) for v in (batch["video"] * 255).round()] == [45, 135]
    info = dm.dataset_info()
    assert info["question_type_groups"]["D"] == ["DC", "DL", "DO", "DB"]
    assert info["answer_vocab"] == ["yes", "to cheer"]
    assert info["reference_answers"] == {"31415926535_3": "to encourage him"}
