"""``zoo bench --write-recipes``: the chosen rates go into the pair files, idempotently."""

import yaml

from zoo.bench.recipes import MARK, write_recipes


def _summary(multiplier, rates, complete=True):
    result = {"chosen_multiplier": multiplier, "rates": rates, "grid_complete": complete}
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
