"""The narrative's 三公 items and its appendix tables (绩效自评表, project lists), each on a few made-up lines."""

from __future__ import annotations

from helpers.narrative.selfeval import project_list_rows, selfeval_rows
from helpers.narrative.sentences import Para
from helpers.narrative.three_public import budget_execution_row, narrative_rows

SECTION = "三、“三公”经费支出决算情况说明"


def para(text: str, ref: str = "line 30") -> Para:
    return Para(text=text, starts=[(0, ref)], section=SECTION)


def test_three_public_items_each_between_its_name_and_the_next():
    p = para(
        "2023 年度“三公”经费年初预算为 31.47 万元，支出决算为 23.58 万元，完成年初预算的 74.93%。"
        "其中：公务接待费年初预算为 2.00 万元，支出决算为 1.50 万元；本年度无购置公务用车。"
    )
    rows, stmt = narrative_rows([p], "m")
    got = {r.item: (r.budget_wan, r.final_wan, r.note) for r in rows}
    assert got["total"] == (31.47, 23.58, None)
    assert got["reception"] == (2.0, 1.5, None)
    assert got["vehicle_purchase"][:2] == (None, 0.0) and "outturn 0 from the words" in got["vehicle_purchase"][2]
    assert stmt is not None and (stmt.rate_printed_pct, stmt.budget_word) == (74.93, "年初预算")
    be = budget_execution_row(stmt, "m", p.text)
    assert be is not None and (be.budget_basis, be.rate_computed_pct) == ("年初预算", 74.93)


def test_a_budget_implied_by_the_difference_is_derived_and_noted():
    (row,), _ = narrative_rows([para("公务接待费支出决算为 8.00 万元，比年初预算减少 2.00 万元。")], "m")
    assert (row.item, row.budget_wan, row.final_wan) == ("reception", 10.0, 8.0)
    assert "budget derived as outturn 8 + 2" in row.note


def test_a_year_on_year_sentence_is_not_a_level():
    rows, _ = narrative_rows([para("公务接待费比 2022 年度增加 1.00 万元。")], "m")
    assert rows == []


def test_selfeval_row_with_its_label_split_over_lines():
    lines = [
        ("项目名称：社区服务项目", "line 1"),
        ("年度财", "line 2"),
        ("政资金", "line 3"),
        ("总额", "line 4"),
        ("85.26 万 80.00 万 93.83% 20 分", "line 5"),
    ]
    (r,) = selfeval_rows(lines, "m", "", None)
    assert (r.level, r.name, r.budget_wan, r.final_wan) == ("project", "社区服务项目", 85.26, 80.0)
    assert (r.rate_printed_pct, r.rate_computed_pct, r.source_ref) == (93.83, 93.83, "line 4")
    assert r.budget_basis == "全年预算" and r.unit_printed is None


def test_selfeval_overall_row_in_yuan_is_converted():
    (r,) = selfeval_rows([("部门整体支出总额 852600 852600 100%", "line 9")], "m", "预算数为调整后", 100.0)
    assert (r.level, r.budget_wan, r.unit_printed, r.budget_basis) == ("overall", 85.26, "元", "调整预算")
    assert "divided by 10,000" in r.unit_note


def test_project_list_rows_and_a_list_in_yuan():
    lines = [
        ("序号\t项目名称\t预算数（万元）\t全年执行数（万元）", "line 10"),
        ("1\t社区 服务\t105000\t98000", "line 11"),
        ("2\t合 计\t105000\t98000", "line 12"),
        ("说明：无", "line 13"),
    ]
    rows = project_list_rows(lines, "m", 100.0, 10.5)
    assert [(r.name, r.budget_wan, r.final_wan) for r in rows] == [
        ("社区服务", 10.5, 9.8),
        ("合计", 10.5, 9.8),
    ]
    assert rows[0].unit_printed == "元" and "the 项目支出 of 10.50 万元" in rows[0].unit_note
    assert rows[0].source_text == "1 | 社区 服务 | 105000 | 98000"
    # figures in 万元: kept
    small = project_list_rows([lines[0], ("1\t社区服务\t10.5\t9.8", "line 11")], "m", 100.0, None)
    assert [(r.budget_wan, r.unit_printed) for r in small] == [(10.5, None)]
