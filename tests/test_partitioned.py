"""The processed datasets as folders of per-report Parquet files (helpers.data.partitioned): one table for
every reader, the frames the one-file layout gave, one report's change writes one report's files,
and a run killed part-way resumes without reading its finished reports again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pds
import pytest

from helpers.core import schema
from helpers.data import partitioned
from helpers.data.datasets import read_datasets, write_datasets
from helpers.data.load import load
from helpers.run.pipeline import extract_and_write, extract_many

from .conftest import HANYANG, HONGSHAN, JIANGHAN, QIAOKOU, QINGSHAN, TEXT_FILES


@pytest.fixture(scope="module")
def written(tmp_path_factory, text_datasets):
    out = tmp_path_factory.mktemp("partitioned") / "processed"
    write_datasets(text_datasets, out)
    return out


def _same(a: pd.DataFrame, b: pd.DataFrame, obj: str) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), obj=obj)


def test_read_back_equals_the_one_file_layout(written, text_datasets, tmp_path):
    """read_datasets and load() give the frames (values, order and dtypes) that one Parquet file per
    dataset gave; a folder in that former layout is still read."""
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for ds, df in text_datasets.items():
        schema.conform(df, ds).to_parquet(legacy / f"{ds}.parquet", index=False)
    (legacy / "VERSION").write_text("x\n")
    old, new = read_datasets(legacy), read_datasets(written)
    for ds in schema.DATASETS:
        _same(old[ds], new[ds], ds)
    assert (written / "line_items.parquet").is_dir()
    assert new["reports"].report_id.tolist() == [p.stem for p in TEXT_FILES]
    a, b = load(legacy), load(written)
    for ds in schema.DATASETS:
        _same(a[ds], b[ds], ds)
    assert b.line_items.amount_wan.dtype == "float64" and b.line_items.row_order.dtype == "Int64"
    assert b.reports.report_id.dtype == "string" and b.line_items.doubtful.dtype == "boolean"
    # one report's rows alone (the batch holding it, filtered): the same rows as the whole, filtered
    one = partitioned.read_dataset(partitioned.resolve(written), "line_items", [JIANGHAN.stem])
    _same(one, new["line_items"][new["line_items"].report_id == JIANGHAN.stem], "one report")
    assert len(one) > 500


def _as_loaded(table: pa.Table, ds: str) -> pd.DataFrame:
    """Another reader's table in load()'s types, for a comparison of values."""
    table = table.select(schema.columns(ds)).cast(partitioned.arrow_schema(ds))
    return schema.conform(table.to_pandas(), ds)


def _row_order(df: pd.DataFrame) -> pd.DataFrame:
    key = [c for c in df.columns if df[c].map(lambda v: not isinstance(v, list)).all()]
    return df.sort_values(key, na_position="first", kind="stable").reset_index(drop=True)


def test_pandas_pyarrow_and_duckdb_read_each_dataset_as_one_table_equal_to_load(written):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is a dependency (helpers.db): pip install -e .")
    corpus = load(written)
    con = duckdb.connect()
    for ds in schema.DATASETS:
        folder = written / f"{ds}.parquet"
        want = _row_order(corpus[ds])
        whole = pd.read_parquet(folder)  # the published path, through the `current` link
        assert list(whole.columns) == schema.columns(ds), ds  # no partition column leaks in
        _same(_row_order(schema.conform(whole, ds)), want, f"pandas {ds}")
        _same(_row_order(_as_loaded(pds.dataset(folder, format="parquet").to_table(), ds)), want, f"pyarrow {ds}")
        got = con.sql(f"select * from read_parquet('{folder}/*.parquet')").arrow()
        got = got.read_all() if hasattr(got, "read_all") else got
        _same(_row_order(_as_loaded(got, ds)), want, f"duckdb {ds}")
    n = con.execute(
        f"select count(*) from read_parquet('{written}/line_items.parquet/*.parquet') "
        f"where report_id = '{JIANGHAN.stem}'"
    ).fetchone()[0]
    assert n == int((corpus.line_items.report_id == JIANGHAN.stem).sum()) > 500


def test_dask_reads_the_folder_as_one_table(written):
    dd = pytest.importorskip("dask.dataframe")
    got = dd.read_parquet(str(written / "checks.parquet")).compute()
    assert len(got) == len(load(written).checks) and set(got.columns) == set(schema.columns("checks"))


def test_a_dataset_without_rows_is_one_empty_file_with_the_schema(tmp_path):
    datasets, _ = extract_many([HONGSHAN])
    datasets["poverty_transfers"] = schema.empty("poverty_transfers")
    write_datasets(datasets, tmp_path)
    files = os.listdir(tmp_path / "poverty_transfers.parquet")
    assert files == [partitioned.EMPTY]
    back = pd.read_parquet(tmp_path / "poverty_transfers.parquet")
    assert back.empty and list(back.columns) == schema.columns("poverty_transfers")
    assert load(tmp_path).poverty_transfers.amount_wan.dtype == "float64"


def _batch_inodes(out, ds: str) -> dict[str, int]:
    """report id -> inode of the file of `ds` holding its rows."""
    gen = partitioned.resolve(out)
    m = partitioned.manifest(gen)
    rid_of = {key: rid for rid, key in m["order"]}
    return {
        rid_of[k]: (gen / f"{ds}.parquet" / f"{b['name']}.parquet").stat().st_ino
        for b in m["batches"]
        for k in b["keys"]
    }


def test_changing_one_report_rewrites_its_batch_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(partitioned, "BATCH", 2)
    raw = tmp_path / "raw"
    raw.mkdir()
    srcs = [HONGSHAN, HANYANG, JIANGHAN, QINGSHAN]
    files = [raw / p.name for p in srcs]
    for src, dst in zip(srcs, files):
        shutil.copy(src, dst)
    out = tmp_path / "processed"
    extract_and_write(files, out, incremental=True)
    before = _batch_inodes(out, "line_items")
    assert before[HONGSHAN.stem] == before[HANYANG.stem] != before[JIANGHAN.stem] == before[QINGSHAN.stem]
    files[2].write_text(files[2].read_text(encoding="utf-8") + "\n附注：重新发布。\n", encoding="utf-8")
    shutil.copy(QIAOKOU, raw / QIAOKOU.name)
    files.append(raw / QIAOKOU.name)
    result = extract_and_write(files, out, incremental=True)
    after = _batch_inodes(out, "line_items")
    # the untouched batch is the very same file (a hard link), not rewritten; the changed report's is new
    assert after[HONGSHAN.stem] == before[HONGSHAN.stem] == after[HANYANG.stem]
    assert after[JIANGHAN.stem] not in before.values() and after[QINGSHAN.stem] == after[JIANGHAN.stem]
    assert result["report_ids"] == [p.stem for p in srcs + [QIAOKOU]]
    assert not (out / partitioned.PARTS).exists()  # published: the parts are gone
    # the rows moved out of the old batch (Qingshan's) and the new ones equal a fresh run's
    fresh = tmp_path / "fresh"
    extract_and_write(files, fresh)
    a, b = read_datasets(out), read_datasets(fresh)
    for ds in schema.DATASETS:
        _same(
            a[ds].drop(columns="extracted_at", errors="ignore"), b[ds].drop(columns="extracted_at", errors="ignore"), ds
        )
    assert set(load(out).line_items.report_id) == {p.stem for p in srcs + [QIAOKOU]} - {QINGSHAN.stem}  # 0 cells
    # a report added in the middle of the input order lands in a batch of its own: read back in input order
    mid = raw / "000b_hanyang_copy.txt"
    mid.write_bytes(HANYANG.read_bytes() + b"\n")
    files.insert(1, mid)
    extract_and_write(files, out, incremental=True)
    assert not partitioned.in_order(partitioned.manifest(partitioned.resolve(out)))
    extract_and_write(files, fresh)
    a, b = read_datasets(out), read_datasets(fresh)
    assert a["reports"].report_id.tolist()[:3] == [HONGSHAN.stem, "000b_hanyang_copy", HANYANG.stem]
    for ds in schema.DATASETS:
        _same(
            a[ds].drop(columns="extracted_at", errors="ignore"), b[ds].drop(columns="extracted_at", errors="ignore"), ds
        )


def _cli(*args, fault: str = ""):
    env = {**os.environ, "JUESUAN_FAULT": fault}
    return subprocess.run([sys.executable, "-m", "helpers", *map(str, args)], capture_output=True, text=True, env=env)


def test_a_killed_run_resumes_without_reading_finished_reports_again(tmp_path):
    """`extract` killed (SIGKILL) right after its third report's part was written: nothing is
    published; the next run reads only the two reports left and publishes all five."""
    out = tmp_path / "out"
    files = TEXT_FILES
    r = _cli("extract", *files, "--out", out, fault=f"part@{files[2].stem}=kill")
    assert r.returncode == -signal.SIGKILL
    assert not (out / "reports.parquet").exists()  # nothing published by the killed run
    assert len(partitioned.available_parts(out)) == 3
    r = _cli("extract", *files, "--out", out)
    assert r.returncode == 0, r.stderr
    reused = [line.split(":")[0] for line in r.stderr.splitlines() if "reused" in line]
    assert reused == [p.stem for p in files[:3]]
    assert "[2/2]" in r.stderr and "[3/" not in r.stderr  # two files read, not five
    fresh = tmp_path / "fresh"
    assert _cli("extract", *files, "--out", fresh).returncode == 0
    a, b = read_datasets(out), read_datasets(fresh)
    for ds in schema.DATASETS:
        _same(
            a[ds].drop(columns="extracted_at", errors="ignore"), b[ds].drop(columns="extracted_at", errors="ignore"), ds
        )
    # a third plain `extract` reads everything again (not incremental): those parts were published
    r = _cli("extract", *files, "--out", out)
    assert "reused" not in r.stderr and "[5/5]" in r.stderr


def test_the_main_jobs_incremental_extraction_resumes_after_a_failure(tmp_path, monkeypatch):
    """A failure in the middle of an incremental run (a full disk after a report's rows were
    written) keeps the published run and the finished parts; the next run reads only the rest."""
    out = tmp_path / "out"
    extract_and_write([HONGSHAN], out, incremental=True)
    monkeypatch.setenv("JUESUAN_FAULT", f"part@{JIANGHAN.stem}=raise")
    with pytest.raises(OSError, match="simulated"):
        extract_and_write([HONGSHAN, HANYANG, JIANGHAN, QIAOKOU], out, incremental=True)
    assert load(out).report_ids == [HONGSHAN.stem]  # the published run is untouched
    monkeypatch.delenv("JUESUAN_FAULT")
    lines: list[str] = []
    monkeypatch.setattr("helpers.run.pipeline.log", lines.append)
    result = extract_and_write([HONGSHAN, HANYANG, JIANGHAN, QIAOKOU], out, incremental=True)
    assert [s.split(":")[0] for s in lines if "reused" in s] == [HONGSHAN.stem, HANYANG.stem, JIANGHAN.stem]
    assert sum(s.startswith("[") for s in lines) == 1 and QIAOKOU.stem in [s for s in lines if s.startswith("[")][0]
    assert result["report_ids"] == [HONGSHAN.stem, HANYANG.stem, JIANGHAN.stem, QIAOKOU.stem]
