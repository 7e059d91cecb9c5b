"""Execution rates with their reasons (issue 20, finding 4), on the shipped corpus.

What the reports print (data/raw):
- 文旅局 2025 (line 456–458): 一般公共预算财政拨款支出 年初预算 27,780.16, 决算 24,535.67 万元, 88.32%; line 620:
  "真如海心剧院精装修工程 2000.00 万元预算从一般公共预算财政拨款调整至政府性基金预算财政拨款" (its 政府性基金
  line 2121999 had 年初预算 0); line 472 (文化展示及纪念机构 6,832.84 → 1,700.57): "…部分预算调整至政府性基金
  预算"; line 515: 文化产业扶持资金 moved from 2150899 to 2079903 (年初 0, 决算 2,349.56); line 554: 2150899
  (5,282.00 → 4,948.72) "年中根据实际扶持情况调增产业扶持资金；…科目代码从…调整至…".
- 洪山 2021 (line 463): 年初预算 2,514.68, 决算 3,061.55, 121.75%; line 704: "年中预算调整 547.26 万元, 调整后预算
  3,061.94 万元"; lines 471–481: four 类 with 年初预算 0.00 (科学技术 140.17, 农林水 300.00, 资源探勘 200.00,
  商业服务业 14.19 万元).
- 社工部 2024 (page 18): 年初预算 0, 全年预算 321.02, 决算 307.82 万元; the reason on a line of its own
  ("决算数小于预算数的主要原因：人员经费支出数小于预算数"); its items: "单位 2024 年新成立".
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data.load import load
from helpers.publish import text
from helpers.studies import execution as ex
from helpers.studies import quality

pytestmark = pytest.mark.usefixtures("english")  # the English edition's sentences and words, which these tests read

HONGSHAN = "000_5ae2df98b6bbde0e"
HANYANG = "001_87de7c93fc8d4773"
WENLV = "上海市普陀区文化和旅游局2025年度部门决算"
SGB = "中共上海市普陀区委社会工作部_2024_年度部门决算"
YICHUAN = "上海市普陀区人民政府宜川路街道办事处2025年度部门决算"


@pytest.fixture(scope="module")
def corpus(processed_raw):
    return load(processed_raw)


@pytest.fixture(scope="module")
def dev(corpus):
    with text.using("en"):
        return ex.deviations(corpus)


@pytest.fixture(scope="module")
def zero(corpus):
    with text.using("en"):
        return ex.zero_budget_lines(corpus)


def _one(df: pd.DataFrame, report_id: str, **match) -> pd.Series:
    d = df[df.report_id == report_id]
    for col, v in match.items():
        d = d[d[col].astype(str) == v]
    assert len(d) == 1, (report_id, match, d)
    return d.iloc[0]


def test_each_statement_carries_the_reason_its_report_prints(corpus):
    be = corpus.budget_execution
    r = _one(be, WENLV, code="2070105")
    assert r.reason_kind == "moved" and r.reason_ref == "line 472"
    assert (
        r.reason_text
        == "决算数小于预算数的主要原因：真如海心剧院精装修工程预算部分调减、部分预算调整至政府性基金预算。"
    )
    r = _one(be, HONGSHAN, code="201")
    assert r.reason_kind == "spending" and r.reason_ref == "line 469" and "受疫情影响" in r.reason_text
    r = _one(be, HANYANG, code="2130599")
    assert r.reason_kind == "mid_year" and r.reason_ref == "line 313" and "追加了恩施州来凤县" in r.reason_text
    r = _one(be, WENLV, code="2079999")
    assert (r.reason_kind, r.reason_text, r.reason_ref) == ("on_budget", "决算数与预算数持平。", "line 521")
    # printed on a line of its own, after the statement's paragraph: both budgets' rows carry it
    sgb = be[(be.report_id == SGB) & (be.level == "overall") & (be.subject == "spending")]
    assert sorted(sgb.budget_basis) == ["全年预算", "年初预算"]
    assert set(sgb.reason_text) == {"决算数小于预算数的主要原因：人员经费支出数小于预算数。"}
    assert set(sgb.reason_ref) == {"page 18"}
    # "年初预算 91.86 万元，支出决算 74.33 万元" (宜川路 2025, lines 611–613: no 为) is a statement too
    r = _one(be, YICHUAN, code="2013202")
    assert (r.budget_wan, r.final_wan, r.reason_ref) == (91.86, 74.33, "line 613")
    assert r.reason_text == "决算数小于预算数的主要原因：党建指导员人数减少。" and r.reason_kind == "spending"
    # the year-on-year reasons (与 2020 年度相比 … 主要原因) are not reasons for a deviation from the budget
    assert not be.reason_text.fillna("").str.contains("年度相比|较上年").any()


def test_wenlv_88_percent_is_2000_wan_moved_to_the_government_fund(dev):
    r = _one(dev, WENLV, level="overall")
    assert (r.budget_wan, r.final_wan) == (27780.16, 24535.67) and round(r.rate, 2) == 88.32
    assert r.moved_wan == pytest.approx(-2000.00) and r.moved_ref == "line 620"
    assert r.rest_wan == pytest.approx(24535.67 - 27780.16 + 2000.00)  # -1,244.49, "部分项目经费调减" (line 458)
    assert r.reason_ref == "line 458" and r.rest_reason.startswith("a mid-year change")
    # the line the money left names the same works; the amount is the one line 620 prints
    r = _one(dev, WENLV, code="2070105")
    assert r.moved_wan == pytest.approx(-2000.00) and r.moved_ref == "line 620"
    # a function code changed: 2,349.56 left 2150899 for 2079903; the rest of 2150899 is the mid-year 调增
    r = _one(dev, WENLV, code="2150899")
    assert r.moved_wan == pytest.approx(-2349.56) and r.moved_ref == "line 515"
    assert r.rest_wan == pytest.approx(4948.72 - 5282.00 + 2349.56) and "mid-year" in r.rest_reason


def test_hongshan_121_percent_is_a_mid_year_addition_and_100_percent_of_the_adjusted_budget(dev):
    r = _one(dev, HONGSHAN, level="overall")
    assert round(r.rate, 2) == 121.75
    assert r.adjusted_basis == "调整预算" and r.adjusted_budget_wan == 3061.94 and r.adjusted_ref == "line 704"
    assert r.mid_year_wan == pytest.approx(547.26)
    assert round(r.adjusted_rate, 2) == round(3061.55 / 3061.94 * 100, 2) == 99.99
    assert r.rest_wan == pytest.approx(-0.39)


def test_zero_budget_lines_are_apart_and_never_overruns(corpus, dev, zero):
    assert not (dev.budget_wan == 0).any() and not dev.rate.isna().any()
    hs = zero[zero.report_id == HONGSHAN].set_index("code").final_wan.to_dict()
    assert hs == {"206": 140.17, "213": 300.00, "215": 200.00, "216": 14.19}
    # 社工部 was created in 2024: no 年初 budget; against its 全年预算 95.89% (307.82 / 321.02)
    r = _one(zero, SGB, level="overall")
    assert r.new_unit == "page 18" and r.adjusted_budget_wan == 321.02 and round(r.adjusted_rate, 2) == 95.89
    # the page's overrun count leaves them out: 洪山's 类 overspend two non-zero budgets (208, 210)
    be = ex.rates(corpus)
    lines = be[(be.report_id == HONGSHAN) & (be.level == "类")]
    said = ex.overrun_sentence(lines)
    assert said.startswith("2 spent more than a non-zero budget (largest overrun: 卫生健康支出"), said
    assert "118.35 万元 over" in said and "4 had no budget (0) and an outturn: no rate and not overruns" in said


def test_the_findings_give_the_reasons_with_their_sensitivity_lines(corpus):
    findings = ex.key_findings(corpus)
    why = next(s for s in findings if s.startswith("Why the overall outturn differs"))
    assert "普陀区 文化和旅游局 2025: 88.32% of its 年初预算" in why
    assert "2,000.00 万元 was moved out of this budget, as the report says (line 620)" in why
    assert "547.26 万元 was added to the budget during the year (调整预算 3,061.94 万元, line 704)" in why
    assert "against which it spent 99.99%" in why
    assert "普陀区 区委社会工作部 2024: no 年初预算 (0 万元), the unit being set up that year (page 18)" in why
    counts = next(s for s in findings if "differ from their budget beyond rounding" in s)
    assert "no rate, not overruns, listed apart" in counts
    for s in (why, counts):
        assert "“use with care” report" in s, s


def test_one_laifeng_transfer_is_one_overrun(corpus):
    """汉阳 2024 states its 来凤 money three times: 项 2130599 1,783 → 1,793 (line 313), the narrative's project
    巩固脱贫衔接乡村振兴 1,783 → 1,793 (line 385), the 绩效自评表's 恩施州来凤县结对帮扶经费 1,780 → 1,790 (line 570)."""
    be = ex.rates(corpus)
    again = ex.restated_lines(be)
    hy = be[(be.report_id == HANYANG) & (again != "")]
    assert set(again[hy.index]) >= {"项 2130599 其他巩固脱贫衔接乡村振兴支出 (line 313)"}
    laifeng = hy[again[hy.index].str.startswith("项 2130599")]
    assert sorted(laifeng.source_ref) == ["line 385", "line 570"]
    out = ex.outliers(be)
    over = out[(out.report == corpus.label(HANYANG)) & out.why.str.startswith("over budget")]
    assert list(over.name) == ["其他巩固脱贫衔接乡村振兴支出"] and list(over.source_ref) == ["line 313"]
    said = ex.overrun_sentence(be[(be.report_id == HANYANG) & (be.flag == "")])
    assert said.startswith("1 spent more than a non-zero budget") and "counting once the 2 project statements" in said


def test_the_page_sections_carry_their_sensitivity_lines(corpus):
    """The page's own section sentences (not only the key findings) say what remains without the reports the
    index marks “use with care”, computed by the helpers the notebook calls."""
    from helpers.core.paths import NOTEBOOKS
    from helpers.studies import quality

    cmp = quality.comparable(corpus)
    be = ex.rates(cmp)
    clean = be[be.flag == ""].dropna(subset=["budget_wan", "final_wan"])
    for said in (
        ex.overrun_sentence(clean, cmp),
        ex.outliers_sentence(cmp, ex.outliers(be)),
        ex.printed_rates_sentence(cmp, ex.printed_vs_computed(cmp, be)),
    ):
        assert "“use with care” report" in said, said
    assert ex.outliers_sentence(cmp, ex.outliers(be)).startswith("32 statements stand out")
    src = (NOTEBOOKS / "budget_execution.ipynb").read_text(encoding="utf-8")
    for call in (
        "overrun_sentence(d, corpus)",
        "outliers_sentence(corpus, out)",
        "printed_rates_sentence(corpus, pvc)",
    ):
        assert call in src, call
    assert "ex.deviations(corpus)" in src and "ex.zero_budget_lines(corpus)" in src


def test_zero_budget_lines_without_a_new_unit_sentence_anywhere(corpus):
    """A corpus whose zero-budget lines come with no "新成立" sentence (the hostile one-report site met
    this): the new_unit column is empty text, not an all-NaN float column that then failed to fill."""
    from helpers.studies import execution_reasons

    be = ex.rates(quality.comparable(corpus))
    be = be.assign(reason_text=be.reason_text.where(~be.reason_text.fillna("").str.contains("新成立"), None))
    z = execution_reasons.zero_budget_lines(be)
    assert len(z) and (z.new_unit == "").all()
