"""`load()` with filters and columns read from the Parquet files, and `helpers.db()` (DuckDB views),
on the shipped corpus extracted into a temporary folder in batches of three reports (four batch
files per dataset), so that reading one report's rows can be seen to open one file of four."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import helpers
from helpers.core.paths import DATA_RAW, raw_files
from helpers.data import partitioned, selection
from helpers.data.load import NoProcessedData, SelectionError
from helpers.run.pipeline import extract_and_write

HANYANG = "001_87de7c93fc8d4773"  # 武汉市汉阳区人民政府办公室 2024 年度 部门决算 (line 3 of the text copy)
CZJ = "上海市普陀区财政局2024年度部门决算"
SGB = "中共上海市普陀区委社会工作部_2024_年度部门决算"
SWU = "西南大学2023年度部门决算"  # a university: T1, T2, T3 and U4, no T5


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("filters") / "processed"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(partitioned, "BATCH", 3)  # 10 reports → 4 batch files per dataset
        extract_and_write(raw_files(DATA_RAW), out)
    return out


@pytest.fixture(scope="module")
def full(folder):
    return helpers.load(folder)


def expected(full, ids, tables=None, columns=None, datasets=None) -> dict[str, pd.DataFrame]:
    """The whole load filtered in pandas: what a filtered load must equal, frame by frame."""
    out = {}
    for ds, df in full.frames.items():
        if datasets is not None and ds != "reports" and ds not in datasets:
            continue
        keep = df.report_id.isin(ids)
        if tables is not None and "table" in df.columns:
            keep &= df["table"].isin(tables)
        cols = list(df.columns)
        if columns is not None and ds != "reports":
            cols = ["report_id", *(c for c in columns if c in df.columns and c != "report_id")]
        out[ds] = df.loc[keep, cols].reset_index(drop=True)
    return out


def test_the_corpus_as_the_files_say(full):
    # the years and districts printed on the reports' covers and in their file names
    r = full.reports.set_index("report_id")
    assert r.loc[HANYANG, "district"] == "汉阳区" and r.loc[HANYANG, "fiscal_year"] == 2024
    assert r.loc[CZJ, "fiscal_year"] == 2024 and r.loc[SGB, "fiscal_year"] == 2024
    assert r.loc[SWU, "fiscal_year"] == 2023
    assert sorted(r.index[r.district == "普陀区"]) == sorted(
        [CZJ, SGB, "上海市普陀区人民政府宜川路街道办事处2025年度部门决算", "上海市普陀区文化和旅游局2025年度部门决算"]
    )


@pytest.mark.parametrize(
    "kwargs, ids",
    [
        ({"years": [2024]}, [HANYANG, CZJ, SGB]),
        ({"years": 2023}, [SWU]),
        ({"districts": ["普陀区"], "years": [2024]}, [CZJ, SGB]),
        ({"departments": ["武汉市汉阳区人民政府办公室"]}, [HANYANG]),
        ({"cities": "武汉市", "years": [2021]}, ["000_5ae2df98b6bbde0e", "004_f973782ff0beb528"]),
        ({"reports": [SGB, HANYANG]}, [HANYANG, SGB]),
    ],
)
def test_filtered_load_equals_the_full_load_filtered(folder, full, kwargs, ids):
    got = helpers.load(folder, **kwargs)
    assert sorted(got.reports.report_id) == sorted(ids)
    want = expected(full, ids)
    assert set(got.frames) == set(want)
    for ds, df in want.items():
        pd.testing.assert_frame_equal(got[ds], df, check_index_type=True, obj=ds)
    assert len(got.line_items) > 0


def test_tables_columns_and_datasets(folder, full):
    cols = ["table", "code", "row_label", "measure", "amount_wan"]
    got = helpers.load(folder, years=[2024], tables=["T5"], datasets=["line_items"], columns=cols)
    assert set(got.frames) == {"reports", "line_items"}
    want = expected(full, [HANYANG, CZJ, SGB], tables=["T5"], columns=cols, datasets=["line_items"])
    for ds in got.frames:
        pd.testing.assert_frame_equal(got[ds], want[ds], obj=ds)
    assert list(got.line_items.columns) == ["report_id", *cols]
    assert set(got.line_items.table) == {"T5"} and set(got.line_items.report_id) == {HANYANG, CZJ, SGB}
    with pytest.raises(AttributeError, match="not loaded"):
        getattr(got, "checks")  # noqa: B009
    # the table filter alone: every report, the rows of T5 in the datasets with a `table` column
    t5 = helpers.load(folder, tables="T5")
    for ds, df in expected(full, list(full.reports.report_id), tables=["T5"]).items():
        pd.testing.assert_frame_equal(t5[ds], df, obj=ds)
    assert len(t5.checks) == len(full.checks)  # no `table` column: kept whole
    # columns per dataset, reports' too
    by = helpers.load(folder, reports=[SWU], columns={"reports": ["fiscal_year"], "quality": ["failed"]})
    assert list(by.reports.columns) == ["report_id", "fiscal_year"] and by.reports.fiscal_year.tolist() == [2023]
    pd.testing.assert_frame_equal(by.quality, expected(full, [SWU], columns=["failed"])["quality"])


def test_one_report_reads_one_batch_file_of_four(folder, monkeypatch):
    opened: list[Path] = []
    real = selection.pads.dataset

    def spy(path, *a, **k):
        opened.append(Path(path))
        return real(path, *a, **k)

    monkeypatch.setattr(selection.pads, "dataset", spy)
    helpers.load(folder, reports=[SGB], datasets=["line_items"])
    generation = partitioned.resolve(folder)
    assert len(partitioned.dataset_files(generation, "line_items")) == 4
    li = [p for p in opened if p.parent.name == "line_items.parquet"]
    assert li == partitioned.dataset_files(generation, "line_items", [SGB]) and len(li) == 1


def test_db_views_count_what_load_reads(folder, full):
    con = helpers.db(folder, threads=1, memory_limit="500MB")
    for ds, df in full.frames.items():
        assert con.sql(f"SELECT count(*) FROM {ds}").fetchall()[0][0] == len(df), ds
    # a question across reports in SQL equals the same in pandas
    q = con.sql(
        "SELECT r.fiscal_year AS year, count(*) AS n, sum(li.amount_wan) AS wan FROM line_items li "
        "JOIN reports r USING (report_id) WHERE li.\"table\" = 'T5' GROUP BY 1 ORDER BY 1"
    ).df()
    li = full.line_items.merge(full.reports[["report_id", "fiscal_year"]], on="report_id")
    t5 = li[li.table == "T5"].groupby("fiscal_year").amount_wan.agg(["size", "sum"])
    assert q.year.tolist() == t5.index.tolist() and 2023 not in q.year.tolist()  # 西南大学 prints no T5
    assert q.n.tolist() == t5["size"].tolist()
    assert q.wan.round(2).tolist() == t5["sum"].round(2).tolist()
    assert con.sql("SELECT tables_found FROM reports WHERE report_id = ?", params=[SWU]).fetchall() == [
        (["T1", "T2", "T3", "U4"],)
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"years": ["2023"]},
            r"years: '2023' is a str, not a year; give fiscal years as integers; write years=\[2023\]",
        ),
        ({"years": 2023.0}, "give a list of values"),
        ({"tables": ["T10"]}, r"tables: 'T10' is not a table code; table codes are T1\.\.T9"),
        ({"tables": ["t5"]}, "'t5' is not a table code"),
        ({"datasets": ["lineitems"]}, "datasets: no dataset 'lineitems'"),
        ({"columns": ["amout_wan"]}, "columns: 'amout_wan' in none of the datasets"),
        ({"columns": {"line_items": ["fiscal_year"]}}, r"columns\['line_items'\]: 'fiscal_year' not in line_items"),
        ({"reports": ["no_such_report"]}, "reports: 'no_such_report' not in .*reports.parquet"),
        ({"years": [1999]}, r"no report in .* matches the filters \(years=\[1999\] — the corpus has 2020, 2021"),
        ({"districts": ["洪山"]}, r"districts=\['洪山'\] — the corpus has .*洪山区"),
        ({"years": []}, "years: the list is empty"),
    ],
)
def test_bad_filter_values_say_what_is_wrong(folder, kwargs, message):
    with pytest.raises(SelectionError, match=message):
        helpers.load(folder, **kwargs)


def test_bad_db_arguments_and_folders(folder, tmp_path):
    with pytest.raises(ValueError, match="threads: '2'"):
        helpers.db(folder, threads="2")
    with pytest.raises(ValueError, match="memory_limit: 'lots'"):
        helpers.db(folder, memory_limit="lots")
    with pytest.raises(NoProcessedData, match="does not exist"):
        helpers.db(tmp_path / "nowhere")
    with pytest.raises(NoProcessedData, match="does not exist"):
        helpers.load(tmp_path / "nowhere", years=[2024])


def test_db_spills_into_a_folder_of_its_own_and_leaves_none_behind(folder, tmp_path, monkeypatch):
    """What DuckDB writes beyond its memory limit goes to a folder of the connection's own in the system's
    temporary folder, not `.tmp` in the working directory (a notebook's folder); it is gone once the
    connection is closed, and a folder left by a process that ended without closing its connection (a
    killed worker) is removed when the next connection is made."""
    import subprocess
    import sys

    from helpers.data import database

    tmp, cwd = tmp_path / "tmp", tmp_path / "cwd"
    tmp.mkdir(), cwd.mkdir()
    monkeypatch.setattr(database.tempfile, "gettempdir", lambda: str(tmp))
    monkeypatch.chdir(cwd)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp / f"{database.SPILL_PREFIX}{ended.stdout.strip()}-deadbeef"
    left.mkdir()
    (left / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1024)
    con = helpers.db(folder, memory_limit="20MB")
    assert not left.exists()
    # a table larger than the limit: DuckDB writes part of it out
    con.execute("CREATE TEMP TABLE big AS SELECT range AS i, repeat('决算', 40) AS s FROM range(400000)")
    con.execute("SET memory_limit = '8MB'")
    (spill,) = tmp.iterdir()
    assert spill.name.startswith(f"{database.SPILL_PREFIX}{os.getpid()}-") and any(spill.iterdir())
    assert not any(cwd.iterdir())  # no .tmp in the working directory
    con.close()
    assert not spill.exists()


def test_query_results_come_from_an_allocator_that_returns_what_is_freed(folder):
    """pyarrow's default allocator (mimalloc) keeps freed memory for reuse: a study kernel at 10,000 reports held
    ~180 MB of it. A DuckDB connection switches Arrow to the system allocator, unless the user chose a pool
    with ARROW_DEFAULT_MEMORY_POOL (then kept)."""
    import subprocess
    import sys

    code = (
        "import sys, pyarrow as pa, helpers; before = pa.default_memory_pool().backend_name; "
        "helpers.db(sys.argv[1]).close(); print(before, pa.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    default = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, env=env)
    assert default.stdout.split() == ["mimalloc", "system"], default.stderr
    chosen = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        capture_output=True,
        text=True,
        env={**env, "ARROW_DEFAULT_MEMORY_POOL": "jemalloc"},
    )
    assert chosen.stdout.split() == ["jemalloc", "jemalloc"], chosen.stderr
