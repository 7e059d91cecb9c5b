"""The table shapes' interpreters (tables/shapes/) on small synthetic tables: a few rows built inline
by `row` / `cells`, read once with the columns known (a grid) and once with them lost (single-space
text, figures placed by the table's arithmetic). The figures are chosen so that the arithmetic has
exactly one answer, stated in each test; the corpus tests cover real reports."""

from __future__ import annotations

import pytest

from helpers.core.catalog import OTHER_TABLES, TABLES
from helpers.read.document import Line
from helpers.tables import shapes
from helpers.tables.grid import Grid, GridRow, interpret_grid
from helpers.tables.reading import Reading
from helpers.tables.shapes import Figure, RowRecord, coded, economic, three_public, two_sided
from helpers.tables.spaced import read_spaced
from helpers.tables.tokens import interpret_tokens


def row(code: str | None, label: str, figures: str, *, side: str | None = None, ref: str = "line 1") -> RowRecord:
    """A row whose figures lost their columns (`"100 60 40"`), as single-space text gives it."""
    return RowRecord(code, label, [Figure(t) for t in figures.split()], ref, side=side, total=label == "合计")


def cells(code: str | None, label: str, *texts: str, side: str | None = None, ref: str = "line 1") -> RowRecord:
    """A row whose cells keep their columns, blanks included (`"100", "", "40"`), as a grid gives it."""
    return RowRecord(code, label, [Figure(t, k, f"{ref} cell {k}") for k, t in enumerate(texts)], ref, side=side)


def values(items: list[dict], key: str = "code") -> dict[tuple[str | None, str], float | None]:
    return {(it[key], it["measure"]): it["amount_wan"] for it in items}


def test_every_catalog_kind_has_one_interpreter():
    assert {t.kind for t in TABLES + OTHER_TABLES} == set(shapes.SHAPES)
    assert shapes.kind_of("T5") == "coded" and shapes.kind_of("X1") == "generic"


# --- coded lists ---------------------------------------------------------------------------------


def test_coded_by_position_keeps_blank_cells_blank_and_each_cells_ref():
    notes: list[str] = []
    rows = [cells(None, "合计", "100.00", "60.00", "40.00"), cells("201", "一般公共服务支出", "60.00", "60.00", "")]
    items = shapes.line_items("T5", rows, ["total", "basic", "project"], "万元", notes)
    got = values(items)
    assert got[("201", "basic")] == 60.0 and got[("201", "project")] is None  # blank, never 0
    assert [it["source_ref"] for it in items if it["code"] == "201"] == [
        "line 1 cell 0",
        "line 1 cell 1",
        "line 1 cell 2",
    ]
    assert not any(it["column_inferred"] for it in items) and notes == []


def test_coded_by_position_names_a_cell_that_is_not_a_number():
    notes: list[str] = []
    items = shapes.line_items("T5", [cells("201", "x", "12.00", "abc", "")], ["total", "basic", "project"], "元", notes)
    assert values(items)[("201", "total")] == pytest.approx(0.0012)  # 元 → 万元
    assert values(items)[("201", "basic")] is None
    assert notes == ["line 1 cell 1: cell 'abc' in an amount column is not a number; kept as blank"]


def test_coded_by_arithmetic_places_short_rows_by_the_code_tree():
    # 201 = 20101 + 20102 column by column: 20101's 60 can only be 基本支出, 20102's 40 only 项目支出.
    rows = [
        row(None, "合计", "100 60 40"),
        row("201", "一般公共服务支出", "100 60 40"),
        row("20101", "人大事务", "60 60"),
        row("20102", "政协事务", "40 40"),
    ]
    reading = Reading("T5", "spaced text")
    items = shapes.line_items("T5", rows, ["total", "basic", "project"], "万元", [], reading)
    got = values(items)
    assert (got[("20101", "basic")], got[("20101", "project")]) == (60.0, None)
    assert (got[("20102", "basic")], got[("20102", "project")]) == (None, 40.0)
    inferred = {(it["code"], it["measure"]) for it in items if it["column_inferred"]}
    assert inferred == {("20101", "total"), ("20101", "basic"), ("20102", "total"), ("20102", "project")}
    assert reading.by_position == 6 and reading.by_arithmetic == 4 and not reading.doubtful


def test_coded_by_arithmetic_leaves_an_open_choice_blank_and_doubtful():
    reading = Reading("T5", "spaced text")
    items = shapes.line_items("T5", [row("201", "x", "50 50")], ["total", "basic", "project"], "万元", [], reading)
    # 50 is the 合计 in every placement; the second 50 could be either part: left blank, the row in doubt
    assert values(items) == {("201", "total"): 50.0, ("201", "basic"): None, ("201", "project"): None}
    assert all(it["doubtful"] for it in items)
    assert reading.ambiguous == ["line 1 201: 50 50 could be total/basic or total/project"]


def test_coded_by_arithmetic_uses_what_another_table_shows_blank():
    reading = Reading("T5", "spaced text")
    hints = {"blocked": {"201": {"project"}}}  # T3 shows 201 spends nothing under 项目支出
    items = shapes.line_items(
        "T5", [row("201", "x", "50 50")], ["total", "basic", "project"], "万元", [], reading, hints
    )
    assert values(items) == {("201", "total"): 50.0, ("201", "basic"): 50.0, ("201", "project"): None}
    assert not reading.ambiguous


def test_coded_one_cell_per_line_rows_are_placed_by_the_code_tree():
    # One cell per line (blank cells gone): `40 40` is 合计 and 项目支出 because the 合计 row's
    # 基本支出 (60) is Σ classes only that way; each cell keeps the line its figure was printed on.
    lines = [
        Line(t, f"line {i}", 1)
        for i, t in enumerate(
            ["栏次", "1", "2", "3", "合计", "100.00", "60.00", "40.00", "201", "a", "60.00", "60.00", "202", "b"], 1
        )
    ] + [Line("40.00", "line 15", 1), Line("40.00", "line 16", 1)]
    items, reading = interpret_tokens("T5", lines, "万元", [])
    got = values(items)
    assert (got[("202", "basic")], got[("202", "project")]) == (None, 40.0)
    assert (got[("201", "basic")], got[("201", "project")]) == (60.0, None)
    refs = {it["measure"]: it["source_ref"] for it in items if it["code"] == "202"}
    assert refs["total"] == "line 15" and refs["project"] == "line 16"
    assert reading is not None and not reading.doubtful and reading.by_arithmetic == 4


def test_coded_one_cell_per_line_tie_is_left_open_with_both_placements():
    # No 合计 row: `40 40` fits 合计/基本支出 and 合计/项目支出 alike, so nothing is filled in, and
    # the two complete placements are listed.
    lines = [Line(t, f"line {i}", 1) for i, t in enumerate(["栏次", "1", "2", "3", "202", "b", "40.00", "40.00"], 1)]
    items, reading = interpret_tokens("T5", lines, "万元", [])
    got = values(items)
    assert got[("202", "total")] == 40.0 and got[("202", "basic")] is None and got[("202", "project")] is None
    assert reading is not None and reading.doubtful
    why = " ".join(reading.reasons())
    assert "2 complete placements" in why and "basic 40.00" in why and "project 40.00" in why


def test_coded_header_words_name_the_columns():
    assert coded.measures_for_columns("T5", ["合计", "项目支出", "基本支出"]) == ["total", "project", "basic"]
    # positions lost: the words found, in the template's order; a word cut by a line break still counts
    assert coded.measures_from_words("T5", "科目编码 科目名称 项目支 出 合计 基本支出") == ["total", "basic", "project"]


def test_coded_table_reads_the_same_from_a_grid_and_from_single_space_text():
    text = [
        "科目编码 科目名称 合计 基本支出 项目支出",
        "合计 100.00 60.00 40.00",
        "201 一般公共服务支出 100.00 60.00 40.00",
    ]
    text += ["20101 人大事务 60.00 60.00", "20102 政协事务 40.00 40.00"]
    lines = [Line(t, f"line {k + 1}", None) for k, t in enumerate(text)]
    spaced, _ = read_spaced("T5", lines, "万元")
    grid = [["科目编码", "科目名称", "合计", "基本支出", "项目支出"], ["", "合计", "100.00", "60.00", "40.00"]]
    grid += [["201", "一般公共服务支出", "100.00", "60.00", "40.00"], ["20101", "人大事务", "60.00", "60.00", ""]]
    grid += [["20102", "政协事务", "40.00", "", "40.00"]]
    by_grid = interpret_grid(Grid("T5", [GridRow(list(c), f"row {k}") for k, c in enumerate(grid)]))
    assert values(spaced) == values(by_grid)
    assert values(by_grid)[("20102", "project")] == 40.0


# --- two-sided 总表 -------------------------------------------------------------------------------


def test_two_sided_by_position_gives_classes_sections_and_orders_per_side():
    rows = [
        cells(None, "一般公共预算财政拨款收入", "120.00", side="income"),
        cells(None, "年初财政拨款结转和结余", "5.00", side="income"),
        cells(None, "一、一般公共服务支出", "100.00", "100.00", "", "", side="expenditure"),
        cells(None, "年末财政拨款结转和结余", "25.00", "25.00", "", "", side="expenditure"),
    ]
    items = shapes.line_items("T4", rows, list(two_sided.TEMPLATE), "万元", [])
    exp = [it for it in items if it["side"] == "expenditure"]
    assert {it["code"] for it in exp} == {"201", None}
    assert [it["row_order"] for it in items if it["side"] == "income"] == [0, 1]
    assert {(it["row_label"], it["section"]) for it in items} >= {
        ("年初财政拨款结转和结余", "balance"),
        ("一、一般公共服务支出", None),
        ("年末财政拨款结转和结余", "balance"),
    }
    assert values([it for it in exp if it["code"]]) == {
        ("201", "total"): 100.0,
        ("201", "general_budget"): 100.0,
        ("201", "gov_fund"): None,
        ("201", "state_capital"): None,
    }


def test_two_sided_by_arithmetic_spends_only_from_funds_the_income_side_shows():
    # No 政府性基金 or 国有资本经营 income: `80 80` can only be 合计 | 一般公共预算.
    rows = [
        row(None, "一般公共预算财政拨款收入", "80", side="income"),
        row(None, "政府性基金预算财政拨款收入", "", side="income"),
        row(None, "一、一般公共服务支出", "80 80", side="expenditure"),
        row(None, "本年支出合计", "80 80", side="expenditure"),
    ]
    reading = Reading("T4", "spaced text")
    items = shapes.line_items("T4", rows, list(two_sided.TEMPLATE), "万元", [], reading)
    exp = values([it for it in items if it["code"] == "201"])
    assert exp == {
        ("201", "total"): 80.0,
        ("201", "general_budget"): 80.0,
        ("201", "gov_fund"): None,
        ("201", "state_capital"): None,
    }
    assert not reading.ambiguous and not reading.unplaced


def test_two_sided_one_column_side_keeps_the_first_of_two_figures_in_doubt():
    reading = Reading("T1", "spaced text")
    items = shapes.line_items("T1", [row(None, "事业收入", "3.00 4.00", side="income")], [], "万元", [], reading)
    assert [(it["amount_wan"], it["doubtful"]) for it in items] == [(3.0, True)]
    assert reading.unplaced == ["line 1: 2 figures for the income side's one column; first kept"]


# --- economic classes ----------------------------------------------------------------------------


def test_economic_rows_take_their_block_from_the_code_or_the_total_label():
    rows = [cells("30101", "基本工资", "12.00"), cells("30201", "办公费", "3.00"), cells(None, "公用经费合计", "3.00")]
    items = shapes.line_items("T6", rows, economic.ONE_COLUMN, "万元", [])
    assert [(it["row_label"], it["section"], it["amount_wan"]) for it in items] == [
        ("基本工资", "personnel", 12.0),
        ("办公费", "public", 3.0),
        ("公用经费合计", "public", 3.0),
    ]


def test_economic_by_arithmetic_keeps_no_figure_of_a_row_printing_two():
    reading = Reading("T6", "spaced text")
    items = shapes.line_items("T6", [row("30101", "基本工资", "12.00 3.00")], economic.ONE_COLUMN, "万元", [], reading)
    assert [(it["amount_wan"], it["doubtful"]) for it in items] == [(None, True)]
    assert reading.unplaced == ["line 1: 30101 prints 2 figures for one column; none kept"]


def test_economic_check_names_a_class_whose_items_do_not_add_up():
    rows = [
        cells("301", "工资福利支出", "10.00"),
        cells("30101", "基本工资", "6.00"),
        cells("30102", "津贴补贴", "3.00"),
    ]
    reading = Reading("T6", "tab grid")
    shapes.check("T6", shapes.line_items("T6", rows, economic.ONE_COLUMN, "万元", []), reading)
    assert reading.failing_sums == ["301: the rows under it add up to 9.00, not 10.00"]


# --- 三公 ------------------------------------------------------------------------------------------


def test_three_public_by_column_number_and_by_item_header():
    nums = [cells(None, "合计", *(f"{k}.00" for k in range(1, 13)))]
    items = shapes.line_items("T7", nums, three_public.NUMBERED, "万元", [])
    assert values(items, "row_label")[("合计", "final_reception")] == 12.0
    assert three_public.item_of_header("因公出国（境）费") == "overseas"
    assert three_public.pair_measure("决算数", "reception") == "final_reception"
    assert three_public.pair_measure("合计", "reception") is None


def test_three_public_by_arithmetic_finds_the_two_blank_overseas_cells():
    # Printed 预算数|决算数 pairs: 合计 10|9, 出国 blank|blank, 公务用车 8|7 (购置 3|2, 运行 5|5), 接待 2|2:
    # ten figures for twelve columns, and only blank 出国 cells make both sums hold.
    reading = Reading("T7", "spaced text")
    items = shapes.line_items(
        "T7", [row(None, "合计", "10 9 8 7 3 2 5 5 2 2")], three_public.PRINTED, "万元", [], reading
    )
    got = {it["measure"]: it["amount_wan"] for it in items}
    assert got == {
        "budget_total": 10.0,
        "final_total": 9.0,
        "budget_overseas": None,
        "final_overseas": None,
        "budget_vehicle_total": 8.0,
        "final_vehicle_total": 7.0,
        "budget_vehicle_purchase": 3.0,
        "final_vehicle_purchase": 2.0,
        "budget_vehicle_operation": 5.0,
        "final_vehicle_operation": 5.0,
        "budget_reception": 2.0,
        "final_reception": 2.0,
    }
    assert [it["measure"] for it in items] == list(three_public.NUMBERED)  # in the 栏次 order
    assert not reading.ambiguous and reading.by_arithmetic == 10
