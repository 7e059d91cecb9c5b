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


def test_every_benchmark_the_readme_shows_records_its_run_and_reference():
    """bench_cli, bench_scale, bench_notebooks and bench_main_job write their tables with `--record`
    like bench_extract: the run's date, load and machine, and a reference measured in the same run."""
    recorded = bench.recorded()
    assert {"cli", "scale", "notebooks", "main_job"} <= set(recorded)
    for name in ("cli", "scale", "notebooks", "main_job"):
        run = dict(re.findall(r"^\| (date|machine|command) \| ([^|]+) \|$", recorded[name], re.M))
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", run["date"]), name
        assert re.match(r"\d+ cores, ", run["machine"]) and f"bench_{name}.py" in run["command"], name
        assert "the reference" in recorded[name], name
    cli = bench.form(recorded["cli"])
    assert cli[1][0] == ("process", "CPU s", "pdfplumber alone, CPU s (the reference)", "ratio")
    assert cli[2][1][0] == "PDFium text pass alone (the floor)"
    scale = bench.form(recorded["scale"])
    assert scale[1][0][:2] == ("N", "way") and set(scale[1][1]) == {"20"}
