"""One bench run, in this process: train a pair at one grid point and seed, validate, test, measure.

The run is the pair's composed recipe (``--recipe <task>/<paradigm>``) with the bench's budget
(clips, epochs, batch, frames, test views: the recipe's where the bench leaves one unset), the
grid point's learning rates, the seed (``seed_everything`` and the data's training randomness)
and the labelling's data (``appearance``: ``--data.init_args.label appearance``, the themed world
whose clips a single frame classifies; ``action``: the recipe's own data). It measures:

- ``val``: the validation metrics after the last epoch (the grid's choice reads the headline);
- ``metrics``: the test metrics, and ``zero_shot/*``: zero-shot retention
  (:mod:`zoo.bench.retention`; ``--zero-shot-stills``, 0 skips it: a measurement of the trained
  model, not part of the budget);
- trainable / total parameters; GFLOPs per view (``zoo/bench/flops.py``: one multiply-add = one
  FLOP); training throughput (clips/s over the optimisation steps: forward, backward, update;
  data loading excluded) and the process's peak resident memory (each run is a fresh process);
  ``cpu``, the processor it ran on (the summary compares throughput on one machine only);
  activation memory per clip (bytes autograd saves for backward in one training step / batch size,
  parameters excluded);
- ``cached``: whether the run trained from the frozen-feature cache (``zoo.data.cache``). Frozen-
  feature paradigms (those with ``encode_frozen``: ``postnet``, ``side``) do, with ``--cache``,
  unless the data flips frames at random: the frozen tower then runs once per split instead of
  every step. Patch tokens are cached only when the task reads them (it fails without them).

Data-dependent task arguments the CLI cannot fill by name are derived here from the datamodule's
``dataset_info``: ``class_groups`` keeps only the groups of the labelling's own classes (the
world's action groups name no appearance class), and QA's ``question_type_groups`` come from the
world's ``question_groups`` (which question types a single frame answers).
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import time
from pathlib import Path
from typing import Any, Optional

import torch
from lightning.pytorch.callbacks import Callback

from zoo.bench.grid import Rates
from zoo.hub.paths import configs_dir
from zoo.registry import PARADIGMS, TASKS, accepted_arguments
from zoo.runner import merge_config, read_recipe, recipe_files, resolve_precision, run_cli

LABELLINGS = ("action", "appearance")
#: The data overrides of each labelling (``action``: the recipe's own data).
LABELLING_DATA = {"action": {}, "appearance": {"label": "appearance"}}
#: The feature caches of the frozen-feature runs, under ``--out`` (``zoo bench`` deletes them when done).
CACHE_FOLDER = "cache"


class TrainThroughput(Callback):
    """Clips per second over the optimisation steps (data loading excluded)."""

    def __init__(self):
        self.seconds, self.clips, self._start = 0.0, 0, 0.0

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        self._start = time.perf_counter()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        self.seconds += time.perf_counter() - self._start
        self.clips += len(batch["video_id"])

    @property
    def clips_per_second(self) -> float:
        return self.clips / self.seconds if self.seconds else 0.0


def activation_bytes_per_clip(task, batch: dict) -> float:
    """Bytes autograd saves for backward in one training step, per clip (parameters excluded)."""
    parameters = {p.data_ptr() for p in task.parameters()}
    seen: set[int] = set()
    total = 0

    def pack(tensor: torch.Tensor):
        nonlocal total
        pointer = tensor.untyped_storage().data_ptr()
        if pointer not in parameters and pointer not in seen:
            seen.add(pointer)
            total += tensor.untyped_storage().nbytes()
        return tensor

    task.train()
    task.log = lambda *args, **kwargs: None  # outside a trainer there is nothing to log to
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            loss = task.training_step(batch, 0)
        del loss
    finally:
        del task.log  # back to LightningModule.log
    return total / len(batch["video_id"])


def recipe_datamodule(task: str, paradigm: str, data_overrides: dict[str, Any]):
    """The datamodule the pair's recipe builds, with ``data_overrides`` on its init args (no
    model, nothing rendered): for its ``dataset_info``."""
    from lightning.pytorch.cli import instantiate_class

    data = merge_config(read_recipe(recipe_files(task, paradigm)).get("data") or {}, {"init_args": data_overrides})
    return instantiate_class((), data)


def derived_task_arguments(task: str, info: dict[str, Any]) -> tuple[list[str], list[str]]:
    """LightningCLI overrides of the task arguments derived from ``dataset_info`` (module doc),
    and the names of the groups they define (whose metrics the tables single out)."""
    accepted = accepted_arguments(TASKS.class_of(task))
    out: list[str] = []
    groups: list[str] = []
    if "class_groups" in accepted and "class_groups" in info:
        names = set(info.get("class_names") or [])
        kept = {g: cs for g, cs in info["class_groups"].items() if set(cs) <= names}
        out += ["--model.init_args.class_groups", json.dumps(kept)]
        groups += list(kept)
    if "question_type_groups" in accepted and info.get("question_groups"):
        out += ["--model.init_args.question_type_groups", json.dumps(info["question_groups"])]
        groups += list(info["question_groups"])
    return out, groups


@torch.no_grad()
def order_sensitive(model, video: torch.Tensor) -> bool:
    """Whether the model's video embedding changes when the frames are played backwards: a
    temporal module (or frame positions) sees order, a mean over frames does not."""
    model.eval()
    forward, backward = model.encode_video(video).video, model.encode_video(video.flip(1)).video
    return not torch.allclose(forward, backward, rtol=1e-4, atol=1e-5)


def reads_tokens(task, batch: dict) -> bool:
    """Whether the task's loss needs ``VideoFeatures.tokens``: it fails without them (then they
    are cached: a cache with tokens serves every task, only a larger one)."""
    with torch.no_grad():
        features = task.encode_video(batch["video"])
        try:
            task.task_loss(batch, dataclasses.replace(features, tokens=None))
        except Exception:  # noqa: BLE001 -- whatever the task raises, it needs the tokens
            return True
    return False


def budget_arguments(budget: dict[str, Any]) -> list[str]:
    """LightningCLI overrides of the budget's set fields (None: the recipe's)."""
    flags = {"train_size": "--data.init_args.train_size", "val_size": "--data.init_args.val_size",
             "test_size": "--data.init_args.test_size", "batch_size": "--data.init_args.batch_size",
             "test_clips": "--data.init_args.test_clips", "epochs": "--trainer.max_epochs",
             "num_frames": "--model.init_args.model.init_args.num_frames"}
    return [part for key, flag in flags.items() if budget.get(key) is not None
            for part in (flag, str(budget[key]))]


def run_arguments(task: str, paradigm: str, labelling: str, rates: Rates, seed: int, budget: dict,
                  root: Path, run: str, extra: list[str], info: dict[str, Any]) -> list[str]:
    """The complete ``zoo fit`` arguments of one bench run."""
    epochs = budget.get("epochs")
    data = [part for key, value in LABELLING_DATA[labelling].items()
            for part in (f"--data.init_args.{key}", str(value))]
    return [
        "--recipe", f"{task}/{paradigm}", *rates.arguments(), *data, *budget_arguments(budget),
        *derived_task_arguments(task, info)[0],
        "--seed_everything", str(seed), "--data.init_args.seed", str(seed),
        "--trainer.enable_progress_bar", "false", "--trainer.num_sanity_val_steps", "0",
        *(["--trainer.check_val_every_n_epoch", str(epochs)] if epochs else []),
        "--trainer.precision", resolve_precision(budget.get("precision") or "auto"),
        "--trainer.default_root_dir", str(root), "--run", run,
        "--checkpoint.save_top_k", "0", "--checkpoint.save_weights_only", "true",
        *extra,
    ]


def use_cache(cli, probe: dict, root: Path) -> bool:
    """Switch a frozen-feature paradigm's datamodule to the feature cache (module docstring)."""
    from zoo.data.cache import FeatureCacheSpec

    model, datamodule = cli.model, cli.datamodule
    if not hasattr(model.model, "encode_frozen") or getattr(datamodule, "train_flip", False):
        return False
    datamodule.feature_cache = FeatureCacheSpec(root=str(root), tokens=reads_tokens(model, probe),
                                                progress=False)
    datamodule.bind_model(model)
    datamodule.datasets.clear()  # the pixel datasets of the probe
    return True


def run_one(task: str, paradigm: str, labelling: str, rates: Rates, seed: int, budget: dict,
            out: Path, run: str, threads: int, cache: bool, extra: Optional[list[str]] = None,
            zero_shot_stills: int = 350) -> dict[str, Any]:
    """Train, validate, test and measure one run; returns its measurements (module docstring)."""
    from zoo.bench.flops import count_gflops
    from zoo.bench.perf import machine
    from zoo.bench.retention import zero_shot_retention

    torch.set_num_threads(threads)
    root = out / task / "lightning"
    info = recipe_datamodule(task, paradigm, LABELLING_DATA[labelling]).dataset_info()
    arguments = run_arguments(task, paradigm, labelling, rates, seed, budget, root, run, extra or [], info)
    cli = run_cli(arguments, run=False)
    model, datamodule, trainer = cli.model, cli.datamodule, cli.trainer
    throughput = TrainThroughput()
    trainer.callbacks.append(throughput)

    datamodule.setup("fit")
    probe = next(iter(datamodule.train_dataloader()))
    activations = activation_bytes_per_clip(model, probe)
    model.zero_grad(set_to_none=True)
    model.eval()
    gflops = count_gflops(model.model.encode_video, probe["video"][:1])
    cached = cache and use_cache(cli, probe, out / CACHE_FOLDER)
    model.train()
    load_before = os.getloadavg()

    start = time.time()
    trainer.fit(model, datamodule)
    fit_seconds = time.time() - start
    val = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/")}
    tested = {k: float(v) for k, v in trainer.test(model, datamodule, verbose=False)[0].items()}
    if zero_shot_stills > 0:
        tested.update({f"zero_shot/{k}": v / 100
                       for k, v in zero_shot_retention(model.model, num_stills=zero_shot_stills).items()})
    sensitive = order_sensitive(model.model, probe["video"][:2])
    counts = model.parameter_counts()
    checkpoint = trainer.checkpoint_callback.last_model_path if trainer.checkpoint_callback else ""
    return {
        "variant": model.model.variant,
        "recipe": [str(path.relative_to(configs_dir().parent)) for path in recipe_files(task, paradigm)],
        "val": val, "metrics": tested, "groups": derived_task_arguments(task, info)[1],
        "family": PARADIGMS.info(paradigm)["family"], "order_sensitive": sensitive,
        "num_classes": len(info["class_names"]) if "class_names" in accepted_arguments(type(model)) else None,
        "trainable_params": counts["trainable"], "total_params": counts["total"],
        "gflops_per_view": gflops, "train_clips_per_second": throughput.clips_per_second,
        "fit_seconds": fit_seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "activation_mb_per_clip": activations / 2 ** 20, "cached": cached,
        "checkpoint": checkpoint, "zero_shot_stills": zero_shot_stills,
        "effective": {"train_size": datamodule.sizes.get("train") if hasattr(datamodule, "sizes") else None,
                      "val_size": datamodule.sizes.get("val") if hasattr(datamodule, "sizes") else None,
                      "test_size": datamodule.sizes.get("test") if hasattr(datamodule, "sizes") else None,
                      "epochs": trainer.max_epochs, "batch_size": datamodule.batch_size,
                      "num_frames": model.model.num_frames, "test_clips": datamodule.test_clips},
        "precision": str(trainer.precision), "torch_threads": torch.get_num_threads(), "cpu": machine()["cpu"],
        "protocol": f"{model.model.num_frames} frames x {datamodule.test_clips} clips x {datamodule.test_crops} crop",
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
    }
