"""Rules within one table and across tables (line_items only).

Function codes (类 3 digits, 款 5, 项 7) and economic codes (301 …) are never compared with each
other: hierarchy rules run inside T2/T3/T5 (function domain) or inside T6 (economic domain) only.
"""

from __future__ import annotations

from ..core.catalog import BALANCE_NAMES, SIDE_TOTALS, row_parts
from ..core.code_tree import TOTAL
from ..core.code_tree import children as code_children
from ..core.normalize import compact
from ..core.settings import SETTINGS
from ..core.vocabulary import (
    CLASS_NAMES,
    CODE_LEVELS,
    MEASURE_NAMES,
    PERSONNEL_CLASSES,
    T6_SUBTOTALS,
    TABLE_TITLES,
    THREE_PUBLIC_COLUMN_LABELS,
    THREE_PUBLIC_PARTS,
)
from .common import (
    Row,
    code_of,
    coded,
    find_row,
    on_tables,
    rows_of,
    side_rows,
    t5_class_amounts,
    t6_rows,
    t7_cell,
    t7_figs,
    table_unavailable,
    total_row,
)
from .rules import Fig, Report, Result, equal_check, guard_reading, insufficient, not_applicable, rule, sum_check

T2_SOURCES = row_parts("T2")  # the row identities are defined once, in core/catalog.py
T3_PARTS = row_parts("T3")


# ---------------------------------------------------------------------------------------------
# Row sums in coded tables


def _row_sum(
    report: Report,
    table: str,
    parts: tuple[str, ...],
    part_desc: str,
    *,
    side: str | None = None,
    name=lambda r: r.name,
):
    """Every row (of one side, if given) that prints a 合计: 合计 = Σ the `parts` columns it prints."""
    bad = table_unavailable(report, table)
    if bad:
        yield bad
        return
    rows = rows_of(report, table)
    for r in side_rows(rows, side) if side else rows:
        if "total" not in r.cells:
            continue
        present = [m for m in parts if m in r.cells]
        if not present:
            continue
        res = sum_check(
            r.fig(table, "total", f"{name(r)} 合计"),
            [r.fig(table, m, MEASURE_NAMES.get(m, m)) for m in present],
            what=f"{table} {TABLE_TITLES[table]} row {name(r)}: 合计 = {part_desc}",
        )
        yield res


@rule(
    "T2.row_sum",
    "T2 收入决算表, every row: 本年收入合计 = 财政拨款收入 + 上级补助收入 + 事业收入 + 经营收入 + 附属单位上缴收入 + "
    "其他收入.",
    family="within-table",
    needs="line_items T2",
)
def t2_row_sum(report: Report):
    yield from _row_sum(report, "T2", T2_SOURCES, "sum of the source columns")


@rule(
    "T3.row_sum",
    "T3 支出决算表, every row: 本年支出合计 = 基本支出 + 项目支出 (+ 上缴上级, 经营, 对附属单位补助 where printed).",
    family="within-table",
    needs="line_items T3",
)
def t3_row_sum(report: Report):
    yield from _row_sum(report, "T3", T3_PARTS, "基本支出 + 项目支出 + other printed columns")


@rule(
    "T5.row_sum",
    "T5 一般公共预算财政拨款支出决算表, every row: 合计 = 基本支出 + 项目支出.",
    family="within-table",
    needs="line_items T5",
)
def t5_row_sum(report: Report):
    yield from _row_sum(report, "T5", row_parts("T5"), "基本支出 + 项目支出")


# ---------------------------------------------------------------------------------------------
# Hierarchy in coded tables: 类 = Σ款, 款 = Σ项, 合计 = Σ类


def _tree(rows: list[Row]) -> dict[str, list[Row]]:
    """The code tree the reader places by (`core.code_tree.children`): each code's printed
    sub-rows, and under `TOTAL` the rows the 合计 row adds up (each code's first row)."""
    first: dict[str, Row] = {}
    for r in rows:
        first.setdefault(code_of(r), r)
    return {p: [first[c] for c in kids] for p, kids in code_children(list(first)).items()}


def _hierarchy(report: Report, table: str, parent_len: int | None):
    bad = table_unavailable(report, table)
    if bad:
        yield bad
        return
    rows = rows_of(report, table)
    fn = coded(rows)
    parents: list[Row]
    if parent_len is None:
        total = total_row(rows)
        parents = [total] if total else []
    else:
        parents = [r for r in fn if len(code_of(r)) == parent_len]
    level_name = "合计" if parent_len is None else CODE_LEVELS.get(parent_len, "合计")
    if not parents:
        yield not_applicable(f"{table}: no {level_name} rows printed")
        return
    ran = False
    tree = _tree(fn)
    for p in parents:
        kids = tree.get(TOTAL if parent_len is None else code_of(p), [])
        if not kids:
            continue
        kid_len = len(code_of(kids[0]))
        kid_level = CODE_LEVELS[kid_len] if parent_len is None else ("款" if kid_len == 5 else "项")
        for m in p.cells:
            if not any(m in k.cells for k in kids):
                continue
            ran = True
            yield sum_check(
                p.fig(table, m, f"{p.name} {MEASURE_NAMES.get(m, m)}"),
                [k.fig(table, m, k.code) for k in kids],
                what=f"{table} {TABLE_TITLES[table]} {MEASURE_NAMES.get(m, m)}: {level_name} {p.name} = Σ{kid_level}",
            )
    if not ran:
        yield not_applicable(f"{table}: no {level_name} row has lower-level rows printed under it")


for _t in ("T2", "T3", "T5", "U4"):

    def _mk(table):
        @rule(
            f"{table}.total_sum",
            f"{table} {TABLE_TITLES[table]}: 合计 = Σ 类 (the top-level rows), in every column.",
            family="within-table",
            needs=f"line_items {table}",
        )
        def _total(report: Report):
            yield from _hierarchy(report, table, None)

        @rule(
            f"{table}.class_sum",
            f"{table} {TABLE_TITLES[table]}: each 类 = Σ its 款 (or Σ its 项 where no 款 is printed), in every column.",
            family="within-table",
            needs=f"line_items {table}",
        )
        def _class(report: Report):
            yield from _hierarchy(report, table, 3)

        @rule(
            f"{table}.kuan_sum",
            f"{table} {TABLE_TITLES[table]}: each 款 = Σ its 项, in every column.",
            family="within-table",
            needs=f"line_items {table}",
        )
        def _kuan(report: Report):
            yield from _hierarchy(report, table, 5)

    _mk(_t)


# ---------------------------------------------------------------------------------------------
# Two-sided tables T1, T4


def _lines_before(rows: list[Row], stop: Row) -> list[Row]:
    """The lines a subtotal adds up: not the `其中：` lines, which are parts of the line above them."""
    return [
        r
        for r in rows
        if r.order < stop.order and not compact(r.label).startswith(("(行次", "其中")) and compact(r.label) != "(blank)"
    ]


def _grand_total(rows: list[Row]) -> Row | None:
    """The 总计 row (the university template calls it 合计)."""
    return find_row(rows, "总计") or find_row(rows, "合计", exact=True)


# side: (its subtotal row, what the lines above the subtotal are, the rows 总计 adds to the subtotal)
# (subtotal, what its lines are called, balance rows)
T1_SIDES = {
    side: (SIDE_TOTALS["T1"][side][0], lines, SIDE_TOTALS["T1"][side][1])
    for side, lines in (("income", "income lines"), ("expenditure", "class lines"))
}


def _t1_lines(report: Report, side: str):
    sub_key, lines_word, _ = T1_SIDES[side]
    rows = side_rows(rows_of(report, "T1"), side)
    tot = find_row(rows, sub_key)
    if tot is None:
        yield insufficient(f"T1: no {sub_key} row read")
        return
    yield sum_check(
        tot.fig("T1", "final", sub_key),
        [r.fig("T1", "final", r.label) for r in _lines_before(rows, tot)],
        what=f"T1 收入支出决算总表 {side} side: {sub_key} = Σ {lines_word}",
    )


def _t1_total(report: Report, side: str):
    sub_key, _, others = T1_SIDES[side]
    rows = side_rows(rows_of(report, "T1"), side)
    grand, sub = _grand_total(rows), find_row(rows, sub_key)
    if grand is None or sub is None:
        yield insufficient(f"T1 {side} side: 总计 or {sub_key} row not read")
        return
    parts = [sub.fig("T1", "final", sub_key)]
    for key in others:
        r = find_row(rows, *BALANCE_NAMES.get(key, (key,)))
        if r is not None:
            parts.append(r.fig("T1", "final", key))
    yield sum_check(
        grand.fig("T1", "final", "总计"),
        parts,
        what=f"T1 收入支出决算总表 {side} side: 总计 = {' + '.join((sub_key, *others))}",
    )


def _balance(report: Report, table: str, expenditure_measure: str, what: str):
    """income 总计 = expenditure 总计 of a two-sided table."""
    rows = rows_of(report, table)
    a, b = _grand_total(side_rows(rows, "income")), _grand_total(side_rows(rows, "expenditure"))
    if a is None or b is None:
        yield insufficient(f"{table}: a 总计 row was not read")
        return
    yield equal_check(
        b.fig(table, expenditure_measure, "expenditure 总计"), a.fig(table, "final", "income 总计"), what=what
    )


@rule(
    "T1.income_lines",
    "T1 收入支出决算总表: 本年收入合计 = Σ the income lines above it (一般公共预算财政拨款收入 … 其他收入).",
    family="within-table",
    needs="line_items T1",
)
@on_tables("T1")
def t1_income_lines(report: Report):
    yield from _t1_lines(report, "income")


@rule(
    "T1.expenditure_lines",
    "T1 收入支出决算总表: 本年支出合计 = Σ the function-class expenditure lines above it.",
    family="within-table",
    needs="line_items T1",
)
@on_tables("T1")
def t1_expenditure_lines(report: Report):
    yield from _t1_lines(report, "expenditure")


@rule(
    "T1.income_total",
    "T1 收入支出决算总表 income side: 总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余.",
    family="within-table",
    needs="line_items T1",
)
@on_tables("T1")
def t1_income_total(report: Report):
    yield from _t1_total(report, "income")


@rule(
    "T1.expenditure_total",
    "T1 收入支出决算总表 expenditure side: 总计 = 本年支出合计 + 结余分配 + 年末结转和结余.",
    family="within-table",
    needs="line_items T1",
)
@on_tables("T1")
def t1_expenditure_total(report: Report):
    yield from _t1_total(report, "expenditure")


@rule(
    "T1.balance",
    "T1 收入支出决算总表: income 总计 = expenditure 总计 (only 总计 balances; 本年收入合计 and 本年支出合计 need not).",
    family="within-table",
    needs="line_items T1",
)
@on_tables("T1")
def t1_balance(report: Report):
    yield from _balance(report, "T1", "final", "T1 收入支出决算总表: both 总计 equal")


T4_COLS = row_parts("T4")


@rule(
    "T4.row_sum",
    "T4 财政拨款收入支出决算总表, every expenditure row: 合计 = 一般公共预算 + 政府性基金 + 国有资本经营预算财政拨款.",
    family="within-table",
    needs="line_items T4",
)
def t4_row_sum(report: Report):
    # T4's class lines are named by their label alone
    yield from _row_sum(
        report, "T4", T4_COLS, "一般公共预算 + 政府性基金 + 国有资本经营", side="expenditure", name=lambda r: r.label
    )


@rule(
    "T4.income_total",
    "T4 财政拨款收入支出决算总表 income side: 本年收入合计 = 一般公共预算 + 政府性基金 + 国有资本经营预算财政拨款; "
    "总计 = 本年收入合计 + 年初财政拨款结转和结余.",
    family="within-table",
    needs="line_items T4",
)
@on_tables("T4")
def t4_income_total(report: Report):
    inc = side_rows(rows_of(report, "T4"), "income")
    sub, grand = find_row(inc, "本年收入合计"), find_row(inc, "总计")
    if sub is None:
        yield insufficient("T4 income side: 本年收入合计 row not read")
        return
    lines = _lines_before(inc, sub)
    yield sum_check(
        sub.fig("T4", "final", "本年收入合计"),
        [r.fig("T4", "final", r.label) for r in lines],
        what="T4 income side: 本年收入合计 = Σ the three appropriation lines",
    )
    if grand is not None:
        parts = [sub.fig("T4", "final", "本年收入合计")]
        carry = find_row(inc, "年初财政拨款结转和结余", "年初结转和结余")
        if carry is not None:
            parts.append(carry.fig("T4", "final", "年初财政拨款结转和结余"))
        yield sum_check(
            grand.fig("T4", "final", "总计"), parts, what="T4 income side: 总计 = 本年收入合计 + 年初财政拨款结转和结余"
        )


@rule(
    "T4.expenditure_total",
    "T4 财政拨款收入支出决算总表 expenditure side, every column: 本年支出合计 = Σ class lines; 总计 = 本年支出合计 + "
    "年末财政拨款结转和结余.",
    family="within-table",
    needs="line_items T4",
)
@on_tables("T4")
def t4_expenditure_total(report: Report):
    exp = side_rows(rows_of(report, "T4"), "expenditure")
    sub, grand = find_row(exp, "本年支出合计"), find_row(exp, "总计")
    if sub is None:
        yield insufficient("T4 expenditure side: 本年支出合计 row not read")
        return
    lines = _lines_before(exp, sub)
    carry = find_row(exp, "年末财政拨款结转和结余", "年末结转和结余")
    for m in ("total",) + T4_COLS:
        if m not in sub.cells:
            continue
        yield sum_check(
            sub.fig("T4", m, f"本年支出合计 {MEASURE_NAMES[m]}"),
            [r.fig("T4", m, r.label) for r in lines if m in r.cells],
            what=f"T4 expenditure side {MEASURE_NAMES[m]}: 本年支出合计 = Σ class lines",
        )
        if grand is not None and m in grand.cells:
            parts = [sub.fig("T4", m, "本年支出合计")]
            if carry is not None and m in carry.cells:
                parts.append(carry.fig("T4", m, "年末财政拨款结转和结余"))
            yield sum_check(
                grand.fig("T4", m, f"总计 {MEASURE_NAMES[m]}"),
                parts,
                what=f"T4 expenditure side {MEASURE_NAMES[m]}: 总计 = 本年支出合计 + 年末财政拨款结转和结余",
            )


@rule(
    "T4.balance",
    "T4 财政拨款收入支出决算总表: income 总计 = expenditure 总计.",
    family="within-table",
    needs="line_items T4",
)
@on_tables("T4")
def t4_balance(report: Report):
    yield from _balance(report, "T4", "total", "T4 财政拨款收入支出决算总表: income 总计 = expenditure 总计")


# ---------------------------------------------------------------------------------------------
# T6 (economic classification)


def _class_figs(econ: list[Row], classes) -> list[Fig]:
    """Each economic 类 as printed, or Σ its 款 where the 类 row is not printed."""
    figs = []
    for c in sorted({code_of(r)[:3] for r in econ if classes(code_of(r)[:3])}):
        cls = next((r for r in econ if r.code == c), None)
        if cls is not None:
            figs.append(cls.fig("T6", "final", f"{c} {cls.label}"))
        else:
            figs += [
                r.fig("T6", "final", f"{r.code} {r.label}")
                for r in econ
                if code_of(r).startswith(c) and len(code_of(r)) == 5
            ]
    return figs


def _t6_subtotal(report: Report, which: str, classes, formula: str):
    """人员经费合计 or 公用经费合计 = Σ the economic 类 it covers."""
    econ, pers, pub, _ = t6_rows(report)
    row, label = (pers if which == "personnel" else pub), T6_SUBTOTALS[which]
    if row is None:
        yield insufficient(f"T6: no {label} row read")
        return
    yield sum_check(row.fig("T6", "final", label), _class_figs(econ, classes), what=f"T6 基本支出决算明细表: {formula}")


@rule(
    "T6.personnel",
    "T6 基本支出决算明细表: 人员经费合计 = 301 工资福利支出 + 303 对个人和家庭的补助.",
    family="within-table",
    needs="line_items T6",
)
@on_tables("T6")
def t6_personnel(report: Report):
    yield from _t6_subtotal(report, "personnel", lambda c: c in PERSONNEL_CLASSES, "人员经费 = 301 + 303")


@rule(
    "T6.public",
    "T6 基本支出决算明细表: 公用经费合计 = 302 商品和服务支出 + 310 资本性支出 (+ any other economic 类 printed under "
    "公用经费).",
    family="within-table",
    needs="line_items T6",
)
@on_tables("T6")
def t6_public(report: Report):
    yield from _t6_subtotal(report, "public", lambda c: c not in PERSONNEL_CLASSES, "公用经费 = 302 + 310 (+ other 类)")


@rule(
    "T6.basic_total",
    "T6 基本支出决算明细表: where a 合计 is printed, 合计 = 人员经费合计 + 公用经费合计.",
    family="within-table",
    needs="line_items T6",
)
@on_tables("T6")
def t6_basic_total(report: Report):
    _, pers, pub, grand = t6_rows(report)
    if grand is None:
        yield not_applicable("T6 prints no overall 合计 row (only 人员经费合计 and 公用经费合计); see X.T5_basic_eq_T6")
        return
    if pers is None or pub is None:
        yield insufficient("T6: 人员经费合计 or 公用经费合计 not read")
        return
    yield sum_check(
        grand.fig("T6", "final", "合计"),
        [pers.fig("T6", "final", T6_SUBTOTALS["personnel"]), pub.fig("T6", "final", T6_SUBTOTALS["public"])],
        what="T6: 合计 = 人员经费 + 公用经费",
    )


@rule(
    "T6.class_sum",
    "T6 基本支出决算明细表: each economic 类 (301, 302, 303, 310 …) = Σ its 款 (economic codes only).",
    family="within-table",
    needs="line_items T6",
)
@on_tables("T6")
def t6_class_sum(report: Report):
    econ, _, _, _ = t6_rows(report)
    ran = False
    for cls in [r for r in econ if len(r.code) == 3]:
        kids = [r for r in econ if len(r.code) == 5 and r.code.startswith(cls.code)]
        if not kids:
            continue
        ran = True
        yield sum_check(
            cls.fig("T6", "final", f"{cls.code} {cls.label}"),
            [k.fig("T6", "final", k.code) for k in kids],
            what=f"T6 基本支出决算明细表: 类 {cls.code} {cls.label} = Σ款",
        )
    if not ran:
        yield not_applicable("T6: no economic 类 with 款 rows printed")


# ---------------------------------------------------------------------------------------------
# T7 三公

T7_COLS = {"budget": "预算数", "final": "决算数"}


def _t7_fig(figs, col: str, item: str) -> Fig:
    return t7_cell(figs, col, item, f"{T7_COLS[col]} {THREE_PUBLIC_COLUMN_LABELS[item]}")


@rule(
    "T7.total",
    "T7 “三公”经费支出决算表, budget and outturn columns separately: 合计 = 因公出国（境）费 + 公务用车购置费 + "
    "公务用车运行费 + 公务接待费.",
    family="within-table",
    needs="line_items T7",
)
@on_tables("T7")
def t7_total(report: Report):
    figs, _ = t7_figs(report)
    for col, word in T7_COLS.items():
        if f"{col}_total" not in figs:
            continue
        parts: list[Fig] = []
        for item in THREE_PUBLIC_PARTS["total"]:
            sub = [_t7_fig(figs, col, p) for p in THREE_PUBLIC_PARTS.get(item, ())]
            # an item with parts counts by them (购置 + 运行); printed without them, its 小计 stands for them
            parts += sub if any(not f.blank for f in sub) else [_t7_fig(figs, col, item)]
        yield sum_check(
            _t7_fig(figs, col, "total"),
            parts,
            what=f"T7 “三公”经费支出决算表 {word}: 合计 = 出国 + 车购置 + 车运行 + 接待",
        )


@rule(
    "T7.vehicle_subtotal",
    "T7 “三公”经费支出决算表, budget and outturn columns separately: 公务用车购置及运行费 小计 = 购置费 + 运行费.",
    family="within-table",
    needs="line_items T7",
)
@on_tables("T7")
def t7_vehicle(report: Report):
    figs, _ = t7_figs(report)
    for col, word in T7_COLS.items():
        if f"{col}_vehicle_total" not in figs:
            continue
        yield sum_check(
            _t7_fig(figs, col, "vehicle_total"),
            [_t7_fig(figs, col, p) for p in THREE_PUBLIC_PARTS["vehicle_total"]],
            what=f"T7 “三公”经费支出决算表 {word}: 公务用车 小计 = 购置费 + 运行费",
        )


# ---------------------------------------------------------------------------------------------
# Across tables


def _row_with(report: Report, table: str, side: str | None, *keys: str) -> Row | None:
    rows = rows_of(report, table)
    if side:
        rows = side_rows(rows, side)
    return find_row(rows, *keys)


def _line_against_total(report: Report, table: str, side: str, key: str, other: str, compare):
    """compare(the `key` row on one side of `table`, the 合计 row of `other`) where both were read."""
    a = _row_with(report, table, side, key)
    b = total_row(rows_of(report, other))
    if a is None or b is None:
        yield insufficient(f"{table} {key} or {other} 合计 row not read")
        return
    yield compare(a, b)


@rule(
    "X.T1_income_eq_T2",
    "T1 本年收入合计 = T2 收入决算表 合计 (本年收入合计 column).",
    family="across-tables",
    needs="line_items T1, T2",
)
@on_tables("T1", "T2")
def x_t1_t2(report: Report):
    yield from _line_against_total(
        report,
        "T1",
        "income",
        "本年收入合计",
        "T2",
        lambda a, b: equal_check(
            a.fig("T1", "final", "T1 本年收入合计"),
            b.fig("T2", "total", "T2 合计"),
            what="T1 本年收入合计 against T2 收入决算表 合计",
        ),
    )


@rule(
    "X.T1_expenditure_eq_T3",
    "T1 本年支出合计 = T3 支出决算表 合计 (本年支出合计 column).",
    family="across-tables",
    needs="line_items T1, T3",
)
@on_tables("T1", "T3")
def x_t1_t3(report: Report):
    yield from _line_against_total(
        report,
        "T1",
        "expenditure",
        "本年支出合计",
        "T3",
        lambda a, b: equal_check(
            a.fig("T1", "final", "T1 本年支出合计"),
            b.fig("T3", "total", "T3 合计"),
            what="T1 本年支出合计 against T3 支出决算表 合计",
        ),
    )


@rule(
    "X.T4_general_eq_T5",
    "T4 本年支出合计 in the 一般公共预算财政拨款 column = T5 一般公共预算财政拨款支出决算表 合计.",
    family="across-tables",
    needs="line_items T4, T5",
)
@on_tables("T4", "T5")
def x_t4_t5(report: Report):
    yield from _line_against_total(
        report,
        "T4",
        "expenditure",
        "本年支出合计",
        "T5",
        lambda a, b: equal_check(
            b.fig("T5", "total", "T5 合计"),
            a.fig("T4", "general_budget", "T4 本年支出合计 一般公共预算财政拨款"),
            what="T5 一般公共预算财政拨款支出 合计 against T4",
        ),
    )


@rule(
    "X.T5_basic_eq_T6",
    "T5 合计 基本支出 = T6 人员经费合计 + 公用经费合计.",
    family="across-tables",
    needs="line_items T5, T6",
)
@on_tables("T5", "T6")
def x_t5_t6(report: Report):
    t5 = total_row(rows_of(report, "T5"))
    _, pers, pub, _ = t6_rows(report)
    if t5 is None or pers is None or pub is None:
        yield insufficient("T5 合计 or T6 人员经费合计/公用经费合计 not read")
        return
    yield sum_check(
        t5.fig("T5", "basic", "T5 合计 基本支出"),
        [pers.fig("T6", "final", "T6 人员经费合计"), pub.fig("T6", "final", "T6 公用经费合计")],
        what="T5 基本支出 against T6 人员经费 + 公用经费",
    )


@rule(
    "X.T5_class_eq_T4",
    "Every function 类: T5 amount (合计 column) = T4 amount in the 一般公共预算财政拨款 column.",
    family="across-tables",
    needs="line_items T4, T5",
)
@on_tables("T4", "T5")
def x_t5_t4_classes(report: Report):
    t5 = t5_class_amounts(report)
    t4 = {r.code: r for r in side_rows(rows_of(report, "T4"), "expenditure") if r.code}
    for c in sorted(set(t5) | set(t4)):
        r4 = t4.get(c)
        f4 = r4.fig("T4", "general_budget", f"T4 {r4.label} 一般公共预算财政拨款") if r4 is not None else None
        f5 = t5.get(c)
        if f5 is None:
            if f4 is None or f4.blank or abs(f4.amount) < SETTINGS.same_number:
                continue
            yield guard_reading(
                Result(
                    "fail",
                    f"class {c} {CLASS_NAMES.get(c, '')}: T4 prints {f4.value:,.2f} in the "
                    "一般公共预算 column, but T5 has no row for this class (0 in T5)",
                    0.0,
                    f4.value,
                    f4.ref,
                ),
                [f4],
            )
            continue
        if f4 is None:
            yield insufficient(f"class {c}: in T5 ({f5.label}) but no T4 row was read for it", f5.ref)
            continue
        yield equal_check(f5, f4, what=f"class {c} {CLASS_NAMES.get(c, '')}: T5 against T4")
