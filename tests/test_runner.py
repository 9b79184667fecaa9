"""The recipes: each fact stated once (a paradigm's settings, a task's, a pair's own), composed by
``--recipe TASK/PARADIGM``; old forms keep working with a deprecation note."""

import warnings
from pathlib import Path

import pytest
import yaml

from zoo.registry import PARADIGMS, TASKS
from zoo.runner import expand_arguments, recipe_files

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"


def test_every_task_and_paradigm_has_its_file_and_pairs_only_hold_pair_facts():
    assert sorted(p.stem for p in (CONFIGS / "tasks").glob("*.yaml")) == sorted(TASKS)
    assert sorted(p.stem for p in (CONFIGS / "paradigms").glob("*.yaml")) == sorted(PARADIGMS)
    for pair in (CONFIGS / "pairs").glob("*/*.yaml"):
        assert pair.parent.name in TASKS and pair.stem in PARADIGMS, pair
        model = yaml.safe_load(pair.read_text())["model"]
        # a pair file never restates the paradigm's spec or the task's class
        assert set(model) == {"init_args"} and not {"model", "optim"} & set(model["init_args"]), pair


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
    assert args == ["--config", str(CONFIGS / "tasks/recognition.yaml"),
                    "--config", str(CONFIGS / "paradigms/postnet.yaml")]
    with pytest.warns(FutureWarning, match="--model.init_args.variant moved"):
        assert expand_arguments(["--model.init_args.variant", "meanp"]) == [
            "--model.init_args.model.init_args.variant", "meanp"]
    with pytest.warns(FutureWarning, match="--model.init_args.lr moved"):
        assert expand_arguments(["--model.init_args.lr=0.1"]) == ["--model.init_args.optim.lr=0.1"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # a task's own argument is not moved
        assert expand_arguments(["--model.init_args.head", "text"]) == ["--model.init_args.head", "text"]
