"""Pretrained folders: delta storage, exact round-trips, sha256-checked backbones, strict keys."""

import json

import pytest
import torch
from hub_fixtures import CLASS_NAMES, METRICS, NUM_FRAMES, PROTOCOL, make_task, tiny_weights, video, write_tiny_weights, zoo_home  # noqa: F401
from safetensors.torch import load_file, save_file

import zoo
from zoo.data.clip_transforms import create_transforms
from zoo.hub.index import ChecksumError, file_record
from zoo.hub.folder import load_folder, read_config, save_pretrained


@pytest.mark.parametrize("variant", ["meanp", "seqtransf"])
def test_delta_round_trip_is_exact(zoo_home, tmp_path, variant):
    task = make_task(variant)
    folder = save_pretrained(task, tmp_path / f"postnet_recognition_tiny.{variant}_t", METRICS,
                             PROTOCOL, training_config={"model": {"init_args": {"variant": variant}}})
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md", "config.json", "model.safetensors", "training_config.yaml"]
    stored = load_file(str(folder / "model.safetensors"))
    # only the head and the temporal module: nothing of the frozen backbone
    assert all(k.startswith(("head.", "model.temporal.")) for k in stored)
    assert any(k.startswith("head.") for k in stored)
    assert any(k.startswith("model.temporal.") for k in stored) == (variant == "seqtransf")
    expected_stored = sum(t.numel() for t in task.model.delta_state_dict().values()) + \
        sum(p.numel() for p in task.head.parameters())
    config = read_config(folder)
    assert config["parameters"] == {**{k: v for k, v in task.parameter_counts().items()},
                                    "stored": expected_stored}
    assert config["weights"]["storage"] == "delta"

    loaded = zoo.from_pretrained(str(folder))
    assert not loaded.training and type(loaded) is type(task)
    for key, value in task.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    with torch.no_grad():
        assert torch.equal(loaded(video()), task(video()))


def test_config_records_everything_to_rebuild(zoo_home, tmp_path):
    task = make_task("seqtransf")
    config = read_config(save_pretrained(task, tmp_path / "postnet_recognition_tiny.t", METRICS, PROTOCOL))
    assert config["name"] == "postnet_recognition_tiny.t" and config["arch"] == "postnet_recognition_tiny"
    assert config["zoo_version"] == zoo.__version__
    assert config["task"]["id"] == "recognition"
    assert config["task"]["args"]["class_names"] == CLASS_NAMES
    assert config["task"]["args"]["head"] == "linear"
    assert not any(k.startswith("_") or k == "backbone_pretrained" for k in config["task"]["args"])
    assert config["paradigm"] == {"id": "postnet", "variant": "seqtransf", "num_frames": NUM_FRAMES,
                                  "args": {"layers": 4}}
    backbone = task.model.backbone
    assert config["backbone"] == {"id": "tiny", "open_clip_name": "zoo-tiny", "pretrained": "zoo",
                                  "weights_sha256": backbone.weights_sha256}
    assert len(backbone.weights_sha256) == 64
    assert config["preprocessing"] == {**task.preprocess, "sampling": "uniform", "frame_stride": 1, "fps": 8.0}
    assert config["evaluation"] == {"dataset": "world", "split": "test", "num_frames": NUM_FRAMES,
                                    "clips": 2, "crops": 1,
                                    "metrics": {"top1": 0.8125, "top5": 1.0, "mean_class": 0.75}}
    weights = config["weights"]
    assert {k: weights[k] for k in ("sha256", "size")} == file_record(tmp_path / "postnet_recognition_tiny.t" / "model.safetensors")


def test_random_backbone_is_stored_in_full(zoo_home, tmp_path):
    task = make_task("meanp", backbone_pretrained=False)
    folder = save_pretrained(task, tmp_path / "postnet_recognition_tiny.random")
    config = read_config(folder)
    assert config["weights"]["storage"] == "full" and config["backbone"]["pretrained"] is None
    assert set(load_file(str(folder / "model.safetensors"))) == set(task.state_dict())
    loaded = zoo.from_pretrained(str(folder))
    with torch.no_grad():
        assert torch.equal(loaded(video()), task(video()))


def test_changed_backbone_weights_are_refused_naming_both_hashes(zoo_home, tmp_path):
    task = make_task("meanp")
    folder = save_pretrained(task, tmp_path / "postnet_recognition_tiny.t")
    trained_on = task.model.backbone.weights_sha256
    tiny = zoo_home.checkpoints / "backbones" / "tiny"
    (tiny / "open_clip_model.safetensors").unlink()
    write_tiny_weights(tiny, seed=99)  # a "retrained" tiny backbone
    with pytest.raises(ValueError) as error:
        zoo.from_pretrained(str(folder))
    rebuilt = zoo.create_backbone("tiny", pretrained="zoo").weights_sha256
    assert trained_on in str(error.value) and rebuilt in str(error.value) and rebuilt != trained_on


def _rewrite_weights(folder, change):
    """Edit the stored tensors and re-record their checksum (a consistent but wrong file)."""
    state = load_file(str(folder / "model.safetensors"))
    change(state)
    save_file(state, str(folder / "model.safetensors"))
    config = json.loads((folder / "config.json").read_text())
    config["weights"].update(file_record(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps(config))


def test_missing_and_unexpected_keys_are_refused(zoo_home, tmp_path):
    folder = save_pretrained(make_task("seqtransf"), tmp_path / "postnet_recognition_tiny.t")
    _rewrite_weights(folder, lambda s: s.pop("model.temporal.position_embedding"))
    with pytest.raises(KeyError, match=r"missing \['model.temporal.position_embedding'\]"):
        zoo.from_pretrained(str(folder))
    _rewrite_weights(folder, lambda s: s.update({"model.temporal.position_embedding": torch.zeros(128, 128),
                                                 "model.backbone.clip.logit_scale": torch.zeros(())}))
    with pytest.raises(KeyError, match=r"unexpected \['model.backbone.clip.logit_scale'\]"):
        zoo.from_pretrained(str(folder))


def test_changed_weights_file_fails_its_checksum(zoo_home, tmp_path):
    folder = save_pretrained(make_task("meanp"), tmp_path / "postnet_recognition_tiny.t")
    state = load_file(str(folder / "model.safetensors"))
    state["head.1.bias"] = state["head.1.bias"] + 1
    save_file(state, str(folder / "model.safetensors"))
    with pytest.raises(ChecksumError, match="model.safetensors"):
        zoo.from_pretrained(str(folder))


def test_bad_inputs_name_the_field(zoo_home, tmp_path):
    task = make_task("meanp")
    with pytest.raises(ValueError, match="does not match the model's architecture"):
        save_pretrained(task, tmp_path / "postnet_retrieval_tiny.t")
    with pytest.raises(ValueError, match="unknown keys \\['views'\\]"):
        save_pretrained(task, tmp_path / "postnet_recognition_tiny.t", protocol={"views": 3})
    with pytest.raises(ValueError, match="metrics need the dataset"):
        save_pretrained(task, tmp_path / "postnet_recognition_tiny.t", metrics=METRICS)
    with pytest.raises(ValueError, match="num_frames=8 but the model takes 4"):
        save_pretrained(task, tmp_path / "postnet_recognition_tiny.t", protocol={"num_frames": 8})
    with pytest.raises(FileNotFoundError, match="config.json is missing"):
        load_folder(tmp_path)


def test_create_transforms_from_the_stored_preprocessing(zoo_home, tmp_path):
    task = make_task("meanp")
    folder = save_pretrained(task, tmp_path / "postnet_recognition_tiny.t", METRICS, PROTOCOL)
    loaded = zoo.from_pretrained(str(folder))
    for source in (task, loaded, str(folder), read_config(folder), task.preprocess):
        transforms = create_transforms(source, clips=2, crops=3)
        assert transforms.sampler.num_frames == NUM_FRAMES and transforms.num_views == 6
        assert transforms.transform.size == (64, 64)
        assert transforms.transform.mean.tolist() == pytest.approx(task.preprocess["mean"])
    frames = torch.randint(0, 256, (16, 80, 96, 3), dtype=torch.uint8).numpy()
    clip = create_transforms(loaded, clips=2, crops=3)(frames)
    assert clip.shape == (6, NUM_FRAMES, 3, 64, 64)
    with torch.no_grad():
        assert loaded(clip[None]).shape == (1, len(CLASS_NAMES))
    single = create_transforms(loaded)(frames)
    # the centre clip of 16 frames in 4 segments takes frames 2, 6, 10, 14
    expected = create_transforms(task.preprocess).transform(frames[[2, 6, 10, 14]]).video
    assert torch.equal(single[0], expected)
    with pytest.raises(TypeError, match="create_transforms takes"):
        create_transforms(42)


def test_tied_entries_are_stored_apart_and_round_trip(tmp_path):
    """Two entries sharing memory (tied weights, a view of another entry) are written as separate
    tensors with the same values: safetensors refuses shared memory, and a round trip keeps both."""
    from safetensors.torch import load_file, save_file

    from zoo.hub.folder import _to_saveable

    weight = torch.arange(12.0).reshape(3, 4)
    state = {"encoder.weight": weight, "decoder.weight": weight, "row": weight[1], "empty": torch.zeros(0)}
    saveable = _to_saveable(state)
    pointers = [t.untyped_storage().data_ptr() for t in saveable.values() if t.numel()]
    assert len(set(pointers)) == len(pointers)
    save_file(saveable, tmp_path / "model.safetensors")
    loaded = load_file(tmp_path / "model.safetensors")
    assert set(loaded) == set(state)
    for key, tensor in state.items():
        assert torch.equal(loaded[key], tensor), key
