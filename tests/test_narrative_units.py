"""Narrative building blocks: amounts with units, rates, PDF figure re-association, joined lines."""

from __future__ import annotations

from helpers.narrative.amounts import find_amounts, rate
from helpers.narrative.sentences import fill_gaps


def test_amount_needs_a_unit_and_a_year_is_not_an_amount():
    text = "2021 年度收、支总计 3061.55 万元，办理群众投诉件 26 万件，项目全年预算数为 10 万，执行数 10 万，纳税 2529027.2 元"
    found = [(round(v, 6), u) for _, v, u in find_amounts(text)]
    assert found == [(3061.55, "万元"), (10.0, "万"), (10.0, "万"), (252.90272, "元")]


def test_rate_against_zero_or_missing_budget_is_undefined():
    assert rate(140.17, 0.0) is None
    assert rate(140.17, None) is None
    assert rate(4199.36, 3927.98) == 106.91


def test_pdf_figures_go_back_into_the_gaps_in_order():
    # 上海市普陀区财政局 p.24: the words, then the figures on their own line
    assert (
        fill_gaps("机关运行经费支出 万元，比 年度增加 万元，增长 。主要原因是", ["184.65", "2023", "2.55", "1.40%"])
        == "机关运行经费支出 184.65 万元，比 2023 年度增加 2.55 万元，增长 1.40% 。主要原因是"
    )
    # more figures than gaps: the first ones close the line above ("…支出决算为" / "161.62 万元，…")
    assert fill_gaps("万元，支出决算为 万元。决算数小于预算数", ["161.62", "160.75"]).startswith(
        "161.62 万元，支出决算为 160.75 万元"
    )
    # fewer figures than gaps: the gap before 。 stays empty, the 万元 gaps get the amounts
    out = fill_gaps("在职人员基本医疗保险费 。年初预算为 万元，支出决算为 万元。决", ["62.29", "60.99"])
    assert "年初预算为 62.29 万元，支出决算为 60.99 万元" in out
