"""MSVD as exported from the world (``zoo.data.world.export.msvd``): ``AllVideoDescriptions.txt``,
the JSON copy of ``raw-captions.pkl``, CLIP4Clip's split lists and ``youtube_mapping.txt`` (vid
ranges scaled to the world's splits), read back through the parser and ``MSVDDataModule``."""

import re
import warnings

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import MSVDDataModule
from zoo.data.formats.msvd import (parse_msvd, read_msvd_caption_json, read_msvd_descriptions,
                                   read_youtube_mapping)
from zoo.data.world.export import export_world
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 2, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("msvd")
    manifest = export_world(out, formats=["msvd"], sizes=SIZES, seed=4, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=4) for split, n in SIZES.items()}
    owner = {c["ids"]["msvd"]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out / "msvd", owner, worlds


def test_captions_lists_and_mapping(export):
    root, owner, worlds = export
    text = (root / "AllVideoDescriptions.txt").read_text()
    assert text.startswith("#") and text.endswith("\n")
    descriptions = read_msvd_descriptions(root / "AllVideoDescriptions.txt")
    assert descriptions == read_msvd_caption_json(root / "msvd_data" / "raw-captions.json")
    for clip_id, (split, index) in owner.items():
        assert re.fullmatch(r"[A-Za-z0-9_-]{11}_\d+_\d+", clip_id)
        assert descriptions[clip_id] == worlds[split].clip(index).captions
    mapping = read_youtube_mapping(root / "youtube_mapping.txt")
    starts = {"train": 1, "val": 1201, "test": 1301}
    assert {clip_id: mapping[clip_id] for clip_id in owner} == {
        clip_id: starts[split] + index for clip_id, (split, index) in owner.items()}
    for split in ("train", "val", "test"):
        by_list = parse_msvd(root / "AllVideoDescriptions.txt",
                             split_list=root / "msvd_data" / f"{split}_list.txt")
        by_mapping = parse_msvd(descriptions, youtube_mapping=mapping, split=split)
        assert [owner[r.video_id] for r in by_list] == [(split, i) for i in range(SIZES[split])]
        assert [r.video_id for r in by_mapping] == [r.video_id for r in by_list]
        assert all((root / "YouTubeClips" / r.path).is_file() for r in by_list)


def test_datamodule_batches(export):
    root, owner, worlds = export
    default = MSVDDataModule(root, batch_size=3).connect(PREPROCESS)
    from_json = MSVDDataModule(root, captions="msvd_data/raw-captions.json", split_lists=None)
    for split in ("train", "val", "test"):
        assert [(r.video_id, r.captions) for r in default.records(split)] == [
            (r.video_id, r.captions) for r in from_json.records(split)]
    batch = next(iter(default.test_dataloader()))
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    for i, clip_id in enumerate(batch["video_id"]):
        split, index = owner[clip_id]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames))
        assert batch["captions"][i] == worlds[split].clip(index).captions


def test_oversized_splits_are_numbered_consecutively_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="exceed MSVD"):
        export_world(tmp_path, formats=["msvd"], sizes={"train": 0, "val": 101, "test": 0},
                     config=WorldConfig(num_frames=8, height=16, width=16, fps=8.0))
    numbers = sorted(read_youtube_mapping(tmp_path / "msvd" / "youtube_mapping.txt").values())
    assert numbers == list(range(1, 102))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_world(tmp_path, formats=["msvd"], sizes={"val": 100}, overwrite=True,
                     config=WorldConfig(num_frames=8, height=16, width=16, fps=8.0))
