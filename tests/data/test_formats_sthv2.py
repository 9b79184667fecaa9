"""Something-Something v2 JSON files (``zoo.data.formats.sthv2``).

Fixtures keep the structure of the released files —
``yasirbot8/Human2Bot @ 00d12f8af4bd84be027512bd1fcb382606dff0d8 :
data/something-something-v2-labels.json``, ``data/something-something-v2-validation.json`` and
``data/something-something-v2-test.json``: a label object on one line per class with no space
after the colon and string indices; split lists as ``[`` + one compact object per line + ``]``,
string ids, templates with ``[something]``, ``[Something]``, ``[something in it]`` and
``[number of]`` placeholders — with our own content.
"""

from __future__ import annotations

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.sthv2 import parse_sthv2, read_sthv2_labels, sthv2_class_name

LABELS = ('{\n "Dropping something into something":"0",\n "Something falling like a rock":"1",\n'
          ' "Stacking number of something":"2",\n'
          ' "Tipping something with something in it over, so something in it falls out":"3"\n}\n')
VALIDATION = (
    '[\n'
    '{"id":"1001","label":"dropping a bead into a cup","template":"Dropping [something] into '
    '[something]","placeholders":["a bead","a cup"]},\n'
    '{"id":"1002","label":"a spoon falling like a rock","template":"[Something] falling like a '
    'rock","placeholders":["a spoon"]},\n'
    '{"id":"1003","label":"stacking 4 coasters","template":"Stacking [number of] [something]",'
    '"placeholders":["4","coasters"]},\n'
    '{"id":"1004","label":"tipping a mug with tea in it over, so tea falls out","template":'
    '"Tipping [something] with [something in it] over, so [something in it] falls out",'
    '"placeholders":["a mug","tea","tea"]}\n'
    ']\n')
TEST = '[\n{"id":"2001"},\n{"id":"2002"}\n]\n'


def write(folder, name, text):
    path = folder / name
    path.write_text(text)
    return path


def test_labels_and_validation_list(tmp_path):
    labels = write(tmp_path, "something-something-v2-labels.json", LABELS)
    names = read_sthv2_labels(labels)
    assert names[1] == "Something falling like a rock" and len(names) == 4
    path = write(tmp_path, "something-something-v2-validation.json", VALIDATION)
    records = parse_sthv2(path, labels)
    assert [r.label for r in records] == [0, 1, 2, 3]
    assert [r.video_id for r in records] == ["1001", "1002", "1003", "1004"]
    assert records[0].path == "1001.webm" and records[3].source == f"{path}:[3]"
    assert records[2].label_name == "Stacking number of something"
    assert sthv2_class_name("[Something] falling like a rock") == "Something falling like a rock"
    test = parse_sthv2(write(tmp_path, "something-something-v2-test.json", TEST), names)
    assert [(r.video_id, r.label) for r in test] == [("2001", -1), ("2002", -1)]


def test_errors_name_the_entry(tmp_path):
    labels = write(tmp_path, "labels.json", LABELS)
    unknown = write(tmp_path, "a.json", '[\n{"id":"1","label":"x","template":"Poking [something]",'
                    '"placeholders":["x"]}\n]')
    with pytest.raises(AnnotationError, match=r"a\.json:\[0\]: template 'Poking \[something\]'"):
        parse_sthv2(unknown, labels)
    for text, locator in [('[{"id":"1"}, {"id":"1"}]', "[1]"),
                          ('[{"label":"x"}]', "[0]"),
                          ('[{"id":"5","label":"dropping it"}]', "[0]"),
                          ('[{"id":"5","template":"Dropping [something] into [something]",'
                           '"placeholders":"a cup"}]', "[0]")]:
        path = write(tmp_path, "b.json", text)
        with pytest.raises(AnnotationError) as info:
            parse_sthv2(path, labels)
        assert info.value.line == locator and info.value.file == str(path)
    gap = write(tmp_path, "gap.json", '{"A":"0","B":"2"}')
    with pytest.raises(AnnotationError, match="missing \\[1\\]"):
        read_sthv2_labels(gap)
    twice = write(tmp_path, "twice.json", '{"A":"0","B":"0"}')
    with pytest.raises(AnnotationError, match="class index 0 is also 'A'"):
        read_sthv2_labels(twice)
