"""``zoo bench --perf``'s ``footprint`` part (issue 17): import time and CLI latency in fresh
interpreters, and the peak RSS of one training step per paradigm, each in a fresh process, beside
the official code's figures measured on the same kind of machine."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any, Optional

import torch


#: Peak RSS (MiB) of one training step of the official code, ViT-B/16, 8x224, batch 1, fp32, on
#: this kind of machine (issue 17): what ``footprint`` sets zoo's own numbers beside.
OFFICIAL_STEP_PEAK_RSS_MIB = {"AIM": 3094, "ST-Adapter": 2066, "EVL": 1696}
#: zoo's paradigm and variant standing for each official code base.
OFFICIAL_COUNTERPARTS = {"AIM": ("adapter", "aim"), "ST-Adapter": ("adapter", "st"), "EVL": ("side", None)}

def high_water_mark() -> Optional[int]:
    """``VmHWM`` of /proc/self/status in bytes: the process's peak RSS (None where there is none)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def progress(iterable, desc: str, total: Optional[int] = None):
    """A tqdm progress bar (rate and ETA) over ``iterable``."""
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, dynamic_ncols=True)


def _high_water_mib() -> float:
    return (high_water_mark() or 0) / 2 ** 20


def recognition_train_step(task, video: torch.Tensor, labels: torch.Tensor,
                           optimizer: torch.optim.Optimizer) -> None:
    """One optimisation step of a recognition task outside Lightning: the task loss plus the
    paradigm's auxiliary losses, backward, ``optimizer.step()`` (what ``--perf`` times)."""
    optimizer.zero_grad(set_to_none=True)
    features = task.encode_video(video)
    loss = task.task_loss({"video": video, "label": labels}, features).loss
    for value in task.model.auxiliary_losses(features).values():
        loss = loss + value
    loss.backward()
    optimizer.step()


def footprint_step(paradigm: str, backbone: str, variant: Optional[str] = None, text_tower: Optional[bool] = None,
                   frames: int = 8, batch: int = 1, seed: int = 0) -> dict[str, Any]:
    """One training step in this process (meant to be a fresh one): its peak RSS and more."""
    from zoo.ops.memory import memory_policy_for
    from zoo.tasks import RecognitionTask

    torch.manual_seed(seed)
    before = _high_water_mib()
    model = {"paradigm": paradigm, "backbone": backbone, "num_frames": frames, "backbone_pretrained": False,
             "variant": variant, "text_tower": text_tower}
    task = RecognitionTask(model=model, class_names=[str(i) for i in range(10)], head="linear")
    task.setup("fit")  # what Lightning calls before training (the allocator setting, zoo.ops.memory)
    built = _high_water_mib()
    size = task.preprocess["size"]
    video = torch.randn(batch, frames, 3, size, size)
    labels = torch.randint(0, 10, (batch,))
    optimizer = torch.optim.AdamW([p for p in task.parameters() if p.requires_grad], lr=1e-4)
    task.train()
    start = time.perf_counter()
    recognition_train_step(task, video, labels, optimizer)
    return {"paradigm": paradigm, "variant": task.model.variant, "backbone": backbone, "frames": frames,
            "batch": batch, "size": size, "text_tower": task.model.has_text_tower,
            "fixed_mmap_threshold": memory_policy_for(task.model.backbone.width),  # idempotent
            "parameters": sum(p.numel() for p in task.parameters()),
            "step_s": time.perf_counter() - start, "peak_rss_before_build_mib": before,
            "peak_rss_after_build_mib": built, "peak_rss_mib": _high_water_mib()}


def _fresh(code: str) -> tuple[float, dict[str, Any]]:
    """Run ``code`` in a fresh interpreter; (wall seconds, the JSON its last line prints)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"zoo bench --perf footprint: a measurement failed:\n{code}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, json.loads(done.stdout.strip().splitlines()[-1])


_HWM = ("import json, sys\n"
        "def _hwm():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 1024\n")


def measure_footprint(args: argparse.Namespace) -> dict[str, Any]:
    """Import time, CLI latency and the peak RSS of one training step per paradigm."""
    from zoo.registry import PARADIGMS

    probes = {"import torch": "import torch", "import zoo": "import zoo",
              "zoo --help": "from zoo.commands import main; main(['--help'])",
              "zoo list": "from zoo.commands import main; main(['list'])",
              "zoo list --pretrained": "from zoo.commands import main; main(['list', '--pretrained'])"}
    heavy = ("torch", "lightning", "open_clip", "peft")
    commands: dict[str, Any] = {}
    for name, body in progress(probes.items(), "footprint: imports and CLI latency", total=len(probes)):
        code = (_HWM + "import io, contextlib\nwith contextlib.redirect_stdout(io.StringIO()):\n    " + body +
                f"\nprint(json.dumps({{'peak_rss_mib': _hwm(), 'heavy': [m for m in {heavy!r} if m in sys.modules]}}))\n")
        runs = [_fresh(code) for _ in range(max(1, args.perf_reps))]
        commands[name] = {"seconds": statistics.median(r[0] for r in runs), "all_seconds": [r[0] for r in runs],
                          "peak_rss_mib": statistics.median(r[1]["peak_rss_mib"] for r in runs),
                          "imports": runs[0][1]["heavy"]}
    paradigms = [p.strip() for p in (args.perf_footprint_paradigms or ",".join(PARADIGMS)).split(",") if p.strip()]

    def step(paradigm: str, variant: Optional[str] = None, text_tower: Optional[bool] = None) -> dict[str, Any]:
        call = (f"footprint_step({paradigm!r}, {args.perf_footprint_backbone!r}, variant={variant!r}, "
                f"text_tower={text_tower!r}, seed={args.seed})")
        code = ("import json, torch\n"
                f"torch.set_num_threads({args.threads})\n"
                "from zoo.bench.footprint import footprint_step\n"
                f"print(json.dumps({call}))\n")
        return _fresh(code)[1]

    steps = [step(p) for p in progress(paradigms, "footprint: one training step per process (defaults)")]
    extra = [(p, v) for p, v in OFFICIAL_COUNTERPARTS.values() if p in paradigms and v is not None and
             not any(s["paradigm"] == p and s["variant"] == v for s in steps)]
    steps += [step(p, v) for p, v in extra]
    if "adapter" in paradigms:
        steps.append(step("adapter", text_tower=True))  # the text tower kept: what dropping it saves
    official = []
    for name, (paradigm, variant) in OFFICIAL_COUNTERPARTS.items():
        mine = next((s for s in steps if s["paradigm"] == paradigm and s["text_tower"] is False and
                     (variant is None or s["variant"] == variant)), None)
        official.append({"code": name, "official_peak_rss_mib": OFFICIAL_STEP_PEAK_RSS_MIB[name],
                         "zoo": f"{paradigm} ({mine['variant']})" if mine else None,
                         "zoo_peak_rss_mib": mine["peak_rss_mib"] if mine else None})
    return {"commands": commands, "training_step": steps, "official": official,
            "import_zoo_minus_torch_s": commands["import zoo"]["seconds"] - commands["import torch"]["seconds"]}
