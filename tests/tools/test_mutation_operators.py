"""The mutation tool's operators (``tools/mutation/operators.py``) make exactly the edits its README
lists, one site at a time, and never touch docstrings, strings, f-strings or annotations."""

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "mutation"))

from operators import mutants  # noqa: E402

SOURCE = '''
"""Module docstring: 1 < 2."""
from typing import Optional

LIMIT = 3


def scale(x: int, factor: float = 0.5, strict: bool = True, name: str = "a") -> Optional[float]:
    """Docstring with 0 and == and not."""
    if not x < LIMIT:
        raise ValueError(f"x = {x + 1} is too large")
    total = x * factor - 2
    result = {"value": total}
    result["value"] += 1
    if strict and x == 0:
        return None
    return min(total, 10, key=abs)
'''


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    root = tmp_path_factory.mktemp("m")
    (root / "pkg").mkdir()
    path = root / "pkg" / "mod.py"
    path.write_text(textwrap.dedent(SOURCE))
    return {(m.operator, m.before, m.after): m for m in mutants(path, root)}


def test_every_operator_makes_its_edit(found):
    expected = {
        ("cmp", "x < LIMIT", "x <= LIMIT"), ("cmp", "x == 0", "x != 0"),
        ("const", "3", "4"), ("const", "2", "3"), ("const", "1", "2"), ("const", "10", "11"),
        ("const", "0", "1"),
        ("arith", "x * factor", "x / factor"), ("arith", "x * factor - 2", "x * factor + 2"),
        ("arith", "result['value'] += 1", "result['value'] -= 1"),
        ("bool", "not x < LIMIT", "x < LIMIT"), ("bool", "strict and x == 0", "strict or x == 0"),
        ("bool", "strict and x == 0", "not (strict and x == 0)"),
        ("return", "return min(total, 10, key=abs)", "None"),
        ("default", "0.5", "1.5"), ("default", "True", "False"), ("default", "'a'", "''"),
        ("kwarg", "key=abs", "(dropped)"),
        ("stmt", "result['value'] += 1", "pass"),
    }
    assert expected <= {(op, before, after.replace("return None", "None")) for op, before, after in found}
    assert ("stmt", "raise ValueError(f'x = {x + 1} is too large')", "pass") in found


def test_no_mutant_in_docstrings_strings_fstrings_annotations_or_name_assignments(found):
    for (operator, before, after), mutant in found.items():
        assert "Docstring" not in before, mutant.describe()
        assert "x + 1" not in before or operator == "stmt", mutant.describe()  # inside the f-string
        assert not (operator == "stmt" and before.startswith(("total =", "result =", "LIMIT ="))), mutant.describe()
        assert "Optional" not in before and before != "int", mutant.describe()
    assert not any(op == "return" and before == "return None" for op, before, _ in found)


def test_each_mutant_changes_one_site_and_compiles(found):
    for mutant in found.values():
        compile(mutant.source, "mutant", "exec")
        assert mutant.module == "pkg/mod.py"
    keys = [m.key for m in found.values()]
    assert len(keys) == len(set(keys))
    mutant = found[("default", "0.5", "1.5")]
    assert "factor: float=1.5" in mutant.source.replace(" = ", "=") and mutant.function == "scale"
    assert found[("const", "3", "4")].function == ""  # module level
