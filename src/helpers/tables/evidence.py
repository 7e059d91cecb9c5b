"""What the other tables of a report say about a table read without column positions.

A single-space text copy loses blank cells; the table's own arithmetic places most figures, and the
report's other tables settle or test the rest:
- columns known blank: a T2 source that T1 shows was not received; a T8/T9 column (income, carry-over)
  that T4 shows blank for the fund; a T5/T8/T9 基本/项目 cell that T3 (every fund) leaves blank or
  already accounts for with the other fiscal tables (`spaced_hints`, used while placing);
- cells that cannot be: a fiscal table's cell above T3's for the same code, or above T4's column of
  its fund for the class (`beyond_other_tables`, used after placing, to mark misplaced rows).
Only cells read without doubt count as evidence.
"""

from __future__ import annotations

import re

from ..core.normalize import NUM, compact
from ..core.settings import SETTINGS
from ..core.vocabulary import Table
from ..read.document import Line
from .line_item import LineItem
from .reading import Reading


def _values(items: list[LineItem], blank_as_zero: bool = False) -> dict[tuple[str, str], float]:
    """(code, measure) → value of cells read without doubt; with `blank_as_zero`, a blank cell of a
    row that printed its total counts as 0 (the row shows nothing is there)."""
    totals = {it["code"] for it in items if it["code"] and it["measure"] == "total" and it["amount_wan"] is not None}
    out = {}
    for it in items:
        if not it["code"] or it.get("doubtful"):
            continue
        if it["amount_wan"] is not None:
            out[(it["code"], it["measure"])] = it["amount_wan"]
        elif blank_as_zero and it["code"] in totals:
            out[(it["code"], it["measure"])] = 0.0
    return out


# T2 columns and the T1 income rows that total them.
_T2_SOURCES = {
    "fiscal": ("财政拨款",),
    "upper_subsidy": ("上级补助",),
    "business": ("事业收入",),
    "operating": ("经营收入",),
    "subsidiary_remit": ("附属单位",),
    "other": ("其他收入",),
}


def _sources_not_received(t1_items: list[LineItem]) -> set[str]:
    """T2 columns whose income T1 prints blank or 0: no row of T2 can hold a figure there."""
    income = [it for it in t1_items if it["side"] == "income" and it["section"] is None]
    out = set()
    for m, words in _T2_SOURCES.items():
        rows = [it for it in income if any(w in it["row_label"] for w in words)]
        if rows and all((it["amount_wan"] or 0.0) == 0.0 and not it.get("doubtful") for it in rows):
            out.add(m)
    return out


def _fund_columns_not_used(code: str, t4_items: list[LineItem]) -> set[str]:
    """T8/T9 columns that T4 shows to be blank for the fund: no income, no carry-over in or out."""
    fund = "政府性基金" if code == Table.T8 else "国有资本经营"
    cells = [it for it in t4_items if it["measure"] in ("final", "total")]
    rows = [it for it in cells if fund in it["row_label"]]
    income = [it for it in rows if it["side"] == "income" and it["section"] is None]
    begin = [it for it in rows if it["side"] == "income" and it["section"] == "balance"]
    end = [it for it in rows if it["side"] == "expenditure" and it["section"] == "balance"]
    # The 年初/年末 结转和结余 rows themselves cover every fund: blank there is blank for each fund.
    begin += [it for it in cells if it["side"] == "income" and "年初" in it["row_label"] and "结转" in it["row_label"]]
    end += [
        it for it in cells if it["side"] == "expenditure" and "年末" in it["row_label"] and "结转" in it["row_label"]
    ]
    out = set()
    for measure, group in (("income", income), ("carryover_begin", begin), ("carryover_end", end)):
        if group and all((it["amount_wan"] or 0.0) == 0.0 and not it.get("doubtful") for it in group):
            out.add(measure)
    return out


_FUND_COLUMN: dict[str, str] = {Table.T5: "general_budget", Table.T8: "gov_fund", Table.T9: "state_capital"}


def _t4_fund_by_class(code: str, t4_items: list[LineItem]) -> dict[str, float]:
    """T4's expenditure column of `code`'s fund per function class, cells read without doubt (a
    blank cell of a class row counts as 0: the class spent nothing from this fund)."""
    return {
        it["code"]: it["amount_wan"] or 0.0
        for it in t4_items
        if it["side"] == "expenditure" and it["code"] and it["measure"] == _FUND_COLUMN[code] and not it.get("doubtful")
    }


def beyond_other_tables(code: str, items: list[LineItem], found: dict, reading: Reading) -> None:
    """A fiscal table's cell cannot exceed T3's cell for the same code (T3 counts every fund), nor
    T4's column of its fund for the class. Where a reading without positions says otherwise, the
    value sits on the wrong row (a text layer whose values slid against their labels): doubtful."""
    t3 = _values(found[Table.T3].items) if Table.T3 in found else {}
    t4 = _t4_fund_by_class(code, found[Table.T4].items) if Table.T4 in found else {}
    over, bad_rows = [], set()
    for it in items:
        v = it["amount_wan"]
        if not it["code"] or v is None or v <= 0:
            continue
        limits = [(f"{Table.T3}", t3.get((it["code"], it["measure"])))]
        if it["measure"] == "total":
            limits.append((f"{Table.T4} {it['code'][:3]}", t4.get(it["code"][:3])))
        for name, limit in limits:
            if limit is not None and v > limit + 0.015:
                over.append(f"{it['code']} {it['measure']} {v:,.2f} > {name} {limit:,.2f}")
                bad_rows.add(it["row_order"])
                break
    for it in items:  # a row with one impossible figure is a misplaced row: all its figures are in doubt
        if it["row_order"] in bad_rows and it["amount_wan"] is not None:
            it["doubtful"] = True
    if over:
        reading.failing_sums.append(
            f"{len(over)} cell(s) exceed what T3 (every fund) or T4 (this fund's class "
            "total) allows: " + "; ".join(over[:6]) + (" …" if len(over) > 6 else "")
        )


def spaced_hints(code: str, done: dict) -> dict:
    """What the report's other tables say of a table's cells: columns known blank (`blocked`), and
    the most a fiscal table's (T5, T8, T9) cell can hold (`limits`, code → measure → 万元): what T3
    (all funds) prints for the same code, less what the other fiscal tables already account for.
    With the row's own identity (合计 = 基本 + 项目) a row that takes all of T3's 合计 for the code
    then takes each of T3's columns too."""
    if code == Table.T2 and Table.T1 in done:
        return {"blocked": {"*": _sources_not_received(done[Table.T1].items)}}
    if code == Table.T3 and Table.T1 in done:
        # 经营收入 received: 经营支出 is no rarity in this report
        received = {"operating"} - _sources_not_received(done[Table.T1].items)
        return {"used": received}
    blocked: dict[str, set[str]] = {}
    if code in (Table.T8, Table.T9) and Table.T4 in done:
        blocked["*"] = _fund_columns_not_used(code, done[Table.T4].items)
    limits: dict[str, dict[str, tuple[float | None, float | None]]] = {}
    if code in _FUND_COLUMN and Table.T4 in done:
        # T4 prints this fund's spending per class: the class row's 合计 holds no more
        for c, v in _t4_fund_by_class(code, done[Table.T4].items).items():
            limits[c] = {"total": (None, v + SETTINGS.rounding_wan * 2)}
    if code not in (Table.T5, Table.T8, Table.T9) or Table.T3 not in done:
        return {"blocked": blocked, "limits": limits}
    t3 = _values(done[Table.T3].items, blank_as_zero=True)
    others = [done[c] for c in (Table.T5, Table.T8, Table.T9) if c != code and c in done]
    slack = SETTINGS.rounding_wan * 2 * (len(others) + 1)  # each table rounds its own cells
    for (c, m), v in t3.items():
        used = sum(_values(o.items).get((c, m), 0.0) for o in others)
        hi = v - used + slack
        prev = limits.get(c, {}).get(m, (None, None))[1]
        limits.setdefault(c, {})[m] = (None, hi if prev is None else min(prev, hi))
        if m in ("basic", "project") and v - used <= SETTINGS.rounding_wan:
            blocked.setdefault(c, set()).add(m)
    return {"blocked": blocked, "limits": limits}


def t3_floors(done: dict) -> dict:
    """The least T3's cells can hold (`limits`, code → measure → 万元): T3 counts every fund, so a
    cell holds at least what the fiscal tables (T5, T8, T9) read without doubt print for the same
    code and column."""
    fiscal = [done[c] for c in (Table.T5, Table.T8, Table.T9) if c in done]
    least: dict[tuple[str, str], float] = {}
    for ft in fiscal:
        for key, v in _values(ft.items).items():
            if key[1] in ("total", "basic", "project"):
                least[key] = least.get(key, 0.0) + v
    slack = SETTINGS.rounding_wan * 2 * (len(fiscal) + 1)
    limits: dict[str, dict[str, tuple[float | None, float | None]]] = {}
    for (c, m), v in least.items():
        if v > slack:
            limits.setdefault(c, {})[m] = (v - slack, None)
    return {"limits": limits}


_UNIT_WAN = {"万元": 1.0, "元": 1e-4, "亿元": 1e4}
_STATED_TOTAL = re.compile(
    rf"支出合计(?:为)?({NUM})(万元|亿元|元)[，,]其中[：:]?基本支出({NUM})(万元|亿元|元)[^。]*?项目支出({NUM})(万元|亿元|元)"
)


def narrative_total_row(lines: list[Line]) -> dict | None:
    """The 支出决算表's 合计 row as the narrative states it in one sentence (`本年支出合计 26538.47 万元，
    其中：基本支出 9800.36 万元 … 项目支出 16738.11 万元`): {total, basic, project} in 万元 and `ref` (the
    line it starts on), or None. Used only where the table's own 合计 row was not read; the checks
    compare the narrative with the table anyway."""
    for i, ln in enumerate(lines):
        if "支出合计" not in compact(ln.text):
            continue
        m = _STATED_TOTAL.search(compact("".join(x.text for x in lines[i : i + 4])))
        if m and m.start() < len(compact(ln.text)):  # the sentence starts on this line
            total, basic, project = (float(m.group(k).replace(",", "")) * _UNIT_WAN[m.group(k + 1)] for k in (1, 3, 5))
            return {"total": total, "basic": basic, "project": project, "ref": ln.ref}
    return None
