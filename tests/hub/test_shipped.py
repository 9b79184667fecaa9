"""Every shipped checkpoint of ``checkpoints/index.json`` loads offline through torch.hub from this
checkout and works: its files match the index, and the loaded model runs its task's test loop on
fresh world clips with finite metrics."""

import hashlib
import math

import lightning as L
import pytest
import torch

from zoo.data.world import WorldDataModule
from zoo.hub.index import load_index
from zoo.hub.paths import REPO_ROOT

SHIPPED = [entry for entry in load_index(REPO_ROOT / "checkpoints" / "index.json")["models"] if entry["folder"]]
MAX_BYTES = 20 * 2 ** 20


@pytest.mark.parametrize("entry", SHIPPED, ids=[entry["name"] for entry in SHIPPED])
def test_shipped_files_match_the_index(entry):
    folder = REPO_ROOT / "checkpoints" / entry["folder"]
    for name, recorded in entry["files"].items():
        data = (folder / name).read_bytes()
        assert len(data) == recorded["size"], name
        assert hashlib.sha256(data).hexdigest() == recorded["sha256"], name
    assert entry["files"]["model.safetensors"]["size"] < MAX_BYTES
    assert (REPO_ROOT / entry["card"]).read_text() == (folder / "README.md").read_text()


@pytest.mark.parametrize("entry", SHIPPED, ids=[entry["name"] for entry in SHIPPED])
def test_torch_hub_load_gives_a_working_model(entry):
    task = torch.hub.load(str(REPO_ROOT), entry["arch"], source="local", pretrained=True,
                          tag=entry["tag"], trust_repo=True)
    assert (task.task, task.model.paradigm, task.model.variant) == (entry["task"], entry["paradigm"], entry["variant"])
    assert task.parameter_counts()["trainable"] == entry["parameters"]["trainable"]
    datamodule = WorldDataModule(train_size=1, val_size=1, test_size=4, batch_size=4, test_clips=1,
                                 num_frames=entry["evaluation"]["num_frames"],
                                 qa_format=getattr(task, "mode", None) if entry["task"] == "qa" else None)
    datamodule.connect(task.preprocess)
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False)
    metrics = trainer.test(task, datamodule=datamodule, verbose=False)[0]
    # four clips need not cover every group (e.g. every QA question type): the overall metrics
    # must be there, and everything logged must be finite
    reported = {f"test/{name}" for name in entry["evaluation"]["metrics"]}
    overall = {"recognition": "test/top1", "retrieval": "test/t2v_r1", "captioning": "test/cider",
               "qa": "test/acc"}[entry["task"]]
    assert overall in reported and overall in metrics, sorted(metrics)
    assert set(metrics) <= reported, sorted(set(metrics) - reported)
    assert all(math.isfinite(float(value)) for value in metrics.values()), metrics
