"""The shipped recipes: one per task x paradigm, and a paradigm means the same thing in every task."""

from pathlib import Path

import pytest
import yaml

from zoo.registry import available_paradigms

REPO = Path(__file__).resolve().parents[1]
COARSE_TASKS = ("recognition", "retrieval", "captioning", "qa")
PARADIGM_KEYS = ("paradigm", "variant", "paradigm_args", "backbone", "num_frames", "lr", "backbone_lr",
                 "weight_decay")


def model_args(task: str, paradigm: str) -> dict:
    return yaml.safe_load((REPO / "configs" / task / f"{paradigm}.yaml").read_text())["model"]["init_args"]


@pytest.mark.parametrize("task", COARSE_TASKS)
def test_every_paradigm_has_a_recipe(task):
    assert sorted(p.stem for p in (REPO / "configs" / task).glob("*.yaml")) == sorted(available_paradigms())


@pytest.mark.parametrize("task", COARSE_TASKS[1:])
@pytest.mark.parametrize("paradigm", available_paradigms())
def test_paradigm_settings_agree_with_recognition(task, paradigm):
    """configs/recognition/<paradigm>.yaml is the source of a paradigm's settings."""
    reference, recipe = model_args("recognition", paradigm), model_args(task, paradigm)
    for key in PARADIGM_KEYS:
        assert recipe.get(key) == reference.get(key), f"configs/{task}/{paradigm}.yaml: {key}"
