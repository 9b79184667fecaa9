"""``zoo bench`` reporting: each task's metrics shown in the unit the README states."""

from zoo.bench.run import summary_table


def _result(task: str, metrics: dict) -> dict:
    return {"task": task, "paradigm": "postnet", "variant": "seqtransf", "metrics": metrics,
            "trainable_params": 810_762, "total_params": 9_803_147, "gflops_per_view": 0.9975,
            "train_clips_per_second": 153.64, "peak_rss_mb": 1527.2, "activation_mb_per_clip": 0.256}


def _row(table: str) -> list[str]:
    return [cell.strip() for cell in table.splitlines()[2].strip("|").split("|")]


def test_recognition_fractions_are_shown_in_percent():
    table = summary_table("recognition", [_result("recognition", {
        "test/top1": 0.374, "test/order_dependent_top1": 0.295, "test/order_independent_top1": 0.4878,
        "zero_shot/zero_shot_shape_top1": 0.846})])
    # the task's own columns first (top-1, top-5, mean-class), then every other logged metric,
    # zero-shot retention last
    assert table.splitlines()[0].startswith(
        "| paradigm | variant | top-1 | top-5 | mean-class | order dependent top1 | "
        "order independent top1 | zero shot shape top1 |")
    row = _row(table)
    assert row[:9] == ["postnet", "seqtransf", "37.4", "n/a", "n/a", "29.5", "48.8", "84.6", "810,762 / 9,803,147"]
    assert row[9:] == ["1.00", "153.6", "1527", "0.26"]


def test_retrieval_recalls_are_already_percent_and_ranks_are_ranks():
    row = _row(summary_table("retrieval", [_result("retrieval", {
        "test/t2v_r1": 1.6, "test/t2v_r5": 8.8, "test/t2v_r10": 15.1, "test/t2v_mdr": 66.0,
        "test/v2t_r1": 1.2, "test/v2t_r5": 3.8})]))
    assert row[2:8] == ["1.6", "8.8", "15.1", "66.0", "1.2", "3.8"]


def test_captioning_scores_keep_three_decimals():
    row = _row(summary_table("captioning", [_result("captioning", {
        "test/cider": 0.81234, "test/bleu4": 0.25, "test/rougeL": 0.5})]))
    assert row[2:5] == ["0.812", "0.250", "0.500"]


def test_qa_shows_overall_and_per_question_type_accuracy():
    table = summary_table("qa", [_result("qa", {"test/acc": 0.343, "test/acc_colour": 0.264,
                                                "test/acc_count": 0.794, "test/oov_rate": 0.0})])
    assert table.splitlines()[0].startswith("| paradigm | variant | accuracy | acc colour | acc count | oov rate |")
    assert _row(table)[2:6] == ["34.3", "26.4", "79.4", "0.0"]
