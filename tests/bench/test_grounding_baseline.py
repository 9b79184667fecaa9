"""``benchmarks/grounding_baseline.py``: the most-frequent-window prior scored on a small world."""

import importlib.util
from pathlib import Path

import pytest

from zoo.data.records import relative_segments
from zoo.data.world.datamodule import WorldDataModule

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
