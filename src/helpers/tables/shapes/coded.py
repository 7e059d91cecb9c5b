"""Coded lists (T2, T3, T5, T8, T9, U4): rows of `code label figures…` under the template's columns.

Whatever the layout, the shape is read the same way:
- the header names the columns: per column where the layout knows them (`measures_for_columns`),
  else the header's words in the template's order (`measures_from_words`), else the template;
- the rows are `RowRecord`s (code, label, figures) built by the layout;
- figures whose columns are known are placed there (`items_by_position`); figures whose columns were
  lost are placed by the table's arithmetic: the row identities (`catalog.ROW_IDENTITIES`) and the
  code tree's sums (合计 = Σ类, 类 = Σ款, 款 = Σ项, `code_tree`), with the report's other tables as
  `hints` (columns known blank, the least and most a cell can hold): one placement for the whole
  table, the same for single-space text and one cell per line;
- its own sums on every reading: `check_hierarchy` (合计 = Σ类, 类 = Σ款, 款 = Σ项, column by column).
"""

from __future__ import annotations

import re

from ...core.catalog import COLUMN_KEYWORDS, ROW_IDENTITIES, TEMPLATE_MEASURES
from ...core.code_tree import TOTAL, children, code_parents
from ...core.normalize import compact
from ...core.settings import SETTINGS
from ...core.vocabulary import Table
from ..identities import mark
from ..line_item import LineItem
from ..placement import Identity, Placement, PlaceRow, place
from ..reading import Reading
from .records import RowRecord, items_by_arithmetic, items_by_position, measure_for

KIND = "coded"

CODE = re.compile(r"^(\d{3}|\d{5}|\d{7})$")  # a function-class code: 类 (3 digits), 款 (5), 项 (7)
TOTAL_LABEL = re.compile(r"^(合\s*计|总\s*计)$")  # the table's 合计 row, however spaced


def row_label(label: str) -> str:
    """A row's label, `合计` for the table's total row however printed (合 计, 总计)."""
    return "合计" if TOTAL_LABEL.match(label) else label


# Columns a department seldom uses: a value goes there only when the arithmetic cannot hold without them.
RARE: dict[str, tuple[str, ...]] = {
    Table.T2: ("upper_subsidy", "operating", "subsidiary_remit", "business_tuition"),
    Table.T3: ("upper_remit", "operating", "subsidiary_subsidy"),
}
# Tables whose every template column is kept even when the header's words come out broken
# (`其他收` / `入` on two lines): their rare columns are used only when the arithmetic needs them.
FULL_TEMPLATE = (Table.T2, Table.T3)
# Sub-columns kept only when the header names them, printed right after their parent column
# (事业收入 | 其中：教育收费 in the university template).
OPTIONAL_COLUMNS = {"business_tuition": "business"}


def names_a_measure(table: str, header: str) -> bool:
    """A column whose header words name one of the table's measures (合计, 基本支出, 财政拨款收入 …)."""
    return any(kw in header for kw, _ in COLUMN_KEYWORDS.get(table, ()))


def measures_for_columns(table: str, headers: list[str]) -> list[str]:
    """Measures of the figure columns, from each column's own header words (positions known)."""
    return [measure_for(table, h, k) for k, h in enumerate(headers)]


def measures_from_words(table: str, header: str) -> list[str]:
    """Measures named anywhere in the header, in the template's column order (positions lost). A
    header word may be cut by a line break inside its cell, so a keyword is also recognised by its
    first three characters."""
    h = compact(header)
    found = []
    for kw, m in COLUMN_KEYWORDS.get(table, ()):
        if (kw in h or (len(kw) >= 3 and kw[:3] in h)) and m not in found:
            found.append(m)
    template = list(TEMPLATE_MEASURES.get(table, ()))
    if table in FULL_TEMPLATE:
        found += [m for m in template if m not in found and m not in OPTIONAL_COLUMNS]
    ordered = [m for m in template if m in found]
    for sub, parent in OPTIONAL_COLUMNS.items():
        if sub in found and parent in ordered:
            ordered.insert(ordered.index(parent) + 1, sub)
    ordered += [m for m in found if m not in ordered]
    return ordered or template


def template(table: str) -> list[str]:
    return list(TEMPLATE_MEASURES[table])


def line_items(
    table: str,
    rows: list[RowRecord],
    measures: list[str],
    unit: str,
    notes: list[str],
    reading: Reading | None = None,
    hints: dict | None = None,
) -> list[LineItem]:
    """The table's line_items. `reading` given: the layout lost the columns (figures placed by the
    arithmetic, the reading records how); else every figure carries its column."""
    if reading is not None:
        return _by_arithmetic(table, rows, measures, unit, reading, hints or {})
    out: list[LineItem] = []
    for order, r in enumerate(rows):
        out += items_by_position(table, r, measures, order, unit, notes)
    return out


def _by_arithmetic(
    table: str, rows: list[RowRecord], measures: list[str], unit: str, reading: Reading, hints: dict
) -> list[LineItem]:
    col = {m: k for k, m in enumerate(measures)}
    idents = tuple(
        Identity(tuple(col[m] for m in l if m in col), tuple(col[m] for m in r if m in col))
        for l, r in ROW_IDENTITIES.get(table, ())
        if all(m in col for m in l)
    )
    rare = frozenset(col[m] for m in RARE.get(table, ()) if m in col)
    rare = rare - frozenset(col[m] for m in hints.get("used", ()) if m in col)  # another table shows them used
    stated = _stated_total(rows, col, unit, hints.get("total_row"))
    total_idx = next((i for i, r in enumerate(rows) if r.total), None if stated is None else len(rows))
    parents = code_parents([r.code for r in rows], total_idx)
    prows = [_place_row(table, r, parents[i], measures, unit, hints) for i, r in enumerate(rows)]
    if stated is not None:  # the 合计 row as the narrative states it: the root of the code tree, not a row
        prows.append(stated)
    res = place(prows, len(measures), idents, rare=rare)
    if (res.failing_groups or any(rp.impossible for rp in res.rows)) and any(pr.limits for pr in prows):
        # The table's own sums fail, or a row fits no limit: its rows may have slid against their
        # codes (a shifted text layer), or the report's tables disagree (the checks say so); what
        # another table shows for a code then says nothing of the figures on its line.
        for pr in prows:
            pr.limits = {}
        res = place(prows, len(measures), idents, rare=rare)
    if stated is not None:
        _record_stated_total(res, len(rows), hints["total_row"], reading)
    return items_by_arithmetic(table, rows, measures, res, unit, reading, record_failing=True)


def _place_row(table: str, r: RowRecord, parent: int | None, measures: list[str], unit: str, hints: dict) -> PlaceRow:
    """A row for the placement, with what the report's other tables show of its cells: columns
    known blank (`blocked`) and the least and most each can hold (`limits`, 万元)."""
    col = {m: k for k, m in enumerate(measures)}
    row_blocked = hints.get("blocked", {})  # code -> measures known blank from another table
    known_blank = set(row_blocked.get(r.name, ())) | set(row_blocked.get("*", ()))
    pr = r.place_row(len(measures), parent, blocked=frozenset(col[m] for m in known_blank if m in col))
    factor = 1e4 if unit == "元" else 1.0  # limits are in 万元, the figures as printed
    caps = hints.get("limits", {}).get(r.code, {}) if r.code else {}
    pr.limits = {
        col[m]: (None if lo is None else lo * factor, None if hi is None else hi * factor)
        for m, (lo, hi) in caps.items()
        if m in col
    }
    if r.words_at is not None and table in (Table.T8, Table.T9) and "total" in col:
        # 合计 row sharing its line with the 本年支出 sub-header: figures before the words sit
        # left of 本年支出, figures after them right of it; the words' columns are not printed.
        lo, hi = col["total"], max(col.get("project", col["total"]), col.get("basic", col["total"]))
        pr.ranges = [(0, lo - 1)] * r.words_at + [(hi + 1, len(measures) - 1)] * (len(pr.values) - r.words_at)
        pr.unknown = frozenset(range(lo, hi + 1))
    return pr


def _stated_total(rows: list[RowRecord], col: dict[str, int], unit: str, stated: dict | None) -> PlaceRow | None:
    """The narrative's 本年支出合计 / 基本支出 / 项目支出 (`hints["total_row"]`, 万元) as the table's total
    row, when the table has no 合计 row of its own; columns it does not state are left out of the sums."""
    if not stated or any(r.total for r in rows) or not all(m in col for m in ("total", "basic", "project")):
        return None
    factor = 1e4 if unit == "元" else 1.0
    given = [m for m in ("total", "basic", "project")]
    pr = PlaceRow([stated[m] * factor for m in given], fixed=tuple(col[m] for m in given))
    pr.unknown = frozenset(k for m, k in col.items() if m not in given)
    return pr


def _record_stated_total(res: Placement, at: int, stated: dict, reading: Reading) -> None:
    words = f"本年支出合计 {stated['total']:,.2f}, 基本支出 {stated['basic']:,.2f}, 项目支出 {stated['project']:,.2f}"
    if at in res.failing_groups:
        res.failing_groups.remove(at)
        reading.failing_sums.append(f"合计 as the narrative states it ({words}, {stated['ref']}) ≠ Σ类")
    else:
        reading.resolved.append(f"the table's 合计 as the narrative states it ({words}, {stated['ref']})")


def _tree_key(it: LineItem) -> str | None:
    return it["code"] or (TOTAL if it["row_label"] in ("合计", "总计") else None)


def _tree_rows(items: list[LineItem]) -> dict[str, dict[str, float | None]]:
    """code (or 合计) → measure → amount, the first row of each code."""
    rows: dict[str, dict[str, float | None]] = {}
    for it in items:
        key = _tree_key(it)
        if key is None or key in rows and it["measure"] in rows[key]:
            continue
        rows.setdefault(key, {})[it["measure"]] = it["amount_wan"]
    return rows


def _failing_parents(rows: dict[str, dict[str, float | None]], kids: dict[str, list[str]]) -> list[str]:
    failing: list[str] = []
    for parent, ch in kids.items():
        if parent not in rows:
            continue
        for m, pv in rows[parent].items():
            if pv is None:
                continue  # a blank total (or words where its figure would be) cannot be checked
            s = sum(v for c in ch if (v := rows[c].get(m)) is not None)
            tol = SETTINGS.rounding_wan * (len(ch) + 1) + SETTINGS.sum_slack
            if abs(pv - s) > tol:
                failing.append(parent)
                break
    return failing


def _suspects(failing: list[str], kids: dict[str, list[str]]) -> set[str]:
    """The rows a failing sum puts in doubt: the parent, and each child that is a leaf or a parent
    not confirmed by its own children (one child repeating the parent's figures confirms nothing:
    a slid value repeats on both)."""
    suspect = set()
    for p in failing:
        suspect.add(p)
        for c in kids.get(p, []):
            if c not in kids or c in failing or len(kids[c]) < 2:
                suspect.add(c)
                suspect.update(k for k in kids.get(c, []) if len(kids[c]) < 2)
    return suspect


def check_hierarchy(items: list[LineItem], reading: Reading) -> None:
    """Record where a coded table's sums fail (合计 = Σ类, 类 = Σ款, 款 = Σ项, column by column, over
    the code tree of `code_tree.children`), and mark the cells a failure makes doubtful when the
    reading is doubtful. A parent whose own children add up is confirmed by them and stays unmarked."""
    rows = _tree_rows(items)
    kids = children([c for c in rows if c != TOTAL])
    failing = _failing_parents(rows, kids)
    for p in failing:
        if p not in reading.failing_codes:  # the placement may have recorded it already
            reading.failing_codes.append(p)
            reading.failing_sums.append(f"{p}: its sub-rows do not add up to it")
    if not reading.doubtful or not failing:
        return
    suspect = _suspects(failing, kids)
    for it in items:
        if _tree_key(it) in suspect and it["amount_wan"] is not None:
            it["doubtful"] = True
    if reading.ocr:  # name the sums on the reading
        for p in failing:
            rows_in = {p, *(c for c in kids.get(p, []) if c in suspect)}
            mark(f"{p} = Σ the rows under it", [it for it in items if _tree_key(it) in rows_in], reading)


check = check_hierarchy  # the shape's own sums, recorded on every reading (`found.assess`)
