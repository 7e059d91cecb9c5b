"""Like with like, and own spending apart from money passed on (issue 20, findings 2 and 3).

Read in the shipped reports:
- 三公 bases: 汉阳 2024 line 335 "“三公”经费财政拨款支出全年预算为 5.86 万元，支出决算为 0.45 万元"; 江汉 2022 T7
  (line 372: 10.98 / 6.07) under the note "预算数为“三公”经费全年预算数" (line 375); 洪山 2021 (line 501: 83.75 /
  72.50), 硚口 2021 (line 1365: 4.96 / 2.19), 宜川路 2025 (line 753: 31.47 / 19.86), 文旅 2025 (line 578: 11.49 /
  3.04) and 财政局 2024 (page 23: 0.95 / 0.00, "完成预算的0%") say 年初预算. 财政局's T7 (page 18) leaves the
  outturn blank; 社工部 2024 (page 20) states it had no 三公 spending and prints no budget.
- Money passed on: 江汉 2022 T3 合计 4,199.36 = 1,054.43 basic + 3,144.93 project (line 178), its 21305
  巩固脱贫衔接乡村振兴 2,907.92, all project (line 193), "乡村振兴及对口帮扶工作2907.92万元，用于精准扶贫、对口支援和援疆扶贫开发
  工作" and "全年向宣恩县拨付区域协作结对帮扶资金 2200 万元" (lines 437, 585). 汉阳 2024 T3 合计 2,859.97 = 1,014.68 +
  1,845.29 (line 105), 2130599 1,793.00 project (line 114, no 款 row), "农林水支出（类）1793 万元 … 主要是用于对口帮扶恩施州
  来凤县和江夏区山坡街丰收村乡村振兴工作" (line 293). 洪山 2021: 21305 扶贫 300.00 project (T3 line 200), "对口帮扶新洲区项目
  300.00 万元" (line 467)."""

from __future__ import annotations

import json
import re

import pytest

from helpers.core.paths import REPO_ROOT
from helpers.data.load import load
from helpers.publish import text
from helpers.studies import composition as comp
from helpers.studies import execution as ex
from helpers.studies import quality

pytestmark = pytest.mark.usefixtures("english")  # the English edition's sentences, which these tests read

HONGSHAN = "000_5ae2df98b6bbde0e"
HANYANG = "001_87de7c93fc8d4773"
JIANGHAN = "002_e2b9b740b0f725e0"
CAIZHENG = "上海市普陀区财政局2024年度部门决算"
SHEGONG = "中共上海市普陀区委社会工作部_2024_年度部门决算"


@pytest.fixture(scope="module")
def corpus(processed_raw):
    return quality.comparable(load(processed_raw))


def _cell_sources(nb: str) -> list[str]:
    d = json.loads((REPO_ROOT / "notebooks" / f"{nb}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in d["cells"] if c["cell_type"] == "code"]


# --- finding 2: 三公 and execution rates per budget basis, each report once, no pooled money ---------


def test_three_public_one_rate_per_report_against_its_own_basis(corpus):
    by = ex.three_public_by_report(corpus).set_index("report_id")
    assert by.index.is_unique
    assert by.budget_basis[HANYANG] == by.budget_basis[JIANGHAN] == "全年预算"
    for rid in ("000_5ae2df98b6bbde0e", "004_f973782ff0beb528", CAIZHENG):
        assert by.budget_basis[rid] == "年初预算", rid
    # 财政局 2024: 0.95 budgeted, 0.00 spent (its narrative; the T7 cell is blank) — rated 0%, not lost
    cz = by.loc[CAIZHENG]
    assert (cz.budget_wan, cz.final_wan, cz.rate, cz.status) == (0.95, 0.0, 0.0, "rated")
    assert by.status[SHEGONG] == "no rate: no budget printed"
    assert by.rate[HANYANG] == pytest.approx(0.45 / 5.86 * 100)
    assert by.rate[JIANGHAN] == pytest.approx(6.07 / 10.98 * 100)


def test_three_public_sentence_keeps_bases_apart_adds_no_money_and_counts_what_it_shows(corpus):
    s = ex.three_public_sentence(corpus)
    three = next(x for x in ex.key_findings(corpus) if x.startswith("三公经费"))
    assert three == s  # the study's headline is this sentence
    head = s.split(" Without the ")[0]
    assert "万元" not in head and "budgeted" not in head  # no sum of money across departments or years
    by = ex.three_public_by_report(corpus)
    rated = by[by.status == "rated"]
    for b, g in rated.groupby("budget_basis"):
        n = len(g)
        assert f"against {b}, {n} report{'s' if n != 1 else ''} (" in head, b
    assert "against 年初预算, 5 reports (2021–2025)" in head and "against 全年预算, 2 reports (2022–2024)" in head
    assert "from 0.0% (普陀区 财政局 2024) to 86.6% (洪山区 人民政府办公室 2021)" in head
    assert "7.7% (汉阳区 人民政府办公室 2024) and 55.3% (江汉区 人民政府办公室 2022)" in head
    assert "No rate for 普陀区 区委社会工作部 2024 (no budget printed)" in head
    # every report counted in the sentence is a point of the figure: the same frame
    n_in_sentence = sum(int(m) for m in re.findall(r"against \S+, (\d+) reports?", head))
    assert n_in_sentence == len(rated) == rated.report_id.nunique() == 7


def test_no_pooled_rate_and_item_rates_per_basis(corpus):
    lv = ex.summary_by_level(ex.rates(corpus))
    assert not {"budget_wan", "final_wan", "pooled_rate_pct"} & set(lv.columns)
    one = ex.three_public_one_source(ex.three_public(corpus))
    items = ex.three_public_item_rates(one)
    assert not {"budget_wan", "final_wan", "rate"} & set(items.columns)
    vt = items[items.item == "vehicle_total"].set_index("budget_basis")
    # 江汉 5.70 of 10.00 and 汉阳 0.45 of 4.86 (全年预算) are not mixed with the 年初预算 reports
    assert vt.reports["全年预算"] == 2 and vt.min_rate_pct["全年预算"] == pytest.approx(0.45 / 4.86 * 100)
    assert vt.max_rate_pct["全年预算"] == pytest.approx(57.0)
    assert "洪山区" in vt.left_out["年初预算"]  # its 小计 fails T7.vehicle_subtotal


def test_overall_completion_once_per_report_and_basis(corpus):
    """文旅 2025 27,780.16 / 24,535.67 against 年初预算 (lines 457-458: 88.32%); 硚口 2021 571.31 / 1,568.88
    (lines 1302-1303: 274.6%); 汉阳 2024 2,947.95 / 2,859.97 against 年初预算 (line 299) and, as 部门整体支出总额,
    against 全年预算 (line 458): one rate per basis, never one pooled range."""
    ov = ex.overall_rates(corpus)
    assert not ov.duplicated(["report_id", "budget_basis"]).any()
    assert set(ov[ov.report_id == HANYANG].budget_basis) == {"年初预算", "全年预算"}
    s = ex.overall_sentence(corpus)
    assert ex.key_findings(corpus)[0] == s
    head = s.split(" Without the ")[0]
    assert (
        "against 年初预算, 6 reports (2021–2025): median 97.9%, from 88.3% (普陀区 文化和旅游局 2025) to 274.6% "
        in head
    )
    assert "against 全年预算, 2 reports (2024)" in head and "against 调整预算, 2 reports" in head
    assert "万元" not in head
    n = sum(int(m) for m in re.findall(r"against \S+, (\d+) reports?", head))
    assert n == len(ov)


@pytest.mark.usefixtures("english")
def test_figures_state_their_comparison_group_and_nominal_money(corpus):
    note = comp.group_note(corpus, corpus.report_ids)
    assert "政府办公室 3" in note and "2021–2025" in note and "nominal" in note
    assert "nominal" not in comp.group_note(corpus, [HANYANG])  # one year: nothing to deflate


def test_pages_and_start_here_say_the_same_and_sum_no_money():
    start = _cell_sources("start_here")
    cell = next(c for c in start if "three_public" in c and "show(" in c)
    assert "execution.three_public_sentence(corpus)" in cell and ".sum()" not in cell
    assert any("execution.overall_sentence(corpus)" in c for c in start)
    be = "\n".join(_cell_sources("budget_execution"))
    assert "ex.three_public_sentence(corpus)" in be and "three_public_item_totals" not in be
    assert "grouped_bars" not in be  # the summed bars are gone
    assert be.count("group_note(") >= 3


# --- finding 3: own project spending apart from money passed on to other places ----------------------


def test_money_passed_on_is_counted_once_per_report(corpus):
    pt = comp.pass_through(corpus).set_index("report_id")
    assert pt.index.is_unique
    assert pt.pass_through_wan.to_dict() == {HONGSHAN: 300.0, HANYANG: 1793.0, JIANGHAN: 2907.92}
    assert pt.derived[HANYANG] and not pt.derived[JIANGHAN]  # 汉阳 prints only its 项 row
    assert "宣恩县" in pt.passed_to[JIANGHAN]
    assert "来凤县" in pt.passed_to[HANYANG] and "丰收村" in pt.passed_to[HANYANG]
    assert pt.passed_to[HONGSHAN] == "新洲区"
    assert "line 293" in pt.named_at[HANYANG]


def test_project_shares_with_and_without_the_money_passed_on(corpus):
    bp = comp.with_pass_through(comp.basic_project(corpus), corpus).set_index("report_id")
    jh, hy = bp.loc[JIANGHAN], bp.loc[HANYANG]
    assert jh.project_share_pct == pytest.approx(3144.93 / 4199.36 * 100, abs=0.01)  # 74.9%
    assert jh.own_project_share_pct == pytest.approx((3144.93 - 2907.92) / (4199.36 - 2907.92) * 100, abs=0.01)
    assert round(jh.own_project_share_pct, 1) == 18.4
    assert hy.project_share_pct == pytest.approx(1845.29 / 2859.97 * 100, abs=0.01)
    assert round(hy.own_project_share_pct, 1) == 4.9
    assert bp.pass_through_wan[CAIZHENG] == 0 and bp.own_project_share_pct[CAIZHENG] == bp.project_share_pct[CAIZHENG]
    with text.using("en"):
        s = next(x for x in comp.key_findings(corpus) if x.startswith("Project money"))
    assert s.startswith(
        "Project money is the larger part of spending in 5 of 9 reports as printed, in 3 of 9 once the money "
        "passed on to other places is taken out"
    )
    assert "江汉区 人民政府办公室 2022 2,907.92 万元 to 宣恩县" in s and "74.9% with it, 18.4% without" in s
    assert "64.5% with it, 4.9% without" in s
    assert s.count("2,907.92") == 1 and s.count("1,793.00") == 1  # each transfer once
    src = "\n".join(_cell_sources("spending_composition"))
    assert "comp.with_pass_through(" in src and "own_project_share_pct > 50" in src


@pytest.mark.usefixtures("english")
def test_the_report_page_says_what_is_passed_on(corpus):
    from helpers.studies import report_view as rv

    one = corpus.only(JIANGHAN)
    fc = comp.function_classes(one)
    bp = comp.with_pass_through(comp.basic_project(one), one)
    s = rv.spending_sentence(fc, bp)
    assert "project spending (项目支出) 74.9% of 4,199.36 万元" in s
    assert "2,907.92 万元 is passed on to other places (宣恩县" in s and "18.4%" in s
    assert "passed on" not in rv.spending_sentence(fc, comp.basic_project(one))  # without the split: as before


# --- item 1: per staff member where the report prints its headcount ----------------------------------
# 洪山 2021: 在职实有人数 54 (line 106), T6 人员经费合计 1,705.42 (line 355), T3 合计 基本支出 1,867.39 (line 174);
# 硚口 2021: 在职实有人数 22 (line 91), T6 人员经费合计 445.56 (line 1099), 基本支出 497.35 (T3; narrative line 1306).
QIAOKOU = "004_f973782ff0beb528"


def test_headcounts_are_narrative_facts_with_their_lines(corpus):
    nf = corpus.narrative_facts
    staff = nf[nf.topic.isin(["staff_in_post", "retirees"])].set_index(["report_id", "topic"])
    assert staff.loc[(HONGSHAN, "staff_in_post")][["value", "unit", "source_ref"]].tolist() == [
        54.0,
        "count",
        "line 106",
    ]
    assert staff.loc[(QIAOKOU, "retirees")][["value", "source_ref"]].tolist() == [5.0, "line 101"]
    assert set(staff.index.get_level_values(0)) == {HONGSHAN, QIAOKOU}  # 青山 (38, line 185) is `do not use`


def test_personnel_and_basic_spending_per_staff_member(corpus):
    ps = comp.per_staff(corpus).set_index("report_id")
    assert ps.index.is_unique and len(ps) == 9  # every comparable report, with or without a headcount
    hs, qk = ps.loc[HONGSHAN], ps.loc[QIAOKOU]
    assert hs.personnel_per_staff_wan == pytest.approx(1705.42 / 54)
    assert hs.basic_per_staff_wan == pytest.approx(1867.39 / 54)
    assert qk.personnel_per_staff_wan == pytest.approx(445.56 / 22)
    assert qk.basic_per_staff_wan == pytest.approx(497.35 / 22)
    assert (hs.staff_ref, hs.retirees, qk.staff_ref) == ("line 106", 18.0, "line 91")
    # different department kinds: two comparison groups, so no range across them
    assert hs.comparison_group != qk.comparison_group
    without = ps.drop([HONGSHAN, QIAOKOU])
    assert without.staff_in_post.isna().all() and without.personnel_per_staff_wan.isna().all()


@pytest.mark.usefixtures("english")
def test_the_per_staff_sentence_keeps_groups_apart_and_lists_reports_without_a_headcount(corpus):
    s = comp.per_staff_sentence(corpus)
    assert s in comp.key_findings(corpus)
    assert "洪山区 人民政府办公室 2021 (政府办公室 · 区级 district · 2021), 54 staff in post (line 106)" in s
    assert "人员经费 31.58 万元 and 基本支出 34.58 万元 per staff member" in s  # 1,705.42 / 54, 1,867.39 / 54
    assert "人员经费 20.25 万元 and 基本支出 22.61 万元 per staff member" in s  # 445.56 / 22, 497.35 / 22
    assert "No two of them share a comparison group" in s and "runs from" not in s
    assert "7 reports print no headcount and are not divided: 汉阳区 人民政府办公室 2024" in s
    assert "Without the 2 “use with care” reports among them: no report remains" in s


# --- item 6: the rows behind the composition figures say where each amount is printed ----------------
# 洪山 2021 T3: 合计 3,061.55 = 1,867.39 basic + 1,194.16 project (line 174), 201 一般公共服务支出 1,857.73 (line 175);
# T6: 301 工资福利支出 1,607.18 (line 327) and 303 对个人和家庭的补助 98.24 (line 341) make 人员经费 1,705.42.


def test_composition_rows_carry_their_source_reference(corpus):
    bp = comp.basic_project(corpus).set_index("report_id")
    assert (bp.basic_wan[HONGSHAN], bp.project_wan[HONGSHAN], bp.source_ref[HONGSHAN]) == (
        1867.39,
        1194.16,
        "T3 line 174",
    )
    fc = comp.function_classes(corpus)
    gps = fc[(fc.report_id == HONGSHAN) & (fc.code == "201")].iloc[0]
    assert (gps.amount_wan, gps.table, gps.source_ref) == (1857.73, "T3", "T3 line 175")
    pp = comp.personnel_public(corpus).set_index("report_id")
    assert (pp.personnel_wan[HONGSHAN], pp.source_ref[HONGSHAN]) == (1705.42, "T6 line 327, line 341")
    src = "\n".join(_cell_sources("spending_composition"))
    assert src.count("data=") >= 5  # every composition figure hands its rows to its CSV
