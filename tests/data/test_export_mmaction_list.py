"""The world as mmaction2 video lists (``zoo.data.world.export.mmaction_list``), read back through
``parse_video_list`` and ``VideoListDataModule``; the videos decode to the rendered frames."""

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import VideoListDataModule
from zoo.data.formats.mmaction_list import parse_video_list
from zoo.data.world.export import export_world
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS, SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("mmaction")
    manifest = export_world(out, formats=["mmaction_list"], sizes=SIZES, seed=2, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=2) for split, n in SIZES.items()}
    owner = {c["ids"]["mmaction_list"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "mmaction_list", owner, worlds


def test_lists_labels_and_batches(export):
    root, owner, worlds = export
    assert (root / "label_map.txt").read_text().splitlines() == [ACTION_PHRASES[a] for a in ACTIONS]
    for split in ("train", "val", "test"):
        records = parse_video_list(root / f"{split}.txt")
        assert [owner[r.video_id] for r in records] == [(split, i) for i in range(SIZES[split])]
        for record in records:
            clip = worlds[split].clip(owner[record.video_id][1])
            assert record.label == clip.label
            assert record.path == f"{ACTION_PHRASES[clip.action].replace(' ', '_')}/{clip.video_id}.mp4"
    dm = VideoListDataModule(root, val_list="val.txt", class_names="label_map.txt",
                             batch_size=3).connect(PREPROCESS)
    assert dm.dataset_info() == {"class_names": [ACTION_PHRASES[a] for a in ACTIONS]}
    for loader in (dm.train_dataloader(), dm.val_dataloader()):
        batch = next(iter(loader))
        pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
        for i, video_id in enumerate(batch["video_id"]):
            split, index = owner[video_id]
            frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
            assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
            assert batch["label"][i] == worlds[split].clip(index).label
