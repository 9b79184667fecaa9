"""The evaluation settings a bench run records (the tracker's NMS, the caption beam ...): read from
the pair's recipe, part of the run's identity, and a run tested under other values is superseded."""

import json

import pytest

from bench_fakes import FakeRunner, bench_args, default_score, measured, quiet
from zoo.bench.evaluation import evaluation_settings
from zoo.bench.grid import Rates
from zoo.bench.ledger import Ledger, RunSpec, record
from zoo.bench.run import bench


def _configs(root, task_yaml: str, pair_yaml: str = "") -> None:
    for folder in ("tasks", "paradigms", "pairs/tracking"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "tasks" / "tracking.yaml").write_text(task_yaml)
    (root / "paradigms" / "lora.yaml").write_text("model:\n  init_args:\n    optim:\n      lr: 0.001\n")
    if pair_yaml:
        (root / "pairs" / "tracking" / "lora.yaml").write_text(pair_yaml)


def test_settings_are_read_from_the_composed_recipe_and_the_pair_file_wins(tmp_path):
    _configs(tmp_path, "model:\n  init_args:\n    tracker:\n      nms_iou: 0.7\n      max_age: 3\n",
             "model:\n  init_args:\n    tracker:\n      nms_iou: 0.3\n")
    assert evaluation_settings("tracking", "lora", tmp_path) == {
        "model.init_args.tracker": {"nms_iou": 0.3, "max_age": 3}}


def test_settings_the_recipe_leaves_unset_are_left_out_and_most_tasks_have_none(tmp_path):
    _configs(tmp_path, "model:\n  init_args:\n    num_queries: 16\n")
    assert evaluation_settings("tracking", "lora", tmp_path) == {}
    # the shipped recipes: recognition names none; captioning's decoding and tracking's tracker are set
    assert evaluation_settings("recognition", "lora") == {}
    assert evaluation_settings("captioning", "lora")["model.init_args.beam_size"] == 3
    assert evaluation_settings("tracking", "lora")["model.init_args.tracker"]["nms_iou"] == 0.3


def test_a_recipe_that_is_not_yaml_is_named(tmp_path):
    _configs(tmp_path, "model: [unclosed\n")
    with pytest.raises(ValueError, match="tracking.yaml: not YAML"):
        evaluation_settings("tracking", "lora", tmp_path)


def test_the_ledger_tells_runs_apart_by_their_settings_and_none_keeps_the_old_identity(tmp_path):
    rates = Rates(1e-3, 1e-5)
    at_07 = RunSpec("tracking", "action", "lora", 1.0, rates, 0, {"model.init_args.tracker": {"nms_iou": 0.7}})
    at_03 = RunSpec("tracking", "action", "lora", 1.0, rates, 0, {"model.init_args.tracker": {"nms_iou": 0.3}})
    bare = RunSpec("tracking", "action", "lora", 1.0, rates, 0)
    assert "evaluation" not in bare.identity({}) and at_07.identity({})["evaluation"] != at_03.identity({})
    ledger = Ledger(tmp_path / "runs.jsonl")
    ledger.append(record(at_07, {}, measured(at_07, 0.4, 0.3, headline="TETA")))
    assert ledger.find(at_07, {}) is not None
    assert ledger.find(at_03, {}) is None and ledger.find(bare, {}) is None
    ledger.append(record(at_03, {}, measured(at_03, 0.5, 0.4, headline="TETA")))
    assert len(ledger.results({})) == 2  # two runs, not one run's two lines


def test_runs_tested_under_other_settings_are_rerun_and_left_out_of_the_summary(tmp_path, monkeypatch):
    """The tracker's NMS moves from 0.7 to 0.3 after a bench: its runs stand for no result any more;
    the bench runs them again and the summary counts the old ones as superseded."""
    import zoo.bench.run

    nms = {"value": 0.7}
    monkeypatch.setattr(zoo.bench.run, "evaluation_settings",
                        lambda task, paradigm, configs=None: {"model.init_args.tracker": {"nms_iou": nms["value"]}})
    args = bench_args(tmp_path, "--task", "tracking", "--paradigms", "postnet,lora", "--labellings", "action",
                      "--lr-grid", "1", "--seeds", "0")
    first = FakeRunner(default_score, headline="TETA")
    bench(args, runner=first, say=quiet)
    assert len(first.calls) == 2
    unchanged = FakeRunner(default_score, headline="TETA")
    bench(args, runner=unchanged, say=quiet)
    assert unchanged.calls == []

    nms["value"] = 0.3
    again = FakeRunner(lambda spec: (0.6, 0.5), headline="TETA")
    summary = bench(args, runner=again, say=quiet)
    assert [s.key for s in again.calls] == ["action/postnet/m1/s0", "action/lora/m1/s0"]
    assert all(s.evaluation == {"model.init_args.tracker": {"nms_iou": 0.3}} for s in again.calls)
    written = json.loads((tmp_path / "tracking" / "summary.json").read_text())
    assert written["runs"] == 2 and written["superseded_runs"] == 2
    assert all(row["labellings"]["action"]["headline"]["values"] == [0.5] for row in summary["rows"])
