"""The curated mutants (``tools/mutation/planted.py``) still apply to the current source — each
``old`` text occurs exactly once, the mutant compiles and differs from the original — and every
test they name exists, so ``mutate.py planted`` cannot silently run nothing."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "mutation"))

from planted import PLANTED, Planted, by_id  # noqa: E402


def test_ids_are_unique_and_cover_the_ten_missed_classes():
    ids = [p.id for p in PLANTED]
    assert len(ids) == len(set(ids))
    assert sum(p.missed for p in PLANTED) == 10
    assert len(PLANTED) >= 20
    assert by_id(["tie-rank"])[0].module == "zoo/metrics/retrieval.py"
    with pytest.raises(SystemExit):
        by_id(["no-such-mutant"])


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.id)
def test_each_mutant_applies_once_and_compiles(planted):
    original = (ROOT / planted.module).read_text()
    mutated = planted.source(ROOT)
    assert mutated != original
    compile(mutated, planted.module, "exec")
    assert len(mutated.splitlines()) <= len(original.splitlines())  # a replacement, not an insertion


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.id)
def test_each_mutant_names_tests_that_exist(planted):
    assert planted.tests
    for selection in planted.tests:
        path, _, name = selection.partition("::")
        assert (ROOT / path).is_file(), selection
        if name:
            tree = ast.parse((ROOT / path).read_text())
            functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name.split("[")[0] in functions, selection


def test_apply_refuses_text_that_is_not_there_exactly_once():
    mutant = Planted("x", "x", "m.py", "a = 1", "a = 2", ("t.py",))
    assert mutant.apply("a = 1\n") == "a = 2\n"
    for source in ("b = 1\n", "a = 1\na = 1\n"):
        with pytest.raises(ValueError, match="exactly once"):
            mutant.apply(source)
