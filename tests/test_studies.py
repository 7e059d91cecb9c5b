"""The studies' findings on the shipped corpus: one test per wrong finding of issue 10 (each would
have caught it), quality flags carried into the findings, and loud failures on missing data.
The corpus is extracted once into a temporary folder (data/processed untouched)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from helpers.core.paths import NOTEBOOKS
from helpers.data.load import NoProcessedData, load
from helpers.publish import text
from helpers.studies import composition as comp
from helpers.studies import execution as ex
from helpers.studies import poverty as pov
from helpers.studies import quality

HONGSHAN, HANYANG, JIANGHAN, QINGSHAN = (
    "000_5ae2df98b6bbde0e",
    "001_87de7c93fc8d4773",
    "002_e2b9b740b0f725e0",
    "003_80cf7104083c8073",
)


@pytest.fixture(scope="session")
def corpus(processed_raw):
    return load(processed_raw)


def _source(nb_name: str) -> str:
    nb = json.loads((NOTEBOOKS / f"{nb_name}.ipynb").read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"])


# --- 1. a project's total is not a transfer to its first-named recipient ------------------------


@pytest.mark.usefixtures("english")
def test_finding1_project_total_is_not_a_transfer_to_its_first_recipient(corpus):
    rc = pov.recipients(corpus)
    xuanen = rc[rc.recipient == "宣恩县"]
    assert len(xuanen) == 1 and xuanen.largest_wan.iloc[0] == pytest.approx(2200.0)
    assert not (rc.largest_wan.round(2) == 2907.92).any(), "Jianghan's whole project is not money to 宣恩县"
    un = pov.unattributed(corpus)
    assert ((un.name == "乡村振兴工作经费") & (un.amount_wan.round(2) == 2907.92)).any()
    text = " ".join(pov.key_findings(corpus))
    assert "2,200.00 万元 to 宣恩县" in text and "2,907.92 万元 to" not in text


# --- 2. a rate resting on a figure that fails its check is not a finding -------------------------


@pytest.mark.usefixtures("english")
def test_finding2_three_public_rate_on_a_failed_subtotal_is_flagged_not_found(corpus):
    tp = ex.three_public(corpus)
    row = tp[(tp.report_id == HONGSHAN) & (tp.item == "vehicle_total") & (tp.source == "table")].iloc[0]
    assert row.flag == quality.FLAG_FAIL and "T7.vehicle_subtotal" in row.flag_message
    assert row.rate_from_parts == pytest.approx(72.13 / 83.75 * 100, abs=0.01)  # 86.1%, not 204.9%
    one = ex.three_public_one_source(tp)
    items = ex.three_public_item_rates(one)
    vt = items[items.item == "vehicle_total"]
    assert len(vt) and vt.left_out.str.contains("洪山区").all()
    text = " ".join(ex.key_findings(corpus))
    assert "204.9% rests on a figure a consistency check rejects" in text and "86.1%" in text
    assert "over budget" not in text.split("204.9%")[0][-200:]


# --- 3. 三公 per item: one rate per report, per budget basis, nothing summed across reports ----------


def test_finding3_three_public_item_rates_are_per_report_and_per_basis(corpus):
    one = ex.three_public_one_source(ex.three_public(corpus))
    items = ex.three_public_item_rates(one)
    for r in items[items.reports > 0].itertuples():
        g = one[(one.item == r.item) & (one.flag == "") & (one.budget_basis == r.budget_basis)].dropna(subset=["rate"])
        assert r.reports == g.report_id.nunique() == len(g), (r.item, r.budget_basis)
        assert r.median_rate_pct == pytest.approx(g.rate.median()) and r.max_rate_pct == pytest.approx(g.rate.max())
    # the fake 2× overspend (vehicle outturn over 5 reports against budget over 4) cannot arise: no sums
    assert items[items.item == "vehicle_total"].max_rate_pct.max() < 100
    assert "three_public_item_rates" in _source("budget_execution")


# --- 4. completion rates against different bases are never pooled --------------------------------


def test_finding4_rate_groups_never_pool_budget_bases(corpus):
    g = ex.rate_groups(ex.rates(corpus))
    assert g.groupby("group", observed=True).budget_basis.nunique().max() == 1
    assert g.budget_basis.nunique() > 1  # the corpus does mix bases: the grouping matters
    src = _source("budget_execution")
    assert 'rate_spread(groups, y="group"' in src and "rate_spread(be" not in src


# --- 5. printed vs recomputed: the checks' verdict, nothing dropped -------------------------------


def test_finding5_printed_vs_recomputed_agrees_with_the_checks(corpus):
    pvc = ex.printed_vs_computed(corpus)
    ch = corpus.checks
    rc = ch[ch.rule_id == "N.rate_completion"]
    assert (pvc.verdict == "differs").sum() == (rc.outcome == "fail").sum() == 4
    hs = pvc[pvc.report.str.startswith("洪山区")]
    assert ((hs.rate_printed_pct == 91.10) & (hs.verdict == "differs")).any(), "the failing 91.10% is kept"
    # printed to one decimal and passed as rounding by the checks: agrees
    one_dec = pvc[(pvc.rate_printed_pct == 99.3) & pvc.report.str.startswith("江汉区")]
    assert len(one_dec) == 1 and one_dec.verdict.iloc[0] == "agrees"
    assert ((pvc.agrees == False) == (pvc.verdict == "differs")).all()  # noqa: E712


# --- 6. projects counted once; no fences collapsed to 100–100% -----------------------------------


def test_finding6_projects_counted_once_and_fences_not_collapsed(corpus):
    be = ex.rates(corpus)
    proj = be[be.level == "project"]
    for rid, g in proj.groupby("report_id"):
        keys = [(ex.project_key(n), round(f, 1)) for n, f in zip(g.name, g.final_wan)]
        assert len(keys) == len(set(keys)), f"{rid}: a project counted twice"
    assert (proj.report_id == JIANGHAN).sum() == 6 and (proj.report_id == QINGSHAN).sum() == 4
    out = ex.outliers(be)
    assert not out.why.str.contains("100.0–100.0").any()
    assert not ((out.name.str.contains("聘用人员")) & (out.rate.round(1) == 98.6)).any()
    assert (out.rate.sub(100).abs() > 0.1).all()


# --- 7. the rename study: before data, no sums across departments, bars by report ----------------


@pytest.mark.usefixtures("english")
def test_finding7_rename_study_has_before_data_and_one_row_per_department(corpus):
    sr = pov.series_by_report(corpus)
    assert sr.report_id.is_unique
    qs = sr[sr.report_id == QINGSHAN]
    assert len(qs) == 1 and qs.series.iloc[0] == pov.OLD and qs.amount_wan.iloc[0] == pytest.approx(370.0)
    by = pov.by_year(corpus)
    assert len(by) == len(sr) and by.bar.is_unique and by.bar.str.contains("区").all()
    rc = pov.recipients(corpus)
    assert (rc.recipient.str.contains("来凤")).sum() == 1
    assert not rc.recipient.str.contains("、").any()
    text = " ".join(pov.key_findings(corpus))
    assert "not added up" in text and f"{sr.amount_wan.sum():,.2f}" not in text


# --- 8. composition: the design caveat is computed, never suppressed -----------------------------


@pytest.mark.usefixtures("english")
def test_finding8_composition_states_what_it_cannot_separate(corpus):
    d = comp.design(corpus)
    sep = comp.separable(d)
    assert sep == {"place": False, "department type": True, "year": False}
    caveat = comp.design_caveat(d)
    assert "cannot be told apart" in caveat and "year effects" in caveat and "place effects" in caveat
    assert comp.key_findings(corpus)[0] == caveat
    assert "across districts and years" not in _source("spending_composition").splitlines()[0]


# --- quality flags reach the findings --------------------------------------------------------------


def test_flagged_statements_stay_out_of_outliers_and_findings(corpus):
    be = ex.rates(corpus)
    flagged = be[be.flag != ""]
    assert (flagged.flag == quality.FLAG_FAIL).sum() >= 4 and (flagged.flag == quality.FLAG_UNCERTAIN).any()
    assert flagged.flag_message.str.len().gt(0).all()
    out = ex.outliers(be)
    assert not set(out.index) & set(flagged.index)
    fc = comp.function_classes(corpus)
    assert "doubtful" in fc and fc.doubtful.dtype == bool


# --- the page's language --------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,;']+[A-Za-z]{2,}){3,}")  # four English words in a row: English prose


@pytest.mark.parametrize("study", [comp, ex, pov], ids=["composition", "execution", "poverty"])
def test_key_findings_are_written_in_the_page_language(corpus, study):
    """Chinese edition: every finding Chinese, no English sentence (rule ids, 万元 and line refs aside);
    English edition: the same findings in English."""
    with text.using("zh"):
        zh = study.key_findings(corpus)
    with text.using("en"):
        en = study.key_findings(corpus)
    assert len(zh) == len(en) > 2
    for s in zh:
        assert CJK.search(s) and not ENGLISH.search(s), s
    for s in en:
        assert ENGLISH.search(s), s


# --- failing loudly ---------------------------------------------------------------------------------


def test_load_fails_loudly_on_missing_or_empty_processed_folder(tmp_path):
    with pytest.raises(NoProcessedData, match="does not exist"):
        load(tmp_path / "nowhere")
    with pytest.raises(NoProcessedData, match="no reports.parquet"):
        load(tmp_path)
    from helpers.core import schema

    schema.empty("reports").to_parquet(tmp_path / "reports.parquet")
    with pytest.raises(NoProcessedData, match="holds no reports"):
        load(tmp_path)


def test_unknown_report_fails_loudly(corpus):
    with pytest.raises(KeyError, match="is not in"):
        corpus.report("no_such_report")


def test_a_share_a_failing_check_prints_is_left_out_of_composition(corpus):
    from helpers.data.load import Corpus

    fc = comp.function_classes(corpus)
    row = fc[(fc.report_id == JIANGHAN)].iloc[0]
    fake = corpus.checks.iloc[:1].copy()
    fake.loc[:, ["report_id", "rule_id", "outcome", "severity", "message", "expected", "found", "source_ref"]] = [
        JIANGHAN,
        "T3.class_sum",
        "fail",
        "error",
        "made up for the test",
        row.amount_wan + 1,
        row.amount_wan,
        f"{row.table} line 1",
    ]
    frames = dict(corpus.frames, checks=pd.concat([corpus.checks, fake], ignore_index=True))
    bad = comp.function_classes(Corpus(folder=corpus.folder, frames=frames))
    hit = bad[(bad.report_id == JIANGHAN) & (bad.code == row.code)]
    assert hit.doubtful.iloc[0] and not fc[(fc.report_id == JIANGHAN) & (fc.code == row.code)].doubtful.iloc[0]


def test_t6_without_any_amount_falls_back_to_the_narrative_for_personnel_costs(corpus):
    """T6 rows read but no amount in any of them (cells unreadable): no economic class, and the
    personnel/public split comes from the narrative (it used to stop on an empty concatenation)."""
    from helpers.data.load import Corpus

    li = corpus.line_items.copy()
    li.loc[li.table == "T6", "amount_wan"] = float("nan")
    blank = Corpus(folder=corpus.folder, frames=dict(corpus.frames, line_items=li))
    eco = comp.economic_classes(blank)
    assert eco.empty and "section" in eco and "share_pct" in eco
    pp = comp.personnel_public(blank).set_index("report_id")
    assert set(pp.source) == {"narrative"}
    # 000 prints "人员经费1705.42万元" and "公用经费 161.97 万元" in its text
    assert pp.loc[HONGSHAN, ["personnel_wan", "public_wan"]].tolist() == [1705.42, 161.97]


def test_one_report_corpus_gives_the_same_per_report_results_as_the_whole_corpus(corpus):
    """report.ipynb computes on `corpus.only(rid)`: the same rows as the corpus-wide result filtered."""
    from helpers.studies import report_view as rv

    def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
        if a.empty and b.empty:  # none for this report (columns may differ: the page only counts rows)
            return
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)

    labels = corpus.labels()
    fc, bp = comp.function_classes(corpus), comp.basic_project(corpus)
    tp, pvc = ex.three_public(corpus), ex.printed_vs_computed(corpus)
    matrix = rv.coverage_matrix(corpus).astype(object).fillna("")
    for rid in corpus.report_ids:
        one = corpus.only(rid)
        assert one.labels().to_dict() == {rid: labels[rid]} and one.report_ids == [rid]
        same(comp.function_classes(one), fc[fc.report_id == rid])
        same(comp.basic_project(one), bp[bp.report_id == rid])
        same(ex.three_public(one), tp[tp.report_id == rid])
        mine = ex.printed_vs_computed(one)
        same(mine, pvc[pvc.report == labels[rid]] if len(pvc) else pvc)
        assert rv.coverage_matrix(one).astype(object).fillna("").equals(matrix.loc[[labels[rid]]])


# --- which reports to trust (the index's verdicts, the report pages' summaries) -------------------


def _verdict(corpus, rid):
    from helpers.publish.index_page import verdict

    q = corpus.of("quality", rid)
    return verdict(corpus.report(rid), q.iloc[0] if len(q) else None)


@pytest.mark.usefixtures("english")
def test_verdicts_say_which_reports_to_trust_and_why(corpus):
    # 青山 2020's text copy lists the nine tables in its contents (lines 23-41) and prints none of them
    v = _verdict(corpus, QINGSHAN)
    assert v.verdict == "do not use" and v.tables_read == 0 and v.tables_template == 9, v
    # 洪山 2021: no T1 in the file; T7 line 369 prints 公务用车 小计 35.20 where 48.55 + 35.20 = 83.75
    v = _verdict(corpus, HONGSHAN)
    assert v.verdict == "use with care" and "T1 missing" in v.reason and "T7.vehicle_subtotal" in v.reason, v
    assert (v.tables_read, v.tables_template) == (8, 9)
    # 西南大学 follows the university template (four tables: 收支决算总表, 收入, 支出, 财政拨款支出)
    swu = corpus.reports[corpus.reports.department == "西南大学"].report_id.iloc[0]
    v = _verdict(corpus, swu)
    assert v.verdict == "usable" and (v.tables_read, v.tables_template) == (4, 4) and "all 4 tables" in v.reason, v
    verdicts = {rid: _verdict(corpus, rid).verdict for rid in corpus.report_ids}
    assert set(verdicts.values()) <= {"usable", "use with care", "do not use"} and len(verdicts) == 10


@pytest.mark.usefixtures("english")
def test_verdict_failure_cases():
    from helpers.publish.index_page import verdict

    failed = pd.Series(
        {
            "status": "failed",
            "error": "某局.pdf: not a PDF (the file starts with <html>)",
            "tables_found": [],
            "tables_empty": [],
            "tables_missing": list("ABC"),
        }
    )
    v = verdict(failed, None)
    assert v.verdict == "do not use" and "could not be read: 某局.pdf: not a PDF" in v.reason
    clean = pd.Series(
        {
            "status": "ok",
            "error": None,
            "tables_found": ["T1", "T2"],
            "tables_empty": ["T2"],
            "tables_missing": [],
            "tables_doubtful": [],
        }
    )
    assert verdict(clean, None).verdict == "usable" and "no checks recorded" in verdict(clean, None).reason
    q = pd.Series({"failed_error": 0, "failed_warning": 0, "uncertain": 3, "checks_run": 40, "rules_failed": None})
    v = verdict(clean, q)
    assert v.verdict == "use with care" and v.reason == "3 uncertain checks"
    assert verdict(clean, q, "zh").reason == "3 项校验不确定"  # the Chinese edition's words
    only_empty = clean.copy()
    only_empty["tables_found"], only_empty["tables_empty"] = ["T2"], ["T2"]
    assert verdict(only_empty, q).verdict == "do not use"  # a table printed empty holds no figures


@pytest.mark.usefixtures("english")
def test_report_summary_lists_failing_checks_and_escapes_what_reports_print(corpus):
    from helpers.studies import report_view as rv
    from helpers.studies.narrate import checks_html, report_summary_html

    s = rv.summary(corpus, HONGSHAN)
    assert s["department"] == "武汉市洪山区人民政府办公室" and s["year"] == 2021 and s["missing"] == ["T1"]
    page = report_summary_html(s)
    assert "T7.vehicle_subtotal" in page and "printed as 35.20" in page and "= 83.75" in page
    assert s["counts"]["pass"] > 100 and f"{s['counts']['pass']:,} pass" in page
    checks = checks_html(rv.checks_sorted(corpus, HONGSHAN))
    first_details = checks.find("<details")
    assert ">fail</td>" in checks[:first_details] and ">pass</td>" not in checks[:first_details]
    assert "pass, " in checks and "— show the list</summary>" in checks
    s["department"] = "<script>x()</script>"
    assert "<script>" not in report_summary_html(s) and "&lt;script&gt;" in report_summary_html(s)
