"""The "most frequent window" baseline of temporal grounding on the world, on the recipe's splits.

A trained ``tgrounding`` model has to beat this number clearly: it predicts, for every test query,
the window most frequent among the training split's windows (``zoo.tasks.layers.window_prior``),
whatever the video and the sentence say. The split sizes and the world are those of
``configs/tasks/tgrounding.yaml`` (overridable), scored with the task's own ``MomentRecall``.
Annotations only: nothing is rendered, so it takes seconds.

    python benchmarks/grounding_baseline.py [--out benchmarks/results/tgrounding/baseline.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
import yaml

from zoo.data.records import relative_segments, span_limits
from zoo.data.world.datamodule import WorldDataModule
from zoo.hub.paths import configs_dir
from zoo.metrics.moments import MomentRecall
from zoo.tasks.layers.window_prior import most_frequent_window, prior_predictions
from zoo.tasks.tgrounding import query_number


def recipe_data(task: str = "tgrounding") -> dict:
    """The ``data.init_args`` of ``configs/tasks/<task>.yaml``."""
    config = yaml.safe_load((configs_dir() / "tasks" / f"{task}.yaml").read_text())
    return dict(config["data"]["init_args"])


def windows_and_durations(datamodule: WorldDataModule, split: str):
    """Per query of ``split``: (its windows in seconds from the record's start, its duration, its query id)."""
    file_duration = datamodule.world_config.duration
    out = []
    for record in datamodule.records(split):
        low, high = span_limits(record, file_duration)
        out.append((relative_segments(record, file_duration), high - low, record.query_id))
    return out


def most_frequent_window_baseline(data: dict) -> dict:
    datamodule = WorldDataModule(**data)
    train = windows_and_durations(datamodule, "train")
    prior = most_frequent_window([w for windows, _, _ in train for w in windows],
                                 [d for windows, d, _ in train for _ in windows])
    test = windows_and_durations(datamodule, "test")
    metric = MomentRecall()
    durations = torch.tensor([d for _, d, _ in test], dtype=torch.float64)
    metric.update(list(prior_predictions(prior, durations)),
                  [torch.tensor(windows, dtype=torch.float64) for windows, _, _ in test],
                  query_ids=[query_number(q) for _, _, q in test])
    metrics = {name: round(float(value), 2) for name, value in metric.compute().items()}
    return {"baseline": "most frequent window (of the training split, 16 bins)", "prior": list(prior),
            "train_queries": len(train), "test_queries": len(test), "metrics": metrics,
            "data": {k: data[k] for k in sorted(data)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/tgrounding/baseline.json")
    parser.add_argument("--train-size", type=int, help="world videos of the training split")
    parser.add_argument("--test-size", type=int, help="world videos of the test split")
    args = parser.parse_args()
    data = recipe_data()
    for key in ("train_size", "test_size"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    result = most_frequent_window_baseline(data)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["metrics"]), "->", out)


if __name__ == "__main__":
    main()
