"""``zoo bench`` reporting: the summary's tables in the units the task states, and the README section."""

import pytest

from bench_fakes import measured
from zoo.bench.grid import Rates
from zoo.bench.ledger import RunSpec, record
from zoo.bench.readme import END, START, check, reading, render_section, replace_section, update_readme
from zoo.bench.summary import summarise
from zoo.bench.tables import detail_table, grid_table, summary_markdown, summary_table


def _summary(task, headline, metrics_by_seed, *, labellings=("action",), paradigms=("postnet",),
             val=(0.2, 0.4), groups=(), budget=None):
    """A summary of fake runs: grid ×1, ×3 (validation ``val``: ×3 wins), the test metrics of
    each seed at both points."""
    runs = []
    for paradigm in paradigms:
        for labelling in labellings:
            for m, v in zip((1.0, 3.0), val):
                for seed, metrics in enumerate(metrics_by_seed):
                    spec = RunSpec(task, labelling, paradigm, m, Rates(1e-3, 1e-5).scaled(m), seed)
                    line = record(spec, {}, measured(spec, v, metrics[f"test/{headline}"], headline=headline,
                                                     extra=metrics))
                    line["groups"] = list(groups)
                    runs.append(line)
    return summarise(task, runs, headline=headline, paradigms=list(paradigms), labellings=list(labellings),
                     grid=(1.0, 3.0), seeds=list(range(len(metrics_by_seed))),
                     extra={"budget": budget or {"epochs": 1}})


def _row(table: str, index: int = 0) -> list[str]:
    return [cell.strip() for cell in table.splitlines()[2 + index].strip("|").split("|")]


def _header(table: str) -> list[str]:
    return [cell.strip() for cell in table.splitlines()[0].strip("|").split("|")]


def test_recognition_shows_percent_mean_and_sample_sd_per_labelling_and_groups():
    summary = _summary("recognition", "top1", [
        {"test/top1": 0.374, "test/order_dependent_top1": 0.295, "test/order_independent_top1": 0.4878,
         "zero_shot/zero_shot_shape_top1": 0.846},
        {"test/top1": 0.394, "test/order_dependent_top1": 0.305, "test/order_independent_top1": 0.4978,
         "zero_shot/zero_shot_shape_top1": 0.856}],
        labellings=("action", "appearance"), groups=("order_dependent", "order_independent"))
    table = summary_table(summary)
    assert _header(table) == [
        "paradigm", "variant", "top-1 (action)", "top-1 (appearance)",
        "order dependent top1 (action)", "order independent top1 (action)",
        "order dependent top1 (appearance)", "order independent top1 (appearance)",
        "zero-shot shape", "lr × (action)", "lr × (appearance)", "trainable / total params", "GFLOPs/view",
        "train clips/s", "peak RSS (MB)", "activations (MB/clip)"]
    row = _row(table)
    assert row[:4] == ["postnet", "v", "38.4 ± 1.4", "38.4 ± 1.4"]  # sd of (37.4, 39.4): 1.41
    assert row[4:6] == ["30.0", "49.3"]
    assert row[8:11] == ["85.1", "3", "3"]
    assert row[11:] == ["1,000 / 9,000", "1.00", "50.5", "1001", "0.50"]


def test_a_mean_within_two_binomial_sd_of_chance_is_marked():
    summary = _summary("recognition", "top1", [{"test/top1": 0.11}])
    assert _row(summary_table(summary))[2] == "11.0 †"  # one seed: no sd


def test_retrieval_recalls_are_already_percent():
    summary = _summary("retrieval", "t2v_r1", [{"test/t2v_r1": 1.6, "test/t2v_r5": 8.8, "test/t2v_mdr": 66.0}])
    assert _row(summary_table(summary))[2] == "1.6"
    detail = detail_table(summary, "action")
    assert _header(detail)[:7] == ["paradigm", "seeds", "chosen rates", "val t2v R@1", "t2v R@1", "t2v R@5", "t2v MdR"]
    assert _row(detail)[1:7] == ["0", "×3: lr 0.003, backbone_lr 3e-05", "0.4", "1.6", "8.8", "66.0"]


def test_captioning_and_qa_use_their_own_units():
    captioning = _summary("captioning", "CIDEr", [{"test/CIDEr": 0.81234, "test/Bleu_4": 0.25}])
    assert _row(summary_table(captioning))[2] == "81.2"
    qa = _summary("qa", "acc", [{"test/acc": 0.343, "test/acc_colour": 0.264}], groups=("colour",))
    table = summary_table(qa)
    assert _header(table)[2:4] == ["accuracy (action)", "acc colour (action)"]
    assert _row(table)[2:4] == ["34.3", "26.4"]


def test_grid_table_bolds_the_choice_and_summary_markdown_states_the_budget():
    summary = _summary("recognition", "top1", [{"test/top1": 0.5}], budget={"epochs": 2, "train_size": 400})
    assert _row(grid_table(summary, "action")) == ["postnet", "20.0", "**40.0**"]
    text = summary_markdown(summary)
    assert "Budget: epochs 2, train_size 400." in text and "## action: test metrics at the chosen rates" in text


# --- README section ---------------------------------------------------------------------------

def _benched():
    """Two paradigms, both labellings: the frozen one best on appearance, the temporal one on action."""
    runs = []
    scores = {("postnet", "appearance"): 0.80, ("lora", "appearance"): 0.78,
              ("postnet", "action"): 0.50, ("lora", "action"): 0.12}
    for (paradigm, labelling), test in scores.items():
        spec = RunSpec("recognition", labelling, paradigm, 1.0, Rates(1e-3, 1e-5), 0)
        runs.append(record(spec, {}, measured(spec, test, test)))
    return summarise("recognition", runs, headline="top1", paradigms=["postnet", "lora"],
                     labellings=["action", "appearance"], grid=(1.0,), seeds=[0],
                     extra={"budget": {"train_size": 400, "epochs": 2}, "runs": 4, "bench_seconds": 600,
                            "machine": {"cpu": "AMD EPYC", "cores": 2}, "threads": 2})


def test_the_reading_states_the_claims_with_their_numbers():
    bullets = reading(_benched())
    assert bullets[0].startswith("- *Frozen features are strong when appearance decides*: **supported**")
    assert "`postnet` 80.0" in bullets[0] and "`lora` 78.0" in bullets[0]
    assert bullets[1].startswith("- *Temporal modelling is needed when motion decides*: **supported**")
    assert "`postnet` +30.0" in bullets[2] and "`lora` +66.0" in bullets[2]
    assert bullets[3] == "- At chance on the action labels (†: within two binomial sd of chance): `lora`."
    assert bullets[4] == "- At chance on the appearance labels (†: within two binomial sd of chance): none."


def test_a_proportion_on_one_seed_is_judged_by_its_binomial_error():
    """Retrieval's R@1 is logged in percent: 6.0 and 2.0 on 500 test clips. By hand, the errors
    are 100 * sqrt(p (1 - p) / 500): 1.0621 and 0.6261, so the difference needs 2 * 1.2329 = 2.47
    points: 4.0 is ahead; 2.0 against 0.5 (error 0.3154; needs 1.40) is ahead too, 1.2 against
    0.5 (0.4869; needs 1.16) is not. QA's 0.30 against 0.25 needs 2 * 0.0282 = 0.0564: not ahead.
    CIDEr-D has no binomial error: no verdict."""
    from zoo.bench.readme import compare

    def result(mean, test_size=500):
        return {"headline": {"mean": mean, "std": None, "n": 1}, "effective": {"test_size": test_size}}

    assert compare("retrieval", result(6.0), result(2.0)) is True
    assert compare("retrieval", result(2.0), result(0.5)) is True
    assert compare("retrieval", result(1.2), result(0.5)) is False
    assert compare("qa", result(0.30), result(0.25)) is False
    assert compare("qa", result(0.31), result(0.25)) is True
    assert compare("captioning", result(0.9), result(0.1)) is None


def test_the_section_is_generated_between_the_markers_and_checked(tmp_path):
    out = tmp_path / "benchmarks" / "results"
    (out / "recognition").mkdir(parents=True)
    import json

    (out / "recognition" / "summary.json").write_text(json.dumps(_benched()))
    readme = tmp_path / "README.md"
    readme.write_text(f"# zoo\n\n## Benchmarks\n\n{START}\nold\n{END}\n\nafter\n")
    assert check(out, readme) == [f"the bench section of {readme} is stale: run `zoo bench --readme`"]
    update_readme(out, readme)
    text = readme.read_text()
    assert text.startswith("# zoo\n\n## Benchmarks\n\n" + START) and text.endswith(END + "\n\nafter\n")
    section = text.split(START)[1].split(END)[0]
    assert "### recognition" in section and "| postnet | v | 50.0 | 80.0 |" in section
    assert "400 training clips × 2 epochs" in section and "AMD EPYC, 2 cores, 2 torch threads per run" in section
    assert "](benchmarks/results/recognition/recognition.png)" in section
    assert check(out, readme) == []
    update_readme(out, readme)
    assert readme.read_text() == text  # idempotent


def test_tracking_is_not_judged_on_motion_and_names_its_data():
    """Tracking's categories are shapes (a single frame decides): no claim about motion, and its
    runs are described by the recipe's data, not by a labelling it does not have."""
    from zoo.bench.readme import task_block

    summary = _summary("tracking", "TETA", [{"test/TETA": 0.45}], paradigms=("postnet", "lora"))
    assert not any("Temporal modelling" in bullet for bullet in reading(summary))
    assert "2 of 2 paradigms (the recipe's world data);" in task_block(summary)
    grounding = _summary("tgrounding", "r1_iou0.5", [{"test/r1_iou0.5": 0.5}], paradigms=("postnet", "lora"))
    assert "(the recipe's world data)" in task_block(grounding)


def test_the_section_without_results_and_without_markers():
    assert "No task has been benched yet" in render_section([])
    with pytest.raises(ValueError, match="exactly once"):
        replace_section("no markers", "x")
    with pytest.raises(ValueError, match="exactly once"):
        replace_section(f"{END}\n{START}", "x")


def test_the_repository_readme_section_is_current():
    from zoo.hub.paths import configs_dir

    root = configs_dir().parent
    if START not in (root / "README.md").read_text():
        pytest.skip("the README has no bench section yet")
    assert check(root / "benchmarks" / "results", root / "README.md") == []


def test_runs_from_two_machines_name_both_and_the_throughput_machine():
    summary = _benched()
    summary.update(cpus={"Intel Xeon": 16, "AMD EPYC": 10}, throughput_cpu="Intel Xeon")
    block = render_section([summary])
    assert "on Intel Xeon (16 runs) and AMD EPYC (10 runs); throughput compared on Intel Xeon, 2 cores" in block
