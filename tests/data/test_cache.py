"""The frozen-feature cache: batches from the cache equal batches from pixels, keys catch every
change of input, pixel augmentation is refused, and ``zoo cache-features`` builds what ``zoo fit``
reads."""

import json
from pathlib import Path

import pytest
import torch

from zoo.data.cache import CachedFrames, ClipFields, FeatureCacheSpec, collate_clip_fields
from zoo.data.cache.attach import prepare_splits, split_key
from zoo.data.cache.store import FeatureCache, StaleCacheError
from zoo.data.datasets import VideoDataset
from zoo.data.world.datamodule import WorldDataModule
from zoo.tasks import RecognitionTask

WORLD = dict(train_size=6, val_size=2, test_size=3, batch_size=3, world_frames=8, height=32, width=32)


def make_task(paradigm="postnet", variant=None, **model):
    torch.manual_seed(0)
    spec = {"paradigm": paradigm, "backbone": "tiny", "num_frames": 4, "backbone_pretrained": False, **model}
    if variant:
        spec["variant"] = variant
    return RecognitionTask(model=spec, class_names=[str(i) for i in range(10)], head="linear")


def datamodules(task, root, spec=None, **world):
    """(pixels, cached) world datamodules with identical settings."""
    options = {**WORLD, **world}
    pixels = WorldDataModule(**options).connect(task.preprocess)
    cached = WorldDataModule(**options).connect(task.preprocess)
    cached.feature_cache = spec or FeatureCacheSpec(root=str(root), progress=False)
    cached.bind_model(task)
    return pixels, cached


def batches(datamodule, split, epoch=0):
    datamodule.setup({"train": "fit", "val": "fit", "test": "test"}[split])
    loader = datamodule._loader(split)
    loader.sampler.set_epoch(epoch)
    return list(loader)


def assert_features_close(pixels, cached, tolerance=1e-5, tokens=True):
    """Features from pixels and from the cache agree (patch tokens only where cached)."""
    assert pixels.views == cached.views and pixels.grid == cached.grid
    assert (cached.tokens is not None) == tokens
    for name in ("video", "frames", "pooled") + (("tokens",) if tokens else ()):
        x, y = getattr(pixels, name), getattr(cached, name)
        assert x.shape == y.shape, name
        assert (x - y).abs().max().item() <= tolerance, name


@pytest.mark.parametrize("epoch", [0, 1])
def test_cached_training_batches_equal_pixel_batches(tmp_path, epoch):
    task = make_task(variant="seqtransf").eval()
    pixels, cached = datamodules(task, tmp_path, FeatureCacheSpec(root=str(tmp_path), tokens=True, progress=False))
    for p, c in zip(batches(pixels, "train", epoch), batches(cached, "train", epoch)):
        assert isinstance(c["video"], CachedFrames) and len(c["video"]) == len(p["video"])
        assert p["video_id"] == c["video_id"] and p["question"] == c["question"]
        assert torch.equal(p["frame_times"], c["frame_times"]) and torch.equal(p["label"], c["label"])
        assert torch.equal(p["boxes"], c["boxes"]) and torch.equal(p["frame_mask"], c["frame_mask"])
        with torch.no_grad():
            assert_features_close(task.encode_video(p["video"]), task.encode_video(c["video"]))


def test_cached_multi_view_test_batches_equal_pixel_batches(tmp_path):
    task = make_task(variant="meanp").eval()
    pixels, cached = datamodules(task, tmp_path, test_clips=2)
    (p,), (c,) = batches(pixels, "test"), batches(cached, "test")
    assert p["video"].dim() == 6 and c["video"].views == 2 and len(c["video"]) == 3
    with torch.no_grad():
        assert_features_close(task.encode_video(p["video"]), task.encode_video(c["video"]), tokens=False)
        assert torch.allclose(task(p["video"]), task(c["video"]), atol=1e-6)


def test_side_network_from_cache_equals_pixels(tmp_path):
    task = make_task("side").eval()
    with torch.no_grad():  # EVL's tables start at zero: give them values so the test can fail
        for parameter in task.model.decoder.parameters():
            parameter.normal_(0, 0.05)
    pixels, cached = datamodules(task, tmp_path)
    p, c = batches(pixels, "train")[0], batches(cached, "train")[0]
    assert set(c["video"].fields) == {"embeddings", *(f"{k}{j}" for j in range(4) for k in ("layer", "q", "k"))}
    with torch.no_grad():
        from_pixels, from_cache = task.encode_video(p["video"]), task.encode_video(c["video"])
    assert_features_close(from_pixels, from_cache, tokens=False)
    assert from_cache.grid == from_pixels.grid == task.model.grid  # what spatial heads read


def test_a_training_step_from_cache_equals_one_from_pixels(tmp_path):
    task = make_task(variant="seqtransf")
    pixels, cached = datamodules(task, tmp_path)
    gradients = []
    for batch in (batches(pixels, "train")[0], batches(cached, "train")[0]):
        task.zero_grad(set_to_none=True)
        loss = task.task_loss(batch, task.encode_video(batch["video"])).loss
        loss.backward()
        gradients.append((loss.item(), {n: p.grad.clone() for n, p in task.named_parameters() if p.requires_grad}))
    (loss_p, grads_p), (loss_c, grads_c) = gradients
    assert abs(loss_p - loss_c) <= 1e-6
    assert grads_p.keys() == grads_c.keys() and any(g.abs().sum() > 0 for g in grads_p.values())
    for name in grads_p:
        assert (grads_p[name] - grads_c[name]).abs().max() <= 1e-6, name


def test_the_key_changes_with_every_input_and_a_stale_cache_is_refused(tmp_path):
    task = make_task(variant="meanp")
    _, cached = datamodules(task, tmp_path)
    first = prepare_splits(cached, task.model, ["train"], "32-true")["train"]
    assert prepare_splits(cached, task.model, ["train"], "32-true")["train"] == first  # reused
    key = split_key(cached, "train", task.model, "32-true")
    with torch.no_grad():
        task.model.backbone.clip.visual.proj.add_(1e-3)
    changed = split_key(cached, "train", task.model, "32-true")
    assert changed["model"]["visual_sha256"] != key["model"]["visual_sha256"]
    with pytest.raises(StaleCacheError, match="model"):
        FeatureCache(first, expected_key=changed)
    _, other_world = datamodules(task, tmp_path, world_seed=1)
    assert split_key(other_world, "train", task.model, "32-true")["data"] != changed["data"]
    assert split_key(cached, "train", task.model, "bf16-mixed")["model"]["autocast"] == "bfloat16"
    # the loaders check the weights again (a checkpoint restored after setup could change them)
    cached.datasets["train"] = cached.make_dataset("train")
    with torch.no_grad():
        task.model.backbone.clip.visual.proj.sub_(2e-3)
    with pytest.raises(StaleCacheError, match="no longer matches"):
        cached._loader("train")


def test_pixel_augmentation_is_refused_and_centre_crops_are_an_option(tmp_path):
    task = make_task(variant="meanp")
    _, flipping = datamodules(task, tmp_path, train_flip=True)
    with pytest.raises(ValueError, match="flip"):
        flipping.setup("fit")
    with pytest.raises(ValueError, match="train_flip"):
        WorldDataModule.__bases__[0](feature_cache=str(tmp_path), train_flip=True)
    # 32 x 48 frames resized to 64 x 96: a random 64 x 64 crop of them is not what the cache holds
    _, wide = datamodules(task, tmp_path, width=48)
    wide.setup("fit")
    with pytest.raises(ValueError, match="random crops"):
        wide.datasets["train"][0]
    _, centred = datamodules(task, tmp_path, FeatureCacheSpec(root=str(tmp_path), train_crop="center",
                                                              progress=False), width=48)
    centred.setup("fit")
    assert centred.datasets["train"][0]["video"].fields["embeddings"].shape == (4, 128)


def test_paradigms_that_train_their_backbone_cannot_read_a_cache(tmp_path):
    task = make_task("lora")
    _, cached = datamodules(task, tmp_path)
    with pytest.raises(TypeError, match="cannot train from a frozen-feature cache"):
        cached.setup("fit")
    frames = CachedFrames({"embeddings": torch.zeros(2, 4, 128)})
    with pytest.raises(TypeError, match="encode_frozen"):
        task.encode_video(frames)


def test_frame_stride_caches_every_kth_frame(tmp_path):
    task = make_task(variant="meanp").eval()
    pixels, cached = datamodules(task, tmp_path, FeatureCacheSpec(root=str(tmp_path), frame_stride=2, progress=False))
    cached.setup("test")
    cache = cached.datasets["test"].cache
    record = cached.datasets["test"].records[0]
    video = cache.video(record)
    assert video.num_frames == 4 and video.fps == pytest.approx(4.0) and video.duration == pytest.approx(1.0)
    pixels.setup("test")
    frames = pixels.datasets["test"].source(record).get_frames([0, 2, 4, 6])
    clip = pixels.datasets["test"].transform(frames).video
    with torch.no_grad():
        expected = task.model.frozen_frame_features(clip)["embeddings"]
    assert (video.fields["embeddings"][:, 0] - expected).abs().max() <= 1e-5
    # the cached sampler takes all 4 cached frames: video frames 0, 2, 4, 6, as this pixel dataset
    base = pixels.datasets["test"]
    every_other = VideoDataset(base.records, base.source, lambda n, rng: [[0, 2, 4, 6]], base.transform, train=False)
    sample, pixel_sample = cached.datasets["test"][0], every_other[0]
    assert torch.allclose(sample["frame_times"], torch.tensor([0.0, 0.25, 0.5, 0.75]))
    assert torch.equal(sample["frame_times"], pixel_sample["frame_times"])
    assert torch.equal(sample["boxes"], pixel_sample["boxes"])  # boxes of video frames 0, 2, 4, 6
    assert torch.equal(sample["frame_mask"], pixel_sample["frame_mask"])


def test_half_precision_storage_is_half_the_size(tmp_path):
    task = make_task(variant="meanp")
    sizes = {}
    for dtype in ("float32", "float16"):
        _, cached = datamodules(task, tmp_path, FeatureCacheSpec(root=str(tmp_path), dtype=dtype, progress=False))
        folder = Path(prepare_splits(cached, task.model, ["val"], "32-true")["val"])
        sizes[dtype] = sum(p.stat().st_size for p in folder.glob("chunk-*.bin"))
        assert FeatureCache(str(folder)).video(cached.records("val")[0]).fields["embeddings"].dtype == getattr(torch, dtype)
    assert sizes["float16"] < 0.6 * sizes["float32"]


def test_a_half_precision_cache_feeds_a_float32_temporal_transformer(tmp_path):
    """Stored in float16, read at the model's precision: seqTransf's layers get float32 inputs and
    the features match those from a float32 cache to half precision's resolution."""
    task = make_task(variant="seqtransf").eval()
    features = {}
    for dtype in ("float32", "float16"):
        _, cached = datamodules(task, tmp_path / dtype, FeatureCacheSpec(root=str(tmp_path / dtype), dtype=dtype,
                                                                         tokens=True, progress=False))
        batch = batches(cached, "val")[0]
        with torch.no_grad():
            features[dtype] = task.encode_video(batch["video"])
    assert features["float16"].frames.dtype == torch.float32
    assert_features_close(features["float32"], features["float16"], tolerance=2e-2)


def test_collate_pads_variable_length_clips_and_rejects_mismatches():
    short, long = ClipFields({"e": torch.ones(2, 3)}), ClipFields({"e": torch.ones(4, 3)})
    batch = collate_clip_fields([short, long], pad=True)
    assert batch.fields["e"].shape == (2, 4, 3) and batch.fields["e"][0, 2:].abs().sum() == 0
    with pytest.raises(ValueError, match="variable-length"):
        collate_clip_fields([short, long])
    with pytest.raises(ValueError, match="views"):
        CachedFrames({"e": torch.zeros(3, 2, 1)}, views=2)


def test_cache_features_command_builds_what_fit_reads(tmp_path, capsys):
    from zoo.commands import main

    root = tmp_path / "cache"
    overrides = ["--recipe", "recognition/postnet", "--model.model.backbone_pretrained", "false",
                 "--model.model.variant", "meanp", "--model.model.num_frames", "4",
                 *[part for k, v in WORLD.items() if k != "batch_size"
                   for part in (f"--data.init_args.{k}", str(v))]]
    assert main(["cache-features", "--root", str(root), "--splits", "train,val", "--", *overrides]) == 0
    printed = capsys.readouterr().out
    folders = sorted(p.parent for p in root.glob("*/key.json"))
    assert len(folders) == 2 and all(str(f) in printed for f in folders)
    keys = [json.loads((f / "key.json").read_text()) for f in folders]
    assert sorted(k["data"]["split"] for k in keys) == ["train", "val"]
    assert all(json.loads((f / "videos.json").read_text())["frames"] > 0 for f in folders)


def test_fit_reads_the_cache_from_the_command_line(tmp_path, monkeypatch):
    """What ``zoo demo`` runs: ``zoo cache-features``, then ``zoo fit`` with
    ``--data.init_args.feature_cache.root DIR --data.init_args.feature_cache.build false``
    (the world's datamodule takes ``feature_cache`` like every other)."""
    import sys

    from zoo.commands import main
    from zoo.data.cache.dataset import CachedVideoDataset
    from zoo.runner import run_cli

    root = tmp_path / "cache"
    overrides = ["--recipe", "recognition/postnet", "--model.model.backbone_pretrained", "false",
                 "--model.model.variant", "meanp", "--model.model.num_frames", "4",
                 *[part for k, v in WORLD.items() for part in (f"--data.init_args.{k}", str(v))]]
    assert main(["cache-features", "--root", str(root), "--splits", "train,val", "--", *overrides]) == 0
    monkeypatch.setattr(sys, "argv", ["zoo"])
    fit = run_cli(["fit", *overrides, "--data.init_args.feature_cache.root", str(root),
                   "--data.init_args.feature_cache.build", "false", "--trainer.max_epochs", "1",
                   "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false",
                   "--trainer.logger.init_args.save_dir", str(tmp_path), "--trainer.logger.init_args.name", "run"])
    datamodule = fit.trainer.datamodule
    assert datamodule.feature_cache.root == str(root) and datamodule.feature_cache.build is False
    assert isinstance(datamodule.datasets["train"], CachedVideoDataset)
    assert fit.trainer.global_step == 2  # 6 clips, batches of 3


def test_batch_keys_restrict_pixel_and_cached_batches_alike(tmp_path):
    """A task's ``batch_keys`` (through ``connect``) leave the world's boxes and tracks out of a
    recognition batch, from pixels and from the cache; what remains is unchanged."""
    task = make_task(variant="meanp").eval()
    full, _ = datamodules(task, tmp_path)
    pixels, cached = datamodules(task, tmp_path)
    for datamodule in (pixels, cached):
        datamodule.connect(task.preprocess, batch_keys=RecognitionTask.batch_keys)
    reference = batches(full, "train")
    assert "boxes" in reference[0] and "tracks" in reference[0]
    for f, p, c in zip(reference, batches(pixels, "train"), batches(cached, "train")):
        assert set(p) == set(c) == {"video", "video_id", "frame_times", "label"}
        assert p["video_id"] == c["video_id"] == f["video_id"]
        assert torch.equal(p["label"], f["label"]) and torch.equal(c["frame_times"], f["frame_times"])
        assert torch.equal(p["video"], f["video"])


def test_spatio_temporal_grounding_evaluates_from_the_cache_as_from_pixels(tmp_path):
    """stgrounding's losses and tubes need the input size and the frame count, which a batch of
    cached features does not carry as pixels: the same loss, tubes and metrics either way."""
    from zoo.tasks import STGroundingTask

    torch.manual_seed(0)
    task = STGroundingTask(model={"paradigm": "postnet", "backbone": "tiny", "num_frames": 4,
                                  "backbone_pretrained": False}, width=32, heads=2, dropout=0.0).eval()
    pixels, cached = datamodules(task, tmp_path, FeatureCacheSpec(root=str(tmp_path), tokens=True, progress=False),
                                 grounding=True, world_frames=16, test_clips=2)
    pixel_batches, cached_batches = batches(pixels, "test"), batches(cached, "test")
    assert all(isinstance(c["video"], CachedFrames) and c["video"].views == 2 for c in cached_batches)
    scores = []
    with torch.no_grad():
        for loader in (pixel_batches, cached_batches):
            metrics, tubes = task.make_metrics(), []
            for batch in loader:
                tubes += task.update_metrics(metrics, batch, "test")
            scores.append(({k: float(v) for k, v in task.compute_metrics(metrics).items()}, tubes))
    (metrics_p, tubes_p), (metrics_c, tubes_c) = scores
    assert metrics_p.keys() == metrics_c.keys() and "m_vIoU" in metrics_p
    for name in metrics_p:
        assert metrics_p[name] == pytest.approx(metrics_c[name], abs=1e-5), name
    for a, b in zip(tubes_p, tubes_c, strict=True):
        assert (a.start, a.end) == (b.start, b.end) and torch.allclose(a.boxes, b.boxes, atol=1e-3)
    train_p, train_c = batches(pixels, "train")[0], batches(cached, "train")[0]
    losses = [task.task_loss(batch, task.encode_video(batch["video"])).loss.item() for batch in (train_p, train_c)]
    assert losses[0] == pytest.approx(losses[1], abs=1e-5)
