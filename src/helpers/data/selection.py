"""`load()` with filters and column selection, read from the Parquet files without the rest.

`load(years=[2023], tables=["T5"], columns=["code", "amount_wan"])` reads:
1. the `reports` dataset's selection columns (report_id, city, district, department, fiscal_year:
   one small row per report) and picks the report ids the filters keep;
2. for every other dataset, only the batch files holding those reports (the generation's
   MANIFEST.json says which), with the report and table filters pushed down to the Parquet reader
   (row groups and rows skipped in Arrow, never turned into pandas) and only the columns asked for.

So one year of 10,000 reports costs the batch files holding that year's reports, and only its
rows become pandas rows. The frames equal the whole load filtered (same rows in the same order,
same columns and dtypes), numbered from 0.
A value of the wrong kind (a year as a string, a table code that does not exist, a column no dataset
has) is a `SelectionError` saying which argument and what is expected; a selection that matches no
report is one too, naming the values the corpus has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from ..core import schema
from . import partitioned

DATASET_NAMES = tuple(schema.DATASETS)
TABLE_CODE = re.compile(r"T[1-9]|U4|X[1-9]\d*")
# the reports' columns the filters look at: read whole (one small row per report) to pick the ids
KEYS = ("report_id", "city", "district", "department", "fiscal_year")
_FILTERS = {"years": "fiscal_year", "cities": "city", "districts": "district", "departments": "department"}
TABLE_HELP = (
    "table codes are T1..T9 (the nine standard tables), U4 (a university's 财政拨款支出决算表) and X1, X2 … "
    "(other 决算 tables); see docs/DATA_DICTIONARY.md"
)


class SelectionError(ValueError):
    """A filter or column given to `load()` that cannot be right."""


@dataclass(frozen=True)
class Selection:
    years: tuple[int, ...] | None = None
    cities: tuple[str, ...] | None = None
    districts: tuple[str, ...] | None = None
    departments: tuple[str, ...] | None = None
    reports: tuple[str, ...] | None = None
    tables: tuple[str, ...] | None = None
    datasets: tuple[str, ...] = DATASET_NAMES
    columns: Mapping[str, tuple[str, ...]] | None = None  # dataset -> columns (report_id first)

    @property
    def everything(self) -> bool:
        return self == Selection()

    @property
    def by_report(self) -> bool:
        return any(getattr(self, f) is not None for f in (*_FILTERS, "reports"))


def _values(name: str, given, kind: type) -> tuple | None:
    if given is None:
        return None
    items = [given] if isinstance(given, (str, bytes, Integral)) else given
    if not isinstance(items, Iterable):
        raise SelectionError(f"{name}: give a list of values, not {type(given).__name__} {given!r}")
    out: list = []
    for v in items:
        if kind is int:
            if isinstance(v, bool) or not isinstance(v, Integral):
                hint = f"; write years=[{v}]" if isinstance(v, str) and v.strip().isdigit() else ""
                raise SelectionError(
                    f"{name}: {v!r} is a {type(v).__name__}, not a year; give fiscal years as integers{hint}"
                )
            out.append(int(v))
        else:
            if not isinstance(v, str):
                raise SelectionError(
                    f"{name}: {v!r} is a {type(v).__name__}; give strings as printed (ids as in reports.report_id)"
                )
            out.append(v)
    if not out:
        raise SelectionError(f"{name}: the list is empty (leave it out to keep everything)")
    return tuple(dict.fromkeys(out))


def make(
    *,
    years=None,
    cities=None,
    districts=None,
    departments=None,
    reports=None,
    tables=None,
    datasets=None,
    columns=None,
) -> Selection:
    """Check `load()`'s arguments (types, table codes, dataset and column names) into a Selection."""
    tabs = _values("tables", tables, str)
    for t in tabs or ():
        if not TABLE_CODE.fullmatch(t):
            raise SelectionError(f"tables: {t!r} is not a table code; {TABLE_HELP}")
    dss = _values("datasets", datasets, str)
    for d in dss or ():
        if d not in schema.DATASETS:
            raise SelectionError(f"datasets: no dataset {d!r}; the datasets are {', '.join(DATASET_NAMES)}")
    # `reports` (one row per report: labels, status) always comes, whichever datasets are asked for
    chosen = DATASET_NAMES if dss is None else tuple(d for d in DATASET_NAMES if d == "reports" or d in dss)
    return Selection(
        years=_values("years", years, int),
        cities=_values("cities", cities, str),
        districts=_values("districts", districts, str),
        departments=_values("departments", departments, str),
        reports=_values("reports", reports, str),
        tables=tabs,
        datasets=chosen,
        columns=_columns(columns, chosen),
    )


def _columns(columns, chosen: tuple[str, ...]) -> Mapping[str, tuple[str, ...]] | None:
    """A list applies to every dataset but `reports` (kept whole: one row per report, small); a
    mapping {dataset: [columns]} to the datasets it names. report_id always comes first."""
    if columns is None:
        return None
    if isinstance(columns, Mapping):
        asked = {}
        for ds, cols in columns.items():
            if ds not in schema.DATASETS:
                raise SelectionError(f"columns: no dataset {ds!r}; the datasets are {', '.join(DATASET_NAMES)}")
            names = _values(f"columns[{ds!r}]", cols, str) or ()
            unknown = [c for c in names if c not in schema.columns(ds)]
            if unknown:
                raise SelectionError(
                    f"columns[{ds!r}]: {', '.join(map(repr, unknown))} not in {ds}; "
                    f"its columns are {', '.join(schema.columns(ds))}"
                )
            asked[ds] = names
    else:
        names = _values("columns", columns, str) or ()
        others = [ds for ds in chosen if ds != "reports"]
        unknown = [c for c in names if not any(c in schema.columns(ds) for ds in others)]
        if unknown:
            raise SelectionError(
                f"columns: {', '.join(map(repr, unknown))} in none of the datasets {', '.join(others)}; "
                "one dataset's columns: load().describe('line_items') or docs/DATA_DICTIONARY.md"
            )
        asked = {ds: tuple(c for c in names if c in schema.columns(ds)) for ds in others}
    return {ds: ("report_id", *(c for c in cols if c != "report_id")) for ds, cols in asked.items()}


def read(folder: Path, sel: Selection, require_reports: bool) -> dict[str, pd.DataFrame]:
    """The selected frames of a processed folder's published generation."""
    generation = partitioned.resolve(folder)
    ids: list[str] | None = None
    if sel.by_report:
        ids = _report_ids(folder, generation, sel, require_reports)
    return {ds: _read(generation, ds, ids, sel) for ds in sel.datasets}


def _report_ids(folder: Path, generation: Path, sel: Selection, require_reports: bool) -> list[str]:
    keys = _read(generation, "reports", None, Selection(columns={"reports": KEYS}))
    keep = np.ones(len(keys), dtype=bool)
    if sel.reports is not None:
        known = set(keys.report_id.dropna())
        unknown = [r for r in sel.reports if r not in known]
        if unknown:
            raise SelectionError(
                f"reports: {', '.join(map(repr, unknown[:5]))} not in {folder}/reports.parquet "
                f"({len(known)} reports there; their ids are the raw files' names without extension)"
            )
        keep &= keys.report_id.isin(sel.reports).to_numpy()
    for arg, col in _FILTERS.items():
        wanted = getattr(sel, arg)
        if wanted is not None:
            keep &= keys[col].isin(wanted).fillna(False).to_numpy(dtype=bool)
    ids = keys.report_id[keep].tolist()
    if not ids and require_reports:

        def corpus_has(col: str) -> str:
            return ", ".join(map(str, sorted(keys[col].dropna().unique())))

        has = "; ".join(
            f"{arg}={list(getattr(sel, arg))} — the corpus has {corpus_has(col)}"
            for arg, col in _FILTERS.items()
            if getattr(sel, arg) is not None
        )
        raise SelectionError(f"no report in {folder} matches the filters ({has or 'reports'})")
    return ids


def _wanted_columns(ds: str, sel: Selection) -> list[str]:
    if sel.columns is not None and ds in sel.columns:
        return list(sel.columns[ds])
    return schema.columns(ds)


def _read(generation: Path, ds: str, ids: list[str] | None, sel: Selection) -> pd.DataFrame:
    cols = _wanted_columns(ds, sel)
    p = generation / f"{ds}.parquet"
    if p.is_file():  # the former layout: one file per dataset
        files = [p]
    elif p.is_dir():
        files = partitioned.dataset_files(generation, ds, ids)
    else:
        files = []
    expr = None
    if ids is not None:
        expr = pc.field("report_id").isin(pa.array(ids, pa.large_string()))
    if sel.tables is not None and "table" in schema.columns(ds):
        by_table = pc.field("table").isin(pa.array(sel.tables, pa.large_string()))
        expr = by_table if expr is None else expr & by_table
    pieces = []
    for f in files:
        present = set(pq.read_schema(f).names)  # older files may lack columns added since
        t = pads.dataset(f, format="parquet").to_table(
            columns=[c for c in cols if c in present], filter=expr, use_threads=False
        )
        if t.num_rows:
            pieces.append(t)
    if not pieces:
        return schema.empty(ds)[cols]
    table = pa.concat_tables(pieces, promote_options="default")
    df = table.to_pandas()
    m = partitioned.manifest(generation) if p.is_dir() else None
    if m is not None and not partitioned.in_order(m):  # a report added mid-run: back to input order
        pos = {rid: i for i, (rid, _) in enumerate(m["order"])}
        rank = df["report_id"].map(pos).to_numpy(dtype="float64", na_value=np.inf)
        df = df.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    out = schema.conform(df, ds)
    for c, dtype, _ in schema.DATASETS[ds]:
        # dates are datetime.date objects (NaT for none) in the whole load; conform turns a column
        # of nulls only (reports without a printed date) into datetime64
        if dtype == "date" and out[c].dtype != object:
            out[c] = out[c].astype(object)
    return out[cols]
