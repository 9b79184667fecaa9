"""MSR-VTT datamodule with the official release's two JSON files (captioning / "full" splits) and
CLIP4Clip's unfolded (video, caption) training pairs, on tiny clips."""

from __future__ import annotations

import json

import numpy as np

from zoo.data.benchmarks import MSRVTTDataModule
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}


def release(path, ids, split_of):
    path.write_text(json.dumps({
        "info": {}, "videos": [{"category": 1, "url": "u", "video_id": f"video{i}",
                                "start time": 0.0, "end time": 9.0, "split": split_of(i),
                                "id": i} for i in ids],
        "sentences": [{"caption": f"v{i} c{k}", "video_id": f"video{i}", "sen_id": 10 * i + k}
                      for i in ids for k in range(2)]}))


def test_official_files_and_unfolded_pairs(tmp_path):
    release(tmp_path / "train_val_videodatainfo.json", range(3),
            lambda i: "validate" if i == 2 else "train")
    release(tmp_path / "test_videodatainfo.json", range(3, 4), lambda i: "test")
    (tmp_path / "videos" / "all").mkdir(parents=True)
    for i in range(4):
        write_video(tmp_path / "videos" / "all" / f"video{i}.mp4",
                    np.full((4, 32, 32, 3), 50 * i, np.uint8), fps=4)
    jsons = ["train_val_videodatainfo.json", "test_videodatainfo.json"]
    dm = MSRVTTDataModule(tmp_path, protocol="official", data_json=jsons, batch_size=2,
                          video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(dm.test_dataloader()))
    assert batch["video_id"] == ["video3"] and batch["captions"] == [["v3 c0", "v3 c1"]]
    assert int((batch["video"] * 255).round().flatten()[0]) == 150
    assert [r.video_id for r in dm.records("val")] == ["video2"]
    unfolded = MSRVTTDataModule(tmp_path, protocol="official", data_json=jsons, unfold_train=True)
    assert [r.captions for r in unfolded.records("train")] == [["v0 c0"], ["v0 c1"], ["v1 c0"],
                                                               ["v1 c1"]]
    assert len(unfolded.records("val")[0].captions) == 2  # only training is unfolded
