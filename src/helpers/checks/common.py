"""Reading line_items for the rules: a table's rows, its total and named rows, T6's blocks, T7's
cells, T5 per class, and the guard for a table missing or printed empty. Shared by the rule modules
(checks/tables.py, checks/narrative.py, checks/review.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

from ..core.normalize import compact
from ..core.settings import SETTINGS
from ..core.vocabulary import CLASS_NAMES, MEASURE_NAMES, TABLE_TITLES, Table
from .rules import Fig, Report, Result, insufficient, join_refs, not_applicable, sval, tref, val

# ---------------------------------------------------------------------------------------------
# Rows of a table


@dataclass
class Row:
    order: int
    label: str
    code: str | None
    level: str | None
    side: str | None
    section: str | None
    ref: str | None
    cells: dict  # measure -> value (None for blank)
    inferred: set[str] = field(default_factory=set)  # measures whose column was inferred
    doubtful: set[str] = field(default_factory=set)  # measures whose reading is doubtful

    def fig(self, table: str, measure: str, label: str | None = None) -> Fig:
        return Fig(
            self.cells.get(measure),
            tref(table, self.ref),
            label or f"{self.name} {MEASURE_NAMES.get(measure, measure)}",
            inferred=measure in (self.inferred or ()),
            doubtful=measure in (self.doubtful or ()),
        )

    def has(self, measure: str) -> bool:
        return measure in self.cells

    @property
    def name(self) -> str:
        return f"{self.code} {self.label}" if self.code else self.label


def rows_of(report: Report, table: str) -> list[Row]:
    """A table's line_items as rows (one per printed line, its measures as cells), cached per report."""
    rows: list[Row] = report.cached(("rows", table), lambda: _rows(report, table))
    return rows


def _rows(report: Report, table: str) -> list[Row]:
    t = report.table(table)
    out: dict[tuple, Row] = {}
    for r in t.itertuples(index=False):
        side = sval(r.side)
        k = (side, int(r.row_order) if not pd.isna(r.row_order) else -1, sval(r.row_label), sval(r.code))
        row = out.get(k)
        if row is None:
            row = out[k] = Row(
                k[1],
                sval(r.row_label) or "",
                sval(r.code),
                sval(r.level),
                side,
                sval(r.section),
                sval(r.source_ref),
                {},
                set(),
                set(),
            )
        row.cells[str(r.measure)] = val(r.amount_wan)
        inf = getattr(r, "column_inferred", None)
        if inf is not None and not pd.isna(inf) and bool(inf):
            row.inferred.add(str(r.measure))
        doubt = getattr(r, "doubtful", None)
        if doubt is not None and not pd.isna(doubt) and bool(doubt):
            row.doubtful.add(str(r.measure))
    return sorted(out.values(), key=lambda x: ((x.side or ""), x.order))


def total_row(rows: list[Row]) -> Row | None:
    """The uncoded 合计/总计 row."""
    for r in rows:
        if not r.code and compact(r.label) in ("合计", "总计"):
            return r
    return None


def coded(rows: list[Row], domain_len=(3, 5, 7)) -> list[Row]:
    return [r for r in rows if r.code and len(r.code) in domain_len]


def code_of(row: Row) -> str:
    """The code of a row kept by `coded()` (which keeps only rows that have one)."""
    assert row.code is not None, f"{row.label}: a row without a code where coded rows are expected"
    return row.code


def table_unavailable(report: Report, *tables: str) -> Result | None:
    """insufficient_data when a table is missing, not_applicable when printed empty."""
    missing = [t for t in tables if report.table_state(t) == "missing"]
    if missing:
        return insufficient(
            f"{', '.join(f'{t} {TABLE_TITLES.get(t, t)}' for t in missing)} not found in the file "
            "(lost in conversion or not published)"
        )
    empty = [t for t in tables if report.table_state(t) == "empty"]
    if empty:
        return not_applicable(
            f"{', '.join(f'{t} {TABLE_TITLES.get(t, t)}' for t in empty)} printed without figures "
            "(no such money this year)"
        )
    return None


def on_tables(*tables: str):
    """A rule over these tables yields `table_unavailable`'s result alone when one is missing or empty."""

    def deco(func):
        @functools.wraps(func)
        def run(report: Report):
            bad = table_unavailable(report, *tables)
            if bad:
                yield bad
                return
            yield from func(report)

        return run

    return deco


def side_rows(rows: list[Row], side: str) -> list[Row]:
    """The rows of one side (`income`, `expenditure`) of a two-sided table."""
    return [r for r in rows if r.side == side]


def find_row(rows: list[Row], *keys: str, exact: bool = False) -> Row | None:
    """The first row whose label (spaces removed) contains, or with `exact` equals, one of `keys`."""
    for r in rows:
        lab = compact(r.label)
        if any((lab == k) if exact else (k in lab) for k in keys):
            return r
    return None


def t6_rows(report: Report):
    """T6's economic rows, and its 人员经费合计, 公用经费合计 and overall 合计 rows (None where not
    read)."""
    rows = rows_of(report, Table.T6)
    econ = [r for r in rows if r.code and r.code[:1] == "3"]
    pers = next((r for r in rows if not r.code and "人员经费" in compact(r.label)), None)
    pub = next((r for r in rows if not r.code and "公用经费" in compact(r.label)), None)
    grand = next(
        (
            r
            for r in rows
            if not r.code and "合计" in compact(r.label) and "人员" not in r.label and "公用" not in r.label
        ),
        None,
    )
    return econ, pers, pub, grand


def t7_figs(report: Report) -> tuple[dict[str, Fig], str | None]:
    """T7's cells by measure (`budget_total` …), and the reference of the first."""
    figs = {}
    ref = None
    for r in rows_of(report, Table.T7):
        for m, v in r.cells.items():
            figs[m] = Fig(v, tref(Table.T7, r.ref), "", inferred=m in r.inferred, doubtful=m in r.doubtful)
            ref = ref or tref(Table.T7, r.ref)
    return figs, ref


def t7_cell(figs: dict[str, Fig], col: str, item: str, label: str) -> Fig:
    """One T7 cell (column `budget` or `final`) under a label; blank where it was not printed."""
    f = figs.get(f"{col}_{item}")
    return Fig(
        f.value if f else None,
        f.ref if f else None,
        label,
        inferred=bool(f and f.inferred),
        doubtful=bool(f and f.doubtful),
    )


def t5_class_amounts(report: Report) -> dict[str, Fig]:
    """T5 amount per function 类: the 类 row, or Σ its 款/项 where no 类 row is printed."""
    rows = coded(rows_of(report, Table.T5))
    out: dict[str, Fig] = {}
    for c in sorted({code_of(r)[:3] for r in rows}):
        cls = next((r for r in rows if r.code == c), None)
        if cls is not None:
            out[c] = cls.fig(Table.T5, "total", f"{Table.T5} {c} {cls.label}")
            continue
        kids = [r for r in rows if code_of(r).startswith(c) and len(code_of(r)) == 5] or [
            r for r in rows if code_of(r).startswith(c) and len(code_of(r)) == 7
        ]
        vals = [r.cells.get("total") for r in kids]
        printed = [v for v in vals if v is not None]
        out[c] = Fig(
            sum(printed) if printed else None,
            join_refs(*[tref(Table.T5, r.ref) for r in kids]),
            f"T5 Σ{'款' if len(code_of(kids[0])) == 5 else '项'} under {c} {CLASS_NAMES.get(c, '')}",
            half=SETTINGS.rounding_wan * len(printed) if printed else SETTINGS.rounding_wan,
            inferred=any("total" in r.inferred for r in kids),
            doubtful=any("total" in r.doubtful for r in kids),
        )
    return out
