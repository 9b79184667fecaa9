"""``benchmarks/grounding_baseline.py``: the most-frequent-window prior (tgrounding) and the
whole-video, mean-box baseline (stgrounding) scored on small worlds."""

import importlib.util
from pathlib import Path

import pytest

from zoo.data.records import relative_segments
from zoo.data.world.datamodule import WorldDataModule
from zoo.factory import create_model

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "grounding_baseline.py"


def iou(a, b) -> float:
    """Temporal IoU of two (start, end) windows, by hand."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def load_script():
    spec = importlib.util.spec_from_file_location("grounding_baseline", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_prior_is_scored_against_every_test_query_by_hand():
    script = load_script()
    data = {**script.recipe_data(), "train_size": 12, "val_size": 2, "test_size": 6}
    result = script.most_frequent_window_baseline(data)
    datamodule = WorldDataModule(**data)
    test = datamodule.records("test")
    assert result["test_queries"] == len(test) and result["train_queries"] == len(datamodule.records("train"))
    start, end = result["prior"]
    duration = datamodule.world_config.duration
    ious = [max(iou((start * duration, end * duration), window)
                for window in relative_segments(record, duration)) for record in test]
    assert result["metrics"]["miou"] == pytest.approx(100 * sum(ious) / len(ious), abs=0.01)
    assert result["metrics"]["r1_iou0.5"] == pytest.approx(100 * sum(i >= 0.5 for i in ious) / len(ious), abs=0.01)


def test_the_whole_video_baseline_scores_every_test_query_by_hand():
    """stgrounding's baseline: the whole video ``[0, duration)`` is the moment, so each query's
    tIoU (continuous, TubeDETR's) is its segment's share of the video, by hand from the batches."""
    script = load_script()
    data = {**script.recipe_data("stgrounding"), "train_size": 6, "val_size": 2, "test_size": 4,
            "batch_size": 4}
    result = script.whole_video_mean_box_baseline(data, num_frames=4)
    assert all(0.0 < v < 1.0 for v in result["mean_box_cxcywh"]) and result["train_boxes"] > 0
    task = create_model("postnet_stgrounding_tiny", num_frames=4)
    datamodule = WorldDataModule(**{**data, "test_clips": 1}).connect(task.preprocess, task.batch_keys)
    datamodule.setup("test")
    shares = []
    for batch in datamodule.test_dataloader():
        for (start, end), duration in zip(batch["segments"].tolist(), batch["duration"].tolist()):
            shares.append((min(end, duration) - max(start, 0.0)) / duration)
    assert result["test_queries"] == len(shares) == len(datamodule.records("test"))
    assert result["metrics"]["m_tIoU"] == pytest.approx(sum(shares) / len(shares), abs=1e-4)
    assert 0.0 <= result["metrics"]["m_vIoU"] < result["metrics"]["m_tIoU"]
