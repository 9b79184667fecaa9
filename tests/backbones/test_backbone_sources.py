"""A backbone loads the same weights from each source open_clip knows: the shipped default, a
weights file, and an ``hf-hub:`` repository (against a local fake Hub, in a subprocess because
huggingface_hub reads HF_ENDPOINT at import)."""

import os
import subprocess
import sys
import threading

import pytest
from hub_fixtures import FakeHub

from zoo.backbones import create_backbone, get_spec
from zoo.hub.paths import REPO_ROOT

TINY = get_spec("tiny").local_weights


@pytest.fixture(scope="module")
def shipped():
    if not TINY.is_file():
        pytest.skip(f"the shipped tiny weights are missing ({TINY})")
    return create_backbone("tiny")


def test_shipped_weights_are_recorded_by_name_and_hash(shipped):
    assert shipped.pretrained == "zoo" and len(shipped.weights_sha256) == 64
    assert shipped.preprocess["size"] == 64 and shipped.context_length == 32


def test_a_weights_file_gives_the_same_weights(shipped):
    from_file = create_backbone("tiny", pretrained=str(TINY))
    assert from_file.weights_sha256 == shipped.weights_sha256
    assert from_file.pretrained == str(TINY)


def test_unknown_tag_names_backbone_and_how_to_fix():
    with pytest.raises(ValueError, match=r"backbone 'vitb16': pretrained='no_such_tag' is neither an "
                                         r"open_clip tag of ViT-B-16 \(openai, laion400m_e31"):
        create_backbone("vitb16", pretrained="no_such_tag")


def test_hf_hub_repository_gives_the_same_weights(shipped, tmp_path):
    folder = TINY.parent
    files = {f"/zoo-models/zoo-tiny-clip/resolve/main/{name}": (folder / name).read_bytes()
             for name in ("open_clip_config.json", TINY.name)}
    server = FakeHub(files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "0",
               "HF_ENDPOINT": f"http://127.0.0.1:{server.server_port}", "HF_HUB_CACHE": str(tmp_path)}
        code = ("from zoo.backbones import create_backbone;"
                "b = create_backbone('tiny', pretrained='hf-hub:zoo-models/zoo-tiny-clip');"
                "print(b.weights_sha256, b.pretrained)")
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                timeout=300)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    sha, source = result.stdout.split()[-2:]
    assert sha == shipped.weights_sha256 and source == "hf-hub:zoo-models/zoo-tiny-clip"
    assert any(path.endswith(TINY.name) for _, path, _ in server.requests)
