"""TGIF-QA datamodule end to end on tiny GIF-named clips: multiple-choice action items, frameqa
items with the answer vocabulary, count items with the numeric answer and the MSE protocol in
``dataset_info``; val reads the Test file."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.data.benchmarks import TGIFQADataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}
T = "\t"


def rows(*lines):
    return "".join(T.join(line) + "\r\n" for line in lines).encode()


@pytest.fixture
def tgif(tmp_path):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    mc = ["gif_name", "question", "a1", "a2", "a3", "a4", "a5", "answer", "vid_id", "key"]
    for prefix in ("Train", "Test"):
        (dataset / f"{prefix}_action_question.csv").write_bytes(rows(
            mc, ["tumblr_g1", "What does the cat do 2 times ?", "nod", "jump", "spin", "wave",
                 "blink", "1", f"ACTION{prefix}", "1"]))
        (dataset / f"{prefix}_frameqa_question.csv").write_bytes(rows(
            ["gif_name", "question", "answer", "type", "vid_id", "key", "description"],
            ["tumblr_g1", "what color is the cat ?", "black", "2", f"FQ{prefix}1", "1", "x ."],
            ["tumblr_g2", "what is the man holding ?", "cup", "0", f"FQ{prefix}2", "2", "y ."],
            ["tumblr_g2", "what color is the cup ?", "black", "2", f"FQ{prefix}3", "2", "z ."]))
        (dataset / f"{prefix}_count_question.csv").write_bytes(rows(
            ["gif_name", "question", "answer", "vid_id", "key"],
            ["tumblr_g2", "How many times does the man sip ?", "3", f"COUNT{prefix}", "2"]))
    (tmp_path / "gifs").mkdir()
    for name, level in (("tumblr_g1", 33), ("tumblr_g2", 66)):
        write_video(tmp_path / "gifs" / f"{name}.mp4", np.full((4, 32, 32, 3), level, np.uint8),
                    fps=4)
        (tmp_path / "gifs" / f"{name}.mp4").rename(tmp_path / "gifs" / f"{name}.gif")
    return tmp_path


def test_tgif_tasks(tgif):
    action = TGIFQADataModule(tgif, task="action", batch_size=1,
                              video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(action.val_dataloader()))
    assert batch["choices"] == [["nod", "jump", "spin", "wave", "blink"]]
    assert batch["answer_index"].tolist() == [1] and batch["question_id"] == ["ACTIONTest"]
    assert int((batch["video"] * 255).round().flatten()[0]) == 33
    assert action.dataset_info() == {"num_choices": 5}
    frameqa = TGIFQADataModule(tgif, batch_size=3, video_backend="pyav").connect(PREPROCESS)
    info = frameqa.dataset_info()
    assert info["answer_vocab"] == ["black", "cup"] and info["question_types"] == ["0", "1", "2", "3"]
    batch = next(iter(frameqa.test_dataloader()))
    assert batch["answer"] == ["black", "cup", "black"] and batch["question_type"] == ["2", "0", "2"]
    count = TGIFQADataModule(tgif, task="count", batch_size=1,
                             video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(count.train_dataloader()))
    assert batch["answer"] == ["3"] and float(batch["answer"][0]) == 3.0
    assert batch["question_type"] == ["count"] and batch["choices"] == [[]]
    assert count.dataset_info() == {"answer_kind": "count", "metric": "mse", "answer_range": [0, 10]}
    with pytest.raises(ValueError, match="task must be one of"):
        TGIFQADataModule(tgif, task="repetition")
