"""Multi-process training (Lightning DDP, gloo on CPU, 2 processes) equals one process.

Each case trains ``postnet lstm`` (CLIP4Clip's seqLSTM on a random ``tiny``; no dropout) on the
world for 2 epochs of 2 AdamW steps: once in one process with batch 4, once in 2 DDP processes
with batch 2 each — the same global batches (``DistributedEpochSampler``) — then tests. This file
is also the training script: the tests run it in a subprocess (``python tests/test_ddp.py ...``),
which Lightning's DDP launcher re-runs for the second process. What is asserted, exactly:

- **gradients** of the first step, as the optimizer sees them (after DDP's all-reduce): every
  entry within 1e-6 × the largest gradient entry of the one-process run (DDP averages two
  half-batch means where one process takes one mean: the same sum in another order);
- **weights** of the final checkpoint (``last.ckpt``): every tensor within 1e-5 absolute of the
  one-process run; ``global_step`` and ``epoch`` equal. (Not with ``seqtransf``: the key
  projections' biases of its attention have an analytically zero gradient, so both runs hold
  round-off there, ~1e-9, of different sign — and Adam divides a gradient by its own magnitude,
  turning that into lr-sized steps. The gradients agree; the weights would differ by up to
  ~5e-4 after 4 steps.)
- **retrieval's gathered negatives**: the training loss of every step (each process computes the
  global batch's loss over the videos and captions gathered from both) within 1e-5 of the
  one-process loss on the same 4 videos — with local negatives only it would be another number;
- **every metric's sync**: the test metrics of one checkpoint (the one-process run's) evaluated
  by 2 processes, each holding part of an uneven split (5 test videos, 2 clips each), within
  1e-6 of one process's (recognition: top-1, top-5, mean-class, per group; retrieval: R@K,
  MdR, MnR both ways);
- **the feature cache under DDP** (recognition): the 2-process run reads a cache built once by
  the first process (the others wait) and opened by both from its folder; its weights still
  match the one-process run *on pixels* to the tolerance above.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve()
TOLERANCE_GRADIENTS = 1e-6  # relative to the largest gradient entry
TOLERANCE_WEIGHTS = 1e-5
TOLERANCE_LOSS = 1e-5
TOLERANCE_METRICS = 1e-6


def build(task_name: str, cache_root: str | None):
    import lightning as L

    from zoo.data.cache import FeatureCacheSpec
    from zoo.data.world.datamodule import WorldDataModule
    from zoo.tasks import RecognitionTask, RetrievalTask

    L.seed_everything(0, verbose=False)
    spec = {"paradigm": "postnet", "backbone": "tiny", "variant": "lstm", "num_frames": 4,
            "backbone_pretrained": False}
    optim = {"lr": 1e-3, "warmup_fraction": 0.0}
    datamodule = WorldDataModule(train_size=8, val_size=4, test_size=5, test_clips=2, batch_size=4,
                                 world_frames=8, height=32, width=32)
    if task_name == "recognition":
        task = RecognitionTask(model=spec, optim=optim, head="linear",
                               **{k: v for k, v in datamodule.dataset_info().items() if k in ("class_names", "class_groups")})
    else:
        task = RetrievalTask(model=spec, optim=optim, train_captions="all")
    datamodule.connect(task.preprocess)
    if cache_root:
        datamodule.feature_cache = FeatureCacheSpec(root=cache_root, progress=False)
    return task, datamodule


def main(argv=None) -> None:
    import lightning as L
    from lightning.pytorch.callbacks import Callback, ModelCheckpoint

    parser = argparse.ArgumentParser()
    parser.add_argument("--task", required=True)
    parser.add_argument("--devices", type=int, default=1)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cache", default=None)
    parser.add_argument("--reference", default=None, help="a checkpoint to test as well")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    task, datamodule = build(args.task, args.cache)
    datamodule.batch_size = 4 // args.devices
    losses: list[float] = []
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    class Losses(Callback):
        def on_before_optimizer_step(self, trainer, module, optimizer):
            if trainer.global_step == 0 and trainer.global_rank == 0:
                torch.save({n: p.grad.clone() for n, p in module.named_parameters() if p.grad is not None},
                           out / "gradients.pt")

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
            losses.append(float(outputs["loss"]))

    trainer = L.Trainer(accelerator="cpu", devices=args.devices, strategy="ddp" if args.devices > 1 else "auto",
                        max_epochs=2, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        num_sanity_val_steps=0, deterministic=True,
                        callbacks=[Losses(), ModelCheckpoint(dirpath=out, save_last=True, save_top_k=0)])
    trainer.fit(task, datamodule)
    result = {"losses": losses, "test": {k: float(v) for k, v in trainer.test(task, datamodule, verbose=False)[0].items()}}
    if args.reference:
        tested = trainer.test(task, datamodule, ckpt_path=args.reference, verbose=False)[0]
        result["reference_test"] = {k: float(v) for k, v in tested.items()}
    if trainer.global_rank == 0:
        (out / "result.json").write_text(json.dumps(result))


def launch(tmp_path: Path, name: str, task: str, devices: int, **options) -> dict:
    out = tmp_path / name
    command = [sys.executable, str(SCRIPT), "--task", task, "--devices", str(devices), "--out", str(out)]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=SCRIPT.parents[1])
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads((out / "result.json").read_text())
    result["checkpoint"] = torch.load(out / "last.ckpt", map_location="cpu", weights_only=True)
    result["checkpoint_path"] = str(out / "last.ckpt")
    result["gradients"] = torch.load(out / "gradients.pt", map_location="cpu", weights_only=True)
    return result


def assert_same_gradients(single: dict, multi: dict) -> None:
    one, two = single["gradients"], multi["gradients"]
    assert one.keys() == two.keys() and one
    scale = max(g.abs().max().item() for g in one.values())
    assert scale > 0
    gap = max((one[k] - two[k]).abs().max().item() for k in one)
    assert gap <= TOLERANCE_GRADIENTS * scale, (gap, scale)


def assert_same_weights(single: dict, multi: dict) -> None:
    assert single["checkpoint"]["global_step"] == multi["checkpoint"]["global_step"] == 4
    assert single["checkpoint"]["epoch"] == multi["checkpoint"]["epoch"]
    one, two = single["checkpoint"]["state_dict"], multi["checkpoint"]["state_dict"]
    assert one.keys() == two.keys() and any("temporal" in k for k in one)
    gap = max((one[k].float() - two[k].float()).abs().max().item() for k in one)
    assert gap <= TOLERANCE_WEIGHTS, gap


def assert_close(a: dict, b: dict, tolerance: float) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert abs(a[key] - b[key]) <= tolerance, (key, a[key], b[key])


@pytest.mark.parametrize("task", ["recognition", "retrieval"])
def test_two_processes_equal_one(tmp_path, task):
    single = launch(tmp_path, "single", task, 1)
    options = {"reference": single["checkpoint_path"]}
    if task == "recognition":
        options["cache"] = tmp_path / "cache"
    multi = launch(tmp_path, "ddp", task, 2, **options)
    assert_same_gradients(single, multi)
    assert_same_weights(single, multi)
    # the one-process weights moved: the comparison is not between two untrained models
    assert single["losses"][0] != single["losses"][-1]
    if task == "retrieval":
        assert len(single["losses"]) == len(multi["losses"]) == 4
        for a, b in zip(single["losses"], multi["losses"]):
            assert abs(a - b) <= TOLERANCE_LOSS, (single["losses"], multi["losses"])
    # the one-process checkpoint, tested by 2 processes over an uneven split, scores the same
    assert_close(single["test"], multi["reference_test"], TOLERANCE_METRICS)
    if task == "recognition":
        assert any(p.name != "key.json" for p in (tmp_path / "cache").rglob("*.bin"))


if __name__ == "__main__":
    main()
