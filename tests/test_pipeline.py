"""The batch pipeline: incremental re-runs, report ids, the written files' schema."""

from __future__ import annotations

import shutil

import pandas as pd

from helpers.core import schema
from helpers.data.datasets import extractor_version, previous_run, read_datasets, write_datasets
from helpers.run import incremental, pipeline
from helpers.run.pipeline import extract_and_write, extract_many

from .conftest import HONGSHAN, JIANGHAN, PDF_SGB, QIAOKOU


def test_incremental_reuses_unchanged_and_rereads_changed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    a = raw / HONGSHAN.name
    b = raw / JIANGHAN.name
    shutil.copy(HONGSHAN, a)
    shutil.copy(JIANGHAN, b)
    out = tmp_path / "processed"
    version = extractor_version()
    first, _ = extract_many([a, b])
    write_datasets(first, out, version)

    # Change one file (a new last line), add a new one: only those two are read again.
    b.write_text(b.read_text(encoding="utf-8") + "\n附注：重新发布。\n", encoding="utf-8")
    c = raw / QIAOKOU.name
    shutil.copy(QIAOKOU, c)
    lines: list[str] = []
    second, _ = extract_many([a, b, c], previous=previous_run(out, version), progress=lines.append)
    assert any(HONGSHAN.stem in s and "unchanged" in s for s in lines)
    assert sum("unchanged" in s for s in lines) == 1
    assert sorted(second["reports"].report_id) == sorted([HONGSHAN.stem, JIANGHAN.stem, QIAOKOU.stem])
    # reused rows are identical to the first run's
    pd.testing.assert_frame_equal(
        first["line_items"][first["line_items"].report_id == HONGSHAN.stem].reset_index(drop=True),
        second["line_items"][second["line_items"].report_id == HONGSHAN.stem].reset_index(drop=True),
    )
    # a removed raw file disappears from the next run's output
    third, _ = extract_many([a], previous=previous_run(out, version))
    assert third["reports"].report_id.tolist() == [HONGSHAN.stem]


def test_another_pdf_engine_reads_the_pdf_again_and_reuses_the_text_report(tmp_path, monkeypatch):
    """A researcher re-runs with `--engine pdfplumber` to compare: the PDF is read again by that
    engine (not the pdfium rows reused) and its page is due again; the text report, which no engine
    reads, is reused with its page. Asking for the same engine again reuses both."""
    raw = tmp_path / "raw"
    raw.mkdir()
    pdf, text = raw / "sgb.pdf", raw / HONGSHAN.name
    shutil.copy(PDF_SGB, pdf)
    shutil.copy(HONGSHAN, text)
    out = tmp_path / "processed"
    read: list[tuple[str, str]] = []
    run_one = pipeline._run_one
    monkeypatch.setattr(pipeline, "_run_one", lambda args: read.append((args[0], args[2])) or run_one(args))
    no_labels = pd.Series(dtype=object)

    extract_and_write([pdf, text], out, pdf_engine="pdfium", incremental=True)
    first = read_datasets(out)
    pages_first = incremental.report_versions(out, no_labels)
    assert read == [("sgb", "pdfium"), (HONGSHAN.stem, "pdfium")]
    extract_and_write([pdf, text], out, pdf_engine="pdfium", incremental=True)
    assert len(read) == 2  # same engine: nothing read again

    extract_and_write([pdf, text], out, pdf_engine="pdfplumber", incremental=True)
    assert read[2:] == [("sgb", "pdfplumber")]
    second = read_datasets(out)
    reps = second["reports"].set_index("report_id")
    assert reps.loc["sgb", "pdf_engine"] == "pdfplumber" and reps.loc["sgb", "status"] != "failed"
    assert pd.isna(reps.loc[HONGSHAN.stem, "pdf_engine"])
    assert first["reports"].set_index("report_id").loc["sgb", "pdf_engine"] == "pdfium"
    for ds in ("reports", "line_items"):  # the text report's rows are the first run's, untouched
        pd.testing.assert_frame_equal(
            first[ds][first[ds].report_id == HONGSHAN.stem].reset_index(drop=True),
            second[ds][second[ds].report_id == HONGSHAN.stem].reset_index(drop=True),
            obj=ds,
        )
    assert (second["line_items"].report_id == "sgb").sum() > 100
    pages_second = incremental.report_versions(out, no_labels)
    assert pages_second[HONGSHAN.stem] == pages_first[HONGSHAN.stem]
    assert pages_second["sgb"] != pages_first["sgb"]
    extract_and_write([pdf, text], out, pdf_engine="pdfplumber", incremental=True)
    assert len(read) == 3
    # the in-memory way (extract_many with the previous run) decides the same
    previous = previous_run(out, extractor_version())
    extract_many([pdf, text], pdf_engine="pdfplumber", previous=previous)
    assert len(read) == 3
    extract_many([pdf, text], pdf_engine="pdfium", previous=previous)
    assert read[3:] == [("sgb", "pdfium")]


def test_previous_run_ignored_after_code_change(tmp_path):
    first, _ = extract_many([HONGSHAN])
    write_datasets(first, tmp_path, "old-version")
    assert previous_run(tmp_path, "new-version") is None
    assert previous_run(tmp_path, "old-version") is not None


def test_written_files_follow_the_schema(tmp_path):
    datasets, _ = extract_many([HONGSHAN, QIAOKOU])
    write_datasets(datasets, tmp_path)
    back = read_datasets(tmp_path)
    for name in schema.DATASETS:
        assert (tmp_path / f"{name}.parquet").exists()
        assert list(back[name].columns) == schema.columns(name)
    li = back["line_items"]
    assert li.amount_wan.dtype == "float64"
    assert li.code.dropna().map(type).eq(str).all()
    assert set(li.table) <= {f"T{i}" for i in range(1, 10)}
    rep = back["reports"].set_index("report_id")
    assert list(rep.loc[HONGSHAN.stem, "tables_missing"]) == ["T1"]
    assert rep.loc[HONGSHAN.stem, "source_file"] == f"data/raw/{HONGSHAN.name}"
    assert len(rep.loc[HONGSHAN.stem, "source_sha256"]) == 64


def test_extractor_version_covers_parsers_not_studies():
    """The hashed modules are extract.py's import closure: every reader, rule and the vocabulary and
    settings they use, but no study, plot or runner (changing a figure does not re-extract)."""
    import helpers
    from helpers.data import datasets

    root = __import__("pathlib").Path(helpers.__file__).parent
    files = {q.relative_to(root).as_posix() for q in datasets.extraction_modules()}
    assert {
        "tables/grid.py",
        "tables/pdf_tables.py",
        "narrative/__init__.py",
        "checks/rules.py",
        "checks/review.py",
        "data/extract.py",
        "core/vocabulary.py",
        "core/settings.py",
        "core/normalize.py",
        "core/schema.py",
    } <= files
    assert not {f for f in files if f.startswith(("studies/", "run/", "publish/"))}


def test_extraction_closure_found_by_import_lines_equals_the_whole_parse(monkeypatch):
    """The closure is read from the import lines alone (fast); it is the one a walk of every
    module's whole syntax tree finds, and a file whose import line does not parse alone (a comment
    with a parenthesis inside `from x import (...)`) still counts its imports."""
    import ast

    from helpers.data import datasets

    fast = datasets.extraction_modules()

    def whole(source: bytes, filename: str) -> list:
        return [n for n in ast.walk(ast.parse(source, filename=filename)) if isinstance(n, ast.Import | ast.ImportFrom)]

    monkeypatch.setattr(datasets, "import_nodes", whole)
    assert fast == datasets.extraction_modules()
    monkeypatch.undo()
    odd = b"from .schema import (  # the (frozen) names\n    DATASETS,\n)\nimport helpers.vocabulary\n"
    got = datasets.import_nodes(odd, "odd.py")
    assert [type(n).__name__ for n in got] == ["ImportFrom", "Import"]
    assert got[0].module == "schema" and got[0].names[0].name == "DATASETS"


def test_extractor_version_follows_settings_and_pdf_libraries(monkeypatch):
    """A tolerance or a PDF library's version changes the version; the same inputs give the same one."""
    import dataclasses
    from importlib import metadata

    from helpers.core import settings
    from helpers.data import datasets

    v = datasets.extractor_version()
    assert v == datasets.extractor_version() and len(v) == 16
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, rounding_wan=0.006))
    assert datasets.extractor_version() != v
    monkeypatch.undo()
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda d: "0.0.1" if d == "pdfplumber" else real(d))
    assert datasets.extractor_version() != v


def test_quality_summary_dataset(text_datasets):
    """One quality row per readable report; Jianghan's confirmed errors are counted and named."""
    q = text_datasets["quality"].set_index("report_id")
    assert set(q.index) == {p.stem for p in (HONGSHAN, JIANGHAN, QIAOKOU)} | {
        "001_87de7c93fc8d4773",
        "003_80cf7104083c8073",
    }
    jh = q.loc[JIANGHAN.stem]
    assert jh.checks_run == jh.passed + jh.failed and jh.failed_error >= 1
    assert "N.rate_completion" in jh.rules_failed  # printed 100% where 4,199.36 / 3,927.98 = 106.9%
    assert "100.00" in jh.implicated and "106.9" in jh.implicated


def test_the_command_line_help_does_not_import_pandas():
    """`python -m helpers --help` and argument parsing import only what they need: no pandas (a
    one-file `extract` should not pay ~1 s of imports before it reads anything)."""
    import subprocess
    import sys

    for args in (["--help"], ["extract", "--help"]):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "helpers", *args], capture_output=True, text=True, check=True
        )
        assert "usage:" in out.stdout
        imported = {ln.split("|")[-1].strip() for ln in out.stderr.splitlines() if "|" in ln}
        assert "helpers.cli" in imported and "pandas" not in imported and "numpy" not in imported
