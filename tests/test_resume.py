"""Resume: a `zoo fit` killed with SIGKILL and resumed with `--ckpt_path last` ends bit-exactly
where an uninterrupted run ends — weights, optimiser state, LR schedule and logged metrics.

The runs train `postnet x recognition` (seqtransf) with a dropout-0.5 head, so training draws from
the global random generator every step: a resume that restored weights and optimiser but not the
generators would end elsewhere (checked: with `zoo.runner.RandomState` not restoring them, the
temporal head's weights differ). Every tensor is compared with `torch.equal` (no tolerance: the
same operations in the same order on the same CPU thread count give the same bits).
"""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from lightning.pytorch import Callback

from zoo.runner import run_cli

EPOCHS = 2
KILL_EPOCH = 1  # killed at the second batch of this epoch: last.ckpt holds the end of epoch 0
STEPS_PER_EPOCH = 2
MARKER = "ZOO_TEST_BLOCKED_MARKER"
ARGS = ["--recipe", "recognition/postnet", "--model.model.backbone_pretrained", "false",
        "--model.model.num_frames", "4", "--model.head_dropout", "0.5",
        "--data.init_args.train_size", str(4 * STEPS_PER_EPOCH), "--data.init_args.val_size", "2",
        "--data.init_args.batch_size", "4", "--trainer.log_every_n_steps", "1",
        "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false",
        "--trainer.num_sanity_val_steps", "0", "--trainer.max_epochs", str(EPOCHS)]


class BlockAfterCheckpoint(Callback):
    """Test helper (loaded by the subprocess from this file): at the second batch of
    ``KILL_EPOCH`` — one optimiser step after ``last.ckpt`` was written — touch ``$MARKER`` and
    wait to be killed."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.current_epoch == KILL_EPOCH and batch_idx == 1:
            Path(os.environ[MARKER]).touch()
            time.sleep(600)


def zoo_fit(cwd: Path, *extra: str, env: dict) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "zoo"), "fit", *ARGS, *extra]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def finished(process: subprocess.Popen) -> None:
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out[-3000:]


def final_state(run: Path) -> dict:
    return torch.load(run / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)


def metric_rows(run: Path) -> list[dict]:
    with (run / "metrics.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def assert_tensors_equal(a, b, where: str) -> None:
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_tensors_equal(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_tensors_equal(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_sigkilled_fit_resumes_bit_exactly(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
           MARKER: str(tmp_path / "blocked")}
    (tmp_path / "whole").mkdir()
    (tmp_path / "killed").mkdir()
    whole = zoo_fit(tmp_path / "whole", env=env)
    killed = zoo_fit(tmp_path / "killed", "--trainer.callbacks+=test_resume.BlockAfterCheckpoint", env=env)
    deadline = time.time() + 300
    while not (tmp_path / "blocked").exists():
        assert killed.poll() is None, killed.communicate()[0][-3000:]
        assert time.time() < deadline, "the run never reached the kill point"
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    run = tmp_path / "killed" / "runs" / "recognition" / "postnet"  # the recipe's run folder
    assert final_state(run)["epoch"] == KILL_EPOCH - 1  # the checkpoint before the kill
    finished(zoo_fit(tmp_path / "killed", "--ckpt_path", "last", env=env))
    finished(whole)

    reference = tmp_path / "whole" / "runs" / "recognition" / "postnet"
    expected, resumed = final_state(reference), final_state(run)
    assert resumed["epoch"] == expected["epoch"] == EPOCHS - 1
    assert resumed["global_step"] == expected["global_step"] == EPOCHS * STEPS_PER_EPOCH
    trainable = [n for n, p in expected["state_dict"].items() if p.is_floating_point()]
    assert trainable and expected["state_dict"].keys() == resumed["state_dict"].keys()
    for name in expected["state_dict"]:
        assert torch.equal(resumed["state_dict"][name], expected["state_dict"][name]), name
    assert_tensors_equal(resumed["optimizer_states"], expected["optimizer_states"], "optimizer")
    assert_tensors_equal(resumed["lr_schedulers"], expected["lr_schedulers"], "lr_schedulers")
    # the resumed run's metrics.csv holds the whole history, row for row the uninterrupted one's
    assert metric_rows(run) == metric_rows(reference)
    assert len(metric_rows(reference)) == EPOCHS * (STEPS_PER_EPOCH + 1)  # train steps + validation


def test_ckpt_path_last_without_a_checkpoint_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["zoo"])
    with pytest.raises(FileNotFoundError, match=r"--ckpt_path last: there is no .*recognition/postnet/"
                                                r"checkpoints/last.ckpt"):
        run_cli(["fit", *ARGS, "--trainer.default_root_dir", str(tmp_path), "--ckpt_path", "last"])
