"""TAO and BURST datamodules on the world exported in their formats (``zoo export-world``): frames
read back from the frame folders equal the rendered ones, every object's box and category arrive
in the batch's ``tracks``, the open-vocabulary protocol drops novel tracks from training, and bad
input is named (file outside its folder, unknown image, track crossing videos, box outside the
frame, missing frame folder)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from zoo.data.benchmarks.tao import BURSTDataModule, TAODataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.world.export import export_world
from zoo.data.world.synthetic import NOVEL_SHAPES, SHAPES, SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 6, "val": 3, "test": 1}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("tao_dm")
    manifest = export_world(out, formats=["tao", "burst"], sizes=SIZES, seed=3, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=3) for split, n in SIZES.items()}
    # the world clip of each video, by its last name component (TAO "<split>/ZooWorld/v_<hash>",
    # BURST "ZooWorld/v_<hash>")
    owner = {c["ids"]["tao"].rsplit("/", 1)[1]: (c["split"], c["index"]) for c in manifest["clips"]}
    return out, owner, worlds


def check_batch(batch, owner, worlds, fps):
    """Pixels and tracks of a batch against the world: frame k of a clip sits at k / fps s."""
    for b, name in enumerate(batch["video_id"]):
        split, index = owner[name.rsplit("/", 1)[1]]
        clip = worlds[split].clip(index)
        frames = [round(float(t) * fps) for t in batch["frame_times"][b]]
        pixels = (batch["video"][b] * 255).round().permute(0, 2, 3, 1).numpy().astype(np.uint8)
        assert np.array_equal(pixels, worlds[split].render(index, frames=frames))
        tracks = batch["tracks"][b]
        assert tracks["categories"] == [o.shape for o in clip.objects]
        assert tracks["category_ids"].tolist() == [SHAPES.index(o.shape) + 1 for o in clip.objects]
        assert tracks["novel"].tolist() == [o.shape in NOVEL_SHAPES for o in clip.objects]
        for k, obj in enumerate(clip.objects):
            for t, frame in enumerate(frames):
                assert bool(tracks["visible"][t, k]) == bool(obj.visible[frame])
                if obj.visible[frame]:
                    yield tracks["boxes"][t, k].numpy(), np.asarray(obj.boxes[frame], np.float32)


def test_tao_batches_carry_frames_tracks_and_categories(export):
    out, owner, worlds = export
    dm = TAODataModule(out / "tao", batch_size=3).connect(PREPROCESS)
    info = dm.dataset_info()
    assert info["categories"] == list(SHAPES) and info["category_ids"] == [1, 2, 3, 4, 5, 6, 7]
    assert info["novel_categories"] == list(NOVEL_SHAPES) and info["novel_category_ids"] == [6, 7]
    assert info["base_categories"] == [s for s in SHAPES if s not in NOVEL_SHAPES]
    batch = next(iter(dm.val_dataloader()))
    pairs = list(check_batch(batch, owner, worlds, fps=1.0))  # annotated frames at 1 fps
    assert pairs and all(np.allclose(got, want, atol=1e-4) for got, want in pairs)
    assert [r.video_id for r in dm.records("test")] == [r.video_id for r in dm.records("val")]
    every = TAODataModule(out / "tao", frames="all", fps=8.0, batch_size=3).connect(PREPROCESS)
    pairs = list(check_batch(next(iter(every.val_dataloader())), owner, worlds, fps=8.0))
    assert pairs and all(np.allclose(got, want, atol=1e-4) for got, want in pairs)


def test_training_drops_novel_tracks_unless_kept(export):
    out, _, _ = export
    novel = lambda dm: [t.category for r in dm.records("train") for t in r.tracks if t.novel]
    kept = TAODataModule(out / "tao", train_novel="keep").connect(PREPROCESS)
    assert novel(kept), "the exported training split should hold a novel shape for this test"
    dropped = TAODataModule(out / "tao").connect(PREPROCESS)
    assert novel(dropped) == []
    assert sum(len(r.tracks) for r in kept.records("train")) == \
        sum(len(r.tracks) for r in dropped.records("train")) + len(novel(kept))
    with pytest.raises(ValueError, match="train_novel must be one of"):
        TAODataModule(out / "tao", train_novel="maybe")


def test_burst_batches_with_novel_ids(export):
    out, owner, worlds = export
    dm = BURSTDataModule(out / "burst", novel_category_ids=[6, 7], frames="all",
                         batch_size=3).connect(PREPROCESS)
    info = dm.dataset_info()
    assert info["novel_categories"] == ["star", "ring"] and info["category_ids"][0] == 1
    batch = next(iter(dm.val_dataloader()))
    pairs = list(check_batch(batch, owner, worlds, fps=CONFIG.fps))
    # BURST boxes come from masks (the box filled in as whole pixels): within one pixel
    assert pairs and all(np.abs(got - want).max() <= 1.0 for got, want in pairs)


def edited_copy(export, tmp_path, edit):
    out, _, _ = export
    root = tmp_path / "tao"
    shutil.copytree(out / "tao" / "annotations", root / "annotations")
    (root / "frames").symlink_to(out / "tao" / "frames")
    path = root / "annotations" / "validation.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    return root


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["images"][0].update(file_name="elsewhere/frame0001.png"),
     r"images\[0\].*not inside its video's frame folder"),
    (lambda d: d["annotations"][0].update(image_id=10 ** 6), "refers to an unknown image"),
    (lambda d: d["tracks"][0].update(video_id=d["videos"][-1]["id"]), "crosses videos"),
    (lambda d: d["annotations"][0].update(bbox=[500.0, 500.0, 4.0, 4.0]), "annotations\\[0\\]"),
])
def test_bad_annotations_are_named(export, tmp_path, edit, message):
    root = edited_copy(export, tmp_path, edit)
    dm = TAODataModule(root).connect(PREPROCESS)
    with pytest.raises(AnnotationError, match=message):
        dm.records("val")


def test_missing_frame_folders_raise_or_are_skipped(export, tmp_path):
    out, _, _ = export
    root = tmp_path / "tao"
    shutil.copytree(out / "tao", root)
    name = json.loads((root / "annotations" / "validation.json").read_text())["videos"][0]["name"]
    assert (root / "frames" / name).is_dir()
    shutil.rmtree(root / "frames" / name)
    with pytest.raises(FileNotFoundError, match="1 of 3 rows have no video"):
        TAODataModule(root).connect(PREPROCESS).records("val")
    dm = TAODataModule(root, missing_videos="skip").connect(PREPROCESS)
    assert len(dm.records("val")) == 2 and [r.video_id for r in dm.missing["val"]] == [name]
