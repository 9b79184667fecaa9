"""The README's speed-and-memory section is exactly what ``zoo bench --perf --readme`` writes from
``benchmarks/results/perf/summary.json`` (nothing in it is typed by hand)."""

from pathlib import Path

import pytest

from zoo.bench.perf_report import END, START, readme_section, update_readme
from zoo.bench.readme import replace_section

REPO = Path(__file__).resolve().parents[2]


def test_readme_section_matches_the_perf_summary():
    readme = REPO / "README.md"
    text = readme.read_text()
    expected = replace_section(text, readme_section(REPO / "benchmarks" / "results", readme), START, END)
    assert expected == text, "README's speed-and-memory section is stale: run `zoo bench --perf --readme`"


def test_update_rewrites_only_between_the_markers(tmp_path):
    perf = tmp_path / "results" / "perf"
    perf.mkdir(parents=True)
    (perf / "summary.json").write_text((REPO / "benchmarks/results/perf/summary.json").read_text())
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{START}\nold text\n{END}\nafter\n")
    update_readme(tmp_path / "results", readme)
    text = readme.read_text()
    assert text.startswith("# title\n\nbefore\n" + START + "\nMeasured on ") and text.endswith(f"{END}\nafter\n")
    assert "old text" not in text
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="zoo-perf:start"):
        update_readme(tmp_path / "results", readme)
