"""The index's verdict decides for every figure, range and count of the studies (issue 20, finding 1).

On the shipped corpus: 青山 2020 is `do not use` on the index (its tables were lost in conversion), yet
its narrative's 人员经费 1,383.64 and 公用经费 82.44 万元 (lines 377, 391: 94.4%) set the top of the 人员经费
range, its 精准扶贫经费 370 万元 project (line 993) counted among the reports stating 21305 money and as the
only one before the rename, and its 三公 23.98 of 23.5 万元 (line 419: 102.04%) the top of the 三公 range.
宜川路 2025's T6 302 商品和服务支出 1,844.57 (line 477) is the figure T6.class_sum rejects."""

from __future__ import annotations

import pytest

from helpers.data.load import load
from helpers.publish import text
from helpers.publish.index_page import CARE, DO_NOT_USE, verdict
from helpers.studies import composition as comp
from helpers.studies import execution as ex
from helpers.studies import poverty as pov
from helpers.studies import quality

QINGSHAN = "003_80cf7104083c8073"
YICHUAN = "上海市普陀区人民政府宜川路街道办事处2025年度部门决算"


@pytest.fixture(scope="module")
def corpus(processed_raw):
    return load(processed_raw)


@pytest.fixture(scope="module")
def findings(corpus):
    with text.using("en"):  # the English edition's sentences, which these tests read
        return {
            "composition": comp.key_findings(corpus),
            "poverty": pov.key_findings(corpus),
            "execution": ex.key_findings(corpus),
        }


def test_the_studies_use_the_index_verdicts(corpus):
    v = quality.verdicts(corpus).set_index("report_id")
    q = corpus.quality.set_index("report_id")
    for _, rep in corpus.reports.iterrows():
        want = verdict(rep, q.loc[rep.report_id] if rep.report_id in q.index else None)
        assert (v.verdict[rep.report_id], v.reason[rep.report_id]) == (want.verdict, want.reason)
    assert v.verdict[QINGSHAN] == DO_NOT_USE and quality.do_not_use(corpus) == {QINGSHAN: v.reason[QINGSHAN]}
    cmp = quality.comparable(corpus)
    for ds, df in cmp.frames.items():
        assert QINGSHAN not in set(df.report_id), ds
    assert quality.comparable(cmp) is cmp


def test_a_do_not_use_report_sets_no_range_and_no_count(corpus, findings):
    label = corpus.label(QINGSHAN)
    # its own figures are still read (its report page shows them, marked) …
    pp = comp.personnel_public(corpus).set_index("report_id")
    assert pp.personnel_share_pct[QINGSHAN] == pytest.approx(1383.64 / (1383.64 + 82.44) * 100, abs=0.05)
    tp = ex.three_public(corpus.only(QINGSHAN))
    assert (tp[tp.item == "total"].rate.round(2) == 102.04).any()
    sr = pov.series_by_report(corpus)
    assert sr[sr.report_id == QINGSHAN].amount_wan.tolist() == [370.0]
    # … but no study's figure, range or count rests on it
    personnel = next(s for s in findings["composition"] if s.startswith("Personnel costs"))
    assert "94.4%" not in personnel and label not in personnel
    stating = findings["poverty"][0]
    assert stating.startswith("3 reports state 21305 money") and label not in stating and "370.00" not in stating
    assert findings["poverty"][1].startswith("Before the 2021 rename (扶贫) 0 report(s), from 2021")
    three = next(s for s in findings["execution"] if s.startswith("三公经费"))
    assert "102.0%" not in three and "to 86.6%" in three  # 江汉 etc.; 青山's 102.04% is out
    assert findings["composition"][0].startswith("The 9 reports compared")
    # said once, with the index's reason, at the end of each study's findings
    for name, sentences in findings.items():
        assert sentences[-1].startswith("Left out of every figure, range and count: 1 report"), name
        assert label in sentences[-1] and "none of the template's 9 tables was read" in sentences[-1]
        assert sum(label in s for s in sentences) == 1, name


def test_each_headline_number_has_its_sensitivity_line(corpus, findings):
    care = quality.with_care(corpus)
    assert len(care) == 8 and quality.verdicts(corpus).verdict.value_counts()[CARE] == 8
    headlines = {
        "composition": ("The largest function class", "Project money", "Personnel costs"),
        "poverty": ("3 reports state", "Before the 2021 rename"),
        "execution": ("Overall completion", "Of ", "三公经费", "32 statements stand out"),
    }
    for name, starts in headlines.items():
        for start in starts:
            s = next((x for x in findings[name] if x.startswith(start)), None)
            assert s is not None, (name, start, findings[name])
            assert "“use with care” report" in s or "No “use with care” report among them" in s, s
    # 西南大学 2023, the one `usable` report with tables, is what remains of the composition figures
    project = next(s for s in findings["composition"] if s.startswith("Project money"))
    assert "Without the 8 “use with care” reports among them: 1 report remains" in project
    assert "in 5 of 9 reports" in project


def test_a_value_a_failing_check_names_is_flagged_in_composition_as_elsewhere(corpus, findings):
    eco = comp.economic_classes(corpus)
    row = eco[(eco.report_id == YICHUAN) & (eco.code == "302")].iloc[0]
    assert row.amount_wan == 1844.57 and bool(row.doubtful)  # T6.class_sum rejects it
    assert not eco[(eco.report_id == YICHUAN) & (eco.code == "301")].doubtful.iloc[0]
    pp = comp.personnel_public(corpus).set_index("report_id")
    assert bool(pp.doubtful[YICHUAN]) and not pp.doubtful.drop([YICHUAN]).any()
    personnel = next(s for s in findings["composition"] if s.startswith("Personnel costs"))
    assert f"({corpus.label(YICHUAN)} left out: a failing or uncertain check prints a figure it rests on)" in personnel
    assert "in 7 reports" in personnel


@pytest.mark.usefixtures("english")
def test_a_21305_amount_a_failing_check_names_is_flagged_in_the_poverty_study(corpus):
    """As in composition and execution: made up for the test, a failing check printing 江汉 2022's
    21305 巩固脱贫衔接乡村振兴 2,907.92 (表2 line 155)."""
    import pandas as pd

    from helpers.data.load import Corpus

    jianghan = "002_e2b9b740b0f725e0"
    fake = corpus.checks.iloc[:1].copy()
    fake.loc[:, ["report_id", "rule_id", "outcome", "severity", "message", "expected", "found", "source_ref"]] = [
        jianghan,
        "T2.class_sum",
        "fail",
        "error",
        "made up for the test",
        2900.0,
        2907.92,
        "T2 line 155",
    ]
    frames = dict(corpus.frames, checks=pd.concat([corpus.checks, fake], ignore_index=True))
    bad = Corpus(folder=corpus.folder, frames=frames)
    assert pov.series_by_report(corpus).set_index("report_id").flag[jianghan] == ""
    assert pov.series_by_report(bad).set_index("report_id").flag[jianghan] == quality.FLAG_FAIL
    assert "2,907.92 万元 (failed check: not a finding)" in pov.key_findings(bad)[0]


def test_a_headline_resting_mostly_on_use_with_care_reports_says_so(corpus, findings):
    """8 of the 9 compared reports are `use with care`: the line without them names the one left (西南大学 2023)
    and says that it describes that report, not the corpus."""
    for start in ("The largest function class", "Project money"):
        s = next(x for x in findings["composition"] if x.startswith(start))
        assert s.endswith(
            "The headline rests mostly on reports to be used with care (8 of them); without them only 1 report "
            "remains (西南大学 2023), which describes that report, not the corpus."
        ), s
    with text.using("en"):
        bp = comp.with_pass_through(comp.basic_project(quality.comparable(corpus)), corpus)
        line = comp.sensitivity_line(quality.comparable(corpus), "project", bp[~bp.doubtful.astype(bool)])
    assert (
        line.startswith("Without the 8 “use with care” reports among them: 1 report remains")
        and "(西南大学 2023)" in line
    )
