"""A reviewer's rules: what a person reading the report writes up besides arithmetic.

They read the text itself (the report's `Document`, passed to `run_checks`), not only the datasets; the
text is parsed by the narrative stage (narrative/statements.py: typed statements with their quote and
place), and the rules here only judge what it read:
- words against numbers: 大于/小于/等于 预算数, 比预算增加/减少/节约/超出, 增加…增长/减少…下降 and 持平 agree
  with the figures of their own sentence; a 增长 100% from a zero prior year is undefined (warning);
- years: the years in the cover, contents, headings and table titles are the fiscal year, comparisons
  (比/与/较 …年) name the year before; a year cut short ("202 年度") is reported;
- template leftovers: XX / ×× / 某某 in a title or sentence, a label and its unit with no figure
  ("收入万元"), doubled punctuation ("。。"), empty brackets;
- rates as printed: a share without its % ("占 76.23"), a rate cut instead of rounded (info);
- restated figures: a numbered item's amount against its own 支出决算为 (269.85 vs 269.86), and the
  政府性基金 / 国有资本经营 sentences against T8 / T9 (135.00 where T8 prints 105.00);
- required disclosures: the domestic 公务接待 批次 and 人次, vehicles, the nine-table template's parts;
  every table of the template printed (one absent altogether is an error; one printed but not read, or
  absent from a conversion that may have lost pages, is not the report's defect); a 三公 figure the
  narrative states and T7 leaves blank (in a single-space copy: printed nowhere in T7's row).

Every finding quotes the text and names the line or page (`source_ref`). A rule reads only what is
printed in one sentence or one line, so a figure is never paired across sentences or sections.
Where our own reading could have made the finding (figures the PDF text layer printed on a line of
their own and that we put back into the words; table cells placed by arithmetic), the outcome is
`uncertain`, never `fail`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re

from ..core.catalog import BY_CODE, TEMPLATE_TABLES, clean_title, match_title
from ..core.normalize import amount_of, compact, is_amount
from ..core.settings import SETTINGS
from ..core.vocabulary import (
    TABLE_TITLES,
    THREE_PUBLIC_COLUMNS,
    THREE_PUBLIC_NAMES,
    THREE_PUBLIC_PARTS,
    THREE_PUBLIC_TOPIC_ITEMS,
    Table,
)
from ..narrative import statements as st
from ..narrative.amounts import percents
from ..narrative.facts import Fact
from ..narrative.sentences import Para, paragraphs
from ..tables.reading import POSITIONAL_LAYOUTS
from ..tables.text_tables import contents_end
from .common import rows_of, t7_figs, total_row
from .rules import (
    TRUNCATION_SEVERITY,
    Fig,
    Report,
    Result,
    equal_check,
    guard_reading,
    half_unit,
    insufficient,
    not_applicable,
    printed_decimals,
    rule,
    sval,
    val,
)

# ---------------------------------------------------------------------------------------------
# The text: the narrative stage's statements (narrative/statements.py), read once per report


def _reads_text(func):
    """A rule that reads the report's text yields `not_applicable` alone when the run has none
    (checks run on datasets only)."""

    @functools.wraps(func)
    def run(report: Report):
        if report.doc is None:
            yield not_applicable("the report's text is not available to this run (checks run on datasets only)")
            return
        yield from func(report)

    return run


def _paras(report: Report) -> list[Para]:
    return report.cached("paras", lambda: [p for p in paragraphs(report.doc) if not p.is_row])


def _lines(report: Report) -> list[tuple[str, str]]:
    doc = report.doc
    assert doc is not None, "_lines is read only by rules under @_reads_text"
    return report.cached("lines", lambda: [(ln.text, ln.ref) for ln in doc.lines if ln.text.strip()])


def _has_narrative(report: Report) -> bool:
    """Whether the file prints running text beyond titles, 单位 lines and table notes: a workbook of the
    nine tables has none, and nothing it leaves unsaid can be blamed on the report."""
    return st.has_running_text(_paras(report))


def _fy(report: Report) -> int | None:
    row = report.reports_row
    v = val(row.get("fiscal_year")) if row else None
    return int(v) if v is not None else None


def _guard_text(res: Result, at: st.Where) -> Result:
    """A finding in a paragraph whose figures we put back from a separate PDF line may be ours."""
    if res.outcome != "fail" or not at.reassociated:
        return res
    return Result(
        "uncertain",
        f"{res.message}. But the figures of this paragraph were printed on a separate line of the "
        "PDF text layer and put back into the words by us, so the finding may be ours; check the page",
        res.expected,
        res.found,
        res.source_ref,
        severity="warning",
    )


def _decimals(tok: str) -> int:
    return len(tok.split(".")[1]) if "." in tok else 0


# ---------------------------------------------------------------------------------------------
# Words against numbers

UP = {"大于", "高于", "超过", "超出", "多于", "增加", "超支", "多支出", "增长", "上升"}
DOWN = {"小于", "低于", "少于", "减少", "节约", "节省", "少支出", "下降", "降低"}


def _budget_words(s: st.BudgetWords) -> Result:
    diff = s.final - s.budget
    if s.word in UP:
        ok, rel = diff > SETTINGS.eps, "larger than"
    elif s.word in DOWN:
        ok, rel = diff < -SETTINGS.eps, "smaller than"
    else:  # 等于
        ok, rel = abs(diff) <= SETTINGS.eps, "equal to"
    bt, ft = s.budget_text, s.final_text
    what = f"“{s.at.quote}”: 决算 {ft} against 预算 {bt}: the words say the outturn is {rel} the budget ({s.word})"
    if ok:
        return Result("pass", f"{what}, and it is", s.budget, s.final, s.at.ref)
    actual = "equal to" if abs(diff) <= SETTINGS.eps else ("larger than" if diff > 0 else "smaller than")
    return _guard_text(Result("fail", f"{what}, but {ft} is {actual} {bt}", s.budget, s.final, s.at.ref), s.at)


def _change_words(s: st.ChangeWords) -> Result:
    up1, up2 = s.amount_word in UP, s.rate_word in UP
    signed = s.rate if up2 else -s.rate
    if up1 == up2:
        return Result(
            "pass", f"“{s.at.quote}”: {s.amount_word} and {s.rate_word} go the same way", signed, signed, s.at.ref
        )
    msg = (
        f"“{s.at.quote}”: the amount {s.amount_word} {s.amount_text} 万元 but the rate "
        f"{s.rate_word} {s.rate_text}%: the words contradict each other"
    )
    return _guard_text(Result("fail", msg, -signed, signed, s.at.ref), s.at)


def _unchanged(s: st.Unchanged) -> Result:
    changes = [c for c in s.changes if c.reached or c.value > SETTINGS.eps]
    if not changes:
        return Result("pass", f"“{s.at.quote[:80]}”: 持平 with no change stated beside it", 0.0, 0.0, s.at.ref)
    c = changes[0]
    what = (
        f"{c.word}为 {c.num_text} (a level reached by a change)"
        if c.reached
        else f"a change of {c.word} {c.num_text}{c.unit or ''}"
    )
    return _guard_text(
        Result("fail", f"“{s.at.quote[:120]}”: 持平 (no change) beside {what}", 0.0, c.value, s.at.ref), s.at
    )


@rule(
    "R.words_numbers",
    "Words of comparison agree with their own figures: 决算数大于/小于/等于预算数 with the budget and outturn printed "
    "just before; 比预算增加/减少/超出/节约 with the sign of outturn − budget; 增加 … 增长 x% and 减少 … 下降 x% "
    "(never 增加 … 下降); 持平 never beside a change or a level reached by 增加/减少.",
    family="review",
    needs="the report's text (sentences of the narrative)",
)
@_reads_text
def r_words_numbers(report: Report):
    n = 0
    for s in st.word_statements(_paras(report)):
        if isinstance(s, st.BudgetWords):
            yield _budget_words(s)
        elif isinstance(s, st.ChangeWords):
            if s.amount < SETTINGS.eps or s.rate < SETTINGS.eps:
                continue
            yield _change_words(s)
        else:
            yield _unchanged(s)
        n += 1
    if not n:
        yield not_applicable(
            "no sentence compares its own figures in words (大于/小于/等于 预算数, 比预算增加/减少, 增加…增长, 持平)"
        )


# ---------------------------------------------------------------------------------------------
# 增长 100% from a zero base


@rule(
    "R.growth_from_zero",
    "A year-on-year rate is not printed against a zero prior year: 增加 x 万元, 增长 100% where this "
    "year's level is x (the prior year was 0) states a rate that is undefined.",
    severity="warning",
    family="review",
    needs="narrative_facts (value, change_wan, change_pct_printed); three_public for 三公 levels",
)
def r_growth_from_zero(report: Report):
    facts = report.frame("narrative_facts")
    rows = facts[facts["change_pct_printed"].notna() & facts["change_wan"].notna()] if len(facts) else facts
    if not len(rows):
        yield not_applicable("no year-on-year rate printed with its change")
        return
    tp = report.frame("three_public")
    nar = tp[tp["source"] == "narrative"] if len(tp) else tp
    for r in (Fact.from_row(x) for x in rows.itertuples(index=False)):
        level = r.value
        if level is None and (item := THREE_PUBLIC_TOPIC_ITEMS.get(r.topic)) and len(nar):
            hit = nar[nar["item"] == item]
            level = val(hit["final_wan"].iloc[0]) if len(hit) else None
        yield _growth(r, level)


def _growth(r: Fact, level: float | None) -> Result:
    """A change rate against this year's level: a prior year of 0 makes the printed rate undefined."""
    assert r.change_wan is not None and r.change_pct_printed is not None, "facts filtered on both"
    ch, pct = r.change_wan, r.change_pct_printed
    ref, what = f"narrative {r.source_ref}", r.subject or r.topic
    if level is None:
        return not_applicable(f"{what}: this year's level is not stated, so the prior year is unknown", ref)
    prior = level - ch
    if abs(prior) <= SETTINGS.zero_prior_wan + SETTINGS.eps and ch > SETTINGS.eps:
        return Result(
            "fail",
            f"{what}: this year {level:.2f}, 增加 {ch:.2f}, so the prior year was 0 "
            f"and a change rate is undefined, yet {pct:g}% is printed (“{st.growth_quote(r.source_text)}”)",
            round(prior, 2),
            pct,
            ref,
        )
    return Result("pass", f"{what}: prior year {prior:.2f} is not 0 (rate {pct:g}% printed)", round(prior, 2), pct, ref)


# ---------------------------------------------------------------------------------------------
# Years


def _year_result(y: st.YearMention, fy: int) -> Result | None:
    """A failure for a year that disagrees with the fiscal year (None when it agrees)."""
    if y.kind is st.YearKind.CUT:
        msg = f"“{y.at.quote}”: the year is cut short ({y.printed} 年度 for {fy} 年度)"
        return Result("fail", msg, float(fy), float(y.year), y.at.ref)
    if y.kind is st.YearKind.TITLE:
        allowed = {fy - 1} if y.prior else {fy}
        if y.year in allowed:
            return None
        msg = f"“{y.at.quote}”: a title or heading names {y.year}, but the report covers {fy}"
        return Result("fail", msg, float(min(allowed)), float(y.year), y.at.ref)
    if y.kind is st.YearKind.COMPARISON:
        if y.year == fy - 1:
            return None
        msg = f"“{y.at.quote}”: the comparison names {y.year}, but the year before {fy} is {fy - 1}"
        return _guard_text(Result("fail", msg, float(fy - 1), float(y.year), y.at.ref), y.at)
    if y.year == fy:  # the year-end state and the year of the vehicles are the fiscal year
        return None
    msg = f"“{y.at.quote}”: dated {y.year}, but the report covers {fy}"
    return _guard_text(Result("fail", msg, float(fy), float(y.year), y.at.ref), y.at)


@rule(
    "R.years",
    "The years a report prints agree with its fiscal year: cover, contents, headings and table titles name the fiscal "
    "year; a comparison (比/与/较 … 年) names the year before; the year-end (截至…年12月31日) and the year of the "
    "vehicles (…年，…公务用车保有量) are the fiscal year; no year is cut short (“202 年度”).",
    family="review",
    needs="the report's text (every line; narrative sentences); reports.fiscal_year",
)
@_reads_text
def r_years(report: Report):
    fy = _fy(report)
    if fy is None:
        yield not_applicable("the fiscal year was not read, so printed years cannot be judged")
        return
    n_ok = 0
    for y in st.line_years(_lines(report)) + st.narrative_years(_paras(report)):
        res = _year_result(y, fy)
        if res is None:
            n_ok += 1
        else:
            yield res
    yield Result(
        "pass",
        f"{n_ok} years in titles, headings, comparisons and year-end statements agree with fiscal year {fy}",
        float(fy),
        float(fy),
    )


# ---------------------------------------------------------------------------------------------
# Template leftovers


def _leftover(x: st.Leftover, pdf: bool) -> Result:
    if x.kind is st.LeftoverKind.EMPTY_BRACKETS and pdf:
        # PDF text layers can drop what a bracket holds (an image, a figure on another line)
        return Result(
            "uncertain",
            f"“{x.at.quote}”: {x.kind.value}; in a PDF text layer the contents may sit on another line, check the page",
            None,
            None,
            x.at.ref,
            severity="warning",
        )
    return Result("fail", f"“{x.at.quote}”: {x.kind.value}", None, None, x.at.ref)


def _no_figure(x: st.NoFigure, pdf: bool, n_missing: int) -> Result:
    msg = f"“{x.at.quote}”: {x.label} and its unit {x.unit} are printed but the figure is not"
    # Many amounts without their figures are a layout, not slips: a PDF text layer (or a text copy of
    # one) prints the figures on lines of their own.
    if not (pdf or n_missing > 2):
        return Result("fail", msg, None, None, x.at.ref)
    return Result(
        "uncertain",
        f"{msg}; but "
        f"{'in a PDF text layer' if pdf else f'{n_missing} amounts in this text lack their figures:'} "
        "the figures may be printed on lines of their own, check the page",
        None,
        None,
        x.at.ref,
        severity="warning",
    )


@rule(
    "R.placeholders",
    "No template leftovers: no XX / ×× / 某某 in place of a name, no label and unit printed without its "
    "figure (“收入万元”), no doubled punctuation (“。。”), no empty brackets.",
    family="review",
    needs="the report's text (every line; narrative sentences)",
)
@_reads_text
def r_placeholders(report: Report):
    pdf = getattr(report.doc, "source_format", None) == "pdf"
    leftovers = [_leftover(x, pdf) for x in st.line_leftovers(_lines(report))]
    yield from leftovers
    missing = st.no_figures(_paras(report))
    yield from (_no_figure(x, pdf, len(missing)) for x in missing)
    if not len(missing) and not any(r.outcome == "fail" for r in leftovers):
        yield Result(
            "pass",
            f"no placeholder, doubled punctuation, empty brackets or figure-less amount in {len(_lines(report))} lines",
        )


# ---------------------------------------------------------------------------------------------
# Rates as printed


@rule(
    "R.share_percent",
    "A share is printed with its unit: 占 x% (or 占 x 万元), never a bare 占 76.23.",
    severity="warning",
    family="review",
    needs="the report's text (narrative sentences)",
)
@_reads_text
def r_share_percent(report: Report):
    n_ok, bare = st.shares(_paras(report))
    for s in bare:
        msg = f"“{s.at.quote}”: a share printed without % (read as {s.num_text}%)"
        yield _guard_text(Result("fail", msg, s.value, s.value, s.at.ref), s.at)
    if not bare:
        yield Result("pass", f"{n_ok} shares printed with %" if n_ok else "no share printed", None, None)


@rule(
    "R.rate_truncated",
    "A printed completion rate is the rounding of outturn ÷ budget, not its truncation (98.69% printed "
    "98.6%): reported for information, as the difference is below a unit of the last printed digit (the "
    "same severity as every other rule gives a truncation).",
    severity=TRUNCATION_SEVERITY,
    family="review",
    needs="budget_execution (budget, outturn, printed rate, source_text)",
)
def r_rate_truncated(report: Report):
    be = report.frame("budget_execution")
    rows = be[be["rate_printed_pct"].notna() & be["budget_wan"].notna() & be["final_wan"].notna()] if len(be) else be
    if not len(rows):
        yield not_applicable("no completion rate printed with its budget and outturn")
        return
    for r in rows.itertuples(index=False):
        b, f, pr = float(r.budget_wan), float(r.final_wan), float(r.rate_printed_pct)
        if b <= 0:
            yield not_applicable(
                f"{sval(r.name)}: budget {b:g}; a rate against it is undefined", f"narrative {sval(r.source_ref)}"
            )
            continue
        text = sval(r.source_text) or ""
        toks = [t for t in percents(text) if abs(float(t) - pr) < SETTINGS.same_number]
        d = max((_decimals(t) for t in toks), default=2)
        exact = f / b * 100
        rounded = round(exact + SETTINGS.same_number, d)
        cut = math.floor(exact * 10**d + SETTINGS.same_number) / 10**d
        ref = f"narrative {sval(r.source_ref)}"
        if abs(pr - rounded) < SETTINGS.same_number:
            yield Result("pass", f"{sval(r.name)}: {pr:g}% is {exact:.4f}% rounded", round(exact, 4), pr, ref)
        elif abs(pr - cut) < SETTINGS.same_number and abs(rounded - cut) > SETTINGS.same_number:
            yield Result(
                "fail",
                f"{sval(r.name)}: {pr:g}% printed where {f:g} ÷ {b:g} = {exact:.4f}% rounds to {rounded:g}%: "
                f"cut, not rounded (“{text[:70]}”)",
                rounded,
                pr,
                ref,
            )
        else:
            yield not_applicable(
                f"{sval(r.name)}: {pr:g}% is neither the rounding nor the truncation of {exact:.4f}% "
                "(N.rate_completion judges it)",
                ref,
            )


# ---------------------------------------------------------------------------------------------
# Restated figures

FUND_SECTIONS = {Table.T8: "政府性基金", Table.T9: "国有资本经营"}


def _nfig(printed: st.Printed, label: str) -> Fig:
    return Fig(printed.value, printed.ref, label, half_unit(_decimals(printed.text)))


def restate_check(a: Fig, b: Fig, *, what: str, refs: str | None = None) -> Result:
    """One figure printed twice: with the same decimals the two must be the same number (269.85 restating
    269.86 is not rounding, it is another number); printed more coarsely, it must be the rounding of the
    finer one (4.9 for 4.89)."""
    if a.blank or b.blank:
        return equal_check(a, b, what=what, refs=refs)
    half = max(a.half, b.half) if abs(a.half - b.half) > SETTINGS.eps else 0.0
    res = equal_check(a, b, what=what, refs=refs)
    if res.outcome == "pass" and abs(a.amount - b.amount) > half + SETTINGS.eps:
        res = guard_reading(
            Result(
                "fail",
                f"{what}: {a.label} is printed as {a.value:,.2f}, but {b.label} is {b.value:,.2f} (difference "
                f"{a.amount - b.amount:+.2f}; one figure restated with the same decimals must be the same number)",
                b.value,
                a.value,
                res.source_ref,
            ),
            [a, b],
        )
    return res


def _settled(row):
    """A row whose printed figures are all one value (`105.00 105.00 105.00`) gives that value to its 合计
    whichever columns the figures were placed in: its cells are not in doubt for a comparison."""
    vals = {v for v in row.cells.values() if v is not None}
    if len(vals) == 1 and not row.doubtful:
        return dataclasses.replace(row, inferred=set())
    return row


def _fund_results(report: Report, table: Table, fund: str):
    """The 政府性基金 / 国有资本经营 section's 项 amounts and income against T8 / T9."""
    rows = rows_of(report, table) if report.table_state(table) == "data" else []
    items = {compact(r.label): r for r in rows if r.level == "项"}
    total = total_row(rows)
    for x in st.fund_figures(_paras(report), fund):
        if x.kind is st.FundKind.INCOME:
            if total is None or total.cells.get("income") is None:
                continue
            table_fig = total.fig(table, "income", f"{table} 合计 本年收入")
            label = "the narrative's income"
        else:
            row = items.get(compact(x.name or ""))
            if row is None or not row.has("total"):
                continue
            table_fig = _settled(row).fig(table, "total", f"{table} {row.name} 支出")
            label = f"the narrative's {x.name}" if x.kind is st.FundKind.ITEM else "its 支出决算"
        what = f"{fund} “{x.at.quote}” against {table}"
        yield _guard_text(restate_check(_nfig(x.amount, label), table_fig, what=what), x.at)


@rule(
    "R.restated",
    "A figure restated in the narrative is the same figure: a numbered item's amount (…（项）x 万元) equals its "
    "own 支出决算为 x; the 政府性基金 and 国有资本经营 sections' 项 amounts and income equal T8 / T9.",
    family="review",
    needs="the report's text (narrative items); line_items T8, T9",
)
@_reads_text
def r_restated(report: Report):
    n = 0
    for x in st.restated_items(_paras(report)):
        a = _nfig(x.amount, "the item's amount")
        b = _nfig(x.final, "its 支出决算")
        n += 1
        yield _guard_text(restate_check(a, b, what=f"“{x.at.quote}”", refs=x.at.ref), x.at)
    for table, fund in FUND_SECTIONS.items():
        for res in _fund_results(report, table, fund):
            n += 1
            yield res
    if not n:
        yield not_applicable(
            "no numbered item restating its amount, and no 政府性基金/国有资本经营 figure matched to T8/T9"
        )


# ---------------------------------------------------------------------------------------------
# Required disclosures


def _tp_final(report: Report, *items: str) -> float | None:
    tp = report.frame("three_public")
    if not len(tp):
        return None
    read = [val(v) for v in tp[tp["item"].isin(items)]["final_wan"]]
    vals = [v for v in read if v is not None]
    return max(vals) if vals else None


def _reception_counts(counts: list[st.ReceptionCount], reception: float) -> Result:
    """Does the 三公 text give the 批次 and 人次 of domestic receptions (narrative.statements.reception_counts)?"""
    domestic = [c for c in counts if not c.foreign and c.people is not None]
    half = [c for c in counts if not c.foreign and c.people is None]
    foreign = [c for c in counts if c.foreign]
    what = f"公务接待费 {reception:g} 万元 was spent"
    if c := next((c for c in domestic if c.batches > 0), None):
        msg = f"{what}, with its domestic 批次 and 人次 ({c.batches} 批次, {c.people} 人次: “{c.quote}”)"
        return Result("pass", msg, None, reception)
    if domestic and not any(c.batches > 0 for c in foreign):
        msg = (
            f"{what}, but the only receptions counted are 0 批次 (“{domestic[0].quote}”): the money and the "
            "count disagree"
        )
        return Result("fail", msg, None, reception, None)
    if domestic:
        msg = f"{what}: foreign receptions only, domestic counted as 0 (“{domestic[0].quote}”)"
        return Result("pass", msg, None, reception)
    if half:
        msg = (
            f"{what}, but the 三公 section gives the 批次 of the domestic receptions without their 人次 "
            f"(“{half[0].quote}”)"
        )
    elif foreign:
        msg = f"{what}, but only 外宾 receptions are counted (“{foreign[0].quote}”): domestic 批次/人次 missing"
    else:
        msg = f"{what}, but the 三公 section states no count of the domestic receptions (批次 and 人次)"
    return Result("fail", msg, None, reception, None)


def _three_public_disclosures(report: Report):
    """With 公务接待费 spent, the reception counts; with 公务用车 money spent, the number of vehicles."""
    text = st.three_public_text(_paras(report))
    reception = _tp_final(report, "reception")
    if reception is not None and reception > SETTINGS.eps:
        yield _reception_counts(st.reception_counts(text), reception)
    vehicles = _tp_final(report, "vehicle_total", "vehicle_operation", "vehicle_purchase")
    if vehicles is not None and vehicles > SETTINGS.eps:
        if st.vehicle_count_stated(text):
            yield Result("pass", f"公务用车 {vehicles:g} 万元 with the number of vehicles", None, vehicles)
        else:
            yield Result(
                "fail",
                f"公务用车 {vehicles:g} 万元 was spent, but the 三公 section does not state how many vehicles (保有量)",
                None,
                vehicles,
                None,
            )


def _template_disclosures(report: Report, row: dict):
    """The nine-table template's required parts: 机关运行经费, 政府采购, 国有资产占用, 名词解释, and a
    sentence for each fund table printed empty (本单位无…)."""
    body = "".join(p.text for p in _paras(report) if "名词解释" not in p.part)
    whole = compact(report.doc.text) if report.doc is not None else body  # wrapped lines joined
    facts = report.frame("narrative_facts")
    stated = len(facts) and (facts["topic"] == "running_cost").any()
    if stated or "机关运行经费" in body:
        yield Result("pass", "机关运行经费 is stated")
    else:
        yield Result(
            "fail", "the narrative says nothing of 机关运行经费 (a required part of a 部门决算)", None, None, None
        )
    for what, said in st.required_parts(whole):
        if said:
            yield Result("pass", f"{what} is stated")
        else:
            yield Result("fail", f"the report says nothing of {what} (a required part of a 部门决算)", None, None, None)
    for code, fund in FUND_SECTIONS.items():
        if code not in list(row.get("tables_empty") or []):
            continue
        if st.says_no_fund(whole, fund):
            yield Result("pass", f"{code} is printed empty and the report says there was no {fund} money")
        else:
            msg = (
                f"{code} is printed empty but the report never says there was no {fund} "
                "money (the template asks for a sentence)"
            )
            yield Result("fail", msg, None, None, None)


@rule(
    "R.disclosures",
    "What a 部门决算 must say is said: with 公务接待费 spent, the 批次 and 人次 of domestic receptions, read "
    "clause by clause (the 人次 after the same 批次; not 陪同, not 外宾 or 出国 counts; 0 批次 with money spent "
    "disagrees); with 公务用车 money spent, the number of vehicles (保有量); in the nine-table template, 机关运行经费, "
    "政府采购, 国有资产占用 (vehicles, equipment), 名词解释, and a sentence for each fund table printed empty.",
    severity="warning",
    family="review",
    needs="the report's text (三公 section); three_public; narrative_facts; reports.template",
)
@_reads_text
def r_disclosures(report: Report):
    if not _has_narrative(report):
        yield not_applicable(
            "the file holds the tables and no narrative (a workbook of the 公开表, say); what the narrative must "
            "disclose is judged where the narrative is published"
        )
        return
    results = list(_three_public_disclosures(report))
    row = report.reports_row or {}
    if "nine" in str(row.get("template") or ""):
        results += _template_disclosures(report, row)
    yield from results
    if not results:
        yield not_applicable("no 公务接待 or 公务用车 money spent and not the nine-table template")


# ---------------------------------------------------------------------------------------------
# A required table absent altogether

# Each table's printed note (注：本表反映…): a table whose note is printed was printed, title or not.
TABLE_NOTES: dict[str, str] = {
    Table.T1: r"本表反映[^。]{0,12}总收支和年末结转结余",
    Table.T2: r"本表反映[^。]{0,12}取得的各项收入",
    Table.T3: r"本表反映[^。]{0,12}各项支出情况",
    Table.T4: r"本表反映[^。]{0,12}财政拨款[^。]{0,60}总收?支",
    Table.T5: r"本表反映[^。]{0,12}一般公共预算财政拨款支出情况",
    Table.T6: r"本表反映[^。]{0,12}基本支出明细",
    Table.T7: r"本表反映[^。]{0,12}三公[^。]{0,2}经费",
    Table.T8: r"本表反映[^。]{0,12}政府性基金预算财政拨款收入",
    Table.T9: r"本表反映[^。]{0,12}国有资本经营预算财政拨款",
}
NOT_READ_NOTES = ("title printed", "present but not read", "no ruled table found")
# Words of each table's title in any wording: a short line outside the contents holding them and 表, which the
# catalog did not take for a title, may be the table's title in words we do not know.
TABLE_TITLE_WORDS: dict[str, str] = {
    Table.T1: r"收入?支出?决算总表",
    Table.T2: r"收入决算",
    Table.T3: r"支出决算",
    Table.T4: r"财政拨款收入?支出?决算总",
    Table.T5: r"一般公共预算财政拨款支出",
    Table.T6: r"基本支出",
    Table.T7: r"三公",
    Table.T8: r"政府性基金",
    Table.T9: r"国有资本经营",
}
SKIPPED_NOTE = "no recognisable title or header was skipped"


def _title_in_other_words(report: Report, code: str) -> str | None:
    """A short line after the contents that may be the table's title in other words (`line 530`)."""
    doc = report.doc
    assert doc is not None, "_title_in_other_words is read only by rules under @_reads_text"
    for ln in doc.lines[contents_end(doc.lines) :]:
        t = compact(ln.text)
        if len(t) <= 40 and "表" in t and not re.search(r"[，。；]", t) and re.search(TABLE_TITLE_WORDS[code], t):
            if match_title(ln.text) is None:
                return ln.ref
    return None


def _contents_entry(report: Report, code: str) -> str | None:
    """Where the report's contents (目录) list a table, e.g. `line 15`."""
    doc = report.doc
    assert doc is not None, "_contents_entry is read only by rules under @_reads_text"
    end = contents_end(doc.lines) or min(len(doc.lines), 80)
    pattern = BY_CODE[code].title_re
    for ln in doc.lines[:end]:
        t = clean_title(re.sub(r"[.…·．]{3,}\s*\d*\s*$", "", ln.text))
        if len(t) <= 40 and pattern.search(t) and match_title(ln.text) in (code, None):
            return ln.ref
    return None


@rule(
    "R.tables_absent",
    "Every table of the report's template is printed (with figures, or empty with a note such as 本单位无…): a "
    "table whose title and body are both absent from the report is a missing disclosure. A table whose title is "
    "printed but which could not be read is not a defect of the report (`insufficient_data`), nor is a table "
    "absent from a text copy that may have lost pages in conversion.",
    family="review",
    needs="reports (template, tables_found, tables_missing, notes); the report's text (contents, page breaks, notes)",
)
@_reads_text
def r_tables_absent(report: Report):
    row = report.reports_row or {}
    template = sval(row.get("template"))
    required = TEMPLATE_TABLES.get(template or "")
    if not required:
        yield not_applicable(f"no known template ({template or 'none'}): nothing to require")
        return
    found = [c for c in required if c in list(row.get("tables_found") or [])]
    missing = [c for c in required if c not in found]
    empty = [c for c in found if c in list(row.get("tables_empty") or [])]
    if found:
        yield Result(
            "pass",
            f"{len(found)} of the {len(required)} tables of the template printed: {', '.join(found)}"
            + (f" ({', '.join(empty)} printed empty)" if empty else ""),
        )
    if missing:
        file = _FileEvidence.of(report, row)
        for code in missing:
            yield _absent(report, code, file, len(missing), len(required))


@dataclasses.dataclass(frozen=True)
class _FileEvidence:
    """What the file shows about tables that may be there: notes, page breaks, blank pages, unknown tables."""

    whole: str  # the text, compacted
    notes: list[str]
    paged: bool
    blank_pages: list[int]
    unknown: list[str]

    @classmethod
    def of(cls, report: Report, row: dict) -> _FileEvidence:
        doc = report.doc
        assert doc is not None, "read only by rules under @_reads_text"
        notes = [str(n) for n in list(row.get("notes") or [])]
        pages = {ln.page for ln in doc.lines if ln.page is not None}
        last_page = max(doc.n_pages or 0, max(pages, default=0))  # a PDF page without text has no lines at all
        blank = [p for p in range(1, last_page + 1) if not any(ln.text.strip() for ln in doc.lines if ln.page == p)]
        unknown = [c for c in list(row.get("tables_other") or []) if str(c).startswith("X")]
        unknown += ["a ruled table skipped (see notes)" for n in notes if SKIPPED_NOTE in n][:1]
        paged = any(ln.page is not None for ln in doc.lines)
        return cls(compact(doc.text), notes, paged, blank, unknown)


def _why_not_blamed(report: Report, code: str, file: _FileEvidence, n_missing: int, n_required: int) -> str | None:
    """Why a table absent from the file may still have been published (None: nothing suggests it)."""
    if code in TABLE_TITLE_WORDS and (maybe := _title_in_other_words(report, code)):
        return f"{maybe} may be its title in other words (not recognised as one); check the page"
    if not file.paged:
        return (
            "this text copy has no page breaks, so a page lost in its conversion cannot be told from a table "
            "never published; check the published PDF"
        )
    if file.blank_pages:
        return f"page(s) {', '.join(map(str, file.blank_pages[:5]))} have no text (images?); the table may be there"
    if file.unknown:
        return f"the report prints tables this project could not identify ({', '.join(file.unknown)}); one may be it"
    if n_missing > n_required // 2:
        return f"{n_missing} of the {n_required} tables are absent: a fragment, or another template"
    return None


def _absent(report: Report, code: str, file: _FileEvidence, n_missing: int, n_required: int) -> Result:
    name = f"{code} {TABLE_TITLES.get(code, code)}"
    not_read = [
        n.split(": ", 1)[1] for n in file.notes if n.startswith(f"{code}: ") and any(w in n for w in NOT_READ_NOTES)
    ]
    listed = _contents_entry(report, code)
    listed_txt = f" (the contents list it at {listed})" if listed else ""
    if not_read:
        return insufficient(f"{name}: printed but not read ({not_read[0]}): a reading problem, not a missing table")
    if code in TABLE_NOTES and re.search(TABLE_NOTES[code], file.whole):
        return insufficient(
            f"{name}: its note (注：本表反映…) is printed but neither its title nor its table was read: the table "
            "is there in some form, not absent"
        )
    if why := _why_not_blamed(report, code, file, n_missing, n_required):
        return insufficient(f"{name}: neither its title nor its table is in the file{listed_txt}; {why}")
    return Result(
        "fail",
        f"{name} is absent: neither its title nor its table is printed{listed_txt}, while the template requires "
        "every table (one with nothing to report is printed empty, with a note such as 本单位无…)",
        None,
        None,
        listed,
        from_text=True,
    )


# ---------------------------------------------------------------------------------------------
# A figure the narrative states and the table leaves blank

# Layouts whose blank cells are printed blanks: every one that keeps cell positions (a PDF's ruled
# tables, a workbook, Word, a web page; tables.reading), but not OCR, which may have missed a figure.
POSITIONAL = tuple(layout for layout in POSITIONAL_LAYOUTS if layout != "OCR")


def _t7_row_figures(report: Report) -> tuple[list[tuple[str, float]], str] | None:
    """The figures T7's one row prints, in order, as the text shows them (a single-space text copy keeps no
    column positions: a blank cell leaves no trace), with the row's line; None when the row is not on
    one line of the text."""
    t7 = report.table(Table.T7)
    refs = {sval(r) for r in t7["source_ref"]} if len(t7) else set()
    if len(refs) != 1 or report.doc is None:
        return None
    ref = refs.pop()
    toks = [t for ln in report.doc.lines if ln.ref == ref for t in ln.text.split()]
    figs = [(t, amount_of(t)) for t in toks if is_amount(t)]
    if not figs or len(figs) < len(toks) - 1:  # words among the figures: not the row alone
        return None
    return figs, f"T7 {ref}"


def _printed_in(v: float, text: str | None, figs: list[tuple[str, float]]) -> bool:
    """Is the narrative's figure v (printed with its own decimals) one of the row's figures?"""
    half = half_unit(printed_decimals(v, text))
    return any(abs(f - v) <= half + half_unit(_decimals(t)) + SETTINGS.eps for t, f in figs)


def _table_blank_unpositioned(nar, figs: list[tuple[str, float]], ref: str):
    """R.table_blank where the text kept no column positions: a stated figure printed nowhere in T7's row,
    in a row that leaves cells blank, is a blank cell (or a figure printed in its place is not the
    narrative's: either way the table does not show it)."""
    width = len(THREE_PUBLIC_COLUMNS)
    shown = " ".join(t for t, _ in figs)
    n = 0
    for r in nar.itertuples(index=False):
        for col, v in (("budget", val(r.budget_wan)), ("final", val(r.final_wan))):
            if v is None or abs(v) < SETTINGS.eps:
                continue
            what = f"{THREE_PUBLIC_NAMES.get(r.item, r.item)} {'预算数' if col == 'budget' else '决算数'}"
            where = f"narrative {sval(r.source_ref)}; {ref}"
            n += 1
            if _printed_in(v, sval(r.source_text), figs):
                yield Result(
                    "pass", f"{what}: stated {v:g} in the narrative, printed in T7's row ({shown})", v, v, where
                )
            elif len(figs) >= width:
                yield not_applicable(
                    f"{what}: stated {v:g}, not among T7's figures, but the row prints all {width} cells: a "
                    "different figure, not a blank (the narrative-against-table checks judge it)",
                    where,
                )
            else:
                yield Result(
                    "fail",
                    f"{what}: the narrative states {v:g} 万元 (“{(sval(r.source_text) or '')[:60]}”), but T7's row "
                    f"prints {len(figs)} of its {width} cells ({shown}) and no {v:g} among them: the cell is "
                    "left blank, which reads as no such money",
                    v,
                    0.0,
                    where,
                    from_text=True,
                )
    if not n:
        yield not_applicable("no non-zero 三公 figure stated in the narrative")


@rule(
    "R.table_blank",
    "A 三公 figure the narrative states (non-zero) is printed in T7 too: a T7 cell left blank where the "
    "narrative gives the figure reads as “no such money” (a 预算数 deleted from its table). Where the text kept "
    "no column positions (single-space copies), the figure must be among the figures T7's row prints.",
    severity="warning",
    family="review",
    needs="three_public (narrative), line_items T7, table_readings (layout); the report's text for a row without "
    "positions",
)
def r_table_blank(report: Report):

    tp = report.frame("three_public")
    nar = tp[tp["source"] == "narrative"] if len(tp) else tp
    if not len(nar):
        yield not_applicable("the narrative states no 三公 figure")
        return
    tr = report.frame("table_readings")
    t7 = tr[tr["table"] == Table.T7] if len(tr) else tr
    layout = str(t7["layout"].iloc[0]) if len(t7) else ""
    row = _t7_row_figures(report) if layout and not layout.startswith(POSITIONAL) else None
    if row is not None:  # figures not placed leave cells blank in line_items: the row's own text decides
        yield from _table_blank_unpositioned(nar, *row)
        return
    if report.table_state(Table.T7) != "data":
        yield not_applicable(f"T7 is {report.table_state(Table.T7)}")
        return
    if not layout.startswith(POSITIONAL):
        yield not_applicable(
            f"T7 was read from a layout that keeps no column positions ({layout or 'unknown'}) and its row is "
            "not on one line of the text: a blank there may be ours"
        )
        return
    figs, t7ref = t7_figs(report)
    n = 0
    for r in nar.itertuples(index=False):
        for col, v in (("budget", val(r.budget_wan)), ("final", val(r.final_wan))):
            if (
                v is None
                or abs(v) < SETTINGS.eps
                or f"{col}_{r.item}" not in figs
                and r.item in THREE_PUBLIC_PARTS["vehicle_total"]
            ):
                continue
            cell = figs.get(f"{col}_{r.item}")
            what = f"{THREE_PUBLIC_NAMES.get(r.item, r.item)} {'预算数' if col == 'budget' else '决算数'}"
            ref = f"narrative {sval(r.source_ref)}; {cell.ref if cell else t7ref}"
            n += 1
            if cell is None or cell.blank:
                if cell is not None and cell.doubtful:
                    continue
                yield Result(
                    "fail",
                    f"{what}: the narrative states {v:g} 万元 (“{(sval(r.source_text) or '')[:60]}”), but T7 "
                    "leaves the cell blank, which reads as no such money",
                    v,
                    0.0,
                    ref,
                )
            else:
                yield Result(
                    "pass", f"{what}: stated {v:g} in the narrative, printed {cell.value:g} in T7", v, cell.value, ref
                )
    if not n:
        yield not_applicable("no non-zero 三公 figure stated in the narrative")
