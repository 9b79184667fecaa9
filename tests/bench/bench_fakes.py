"""A fake ``zoo bench`` runner and summaries for the bench's tests: no training, no subprocess."""

from __future__ import annotations

import argparse
from typing import Any, Callable, Optional

from zoo.bench.ledger import RunSpec
from zoo.bench.run import add_arguments

FAMILY = {"postnet": "frozen features", "side": "frozen features", "distill": "frozen features",
          "full": "adapted features", "lora": "adapted features", "adapter": "adapted features",
          "partial": "adapted features", "prompt": "adapted features"}
TEMPORAL = {"postnet", "side", "adapter"}


def bench_args(out, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["--out", str(out), "--precision", "32-true", *argv])


def measured(spec: RunSpec, val: float, test: float, *, headline: str = "top1",
             extra: Optional[dict[str, float]] = None) -> dict[str, Any]:
    """What :func:`zoo.bench.measure.run_one` returns, with the given validation and test headline."""
    return {
        "variant": "v", "family": FAMILY.get(spec.paradigm, "adapted features"),
        "order_sensitive": spec.paradigm in TEMPORAL, "val": {f"val/{headline}": val},
        "metrics": {f"test/{headline}": test, **(extra or {})}, "groups": [],
        "num_classes": 10, "trainable_params": 1000, "total_params": 9000, "gflops_per_view": 1.0,
        "train_clips_per_second": 50.0 + spec.seed, "fit_seconds": 1.0, "peak_rss_mb": 1000.0 + spec.seed,
        "activation_mb_per_clip": 0.5, "cached": False, "checkpoint": "",
        "effective": {"train_size": 100, "val_size": 50, "test_size": 500, "epochs": 1, "batch_size": 8,
                      "num_frames": 8, "test_clips": 1},
        "load_average": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    }


class FakeRunner:
    """Records every spec it is asked to run; scores come from ``score(spec) -> (val, test)``
    (raise to make a run fail)."""

    def __init__(self, score: Callable[[RunSpec], tuple[float, float]], headline: str = "top1"):
        self.score, self.headline, self.calls = score, headline, []

    def __call__(self, spec: RunSpec, args) -> dict[str, Any]:
        self.calls.append(spec)
        val, test = self.score(spec)
        return measured(spec, val, test, headline=self.headline)


def default_score(spec: RunSpec) -> tuple[float, float]:
    """Validation peaks at ×3 for every pair; the test headline is offset by the seed, so the
    mean and sd over seeds are known: ``base ± sd(0.0, 0.02)``."""
    base = {1.0: 0.30, 3.0: 0.50, 10.0: 0.20}[spec.multiplier]
    bonus = 0.2 if spec.labelling == "appearance" else 0.0
    return base + bonus, base + bonus - 0.05 + 0.02 * spec.seed


def quiet(text: str) -> None:
    pass
