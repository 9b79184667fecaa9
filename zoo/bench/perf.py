"""``zoo bench --perf``: speed and memory, measured side by side in one run.

Three measurements, written to ``<out>/perf/summary.json`` (and ``summary.md``, ``frames.png``):

1. **Frozen-feature cache** (``cache``): ``postnet × recognition`` on the world with ``tiny``
   (the recipe, ``--perf-train-size`` clips, ``--batch-size``, ``--num-frames``, ``--perf-workers``
   DataLoader workers in both modes), trained for a
   few epochs from pixels and then from the cache, in this process, one after the other. The
   epoch time is the wall time of a training epoch, data loading included (validation off);
   ``cache_speedup`` = median epoch time from pixels ÷ median epoch time from the cache. The
   cache's build time (the frozen tower over every frame of the split, once), its size and its
   frame rate are reported with it.
2. **Converted backbone vs stock open_clip** (``backbone``): the same random-weight open_clip
   model (``--perf-backbone``, ViT-B/16 by default) as open_clip builds it and as zoo converts it
   (explicit q/k/v/out attention), on the same images (``--perf-images`` at the model's size):
   forward (eval, no grad) and forward + backward (train mode, all parameters trainable), timed
   alternately (``--perf-reps`` each, after a warm-up; medians). ``backbone_fwd_ratio`` and
   ``backbone_fwd_bwd_ratio`` are zoo's time ÷ stock's (below 1: zoo is faster); the largest
   output difference between the two is reported too.
3. **Frames scaling** (``frames_scaling``): for every paradigm (its default variant, the
   recognition task with a linear head, ``tiny``, batch ``--perf-batch``), the time of one
   training step (forward, loss, backward, AdamW step) and of inference (``encode_video`` and the
   head, no grad) against the clip length (``--perf-frames``, default 8, 16, 32), medians of
   ``--perf-reps``, with the peak memory of each: the process's peak resident set during the
   measured steps (the kernel's high-water mark, reset after freed heap memory is returned to
   the kernel) minus its size before (CPU), or the allocator's peak (CUDA).
   Each paradigm runs in a fresh process.

4. **Footprint** (``footprint``, issue 17): the wall time and peak RSS of ``python -c "import
   torch"`` and ``"import zoo"``, of ``zoo --help``, ``zoo list`` and ``zoo list --pretrained``
   (fresh interpreters, medians of ``--perf-reps``), and the process peak RSS (``VmHWM``) of one
   training step (forward, loss, backward, AdamW step; fp32, batch 1, 8 frames at the model's
   size) per paradigm on ``--perf-footprint-backbone`` with random weights, each in a fresh
   process, beside the official code's figures (``zoo.bench.footprint``); for
   ``adapter`` also with the text tower kept, to show what dropping it saves.

Every time is a ratio or a table measured in one run on one machine; the summary records the
machine (CPU model, cores, torch threads, whether it computes bf16 natively), the precision, the
load average before and after, and the total time.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import torch

from zoo.bench.footprint import high_water_mark, measure_footprint, progress, recognition_train_step
from zoo.bench.perf_report import plot_frames, summary_markdown
from zoo.ops.memory import return_freed_memory

PARTS = ("cache", "backbone", "frames", "footprint")


def add_perf_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("zoo bench --perf")
    group.add_argument("--perf", action="store_true", help="measure speed and memory (module zoo.bench.perf)")
    group.add_argument("--perf-parts", default=",".join(PARTS), help=f"which of {', '.join(PARTS)}")
    group.add_argument("--perf-train-size", type=int, default=1000, help="cache part: training clips")
    group.add_argument("--perf-pixel-epochs", type=int, default=2, help="cache part: epochs from pixels")
    group.add_argument("--perf-cached-epochs", type=int, default=3, help="cache part: epochs from the cache")
    group.add_argument("--perf-workers", type=int, default=0,
                       help="cache part: DataLoader workers, the same in both modes (1 was slower than 0 on 2 cores)")
    group.add_argument("--perf-backbone", default="vitb16", help="backbone part: backbone id")
    group.add_argument("--perf-images", type=int, default=8, help="backbone part: images per pass")
    group.add_argument("--perf-reps", type=int, default=5, help="timed repetitions (after a warm-up)")
    group.add_argument("--perf-frames", default="8,16,32", help="frames part: clip lengths")
    group.add_argument("--perf-batch", type=int, default=4, help="frames part: clips per step")
    group.add_argument("--perf-paradigms", default=None, help="frames part: paradigms (default: all)")
    group.add_argument("--perf-footprint-backbone", default="vitb16",
                       help="footprint part: the backbone of the training-step peak RSS (8x224, batch 1)")
    group.add_argument("--perf-footprint-paradigms", default=None,
                       help="footprint part: paradigms whose training step is measured (default: all)")
    group.add_argument("--perf-one", help=argparse.SUPPRESS)  # internal: one paradigm's frames rows


# ---------------------------------------------------------------------------------- helpers
def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model, flags = "unknown", ""
    try:
        info = open("/proc/cpuinfo").read()
        model = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                      if line.startswith("model name")), model)
        flags = next((line for line in info.splitlines() if line.startswith("flags")), "")
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "native_bf16": any(f in flags.split() for f in ("amx_bf16", "avx512_bf16")),
            "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "torch": torch.__version__, "load_average": list(os.getloadavg())}


def median_time(function: Callable[[], Any], reps: int, sync: Callable[[], None] = lambda: None) -> float:
    """Median wall time of ``function`` over ``reps`` calls after one warm-up call."""
    function()
    sync()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        function()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class PeakMemory:
    """Peak memory during a ``with`` block, in bytes above the start: CUDA's allocator peak, or
    the peak resident set of this process (CPU).

    On CPU the resident set alone undercounts: memory that an earlier step freed stays resident
    in glibc's heap (its mmap threshold rises after a large free), so a new tensor can reuse it
    without the resident set growing. ``__enter__`` therefore first returns freed heap pages to
    the kernel (``malloc_trim(0)``), then resets the kernel's high-water mark
    (``/proc/self/clear_refs``, ``VmHWM``); ``__exit__`` reads ``VmHWM``, the exact peak with
    nothing missed between samples. Where either is unavailable (not glibc, not Linux ≥ 4.0)
    the resident set is sampled every 2 ms instead."""

    def __init__(self, device: torch.device):
        self.device, self.peak, self._stop, self._thread = device, 0, threading.Event(), None
        self.exact = False  # True when the peak is the kernel's high-water mark

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    @staticmethod
    def reset_high_water_mark() -> bool:
        """Reset ``VmHWM`` to the current resident set (``echo 5 > /proc/self/clear_refs``)."""
        try:
            with open("/proc/self/clear_refs", "w") as handle:
                handle.write("5")
            return True
        except OSError:
            return False

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss() - self.start)
            time.sleep(0.002)

    def __enter__(self) -> "PeakMemory":
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.start = torch.cuda.memory_allocated()
            return self
        return_freed_memory()
        self.start = self.rss()
        self.exact = self.reset_high_water_mark() and high_water_mark() is not None
        if not self.exact:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated() - self.start
        elif self.exact:
            self.peak = max(0, high_water_mark() - self.start)
        else:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, self.rss() - self.start)


# ---------------------------------------------------------------------------------- 1. cache
class EpochTimes:
    """Wall seconds of every training epoch (a Lightning callback, built on first use)."""

    def __new__(cls):
        from lightning.pytorch.callbacks import Callback

        class _EpochTimes(Callback):
            def __init__(self):
                self.seconds: list[float] = []

            def on_train_epoch_start(self, trainer, module):
                self._start = time.perf_counter()

            def on_train_epoch_end(self, trainer, module):
                self.seconds.append(time.perf_counter() - self._start)

        return _EpochTimes()


def measure_cache(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Epoch time of postnet x recognition from pixels and from the cache (module docstring)."""
    from zoo.data.cache import FeatureCacheSpec
    from zoo.data.cache.attach import prepare_splits
    from zoo.data.cache.build import folder_size
    from zoo.runner import resolve_precision, run_cli

    precision = resolve_precision(args.precision)
    common = ["--recipe", "recognition/postnet", "--seed_everything", str(args.seed),
              "--model.model.num_frames", str(args.num_frames),
              "--data.init_args.train_size", str(args.perf_train_size), "--data.init_args.val_size", "2",
              "--data.init_args.batch_size", str(args.batch_size),
              "--data.init_args.num_workers", str(args.perf_workers),
              "--trainer.limit_val_batches", "0", "--trainer.num_sanity_val_steps", "0",
              "--trainer.enable_checkpointing", "false", "--trainer.logger", "false",
              "--trainer.default_root_dir", str(out / "runs"),
              "--trainer.enable_progress_bar", "false", "--trainer.precision", precision]
    result: dict[str, Any] = {"recipe": "recognition/postnet", "train_clips": args.perf_train_size,
                              "batch_size": args.batch_size, "num_frames": args.num_frames,
                              "num_workers": args.perf_workers,
                              "precision": precision}
    for mode, epochs in (("pixels", args.perf_pixel_epochs), ("cached", args.perf_cached_epochs)):
        print(f"\n--- postnet x recognition from {mode}: {epochs} epochs of {args.perf_train_size} clips", flush=True)
        cli = run_cli([*common, "--trainer.max_epochs", str(epochs)], run=False)
        timer = EpochTimes()
        cli.trainer.callbacks.append(timer)
        if mode == "cached":
            cli.datamodule.feature_cache = FeatureCacheSpec(root=str(out / "cache"))
            cli.datamodule.bind_model(cli.model)
            start = time.perf_counter()
            folder = prepare_splits(cli.datamodule, cli.model.model, ["train"], precision)["train"]
            manifest = json.loads((Path(folder) / "videos.json").read_text())
            result.update(cache_build_s=time.perf_counter() - start, cache_size_mb=folder_size(folder) / 2 ** 20,
                          cache_frames=manifest["frames"], cache_videos=len(manifest["videos"]),
                          cache_fields=json.loads((Path(folder) / "key.json").read_text())["model"]["fields"])
            result["cache_build_frames_per_s"] = result["cache_frames"] / result["cache_build_s"]
        cli.trainer.fit(cli.model, cli.datamodule)
        result[f"{mode}_epoch_s"] = timer.seconds
        print(f"    epoch seconds: {', '.join(f'{s:.1f}' for s in timer.seconds)}", flush=True)
    result["cache_speedup"] = statistics.median(result["pixels_epoch_s"]) / statistics.median(result["cached_epoch_s"])
    return result


# ---------------------------------------------------------------------------------- 2. backbone
def measure_backbone(args: argparse.Namespace) -> dict[str, Any]:
    """zoo's converted backbone against stock open_clip, forward and forward + backward."""
    import copy

    import open_clip

    from zoo.backbones import Backbone, get_spec

    spec = get_spec(args.perf_backbone)
    torch.manual_seed(args.seed)
    stock = open_clip.create_model(spec.open_clip_name, pretrained=None)
    converted = Backbone(copy.deepcopy(stock), spec, None)
    size = converted.preprocess["size"]
    images = torch.randn(args.perf_images, 3, size, size)
    encoders = {"stock": stock.encode_image, "zoo": converted.encode_image}
    with torch.no_grad():
        difference = (stock.eval().encode_image(images) - converted.eval().encode_image(images)).abs().max().item()

    def forward(name: str) -> Callable[[], Any]:
        return functools.partial(_without_grad, encoders[name], images)

    def forward_backward(name: str) -> Callable[[], Any]:
        model = stock if name == "stock" else converted

        def call():
            model.zero_grad(set_to_none=True)
            encoders[name](images).pow(2).mean().backward()
        return call

    times: dict[str, dict[str, list[float]]] = {"forward": {"stock": [], "zoo": []},
                                                "forward_backward": {"stock": [], "zoo": []}}
    for kind, make, train in (("forward", forward, False), ("forward_backward", forward_backward, True)):
        stock.train(train)
        converted.train(train)
        stock.requires_grad_(train)
        converted.requires_grad_(train)
        for name in ("stock", "zoo"):
            make(name)()  # warm-up
        for rep in progress(range(args.perf_reps), f"{spec.id} {kind}"):
            for name in (("stock", "zoo") if rep % 2 == 0 else ("zoo", "stock")):  # alternate who goes first
                start = time.perf_counter()
                make(name)()
                times[kind][name].append(time.perf_counter() - start)
    medians = {kind: {name: statistics.median(values) for name, values in runs.items()} for kind, runs in times.items()}
    return {"backbone": spec.id, "open_clip_name": spec.open_clip_name, "images": args.perf_images,
            "image_size": size, "seconds": times, "median_seconds": medians,
            "max_output_difference": difference,
            "backbone_fwd_ratio": medians["forward"]["zoo"] / medians["forward"]["stock"],
            "backbone_fwd_bwd_ratio": medians["forward_backward"]["zoo"] / medians["forward_backward"]["stock"]}


# ---------------------------------------------------------------------------------- 3. frames
def measure_paradigm(paradigm: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """One paradigm's rows of the frames table (run in a fresh process by ``measure_frames``)."""
    from zoo.tasks import RecognitionTask

    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    rows = []
    for frames in [int(f) for f in args.perf_frames.split(",")]:
        torch.manual_seed(args.seed)
        task = RecognitionTask(model={"paradigm": paradigm, "backbone": "tiny", "num_frames": frames,
                                      "backbone_pretrained": False},
                               class_names=[str(i) for i in range(10)], head="linear").to(device)
        size = task.preprocess["size"]
        video = torch.randn(args.perf_batch, frames, 3, size, size, device=device)
        labels = torch.randint(0, 10, (args.perf_batch,), device=device)
        optimizer = torch.optim.AdamW([p for p in task.parameters() if p.requires_grad], lr=1e-4)

        infer = functools.partial(_without_grad, task, video)
        train_step = functools.partial(recognition_train_step, task, video, labels, optimizer)
        row = {"paradigm": paradigm, "variant": task.model.variant, "frames": frames, "batch": args.perf_batch,
               "device": device.type, "trainable_params": task.parameter_counts()["trainable"]}
        for name, function, mode in (("inference", infer, False), ("train", train_step, True)):
            task.train(mode)
            with PeakMemory(device) as memory:
                seconds = median_time(function, args.perf_reps, sync)
            row[f"{name}_s"] = seconds
            row[f"{name}_clips_per_s"] = args.perf_batch / seconds
            row[f"{name}_peak_mb"] = memory.peak / 2 ** 20
        rows.append(row)
        del task, optimizer, video, labels, infer, train_step
    return rows


def _without_grad(function: Callable[[torch.Tensor], Any], inputs: torch.Tensor) -> None:
    """One forward pass without autograd (the timed inference step of every --perf part)."""
    with torch.no_grad():
        function(inputs)


def measure_frames(args: argparse.Namespace, out: Path) -> list[dict[str, Any]]:
    from zoo.registry import PARADIGMS

    paradigms = [p.strip() for p in (args.perf_paradigms or ",".join(PARADIGMS)).split(",") if p.strip()]
    rows = []
    for paradigm in progress(paradigms, "frames scaling (one process per paradigm)"):
        target = out / f"frames_{paradigm}.json"
        command = [sys.executable, "-m", "zoo.commands", "bench", "--perf", "--perf-one", paradigm,
                   "--out", str(args.out), "--threads", str(args.threads), "--seed", str(args.seed),
                   "--perf-frames", args.perf_frames, "--perf-batch", str(args.perf_batch),
                   "--perf-reps", str(args.perf_reps)]
        subprocess.run(command, check=True)
        rows.extend(json.loads(target.read_text()))
    return rows


def run_perf(args: argparse.Namespace) -> int:
    out = Path(args.out) / "perf"
    out.mkdir(parents=True, exist_ok=True)
    if args.perf_one:
        rows = measure_paradigm(args.perf_one, args)
        (out / f"frames_{args.perf_one}.json").write_text(json.dumps(rows, indent=1) + "\n")
        return 0
    torch.set_num_threads(args.threads)
    parts = [p.strip() for p in args.perf_parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise SystemExit(f"zoo bench --perf: unknown parts {unknown}; choose from {', '.join(PARTS)}")
    started, machine_info = time.time(), machine()
    summary_path = out / "summary.json"
    summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    summary.update(machine=machine_info, load_before=[round(x, 2) for x in os.getloadavg()])
    # every run that measured parts of this summary (a part's latest run wins), for the report
    this_run = {"parts": parts, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "load_before": summary["load_before"]}
    summary["runs"] = [r for r in summary.get("runs", []) if set(r["parts"]) - set(parts)] + [this_run]

    def save() -> None:  # after every part, so that a long run keeps what it measured
        summary.update(load_after=[round(x, 2) for x in os.getloadavg()], seconds=time.time() - started,
                       parts=parts)
        this_run.update(load_after=summary["load_after"], seconds=round(summary["seconds"], 1))
        summary_path.write_text(json.dumps(summary, indent=1) + "\n")

    if "cache" in parts:
        summary["cache"] = measure_cache(args, out)
        summary["cache_speedup"] = summary["cache"]["cache_speedup"]
        save()
    if "backbone" in parts:
        summary["backbone"] = measure_backbone(args)
        summary["backbone_fwd_ratio"] = summary["backbone"]["backbone_fwd_ratio"]
        summary["backbone_fwd_bwd_ratio"] = summary["backbone"]["backbone_fwd_bwd_ratio"]
        save()
    if "footprint" in parts:
        summary["footprint"] = measure_footprint(args)
        summary["import_zoo_minus_torch_s"] = summary["footprint"]["import_zoo_minus_torch_s"]
        summary["zoo_list_s"] = summary["footprint"]["commands"]["zoo list"]["seconds"]
        save()
    if "frames" in parts:
        summary["frames_scaling"] = measure_frames(args, out)
        plot_frames(summary["frames_scaling"], out / "frames.png")
    save()
    (out / "summary.md").write_text(summary_markdown(summary))
    print("\n" + summary_markdown(summary))
    return 0
