"""helpers.studies.source: any report file → a Corpus, through a cache keyed by its bytes and the
extractor version (what notebooks/report.ipynb and start_here.ipynb use; the notebooks themselves
are run in test_notebooks.py)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from helpers.core import paths
from helpers.data.extract import extract_report
from helpers.studies.source import ReportFileError, extract_file, processed_or_raw

from .conftest import HANYANG, JIANGHAN


def test_extract_file_caches_by_bytes_and_relabels_a_renamed_copy(tmp_path):
    first = extract_file(JIANGHAN, cache_dir=tmp_path / "cache")
    assert not first.reused and first.status == "ok" and first.report_id == JIANGHAN.stem
    direct = extract_report(JIANGHAN)["line_items"]
    cols = ["table", "row_label", "code", "measure", "amount_wan", "doubtful", "source_ref"]
    pd.testing.assert_frame_equal(first.corpus.line_items[cols], direct[cols])
    copy = tmp_path / "某局 2022.txt"
    shutil.copy(JIANGHAN, copy)
    again = extract_file(copy, cache_dir=tmp_path / "cache")
    assert again.reused and again.cache == first.cache
    assert set(again.corpus.line_items.report_id) == {"某局_2022"}
    assert again.corpus.reports.source_file.tolist() == [copy.as_posix()]
    pd.testing.assert_frame_equal(
        again.corpus.checks.drop(columns="report_id"), first.corpus.checks.drop(columns="report_id")
    )


def test_bad_file_raises_the_extract_message_and_nothing_is_cached(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    with pytest.raises(ReportFileError) as err:
        extract_file(bad, cache_dir=tmp_path / "cache")
    assert str(err.value) == extract_report(bad)["reports"].error.iloc[0]
    assert "empty.txt" in str(err.value)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.parquet"))


def test_out_dir_writes_elsewhere_but_never_into_data_processed(tmp_path):
    with pytest.raises(ValueError, match="data/processed"):
        extract_file(JIANGHAN, cache_dir=tmp_path / "cache", out_dir=paths.DATA_PROCESSED)
    one = extract_file(JIANGHAN, cache_dir=tmp_path / "cache", out_dir=tmp_path / "out")
    assert {p.name for p in one.written} >= {"reports.parquet", "line_items.parquet", "checks.parquet", "VERSION"}


def test_processed_or_raw_reads_raw_files_when_nothing_is_processed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in (HANYANG, JIANGHAN):
        shutil.copy(f, raw / f.name)
    (raw / "broken.txt").write_bytes(b"")
    corpus, said = processed_or_raw(tmp_path / "processed", raw_dir=raw, cache_dir=tmp_path / "cache")
    assert "holds no datasets yet" in said and "3 files" in said
    st = corpus.reports.set_index("report_id").status
    assert len(st) == 3 and st["broken"] == "failed" and st[HANYANG.stem] != "failed" and st[JIANGHAN.stem] != "failed"
    assert set(corpus.line_items.report_id) == {HANYANG.stem, JIANGHAN.stem}
    assert len(list((tmp_path / "cache").glob("*/*/reports.parquet"))) == 2
