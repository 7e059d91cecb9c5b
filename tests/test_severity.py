"""Severity calibrated (issue 20, Build item 2): a figure cut in its last digit instead of rounded is
information wherever a rule recognises it, never an error that lowers a report's verdict.

On the shipped corpus: 江汉 2022 line 410 prints 财政拨款收、支总计 4,199.3 万元 where 表4 prints 4,199.36. And
one rate planted into a copy of 洪山 2021: line 463 prints 年初预算为 2514.68 万元，支出决算为 3061.55 万元，
完成年初预算的 121.75% (3061.55 ÷ 2514.68 = 121.7471%); the copy prints 121.74%, the same rate cut, which
the printed amounts' rounding does not allow (121.7466%–121.7476%)."""

from __future__ import annotations

import shutil

import pytest

from helpers.data.extract import extract_report
from helpers.publish.index_page import verdict

from .conftest import HONGSHAN, JIANGHAN

LINE = 463


@pytest.fixture(scope="module")
def hongshan(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cut")
    clean, cut = tmp / "clean" / HONGSHAN.name, tmp / "cut" / HONGSHAN.name
    clean.parent.mkdir()
    cut.parent.mkdir()
    shutil.copyfile(HONGSHAN, clean)
    lines = HONGSHAN.read_text(encoding="utf-8").split("\n")
    assert lines[LINE - 1].count("完成年初预算的 121.75%") == 1, lines[LINE - 1]
    lines[LINE - 1] = lines[LINE - 1].replace("121.75%", "121.74%")
    cut.write_text("\n".join(lines), encoding="utf-8")
    return extract_report(clean), extract_report(cut)


def _at_line(checks, rule):
    hit = checks[(checks.rule_id == rule) & checks.source_ref.fillna("").str.contains(f"line {LINE}\\b")]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_a_rate_cut_in_its_last_digit_is_information_in_every_rule(hongshan):
    clean, cut = hongshan
    assert _at_line(clean["checks"], "N.rate_completion").outcome == "pass"
    rc = _at_line(cut["checks"], "N.rate_completion")
    assert (rc.outcome, rc.severity) == ("fail", "info") and "cut to 2 decimals instead of rounded" in rc.message
    rt = _at_line(cut["checks"], "R.rate_truncated")
    assert (rt.outcome, rt.severity) == ("fail", "info") and rt.found == 121.74
    # one case, one severity: every failure that says a figure was cut is information
    fails = cut["checks"][cut["checks"].outcome == "fail"]
    assert set(fails[fails.message.str.contains("cut")].severity) == {"info"}


def test_a_cut_rate_does_not_change_the_verdict(hongshan):
    clean, cut = hongshan
    qc, qd = clean["quality"].iloc[0], cut["quality"].iloc[0]
    assert qd.failed_error == qc.failed_error and qd.failed_warning == qc.failed_warning
    vc, vd = verdict(clean["reports"].iloc[0], qc), verdict(cut["reports"].iloc[0], qd)
    assert (vd.verdict, vd.reason) == (vc.verdict, vc.reason)


def test_a_total_cut_to_one_decimal_is_information_on_the_shipped_corpus(text_datasets):
    ch = text_datasets["checks"]
    hit = ch[(ch.report_id == JIANGHAN.stem) & (ch.rule_id == "NX.totals") & (ch.outcome == "fail")]
    hit = hit[hit.source_ref.str.contains("narrative line 410")]
    assert len(hit) == 1 and hit.iloc[0].found == 4199.3 and hit.iloc[0].expected == 4199.36
    assert hit.iloc[0].severity == "info"
