"""Tampering, for the integrity tests: one shipped checkpoint in a temporary zoo home, and valid
files with one meaningful byte changed or one byte missing."""

import json
from pathlib import Path

import pytest
import torch
from hub_fixtures import CLASS_NAMES, make_task, video

import zoo.backbones.clip  # noqa: F401  (registers zoo-tiny with open_clip, which hub_fixtures needs)
from zoo.hub import sync
from zoo.hub.export import register_folder
from zoo.hub.folder import save_pretrained

ARCH = "postnet_recognition_tiny"
NAME = f"{ARCH}.shipped"
LOADED_FILES = ("model.safetensors", "config.json")


# ---------------------------------------------------------------------- tampering, by hand
def changed_byte(data: bytes, name: str) -> bytes:
    """Same size, one meaningful byte changed, still a valid file of its kind."""
    if name == "config.json":
        text = data.decode()
        assert CLASS_NAMES[0] in text
        changed = text.replace(CLASS_NAMES[0], CLASS_NAMES[0][:-1] + CLASS_NAMES[0][-1].upper(), 1)
        assert len(changed) == len(text) and json.loads(changed)
        return changed.encode()
    if name == "model.safetensors":
        header = 8 + int.from_bytes(data[:8], "little")
        # the last byte of the data section: the high byte of the last float32
        return data[:-1] + bytes([data[-1] ^ 0x01]) if len(data) > header else data
    return data[:-1] + bytes([data[-1] ^ 0x20])


def shortened(data: bytes, name: str) -> bytes:
    """One byte shorter (a truncated download)."""
    if name == "config.json":  # still valid JSON: drop the trailing newline
        assert data.endswith(b"\n")
    return data[:-1]


TAMPERS = {"changed": changed_byte, "shortened": shortened}


@pytest.fixture(scope="module")
def shipped(module_home):
    """One checkpoint shipped under the home's checkpoints/, registered and synced; each test
    gets it back byte for byte."""
    task = make_task("meanp", seed=11)
    folder = save_pretrained(task, module_home.checkpoints / NAME, training_config={"seed_everything": 0})
    register_folder(folder)
    sync.write(module_home)
    with torch.no_grad():
        expected = task(video())
    return module_home, folder, expected


@pytest.fixture
def home(shipped):
    layout, folder, expected = shipped
    saved = {p: p.read_bytes() for p in folder.iterdir()}
    yield layout, folder, expected
    for path in set(folder.iterdir()) - set(saved):
        path.unlink()
    for path, data in saved.items():
        path.write_bytes(data)


def tamper(path: Path, kind: str) -> None:
    original = path.read_bytes()
    path.write_bytes(TAMPERS[kind](original, path.name))
    assert path.read_bytes() != original


