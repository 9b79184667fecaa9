"""Tampering protection on the Hub paths: a published checkpoint downloaded by its name, through
``hf-hub:`` (the index's pinned revision, an explicit one, one the index does not pin), by
``download`` and ``torch.hub.load``, and loaded offline from the Hugging Face cache. A fake Hub
serves every file genuine or tampered (``test_integrity.py`` says how); every load of a tampered
file must refuse with a :class:`~zoo.hub.index.ChecksumError` naming it, checked against the
index records when the revision is the pinned one (``config.json`` included) and against the
served ``config.json`` otherwise.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import torch
from hub_fixtures import make_task, module_home, tiny_weights, video  # noqa: F401
from safetensors.torch import save_file
from tampering import ARCH, LOADED_FILES, changed_byte, home, shipped, shortened  # noqa: F401

import zoo.backbones.clip  # noqa: F401  (registers zoo-tiny with open_clip, which hub_fixtures needs)
from zoo.hub.export import register_folder
from zoo.hub.folder import save_pretrained
from zoo.hub.paths import REPO_ROOT

HUB_CHILD = r'''
"""Runs in a fresh interpreter: HF_ENDPOINT must be set before huggingface_hub is imported."""
import http.server, json, os, shutil, socket, sys, threading
from pathlib import Path

with socket.socket() as probe:  # a free port, named before anything imports huggingface_hub
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
os.environ["HF_ENDPOINT"] = f"http://127.0.0.1:{port}"
sys.path.insert(0, os.environ["ZOO_TESTS_DIR"])
import hub_fixtures

work = Path(sys.argv[1])
spec = json.loads((work / "spec.json").read_text())
files = {name: (work / "files" / name).read_bytes() for name in spec["files"]}
server = hub_fixtures.FakeHub.__new__(hub_fixtures.FakeHub)
server.files, server.requests, server.revision = {}, [], spec["pinned"]
http.server.ThreadingHTTPServer.__init__(server, ("127.0.0.1", port), hub_fixtures._Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()

import torch
from safetensors.torch import load_file
import huggingface_hub.constants as hf_constants
import zoo
import zoo.backbones.clip  # noqa: F401  (registers zoo-tiny with open_clip, which hub_fixtures needs)
from zoo.hub.index import ChecksumError
from zoo.hub.load import download

name, repo_id, pinned, other = spec["name"], spec["repo_id"], spec["pinned"], spec["other"]
expected = load_file(str(work / "expected.safetensors"))
caches = iter(range(1000))

def serve(revision, changes={}):
    server.revision = revision
    server.files.clear()
    for filename, data in files.items():
        server.files[f"/{repo_id}/resolve/{revision}/{filename}"] = changes.get(filename, data)

def fresh_cache():
    return str(work / f"cache-{next(caches)}")

def download_then_load(cache):
    download(name, cache_dir=cache)
    return zoo.from_pretrained(name, cache_dir=cache)

def report(label, load):
    try:
        model = load()
    except ChecksumError as error:
        print(f"REFUSED[{label}] {error}".replace("\n", " "))
        return
    with torch.no_grad():
        same = torch.equal(model(expected["video"]), expected["output"])
    print(f"LOADED[{label}] same={same}")

tampered = {key: {k: bytes.fromhex(v) for k, v in change.items()} for key, change in spec["tampered"].items()}

# 1. pinned by the index: by name, by hf-hub:repo (revision from the index), download, torch.hub
for key, change in tampered.items():
    serve(pinned, change)
    report(f"name/{key}", lambda: zoo.from_pretrained(name, cache_dir=fresh_cache()))
    report(f"hf-hub/{key}", lambda: zoo.from_pretrained(f"hf-hub:{repo_id}", cache_dir=fresh_cache()))
    report(f"hf-hub@pinned/{key}", lambda: zoo.from_pretrained(f"hf-hub:{repo_id}@{pinned}", cache_dir=fresh_cache()))
    report(f"download/{key}", lambda: download_then_load(fresh_cache()))
    shutil.rmtree(os.environ["HF_HUB_CACHE"], ignore_errors=True)  # torch.hub uses the default cache
    report(f"torch.hub/{key}", lambda: torch.hub.load(spec["root"], spec["arch"], source="local",
                                                       pretrained=True, tag=spec["tag"], trust_repo=True))
serve(pinned)
report("name/genuine", lambda: zoo.from_pretrained(name, cache_dir=fresh_cache()))

# 2. a revision the index does not pin: the weights against the config.json served with them
for key, change in tampered.items():
    serve(other, change)
    report(f"other/{key}", lambda: zoo.from_pretrained(f"hf-hub:{repo_id}@{other}", cache_dir=fresh_cache()))

# 3. the cache, offline: download genuine files, stop the server, tamper the cached blobs
serve(pinned)
cache = fresh_cache()
download(name, cache_dir=cache)
before = len(server.requests)
server.shutdown()
hf_constants.HF_HUB_OFFLINE = True
snapshot = Path(cache) / f"models--{repo_id.replace('/', '--')}" / "snapshots" / pinned
report("offline/genuine", lambda: zoo.from_pretrained(name, cache_dir=cache))
for key, change in tampered.items():
    originals = {}
    for filename, data in change.items():
        blob = (snapshot / filename).resolve()
        originals[blob] = blob.read_bytes()
        blob.write_bytes(data)
    report(f"offline/{key}", lambda: zoo.from_pretrained(name, cache_dir=cache))
    report(f"offline-hf-hub/{key}", lambda: zoo.from_pretrained(f"hf-hub:{repo_id}", cache_dir=cache))
    for blob, data in originals.items():
        blob.write_bytes(data)
print(f"REQUESTS-AFTER-OFFLINE {len(server.requests) - before}")
'''

PINNED = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"
HUB_NAME = f"{ARCH}.hubonly"


def test_hub_and_cache_paths_refuse_every_tampered_file(home, tmp_path):
    """One subprocess: a fake Hub serves the published files, genuine or tampered, at the pinned
    revision and at one the index does not pin; then the cache is tampered offline."""
    layout = home[0]
    task = make_task("meanp", seed=5)
    folder = save_pretrained(task, tmp_path / "export" / HUB_NAME)  # not shipped: Hub only
    index_path = layout.checkpoints / "index.json"
    saved_index = index_path.read_bytes()
    try:
        register_folder(folder)
        index = json.loads(index_path.read_text())
        entry = next(e for e in index["models"] if e["name"] == HUB_NAME)
        entry["hub"]["revision"] = PINNED
        index_path.write_text(json.dumps(index, indent=2) + "\n")

        work = tmp_path / "work"
        (work / "files").mkdir(parents=True)
        names = sorted(p.name for p in folder.iterdir())
        for p in folder.iterdir():
            shutil.copyfile(p, work / "files" / p.name)
        original = {n: (folder / n).read_bytes() for n in LOADED_FILES}
        weights = changed_byte(original["model.safetensors"], "model.safetensors")
        consistent_config = json.loads(original["config.json"])
        consistent_config["weights"]["sha256"] = hashlib.sha256(weights).hexdigest()
        tampered = {
            "config-changed": {"config.json": changed_byte(original["config.json"], "config.json")},
            "config-shortened": {"config.json": shortened(original["config.json"], "config.json")},
            "weights-changed": {"model.safetensors": weights},
            "weights-shortened": {"model.safetensors": shortened(original["model.safetensors"], "x")},
            "both-consistent": {"model.safetensors": weights,
                                "config.json": (json.dumps(consistent_config, indent=2) + "\n").encode()},
        }
        spec = {"root": str(layout.root), "arch": ARCH, "tag": HUB_NAME.split(".")[1], "name": HUB_NAME, "repo_id": entry["hub"]["repo_id"], "pinned": PINNED, "other": OTHER,
                "files": names, "tampered": {k: {f: d.hex() for f, d in c.items()} for k, c in tampered.items()}}
        (work / "spec.json").write_text(json.dumps(spec))
        with torch.no_grad():
            save_file({"video": video(), "output": task(video())}, str(work / "expected.safetensors"))
        script = work / "child.py"
        script.write_text(HUB_CHILD)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
        env.update(PYTHONPATH=str(REPO_ROOT), ZOO_TESTS_DIR=str(Path(__file__).parents[1]),
                   HF_HUB_CACHE=str(work / "default-cache"), HF_HUB_OFFLINE="0",
                   HF_HUB_DISABLE_TELEMETRY="1")
        result = subprocess.run([sys.executable, str(script), str(work)], env=env, capture_output=True,
                                text=True, timeout=600)
    finally:
        index_path.write_bytes(saved_index)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split("]")[0] + "]": line for line in result.stdout.splitlines() if "[" in line}

    def refused(label, filename):
        line = lines[f"REFUSED[{label}]"] if f"REFUSED[{label}]" in lines else lines.get(f"LOADED[{label}]")
        assert line is not None and line.startswith("REFUSED"), f"{label}: {line}"
        assert f"{filename} of " in line, f"{label}: {line}"
        return line

    assert lines["LOADED[name/genuine]"].endswith("same=True")
    assert lines["LOADED[offline/genuine]"].endswith("same=True")
    for path in ("name", "hf-hub", "hf-hub@pinned", "download", "torch.hub", "offline", "offline-hf-hub"):
        refused(f"{path}/config-changed", "config.json")
        assert "bytes" in refused(f"{path}/config-shortened", "config.json")
        refused(f"{path}/weights-changed", "model.safetensors")
        assert "bytes" in refused(f"{path}/weights-shortened", "model.safetensors")
        refused(f"{path}/both-consistent", "config.json")  # the index, not the served config
    # an unpinned revision has no index record: its weights are checked against its own config
    refused("other/weights-changed", "model.safetensors")
    refused("other/weights-shortened", "model.safetensors")
    assert lines["LOADED[other/config-changed]"].endswith("same=True")  # nothing to check it against
    assert "REQUESTS-AFTER-OFFLINE 0" in result.stdout
