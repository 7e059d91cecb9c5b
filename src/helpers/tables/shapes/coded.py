"""Coded lists (T2, T3, T5, T8, T9, U4): rows of `code label figures…` under the template's columns.

Whatever the layout, the shape is read the same way:
- the header names the columns: per column where the layout knows them (`measures_for_columns`),
  else the header's words in the template's order (`measures_from_words`), else the template;
- the rows are `RowRecord`s (code, label, figures) built by the layout;
- figures whose columns are known are placed there (`items_by_position`); figures whose columns were
  lost are placed by the table's arithmetic: the row identities (`catalog.ROW_IDENTITIES`) and the
  code tree's sums (合计 = Σ类, 类 = Σ款, 款 = Σ项), with the report's other tables as `hints`;
- a short row of a one-cell-per-line table fills its columns from the left (the template's order,
  marked `assumed`); in T3 and T5 a single figure is then moved from 基本支出 to 项目支出 where the 合计
  row's sums say so (`_repair_left_filled`);
- its own sums on every reading: `check_hierarchy` (合计 = Σ类, 类 = Σ款, 款 = Σ项, column by column).
"""

from __future__ import annotations

import re

from ...core.catalog import COLUMN_KEYWORDS, ROW_IDENTITIES, TEMPLATE_MEASURES
from ...core.normalize import compact
from ...core.settings import SETTINGS
from ..identities import mark
from ..placement import Identity, code_parents, place
from ..reading import Reading
from .records import RowRecord, items_by_arithmetic, items_by_position, measure_for

KIND = "coded"

CODE = re.compile(r"^(\d{3}|\d{5}|\d{7})$")  # a function-class code: 类 (3 digits), 款 (5), 项 (7)
TOTAL_LABEL = re.compile(r"^(合\s*计|总\s*计)$")  # the table's 合计 row, however spaced


def row_label(label: str) -> str:
    """A row's label, `合计` for the table's total row however printed (合 计, 总计)."""
    return "合计" if TOTAL_LABEL.match(label) else label


# Columns a department seldom uses: a value goes there only when the arithmetic cannot hold without them.
RARE = {
    "T2": ("upper_subsidy", "operating", "subsidiary_remit", "business_tuition"),
    "T3": ("upper_remit", "operating", "subsidiary_subsidy"),
}
# Tables whose every template column is kept even when the header's words come out broken
# (`其他收` / `入` on two lines): their rare columns are used only when the arithmetic needs them.
FULL_TEMPLATE = ("T2", "T3")
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
) -> list[dict]:
    """The table's line_items. `reading` given: the layout lost the columns (figures placed by the
    arithmetic, the reading records how); else every figure carries its column."""
    if reading is not None:
        return _by_arithmetic(table, rows, measures, unit, reading, hints or {})
    out: list[dict] = []
    for order, r in enumerate(rows):
        out += items_by_position(table, r, measures, order, unit, notes)
    if table in ("T3", "T5") and any(f.assumed for r in rows for f in r.figures):
        _repair_left_filled(out, notes)
    return out


def _by_arithmetic(
    table: str, rows: list[RowRecord], measures: list[str], unit: str, reading: Reading, hints: dict
) -> list[dict]:
    col = {m: k for k, m in enumerate(measures)}
    idents = tuple(
        Identity(tuple(col[m] for m in l if m in col), tuple(col[m] for m in r if m in col))
        for l, r in ROW_IDENTITIES.get(table, ())
        if all(m in col for m in l)
    )
    rare = frozenset(col[m] for m in RARE.get(table, ()) if m in col)
    total_idx = next((i for i, r in enumerate(rows) if r.total), None)
    parents = code_parents([r.code for r in rows], total_idx)
    prows = []
    row_blocked = hints.get("blocked", {})  # code -> measures known blank from another table
    for i, r in enumerate(rows):
        known_blank = set(row_blocked.get(r.name, ())) | set(row_blocked.get("*", ()))
        pr = r.place_row(len(measures), parents[i], blocked=frozenset(col[m] for m in known_blank if m in col))
        if r.words_at is not None and table in ("T8", "T9") and "total" in col:
            # 合计 row sharing its line with the 本年支出 sub-header: figures before the words sit
            # left of 本年支出, figures after them right of it; the words' columns are not printed.
            lo, hi = col["total"], max(col.get("project", col["total"]), col.get("basic", col["total"]))
            pr.ranges = [(0, lo - 1)] * r.words_at + [(hi + 1, len(measures) - 1)] * (len(pr.values) - r.words_at)
            pr.unknown = frozenset(range(lo, hi + 1))
        prows.append(pr)
    rare = rare - frozenset(col[m] for m in hints.get("used", ()) if m in col)  # another table shows them used
    res = place(prows, len(measures), idents, rare=rare)
    return items_by_arithmetic(table, rows, measures, res, unit, reading, record_failing=True)


def _repair_left_filled(items: list[dict], notes: list[str]) -> None:
    """A row that printed `total x` and one more `x` was filled as basic; if the 合计 row's basic
    and project do not then add up over the classes, move single-valued classes (and their
    sub-rows) to project until they do."""
    by_row: dict[int, dict[str, dict]] = {}
    for it in items:
        by_row.setdefault(it["row_order"], {})[it["measure"]] = it
    total = next((r for r in by_row.values() if r["total"]["row_label"] == "合计"), None)
    classes = [r for r in by_row.values() if r["total"]["level"] == "类"]
    if not total or not classes or total["basic"]["amount_wan"] is None:
        return
    basic_sum = sum(r["basic"]["amount_wan"] or 0 for r in classes)
    gap = round(basic_sum - total["basic"]["amount_wan"], 2)
    if abs(gap) < SETTINGS.unit_wan * (len(classes) + 1):
        return
    movable = [r for r in classes if r["basic"]["column_inferred"] and r["project"]["amount_wan"] is None]
    for r in movable:
        if abs(round(r["basic"]["amount_wan"] - gap, 2)) < SETTINGS.unit_wan:
            code = r["total"]["code"]
            for rr in by_row.values():
                c = rr["total"]["code"] or ""
                if c.startswith(code) and rr["project"]["amount_wan"] is None and rr["basic"]["column_inferred"]:
                    rr["project"]["amount_wan"], rr["basic"]["amount_wan"] = rr["basic"]["amount_wan"], None
                    rr["project"]["column_inferred"] = True
            notes.append(f"class {code}: single amount moved from 基本支出 to 项目支出 so that 合计 = Σ类")
            return


def _children(codes: list[str]) -> dict[str, list[str]]:
    """Each code's printed sub-codes, the 类 under "合计": the placement's code tree (`code_parents`)."""
    names = list(codes) + ["合计"]
    kids: dict[str, list[str]] = {}
    for c, parent in zip(codes, code_parents(list(codes) + [None], len(codes))):
        if parent is not None:
            kids.setdefault(names[parent], []).append(c)
    return kids


def _key(it: dict) -> str | None:
    """A coded row's place in the code tree: its code, or 合计 for the total row."""
    return it["code"] or ("合计" if it["row_label"] in ("合计", "总计") else None)


def _failing_parents(rows: dict[str, dict[str, float | None]], kids: dict[str, list[str]]) -> list[str]:
    """The rows whose sub-rows do not add up to them in some column."""
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
    """The rows a failing sum puts in doubt: the parent, and each child not confirmed by its own
    children (one child repeating the parent's figures confirms nothing: a slid value repeats on both)."""
    suspect = set()
    for p in failing:
        suspect.add(p)
        for c in kids.get(p, []):
            if c not in kids or c in failing or len(kids[c]) < 2:
                suspect.add(c)
                suspect.update(k for k in kids.get(c, []) if len(kids[c]) < 2)
    return suspect


def check_hierarchy(items: list[dict], reading: Reading) -> None:
    """Record where a coded table's sums fail (合计 = Σ类, 类 = Σ款, 款 = Σ项, column by column), and
    mark the cells a failure makes doubtful when the reading is doubtful. A parent whose own
    children add up is confirmed by them and stays unmarked."""
    rows: dict[str, dict[str, float | None]] = {}
    for it in items:
        key = _key(it)
        if key is None or key in rows and it["measure"] in rows[key]:
            continue
        rows.setdefault(key, {})[it["measure"]] = it["amount_wan"]
    kids = _children([c for c in rows if c != "合计"])
    failing = _failing_parents(rows, kids)
    for p in failing:
        if p not in reading.failing_codes:  # the placement may have recorded it already
            reading.failing_codes.append(p)
            reading.failing_sums.append(f"{p}: its sub-rows do not add up to it")
    if not reading.doubtful or not failing:
        return
    suspect = _suspects(failing, kids)
    for it in items:
        if _key(it) in suspect and it["amount_wan"] is not None:
            it["doubtful"] = True
    if reading.ocr:  # name the sums on the reading
        for p in failing:
            rows_in = {p, *(c for c in kids.get(p, []) if c in suspect)}
            mark(f"{p} = Σ the rows under it", [it for it in items if _key(it) in rows_in], reading)


check = check_hierarchy  # the shape's own sums, recorded on every reading (`found.assess`)
