"""``checkpoints/index.json`` edits: an exported entry replaces its namesake in place (the zoo
tables keep their order) or is appended, and what is saved is what was edited."""

import json

from zoo.hub.index import empty_index, find_entry, save_index, upsert_entry


def _entry(name: str, top1: float) -> dict:
    return {"name": name, "arch": name.split(".")[0], "top1": top1}


def test_upsert_replaces_in_place_or_appends_and_returns_the_index():
    index = {"models": [_entry("a_recognition_tiny.x", 1.0), _entry("b_recognition_tiny.y", 2.0)]}
    same = upsert_entry(index, _entry("a_recognition_tiny.x", 3.0))
    assert same is index
    assert [(e["name"], e["top1"]) for e in index["models"]] == [("a_recognition_tiny.x", 3.0),
                                                                  ("b_recognition_tiny.y", 2.0)]
    assert upsert_entry(index, _entry("c_recognition_tiny.z", 4.0))["models"][-1]["top1"] == 4.0
    assert len(index["models"]) == 3
    assert find_entry("b_recognition_tiny", index)["top1"] == 2.0  # arch alone: its first entry


def test_export_path_saves_the_upserted_index(tmp_path, monkeypatch):
    """``export`` saves ``upsert_entry``'s return value: it must be the edited index."""
    index = empty_index()
    path = tmp_path / "index.json"
    monkeypatch.setattr("zoo.hub.index.validate_index", lambda index, source: None)
    save_index(upsert_entry(index, _entry("a_recognition_tiny.x", 1.0)), path)
    assert json.loads(path.read_text())["models"] == [_entry("a_recognition_tiny.x", 1.0)]
