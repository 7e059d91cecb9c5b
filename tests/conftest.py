"""Shared fixtures: the shipped raw corpus, extracted once per test session; the main job on it,
run once per session for the page tests (test_notebooks, test_browser)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers.core.paths import DATA_RAW, NOTEBOOKS, raw_files

HONGSHAN = DATA_RAW / "000_5ae2df98b6bbde0e.txt"
HANYANG = DATA_RAW / "001_87de7c93fc8d4773.txt"
JIANGHAN = DATA_RAW / "002_e2b9b740b0f725e0.txt"
QINGSHAN = DATA_RAW / "003_80cf7104083c8073.txt"
QIAOKOU = DATA_RAW / "004_f973782ff0beb528.txt"
PDF_CZJ = DATA_RAW / "上海市普陀区财政局2024年度部门决算.pdf"
PDF_SGB = DATA_RAW / "中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"
TEXT_FILES = [HONGSHAN, HANYANG, JIANGHAN, QINGSHAN, QIAOKOU]


# Modules whose tests start kernels, browsers, Dask clusters or worker processes to kill, run the main
# job, or run the code gates: the whole suite runs them; `pytest -m fast` (while working) does not.
SLOW_MODULES = {
    "test_browser",
    "test_dask",
    "test_notebooks",
    "test_warm_kernels",
    "test_faults",
    "test_incremental",
    "test_escaping",
    "test_partitioned",
    "test_export",
    "test_gates",
    "test_pdfium",
    "test_bench_readme",
    # each extracts the whole corpus for its studies, or scans every source file
    "test_studies",
    "test_studies_like_with_like",
    "test_studies_verdict",
    "test_department_series",
    "test_execution_reasons",
    "test_load_filters",
    "test_checks_corpus",
    "test_pipeline",
    "test_vocabulary",
    "test_source",
    "test_studies_lean",  # the session extraction of data/raw, read through DuckDB
    "test_container_ocr",  # OCR of whole scanned pages
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        tabula = "tabula" in item.name  # starts a JVM
        if module not in SLOW_MODULES and not tabula and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def processed_raw(tmp_path_factory) -> Path:
    """data/raw extracted once per session into a folder of its own (the studies' tests load it; each
    `load()` gives its own frames, so no test sees another's changes)."""
    from helpers.run.pipeline import extract_and_write

    out = tmp_path_factory.mktemp("raw-extracted") / "processed"
    extract_and_write(raw_files(), out, jobs=1)
    return out


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    return raw_files()


@pytest.fixture(scope="session")
def text_datasets():
    """Datasets extracted from the five text reports (no PDF engine needed)."""
    from helpers.run.pipeline import extract_many

    datasets, _ = extract_many(TEXT_FILES)
    return datasets


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """`main_job` on data/raw into a temporary processed/build/reports tree (data/processed untouched)."""
    from helpers.run import runner

    root = tmp_path_factory.mktemp("mainjob")
    before = digest(NOTEBOOKS)
    rc = runner.main_job(
        jobs=2,
        raw_dir=DATA_RAW,
        processed_dir=root / "processed",
        reports_dir=root / "reports",
        build_dir=root / "build",
    )
    return {
        "rc": rc,
        "root": root,
        "reports": root / "reports",  # the Chinese edition (the default)
        "en": root / "reports" / "en",  # the English edition
        "build": root / "build",
        "notebooks_untouched": digest(NOTEBOOKS) == before,
    }


@pytest.fixture
def english():
    """The English edition's words for one test (helpers.publish.text; Chinese is the default)."""
    from helpers.publish import text

    with text.using("en"):
        yield


@pytest.fixture
def ipython_shell():
    """An IPython shell as a kernel has one (no GUI loop), the only one in the process while the test runs."""
    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # a kernel's shell has no GUI loop either
            pass

    InteractiveShell.clear_instance()  # another test's shell (a singleton) may still be there
    yield Shell.instance()
    InteractiveShell.clear_instance()
