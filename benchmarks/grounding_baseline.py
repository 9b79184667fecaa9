"""The baselines a trained grounding model has to beat clearly, on the recipe's splits.

- ``--task tgrounding``: "the most frequent window". For every test query, the window most
  frequent among the training split's windows (``zoo.tasks.layers.window_prior``), whatever the
  video and the sentence say, scored with the task's own ``MomentRecall``. Annotations only:
  nothing is rendered, so it takes seconds.
- ``--task stgrounding``: "the whole video and the mean box". Every test query gets the whole
  video as its moment and, in every sampled frame, the mean of the training split's ground-truth
  boxes (normalised cxcywh of the model input), scored with the task's own metrics
  (``score_tubes``: m_tIoU, m_vIoU, vIoU@0.3 / 0.5). The clips are sampled and transformed as the
  task's (``--num-frames``, the recipe's 8 by default), so the splits are rendered: a minute or two.

The split sizes and the world are those of ``configs/tasks/<task>.yaml`` (overridable).

    python benchmarks/grounding_baseline.py [--task stgrounding] [--out benchmarks/results/<task>/baseline.json]
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


@torch.no_grad()
def whole_video_mean_box_baseline(data: dict, num_frames: int = 8) -> dict:
    from zoo.factory import create_model
    from zoo.tasks.layers.tube_criterion import normalised_cxcywh
    from zoo.tasks.stgrounding import score_tubes, whole_video_tubes

    task = create_model("postnet_stgrounding_tiny", num_frames=num_frames)
    datamodule = WorldDataModule(**{**data, "test_clips": 1}).connect(task.preprocess, task.batch_keys)
    datamodule.setup("fit")
    boxes = []
    for batch in datamodule.train_dataloader():
        size = tuple(batch["video"].shape[-2:])
        boxes.append(normalised_cxcywh(batch["boxes"][batch["frame_mask"].bool()].float(), size))
    boxes = torch.cat(boxes)
    mean_box = boxes.mean(dim=0)
    datamodule.setup("test")
    metrics, queries = task.make_metrics(), 0
    for batch in datamodule.test_dataloader():
        score_tubes(metrics, batch, whole_video_tubes(batch, mean_box))
        queries += len(batch["video_id"])
    values = {name: round(float(value), 4) for name, value in task.compute_metrics(metrics).items()}
    return {"baseline": "the whole video and the training split's mean box",
            "mean_box_cxcywh": [round(float(v), 4) for v in mean_box], "train_boxes": len(boxes),
            "test_queries": queries, "num_frames": num_frames, "metrics": values,
            "data": {k: data[k] for k in sorted(data)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("tgrounding", "stgrounding"), default="tgrounding")
    parser.add_argument("--out", help="default: benchmarks/results/<task>/baseline.json")
    parser.add_argument("--train-size", type=int, help="world videos of the training split")
    parser.add_argument("--test-size", type=int, help="world videos of the test split")
    parser.add_argument("--num-frames", type=int, default=8, help="stgrounding: frames sampled per clip")
    args = parser.parse_args()
    data = recipe_data(args.task)
    for key in ("train_size", "test_size"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    if args.task == "tgrounding":
        result = most_frequent_window_baseline(data)
    else:
        result = whole_video_mean_box_baseline(data, args.num_frames)
    out = Path(args.out or f"benchmarks/results/{args.task}/baseline.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["metrics"]), "->", out)


if __name__ == "__main__":
    main()
