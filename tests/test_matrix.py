"""The paradigm x task matrix (timm's registry-driven test): every registered paradigm with every
registered task, from its composed recipe, on the world with the tiny backbone — the recipe's
settings reach the model, one training step and one validation step (fast_dev_run), metrics
computed and finite, state dict round-trips."""

import math
import sys
from pathlib import Path

import pytest
import torch

import yaml

from zoo.registry import PARADIGMS, TASKS
from zoo.runner import run_cli

REPO = Path(__file__).resolve().parents[1]
FAST = ["--model.model.backbone_pretrained", "false", "--model.model.num_frames", "2",
        "--data.init_args.train_size", "2", "--data.init_args.val_size", "2",
        "--data.init_args.test_size", "2", "--data.init_args.batch_size", "2",
        "--data.init_args.world_frames", "8", "--trainer.fast_dev_run", "1",
        "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false"]


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("paradigm", list(PARADIGMS))
def test_pair_trains_validates_and_round_trips(paradigm, task, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["zoo"])
    cli = run_cli(["--recipe", f"{task}/{paradigm}", *FAST], run=False)
    module = cli.model
    settings = yaml.safe_load((REPO / "configs" / "paradigms" / f"{paradigm}.yaml").read_text())["model"]["init_args"]
    for key, value in settings["model"]["init_args"].items():
        if key != "num_frames":
            assert getattr(module.model_spec, key) == value, key
    # the optimiser: the paradigm's settings, with the rates the bench tuned for this pair (if any) over them
    pair_file = REPO / "configs" / "pairs" / task / f"{paradigm}.yaml"
    pair = yaml.safe_load(pair_file.read_text())["model"]["init_args"] if pair_file.is_file() else {}
    optim = {**settings["optim"], **pair.get("optim", {})}
    assert all(getattr(module.optim, key) == value for key, value in optim.items())
    trainable = {n: p.detach().clone() for n, p in module.named_parameters() if p.requires_grad}
    frozen = {n: p.detach().clone() for n, p in module.named_parameters() if not p.requires_grad}
    cli.trainer.fit(module, cli.datamodule)

    validation = {k: float(v) for k, v in cli.trainer.callback_metrics.items() if k.startswith("val/")}
    assert validation, "no validation metric was logged"
    assert all(math.isfinite(v) for v in validation.values()), validation
    assert math.isfinite(float(cli.trainer.callback_metrics["train/loss"]))
    parameters = dict(module.named_parameters())
    assert any(not torch.equal(parameters[n], v) for n, v in trainable.items()), "nothing trained"
    assert all(torch.equal(parameters[n], v) for n, v in frozen.items()), "a frozen parameter moved"

    rebuilt = type(module)(**module.task_config())
    rebuilt.load_state_dict(module.state_dict(), strict=True)
    module.eval(), rebuilt.eval()
    video = torch.randn(1, 2, 3, 64, 64)
    with torch.no_grad():
        expected, actual = module.model.encode_video(video), rebuilt.model.encode_video(video)
    assert torch.equal(expected.video, actual.video)
    assert torch.equal(expected.pooled, actual.pooled)
