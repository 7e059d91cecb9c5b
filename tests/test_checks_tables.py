"""Table and cross-table rules: a passing case from the raw files, the report's own error where the
corpus has one, and a deliberately altered copy of a real table on which the rule must fail."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.checks import RULES, run_checks

HONGSHAN, HANYANG, JIANGHAN, QIAOKOU = (
    "000_5ae2df98b6bbde0e",
    "001_87de7c93fc8d4773",
    "002_e2b9b740b0f725e0",
    "004_f973782ff0beb528",
)


def one(datasets, rid):
    return {k: v[v.report_id == rid].copy() for k, v in datasets.items()}


def altered(datasets, rid, table, measure, new, *, code=None, label=None, ref=None, side=None):
    """A copy of one report's datasets with one printed cell changed (as if the page printed `new`)."""
    ds = one(datasets, rid)
    li = ds["line_items"]
    m = (li.table == table) & (li.measure == measure)
    if code is not None:
        m &= li.code == code
    if label is not None:
        m &= li.row_label.astype(str).str.replace(" ", "") == label
    if ref is not None:
        m &= li.source_ref == ref
    if side is not None:
        m &= li.side == side
    assert m.sum() == 1, f"{table} {measure} {code or label}: {m.sum()} cells match"
    li.loc[m, "amount_wan"] = new
    ds["line_items"] = li
    return ds


def outcomes(ds, rule_id):
    c = run_checks(ds)
    return c[c.rule_id == rule_id]


# rule -> (report, cell to alter, new value). Each alteration is a plausible misprint of a real cell.
ALTERATIONS = {
    "T1.income_lines": (JIANGHAN, dict(table="T1", measure="final", label="一、一般公共预算财政拨款收入"), 4199.63),
    "T1.expenditure_lines": (JIANGHAN, dict(table="T1", measure="final", code="213"), 2970.92),
    "T1.income_total": (JIANGHAN, dict(table="T1", measure="final", label="总计", side="income"), 4193.36),
    "T1.expenditure_total": (JIANGHAN, dict(table="T1", measure="final", label="总计", side="expenditure"), 4193.36),
    "T1.balance": (QIAOKOU, dict(table="T1", measure="final", label="总计", side="expenditure"), 1586.88),
    "T2.row_sum": (JIANGHAN, dict(table="T2", measure="fiscal", code="201"), 976.19),
    "T2.total_sum": (JIANGHAN, dict(table="T2", measure="total", label="合计"), 4919.36),
    "T2.class_sum": (JIANGHAN, dict(table="T2", measure="total", code="208"), 121.17),
    "T2.kuan_sum": (HONGSHAN, dict(table="T2", measure="total", code="20805"), 98.23),
    "T3.row_sum": (JIANGHAN, dict(table="T3", measure="basic", code="2010302"), 33.53),
    "T3.total_sum": (HONGSHAN, dict(table="T3", measure="project", label="合计"), 1149.16),
    "T3.class_sum": (HONGSHAN, dict(table="T3", measure="basic", code="201"), 1435.87),
    "T3.kuan_sum": (JIANGHAN, dict(table="T3", measure="total", code="20103"), 967.10),
    "T5.row_sum": (HONGSHAN, dict(table="T5", measure="project", code="201"), 403.68),
    "T5.total_sum": (HANYANG, dict(table="T5", measure="total", label="合计"), 2895.97),
    # 201 prints all three columns (line 810: 1,407.17 335.64 1,071.53): read by position, so a failure is the report's
    "T5.class_sum": (QIAOKOU, dict(table="T5", measure="total", code="201"), 1417.17),
    "T5.kuan_sum": (HONGSHAN, dict(table="T5", measure="total", code="21011"), 68.34),
    "T4.row_sum": (HANYANG, dict(table="T4", measure="general_budget", code="221"), 87.60),
    "T4.income_total": (JIANGHAN, dict(table="T4", measure="final", label="本年收入合计", side="income"), 4199.63),
    "T4.expenditure_total": (JIANGHAN, dict(table="T4", measure="total", code="210"), 72.96),
    "T4.balance": (HANYANG, dict(table="T4", measure="final", label="总计", side="income"), 2589.97),
    "T6.personnel": (HANYANG, dict(table="T6", measure="final", code="303"), 16.33),
    "T6.public": (JIANGHAN, dict(table="T6", measure="final", code="310"), 28.5),
    "T6.class_sum": (HANYANG, dict(table="T6", measure="final", code="30113"), 78.44),
    "T7.total": (JIANGHAN, dict(table="T7", measure="final_reception"), 0.73),
    "T7.vehicle_subtotal": (JIANGHAN, dict(table="T7", measure="final_vehicle_operation"), 7.50),
    "X.T1_income_eq_T2": (JIANGHAN, dict(table="T2", measure="total", label="合计"), 4199.63),
    # Jianghan's T3 is a tab grid (line 177: 合计 4,199.36): a one-cell-per-line 合计 is placed by arithmetic
    "X.T1_expenditure_eq_T3": (JIANGHAN, dict(table="T3", measure="total", label="合计"), 4299.36),
    "X.T4_general_eq_T5": (JIANGHAN, dict(table="T5", measure="total", label="合计"), 4919.36),
    "X.T5_basic_eq_T6": (HANYANG, dict(table="T6", measure="final", label="人员经费合计"), 905.72),
    "X.T5_class_eq_T4": (JIANGHAN, dict(table="T4", measure="general_budget", code="221"), 125.14),
}
TABLE_RULES = [r for r in RULES.values() if r.family in ("within-table", "across-tables")]


def test_every_table_rule_has_an_alteration():
    # T6.basic_total is tested on its own below; the U4 rules on the university report (test_unseen_layouts.py)
    assert {r.id for r in TABLE_RULES} - set(ALTERATIONS) == {
        "T6.basic_total",
        "U4.total_sum",
        "U4.class_sum",
        "U4.kuan_sum",
    }


@pytest.mark.parametrize("rule_id", sorted(ALTERATIONS))
def test_passes_on_the_real_table(text_datasets, rule_id):
    rid = ALTERATIONS[rule_id][0]
    res = outcomes(one(text_datasets, rid), rule_id)
    assert len(res) and (res.outcome == "pass").any(), res.message.tolist()
    assert not (res.outcome == "fail").any(), res[res.outcome == "fail"].message.tolist()
    assert (res[res.outcome == "pass"].severity == "info").all()


@pytest.mark.parametrize("rule_id", sorted(ALTERATIONS))
def test_fails_on_an_altered_copy(text_datasets, rule_id):
    rid, where, new = ALTERATIONS[rule_id]
    res = outcomes(altered(text_datasets, rid, new=new, **where), rule_id)
    fails = res[res.outcome == "fail"]
    assert len(fails), res[["outcome", "message"]].to_string()
    f = fails.iloc[0]
    assert f.severity == RULES[rule_id].severity
    assert pd.notna(f.expected) and pd.notna(f.found) and abs(f.expected - f.found) > 0.015
    assert (
        new in (round(f.found, 2),)
        or new in [round(x, 2) for x in fails.expected]
        or any(f"{new:,.2f}" in m for m in fails.message)
    ), fails.message.tolist()
    assert f.source_ref and f.source_ref.startswith("T") and "line" in f.source_ref


def test_hongshan_t7_vehicle_subtotal_is_the_reports_own_error(text_datasets):
    """表7 预算数: 公务用车购置及运行费 小计 35.20 while 购置 48.55 + 运行 35.20 = 83.75 (line 369)."""
    res = outcomes(one(text_datasets, HONGSHAN), "T7.vehicle_subtotal")
    fail = res[res.outcome == "fail"]
    assert len(fail) == 1
    assert fail.iloc[0].expected == pytest.approx(83.75) and fail.iloc[0].found == pytest.approx(35.20)
    assert fail.iloc[0].source_ref == "T7 line 369" and "预算数" in fail.iloc[0].message
    # the 合计 uses 购置 + 运行 (not the wrong 小计), so it holds: 83.75 = 0 + 48.55 + 35.20 + 0
    tot = outcomes(one(text_datasets, HONGSHAN), "T7.total")
    assert set(tot.outcome) == {"pass"}
    # the outturn columns are right: 72.13 = 48.55 + 23.58
    assert (res.outcome == "pass").sum() == 1


def test_rounding_is_info_never_error(text_datasets):
    """Hongshan T4: income 总计 3,061.55 against expenditure 总计 3,061.56 (line 258) is rounding."""
    res = outcomes(one(text_datasets, HONGSHAN), "T4.balance")
    r = res.iloc[0]
    assert r.outcome == "pass" and r.severity == "info" and r.message.startswith("rounding")
    assert r.expected == pytest.approx(3061.55) and r.found == pytest.approx(3061.56)


def test_just_outside_the_envelope_fails(text_datasets):
    ds = altered(text_datasets, HONGSHAN, "T4", "total", 3061.57, label="总计", side="expenditure")
    r = outcomes(ds, "T4.balance").iloc[0]
    assert r.outcome == "fail" and r.severity == "error"


def test_blank_part_is_not_zero_unless_the_sum_shows_it(text_datasets):
    # Jianghan T7 决算数: 出国 and 购置 blank; 6.07 = 5.70 + 0.37 shows they are 0
    res = outcomes(one(text_datasets, JIANGHAN), "T7.total")
    assert set(res.outcome) == {"pass"} and "shown to be 0" in res.iloc[1].message
    # with 接待 blanked, the blanks could hold the 0.37: insufficient, not fail
    ds = altered(text_datasets, JIANGHAN, "T7", "final_reception", None)
    res = outcomes(ds, "T7.total")
    assert "insufficient_data" in set(res.outcome) and "fail" not in set(res.outcome)


def test_missing_table_is_insufficient_data(text_datasets):
    res = outcomes(one(text_datasets, HONGSHAN), "X.T1_income_eq_T2")  # Hongshan lost 表1
    assert list(res.outcome) == ["insufficient_data"] and "T1" in res.iloc[0].message


def test_empty_table_is_not_applicable(text_datasets):
    ds = one(text_datasets, JIANGHAN)
    ds["line_items"] = ds["line_items"][ds["line_items"].table != "T7"]
    rep = ds["reports"].copy()
    rep["tables_empty"] = [["T7"]]
    ds["reports"] = rep
    assert list(outcomes(ds, "T7.total").outcome) == ["not_applicable"]


def test_t6_basic_total_when_printed(text_datasets):
    """Hongshan T6 prints no overall 合计: not_applicable. With one added (1,867.39, the 基本支出
    the report prints elsewhere) it passes; a misprinted one fails."""
    ds = one(text_datasets, HONGSHAN)
    assert list(outcomes(ds, "T6.basic_total").outcome) == ["not_applicable"]
    li = ds["line_items"]
    row = li[(li.table == "T6") & (li.row_label == "人员经费合计")].copy()
    row["row_label"], row["section"], row["row_order"] = "合计", None, 999
    for value, want in ((1867.39, "pass"), (1876.39, "fail")):
        r2 = row.copy()
        r2["amount_wan"] = value
        ds2 = dict(ds, line_items=pd.concat([li, r2], ignore_index=True))
        assert list(outcomes(ds2, "T6.basic_total").outcome) == [want]


def test_inferred_column_failure_is_not_blamed_on_the_report(text_datasets):
    """Qiaokou lost cell positions (one cell per line): a sum that fails only through a cell whose
    column was inferred is `uncertain` with a warning, never an error."""
    ds = one(text_datasets, QIAOKOU)
    li = ds["line_items"]
    m = (li.table == "T5") & (li.code == "208") & (li.measure == "basic")
    assert li.loc[m, "column_inferred"].iloc[0]
    li.loc[m, "amount_wan"] = 66.46
    res = outcomes(ds, "T5.row_sum")
    bad = res[res.message.str.contains("row 208 ")]
    assert list(bad.outcome) == ["uncertain"] and list(bad.severity) == ["warning"]
    assert "may be ours, not the report's" in bad.iloc[0].message


def test_function_and_economic_codes_never_meet(text_datasets):
    """T6's economic 301/302 must never be summed into function-class checks, nor the reverse."""
    c = run_checks(one(text_datasets, HONGSHAN))
    fn_rules = c[c.rule_id.str.match(r"^T[235]\.|^X\.T5_class")]
    assert not fn_rules.source_ref.fillna("").str.contains("T6").any()
    econ = c[c.rule_id.str.startswith("T6.")]
    assert not econ.source_ref.fillna("").str.contains(r"T[2345] ").any()
