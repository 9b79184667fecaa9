"""``zoo bench --perf`` measures what it says, on tiny sizes (no assertion on any timing)."""

import argparse
import json
import subprocess
import sys

import pytest
import torch

from zoo.bench import perf


def perf_args(tmp_path, **overrides) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    from zoo.bench.run import add_arguments

    add_arguments(parser)
    args = parser.parse_args(["--perf", "--out", str(tmp_path), "--threads", "1"])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def test_median_time_calls_once_to_warm_up_then_reps_times():
    calls = []
    seconds = perf.median_time(lambda: calls.append(1), reps=3)
    assert len(calls) == 4 and seconds >= 0


def test_peak_memory_sees_a_tensor_allocated_inside():
    with perf.PeakMemory(torch.device("cpu")) as memory:
        block = torch.ones(16 * 2 ** 20 // 4)  # 16 MiB, touched
    assert memory.peak >= 12 * 2 ** 20 and block.sum() > 0


REUSED_MEMORY = """
import torch
from zoo.bench import perf
for _ in range(3):
    freed = torch.ones(64 * 2 ** 20 // 4)
    del freed
    freed = [torch.ones(2 ** 20) for _ in range(40)]  # 40 x 4 MiB in the heap, then freed
    del freed
with perf.PeakMemory(torch.device("cpu")) as memory:
    block = torch.ones(16 * 2 ** 20 // 4)  # 16 MiB, touched
with perf.PeakMemory(torch.device("cpu")) as nothing:
    pass
print(memory.peak, nothing.peak, int(block.sum()))
"""


def test_peak_memory_sees_a_tensor_that_reuses_memory_freed_before():
    """After large frees glibc keeps freed pages resident in its heap (its mmap threshold rises),
    so a new tensor need not grow the resident set at all (a sampled resident set saw 84 KiB for
    this 16 MiB tensor): the measurement must still see it. A fresh interpreter, so that the
    heap's state is this script's alone."""
    done = subprocess.run([sys.executable, "-c", REUSED_MEMORY], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    peak, nothing, _ = map(int, done.stdout.split())
    assert peak >= 12 * 2 ** 20
    assert nothing < 4 * 2 ** 20  # nothing allocated inside: no phantom peak


def test_frames_rows_for_a_frozen_and_an_adapted_paradigm(tmp_path):
    args = perf_args(tmp_path, perf_frames="2,4", perf_batch=1, perf_reps=1)
    for paradigm in ("postnet", "lora"):
        rows = perf.measure_paradigm(paradigm, args)
        assert [r["frames"] for r in rows] == [2, 4]
        for row in rows:
            assert row["paradigm"] == paradigm and row["trainable_params"] > 0
            assert row["train_s"] > 0 and row["inference_s"] > 0
            assert row["train_clips_per_s"] == pytest.approx(1 / row["train_s"])
            assert row["train_peak_mb"] >= 0 and row["inference_peak_mb"] >= 0


def test_backbone_comparison_on_tiny_runs_the_same_function_twice(tmp_path):
    args = perf_args(tmp_path, perf_backbone="tiny", perf_images=2, perf_reps=2)
    result = perf.measure_backbone(args)
    assert result["max_output_difference"] < 1e-5  # the converted model computes what stock does
    for kind in ("forward", "forward_backward"):
        assert len(result["seconds"][kind]["zoo"]) == len(result["seconds"][kind]["stock"]) == 2
    assert result["backbone_fwd_ratio"] == pytest.approx(
        result["median_seconds"]["forward"]["zoo"] / result["median_seconds"]["forward"]["stock"])


def test_cache_part_trains_from_pixels_then_from_the_cache_and_writes_the_summary(tmp_path):
    args = perf_args(tmp_path, perf_parts="cache", perf_train_size=6, batch_size=3, num_frames=4,
                     perf_pixel_epochs=1, perf_cached_epochs=2, precision="32-true")
    assert perf.run_perf(args) == 0
    summary = json.loads((tmp_path / "perf" / "summary.json").read_text())
    cache = summary["cache"]
    assert len(cache["pixels_epoch_s"]) == 1 and len(cache["cached_epoch_s"]) == 2
    # epoch time without the cache / with it (the median of the two cached epochs is their mean)
    assert summary["cache_speedup"] == pytest.approx(cache["pixels_epoch_s"][0] / (sum(cache["cached_epoch_s"]) / 2))
    assert cache["cache_videos"] == 6 and cache["cache_frames"] == 6 * 16 and cache["cache_size_mb"] > 0
    assert cache["cache_fields"] == ["embeddings"]
    assert "speedup" in (tmp_path / "perf" / "summary.md").read_text()
    assert summary["machine"]["cores"] >= 1 and summary["parts"] == ["cache"]


def test_summary_and_plot_from_rows(tmp_path):
    rows = [{"paradigm": p, "variant": "v", "frames": f, "batch": 2, "train_s": 0.1 * f, "inference_s": 0.05 * f,
             "train_peak_mb": 10.0 * f, "inference_peak_mb": 5.0 * f} for p in ("postnet", "side") for f in (8, 16)]
    summary = {"machine": {"cpu": "x", "cores": 2, "torch_threads": 2, "native_bf16": False},
               "load_before": [0, 0, 0], "load_after": [0, 0, 0], "seconds": 1.0, "frames_scaling": rows}
    text = perf.summary_markdown(summary)
    assert text.count("| postnet | v |") == 2 and "| side | v | 16 | 1.600 |" in text
    perf.plot_frames(rows, tmp_path / "frames.png")
    assert (tmp_path / "frames.png").stat().st_size > 1000


def test_footprint_part_measures_imports_the_cli_and_a_training_step_per_process(tmp_path):
    args = perf_args(tmp_path, perf_parts="footprint", perf_reps=1, perf_footprint_backbone="tiny",
                     perf_footprint_paradigms="adapter")
    assert perf.run_perf(args) == 0
    summary = json.loads((tmp_path / "perf" / "summary.json").read_text())
    commands = summary["footprint"]["commands"]
    assert set(commands) == {"import torch", "import zoo", "zoo --help", "zoo list", "zoo list --pretrained"}
    assert commands["import torch"]["imports"] == ["torch"]
    for name in ("import zoo", "zoo --help", "zoo list", "zoo list --pretrained"):
        assert commands[name]["imports"] == [] and commands[name]["seconds"] > 0, name
        assert 0 < commands[name]["peak_rss_mib"] < commands["import torch"]["peak_rss_mib"], name
    steps = summary["footprint"]["training_step"]
    # adapter's default (AIM), ST-Adapter's variant, and AIM again with the text tower kept
    assert [(s["variant"], s["text_tower"]) for s in steps] == [("aim", False), ("st", False), ("aim", True)]
    assert all(s["peak_rss_mib"] >= s["peak_rss_after_build_mib"] > 0 and s["step_s"] > 0 for s in steps)
    assert steps[2]["parameters"] > steps[0]["parameters"]  # the kept tower is in the model
    official = {o["code"]: o for o in summary["footprint"]["official"]}
    assert official["AIM"]["zoo_peak_rss_mib"] == steps[0]["peak_rss_mib"]
    assert official["EVL"]["zoo_peak_rss_mib"] is None  # side was not measured
    assert summary["zoo_list_s"] == commands["zoo list"]["seconds"]
    assert "official code" in (tmp_path / "perf" / "summary.md").read_text()
