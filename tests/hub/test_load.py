"""Hugging Face Hub downloads against a local fake Hub (HEAD/GET on 127.0.0.1), in subprocesses:
huggingface_hub reads HF_ENDPOINT / HF_HUB_CACHE / HF_HUB_OFFLINE when it is imported."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from hub_fixtures import FakeHub, make_task, tiny_weights, video, zoo_home  # noqa: F401
from safetensors.torch import save_file

import zoo
from zoo.hub.export import register_folder as register
from zoo.hub.load import parse_hub_ref
from zoo.hub.index import load_index, save_index
from zoo.hub.paths import REPO_ROOT
from zoo.hub.folder import save_pretrained

NAME = "postnet_recognition_tiny.hubtest"
REPO_ID = f"zoo-models/{NAME}"
REVISION = "0123456789abcdef0123456789abcdef01234567"

CHILD = r'''
import sys, time
mode, name, expected_path = sys.argv[1:4]
if mode == "unreachable":
    time.sleep = lambda seconds: None  # skip huggingface_hub's retry back-off (about 23 s)
import torch
from safetensors.torch import load_file
import zoo
from zoo.commands import main
from zoo.hub.load import HubUnavailableError
from zoo.hub.index import ChecksumError

expected = load_file(expected_path)

def load_and_compare(ref):
    model = zoo.from_pretrained(ref)
    with torch.no_grad():
        assert torch.equal(model(expected["video"]), expected["output"]), ref
    print("EQUAL", ref)

def expect_error(kind, fn):
    try:
        fn()
    except kind as error:
        print(f"{kind.__name__}: {error}")
    else:
        raise AssertionError(f"no {kind.__name__}")

if mode == "online":
    assert main(["download", name]) == 0
    load_and_compare(name)
    load_and_compare(sys.argv[4])          # hf-hub:org/name, revision pinned by the index
elif mode == "offline":
    load_and_compare(name)
    expect_error(HubUnavailableError, lambda: zoo.from_pretrained(name, cache_dir=sys.argv[4]))
    blob = sys.argv[5]
    data = bytearray(open(blob, "rb").read()); data[-1] ^= 0xFF
    open(blob, "wb").write(bytes(data))
    expect_error(ChecksumError, lambda: zoo.from_pretrained(name))
elif mode == "unreachable":
    expect_error(HubUnavailableError, lambda: zoo.hub.load.download(name, cache_dir=sys.argv[4]))
'''


def _run_child(script: Path, env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, str(script), *args], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_download_cache_offline_tamper_and_unreachable(zoo_home, tmp_path):
    task = make_task("seqtransf")
    folder = save_pretrained(task, tmp_path / "export" / NAME)  # not shipped: Hub only
    register(folder)
    index = load_index()
    index["models"][0]["hub"]["revision"] = REVISION  # as `zoo publish` pins it
    save_index(index)
    with torch.no_grad():
        save_file({"video": video(), "output": task(video())}, str(tmp_path / "expected.safetensors"))
    files = {f"/{REPO_ID}/resolve/{REVISION}/{p.name}": p.read_bytes() for p in folder.iterdir()}
    server = FakeHub(files, revision=REVISION)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    cache, empty = tmp_path / "hf-cache", tmp_path / "empty-cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(PYTHONPATH=str(REPO_ROOT), HF_ENDPOINT=f"http://127.0.0.1:{server.server_port}",
               HF_HUB_CACHE=str(cache), HF_HUB_OFFLINE="0", HF_HUB_DISABLE_TELEMETRY="1")
    expected = str(tmp_path / "expected.safetensors")
    try:
        out = _run_child(script, env, "online", NAME, expected, f"hf-hub:{REPO_ID}")
    finally:
        server.shutdown()
        server.server_close()
    assert f"EQUAL {NAME}" in out and f"EQUAL hf-hub:{REPO_ID}" in out
    snapshot = cache / f"models--zoo-models--{NAME}" / "snapshots" / REVISION
    assert sorted(p.name for p in snapshot.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    assert (snapshot / "model.safetensors").is_symlink()
    assert {m for m, _, _ in server.requests} == {"HEAD", "GET"}
    assert all(f"zoo/{zoo.__version__}" in agent for _, _, agent in server.requests)

    blob = (snapshot / "model.safetensors").resolve()
    out = _run_child(script, {**env, "HF_HUB_OFFLINE": "1"}, "offline", NAME, expected, str(empty), str(blob))
    assert f"EQUAL {NAME}" in out  # from the cache, server stopped
    assert "HubUnavailableError: config.json of " in out and "HF_HUB_OFFLINE=1 is set" in out
    assert f"zoo download {NAME}" in out
    assert "ChecksumError: model.safetensors of" in out and "sha256" in out

    out = _run_child(script, env, "unreachable", NAME, expected, str(empty))
    assert "HubUnavailableError" in out and "could not be reached" in out and "HF_ENDPOINT" in out


def test_references_that_cannot_resolve_say_why(zoo_home, tmp_path):
    register(save_pretrained(make_task("meanp"), tmp_path / NAME))
    with pytest.raises(FileNotFoundError, match="neither shipped .* nor published .*run `zoo publish`"):
        zoo.from_pretrained(NAME)
    with pytest.raises(ValueError, match="not a folder, an 'hf-hub:org/name"):
        zoo.from_pretrained("no/such/folder")
    with pytest.raises(ValueError, match="expected 'hf-hub:org/name"):
        zoo.from_pretrained("hf-hub:just-a-name")
    assert parse_hub_ref(f"hf-hub:{REPO_ID}@{REVISION}") == (REPO_ID, REVISION)
    assert parse_hub_ref(f"hf-hub:{REPO_ID}") == (REPO_ID, None)


def test_one_load_reads_the_weights_once_and_the_next_load_again(monkeypatch, tmp_path):
    """A shipped name is checked against the index and then against its config.json: one read
    of model.safetensors for both. A second load reads again (nothing is remembered between
    loads), and a file changed between two loads is refused by the second."""
    import zoo.hub.index as index_module

    reads = []
    real = index_module._hash_file
    monkeypatch.setattr(index_module, "_hash_file", lambda path, chunk: reads.append(Path(path).name) or real(path, chunk))
    name = load_index()["models"][0]["name"]
    zoo.from_pretrained(name)
    assert reads.count("model.safetensors") == 1
    zoo.from_pretrained(name)
    assert reads.count("model.safetensors") == 2
    with index_module.one_hash_per_file():
        copy = tmp_path / "model.safetensors"
        copy.write_bytes(b"0123")
        first = index_module.file_sha256(copy)
        copy.write_bytes(b"4567")  # same size; a new modification time (set below) means a new read
        os.utime(copy, ns=(1, 1))
        assert index_module.file_sha256(copy) != first
