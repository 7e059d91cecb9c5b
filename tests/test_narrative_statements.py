"""The narrative stage's records, each pattern on a small made-up paragraph: facts (narrative/facts.py) and
the statements the reviewer's rules judge (narrative/statements.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import schema
from helpers.narrative import statements as st
from helpers.narrative.facts import Fact, FactUnit, facts, lead_total, share_words, stated_finals
from helpers.narrative.sentences import Para
from helpers.narrative.subjects import CodeBook


def para(text: str, section: str = "", part: str = "", reassociated: bool = False) -> Para:
    """One paragraph of one line (`line 7`)."""
    return Para(text=text, starts=[(0, "line 7")], section=section, part=part, reassociated=reassociated)


def read(*texts: str) -> list[Fact]:
    return facts([para(t) for t in texts], "m", CodeBook(None))


# --- facts ------------------------------------------------------------------------------------


def test_a_level_keeps_its_share_and_the_change_of_its_own_sentence():
    (f,) = read("2023 年度收、支总计 3,061.55 万元，与 2022 年度相比，收、支总计各增加 118.27 万元，增长 4.02%。")
    assert (f.topic, f.value, f.unit) == ("total", 3061.55, FactUnit.WAN)
    assert (f.change_wan, f.change_pct_printed) == (118.27, 4.02)
    assert f.source_ref == "line 7" and f.row()["unit"] == "万元" and "pos" not in f.row()


def test_a_change_against_the_budget_is_not_year_on_year():
    (f,) = read("机关运行经费支出 184.65 万元，比年初预算增加 2.55 万元。")
    assert (f.topic, f.value, f.change_wan) == ("running_cost", 184.65, None)


def test_a_change_whose_topic_has_no_level_is_a_change_only_fact():
    (f,) = read("与 2022 年度相比，人员经费减少 12.50 万元，下降 3.1%。")
    assert (f.topic, f.value, f.change_wan, f.change_pct_printed) == ("personnel_cost", None, -12.5, -3.1)


def test_a_level_then_its_rate_qiaokou_form():
    (f,) = read("与 2020 年度相比，财政拨款收、支总计 787.24 万元，各减少 33.4%。")
    # the amount is the change's own figure (各减少 33.4% of it): a change, never a level
    assert (f.value, f.change_wan, f.change_pct_printed) == (None, -787.24, -33.4)


def test_counts_and_procurement_shares():
    fs = read("共有车辆 3 辆。货物采购授予中小企业合同金额占货物支出金额的 85.5%。")
    assert [(f.topic, f.value, f.unit) for f in fs] == [
        ("vehicles", 3.0, FactUnit.COUNT),
        ("procurement_sme_goods_share", 85.5, FactUnit.PERCENT),
    ]


def test_glossary_and_table_rows_give_no_facts():
    p = Para(text="基本支出：指 12.00 万元", starts=[(0, "line 1")], part="第三部分 名词解释")
    assert facts([p], "m", CodeBook(None)) == []


def test_a_sentence_read_again_for_rates():
    text = "本年收入合计 2,946.25 万元，其中：财政拨款收入 2,940.05 万元，占 99.79%；支出决算为 12.00 万元"
    assert stated_finals(text) == {"12.00"}
    assert share_words(text, 2940.05, 99.79, 1e-6) == ""
    assert lead_total(text, 2940.05, 1e-6) == 2946.25
    # the sentence opens with the part itself: no other whole
    assert lead_total("财政拨款收入 20.00 万元，占 100%，主要用于", 20.0, 1e-6) is None
    assert share_words("基本支出 5.00 万元，占本年支出合计的 25.00%", 5.0, 25.0, 1e-6) == "本年支出合计"


# --- words against numbers ---------------------------------------------------------------------


def test_outturn_against_budget_in_words_pairs_the_figures_before_them():
    p = para("年初预算为 105.00 万元，支出决算为 50.11 万元。决算数大于预算数的主要原因：调减。")
    (s,) = st.word_statements([p])
    assert isinstance(s, st.BudgetWords)
    assert (s.word, s.budget, s.final, s.budget_text, s.final_text) == ("大于", 105.0, 50.11, "105.00", "50.11")
    assert s.at.ref == "narrative line 7" and "决算数大于预算数" in s.at.quote


def test_a_budget_in_yuan_is_compared_in_wan():
    (s,) = st.word_statements([para("预算数为 500000 元，决算数为 40.00 万元，决算数小于预算数。")])
    assert isinstance(s, st.BudgetWords) and (s.budget, s.final) == (50.0, 40.0)


def test_against_the_budget_words_and_change_pairs_in_one_sentence():
    p = para(
        "年初预算为 10.00 万元，支出决算为 8.00 万元，比年初预算节约 2.00 万元；比上年增加 5.00 万元，下降 10.00%。"
    )
    a, b = st.word_statements([p])
    assert isinstance(a, st.BudgetWords) and (a.word, a.budget, a.final) == ("节约", 10.0, 8.0)
    assert isinstance(b, st.ChangeWords) and (b.amount_word, b.amount, b.rate_word, b.rate) == (
        "增加",
        5.0,
        "下降",
        10.0,
    )


def test_unchanged_keeps_the_changes_of_its_clause_but_not_years():
    (s,) = st.word_statements([para("公务接待费支出决算减少为0.00万元，与2023年持平。")])
    assert isinstance(s, st.Unchanged)
    assert [(c.word, c.num_text, c.reached) for c in s.changes] == [("减少", "0.00", True)]
    (s,) = st.word_statements([para("其中：因公出国（境）费支出决算与 2023 年持平；")])
    assert isinstance(s, st.Unchanged) and s.changes == ()


def test_a_reassociated_paragraph_is_marked_on_its_statements():
    (s,) = st.word_statements([para("预算为 1.00 万元，决算为 2.00 万元，决算数大于预算数。", reassociated=True)])
    assert s.at.reassociated


# --- years -------------------------------------------------------------------------------------


def test_line_years_cut_short_and_in_titles():
    ys = st.line_years([("202 年度部门决算", "line 1"), ("2023年度部门决算", "line 2"), ("比2022年决算情况", "line 3")])
    assert [(y.kind, y.printed, y.prior, y.at.ref) for y in ys] == [
        (st.YearKind.CUT, "202", False, "line 1"),
        (st.YearKind.TITLE, "2023", False, "line 2"),
        (st.YearKind.TITLE, "2022", True, "line 3"),
    ]


def test_narrative_years_compared_year_end_and_vehicles():
    p = para(
        "比 2022 年度增加 3.00 万元。截至 2023 年 12 月 31 日，共有车辆 2 辆。2024 年，本单位公务用车保有量 2 辆。"
    )
    ys = st.narrative_years([p])
    assert [(y.kind, y.year) for y in ys] == [
        (st.YearKind.COMPARISON, 2022),
        (st.YearKind.YEAR_END, 2023),
        (st.YearKind.VEHICLES, 2024),
    ]
    # 比 2022 年末: a date, not the year compared
    assert st.narrative_years([para("比 2022 年末增加 3 人。")]) == []


# --- leftovers and shares ----------------------------------------------------------------------


def test_leftovers_on_lines_and_amounts_without_figures():
    xs = st.line_leftovers([("XX单位收入。。", "line 3"), ("（ ）", "line 4")])
    assert [x.kind for x in xs] == [
        st.LeftoverKind.PLACEHOLDER,
        st.LeftoverKind.DOUBLE_PUNCT,
        st.LeftoverKind.EMPTY_BRACKETS,
    ]
    (n,) = st.no_figures([para("本年收入万元，支出决算为 12.00 万元。")])
    assert (n.label, n.unit) == ("收入", "万元")


def test_shares_with_and_without_percent():
    n_ok, bare = st.shares([para("占本年支出的 76.23，占比 20.5%，占 120.")])
    assert n_ok == 1 and [b.value for b in bare] == [76.23]  # 120 is no share


# --- restated figures --------------------------------------------------------------------------


def test_an_item_and_its_own_outturn():
    p = para("1、某项目（项）269.85 万元。年初预算为 270.00 万元，支出决算为 269.86 万元。2、另一项目（项）5.00 万元。")
    (x,) = st.restated_items([p])
    assert (x.amount.text, x.final.text, x.amount.value) == ("269.85", "269.86", 269.85)


def test_an_item_without_its_own_outturn_before_the_next_item_is_not_paired():
    p = para("1、某项目（项）1.00 万元。2、另一项目（项）5.00 万元，支出决算为 5.00 万元。")
    (x,) = st.restated_items([p])
    assert x.amount.text == "5.00"


def test_fund_section_figures():
    text = "政府性基金预算财政拨款收入 135.00 万元。其他支出（项）105.00 万元，支出决算为 106.00 万元。"
    xs = st.fund_figures([para(text, section="八、政府性基金预算财政拨款收入支出决算情况说明")], "政府性基金")
    assert [(x.kind, x.name, x.amount.text) for x in xs] == [
        (st.FundKind.ITEM, "其他支出", "105.00"),
        (st.FundKind.ITEM_FINAL, "其他支出", "106.00"),
        (st.FundKind.INCOME, None, "135.00"),
    ]
    assert st.fund_figures([para(text, section="政府性基金预算财政拨款收入支出决算表")], "政府性基金") == []


# --- disclosures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, counts",
    [
        ("国内公务接待 2 批次、24 人次（其中陪同 6 人次）。", [(2, 24, False)]),
        ("接待批次 1 次、接待 15 人次。", [(1, 15, False)]),
        ("其中外宾接待 1 批次、3 人次；国内公务接待 3 批次。", [(1, 3, True), (3, None, False)]),
    ],
)
def test_reception_counts(text, counts):
    assert [(c.batches, c.people, c.foreign) for c in st.reception_counts(text)] == counts


def test_required_parts_and_fund_sentences():
    assert dict(st.required_parts("政府采购支出12万元。名词解释")) == {
        "政府采购支出": True,
        "国有资产占用情况 (车辆、设备)": False,
        "名词解释": True,
    }
    assert st.says_no_fund("本单位无政府性基金预算财政拨款收入", "政府性基金")
    assert not st.says_no_fund("政府性基金收入 3 万元", "政府性基金")
    assert st.vehicle_count_stated("公务用车保有量 3 辆") and not st.vehicle_count_stated("公务用车运行费 3 万元")


def test_a_fact_goes_through_its_dataset_row_and_back():
    (f,) = read("机关运行经费支出 184.65 万元，比 2023 年度增加 2.55 万元，增长 1.40%。")
    frame = schema.conform(pd.DataFrame([f.row()]), "narrative_facts")
    (back,) = [Fact.from_row(r) for r in frame.itertuples(index=False)]
    assert back == Fact(**{**f.row(), "unit": FactUnit.WAN})
    assert (back.value, back.change_wan, back.change_pct_printed, back.share_pct_printed) == (184.65, 2.55, 1.4, None)
