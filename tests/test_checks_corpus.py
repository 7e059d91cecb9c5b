"""The checks on the whole shipped corpus: no error-severity failure except the real errors listed
here, each confirmed by reading the page; the quality summary; the generated rule document."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from helpers.checks import RULES, quality_summary
from helpers.core.paths import REPO_ROOT

HONGSHAN, HANYANG, JIANGHAN, QINGSHAN, QIAOKOU = (
    "000_5ae2df98b6bbde0e",
    "001_87de7c93fc8d4773",
    "002_e2b9b740b0f725e0",
    "003_80cf7104083c8073",
    "004_f973782ff0beb528",
)
PUTUO_CZJ = "上海市普陀区财政局2024年度部门决算"
YICHUAN = "上海市普陀区人民政府宜川路街道办事处2025年度部门决算"
WENLV = "上海市普陀区文化和旅游局2025年度部门决算"
SGB = "中共上海市普陀区委社会工作部_2024_年度部门决算"

# (report, rule, printed value) -> what the page says
CONFIRMED_ERRORS = {
    (
        HONGSHAN,
        "T7.vehicle_subtotal",
        35.20,
    ): "表7 line 369 预算数: 公务用车购置及运行费 小计 35.20, but 购置 48.55 + 运行 35.20 = 83.75",
    (
        HONGSHAN,
        "N.rate_completion",
        352.78,
    ): "line 559: 项目全年预算数 1194.15, 执行数 1194.15, 完成预算的 352.78% (100%)",
    (HONGSHAN, "N.rate_completion", 91.10): "line 832: 调整后预算 3,061.94, 决算数 3,061.94, 预算执行率为 91.1% (100%)",
    (HONGSHAN, "N.rate_change", 166.49): "line 519: 三公 增加 45.12, 增长 166.49%; 72.50 − 45.12 = 27.38 gives 164.79%",
    (
        HANYANG,
        "N.rate_change",
        -50.00,
    ): "lines 337, 343: 三公 / 公务用车 0.45, 较上年减少 1.1 万元, 下降 50% (prior 1.55: 70.97%)",
    (JIANGHAN, "N.rate_completion", 100.00): "line 431: 3927.98 → 4,199.36, 完成年初预算的100% (106.9%)",
    (JIANGHAN, "N.rate_change", 0.06): "line 475: 三公 6.07, 较上年增加 0.66, 增长 0.06% (prior 5.41: 12.2%)",
    (JIANGHAN, "N.rate_change", 0.08): "line 481: 公务用车 5.7, 较上年增加 0.44, 增长 0.08% (prior 5.26: 8.37%)",
    (
        JIANGHAN,
        "N.rate_change",
        59.00,
    ): "line 487-489: 公务接待 0.37, 增加 0.22, 增长 59% = 0.22/0.37 (prior 0.15: 146.7%)",
    (
        JIANGHAN,
        "N.rate_change",
        31.16,
    ): "line 495: 机关运行经费 89.82, 增加 27.99, 增长 31.16% = 27.99/89.82 (prior 61.83: 45.27%)",
    (QIAOKOU, "N.rate_completion", 100.00): "line 1310-1312: 399.47 → 1,407.71, 完成年初预算的100.0% (352.4%)",
    (
        QIAOKOU,
        "NX.class_amount",
        1407.71,
    ): "line 1312: 支出决算为1,407.71 where 表5 line 810 prints 1,407.17 (digits transposed)",
    (PUTUO_CZJ, "NX.totals", 0.30): "page 21: 财政拨款收入支出总计 0.3 万元 where 表4 总计 is 2,961.68",
    (
        PUTUO_CZJ,
        "N.rate_share",
        71.73,
    ): "page 21: 一般公共服务支出 2106.66 万元，占 71.73% of 2940.05 (71.65%; the shares add to 100.07%)",
    (
        YICHUAN,
        "T6.class_sum",
        1844.57,
    ): "line 477: 302 商品和服务支出 1,844.57, but its 款 lines add to 3,689.14 (30299 on line 515 "
    "repeats 1,844.57, the class total)",
    (YICHUAN, "N.rate_change", -4.35): "lines 587-588: 一般公共预算财政拨款支出 20218.21, 减少 929.49 万元，下降 4.35% "
    "(prior 21,147.70: 4.40%)",
    # the reviewer's rules (checks/review.py); a finding with no figure is keyed by its place
    (
        HANYANG,
        "R.years",
        2022.00,
    ): "line 357: 2024 年度 … 机关运行经费支出 44.21 万元，比 2022 年度减少 13.12 万元 (the year "
    "before 2024 is 2023; line 269 compares with 2023)",
    (
        HANYANG,
        "R.placeholders",
        "narrative line 269",
    ): "line 269: 一般公共预算财政拨款收入万元 — label and unit, the figure left out",
    (
        QINGSHAN,
        "R.placeholders",
        "line 587",
    ): "line 587: 年度目标 1：（XX分） — the template's score placeholder left in",
    (
        YICHUAN,
        "R.restated",
        269.85,
    ): "lines 659-662: 职业年金缴费支出（项）269.85 万元 … 支出决算为 269.86 万元 (T5 2080506: 269.86)",
    (
        YICHUAN,
        "R.restated",
        135.00,
    ): "lines 780-782: 政府性基金 其他住房保障支出（项）135.00 万元 … 支出决算为 135.00, where 表8 "
    "line 556 prints 105.00 (and line 778 the narrative's own income 105.00)",
}
EXPECTED_COUNTS = Counter({k: 1 for k in CONFIRMED_ERRORS})
EXPECTED_COUNTS[(HANYANG, "N.rate_change", -50.00)] = 2
# A last-digit truncation is information, not a warning (rules.TRUNCATION_SEVERITY): line 410's
# 财政拨款收、支总计 4,199.3 万元 (表4: 4,199.36, cut not rounded) fails NX.totals at severity info.
CONFIRMED_INFO = {(JIANGHAN, "NX.totals", 4199.30)}
CONFIRMED_WARNINGS = {
    (
        HONGSHAN,
        "NX.project_unit",
        11941534.64,
    ): "lines 761-788: project table headed 万元 printing 元 (合计 11,941,534.64)",
    (JIANGHAN, "NX.project_unit", 31449330.05): "lines 779-964: 绩效自评表 预算执行情况（万元） printing 690000 … (元)",
    (YICHUAN, "R.share_percent", 76.23): "line 597: 城乡社区支出(类)15411.43 万元，占 76.23; — the % left out",
    (
        YICHUAN,
        "R.growth_from_zero",
        100.00,
    ): "lines 759-762: 公务接待费支出决算增加 0.3 万元，增长 100% (this year 0.3: prior 0)",
    (WENLV, "R.growth_from_zero", 100.00): "lines 585-589: 公务接待费 增加 0.40, 增长 100% (this year 0.40: prior 0)",
    (
        SGB,
        "R.growth_from_zero",
        100.00,
    ): "pages 17, 18, 21: 收入支出总计 / 财政拨款收入支出总计 / 一般公共预算财政拨款支出 增加 307.82, "
    "机关运行经费 增加 10.23, each 增长 100.00% (the unit was set up in 2024: prior 0)",
}


@pytest.fixture(scope="module")
def corpus_checks(corpus_files):
    from helpers.run.pipeline import extract_many

    datasets, _ = extract_many(corpus_files)
    return datasets


def _key(r):
    if r.found is None or pd.isna(r.found):  # a finding with no figure (a placeholder): its place
        return (r.report_id, r.rule_id, r.source_ref)
    return (r.report_id, r.rule_id, round(float(r.found), 2))


def test_no_error_failures_but_the_confirmed_ones(corpus_checks):
    c = corpus_checks["checks"]
    errors = c[(c.outcome == "fail") & (c.severity == "error")]
    found = Counter(_key(r) for r in errors.itertuples(index=False))
    unexpected = {k: v for k, v in found.items() if k not in EXPECTED_COUNTS}
    missing = {k: EXPECTED_COUNTS[k] for k in EXPECTED_COUNTS if found.get(k, 0) != EXPECTED_COUNTS[k]}
    assert not unexpected, f"false alarms or unconfirmed failures: {unexpected}"
    assert not missing, f"confirmed real errors not reported: {missing}"


def test_warnings_are_the_confirmed_ones(corpus_checks):
    c = corpus_checks["checks"]
    warn = c[(c.outcome == "fail") & (c.severity == "warning")]
    assert {_key(r) for r in warn.itertuples(index=False)} == set(CONFIRMED_WARNINGS)
    info = c[(c.outcome == "fail") & (c.severity == "info")]
    assert {_key(r) for r in info.itertuples(index=False)} == CONFIRMED_INFO


def test_every_failure_names_both_numbers_and_both_places(corpus_checks):
    c = corpus_checks["checks"]
    fails = c[(c.outcome == "fail") & ~c.rule_id.isin(["R.placeholders", "R.disclosures"])]  # nothing printed to name
    assert fails.expected.notna().all() and fails.found.notna().all()
    cross = fails[fails.rule_id.str.startswith(("X.", "NX."))]
    assert cross.source_ref.str.contains(";").all()


def test_every_rule_runs_on_every_report(corpus_checks):
    c = corpus_checks["checks"]
    n = corpus_checks["reports"].query("status != 'failed'").report_id.nunique()
    per_rule = c.groupby("rule_id").report_id.nunique()
    assert set(per_rule.index) == set(RULES) and (per_rule == n).all()


def test_every_rule_passes_somewhere_on_the_corpus(corpus_checks):
    c = corpus_checks["checks"]
    passed = set(c[c.outcome == "pass"].rule_id)
    assert set(RULES) - passed == {"T6.basic_total"}  # no corpus T6 prints an overall 合计 (tested on an added row)


def test_rounding_passes_are_info(corpus_checks):
    c = corpus_checks["checks"]
    r = c[c.message.str.startswith("rounding")]
    assert len(r) and set(r.outcome) == {"pass"} and set(r.severity) == {"info"}


def test_quality_summary(corpus_checks):
    s = quality_summary(corpus_checks["checks"])
    assert set(s.report_id) == set(corpus_checks["checks"].report_id)
    row = s.set_index("report_id").loc[JIANGHAN]
    assert row.failed_error == 5 and row.failed_warning == 1  # the five listed in CONFIRMED for Jianghan
    assert row.failed == 7 and "NX.totals" not in row.rules_failed  # the truncation (info) counts, implicates none
    assert row.checks_run == row.passed + row.failed
    assert "N.rate_completion: 100.00 (expected 106.91)" in row.implicated
    clean = s[s.failed == 0]
    assert set(clean.report_id) >= {"西南大学2023年度部门决算"}
    assert s.set_index("report_id").loc[QINGSHAN].failed == 1  # only its template placeholder （XX分）


def test_checks_doc_lists_every_rule_and_failure():
    doc = (REPO_ROOT / "docs" / "CHECKS.md").read_text(encoding="utf-8")
    for rid, r in RULES.items():
        assert f"### `{rid}`" in doc and r.statement in doc, rid
    assert "83.75" in doc and "106.91" in doc


def test_extract_report_carries_checks():
    from helpers.core.paths import DATA_RAW
    from helpers.data.extract import extract_report

    out = extract_report(DATA_RAW / "002_e2b9b740b0f725e0.txt")
    assert len(out["checks"]) and set(out["checks"].report_id) == {JIANGHAN}
