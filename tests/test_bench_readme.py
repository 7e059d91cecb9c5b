"""The README's performance tables are the benchmarks' recorded output (scripts/update_readme_benchmarks.py):
a table that differs in form (columns, rows) or figures from benchmarks/results/<name>.md fails."""

from __future__ import annotations

import importlib.util
import re

from helpers.core.paths import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    "update_readme_benchmarks", REPO_ROOT / "scripts/update_readme_benchmarks.py"
)
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_shows_the_recorded_benchmark_tables():
    recorded = bench.recorded()
    assert "extract" in recorded  # bench_extract.py --quick --record
    assert bench.problems(README) == []
    # the recorded run says when, how loaded and on what, and measures its reference in the same run
    run = dict(re.findall(r"^\| (date|load average[^|]*|machine) \| ([^|]+) \|$", recorded["extract"], re.M))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", run["date"])
    assert re.match(r"\d+ cores, ", run["machine"])
    tables = bench.form(recorded["extract"])
    assert tables[1][0] == ("measure", "ms/page wall", "ms/page CPU", "× the PDFium text pass (CPU)")
    assert tables[1][1][0] == "PDFium text pass alone (pypdfium2)"


def _block(text: str) -> str:
    return bench.blocks(text)["extract"]


def test_a_readme_table_that_drifted_fails():
    body = _block(README)
    row = next(line for line in body.splitlines() if line.startswith("| project PDF reading, engine pdfium |"))
    # a figure typed over
    typed = README.replace(row, re.sub(r"\| [\d.]+ \|", "| 16.4 |", row, count=1))
    assert typed != README
    assert any("the figures differ" in p for p in bench.problems(typed))
    # a row lost, a column added, the markers gone
    assert any("rows differ" in p for p in bench.problems(README.replace(row + "\n", "")))
    header = next(line for line in body.splitlines() if line.startswith("| measure |"))
    assert any("columns" in p for p in bench.problems(README.replace(header, header + " note |")))
    assert any("has no <!-- bench:extract --> block" in p for p in bench.problems(README.replace("bench:extract", "x")))
    # pasting the recorded file back in makes it right again
    assert bench.problems(bench.render(typed)) == []
