"""Narrative datasets of every raw file, checked against values read in the files by hand.

Each test names the file and line (or page) the expected value was read from. Counts are the number of
statements printed: a change in them means a statement was lost or invented.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.data.extract import extract_report
from tests.conftest import HANYANG, HONGSHAN, JIANGHAN, PDF_CZJ, PDF_SGB, QIAOKOU, QINGSHAN


@pytest.fixture(scope="module")
def ds():
    cache: dict = {}

    def get(path):
        if path not in cache:
            out = extract_report(path)
            assert out["reports"]["status"].iloc[0] != "failed", out["reports"]["error"].iloc[0]
            cache[path] = out
        return cache[path]

    return get


def one(df: pd.DataFrame, **kw) -> pd.Series:
    sel = df
    for k, v in kw.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{kw}: {len(sel)} rows\n{df.to_string()[:3000]}"
    return sel.iloc[0]


def close(a, b, tol=0.006):
    return a is not None and not pd.isna(a) and abs(float(a) - b) <= tol


def isnull(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


# ---------------------------------------------------------------- 000 Hongshan 2021
def test_hongshan_budget_execution(ds):
    be = ds(HONGSHAN)["budget_execution"]
    assert len(be) == 41  # overall + 8 classes + 综述 + 3 调整预算 + 三公 + 26 projects + 合计
    o = one(be, level="overall", subject="spending", budget_basis="年初预算")
    assert close(o.budget_wan, 2514.68) and close(o.final_wan, 3061.55) and close(o.rate_printed_pct, 121.75)
    assert o.source_ref == "line 463"
    sci = one(be, level="类", code="206")  # 科学技术: 年初预算 0.00, 决算 140.17, no rate printed
    assert sci.budget_wan == 0 and close(sci.final_wan, 140.17)
    assert isnull(sci.rate_computed_pct) and isnull(sci.rate_printed_pct)
    health = one(be, level="类", code="210")  # 卫生健康 (line 475): 86.01 / 204.36 / 237.59%
    assert (
        close(health.budget_wan, 86.01) and close(health.final_wan, 204.36) and close(health.rate_printed_pct, 237.59)
    )
    assert one(be, level="类", code="215")["name"] == "资源探勘工业信息等支出"  # misspelt class still gets its code
    adj = be[be.budget_basis == "调整预算"]
    assert sorted(adj.rate_printed_pct.tolist()) == [91.1, 100.0, 100.0]  # lines 704, 754, 832
    assert all(close(v, 3061.94) for v in adj.budget_wan)
    summary = one(be, name="项目绩效自评综述")  # line 559: printed 352.78% where 1194.15/1194.15 = 100%
    assert close(summary.rate_printed_pct, 352.78) and close(summary.rate_computed_pct, 100.0)


def test_hongshan_project_table_in_yuan_headed_wan(ds):
    be = ds(HONGSHAN)["budget_execution"]
    proj = be[(be.level == "project") & (be.source_kind == "table")]
    assert len(proj) == 27
    assert (proj.unit_printed == "元").all() and proj.unit_note.notna().all()
    assert close(one(proj, name="法律顾问及案件诉讼费用").budget_wan, 4.0)  # 40,000.00 元, line 761
    assert close(one(proj, name="对口帮扶新洲区项目").final_wan, 300.0)  # 3,000,000.00 元, line 784
    total = one(proj, name="合计")  # 11,941,534.64 元, line 788 = 项目支出 1194.15 万元
    assert close(total.budget_wan, 1194.15) and "1,194.15" in total.unit_note


def test_hongshan_three_public_and_narrative_vs_table(ds):
    out = ds(HONGSHAN)
    tp = out["three_public"]
    assert len(tp) == 12
    t = one(tp, item="total", source="narrative")  # line 501: 83.75 / 72.50
    assert close(t.budget_wan, 83.75) and close(t.final_wan, 72.50)
    assert close(one(tp, item="total", source="table").final_wan, 72.51)  # the table prints 72.51
    op = one(tp, item="vehicle_operation", source="narrative")  # 23.58, 比年初预算减少 11.62 → 35.20
    assert close(op.final_wan, 23.58) and close(op.budget_wan, 35.20) and "derived" in op.note
    rec = one(tp, item="reception", source="narrative")
    assert close(rec.final_wan, 0.38) and rec.budget_wan == 0
    be3 = one(out["budget_execution"], level="overall", subject="three_public")
    assert be3.budget_basis == "年初预算" and close(be3.rate_printed_pct, 86.57)
    facts = out["narrative_facts"]
    health = one(facts, topic="class_expenditure", subject="卫生健康")  # narrative 204.35 (line 457)
    assert close(health.value, 204.35) and close(health.share_pct_printed, 6.67)
    li = out["line_items"]
    assert close(li[(li.table == "T5") & (li.code == "210") & (li.measure == "total")].amount_wan.iloc[0], 204.36)


def test_hongshan_poverty_and_facts(ds):
    out = ds(HONGSHAN)
    pv = out["poverty_transfers"]
    fl = pv[pv.kind == "function_line"]
    assert set(fl.code) == {"21305", "2130599"} and (fl.series == "巩固脱贫衔接乡村振兴").all()
    jianshi = pv[(pv.amount_wan == 1700) & (pv.recipient == "建始县")]  # lines 585, 712, 848: 协调拨付
    assert len(jianshi) == 3 and (jianshi.scope == "district").all()
    consume = pv[pv.amount_wan.sub(1784.49).abs() < 0.001]
    assert len(consume) == 3 and (consume.scope == "district").all()
    xinzhou = pv[(pv.recipient == "新洲区") & (pv.kind == "project")]
    assert (xinzhou.amount_wan == 300).all() and (xinzhou.scope == "department").all() and len(xinzhou) == 2
    assert len(pv) == 23
    facts = out["narrative_facts"]
    run = one(facts, topic="running_cost")  # line 531
    assert close(run.value, 161.97) and close(run.change_wan, -31.02) and close(run.change_pct_printed, -16.07)
    tot = one(facts, topic="total")  # line 416
    assert close(tot.value, 3061.55) and close(tot.change_wan, 118.27) and close(tot.change_pct_printed, 4.02)
    assert close(one(facts, topic="procurement_total").value, 414.72)
    assert one(facts, topic="vehicles").value == 9
    assert close(one(facts, topic="basic_expenditure", source_ref="line 434").share_pct_printed, 60.99)


# ---------------------------------------------------------------- 001 Hanyang 2024
def test_hanyang_per_item_statements_and_full_year_basis(ds):
    out = ds(HANYANG)
    be = out["budget_execution"]
    assert len(be) == 16
    items = be[be.level == "项"]
    assert len(items) == 6  # lines 301-313
    pension = one(items, code="2080505")
    assert (
        close(pension.budget_wan, 73.07) and close(pension.final_wan, 72.11) and close(pension.rate_printed_pct, 98.69)
    )
    death = one(items, name="死亡抚恤")
    assert death.budget_wan == 0 and isnull(death.rate_computed_pct)
    assert isnull(one(items, name="一般行政管理事务").code)  # two 一般行政管理事务 lines in T3: ambiguous
    three = one(be, level="overall", subject="three_public")  # line 337: 全年预算 5.86, 决算 0.45, 7.68%
    assert three.budget_basis == "全年预算" and close(three.budget_wan, 5.86) and close(three.rate_printed_pct, 7.68)
    laifeng = one(be, name="恩施州来凤县结对帮扶经费")  # line 570
    assert laifeng.source_kind == "table" and laifeng.budget_wan == 1780 and laifeng.final_wan == 1790
    tp = out["three_public"]
    assert len(tp) == 6 and (tp.source == "narrative").all()  # the 三公 table was lost in conversion
    assert one(tp, item="overseas").budget_wan == 0  # "因公出国(境)费全年预算为 0 万元"
    assert one(tp, item="vehicle_purchase").final_wan == 0
    rec = one(tp, item="reception")
    assert rec.budget_wan == 1 and rec.final_wan == 0


def test_hanyang_poverty(ds):
    pv = ds(HANYANG)["poverty_transfers"]
    assert len(pv) == 13
    y = one(pv, amount_wan=1790.0, kind="narrative")  # line 413: 今年落实 1790 万元帮扶资金支持来凤县发展
    assert y.recipient == "来凤县" and y.scope == "department"
    assert one(pv, amount_wan=514.0).scope == "district"
    # line 413: 在前三年组织拨付帮扶资金 5230 万元 is a three-year cumulative figure
    assert one(pv, amount_wan=5230.0).scope == "multi_year"
    cls = one(pv, source_ref="line 293")
    assert "江夏区山坡街丰收村" in cls.recipient and "来凤县" in cls.recipient
    assert set(pv[pv.kind == "function_line"].code) == {"2130599"}


# ---------------------------------------------------------------- 002 Jianghan 2022
def test_jianghan(ds):
    out = ds(JIANGHAN)
    be = out["budget_execution"]
    assert len(be) == 19
    o = one(
        be, level="overall", subject="spending", budget_basis="年初预算"
    )  # line 431: printed 100% where 4199.36/3927.98 = 106.9%
    assert o.rate_printed_pct == 100 and close(o.rate_computed_pct, 106.91)
    hired = one(be, name="聘用人员工作经费2022")  # line 779: 690000 / 680470.65 under 预算执行情况（万元）
    assert hired.unit_printed == "元" and close(hired.budget_wan, 69.0) and close(hired.final_wan, 68.047065, 1e-5)
    assert close(hired.rate_printed_pct, 98.62) and hired.budget_basis == "调整预算"
    rural = one(be, name="乡村振兴及对口帮扶工作2022")
    assert close(rural.final_wan, 2907.92)
    assert (
        one(be, level="overall", subject="three_public").budget_basis == "全年预算"
    )  # T9 note: 预算数为“三公”经费全年预算数
    tp = out["three_public"]
    assert one(tp, item="overseas", source="narrative").final_wan == 0  # 本单位2022年无因公出国(境)支出
    assert one(tp, item="vehicle_purchase", source="narrative").final_wan == 0  # 本年度无购置(更新)公务用车
    pv = out["poverty_transfers"]
    xuanen = pv[
        (pv.amount_wan == 2200) & pv.recipient.fillna("").str.contains("宣恩县")
    ]  # lines 437, 529, 583, 607, 967
    assert len(xuanen) == 5 and (xuanen.scope == "department").all()


# ---------------------------------------------------------------- 003 Qingshan 2020 (wrapped lines, no tables)
def test_qingshan_broken_lines(ds):
    out = ds(QINGSHAN)
    be = out["budget_execution"]
    assert len(be) == 17
    o = one(be, level="overall", subject="spending", budget_basis="年初预算")
    assert close(o.budget_wan, 2074.96) and close(o.final_wan, 2652.36) and close(o.rate_printed_pct, 127.83)
    assert o.source_ref == "line 289"
    agri = one(be, level="类", code="213")  # lines 347-351
    assert agri.budget_wan == 360 and agri.final_wan == 681 and close(agri.rate_printed_pct, 189.17)
    assert len(be[be.level == "类"]) == 7
    assert one(be, name="精准扶贫经费", source_kind="narrative").budget_wan == 370  # "370 万" without 元
    tp = out["three_public"]
    assert len(tp) == 6
    assert close(one(tp, item="reception").budget_wan, 2.5)  # 0.11 + 2.39
    assert close(one(tp, item="vehicle_operation").budget_wan, 21.0)  # 23.87 − 2.87
    facts = out["narrative_facts"]
    assert close(one(facts, topic="personnel_cost").value, 1383.64)
    run = one(facts, topic="running_cost")
    assert close(run.value, 82.44) and close(run.change_wan, 19.43) and close(run.change_pct_printed, 30.83)
    assert close(one(facts, topic="class_expenditure", subject="农林水").share_pct_printed, 25.68)
    pv = out["poverty_transfers"]
    # lines 317-323: 专项经费 965.49 万元 is for 纾困贷款贴息、纳税贡献奖励、传染病救助保险、精准扶贫对口帮扶、
    # 老旧小区改造: poverty is one purpose among five, so it is not poverty money.
    assert len(pv) == 3 and set(pv.amount_wan.round(2)) == {370.0, 10.0, 681.0}


# ---------------------------------------------------------------- 004 Qiaokou 2021 (one cell per line)
def test_qiaokou(ds):
    out = ds(QIAOKOU)
    be = out["budget_execution"]
    assert len(be) == 10  # the 绩效 section is printed twice in the file
    o = one(be, level="overall", subject="spending", budget_basis="年初预算")
    assert close(o.budget_wan, 571.31) and close(o.final_wan, 1568.88) and close(o.rate_printed_pct, 274.6)
    gps = one(be, level="类", code="201")  # printed 100.0% where 1407.71/399.47 = 352.39%
    assert gps.rate_printed_pct == 100 and close(gps.rate_computed_pct, 352.39)
    tp = out["three_public"]
    t = one(tp, item="total", source="narrative")
    assert close(t.budget_wan, 4.96) and close(t.final_wan, 2.19)
    assert close(one(tp, item="vehicle_operation", source="narrative").budget_wan, 3.0)  # 2.11 + 0.89
    assert close(one(tp, item="reception", source="narrative").budget_wan, 1.96)  # 0.08 + 1.88
    # line 1270: "财政拨款收、支总计 1568.88 万元。与 2020 年度相比，财政拨款收、支总计 787.24 万元，各减少 33.4%":
    # the second amount is a change, not a level
    ft = one(out["narrative_facts"], topic="fiscal_total")
    assert close(ft.value, 1568.88) and close(ft.change_wan, -787.24) and close(ft.change_pct_printed, -33.4)
    assert len(out["poverty_transfers"]) == 0


# ---------------------------------------------------------------- PDFs (figures on separate text lines)
def test_pdf_finance_bureau_reassociated(ds):
    out = ds(PDF_CZJ)
    be = out["budget_execution"]
    assert len(be) == 13
    o = one(be, level="overall", subject="spending")
    assert close(o.budget_wan, 2993.92) and close(o.final_wan, 2940.05) and close(o.rate_printed_pct, 98.2)
    assert "re-associated" in o.note
    audit = one(be, code="2010608")  # 财政委托业务支出: 450.52 / 449.52 on two separate number lines
    assert close(audit.budget_wan, 450.52) and close(audit.final_wan, 449.52)
    assert len(be[be.level == "项"]) == 11
    run = one(out["narrative_facts"], topic="running_cost")
    assert close(run.value, 184.65) and close(run.change_wan, 2.55) and close(run.change_pct_printed, 1.40)
    t = one(out["three_public"], item="total", source="narrative")
    assert close(t.budget_wan, 0.95) and t.final_wan == 0


def test_pdf_social_work_two_bases(ds):
    out = ds(PDF_SGB)
    be = out["budget_execution"]
    assert len(be) == 11
    start = one(
        be, level="overall", subject="spending", budget_basis="年初预算"
    )  # "年初预算为 0 万元，全年预算为 321.02 万元 … 完成年初预算的 95.89%"
    assert start.budget_wan == 0 and isnull(start.rate_computed_pct) and close(start.rate_printed_pct, 95.89)
    full = one(be, level="overall", subject="spending", budget_basis="全年预算")
    assert close(full.budget_wan, 321.02) and close(full.rate_computed_pct, 95.89)
    ops = one(be, code="2013901")
    assert close(ops.budget_wan, 52.0) and close(ops.final_wan, 51.32) and close(ops.rate_printed_pct, 98.69)
    t = one(out["three_public"], item="total", source="narrative")  # 2024 年度无“三公”经费财政拨款支出
    assert t.final_wan == 0


def test_recipient_named_once(ds):
    """Jianghan line 967 names 黄陂区 and 恩施州宣恩县 (and 宣恩县 again): each place once."""
    pv = ds(JIANGHAN)["poverty_transfers"]
    r = one(pv, source_ref="line 967", kind="narrative")
    assert r.recipient == "黄陂区、恩施州宣恩县"


def test_change_after_a_completion_rate_is_a_year_on_year_change(ds):
    """Jianghan line 481: "…完成预算的57%；较上年增加0.44万元，增长0.08%" — the 预算 earlier in the
    sentence does not make it a change against the budget."""
    f = ds(JIANGHAN)["narrative_facts"]
    r = one(f, source_ref="line 481", topic="three_public_vehicle")
    assert close(r.change_wan, 0.44) and close(r.change_pct_printed, 0.08)
