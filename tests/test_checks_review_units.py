"""The reviewer's judgements on single statements built by hand (no report, no text), and the records
between the stages: a check result's enums and the caveats run_checks adds to a failure."""

from __future__ import annotations

import pytest

from helpers.checks import review
from helpers.checks.rules import RULES, Outcome, Result, Severity
from helpers.checks.run import _caveat, _Doubts
from helpers.narrative import statements as st


def at(q: str = "…", reassociated: bool = False) -> st.Where:
    return st.Where(q, "narrative line 7", reassociated)


def test_outturn_against_budget_words():
    assert review._budget_words(st.BudgetWords("大于", 10.0, 12.0, "10.00", "12.00", at())).outcome == "pass"
    res = review._budget_words(st.BudgetWords("大于", 105.0, 50.11, "105.00", "50.11", at()))
    assert res.outcome == "fail" and "50.11 is smaller than 105.00" in res.message
    assert (res.expected, res.found) == (105.0, 50.11)
    # 等于 within the tolerance
    assert review._budget_words(st.BudgetWords("等于", 10.0, 10.0, "10", "10", at())).outcome == "pass"


def test_a_failure_in_a_reassociated_paragraph_is_uncertain():
    res = review._budget_words(st.BudgetWords("小于", 1.0, 2.0, "1.00", "2.00", at(reassociated=True)))
    assert res.outcome == "uncertain" and res.severity == "warning" and "put back into the words by us" in res.message


def test_change_words_go_the_same_way():
    ok = review._change_words(st.ChangeWords("减少", "19.66", "下降", "86.61", at()))
    assert ok.outcome == "pass" and ok.found == -86.61
    bad = review._change_words(st.ChangeWords("增加", "5.00", "下降", "10.00", at()))
    assert bad.outcome == "fail" and (bad.expected, bad.found) == (10.0, -10.0)


def test_unchanged_beside_a_change_or_a_level_reached_by_one():
    level = st.StatedChange("减少", "0.00", "万元", reached=True)
    res = review._unchanged(st.Unchanged((level,), at("减少为0.00万元，与2023年持平")))
    assert res.outcome == "fail" and "减少为 0.00 (a level reached by a change)" in res.message
    zero = st.StatedChange("增加", "0.00", "万元", reached=False)  # a change of nothing is no change
    assert review._unchanged(st.Unchanged((zero,), at())).outcome == "pass"


@pytest.mark.parametrize(
    "kind, printed, prior, outcome",
    [
        (st.YearKind.CUT, "202", False, "fail"),
        (st.YearKind.TITLE, "2024", False, None),
        (st.YearKind.TITLE, "2023", True, None),
        (st.YearKind.TITLE, "2023", False, "fail"),
        (st.YearKind.COMPARISON, "2023", False, None),
        (st.YearKind.COMPARISON, "2022", False, "fail"),
        (st.YearKind.YEAR_END, "2024", False, None),
        (st.YearKind.VEHICLES, "2023", False, "fail"),
    ],
)
def test_years_against_fiscal_year_2024(kind, printed, prior, outcome):
    res = review._year_result(st.YearMention(kind, printed, at(), prior), 2024)
    assert (res.outcome if res else None) == outcome


def test_reception_counts_judged():
    c = st.ReceptionCount
    assert review._reception_counts([c(2, 24, False, "2 批次、24 人次")], 3.0).outcome == "pass"
    zero = review._reception_counts([c(0, 0, False, "0 批次、0 人次")], 3.0)
    assert zero.outcome == "fail" and "the money and the count disagree" in zero.message
    assert review._reception_counts([c(0, 0, False, "q"), c(1, 3, True, "q")], 3.0).outcome == "pass"
    assert "without their 人次" in review._reception_counts([c(3, None, False, "3 批次")], 3.0).message
    assert "only 外宾" in review._reception_counts([c(1, 3, True, "外宾 1 批次")], 3.0).message
    assert "states no count" in review._reception_counts([], 3.0).message


def test_a_check_result_holds_enums_and_refuses_unknown_words():
    r = Result("fail", "x", severity="warning")
    assert r.outcome is Outcome.FAIL and r.outcome == "fail" and r.severity is Severity.WARNING
    with pytest.raises(ValueError, match="unknown outcome"):
        Result("failed", "x")
    with pytest.raises(ValueError, match="unknown severity"):
        Result("fail", "x", severity="fatal")


def test_caveats_of_a_failure():
    rule = RULES["NX.totals"]
    fail = Result("fail", "T5 合计 differs", 1.0, 2.0, "narrative line 3; T5 line 40")
    doubtful = _caveat(fail, rule, _Doubts(["T5"], [], []))
    assert doubtful.outcome == "uncertain" and "reading of T5 is doubtful" in doubtful.message
    assert "read by OCR" in _caveat(fail, rule, _Doubts([], ["T5"], [])).message
    assert "could not identify (X1)" in _caveat(fail, rule, _Doubts([], [], ["X1"])).message
    # a finding on the printed text itself is not made doubtful by the table's reading
    text = Result("fail", "m", 1.0, 2.0, "T5 line 40", from_text=True)
    assert _caveat(text, rule, _Doubts(["T5"], [], [])).outcome == "fail"
    assert _caveat(Result("pass", "m", source_ref="T5 line 4"), rule, _Doubts(["T5"], [], [])).outcome == "pass"
