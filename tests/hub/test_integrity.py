"""Tampering protection on every path that loads a checkpoint's weights or config.

A shipped checkpoint is loaded by its published name (``from_pretrained``, ``create_model``,
``create_transforms``, ``torch.hub.load(..., source="local")``, ``download``) and by its folder;
a published one comes from the Hub (pinned by the index, through ``hf-hub:``, at another
revision) and from the Hugging Face cache offline. On each path every file the loader reads is
tampered with in two ways — same size with one byte changed (the sha256 catches it) and one
byte shorter (the size catches it) — and the load must refuse with a
:class:`~zoo.hub.index.ChecksumError` that names the file. The tampered files stay valid
(safetensors that load, JSON that parses, a class name changed), so a loader that skipped a
check would silently return a wrong model instead of failing for another reason. The Hub and
cache paths are in ``test_integrity_hub.py``.
"""

import json
import shutil

import pytest
import torch
from hub_fixtures import module_home, tiny_weights, video  # noqa: F401
from tampering import LOADED_FILES, NAME, TAMPERS, ARCH, home, shipped, tamper  # noqa: F401

import zoo
import zoo.backbones.clip  # noqa: F401  (registers zoo-tiny with open_clip, which hub_fixtures needs)
from zoo.data.clip_transforms import create_transforms
from zoo.hub.folder import load_folder
from zoo.hub.index import ChecksumError, file_sha256, verify_file
from zoo.hub.load import download, resolve_config, resolve_folder


def _torch_hub(layout, ref):
    arch, _, tag = ref.partition(".")
    return torch.hub.load(str(layout.root), arch, source="local", pretrained=True,
                          tag=tag or None, trust_repo=True)


LOADERS = {
    "from_pretrained(name)": lambda layout, folder: zoo.from_pretrained(NAME),
    "from_pretrained(arch)": lambda layout, folder: zoo.from_pretrained(ARCH),
    "create_model(name)": lambda layout, folder: zoo.create_model(NAME),
    "create_model(arch, pretrained=True)": lambda layout, folder: zoo.create_model(ARCH, pretrained=True),
    "torch.hub.load(local)": lambda layout, folder: _torch_hub(layout, NAME),
    "from_pretrained(folder)": lambda layout, folder: zoo.from_pretrained(str(folder)),
    "download(name)": lambda layout, folder: download(NAME),
}
CONFIG_READERS = {
    "create_transforms(name)": lambda layout, folder: create_transforms(NAME),
    "resolve_config(name)": lambda layout, folder: resolve_config(NAME),
    "create_transforms(folder path of the shipped checkpoint)": lambda layout, folder: create_transforms(str(folder)),
}


def test_untampered_checkpoint_loads_on_every_path(home):
    layout, folder, expected = home
    for label, load in LOADERS.items():
        if label == "download(name)":
            assert load(layout, folder) == folder
            continue
        with torch.no_grad():
            assert torch.equal(load(layout, folder)(video()), expected), label
    for label, read in CONFIG_READERS.items():
        read(layout, folder)


@pytest.mark.parametrize("kind", sorted(TAMPERS))
@pytest.mark.parametrize("filename", LOADED_FILES)
@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_every_loading_path_refuses_a_tampered_file(home, loader, filename, kind):
    layout, folder, _ = home
    tamper(folder / filename, kind)
    with pytest.raises(ChecksumError) as error:
        LOADERS[loader](layout, folder)
    message = str(error.value)
    assert filename in message and str(folder / filename) in message
    assert ("bytes" in message) == (kind == "shortened")


@pytest.mark.parametrize("kind", sorted(TAMPERS))
@pytest.mark.parametrize("reader", sorted(CONFIG_READERS))
def test_every_config_reader_refuses_a_tampered_config(home, reader, kind):
    layout, folder, _ = home
    tamper(folder / "config.json", kind)
    with pytest.raises(ChecksumError, match="config.json"):
        CONFIG_READERS[reader](layout, folder)


def test_weights_and_their_config_record_changed_together_are_refused(home):
    """An edit that keeps config.json's own weights record consistent is caught by the index."""
    layout, folder, _ = home
    weights, config_path = folder / "model.safetensors", folder / "config.json"
    tamper(weights, "changed")
    config = json.loads(config_path.read_text())
    config["weights"]["sha256"] = file_sha256(weights)
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    for load in (LOADERS["from_pretrained(name)"], LOADERS["from_pretrained(folder)"],
                 LOADERS["torch.hub.load(local)"]):
        with pytest.raises(ChecksumError, match="config.json"):
            load(layout, folder)


@pytest.mark.parametrize("filename", ["README.md", "training_config.yaml"])
def test_download_verifies_every_file_and_loading_reads_only_the_two(home, filename):
    layout, folder, expected = home
    tamper(folder / filename, "changed")
    with pytest.raises(ChecksumError, match=filename):
        download(NAME)
    with torch.no_grad():  # the card is not an input of the model
        assert torch.equal(zoo.from_pretrained(NAME)(video()), expected)


def test_a_folder_outside_the_index_checks_its_weights_against_its_config(home, tmp_path):
    _, folder, expected = home
    copy = shutil.copytree(folder, tmp_path / NAME)
    with torch.no_grad():
        assert torch.equal(zoo.from_pretrained(str(copy))(video()), expected)
    for kind in TAMPERS:
        shutil.copyfile(folder / "model.safetensors", copy / "model.safetensors")
        tamper(copy / "model.safetensors", kind)
        with pytest.raises(ChecksumError, match="model.safetensors") as error:
            zoo.from_pretrained(str(copy))
        assert str(copy / "model.safetensors") in str(error.value)
        with pytest.raises(ChecksumError, match="model.safetensors"):  # resolved, before anyone reads it
            resolve_folder(str(copy))


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_load_folder_refuses_weights_that_differ_from_its_config(home, tmp_path, kind):
    _, folder, expected = home
    copy = shutil.copytree(folder, tmp_path / NAME)
    with torch.no_grad():
        assert torch.equal(load_folder(copy)(video()), expected)
    tamper(copy / "model.safetensors", kind)
    with pytest.raises(ChecksumError, match="model.safetensors") as error:
        load_folder(copy)
    assert str(copy / "model.safetensors") in str(error.value)


def test_verify_file_checks_size_then_sha256_and_names_the_file(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"abcd")
    good = {"sha256": file_sha256(path), "size": 4}
    verify_file(path, good, "weights.bin of X")  # no error
    assert good["sha256"] == "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"  # sha256("abcd")
    with pytest.raises(ChecksumError, match=r"weights.bin of X: .* has 4 bytes but 5 are recorded") as error:
        verify_file(path, {**good, "size": 5}, "weights.bin of X", fix="Fetch it again.")
    assert str(error.value).endswith("Fetch it again.")
    with pytest.raises(ChecksumError, match=r"weights.bin of X: .* has sha256 88d4.* but 00+ is recorded"):
        verify_file(path, {"sha256": "0" * 64, "size": 4}, "weights.bin of X")
    with pytest.raises(ChecksumError, match="sha256"):  # a record without size still checks the hash
        verify_file(path, {"sha256": "0" * 64}, "weights.bin of X")
    verify_file(path, {"sha256": good["sha256"]}, "weights.bin of X")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 5000)  # several read chunks
    import hashlib
    assert file_sha256(big, chunk=1000) == hashlib.sha256(big.read_bytes()).hexdigest()
