"""Taking the datasets elsewhere: CSV for Excel, one Excel workbook, Stata .dta, Parquet.

`python -m helpers export --format csv|xlsx|dta|parquet --out DIR [--processed DIR]`. The datasets
are read through `data.load.load()` (never by path), so how `data/processed/` stores them is not
this module's business. What each format cannot hold is converted the same way everywhere:

- list columns (`reports.tables_found`, `notes`, `table_readings.reasons`) become JSON array text,
  `["T2", "T3"]` — unambiguous even when a note holds commas;
- formula injection (OWASP, "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab or
  a carriage return (a row label `=HYPERLINK(...)` in a report) is never a live formula. In CSV it
  gets a leading `'` (Excel shows the text; strip one leading `'` from such a cell to get the text
  back); in xlsx it is written as a text cell marked "quote prefix", its text unchanged. Numeric
  cells are never altered;
- CSV: UTF-8 with a byte-order mark (Excel then opens Chinese correctly), one file per dataset,
  blank for null (and for an empty text: CSV cannot tell them apart), dates `YYYY-MM-DD`, booleans
  `True`/`False`, rows ending in CRLF (RFC 4180); a `datapackage.json` describes them;
- xlsx: one sheet per dataset and a `columns` sheet (dataset, column, type, unit, values, meaning); characters
  an .xlsx cell cannot hold (ASCII control characters) are dropped;
- dta (Stata 118, Unicode; Stata has no nullable integers or booleans and no missing string):
  string → str (strL when over 2045 bytes), null → ""; float64 and Int64 → double, null → `.`;
  boolean → byte 0/1, or double 0/1 with null → `.` when a value is null; date → %td; list → str
  (JSON array text). Variable labels are the schema's meanings cut to Stata's 80 characters; names
  longer than 32 characters are cut (none are today).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..core import schema
from .export_formats import FORMATS  # named once; the CLI lists them without importing pandas

WORKBOOK = "juesuan.xlsx"
COLUMNS_SHEET = "columns"
EXCEL_MAX_ROWS = 1_048_575  # plus the header row
EXCEL_MAX_CELL = 32_767
EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an .xlsx cell cannot hold

# A text cell starting with one of these is read as a formula by spreadsheets (OWASP's list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

STATA_NAME_MAX = 32
STATA_LABEL_MAX = 80


class ExportError(ValueError):
    """The data cannot be written in the format asked (a limit of the format), with what and where."""


def _json_list(v) -> str | None:
    if v is None or (not hasattr(v, "__len__") and pd.isna(v)):
        return None
    return json.dumps([str(x) for x in v], ensure_ascii=False)


def flat(df: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """The frame with list columns as JSON array text (every other column unchanged)."""
    out = df.copy()
    for col, dtype, _ in schema.DATASETS[dataset]:
        if dtype == "list" and col in out:
            out[col] = out[col].map(_json_list).astype("string")
    return out


def is_formula_like(v) -> bool:
    return isinstance(v, str) and v.startswith(FORMULA_TRIGGERS)


def csv_safe(v):
    """A text a spreadsheet would run as a formula, with a leading `'` (OWASP); anything else as it is."""
    return "'" + v if is_formula_like(v) else v


def _text_columns(dataset: str) -> list[str]:
    return [col for col, dtype, _ in schema.DATASETS[dataset] if dtype in ("string", "list")]


def _write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """write(tmp) writes the file; it replaces `path` only when whole (a failed export leaves no half file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# -- CSV ---------------------------------------------------------------------------------------


def write_csv(frames: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    from .datapackage import export_descriptor, write_descriptor

    written = []
    for ds, df in frames.items():

        def write(path: Path, df: pd.DataFrame = df, ds: str = ds) -> None:
            out = flat(df, ds)
            for col in _text_columns(ds):  # text only: numbers, dates and booleans are never touched
                if col in out:
                    out[col] = out[col].map(csv_safe, na_action="ignore").astype("string")
            # CRLF rows (RFC 4180): the csv module then also quotes a cell holding a bare CR, which
            # would otherwise end the row in every reader
            out.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d", lineterminator="\r\n")

        written.append(_write_atomic(out / f"{ds}.csv", write))
    written.append(write_descriptor(out, export_descriptor({ds: f"{ds}.csv" for ds in frames})))
    return written


# -- Excel -------------------------------------------------------------------------------------


def columns_sheet() -> pd.DataFrame:
    """dataset · column · type · unit · allowed values · meaning, from the schema."""
    rows = []
    for ds, cols in schema.DATASETS.items():
        for col, dtype, meaning in cols:
            values = schema.VALUES.get((ds, col))
            rows.append(
                {
                    "dataset": ds,
                    "column": col,
                    "type": dtype,
                    "unit": schema.unit(ds, col) or "",
                    "values": ", ".join(values) if values else "",
                    "meaning": meaning,
                }
            )
    return pd.DataFrame(rows)


def excel_frame(df: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """What a sheet holds: lists as JSON text, control characters dropped, nulls as blank cells."""
    flat_df = flat(df, dataset)
    out = {}
    for col, dtype, _ in schema.DATASETS[dataset]:
        s = flat_df[col].astype(object).where(flat_df[col].notna(), None)
        if dtype in ("string", "list"):
            s = s.map(lambda v: EXCEL_ILLEGAL.sub("", v) if isinstance(v, str) else v)
            too_long = s.map(lambda v: isinstance(v, str) and len(v) > EXCEL_MAX_CELL)
            if too_long.any():
                i = int(too_long.to_numpy().argmax())
                raise ExportError(
                    f"{dataset}.{col}, row {i + 1}: {len(s.iloc[i]):,} characters, more than an "
                    f"Excel cell holds ({EXCEL_MAX_CELL:,}); export as csv or parquet"
                )
        out[col] = s
    return pd.DataFrame(out).reset_index(drop=True)


def _inert_formulas(ws, df: pd.DataFrame) -> None:
    """Text cells that start like a formula: openpyxl writes `=…` as a live formula; make each a text
    cell with Excel's quote prefix (as typing `'=…` does), so it stays text even when edited."""
    for j, col in enumerate(df.columns, start=1):
        if not (pd.api.types.is_object_dtype(df[col]) or pd.api.types.is_string_dtype(df[col])):
            continue
        for i in [k for k, v in enumerate(df[col]) if is_formula_like(v)]:
            cell = ws.cell(row=i + 2, column=j)
            cell.data_type = "s"
            cell.quotePrefix = True


def write_xlsx(frames: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    too_big = [ds for ds, df in frames.items() if len(df) > EXCEL_MAX_ROWS]
    if too_big:
        raise ExportError(
            f"{', '.join(too_big)}: more rows than an Excel sheet holds ({EXCEL_MAX_ROWS:,}); export as csv or parquet"
        )
    sheets = {COLUMNS_SHEET: columns_sheet()} | {ds: excel_frame(df, ds) for ds, df in frames.items()}

    def write(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for name, df in sheets.items():
                df.to_excel(xw, sheet_name=name, index=False)
                ws = xw.sheets[name]
                _inert_formulas(ws, df)
                ws.freeze_panes = "A2"  # the header stays in view; filters on every column
                ws.auto_filter.ref = ws.dimensions

    return [_write_atomic(out / WORKBOOK, write)]


# -- Stata -------------------------------------------------------------------------------------


def stata_names(columns: list[str]) -> dict[str, str]:
    """column → a Stata variable name of at most 32 characters, unique (cut, then numbered)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name, k = col[:STATA_NAME_MAX], 1
        while name in used:
            suffix = f"_{k}"
            name, k = col[: STATA_NAME_MAX - len(suffix)] + suffix, k + 1
        used.add(name)
        names[col] = name
    return names


def _label(text: str) -> str:
    text = re.sub(r"`", "", text)
    return text if len(text) <= STATA_LABEL_MAX else text[: STATA_LABEL_MAX - 1] + "…"


def stata_frame(df: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """The frame as it is written to .dta, by STATA_TYPES."""
    out = {}
    for col, dtype, _ in schema.DATASETS[dataset]:
        s = df[col]
        if dtype == "list":
            s = s.map(_json_list).fillna("").astype(object)
        elif dtype == "string":
            s = s.astype(object).where(s.notna(), "")
        elif dtype in ("Int64", "float64"):
            s = s.astype("float64")
        elif dtype == "boolean":
            s = s.astype("float64") if s.isna().any() else s.astype("int8")
        elif dtype == "date":
            s = pd.to_datetime(s)
        out[col] = s
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def write_dta(frames: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    written = []
    for ds, df in frames.items():
        cols = schema.DATASETS[ds]
        names = stata_names([c for c, _, _ in cols])
        sf = stata_frame(df, ds).rename(columns=names)
        labels = {names[c]: _label(meaning) for c, _, meaning in cols}
        dates = {names[c]: "td" for c, t, _ in cols if t == "date"}

        def write(path: Path, sf: pd.DataFrame = sf, labels: dict = labels, dates: dict = dates, ds: str = ds) -> None:
            sf.to_stata(
                path,
                write_index=False,
                version=118,
                variable_labels=labels,
                convert_dates=dates,
                data_label=_label(f"{ds}: {schema.SUMMARY[ds]}"),
            )

        written.append(_write_atomic(out / f"{ds}.dta", write))
    return written


# -- Parquet -----------------------------------------------------------------------------------


def write_parquet(frames: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    written = []
    for ds, df in frames.items():

        def write(path: Path, df: pd.DataFrame = df) -> None:
            df.to_parquet(path, index=False)

        written.append(_write_atomic(out / f"{ds}.parquet", write))
    return written


WRITERS: dict[str, Callable[[dict[str, pd.DataFrame], Path], list[Path]]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "dta": write_dta,
    "parquet": write_parquet,
}


def export(fmt: str, out: str | Path, processed: str | Path | None = None) -> list[Path]:
    """Write every dataset of `processed` (default data/processed) into `out` in format `fmt`; the
    paths written. Raises NoProcessedData (folder missing or without reports) or ExportError."""
    from .load import load

    if fmt not in WRITERS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    corpus = load(processed)
    frames = {ds: corpus[ds] for ds in schema.DATASETS}
    return WRITERS[fmt](frames, Path(out))
