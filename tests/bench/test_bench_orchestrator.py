"""``zoo bench``'s orchestration with a fake runner: the grid, the ledger (resume), the summary."""

import json
import math
import statistics

import pytest

from bench_fakes import FakeRunner, bench_args, default_score, measured, quiet
from zoo.bench.grid import Rates, choose, grid_points, method_rates, parse_grid
from zoo.bench.ledger import Ledger, RunSpec, record
from zoo.bench.run import bench, plan
from zoo.bench.summary import chance_level, spread, summarise


@pytest.fixture(autouse=True)
def no_figures(monkeypatch):
    """Figures cost seconds each (matplotlib); one test draws them (it undoes this)."""
    import zoo.bench.figures

    monkeypatch.setattr(zoo.bench.figures, "task_figure", lambda summary, path: path)
    monkeypatch.setattr(zoo.bench.figures, "heatmap", lambda summaries, paradigms, path: path)


# --- grid -----------------------------------------------------------------------------------

def test_parse_grid_keeps_order_and_rejects_bad_multipliers():
    assert parse_grid("1, 3,10") == (1.0, 3.0, 10.0)
    assert parse_grid("0.3,1") == (0.3, 1.0)
    for bad in ("", "0,1", "-1", "1,1", "nan"):
        with pytest.raises(ValueError):
            parse_grid(bad)


def test_choose_takes_the_best_validation_score_and_breaks_ties_towards_the_method():
    assert choose({1.0: 0.2, 3.0: 0.5, 10.0: 0.4}) == 3.0
    # failed (None) and NaN count as worst
    assert choose({1.0: None, 3.0: float("nan"), 10.0: 0.1}) == 10.0
    # all tied (e.g. at chance): the method's own rates (×1), then the point nearest to it
    assert choose({0.3: 0.1, 1.0: 0.1, 3.0: 0.1}) == 1.0
    assert choose({3.0: 0.1, 10.0: 0.1, 0.5: 0.1}) == 0.5  # |log 0.5| < |log 3|
    with pytest.raises(ValueError):
        choose({})


def test_method_rates_merge_task_and_paradigm_files_and_ignore_the_pair_file(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "paradigms").mkdir()
    (tmp_path / "pairs" / "recognition").mkdir(parents=True)
    (tmp_path / "tasks" / "recognition.yaml").write_text("model:\n  init_args:\n    optim:\n      lr: 0.002\n")
    (tmp_path / "paradigms" / "lora.yaml").write_text(
        "model:\n  init_args:\n    optim:\n      backbone_lr: 0.0001\n      weight_decay: 0.1\n")
    (tmp_path / "pairs" / "recognition" / "lora.yaml").write_text(
        "model:\n  init_args:\n    optim:\n      lr: 9.0\n")  # the bench's own output: never a start
    rates = method_rates("recognition", "lora", tmp_path)
    assert (rates.lr, rates.backbone_lr) == (0.002, 0.0001)
    points = grid_points(rates, (1.0, 10.0))
    assert points[1][0] == 10.0 and points[1][1].lr == pytest.approx(0.02)
    assert points[1][1].backbone_lr == pytest.approx(0.001)


def test_rates_arguments_leave_an_unset_head_rate_out_and_round_products():
    assert Rates(1e-4, 1e-5).scaled(3).arguments() == [
        "--model.init_args.optim.lr", "0.0003", "--model.init_args.optim.backbone_lr", "3e-05"]
    assert Rates(1e-3, 1e-5, 1e-2).arguments()[-2:] == ["--model.init_args.optim.head_lr", "0.01"]


def test_the_plan_tunes_every_labelling_paradigm_and_grid_point_at_the_first_seed():
    specs = plan("recognition", ["postnet", "lora"], ["action", "appearance"], (1.0, 3.0), seed=7)
    assert len(specs) == 2 * 2 * 2 and {s.seed for s in specs} == {7}
    # grid point by grid point: a bench stopped early has every pair at the first points
    assert [s.key for s in specs[:4]] == ["action/postnet/m1/s7", "action/lora/m1/s7",
                                          "appearance/postnet/m1/s7", "appearance/lora/m1/s7"]
    assert specs[-1].key == "appearance/lora/m3/s7"


# --- ledger ---------------------------------------------------------------------------------

def _spec(paradigm="lora", multiplier=1.0, seed=0, labelling="action"):
    return RunSpec("recognition", labelling, paradigm, multiplier, Rates(1e-3, 1e-5).scaled(multiplier), seed)


def test_the_ledger_finds_runs_by_spec_and_budget_and_the_latest_line_wins(tmp_path):
    ledger = Ledger(tmp_path / "runs.jsonl")
    budget, other = {"epochs": 1}, {"epochs": 2}
    ledger.append(record(_spec(), budget, error="RuntimeError: boom"))
    ledger.append(record(_spec(), budget, measured(_spec(), 0.4, 0.3)))
    assert ledger.find(_spec(), budget)["status"] == "ok"
    assert ledger.find(_spec(), other) is None and ledger.find(_spec(seed=1), budget) is None
    reopened = Ledger(tmp_path / "runs.jsonl")
    assert len(reopened.results(budget)) == 1 and reopened.results(budget)[0]["status"] == "ok"
    assert reopened.results(other) == []


def test_a_line_cut_short_at_the_end_is_dropped_but_a_broken_middle_line_is_an_error(tmp_path):
    path = tmp_path / "runs.jsonl"
    good = json.dumps(record(_spec(), {}, measured(_spec(), 0.4, 0.3)))
    path.write_text(good + "\n" + good[:40])
    assert len(Ledger(path).lines) == 1
    path.write_text(good[:40] + "\n" + good + "\n")
    with pytest.raises(ValueError, match="not JSON"):
        Ledger(path)


def test_bench_resumes_without_redoing_finished_runs(tmp_path):
    args = bench_args(tmp_path, "--paradigms", "postnet,lora", "--labellings", "action",
                      "--lr-grid", "1,3,10", "--seeds", "0,1")
    first = FakeRunner(default_score)
    bench(args, runner=first, say=quiet)
    # 2 paradigms × 3 grid points at seed 0, then the chosen point (×3) again at seed 1
    assert len(first.calls) == 2 * 3 + 2
    assert [s.key for s in first.calls[-2:]] == ["action/postnet/m3/s1", "action/lora/m3/s1"]
    again = FakeRunner(default_score)
    bench(args, runner=again, say=quiet)
    assert again.calls == []
    # a subset extension (another paradigm) runs only its own runs
    wider = bench_args(tmp_path, "--paradigms", "postnet,lora,side", "--labellings", "action",
                       "--lr-grid", "1,3,10", "--seeds", "0,1")
    third = FakeRunner(default_score)
    summary = bench(wider, runner=third, say=quiet)
    assert {s.paradigm for s in third.calls} == {"side"} and len(third.calls) == 4
    assert [row["paradigm"] for row in summary["rows"]] == ["postnet", "lora", "side"]


def test_a_finished_bench_deletes_the_feature_caches_unless_told_to_keep_them(tmp_path):
    """The caches take gigabytes per task and labelling; a resumed bench rebuilds them."""
    chunk = tmp_path / "cache" / "0123abcd" / "chunk-0-0.bin"
    args = bench_args(tmp_path, "--paradigms", "postnet", "--labellings", "action", "--lr-grid", "1")
    for keep in (True, False):
        chunk.parent.mkdir(parents=True, exist_ok=True)
        chunk.write_bytes(b"0" * 1024)
        args.keep_cache = keep
        said = []
        bench(args, runner=FakeRunner(default_score), say=said.append)
        assert chunk.is_file() == keep
        assert any("removed the feature caches" in line for line in said) != keep
    chunk.parent.mkdir(parents=True)
    chunk.write_bytes(b"0")
    args.summary_only, args.keep_cache = True, False
    bench(args, runner=FakeRunner(default_score), say=quiet)
    assert chunk.is_file()  # --summary-only touches nothing


def test_a_run_another_bench_finished_meanwhile_is_not_run_again(tmp_path):
    argv = ["--paradigms", "lora", "--labellings", "action", "--lr-grid", "1,3", "--seeds", "0"]
    other = FakeRunner(default_score)

    def runner(spec, args):  # while this bench runs ×1, "another" bench finishes ×3
        if spec.multiplier == 1.0:
            bench(bench_args(tmp_path, *argv[:-4], "--lr-grid", "3", "--seeds", "0"), runner=other, say=quiet)
        return FakeRunner(default_score)(spec, args)

    summary = bench(bench_args(tmp_path, *argv), runner=runner, say=quiet)
    assert [s.multiplier for s in other.calls] == [3.0]
    assert summary["runs"] == 2 and summary["rows"][0]["labellings"]["action"]["grid_complete"]


def test_a_changed_budget_is_a_different_bench(tmp_path):
    runner = FakeRunner(default_score)
    bench(bench_args(tmp_path, "--paradigms", "lora", "--labellings", "action", "--lr-grid", "1",
                     "--seeds", "0", "--epochs", "1"), runner=runner, say=quiet)
    bench(bench_args(tmp_path, "--paradigms", "lora", "--labellings", "action", "--lr-grid", "1",
                     "--seeds", "0", "--epochs", "2"), runner=runner, say=quiet)
    assert len(runner.calls) == 2


def test_failed_runs_are_recorded_count_as_worst_and_rerun_only_with_retry_failed(tmp_path):
    def score(spec):
        if spec.multiplier == 3.0:
            raise RuntimeError("diverged")
        return default_score(spec)

    argv = ["--paradigms", "lora", "--labellings", "action", "--lr-grid", "1,3,10", "--seeds", "0"]
    summary = bench(bench_args(tmp_path, *argv), runner=FakeRunner(score), say=quiet)
    result = summary["rows"][0]["labellings"]["action"]
    assert result["chosen_multiplier"] == 1.0  # ×3 failed; ×1 (0.30) beats ×10 (0.20)
    assert [p["status"] for p in result["grid"]] == ["ok", "failed", "ok"]
    lines = [json.loads(t) for t in (tmp_path / "recognition" / "runs.jsonl").read_text().splitlines()]
    assert any("diverged" in line.get("error", "") for line in lines)
    skipped = FakeRunner(default_score)
    bench(bench_args(tmp_path, *argv), runner=skipped, say=quiet)
    assert skipped.calls == []
    retried = FakeRunner(default_score)
    summary = bench(bench_args(tmp_path, *argv, "--retry-failed"), runner=retried, say=quiet)
    assert [s.multiplier for s in retried.calls] == [3.0]
    assert summary["rows"][0]["labellings"]["action"]["chosen_multiplier"] == 3.0


def test_stop_after_starts_no_run_and_summary_only_trains_nothing(tmp_path):
    runner = FakeRunner(default_score)
    summary = bench(bench_args(tmp_path, "--paradigms", "lora", "--stop-after", "0"), runner=runner, say=quiet)
    assert runner.calls == [] and summary["rows"] == []
    summary = bench(bench_args(tmp_path, "--paradigms", "lora", "--summary-only"), runner=runner, say=quiet)
    assert runner.calls == [] and (tmp_path / "recognition" / "summary.json").is_file()


# --- summary --------------------------------------------------------------------------------

def test_spread_is_the_mean_and_the_sample_sd():
    stats = spread([0.3, 0.5, 0.7])
    assert stats["mean"] == pytest.approx(0.5) and stats["n"] == 3
    assert stats["std"] == pytest.approx(0.2)  # sample (n - 1), not population (0.163)
    assert spread([0.4])["std"] is None and spread([])["mean"] is None


def test_the_summary_chooses_on_validation_and_reports_test_over_seeds(tmp_path, monkeypatch):
    monkeypatch.undo()  # draw the figures
    def score(spec):  # ×10 is best on test but worst on validation: the bench must not peek
        val = {1.0: 0.40, 3.0: 0.60, 10.0: 0.10}[spec.multiplier]
        test = {1.0: 0.41, 3.0: 0.55, 10.0: 0.90}[spec.multiplier] + 0.1 * spec.seed
        return val, test

    args = bench_args(tmp_path, "--paradigms", "postnet,lora", "--lr-grid", "1,3,10", "--seeds", "0,1,2",
                      "--epochs", "1")
    summary = bench(args, runner=FakeRunner(score), say=quiet)
    written = json.loads((tmp_path / "recognition" / "summary.json").read_text())
    assert written == json.loads(json.dumps(summary))
    assert written["budget"]["epochs"] == 1 and written["grid"] == [1.0, 3.0, 10.0]
    assert written["seeds"] == [0, 1, 2] and written["runs"] == 2 * 2 * (3 + 2)
    assert written["machine"]["cores"] >= 1
    for row in written["rows"]:
        for labelling in ("action", "appearance"):
            result = row["labellings"][labelling]
            assert result["grid_complete"] and result["chosen_multiplier"] == 3.0
            assert result["val_headline"] == pytest.approx(0.60)
            assert result["seeds"] == [0, 1, 2]
            assert result["headline"]["values"] == pytest.approx([0.55, 0.65, 0.75])
            assert result["headline"]["mean"] == pytest.approx(0.65)
            assert result["headline"]["std"] == pytest.approx(statistics.stdev([0.55, 0.65, 0.75]))
            assert result["rates"]["lr"] == pytest.approx(3 * method_rates("recognition", row["paradigm"]).lr)
            assert result["at_chance"] is False
        assert row["train_clips_per_second"] == statistics.median([50.0] * 6 + [51.0] * 2 + [52.0] * 2)
        assert row["peak_rss_mb"] == 1002.0
    assert (tmp_path / "recognition" / "summary.md").read_text().startswith("# zoo bench: recognition")
    assert (tmp_path / "recognition" / "recognition.png").is_file()
    assert (tmp_path / "overview.png").is_file()


def test_extra_seeds_wait_for_a_complete_grid(tmp_path):
    runner = FakeRunner(default_score)
    runs = [record(s, {}, measured(s, *default_score(s))) for s in plan("recognition", ["lora"], ["action"],
                                                                          (1.0, 3.0), 0)]
    summary = summarise("recognition", runs, headline="top1", paradigms=["lora"], labellings=["action"],
                        grid=(1.0, 3.0, 10.0), seeds=[0, 1])
    result = summary["rows"][0]["labellings"]["action"]
    assert not result["grid_complete"] and result["chosen_multiplier"] == 3.0 and result["seeds"] == [0]
    assert runner.calls == []


def test_chance_flag_uses_two_binomial_sd_on_the_test_clips():
    level = chance_level(10, 500)
    assert level["chance"] == 0.1
    assert level["bound"] == pytest.approx(0.1 + 2 * math.sqrt(0.09 / 500))
    assert chance_level(None, 500) is None
    spec = _spec()
    summary = summarise("recognition", [record(spec, {}, measured(spec, 0.11, 0.12))], headline="top1",
                        paradigms=["lora"], labellings=["action"], grid=(1.0,), seeds=[0])
    assert summary["rows"][0]["labellings"]["action"]["at_chance"] is True


def test_runs_at_rates_a_method_no_longer_has_are_left_out_of_the_summary(tmp_path, monkeypatch):
    """A paradigm file that gains a rate (distill's ``head_lr``) makes its old runs stand for no
    grid point: the bench runs the new points and the summary counts the old ones as superseded."""
    import zoo.bench.run

    args = bench_args(tmp_path, "--paradigms", "postnet,lora", "--labellings", "action", "--lr-grid", "1,3",
                      "--seeds", "0")
    bench(args, runner=FakeRunner(default_score), say=quiet)
    original = zoo.bench.run.method_rates

    def with_head_rate(task, paradigm, configs=None):
        rates = original(task, paradigm, configs)
        return Rates(rates.lr, rates.backbone_lr, 1e-3) if paradigm == "lora" else rates

    monkeypatch.setattr(zoo.bench.run, "method_rates", with_head_rate)
    again = FakeRunner(lambda spec: (0.9, 0.8) if spec.multiplier == 1.0 else (0.1, 0.1))
    summary = bench(args, runner=again, say=quiet)
    assert [s.key for s in again.calls] == ["action/lora/m1/s0", "action/lora/m3/s0"]
    assert all(s.rates.head_lr == pytest.approx(1e-3 * s.multiplier) for s in again.calls)
    written = json.loads((tmp_path / "recognition" / "summary.json").read_text())
    assert written["runs"] == 4 and written["superseded_runs"] == 2
    lora = next(row for row in summary["rows"] if row["paradigm"] == "lora")["labellings"]["action"]
    assert lora["chosen_multiplier"] == 1.0 and lora["headline"]["values"] == [0.8]
    assert lora["rates"]["head_lr"] == pytest.approx(1e-3)


def test_throughput_is_compared_on_the_cpu_most_runs_ran_on():
    """Runs from two machines: each paradigm's throughput is its median on the task's most common
    CPU; a paradigm with no run there keeps its own and names its CPU."""
    runs = []
    for paradigm, points in (("postnet", ((1.0, "A", 10.0), (3.0, "A", 12.0), (10.0, "B", 99.0))),
                             ("lora", ((1.0, "A", 4.0), (3.0, "B", 50.0), (10.0, None, 70.0))),
                             ("side", ((1.0, "B", 30.0), (3.0, "B", 34.0)))):
        for multiplier, cpu, speed in points:
            spec = RunSpec("recognition", "action", paradigm, multiplier, Rates(1e-3, 1e-5).scaled(multiplier), 0)
            line = record(spec, {}, measured(spec, 0.5, 0.5))
            line["train_clips_per_second"] = speed
            if cpu is not None:
                line["cpu"] = cpu
            runs.append(line)
    summary = summarise("recognition", runs, headline="top1", paradigms=["postnet", "lora", "side"],
                        labellings=["action"], grid=(1.0, 3.0, 10.0), seeds=[0])
    assert summary["cpus"] == {"A": 3, "B": 4, "unrecorded": 1} and summary["throughput_cpu"] == "B"
    speeds = {row["paradigm"]: (row["train_clips_per_second"], row["throughput_cpu"]) for row in summary["rows"]}
    assert speeds == {"postnet": (99.0, "B"), "lora": (50.0, "B"), "side": (32.0, "B")}
    summary["throughput_cpu"] = "A"  # as if most had run on A: side has no run there
    for row in summary["rows"]:
        row["throughput_cpu"] = "A" if row["paradigm"] != "side" else "B"
    from zoo.bench.tables import summary_table

    cells = {line.split("|")[1].strip(): line for line in summary_table(summary).splitlines()[2:]}
    assert "32.0 (on B)" in cells["side"] and "(on " not in cells["postnet"]
