"""The `zoo` command: LightningCLI subcommands over the shipped recipes, and zoo's own commands."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zoo.commands import main
from zoo.runner import run_cli as run

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--model.model.backbone_pretrained", "false", "--data.init_args.train_size", "4",
         "--data.init_args.val_size", "2", "--data.init_args.test_size", "2",
         "--data.init_args.batch_size", "2", "--trainer.max_epochs", "1",
         "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false"]


def run_cli(arguments, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["zoo"])
    return run(arguments)


def test_fit_saves_config_with_data_filled_in_and_resumes(tmp_path, monkeypatch):
    common = ["--recipe", "recognition/postnet", "--model.model.variant", "meanp", *SMALL,
              "--trainer.logger.init_args.save_dir", str(tmp_path), "--trainer.logger.init_args.name", "run"]
    fit = run_cli(["fit", *common], monkeypatch)
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert saved["model"]["init_args"]["class_names"][:2] == ["moving left", "moving right"]
    assert "order_dependent" in saved["model"]["init_args"]["class_groups"]
    checkpoint = fit.trainer.checkpoint_callback.last_model_path or fit.trainer.checkpoint_callback.best_model_path
    assert Path(checkpoint).is_file() and fit.trainer.global_step == 2  # 4 clips, batches of 2
    resumed = run_cli(["fit", *common, "--trainer.max_epochs", "2", "--ckpt_path", checkpoint], monkeypatch)
    assert resumed.trainer.current_epoch == 2 and resumed.trainer.global_step == 4


def test_print_config_is_a_complete_recipe():
    out = subprocess.run([sys.executable, "-m", "zoo.commands", "fit", "--recipe", "recognition/postnet",
                          "--print_config"], capture_output=True, text=True, check=True).stdout
    config = yaml.safe_load(out)
    assert config["model"]["class_path"] == "zoo.tasks.RecognitionTask"
    assert config["model"]["init_args"]["model"]["class_path"] == "zoo.paradigms.postnet.PostnetSpec"
    assert config["model"]["init_args"]["model"]["init_args"]["variant"] == "seqtransf"
    assert config["data"]["class_path"] == "zoo.data.world.WorldDataModule"
    assert "max_epochs" in config["trainer"]


def test_zoo_list(capsys):
    assert main(["list", "--paradigm", "postnet", "--task", "recognition", "*_tiny"]) == 0
    out = capsys.readouterr().out
    assert "variants meanp, seqtransf, mit, lstm" in out
    assert out.strip().splitlines()[-1] == "postnet_recognition_tiny"
    assert main(["list", "--task", "segmentation"]) == 2  # a user error: one line, status 2
    assert capsys.readouterr().err.startswith("zoo: error: unknown task 'segmentation'")
    with pytest.raises(ValueError, match="unknown task"):
        main(["list", "--task", "segmentation", "--debug"])
