"""Fixtures of the publishing tests: a temporary zoo home (checkpoints/, cards/, README.md) whose
``tiny`` backbone weights are random but fixed, so delta checkpoints rebuild on known weights."""

from __future__ import annotations

import hashlib
import http.server
from pathlib import Path

import open_clip
import pytest
import torch
from safetensors.torch import save_file

import zoo.backbones.clip  # noqa: F401  (registers zoo's open_clip architectures: zoo-tiny)
from zoo.backbones.specs import TINY_WEIGHTS_NAME
from zoo.hub.tables import END, START
from zoo.hub.sync import Layout

CLASS_NAMES = ["moving left", "moving right", "growing", "shrinking"]
NUM_FRAMES = 4


def write_tiny_weights(path: Path, seed: int) -> Path:
    """Random weights of the tiny CLIP, saved where ``backbone_pretrained="zoo"`` looks."""
    torch.manual_seed(seed)
    clip = open_clip.create_model("zoo-tiny")
    path.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in clip.state_dict().items()}, str(path / TINY_WEIGHTS_NAME))
    return path / TINY_WEIGHTS_NAME


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    return write_tiny_weights(tmp_path_factory.mktemp("tiny") / "backbones" / "tiny", seed=1234)


def make_home(root: Path, tiny_weights: Path, monkeypatch) -> Layout:
    """A temporary repository layout, with ZOO_CHECKPOINTS / ZOO_CARDS pointing into it."""
    layout = Layout(root=root, checkpoints=root / "checkpoints", cards=root / "cards")
    (layout.checkpoints / "backbones" / "tiny").mkdir(parents=True)
    (layout.checkpoints / "backbones" / "tiny" / TINY_WEIGHTS_NAME).symlink_to(tiny_weights)
    layout.readme.write_text(f"# zoo\n\n## Pretrained checkpoints\n\n{START}\n{END}\n")
    monkeypatch.setenv("ZOO_CHECKPOINTS", str(layout.checkpoints))
    monkeypatch.setenv("ZOO_CARDS", str(layout.cards))
    return layout


@pytest.fixture
def zoo_home(tmp_path, monkeypatch, tiny_weights) -> Layout:
    return make_home(tmp_path / "repo", tiny_weights, monkeypatch)


@pytest.fixture(scope="module")
def module_home(tmp_path_factory, tiny_weights):
    """``zoo_home`` shared by the tests of one module (they must not change it)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield make_home(tmp_path_factory.mktemp("home") / "repo", tiny_weights, monkeypatch)


def make_task(variant: str = "seqtransf", backbone_pretrained="zoo", seed: int = 7):
    """A postnet × recognition task whose trainable weights are random (not the ones a fresh
    build gives), so a load that silently skipped them would be caught."""
    import zoo

    task = zoo.create_model("postnet_recognition_tiny", variant=variant, num_frames=NUM_FRAMES,
                            class_names=CLASS_NAMES, backbone_pretrained=backbone_pretrained)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, param in task.named_parameters():
            if param.requires_grad:
                param.add_(0.05 * torch.randn(param.shape, generator=generator))
    return task.eval()


def video(batch: int = 2, seed: int = 3) -> torch.Tensor:
    """``[B, T, 3, 64, 64]``."""
    return torch.randn(batch, NUM_FRAMES, 3, 64, 64, generator=torch.Generator().manual_seed(seed))


METRICS = {"test/top1": 0.8125, "test/top5": 1.0, "test/mean_class": 0.75}
PROTOCOL = {"dataset": "world", "split": "test", "clips": 2, "crops": 1, "fps": 8.0}


class FakeHub(http.server.ThreadingHTTPServer):
    """Serves ``/<org>/<name>/resolve/<rev>/<file>`` (HEAD and GET) like the Hub's resolve API."""

    def __init__(self, files: dict[str, bytes], revision: str = "0123456789abcdef0123456789abcdef01234567"):
        self.files, self.requests, self.revision = files, [], revision
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    def _respond(self, body: bool) -> None:
        self.server.requests.append((self.command, self.path, self.headers.get("User-Agent", "")))
        content = self.server.files.get(self.path)
        if content is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("X-Repo-Commit", self.server.revision)
        self.send_header("ETag", f'"{hashlib.sha256(content).hexdigest()}"')
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def do_HEAD(self):  # noqa: N802
        self._respond(body=False)

    def do_GET(self):  # noqa: N802
        self._respond(body=True)

    def log_message(self, *args):
        pass
