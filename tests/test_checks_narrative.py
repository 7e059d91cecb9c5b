"""Narrative rules on small frames built from real sentences of the raw files (the tables come from
extracting the same report): a passing case, the report's own error where it has one, and an
altered copy of the sentence on which the rule must fail."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.checks import RULES, run_checks
from helpers.core import schema

HONGSHAN, HANYANG, JIANGHAN, QINGSHAN, QIAOKOU = (
    "000_5ae2df98b6bbde0e",
    "001_87de7c93fc8d4773",
    "002_e2b9b740b0f725e0",
    "003_80cf7104083c8073",
    "004_f973782ff0beb528",
)


def report(text_datasets, rid, **frames):
    """One report's extracted reports/line_items plus hand-built narrative frames (others empty)."""
    ds = {k: schema.empty(k) for k in schema.DATASETS}
    for k in ("reports", "line_items"):
        ds[k] = text_datasets[k][text_datasets[k].report_id == rid].copy()
    for name, rows in frames.items():
        ds[name] = schema.conform(pd.DataFrame([{"report_id": rid, **r} for r in rows]), name)
    return ds


def res(ds, rule_id):
    c = run_checks(ds)
    return c[c.rule_id == rule_id].reset_index(drop=True)


def one_outcome(ds, rule_id):
    r = res(ds, rule_id)
    assert len(r) == 1, r[["outcome", "message"]].to_string()
    return r.iloc[0]


def be(level, name, budget, final, rate, text, ref, code=None, basis="年初预算", **kw):
    return dict(
        level=level,
        code=code,
        name=name,
        budget_basis=basis,
        budget_wan=budget,
        final_wan=final,
        rate_printed_pct=rate,
        source_kind="narrative",
        source_ref=ref,
        source_text=text,
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# N.rate_completion

HS_201 = "1. 一般公共服务支出(类)。年初预算为 2049.03 万元，支出决算为 1857.73 万元，完成年初预算的 90.66%，支出决算数小于年初预算数的主要原因是受疫情影响"
JH_ALL = "2022年度一般公共预算财政拨款支出年初预算为3927.98万元，支出决算为4,199.36万元，完成年初预算的100%。"


def test_completion_rate_passes(text_datasets):
    r = one_outcome(
        report(
            text_datasets,
            HONGSHAN,
            budget_execution=[be("类", "一般公共服务支出", 2049.03, 1857.73, 90.66, HS_201, "line 469", code="201")],
        ),
        "N.rate_completion",
    )
    assert r.outcome == "pass" and r.severity == "info" and r.expected == pytest.approx(90.664, abs=1e-3)


def test_completion_rate_jianghan_100_is_106_9(text_datasets):
    """Jianghan line 431: 完成年初预算的100% where 4,199.36 / 3,927.98 = 106.9%."""
    r = one_outcome(
        report(
            text_datasets,
            JIANGHAN,
            budget_execution=[be("overall", "一般公共预算财政拨款支出", 3927.98, 4199.36, 100.0, JH_ALL, "line 431")],
        ),
        "N.rate_completion",
    )
    assert (r.outcome, r.severity) == ("fail", "error")
    assert r.found == 100.0 and r.expected == pytest.approx(106.91, abs=0.01)
    assert r.source_ref == "narrative line 431" and "4,199.36" in r.message and "3,927.98" in r.message


def test_completion_rate_altered_fails(text_datasets):
    text = HS_201.replace("90.66%", "96.06%")
    r = one_outcome(
        report(
            text_datasets,
            HONGSHAN,
            budget_execution=[be("类", "一般公共服务支出", 2049.03, 1857.73, 96.06, text, "line 469", code="201")],
        ),
        "N.rate_completion",
    )
    assert r.outcome == "fail" and r.found == 96.06


def test_completion_rate_printed_precision(text_datasets):
    """Jianghan line 453: 121.54 / 122.39 = 99.305…, printed 99.3%: the printed rate's own rounding."""
    text = "年初预算为 122.39 万元，支出决算为 121.54 万元，完成年初预算的 99.3%。"
    r = one_outcome(
        report(
            text_datasets,
            JIANGHAN,
            budget_execution=[be("类", "住房保障", 122.39, 121.54, 99.3, text, "line 453", code="221")],
        ),
        "N.rate_completion",
    )
    assert r.outcome == "pass"


def test_completion_rate_against_zero_budget_is_undefined(text_datasets):
    text = "3. 公务接待费支出决算为 0.38 万元，完成年初预算的 0%，比年初预算增加 0.38 万元"
    r = one_outcome(
        report(
            text_datasets,
            HONGSHAN,
            budget_execution=[be("overall", "公务接待费", 0.0, 0.38, 0.0, text, "line 515", subject="three_public")],
        ),
        "N.rate_completion",
    )
    assert r.outcome == "not_applicable" and "undefined" in r.message


# ---------------------------------------------------------------------------------------------
# NX.class_amount

QK_201 = "1.一般公共服务支出(类)。年初预算为 399.47 万元，支出决算为1,407.71 万元，完成年初预算的100.0%"


def test_class_amount_passes_and_rounds(text_datasets):
    rows = [
        be("类", "一般公共服务支出", 2049.03, 1857.73, 90.66, HS_201, "line 469", code="201"),
        be(
            "类",
            "商业服务业等支出",
            0.0,
            14.19,
            None,
            "7. 商业服务业等支出(类)。年初预算为0.00万元，支出决算为14.19万元",
            "line 481",
            code="216",
        ),
    ]
    r = res(report(text_datasets, HONGSHAN, budget_execution=rows), "NX.class_amount")
    assert list(r.outcome) == ["pass", "pass"]
    assert r.iloc[0].source_ref == "narrative line 469; T5 line 276"
    assert r.iloc[1].message.startswith("rounding") and r.iloc[1].severity == "info"  # 14.19 vs T5 14.20


def test_class_amount_qiaokou_transposed_digits(text_datasets):
    """Qiaokou line 1310-1312: 支出决算为1,407.71 万元 where 表5 prints 1,407.17."""
    r = one_outcome(
        report(
            text_datasets,
            QIAOKOU,
            budget_execution=[be("类", "一般公共服务支出", 399.47, 1407.71, 100.0, QK_201, "line 1310", code="201")],
        ),
        "NX.class_amount",
    )
    assert (r.outcome, r.severity) == ("fail", "error")
    assert (r.expected, r.found) == (pytest.approx(1407.17), pytest.approx(1407.71))
    assert "transposed" in r.message and "T5 line 810" in r.source_ref


def test_class_amount_altered_fails(text_datasets):
    text = "1. 一般公共服务支出中行政运行支出 705.74 万元…年初预算为 883.46 万元，支出决算为 967.1 万元"
    r = one_outcome(
        report(
            text_datasets,
            JIANGHAN,
            budget_execution=[be("类", "一般公共服务", 883.46, 967.1, None, text, "line 447", code="201")],
        ),
        "NX.class_amount",
    )
    assert r.outcome == "fail" and r.expected == pytest.approx(976.10)


def test_class_amount_one_decimal_is_its_own_rounding(text_datasets):
    text = "2. 社会保障和就业支出中…其他行政事业单位养老支出 4.9 万元。"
    r = one_outcome(
        report(
            text_datasets,
            JIANGHAN,
            budget_execution=[be("项", "其他行政事业单位养老支出", None, 4.9, None, text, "line 449", code="2080599")],
        ),
        "NX.class_amount",
    )
    assert r.outcome == "pass"  # 4.9 printed to one decimal restates 4.89


# ---------------------------------------------------------------------------------------------
# 三公: NX.three_public and N.three_public_sum


def tp(item, budget, final, text, ref):
    return dict(item=item, budget_wan=budget, final_wan=final, source="narrative", source_ref=ref, source_text=text)


JH_TP = "2022年度“三公”经费财政拨款支出预算为10.98万元，支出决算为6.07万元，完成预算的55.28%；较上年增加0.66万元，增长0.06%。"


def test_three_public_restates_t7(text_datasets):
    r = res(
        report(text_datasets, JIANGHAN, three_public=[tp("total", 10.98, 6.07, JH_TP, "line 475")]), "NX.three_public"
    )
    assert list(r.outcome) == ["pass", "pass"] and "T7 line 372" in r.iloc[0].source_ref


def test_three_public_rounding_and_altered(text_datasets):
    text = "2021 年度“三公”经费财政拨款数为 83.75 万元；支出决算为 72.50 万元，完成年初预算的 86.57%"
    r = res(
        report(text_datasets, HONGSHAN, three_public=[tp("total", 83.75, 72.50, text, "line 501")]), "NX.three_public"
    )
    assert list(r.outcome) == ["pass", "pass"] and r.iloc[1].message.startswith("rounding")  # 72.50 vs T7 72.51
    r = res(
        report(
            text_datasets,
            HONGSHAN,
            three_public=[tp("total", 83.75, 75.20, text.replace("72.50", "75.20"), "line 501")],
        ),
        "NX.three_public",
    )
    assert list(r.outcome) == ["pass", "fail"] and r.iloc[1].expected == pytest.approx(72.51)


QS = {"total": (23.5, 23.98), "overseas": (None, 0.0), "vehicle_total": (None, 23.87), "reception": (2.5, 0.11)}


def test_three_public_sum_in_narrative(text_datasets):
    """Qingshan (tables lost): 23.98 = 0 + 23.87 + 0.11 (lines 417-447)."""
    rows = [tp(k, b, f, f"…{f} 万元…", "line 419") for k, (b, f) in QS.items()]
    r = res(report(text_datasets, QINGSHAN, three_public=rows), "N.three_public_sum")
    assert list(r.outcome) == ["pass"]
    rows[0]["final_wan"] = 29.38
    r = res(report(text_datasets, QINGSHAN, three_public=rows), "N.three_public_sum")
    assert list(r.outcome) == ["fail"] and r.iloc[0].expected == pytest.approx(23.98)
    # and against missing tables the restatement rule can only say what is missing
    assert (
        one_outcome(report(text_datasets, QINGSHAN, three_public=rows), "NX.three_public").outcome
        == "insufficient_data"
    )


# ---------------------------------------------------------------------------------------------
# NX.totals


def fact(topic, subject, value, text, ref, unit="万元", change=None, pct=None, share=None):
    return dict(
        topic=topic,
        subject=subject,
        value=value,
        unit=unit,
        change_wan=change,
        change_pct_printed=pct,
        share_pct_printed=share,
        source_ref=ref,
        source_text=text,
    )


def test_totals_pass(text_datasets):
    rows = [
        fact("personnel_cost", "人员经费", 950.72, "人员经费 950.72 万元，主要包括：基本工资…", "line 319"),
        fact("basic_expenditure", "基本支出", 1014.68, "其中：基本支出 1014.68 万元，占本年支出 35.48%", "line 258"),
    ]
    r = res(report(text_datasets, HANYANG, narrative_facts=rows), "NX.totals")
    assert list(r.outcome) == ["pass", "pass"] and "T6 line 225" in r.iloc[0].source_ref


def test_totals_truncated_figure_is_information(text_datasets):
    """Jianghan line 410: 财政拨款收、支总计 4,199.3 万元 where 表4 prints 4,199.36: a last-digit truncation,
    information as every rule reports one (rules.TRUNCATION_SEVERITY), not a failing warning."""
    text = "2022 年度财政拨款收、支总计 4,199.3 万元，比 2021 年增加了 2385.41 万元，增长 131.5%。"
    r = one_outcome(
        report(
            text_datasets,
            JIANGHAN,
            narrative_facts=[fact("fiscal_total", "财政拨款收、支总计", 4199.3, text, "line 410")],
        ),
        "NX.totals",
    )
    assert (r.outcome, r.severity) == ("fail", "info") and "cut to 1 decimal" in r.message
    assert r.source_ref == "narrative line 410; T4 line 246"


def test_totals_altered_fails_and_uses_are_not_totals(text_datasets):
    rows = [
        fact("personnel_cost", "人员经费", 1705.24, "人员经费1705.24万元，主要包括…", "line 489"),
        fact(
            "project_expenditure",
            "项目支出主要用于区政府总值班室购买劳务服务经费",
            79.31,
            "项目支出主要用于区政府总值班室购买劳务服务经费 79.31 万元",
            "line 463",
        ),
    ]
    r = res(report(text_datasets, HONGSHAN, narrative_facts=rows), "NX.totals")
    assert list(r.outcome) == ["fail"] and r.iloc[0].expected == pytest.approx(1705.42)


# ---------------------------------------------------------------------------------------------
# N.rate_change


def test_change_rate_passes(text_datasets):
    text = "2021 年度收、支总计 3061.55 万元。与 2020 年度相比，收、支总计各增加 118.27 万元，增长 4.02%"
    r = one_outcome(
        report(
            text_datasets,
            HONGSHAN,
            narrative_facts=[fact("total", "收、支总计", 3061.55, text, "line 416", change=118.27, pct=4.02)],
        ),
        "N.rate_change",
    )
    assert r.outcome == "pass" and r.expected == pytest.approx(4.018, abs=1e-3)


def test_change_rate_on_the_wrong_base(text_datasets):
    """Jianghan line 495: 机关运行经费 89.82, 增加 27.99, 增长 31.16% = 27.99/89.82; the prior year 61.83 gives 45.27%."""
    text = "2022 年度武汉市江汉区人民政府办公室机关运行经费支出 89.82 万元，比 2021 年度增加 27.99 万元，增长 31.16%。"
    r = one_outcome(
        report(
            text_datasets,
            JIANGHAN,
            narrative_facts=[
                fact("running_cost", "机关运行经费支出", 89.82, text, "line 495", change=27.99, pct=31.16)
            ],
        ),
        "N.rate_change",
    )
    assert (r.outcome, r.found) == ("fail", 31.16) and r.expected == pytest.approx(45.27, abs=0.01)
    assert "wrong base" in r.message


def test_change_rate_hongshan_three_public(text_datasets):
    """Hongshan line 519: 三公 增加 45.12, 增长 166.49%; this year's 72.50 (line 501) gives prior 27.38, 164.79%."""
    text = (
        "2021 年度“三公”经费财政拨款支出决算数比 2020 年度增加 45.12 万元，增长 166.49%，其中：因公出国(境)支出决算增加 0.00 万元，"
        "增长 0.00%；公务用车购置及运行费支出决算增加 45.03 万元，增长 166.16%，公务接待支出决算增加 0.1 万元，增长 35.71%。"
    )
    facts = [
        fact("three_public_total", "“三公”经费财政拨款支出决算数", None, text, "line 519", change=45.12, pct=166.49),
        fact("three_public_vehicle", "公务用车购置及运行费支出决算", None, text, "line 519", change=45.03, pct=166.16),
        fact("three_public_overseas", "因公出国(境)支出决算", None, text, "line 519", change=0.0, pct=0.0),
    ]
    tps = [
        tp("total", 83.75, 72.50, "支出决算为 72.50 万元", "line 501"),
        tp("vehicle_total", None, 72.13, "72.13 万元", "line 507"),
        tp("overseas", 0.0, 0.0, "0.00 万元", "line 503"),
    ]
    r = res(report(text_datasets, HONGSHAN, narrative_facts=facts, three_public=tps), "N.rate_change")
    assert list(r.outcome) == ["fail", "pass", "not_applicable"]
    assert r.iloc[0].expected == pytest.approx(164.79, abs=0.01) and r.iloc[0].found == 166.49
    assert "narrative line 501" in r.iloc[0].source_ref


def test_change_rate_altered_fails(text_datasets):
    text = "2021 年度收、支总计 3061.55 万元。与 2020 年度相比，收、支总计各增加 118.27 万元，增长 4.20%"
    r = one_outcome(
        report(
            text_datasets,
            HONGSHAN,
            narrative_facts=[fact("total", "收、支总计", 3061.55, text, "line 416", change=118.27, pct=4.20)],
        ),
        "N.rate_change",
    )
    assert r.outcome == "fail"


# ---------------------------------------------------------------------------------------------
# N.rate_share

HY_EXP = "2024 年度支出合计 2859.97 万元，与 2023 年度相比，支出合计减少 204.46 万元，下降 6.67%。其中：基本支出 1014.68 万元，占本年支出 35.48%；项目支出 1845.29 万元，占本年支出 64.52%。"
HS_EXP = "2021 年度支出合计 3061.55 万元。其中：基本支出 1867.39 万元，占本年支出 60.99%；项目支出 1194.15 万元，占本年支出 39.01%；上缴上级支出 0.00 万元，占本年支出 0.00%；经营支出 0.00 万元，占本年支出 0.00%。"
PT_CLS = "一般公共预算财政拨款支出 2940.05 万元，主要用于以下方面：一般公共服务支出（类）2106.66 万元，占 71.73%；社会保障和就业支出（类）326.72 万元，占 11.11%；"


def test_share_passes(text_datasets):
    rows = [
        fact("expenditure_total", "支出合计", 2859.97, HY_EXP, "line 258"),
        fact("basic_expenditure", "基本支出", 1014.68, HY_EXP, "line 258", share=35.48),
        fact("project_expenditure", "项目支出", 1845.29, HY_EXP, "line 258", share=64.52),
    ]
    r = res(report(text_datasets, HANYANG, narrative_facts=rows), "N.rate_share")
    assert list(r.outcome) == ["pass", "pass"]


def test_shares_adjusted_to_100_are_rounding(text_datasets):
    """Hongshan line 434: 1194.15/3061.55 = 39.005% printed 39.01% so that 60.99 + 39.01 = 100."""
    rows = [
        fact("expenditure_total", "支出合计", 3061.55, HS_EXP, "line 434"),
        fact("basic_expenditure", "基本支出", 1867.39, HS_EXP, "line 434", share=60.99),
        fact("project_expenditure", "项目支出", 1194.15, HS_EXP, "line 434", share=39.01),
    ]
    r = res(report(text_datasets, HONGSHAN, narrative_facts=rows), "N.rate_share")
    assert list(r.outcome) == ["pass", "pass"] and r.iloc[1].message.startswith("rounding")
    assert "add up to 100.00%" in r.iloc[1].message and r.iloc[1].severity == "info"


def test_share_putuo_class_error_and_altered(text_datasets):
    """上海市普陀区财政局 page 21: 一般公共服务支出 2106.66 万元，占 71.73% of 2940.05 (= 71.65%)."""
    rows = [
        fact("class_expenditure", "一般公共服务", 2106.66, PT_CLS, "page 21", share=71.73),
        fact("class_expenditure", "社会保障和就业", 326.72, PT_CLS, "page 21", share=11.11),
    ]
    r = res(report(text_datasets, QINGSHAN, narrative_facts=rows), "N.rate_share")  # no tables: whole from the sentence
    assert list(r.outcome) == ["fail", "pass"]
    assert r.iloc[0].expected == pytest.approx(71.65, abs=0.01) and r.iloc[0].found == 71.73
    rows[1]["share_pct_printed"] = 11.31
    rows[1]["source_text"] = rows[0]["source_text"] = PT_CLS.replace("11.11%", "11.31%")
    r = res(report(text_datasets, QINGSHAN, narrative_facts=rows), "N.rate_share")
    assert list(r.outcome) == ["fail", "fail"]


def test_share_of_a_negative_whole_is_not_applicable(text_datasets):
    """A made-up sentence: a whole printed negative leaves a share undefined (no range of ratios
    within rounding); the rule says so for that sentence instead of stopping for the report."""
    odd = "2024 年度支出合计 -5.00 万元。其中：基本支出 2.00 万元，占本年支出 40.00%。"
    rows = [
        fact("expenditure_total", "支出合计", -5.0, odd, "line 1"),
        fact("basic_expenditure", "基本支出", 2.0, odd, "line 1", share=40.0),
    ]
    r = res(report(text_datasets, QINGSHAN, narrative_facts=rows), "N.rate_share")
    assert list(r.outcome) == ["not_applicable"] and "too small for its rounding" in r.iloc[0].message


# ---------------------------------------------------------------------------------------------
# NX.project_unit


def test_project_unit(text_datasets):
    """Hongshan lines 761-788: 预算数（万元） column printing 40,000.00 … 合计 11,941,534.64 (元)."""
    note = "the project table is headed 万元 but prints 11,941,534.64: the figures are 元 and were divided by 10,000"
    rows = [
        be(
            "project",
            "法律顾问及案件诉讼费用",
            4.0,
            4.0,
            None,
            "1 | 法律顾问及案件诉讼费用 | 40,000.00 | 40,000.00 | 0.00",
            "line 761",
            basis="全年预算",
            unit_printed="元",
            unit_note=note,
        ),
        be(
            "project",
            "合计",
            1194.153464,
            1194.153464,
            None,
            "合计 | 11,941,534.64 | 11,941,534.64 | 0.00",
            "line 788",
            basis="全年预算",
            unit_printed="元",
            unit_note=note,
        ),
    ]
    r = one_outcome(report(text_datasets, HONGSHAN, budget_execution=rows), "NX.project_unit")
    assert (r.outcome, r.severity) == ("fail", "warning")
    assert r.found == pytest.approx(11941534.64) and r.expected == pytest.approx(1194.16)
    for row in rows:
        row["unit_printed"] = row["unit_note"] = None
        row["budget_wan"] = row["final_wan"] = 4.0
    assert one_outcome(report(text_datasets, HONGSHAN, budget_execution=rows[:1]), "NX.project_unit").outcome == "pass"


def test_every_narrative_rule_is_tested():
    here = open(__file__, encoding="utf-8").read()
    for r in RULES.values():
        if r.family in ("narrative-vs-table", "within-narrative"):
            assert f'"{r.id}"' in here, r.id
