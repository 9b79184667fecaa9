"""``zoo bench``: the paradigm × task comparison, measured side by side in one run.

For each paradigm, the task's recipe (``configs/<task>/<paradigm>.yaml``: the method's own
learning rates and head) is trained on the synthetic world with **the same budget** for every
paradigm (clips, epochs, batch size, frames, seed), in its own process, then tested. Reported per
paradigm:

- the task's test metrics; recognition trains every paradigm with the same closed-set linear head
  (learning rate 1e-3 for the head; the recipe's rates for everything else) on the 10 actions
  and reports top-1 overall and on the order-dependent actions;
- recognition also measures **zero-shot retention**: after video training, each model classifies
  static single-object clips by shape through its own text tower (prompts ensembled as in
  ``zoo pretrain-backbone``), on shapes never used as a training label — all seven, and the two
  held-out categories (star, ring). It shows how much of the image-language alignment a paradigm
  keeps (FROSTER's concern); the frozen ``tiny`` gets the same score before any video training.
  (The base-to-novel protocol over *actions* exists — ``WorldDataModule(zero_shot=True)`` with
  the text head — but ``tiny``'s text tower never saw a motion word, so held-out actions stay at
  chance for every paradigm and say nothing about them.)
- trainable / total parameters;
- GFLOPs per view (one clip of ``num_frames`` frames), counted by ``torch.utils.flop_counter``
  with one multiply-add = one FLOP (``zoo/bench/flops.py``);
- training throughput (clips/s over the optimisation steps: forward, backward, update; data
  loading excluded) and peak resident memory of the process (each paradigm runs in a fresh
  process);
- activation memory per clip: bytes autograd saves for backward in one training step, divided by
  the batch size (parameters excluded) — the memory side-tuning exists to save.

Results go to ``<out>/<task>/<paradigm>.json``; the summary to ``<out>/<task>/summary.md`` and a
PNG plot of accuracy against trainable parameters.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import torch
from lightning.pytorch.callbacks import Callback

import zoo.tasks  # noqa: F401  (registers the task classes: their facts shape the tables)
from zoo.hub.paths import REPO_ROOT
from zoo.registry import PARADIGMS, TASKS
from zoo.runner import recipe_files, resolve_precision, run_cli

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


def task_overrides(task: str) -> list[str]:
    """What every paradigm shares in the benchmark of ``task`` beyond the budget."""
    if task == "recognition":
        # the head's lr is shared too: recipes that fine-tune a pretrained tower at a small lr
        # (distill, full) would otherwise leave the new head barely trained
        return ["--model.head", "linear", "--model.optim.head_lr", "0.001"]
    return []


@torch.no_grad()
def zero_shot_retention(model, num_stills: int = 350, batch_size: int = 50) -> dict[str, float]:
    """Zero-shot shape top-1 (%) of ``model`` (a ``VideoTextModel``) on static clips: held-out
    single-object stills of the world's test split, each repeated over the model's frames, ranked
    against caption-form prompts of every shape through the model's own text tower."""
    from zoo.data.world.synthetic import NOVEL_SHAPES, SyntheticWorld
    from zoo.data.transforms import VideoTransform
    from zoo.backbones.pretrain import attribute_prompts, prompt_classifier

    model.eval()
    shapes, classifier = prompt_classifier(model.encode_text, attribute_prompts("shape"))
    transform = VideoTransform(model.preprocess, train=False)
    world = SyntheticWorld("test", size=1)
    correct, novel_correct, novel_total = 0, 0, 0
    for start in range(0, num_stills, batch_size):
        stills = [world.still(i, num_objects=1) for i in range(start, min(num_stills, start + batch_size))]
        frames = torch.stack([transform(torch.as_tensor(s.image)[None]).video[0] for s in stills])
        video = frames[:, None].expand(-1, model.num_frames, -1, -1, -1)
        embedding = torch.nn.functional.normalize(model.encode_video(video).video, dim=-1)
        predicted = (embedding @ classifier.t()).argmax(-1).tolist()
        for still, p in zip(stills, predicted):
            shape = still.objects[0]["shape"]
            hit = shapes[p] == shape
            correct += hit
            if shape in NOVEL_SHAPES:
                novel_total, novel_correct = novel_total + 1, novel_correct + hit
    return {"zero_shot_shape_top1": 100.0 * correct / num_stills,
            "zero_shot_novel_shape_top1": 100.0 * novel_correct / max(novel_total, 1)}


def run_one(task: str, paradigm: str, args: argparse.Namespace) -> dict[str, Any]:
    """Train and test one paradigm in this process; returns its measurements."""
    from zoo.bench.flops import count_gflops

    torch.set_num_threads(args.threads)
    recipe = recipe_files(task, paradigm)
    out = Path(args.out) / task
    throughput = TrainThroughput()
    arguments = [
        "--recipe", f"{task}/{paradigm}", *task_overrides(task),
        "--seed_everything", str(args.seed),
        "--model.model.num_frames", str(args.num_frames),
        "--data.init_args.train_size", str(args.train_size),
        "--data.init_args.val_size", str(args.val_size),
        "--data.init_args.test_size", str(args.test_size),
        "--data.init_args.batch_size", str(args.batch_size),
        "--data.init_args.test_clips", str(args.test_clips),
        "--trainer.max_epochs", str(args.epochs),
        "--trainer.enable_progress_bar", "false",
        "--trainer.precision", resolve_precision(args.precision),
        "--trainer.logger.init_args.save_dir", str(out), "--trainer.logger.init_args.name", paradigm,
        *[part for override in args.set for part in ("--" + override.split("=", 1)[0], override.split("=", 1)[1])],
    ]
    cli = run_cli(arguments, run=False)
    model, datamodule, trainer = cli.model, cli.datamodule, cli.trainer
    trainer.callbacks.append(throughput)

    datamodule.setup("fit")
    probe = next(iter(datamodule.train_dataloader()))
    activations = activation_bytes_per_clip(model, probe)
    model.zero_grad(set_to_none=True)
    view = probe["video"][:1]
    model.eval()
    gflops = count_gflops(model.model.encode_video, view)
    model.train()

    start = time.time()
    trainer.fit(model, datamodule)
    fit_seconds = time.time() - start
    tested = trainer.test(model, datamodule, verbose=False)[0]
    if task == "recognition":
        tested.update({f"zero_shot/{k}": v / 100 for k, v in zero_shot_retention(model.model).items()})
    counts = model.parameter_counts()
    result = {
        "task": task, "paradigm": paradigm, "variant": model.model.variant,
        "recipe": [str(path.relative_to(REPO_ROOT)) for path in recipe],
        "metrics": {k: float(v) for k, v in tested.items()},
        "trainable_params": counts["trainable"], "total_params": counts["total"],
        "gflops_per_view": gflops,
        "train_clips_per_second": throughput.clips_per_second,
        "fit_seconds": fit_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "activation_mb_per_clip": activations / 2 ** 20,
        "checkpoint": trainer.checkpoint_callback.last_model_path or trainer.checkpoint_callback.best_model_path,
        "budget": {k: getattr(args, k) for k in ("train_size", "val_size", "test_size", "epochs",
                                                  "batch_size", "num_frames", "test_clips", "seed", "threads")},
        "precision": str(trainer.precision),
        "protocol": f"{args.num_frames} frames x {args.test_clips} clips x 1 crop",
        "torch_threads": torch.get_num_threads(),
    }
    return result


def display_scale(task: str) -> float:
    """Factor from a task's logged metric values to the numbers shown: fractions in %."""
    return 100.0 if TASKS.class_of(task).percent else 1.0


def _format(task: str, value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    return f"{display_scale(task) * value:.{TASKS.class_of(task).decimals}f}"


def metric_columns(task: str, results: list[dict]) -> list[tuple[str, str]]:
    """``(label, key)`` of a task's table: the task's own columns, then every other test metric
    the runs logged (e.g. per class group or question type) and the zero-shot retention."""
    columns = [(label, f"test/{name}") for label, name in TASKS.class_of(task).columns]
    known = {key for _, key in columns}
    extra = sorted({key for r in results for key in r["metrics"]
                    if key not in known and (key.startswith("test/") or key.startswith("zero_shot/"))},
                   key=lambda k: (k.startswith("zero_shot/"), k))
    return columns + [(key.split("/", 1)[1].replace("_", " "), key) for key in extra]


def summary_table(task: str, results: list[dict]) -> str:
    """Markdown table of a task's benchmark results."""
    columns = metric_columns(task, results)
    header = (["paradigm", "variant"] + [name for name, _ in columns]
              + ["trainable / total params", "GFLOPs/view", "train clips/s", "peak RSS (MB)", "activations (MB/clip)"])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in results:
        metrics = r["metrics"]
        values = [_format(task, metrics.get(key)) for _, key in columns]
        lines.append("| " + " | ".join([r["paradigm"], r["variant"], *values,
                                        f"{r['trainable_params']:,} / {r['total_params']:,}",
                                        f"{r['gflops_per_view']:.2f}", f"{r['train_clips_per_second']:.1f}",
                                        f"{r['peak_rss_mb']:.0f}", f"{r['activation_mb_per_clip']:.2f}"]) + " |")
    return "\n".join(lines)


def plot(task: str, results: list[dict], path: Path) -> None:
    """Accuracy (the task's headline metric) against trainable parameters, log x."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    task_cls = TASKS.class_of(task)
    key = f"test/{task_cls.headline}"
    label = dict((name, label) for label, name in task_cls.columns).get(task_cls.headline, task_cls.headline)
    label += " (%)" if task_cls.percent else ""
    scale = display_scale(task)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for r in results:
        x, y = max(r["trainable_params"], 1), scale * r["metrics"].get(key, float("nan"))
        ax.scatter([x], [y], s=40)
        ax.annotate(f"{r['paradigm']} ({r['variant']})", (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters (log scale)")
    ax.set_ylabel(label)
    ax.set_title(f"zoo bench: paradigms x {task}\non the synthetic world (tiny backbone)", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", default="recognition", choices=list(TASKS))
    parser.add_argument("--paradigms", default=",".join(PARADIGMS), help="comma-separated paradigm ids")
    parser.add_argument("--train-size", type=int, default=2000)
    parser.add_argument("--val-size", type=int, default=100)
    parser.add_argument("--test-size", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-frames", type=int, default=8)
    parser.add_argument("--test-clips", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads per run")
    parser.add_argument("--precision", default="auto", help="Lightning precision (auto: bf16 where the hardware computes it natively)")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an extra LightningCLI override for every run, e.g. "
                             "--set model.init_args.backbone_pretrained=false")
    parser.add_argument("--summary-only", action="store_true",
                        help="train nothing: rebuild summary.md and the plot from the paradigms' JSON results")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one paradigm in this process


def run(args: argparse.Namespace) -> int:
    out = Path(args.out) / args.task
    out.mkdir(parents=True, exist_ok=True)
    if args.one:
        result = run_one(args.task, args.one, args)
        (out / f"{args.one}.json").write_text(json.dumps(result, indent=2) + "\n")
        return 0
    paradigms = [p.strip() for p in args.paradigms.split(",") if p.strip()]
    if args.summary_only:
        missing = [str(out / f"{p}.json") for p in paradigms if not (out / f"{p}.json").is_file()]
        if missing:
            raise SystemExit(f"zoo bench --summary-only: no results {missing}; run without --summary-only first")
    results = []
    for paradigm in paradigms:
        if not args.summary_only:
            print(f"\n=== {paradigm} x {args.task} ===", flush=True)
            command = [sys.executable, "-m", "zoo.commands", "bench", "--one", paradigm,
                       *[part for key, value in vars(args).items()
                         if key not in ("one", "paradigms", "command", "set", "summary_only")
                         for part in (f"--{key.replace('_', '-')}", str(value))],
                       *[part for override in args.set for part in ("--set", override)]]
            subprocess.run(command, check=True)
        results.append(json.loads((out / f"{paradigm}.json").read_text()))
    table = summary_table(args.task, results)
    (out / "summary.md").write_text(table + "\n")
    plot(args.task, results, out / f"{args.task}.png")
    print("\n" + table)
    return 0
