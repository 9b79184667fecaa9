"""VATEX datamodule end to end on tiny clips: English captions per clip, trimmed clips named by
``videoID`` or full videos sampled in ``[start, end]``, dead YouTube ids skipped and counted."""

from __future__ import annotations

import json

import numpy as np

from zoo.data.benchmarks import VATEXDataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}


def test_vatex_batches(tmp_path):
    train = [{"videoID": "a_b-C_000001_000003", "enCap": ["a man rows", "someone rows a boat"],
              "chCap": ["一个人在划船", "有人划船"]},
             {"videoID": "dead_000000_000010", "enCap": ["gone"], "chCap": ["没了"]}]
    for name in ("vatex_training_v1.0.json", "vatex_validation_v1.0.json",
                 "vatex_public_test_english_v1.1.json"):
        (tmp_path / name).write_text(json.dumps(train, ensure_ascii=False))
    (tmp_path / "videos").mkdir()
    write_video(tmp_path / "videos" / "a_b-C_000001_000003.mp4",
                np.full((4, 32, 32, 3), 77, np.uint8), fps=2)
    frames = np.arange(0, 80, 10, dtype=np.uint8)[:, None, None, None]
    write_video(tmp_path / "videos" / "a_b-C.mp4",
                np.broadcast_to(frames, (8, 32, 32, 3)).copy(), fps=2)  # 4 s, level = 10 x frame
    dm = VATEXDataModule(tmp_path, batch_size=1, video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(dm.val_dataloader()))
    assert batch["video_id"] == ["a_b-C_000001_000003"]
    assert batch["captions"] == [["a man rows", "someone rows a boat"]]
    assert int((batch["video"] * 255).round().flatten()[0]) == 77
    assert [r.video_id for r in dm.missing["val"]] == ["dead_000000_000010"]
    full = VATEXDataModule(tmp_path, trimmed=False, batch_size=1,
                           video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(full.val_dataloader()))  # [1 s, 3 s) of the full video: frames 2..5
    pixels = [int(f.flatten()[0]) for f in (batch["video"][0] * 255).round()]
    assert pixels == [30, 50]  # frames 3 and 5: the centres of two 1-s segments
    assert batch["frame_times"].tolist() == [[0.5, 1.5]]  # seconds from the clip start
