"""The real-dataset recipes (``configs/<task>/<dataset>/<paradigm>.yaml``) on the synthetic world
exported in the benchmarks' formats: each builds its task and datamodule, and the Kinetics and
MSR-VTT ones train a step. The tiny backbone replaces the real one so nothing is downloaded."""

import sys
from pathlib import Path

import pytest
import yaml

from zoo.data.world.synthetic import WorldConfig
from zoo.data.world.export import export_world
from zoo.registry import TASKS, accepted_arguments
from zoo.runner import run_cli

REPO = Path(__file__).resolve().parents[1]
RECIPES = sorted(p for p in (REPO / "configs").glob("*/*/*.yaml") if p.parts[-3] in TASKS)
# recipe dataset folder -> the exported benchmark folder (+ what the world's export or the tiny
# backbone standing in for the real one needs)
DATASETS = {
    "kinetics400": ("kinetics", ["--data.init_args.label_map", "label_map.txt"]),
    "ucf101": ("ucf101", []),
    "msrvtt": ("msrvtt", []),
    "nextqa": ("nextqa", []),
    "msrvtt_qa": ("msrvtt_qa", []),
    "hmdb51": ("hmdb51", []),
    "sthv2": ("sthv2", []),
    "msvd": ("msvd", []),
    "vatex": ("vatex", []),
    "msvd_qa": ("msvd_qa", []),
    "nextqa_oe": ("nextqa_oe", []),
    "tgif_qa": ("tgif_qa", []),
    "activitynet_qa": ("activitynet_qa", []),
    "charades_sta": ("charades_sta", []),
    "qvhighlights": ("qvhighlights", []),
    "didemo": ("didemo", []),
    "activitynet_captions": ("activitynet_captions", []),
    "hcstvg": ("hcstvg", []),
    "vidstg": ("vidstg", []),
    # the recipe's 100 DETR queries are selected from ViT-B/16's 196 patch tokens; tiny has 64
    "tao": ("tao", ["--model.init_args.num_queries", "16"]),
}
TINY = ["--model.model.backbone", "tiny", "--model.model.backbone_pretrained", "false"]
ONE_STEP = ["--trainer.fast_dev_run", "1", "--data.init_args.batch_size", "2", "--data.init_args.num_workers", "0",
            "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("recipes_world")
    export_world(out, sizes={"train": 4, "val": 2, "test": 2}, config=WorldConfig(num_frames=16))
    return out


def recipe_arguments(recipe: Path, exported: Path) -> list[str]:
    folder, extra = DATASETS[recipe.parent.name]
    return ["--config", str(recipe), "--data.init_args.root", str(exported / folder), *TINY, *extra]


def test_every_real_dataset_has_an_export():
    assert len(RECIPES) >= 6 and {r.parent.name for r in RECIPES} <= set(DATASETS)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: "/".join(p.parts[-3:]))
def test_real_recipe_instantiates_on_the_exported_world(recipe, exported, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["zoo"])
    cli = run_cli(recipe_arguments(recipe, exported), run=False)
    config = yaml.safe_load(recipe.read_text())
    spec = config["model"]["init_args"]["model"]
    assert spec["init_args"]["backbone"] in ("vitb16", "vitb32")  # real backbones
    assert spec["class_path"] == f"zoo.paradigms.{recipe.stem}.{recipe.stem.capitalize()}Spec"
    assert cli.model.model.paradigm == recipe.stem and cli.model.task == recipe.parts[-3]
    assert type(cli.datamodule).__name__ == config["data"]["class_path"].rsplit(".", 1)[1]
    assert cli.datamodule.root == exported / DATASETS[recipe.parent.name][0]
    assert cli.datamodule.preprocess["num_frames"] == spec["init_args"]["num_frames"]
    accepted = accepted_arguments(type(cli.model))
    for key, value in cli.datamodule.dataset_info().items():  # filled in by the CLI
        if key in accepted:
            assert cli.config["model"]["init_args"][key] == value


@pytest.mark.parametrize("recipe", ["recognition/kinetics400/adapter.yaml", "retrieval/msrvtt/lora.yaml"])
def test_real_recipe_trains_a_step(recipe, exported, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["zoo"])
    path = REPO / "configs" / recipe
    cli = run_cli(["fit", *recipe_arguments(path, exported), *ONE_STEP,
                   "--trainer.default_root_dir", str(tmp_path)])
    assert cli.trainer.global_step == 1
    assert cli.trainer.state.finished


def test_short_data_root_flag_works_in_subclass_mode(exported, monkeypatch):
    """``--data.root`` is accepted as well as ``--data.init_args.root``."""
    monkeypatch.setattr(sys, "argv", ["zoo"])
    cli = run_cli(["--config", str(REPO / "configs/qa/msrvtt_qa/postnet.yaml"),
                   "--data.root", str(exported / "msrvtt_qa"), *TINY], run=False)
    assert cli.datamodule.root == exported / "msrvtt_qa"
    assert cli.model.answer_vocab == cli.datamodule.dataset_info()["answer_vocab"]
