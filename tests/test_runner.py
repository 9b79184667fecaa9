"""The recipes: each fact stated once (a paradigm's settings, a task's, a pair's own), composed by
``--recipe TASK/PARADIGM``; old forms keep working with a deprecation note."""

import warnings
from pathlib import Path

import pytest
import yaml

from zoo.bench.grid import RATES
from zoo.bench.recipes import MARK
from zoo.registry import PARADIGMS, TASKS
from zoo.runner import expand_arguments, recipe_files

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"


def test_every_task_and_paradigm_has_its_file_and_pairs_only_hold_pair_facts():
    assert sorted(p.stem for p in (CONFIGS / "tasks").glob("*.yaml")) == sorted(TASKS)
    assert sorted(p.stem for p in (CONFIGS / "paradigms").glob("*.yaml")) == sorted(PARADIGMS)
    for pair in (CONFIGS / "pairs").glob("*/*.yaml"):
        assert pair.parent.name in TASKS and pair.stem in PARADIGMS, pair
        text = pair.read_text()
        model = yaml.safe_load(text)["model"]
        # a pair file never restates the paradigm's spec or the task's class
        assert set(model) == {"init_args"} and "model" not in model["init_args"], pair
        # its only optimiser settings are the learning rates `zoo bench --write-recipes` chose, marked as such
        if "optim" in model["init_args"]:
            assert MARK in text and set(model["init_args"]["optim"]) <= set(RATES), pair


def test_no_fact_is_stated_twice():
    """A paradigm file holds only the spec and optimiser; a task file no paradigm setting."""
    for path in (CONFIGS / "paradigms").glob("*.yaml"):
        config = yaml.safe_load(path.read_text())
        assert set(config) == {"model"} and set(config["model"]["init_args"]) == {"model", "optim"}, path
        assert config["model"]["init_args"]["model"]["class_path"] == f"zoo.paradigms.{path.stem}.{path.stem.capitalize()}Spec"
    for path in (CONFIGS / "tasks").glob("*.yaml"):
        init_args = yaml.safe_load(path.read_text())["model"]["init_args"]
        assert not {"model", "optim"} & set(init_args), path


def test_recipe_expands_to_task_paradigm_and_pair_files():
    assert recipe_files("recognition", "distill") == [CONFIGS / "tasks/recognition.yaml",
                                                       CONFIGS / "paradigms/distill.yaml",
                                                       CONFIGS / "pairs/recognition/distill.yaml"]
    assert recipe_files("retrieval", "lora") == [CONFIGS / "tasks/retrieval.yaml", CONFIGS / "paradigms/lora.yaml"]
    assert expand_arguments(["fit", "--recipe", "qa/side", "--trainer.max_epochs", "1"]) == [
        "fit", "--config", str(CONFIGS / "tasks/qa.yaml"), "--config", str(CONFIGS / "paradigms/side.yaml"),
        "--trainer.max_epochs", "1"]
    with pytest.raises(ValueError, match="unknown task 'segmentation'"):
        expand_arguments(["--recipe", "segmentation/lora"])
    with pytest.raises(ValueError, match="TASK/PARADIGM"):
        expand_arguments(["--recipe", "lora"])


def test_old_forms_are_rewritten_with_a_deprecation_warning():
    with pytest.warns(FutureWarning, match="use --recipe recognition/postnet"):
        args = expand_arguments(["--config", "configs/recognition/postnet.yaml"])
    # the composed recipe: task and paradigm files, then the pair file where the pair has one
    assert args[:4] == ["--config", str(CONFIGS / "tasks/recognition.yaml"),
                        "--config", str(CONFIGS / "paradigms/postnet.yaml")]
    assert args[4:] == [x for path in recipe_files("recognition", "postnet")[2:] for x in ("--config", str(path))]
    with pytest.warns(FutureWarning, match="--model.init_args.variant moved"):
        assert expand_arguments(["--model.init_args.variant", "meanp"]) == [
            "--model.init_args.model.init_args.variant", "meanp"]
    with pytest.warns(FutureWarning, match="--model.init_args.lr moved"):
        assert expand_arguments(["--model.init_args.lr=0.1"]) == ["--model.init_args.optim.lr=0.1"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # a task's own argument is not moved
        assert expand_arguments(["--model.init_args.head", "text"]) == ["--model.init_args.head", "text"]


# ---------------------------------------------------------------------- run folders
def test_a_run_folder_is_named_by_its_recipe():
    from zoo.runner import default_run_name

    def config(task, spec, data):
        return {"model": {"class_path": task, "init_args": {"model": {"class_path": spec}}},
                "data": {"class_path": data}}

    assert default_run_name(config("zoo.tasks.RetrievalTask", "zoo.paradigms.lora.LoraSpec",
                                   "zoo.data.world.WorldDataModule")) == "retrieval/lora"
    assert default_run_name(config("zoo.tasks.RecognitionTask", "zoo.paradigms.adapter.AdapterSpec",
                                   "zoo.data.benchmarks.KineticsDataModule")) == "recognition/kinetics/adapter"


def test_fit_test_and_a_new_fit_share_one_stable_run_folder(tmp_path, monkeypatch):
    """`zoo fit` writes <root>/<task>/<paradigm>/ (config, metrics, checkpoints/last.ckpt);
    `zoo test --config <run>/config.yaml --ckpt_path last` tests that checkpoint and logs into
    <run>/test/ without touching the run's own files; a new `zoo fit` there starts over."""
    import csv
    import sys

    from zoo.runner import run_cli

    monkeypatch.setattr(sys, "argv", ["zoo"])
    small = ["--recipe", "recognition/postnet", "--model.model.backbone_pretrained", "false",
             "--model.model.num_frames", "2", "--data.init_args.train_size", "2",
             "--data.init_args.val_size", "2", "--data.init_args.test_size", "2",
             "--data.init_args.batch_size", "2", "--trainer.max_epochs", "1",
             "--trainer.num_sanity_val_steps", "0", "--trainer.enable_progress_bar", "false",
             "--trainer.enable_model_summary", "false", "--trainer.default_root_dir", str(tmp_path)]
    fit = run_cli(["fit", *small])
    run = tmp_path / "recognition" / "postnet"
    last = run / "checkpoints" / "last.ckpt"
    assert fit.run_dir == run and last.is_file() and fit.trainer.checkpoint_callback.last_model_path == str(last)
    saved = {name: (run / name).read_bytes() for name in ("config.yaml", "metrics.csv")}

    tested = run_cli(["test", "--config", str(run / "config.yaml"), "--ckpt_path", "last",
                      "--trainer.enable_progress_bar", "false"])
    assert tested.trainer.ckpt_path == str(last)
    with (run / "test" / "metrics.csv").open(newline="") as handle:
        assert any(row.get("test/top1") for row in csv.DictReader(handle))
    assert {name: (run / name).read_bytes() for name in saved} == saved
    test_config = yaml.safe_load((run / "test" / "config.yaml").read_text())
    assert test_config["trainer"]["logger"]["init_args"]["version"] == ""  # it names the run, reusable

    stale = run / "checkpoints" / "epoch=7-step=99.ckpt"  # an earlier, longer run's
    stale.write_bytes(last.read_bytes())
    with pytest.warns(UserWarning, match="held the checkpoints of an earlier run"):
        run_cli(["fit", *small])
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["epoch=0-step=1.ckpt", "last.ckpt"]


def test_the_cli_connects_the_tasks_batch_keys_and_a_fused_optimizer(tmp_path, monkeypatch):
    """The datamodule produces only the keys the task reads, and AdamW runs fused on CPU unless
    gradients are clipped (Lightning's mixed precision refuses clipping with a fused optimizer)."""
    import sys

    from zoo.runner import run_cli
    from zoo.tasks import RecognitionTask

    monkeypatch.setattr(sys, "argv", ["zoo"])
    small = ["--recipe", "recognition/postnet", "--model.model.backbone_pretrained", "false",
             "--model.model.num_frames", "2", "--data.init_args.train_size", "2",
             "--data.init_args.batch_size", "2", "--trainer.max_epochs", "1",
             "--trainer.default_root_dir", str(tmp_path)]
    cli = run_cli(small, run=False)
    assert cli.datamodule.batch_keys == RecognitionTask.batch_keys == ("label", "labels")
    cli.datamodule.setup("fit")
    assert "boxes" not in cli.datamodule.datasets["train"].keys
    cli.model.trainer = cli.trainer
    optimizer = cli.model.configure_optimizers()["optimizer"]
    assert all(group["fused"] for group in optimizer.param_groups)
    clipped = run_cli([*small, "--trainer.gradient_clip_val", "1.0"], run=False)
    clipped.model.trainer = clipped.trainer
    assert not any(group["fused"] for group in clipped.model.configure_optimizers()["optimizer"].param_groups)
