"""A user's mistake is one line and exit status 2, never a traceback (issue 10, items 11 and 12).

Each case runs the real ``zoo`` command in a fresh process (``python -m zoo.commands``, what the
console script runs) and asserts: exit status 2, exactly one ``zoo: error:`` line naming the
file / line / field and the fix, no ``Traceback``, no terminal colour codes. ``--debug`` brings
the traceback back. The selection rule itself (``user_error``) is tested in-process below.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from zoo.commands import USER_ERROR_CLASSES, lightning_arguments, one_line, user_error
from zoo.data.world.export import export_world
from zoo.hub.paths import REPO_ROOT
from zoo.registry import check_backbone

SHIPPED = REPO_ROOT / "checkpoints" / "postnet_recognition_tiny.world_8f"


def zoo(*args: str, env: dict = None, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "ZOO_DEBUG"}
    environment.update(HF_HUB_OFFLINE="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "zoo.commands", *args], capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=900)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one error line of a run that must have failed on the user's input."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "\x1b[" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.startswith("zoo: error: ")]
    assert len(lines) == 1, output
    return lines[0]


# ---------------------------------------------------------------------- the cases of item 11
def test_unknown_backbone_and_debug():
    line = error_line(zoo("list", "--backbone", "foo"))
    assert "unknown backbone 'foo'" in line and "vitb16" in line  # says what is accepted
    for debug in (zoo("list", "--backbone", "foo", "--debug"), zoo("list", "--backbone", "foo", env={"ZOO_DEBUG": "1"})):
        assert debug.returncode == 1 and "Traceback" in debug.stderr and "ValueError" in debug.stderr


@pytest.fixture(scope="module")
def ucf101(tmp_path_factory):
    """A small UCF101-format export of the world."""
    root = tmp_path_factory.mktemp("world")
    export_world(root, formats=["ucf101"], sizes={"train": 4, "val": 0, "test": 2})
    return root / "ucf101"


def fit_ucf101(root: Path, *overrides: str, env: dict = None) -> subprocess.CompletedProcess:
    """``zoo fit`` of the UCF101 recipe (OpenAI ViT-B/16) on the export at ``root``."""
    return zoo("fit", "--config", "configs/recognition/ucf101/postnet.yaml", "--data.init_args.root", str(root),
               "--data.init_args.num_workers", "0", "--trainer.fast_dev_run", "true",
               "--trainer.logger", "false", *overrides, env=env)


def test_real_backbone_recipe_offline_says_how_to_use_a_local_file(ucf101, tmp_path):
    """Item 12: the recipe's OpenAI weights cannot be downloaded (offline, empty cache)."""
    cache = tmp_path / "empty-cache"
    result = fit_ucf101(ucf101, env={"HF_HUB_CACHE": str(cache), "HF_HOME": str(tmp_path / "hf")})
    line = error_line(result)
    assert "backbone 'vitb16'" in line and "'openai' weights of ViT-B-16" in line
    assert "HF_HUB_OFFLINE=1 is set" in line and str(cache) in line
    assert "--model.model.backbone_pretrained /path/to/open_clip_model.safetensors" in line
    assert "hf-hub:" in line
    assert "ERROR:root" not in result.stderr  # open_clip's own log line is not repeated
    assert "args parameter" not in result.stderr  # LightningCLI's warning about args=


def test_non_utf8_annotation_names_file_and_line(ucf101, tmp_path):
    root = tmp_path / "ucf101"
    shutil.copytree(ucf101, root)
    listing = root / "ucfTrainTestlist" / "trainlist01.txt"
    lines = listing.read_bytes().splitlines(keepends=True)
    listing.write_bytes(b"".join(lines[:2]) + b"Spinning/v_Spinning_g01_c0\xe9.avi 9\r\n" + b"".join(lines[2:]))
    line = error_line(fit_ucf101(root, "--model.model.backbone", "tiny"))
    assert f"{listing}:3:" in line and "not valid UTF-8" in line and "re-save the file as UTF-8" in line


def test_empty_train_list_refuses_to_train(ucf101, tmp_path):
    root = tmp_path / "ucf101"
    shutil.copytree(ucf101, root)
    listing = root / "ucfTrainTestlist" / "trainlist01.txt"
    listing.write_text("")
    line = error_line(fit_ucf101(root, "--model.model.backbone", "tiny"))
    assert str(listing) in line and "no record" in line and "refusing to train" in line


def test_truncated_config_json_names_file_and_position(tmp_path):
    folder = tmp_path / SHIPPED.name
    shutil.copytree(SHIPPED, folder)
    config = folder / "config.json"
    text = config.read_text()
    config.write_text(text[:len(text) // 2])
    line = error_line(zoo("predict", "--model", str(folder), str(tmp_path / "clip.mp4")))
    assert f"{config}:" in line and "not valid JSON" in line and "export the checkpoint again" in line


def test_pickle_refusal_is_plain_text(tmp_path):
    checkpoint = tmp_path / "run.ckpt"
    torch.save({"hyper_parameters": argparse.Namespace(lr=0.1), "state_dict": {}}, checkpoint)
    out = tmp_path / "postnet_recognition_tiny.mine"
    line = error_line(zoo("export", "--ckpt_path", str(checkpoint), "--out", str(out)))
    assert str(checkpoint) in line and "argparse.Namespace" in line and "--trust-checkpoint" in line
    assert "WeightsUnpickler" not in line and "Re-running" not in line  # torch's advice is left out


# ---------------------------------------------------------------------- the rule, in-process
def _wrapped_by_a_library() -> BaseException:
    """What jsonargparse does to a task's ValueError: a ValueError of its own, raised from it."""
    try:
        try:
            check_backbone("foo")
        except ValueError as error:
            raise ValueError("Does not validate against any of the Union subtypes ...") from error
    except ValueError as outer:
        return outer


def test_user_error_unwraps_library_wrappers_and_keeps_bugs():
    wrapped = _wrapped_by_a_library()
    assert str(user_error(wrapped)).startswith("unknown backbone 'foo'")
    try:
        raise ValueError("raised outside zoo: a bug or a library's own error")
    except ValueError as error:
        assert user_error(error) is None
    try:
        {}["missing"]
    except KeyError as error:
        assert user_error(error) is None
    missing = FileNotFoundError(2, "No such file or directory", "/no/such/file")
    assert user_error(missing) is missing  # an OSError naming its file, wherever raised


def test_one_line_strips_colour_and_worker_tracebacks():
    assert one_line(ValueError("a \x1b[1mbold\x1b[0m\n  word")) == "a bold word"
    worker = RuntimeError("Caught ItemLoadError in DataLoader worker process 0.\nOriginal Traceback "
                          "(most recent call last):\n  File \"x.py\", line 1\nzoo.data.datasets."
                          "ItemLoadError: clip.mp4: cannot decode\n")
    assert one_line(worker) == "clip.mp4: cannot decode"


def test_user_error_classes_exist():
    for path in USER_ERROR_CLASSES:
        module, _, name = path.rpartition(".")
        cls = getattr(__import__(module, fromlist=[name]), name)
        assert isinstance(cls, type) and issubclass(cls, Exception), path


def test_predict_routes_to_lightning_only_with_its_flags():
    assert not lightning_arguments(["predict", "--model", "m", "clip.mp4", "a text"])
    assert not lightning_arguments(["predict", "--help"])
    for flags in (["--config", "c.yaml"], ["--ckpt_path=x.ckpt"], ["--recipe", "qa/lora"], ["--print_config"],
                  ["--trainer.devices", "1"], ["--model.model.variant", "meanp"]):
        assert lightning_arguments(["predict", *flags])
    assert lightning_arguments(["fit"]) and lightning_arguments(["--recipe", "qa/lora"])
