"""``zoo publish``: one create_repo + one upload_folder commit (HfApi mocked), tokens never shown."""

import logging
from types import SimpleNamespace

import huggingface_hub
import pytest
from hub_fixtures import make_task, tiny_weights, zoo_home  # noqa: F401

from zoo.commands import main
from zoo.hub.export import register_folder as register
from zoo.hub.index import file_record, load_index
from zoo.hub.folder import save_pretrained
from zoo.hub.publish import publish

NAME = "postnet_recognition_tiny.pub"
TOKEN = "hf_SECRETtokenVALUE1234567890"
ENV_TOKEN = "hf_ENVtokenVALUE0987654321"
COMMIT = "fedcba9876543210fedcba9876543210fedcba98"


class FakeApi:
    """Records the calls ``publish`` makes and what the folder held at upload time."""

    instances: list = []

    def __init__(self, **kwargs):
        self.init_kwargs, self.calls = kwargs, []
        FakeApi.instances.append(self)

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def create_branch(self, repo_id, **kwargs):
        self.calls.append(("create_branch", repo_id, kwargs))

    def upload_folder(self, **kwargs):
        from pathlib import Path

        folder = Path(kwargs["folder_path"])
        uploaded = {p.name: file_record(folder / p.name) for p in folder.iterdir()
                    if p.name in kwargs["allow_patterns"]}
        self.calls.append(("upload_folder", kwargs["repo_id"], {**kwargs, "uploaded": uploaded}))
        return SimpleNamespace(oid=COMMIT)


@pytest.fixture
def folder(zoo_home, monkeypatch):
    FakeApi.instances = []
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setenv("HF_TOKEN", ENV_TOKEN)
    path = save_pretrained(make_task("meanp"), zoo_home.checkpoints / NAME,
                           training_config="seed_everything: 0\n")
    register(path)
    return path


def _assert_no_token_anywhere(text: str, root) -> None:
    for secret in (TOKEN, ENV_TOKEN):
        assert secret not in text
        for path in root.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_dry_run_prints_files_and_card_and_uploads_nothing(folder, capsys, zoo_home):
    assert main(["publish", str(folder), "--dry-run", "--token", TOKEN]) == 0
    out = capsys.readouterr().out
    assert f"would publish {NAME} to zoo-models/{NAME}@main in one commit" in out
    for name in ("model.safetensors", "config.json", "README.md", "training_config.yaml"):
        record = file_record(folder / name)
        assert f"  {name}  {record['size']} bytes  sha256 {record['sha256']}" in out
    assert (folder / "README.md").read_text() in out
    assert FakeApi.instances == []
    _assert_no_token_anywhere(out, zoo_home.root)


def test_publish_is_one_repo_and_one_commit_and_pins_the_index(folder, capsys, caplog, zoo_home):
    caplog.set_level(logging.DEBUG)
    assert main(["publish", str(folder), "--repo-id", "my-org/custom", "--token", TOKEN]) == 0
    captured = capsys.readouterr()
    (api,) = FakeApi.instances
    assert api.init_kwargs == {"library_name": "zoo", "library_version": "0.1.0"}
    assert [c[0] for c in api.calls] == ["create_repo", "upload_folder"]
    create, upload = api.calls
    assert create[1] == "my-org/custom" and create[2]["exist_ok"] is True and create[2]["token"] == TOKEN
    kwargs = upload[2]
    assert upload[1] == "my-org/custom" and kwargs["folder_path"] == str(folder)
    assert kwargs["token"] == TOKEN and kwargs["revision"] is None
    assert sorted(kwargs["uploaded"]) == ["README.md", "config.json", "model.safetensors", "training_config.yaml"]
    entry = load_index()["models"][0]
    assert entry["hub"] == {"repo_id": "my-org/custom", "revision": COMMIT}
    assert {k: entry["files"][k] for k in kwargs["uploaded"]} == kwargs["uploaded"]
    assert f"published my-org/custom@{COMMIT}" in captured.out
    _assert_no_token_anywhere(captured.out + captured.err + caplog.text, zoo_home.root)


def test_publish_to_a_branch_creates_it(folder):
    publish(folder, "org/name", revision="v2", echo=lambda line: None)
    (api,) = FakeApi.instances
    assert [c[0] for c in api.calls] == ["create_repo", "create_branch", "upload_folder"]
    assert api.calls[1][2]["branch"] == "v2" and api.calls[2][2]["revision"] == "v2"


def test_publish_refuses_bad_folders_before_any_call(folder):
    (folder / "model.safetensors").write_bytes((folder / "model.safetensors").read_bytes() + b"x")
    with pytest.raises(Exception, match="model.safetensors"):
        publish(folder, "org/name", echo=lambda line: None)
    (folder / "last.ckpt").write_bytes(b"pickle")
    with pytest.raises(ValueError, match=r"pickle files \['last.ckpt'\]"):
        publish(folder, "org/name", echo=lambda line: None)
    assert FakeApi.instances == []


def test_publish_refuses_a_folder_that_disagrees_with_its_index_entry(folder):
    (folder / "training_config.yaml").write_text("seed_everything: 1\n")
    with pytest.raises(RuntimeError, match="differs from the index entry"):
        publish(folder, "org/name", echo=lambda line: None)
    assert FakeApi.instances == []
