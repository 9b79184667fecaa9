"""``zoo export``: a real Lightning checkpoint of a zoo run -> folder + card; ``--register`` adds the
index entry and the card copy, and nothing else is touched without it."""

import argparse

import pytest
import torch
from hub_fixtures import module_home, tiny_weights, video  # noqa: F401

import zoo
from zoo.commands import main
from zoo.hub.export import export, load_lightning_checkpoint, metrics_from_csv
from zoo.hub.index import find_entry
from zoo.hub.folder import read_config
from zoo.runner import run_cli

NAME = "postnet_recognition_tiny.world_e"


@pytest.fixture(scope="module")
def run(module_home, tmp_path_factory):
    """One optimizer step of `zoo fit` with the shipped recipe on a few world clips."""
    root = tmp_path_factory.mktemp("runs")
    cli = run_cli([
        "fit", "--recipe", "recognition/postnet",
        "--model.model.num_frames=4", "--data.init_args.train_size=4",
        "--data.init_args.val_size=2", "--data.init_args.test_size=4", "--data.init_args.batch_size=2",
        "--data.init_args.test_clips=2", "--trainer.max_steps=1", "--trainer.limit_val_batches=1",
        "--trainer.num_sanity_val_steps=0", "--trainer.accelerator=cpu",
        "--trainer.enable_progress_bar=false", "--trainer.enable_model_summary=false",
        f"--trainer.default_root_dir={root}", f"--trainer.logger.init_args.save_dir={root}"])
    (ckpt,) = root.rglob("last.ckpt")
    return ckpt, cli.model.eval()


def test_export_with_test_metrics_writes_folder_card_and_index(run, module_home):
    ckpt, trained = run
    entry = export(ckpt, module_home.checkpoints / NAME, test=True, gflops=0.5, register=True)
    folder = module_home.checkpoints / NAME
    config = read_config(folder)
    assert config["weights"]["storage"] == "delta" and config["backbone"]["pretrained"] == "zoo"
    evaluation = config["evaluation"]
    assert (evaluation["dataset"], evaluation["split"], evaluation["clips"], evaluation["crops"],
            evaluation["num_frames"]) == ("world", "test", 2, 1, 4)
    assert {"top1", "top5", "mean_class"} <= set(evaluation["metrics"])
    assert all(0.0 <= v <= 1.0 for v in evaluation["metrics"].values())
    assert config["preprocessing"]["fps"] == 8.0 and config["gflops"] == 0.5
    assert (folder / "training_config.yaml").read_text() == (ckpt.parent.parent / "config.yaml").read_text()
    assert (module_home.cards / f"{NAME}.md").read_text() == (folder / "README.md").read_text()
    assert find_entry(NAME) == entry and entry["folder"] == NAME
    assert entry["evaluation"] == evaluation and entry["gflops"] == 0.5
    loaded = zoo.from_pretrained(NAME)
    with torch.no_grad():
        assert torch.equal(loaded(video()), trained(video()))


def test_export_cli_with_metrics_from_csv(run, module_home, tmp_path, capsys):
    ckpt, _ = run
    csv = tmp_path / "metrics.csv"
    csv.write_text("epoch,step,test/top1,test/top5,val/top1\n0,1,,,0.5\n0,1,0.25,0.75,\n")
    out = tmp_path / "postnet_recognition_tiny.csv_e"
    index = module_home.checkpoints / "index.json"
    index_before = index.read_bytes() if index.exists() else None
    cards_before = sorted(module_home.cards.iterdir())
    assert main(["export", "--ckpt_path", str(ckpt), "--out", str(out), "--metrics-from", str(csv)]) == 0
    assert "exported postnet_recognition_tiny.csv_e" in capsys.readouterr().out
    config = read_config(out)
    assert config["evaluation"]["metrics"] == {"top1": 0.25, "top5": 0.75}
    assert config["evaluation"]["clips"] == 2  # protocol from the run's config.yaml
    # a user's own export touches nothing of zoo's: no index entry, no card copy
    assert (index.read_bytes() if index.exists() else None) == index_before
    assert sorted(module_home.cards.iterdir()) == cards_before
    assert find_entry("postnet_recognition_tiny.csv_e") is None
    assert main(["export", "--ckpt_path", str(ckpt), "--out", str(out), "--metrics-from", str(csv),
                 "--register"]) == 0
    assert find_entry("postnet_recognition_tiny.csv_e")["folder"] is None  # not under checkpoints/
    assert metrics_from_csv(csv, split="val") == {"val/top1": 0.5}
    with pytest.raises(ValueError, match="no predict/ metrics"):
        metrics_from_csv(tmp_path / "metrics.csv", split="predict")


def test_export_refuses_a_checkpoint_trained_on_other_backbone_weights(run, tmp_path):
    ckpt, _ = run
    checkpoint = load_lightning_checkpoint(ckpt)
    checkpoint["state_dict"]["model.backbone.clip.visual.class_embedding"] += 1
    changed = tmp_path / "changed.ckpt"
    torch.save(checkpoint, changed)
    with pytest.raises(ValueError, match="frozen model.backbone.clip.visual.class_embedding differs"):
        export(changed, tmp_path / "postnet_recognition_tiny.x")
    with pytest.raises(ValueError, match="needs a tag"):
        export(ckpt, tmp_path / "postnet_recognition_tiny")


def test_checkpoints_with_arbitrary_objects_need_explicit_trust(run, tmp_path):
    ckpt, _ = run
    checkpoint = load_lightning_checkpoint(ckpt)
    checkpoint["extra"] = argparse.Namespace(anything=1)
    unsafe = tmp_path / "unsafe.ckpt"
    torch.save(checkpoint, unsafe)
    with pytest.raises(ValueError, match="--trust-checkpoint"):
        load_lightning_checkpoint(unsafe)
    assert load_lightning_checkpoint(unsafe, trust=True)["extra"].anything == 1
