"""``zoo bench --write-recipes``: the chosen rates go into the pair files, idempotently."""

import yaml

from zoo.bench.recipes import MARK, write_recipes


def _summary(multiplier, rates, complete=True):
    # validation: the chosen point far ahead of ×1 (a real choice; see the noise test below)
    grid = [{"multiplier": m, "val": 0.6 if m == multiplier else 0.1} for m in (1.0, 3.0, 10.0)]
    result = {"chosen_multiplier": multiplier, "rates": rates, "grid_complete": complete, "grid": grid,
              "effective": {"val_size": 200}}
    return {"task": "recognition", "labellings": ["action", "appearance"], "grid": [1.0, 3.0, 10.0],
            "rows": [{"paradigm": "full", "labellings": {"action": result,
                                                         "appearance": {**result, "chosen_multiplier": 10.0}}},
                     {"paradigm": "lora", "labellings": {"action": result}}]}


def test_chosen_rates_are_written_below_the_hand_written_comment_and_regenerate_idempotently(tmp_path):
    pairs = tmp_path / "pairs" / "recognition"
    pairs.mkdir(parents=True)
    (pairs / "full.yaml").write_text("# full x recognition: text head.\nmodel:\n  init_args:\n    head: text\n")
    # the bench's rates are float products (1e-05 * 3 == 3.0000000000000004e-05): written as the numbers they are
    summary = _summary(3.0, {"lr": 0.0001 * 3, "backbone_lr": 1e-05 * 3, "head_lr": None})
    changed = write_recipes(summary, tmp_path)
    assert sorted(p.name for p in changed) == ["full.yaml", "lora.yaml"]
    text = (pairs / "full.yaml").read_text()
    assert text.startswith("# full x recognition: text head.\n" + MARK)
    data = yaml.safe_load(text)
    # the recipe's labelling (action) decides, not appearance's ×10; an unset head_lr stays unset
    assert data["model"]["init_args"] == {"head": "text", "optim": {"lr": 0.0003, "backbone_lr": 3e-05}}
    assert "0.00030000000000000003" not in text and "3.0000000000000004e-05" not in text
    assert write_recipes(summary, tmp_path) == []  # nothing changes the second time
    # back to the method's rates: the rates go; a file left with no fact goes too
    write_recipes(_summary(1.0, {"lr": 0.0001, "backbone_lr": 1e-05, "head_lr": None}), tmp_path)
    assert yaml.safe_load((pairs / "full.yaml").read_text()) == {"model": {"init_args": {"head": "text"}}}
    assert MARK not in (pairs / "full.yaml").read_text()
    assert not (pairs / "lora.yaml").exists()


def test_an_incomplete_grid_leaves_the_recipe_alone(tmp_path):
    summary = _summary(3.0, {"lr": 0.0003, "backbone_lr": 3e-05, "head_lr": None}, complete=False)
    assert write_recipes(summary, tmp_path) == []
    assert not (tmp_path / "pairs").exists()


def test_a_gain_within_noise_leaves_the_recipe_alone(tmp_path):
    """200 validation clips: ×1 at 0.15, so two standard errors of a difference are ~7 points."""
    summary = _summary(3.0, {"lr": 0.0003, "backbone_lr": 3e-05, "head_lr": None})
    for row, chosen in zip(summary["rows"], (0.20, 0.25)):  # full: +5 points (noise); lora: +10 (real)
        row["labellings"]["action"] = {**row["labellings"]["action"], "effective": {"val_size": 200},
                                       "grid": [{"multiplier": 1.0, "val": 0.15}, {"multiplier": 3.0, "val": chosen}]}
    # by hand: 2 * sqrt((0.15*0.85 + 0.20*0.80) / 200) = 0.0758 > 0.05; with 0.25: 0.0807 < 0.10
    assert [p.name for p in write_recipes(summary, tmp_path)] == ["lora.yaml"]


def test_a_choice_only_one_seed_learns_is_not_taken(tmp_path):
    """recognition x adapter, action labels: ×1 at 0.085; ×10 at 0.315 on seed 0 but 0.13 on seeds
    1 and 2. By hand: seed 0 alone is clearly better (0.23 > 2 * sqrt(0.315*0.685/200 +
    0.085*0.915/200) = 0.078); over the seeds the mean is 0.1917, its sd 0.1068, so the error of the
    difference is sqrt(0.1068**2 / 3 + 0.085*0.915/200) = 0.0648 and 0.1067 < 2 * 0.0648."""
    summary = _summary(10.0, {"lr": 0.01, "backbone_lr": 0.01, "head_lr": None})
    row = summary["rows"][1]  # lora stands in
    row["labellings"]["action"] = {**row["labellings"]["action"],
                                   "grid": [{"multiplier": 1.0, "val": 0.085}, {"multiplier": 10.0, "val": 0.315}]}
    summary["rows"] = [row]
    assert [p.name for p in write_recipes(summary, tmp_path)] == ["lora.yaml"]
    row["labellings"]["action"]["val_at_choice"] = {"mean": 0.19166, "std": 0.10681, "n": 3,
                                                    "values": [0.315, 0.13, 0.13]}
    # the seed-0 choice written before goes back to the method's rates (a file left empty goes)
    assert [p.name for p in write_recipes(summary, tmp_path)] == ["lora.yaml"]
    assert not (tmp_path / "pairs" / "recognition" / "lora.yaml").exists()


def test_a_percent_headline_is_judged_by_its_binomial_error_too(tmp_path):
    """Retrieval's R@1 is a proportion stored in percent, 200 validation clips. ×1 at 1.7 %: ×3 at
    2.375 % is within noise (by hand: 2 * sqrt(0.017*0.983/200 + 0.02375*0.97625/200) * 100 =
    2.81 > 0.675); ×3 at 12 % is not (2 * sqrt(0.017*0.983/200 + 0.12*0.88/200) * 100 = 4.93 < 10.3)."""
    summary = _summary(3.0, {"lr": 0.003, "backbone_lr": 3e-05, "head_lr": None})
    summary["task"] = "retrieval"
    for row, chosen in zip(summary["rows"], (2.375, 12.0)):
        row["labellings"]["action"] = {**row["labellings"]["action"],
                                       "grid": [{"multiplier": 1.0, "val": 1.7}, {"multiplier": 3.0, "val": chosen}]}
    assert [p.name for p in write_recipes(summary, tmp_path)] == ["lora.yaml"]
    assert (tmp_path / "pairs" / "retrieval" / "lora.yaml").is_file()
