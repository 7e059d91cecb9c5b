"""Budget execution: completion rates (决算 / 预算), their spread and outliers, 三公 budget vs
outturn, and printed vs recomputed rates beside the checks that failed.

A rate against a zero or missing budget is undefined (null), never 0 or 100.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..core.settings import SETTINGS
from ..core.vocabulary import THREE_PUBLIC_COLUMN_LABELS as THREE_PUBLIC_NAMES
from ..core.vocabulary import THREE_PUBLIC_ITEMS
from ..data.load import Corpus
from ..publish.text import lang, sep, t, tn
from . import execution_reasons, quality
from .batches import in_report_runs, once_per_corpus, per_report
from .narrate import listing, outcome_word, pct, reports_phrase, value_word, wan

LEVEL_ORDER = ["overall", "类", "款", "项", "project"]
BASES = ["年初预算", "全年预算", "调整预算"]


# A "project" row that is really the sum of all projects (a table's 合计, a 项目…综述 sentence).
PROJECT_TOTAL = r"^(?:合计|总计|小计)$|综述|全部项目|项目合计"
# Statements printed more than once are counted once; a different printed rate is a different statement.
STATEMENT_KEY = ["report_id", "level", "name", "budget_basis", "budget_wan", "final_wan", "rate_printed_pct"]
# Project names differ between the narrative and the 绩效自评表 by a year, 工作/经费/资金 and the like.
_PROJECT_NOISE = r"(?:20\d\d)(?:年度?)?|项目|工作|经费|资金|\s"
# Two outturns of the same figure (one printed to 0.01 万元, one converted from 元) within a unit and
# its rounding: the same figure.
SAME_FIGURE_WAN = SETTINGS.unit_wan + SETTINGS.rounding_wan
MIN_IQR_PP = 1.0  # rates more concentrated than this have no meaningful Tukey fences


def project_key(name) -> str:
    """`聘用人员工作经费2022` → `聘用人员`; `2021年度党办系统工作经费` → `党办系统`."""
    if name is None or pd.isna(name):
        return ""
    return re.sub(_PROJECT_NOISE, "", str(name))


def _same_project(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 4


def merge_project_restatements(be: pd.DataFrame) -> pd.DataFrame:
    """One row per project: the narrative's 绩效自评综述 and the 绩效自评表 state the same project
    (names differ by a year or 工作/经费, outturns by rounding). The table's row is kept (it prints
    the budget basis and the unrounded figures); `also_printed_at` names the other place."""
    be = be.copy()
    be["also_printed_at"] = ""
    proj = be[be.level == "project"]
    # the project rows by report, as plain records in frame order (a sort and itertuples per report
    # cost ~10 ms each); within a report the table's rows first, stable, nulls last, as sort_values did
    fields = ["source_kind", "final_wan", "name", "source_ref", "budget_basis", "budget_wan", "times_printed"]
    by_report: dict[str, list[tuple]] = {}
    cols = [proj[c].astype("object").tolist() for c in ["report_id", *fields]]
    for k, rid, *rec in zip(proj.index, *cols):
        by_report.setdefault(rid, []).append((k, *rec))
    drop: set = set()
    also: dict = {}  # index label → where else the project is printed
    times: dict = {}  # index label → times printed, the merged rows' included
    for recs in by_report.values():
        rows = sorted(recs, key=lambda r: 2 if pd.isna(r[1]) else r[1] != "table")
        keys = [project_key(r[3]) for r in rows]
        for i, a in enumerate(rows):
            if a[0] in drop:
                continue
            for j in range(i + 1, len(rows)):
                b = rows[j]
                if b[0] in drop or pd.isna(a[2]) or pd.isna(b[2]):
                    continue
                if abs(a[2] - b[2]) <= SAME_FIGURE_WAN and _same_project(keys[i], keys[j]):
                    drop.add(b[0])
                    note = f"{b[4]} ({b[3]}, {b[5]} {b[6]:,.2f})"
                    prev = also.get(a[0], "")
                    also[a[0]] = f"{prev}; {note}" if prev else note
                    times[a[0]] = times.get(a[0], a[7]) + b[7]
    # written once (a cell assignment per merge cost ~0.5 ms)
    if also:
        be["also_printed_at"] = pd.Series(
            [also.get(k, "") for k in be.index], index=be.index, dtype=be.also_printed_at.dtype
        )
        be["times_printed"] = pd.Series(
            [times.get(k, t) for k, t in zip(be.index, be.times_printed.tolist())],
            index=be.index,
            dtype=be.times_printed.dtype,
        )
    return be.drop(index=list(drop))


@per_report()
def rates(corpus: Corpus) -> pd.DataFrame:
    """budget_execution once per statement, with the rate recomputed from its amounts, the report
    label and the quality flag of the checks over it. Reports restate the same figures (the 绩效
    appendix repeats the narrative): a statement printed several times is counted once
    (`times_printed` says how often), and a project stated in the narrative and in the 绩效自评表 is
    one project (`also_printed_at`)."""
    be = corpus.budget_execution
    if be.empty:
        return be.assign(
            rate=pd.Series(dtype="float64"),
            report=pd.Series(dtype="object"),
            times_printed=pd.Series(dtype="int64"),
            also_printed_at=pd.Series(dtype="object"),
            flag=pd.Series(dtype="object"),
            flag_message=pd.Series(dtype="object"),
        )
    times = be.groupby(STATEMENT_KEY, dropna=False).report_id.transform("size")
    be = be.assign(times_printed=times).drop_duplicates(STATEMENT_KEY, keep="first")
    # recomputed unrounded (the dataset's rate_computed_pct is rounded to 2 decimals), null for a zero budget
    be = be.assign(
        rate=be.final_wan / be.budget_wan.where(be.budget_wan != 0) * 100, report=be.report_id.map(corpus.labels())
    )
    be = merge_project_restatements(be)
    # The 三公 total is an overall statement about another budget, and the sum of all projects is
    # not a project: each is shown as its own level here.
    level = be.level.astype("object").where(be.subject.fillna("spending") != "three_public", "三公")
    all_projects = (level == "project") & be.name.fillna("").str.contains(PROJECT_TOTAL, regex=True)
    level = level.where(~all_projects, "all projects")
    be["level"] = pd.Categorical(level, categories=LEVEL_ORDER + ["all projects", "三公"], ordered=True)
    be = quality.flag_rows(be, corpus, ["budget_wan", "final_wan", "rate_printed_pct"])
    # numbered afresh: the comparable corpus's rows come from a query without the reports left out,
    # or from a frame with them filtered out; the rows are the same, their old numbers are not
    return be.reset_index(drop=True)


# The columns of `rates` the budget page reads (its figures, tables, outliers, printed_vs_computed): the page takes
# these, so that each frame it derives (usable rows, rates by group, both amounts …) copies them only: at 10,000
# reports each copy of every column was ~100 MB.
PAGE_COLUMNS = [
    "report_id",
    "report",
    "level",
    "code",
    "name",
    "budget_basis",
    "budget_wan",
    "final_wan",
    "rate_printed_pct",
    "rate",
    "also_printed_at",
    "flag",
    "flag_message",
    "source_ref",
]


def rate_groups(be: pd.DataFrame) -> pd.DataFrame:
    """Rates with a `group` of level and budget basis (`类 · 年初预算`): rates against different
    bases are not comparable, so no figure pools them."""
    d = be.dropna(subset=["rate"])
    if d.empty:
        return d.assign(group=pd.Series(dtype="object"))
    order = [f"{value_word(l)} · {b}" for l in be.level.cat.categories for b in BASES]
    g = d.level.astype(str).map(value_word) + " · " + d.budget_basis.astype(str)
    present = [o for o in order if (g == o).any()] + sorted(set(g) - set(order))
    return d.assign(group=pd.Categorical(g, categories=present, ordered=True))


def summary_by_level(be: pd.DataFrame) -> pd.DataFrame:
    """Per level and budget basis: statements, reports, median, quartiles, min/max of the per-statement
    rates. No amounts are summed across reports (departments, years)."""
    if be.empty or be.rate.notna().sum() == 0:
        return pd.DataFrame()
    g = be.dropna(subset=["rate"]).groupby(["level", "budget_basis"], observed=True)
    out = g.rate.describe()[["count", "min", "25%", "50%", "75%", "max"]]
    out.insert(1, "reports", g.report_id.nunique())
    # no pooled rate: money added across departments and years would let the largest budget speak for all
    return out.rename(columns={"50%": "median"})


OUTLIER_COLUMNS = [
    "report",
    "level",
    "budget_basis",
    "code",
    "name",
    "budget_wan",
    "final_wan",
    "rate",
    "why",
    "source_ref",
]


def outliers(be: pd.DataFrame, k: float = 1.5) -> pd.DataFrame:
    """Statements whose rate lies outside the Tukey fences of their level and budget basis (groups
    with ≥ 4 rates whose quartiles are at least MIN_IQR_PP apart: when most rates are exactly 100%
    the fences collapse to 100–100% and would call 98.6% an outlier), or that spent more than
    budgeted beyond rounding, or less than half of it. Rates implicated in a failing or uncertain
    check are not findings: they are left out here (`rates(...).flag` lists them)."""
    if be.empty:
        return be
    usable = (be.flag.fillna("") == "") if "flag" in be else slice(None)  # rate_groups leaves out rates undefined
    # the figures the fences and limits read, alone: the statements' text is taken for the findings only (at
    # 10,000 reports each copy of `rates` was ~60 MB, and the filters and groups made four at once)
    b = rate_groups(be.loc[usable, ["report_id", "level", "budget_basis", "budget_wan", "final_wan", "rate"]])
    b["why"] = ""
    for grp, g in b.groupby("group", observed=True):
        if len(g) >= 4:
            q1, q3 = g.rate.quantile([0.25, 0.75])
            iqr = q3 - q1
            if iqr < MIN_IQR_PP:
                continue
            out = (g.rate < q1 - k * iqr) | (g.rate > q3 + k * iqr)
            b.loc[g.index[out], "why"] = f"outside the {grp} fences ({q1 - k * iqr:.1f}–{q3 + k * iqr:.1f}%)"
    tol = pd.Series([rate_tolerance_pp(x, y) for x, y in zip(b.budget_wan, b.final_wan)], index=b.index)
    b.loc[(b.why == "") & (b.rate > 100 + tol), "why"] = "over budget (> 100%)"
    b.loc[(b.why == "") & (b.rate < 50), "why"] = "under half of budget (< 50%)"
    # a project restating a line's deviation (汉阳 2024's 来凤 money: 项 2130599 and two project statements) is
    # one finding, the line's
    found = b.why != ""
    kept = b.index[found & (restated_lines(b, found, named=be) == "")]
    hits = be.loc[kept, [c for c in OUTLIER_COLUMNS if c != "why"]].assign(why=b.why[kept])
    hits = hits.assign(dev=(hits.rate - 100).abs()).sort_values("dev", ascending=False)
    return hits[OUTLIER_COLUMNS]


def restated_lines(be: pd.DataFrame, among: pd.Series | None = None, named: pd.DataFrame | None = None) -> pd.Series:
    """Per statement, "" or the 类/款/项 line of its report whose deviation (决算 − 预算) a project statement
    restates: the same non-zero deviation within rounding, on a budget no larger than the line's. 汉阳 2024
    states its 来凤 money three times: 项 2130599 1,783 → 1,793 (line 313), the narrative's project
    巩固脱贫衔接乡村振兴 1,783 → 1,793 (line 385) and the 绩效自评表's 恩施州来凤县结对帮扶经费 1,780 → 1,790
    (line 570): one 10 万元 addition, counted once. `among` (a mask): the statements asked about ("" for the
    others), each against every line of `be` (the outliers ask about theirs alone: every project of 10,000
    reports paired with its report's lines was ~150 MB at once). `named`: the frame whose rows (by index) give
    the line's code, name and place, when `be` holds its figures alone (default `be`)."""
    out = pd.Series("", index=be.index, dtype="object")
    if be.empty:
        return out
    dev = be.final_wan - be.budget_wan
    level = be.level.astype(str)
    moved = dev.abs() > SAME_FIGURE_WAN
    pos = pd.Series(range(len(be)), index=be.index)  # row positions: the first line printed is the one named
    keys = pd.DataFrame({"report_id": be.report_id.astype("object"), "dev": dev, "budget": be.budget_wan, "pos": pos})
    lines = keys[level.isin(["类", "款", "项"]) & moved]
    projects = keys[(level == "project") & moved & (True if among is None else among)]
    # each project against its own report's lines, all at once (a filter of every line per project was
    # quadratic: 37 s at 10,000 reports)
    pairs = projects.merge(lines, on="report_id", suffixes=("", "_line"))
    pairs = pairs[
        ((pairs.dev_line - pairs.dev).abs() <= SAME_FIGURE_WAN) & (pairs.budget_line >= pairs.budget - SAME_FIGURE_WAN)
    ]
    first = pairs.sort_values(["pos", "pos_line"]).drop_duplicates("pos")
    for k, j in zip(first.pos, first.pos_line):
        m = be.iloc[j] if named is None else named.loc[be.index[j]]
        out.iloc[k] = f"{m.level} {m.code if pd.notna(m.code) else ''} {m['name']} ({m.source_ref})".replace("  ", " ")
    return out


def rate_tolerance_pp(budget, final) -> float:
    """How far a rate recomputed from amounts printed to 0.01 万元 can drift from the exact one,
    plus half a unit of the printed rate's last (second) decimal."""
    if budget is None or pd.isna(budget) or budget == 0:
        return float("nan")
    b, f = abs(float(budget)), abs(float(final or 0))
    r = SETTINGS.rounding_wan
    return 100 * (r / b + f * r / b**2) + SETTINGS.rate_equal_pct


VERDICTS = {"pass": "agrees", "fail": "differs", "uncertain": "uncertain"}


def _rate_checks(corpus: Corpus) -> dict[str, list[tuple]]:
    """The N.rate_completion checks by report, as plain records (ref tokens, found, expected, outcome,
    message): one pass over them instead of a frame filter per statement."""
    out: dict[str, list[tuple]] = {}
    # a batch of reports at a time: the page holds these records, not every failing check of the corpus (85 MB
    # in pandas at 10,000 reports, kept with the corpus once read whole)
    for part in corpus.batches():
        ch = part.checks
        rc = ch[ch.rule_id == "N.rate_completion"] if len(ch) else ch
        for rid, recs in quality.by_report(rc, ("source_ref", "found", "expected", "outcome", "message")).items():
            out.setdefault(rid, []).extend((quality.ref_tokens(ref), *rest) for ref, *rest in recs)
    return out


def _verdict(r, checks: list[tuple]) -> tuple[str, str]:
    """(verdict, check message) of one printed rate: the check at its place with its printed value, the
    one whose expected rate is this statement's where several are there."""
    toks = quality.ref_tokens(r.source_ref)
    hit = [c for c in checks if c[0] & toks and quality.same_figure(c[1], r.rate_printed_pct)]
    if hit and pd.notna(r.rate):
        expected = [-1e9 if c[2] is None or pd.isna(c[2]) else c[2] for c in hit]
        hit2 = [
            c
            for c, e in zip(hit, expected)
            if quality.same_figure(e, r.rate) or abs(float(e) - r.rate) < SETTINGS.same_rate_pct
        ]
        hit = hit2 or hit
    if not hit:
        return ("not checked" if pd.notna(r.rate) else "undefined (zero budget)"), ""
    _, _, _, outcome, message = hit[0]
    shown = "" if outcome == "pass" and not str(message).startswith("rounding") else f"N.rate_completion: {message}"
    return VERDICTS.get(outcome, outcome), shown


PVC_COLUMNS = [
    "report",
    "level",
    "budget_basis",
    "name",
    "budget_wan",
    "final_wan",
    "rate_printed_pct",
    "rate",
    "gap_pp",
    "verdict",
    "check_message",
    "agrees",
    "source_ref",
]


def printed_vs_computed(corpus: Corpus, be: pd.DataFrame | None = None) -> pd.DataFrame:
    """Statements with a printed rate: printed, recomputed, gap, and the verdict of the check that
    recomputed it (N.rate_completion, matched by place and printed value): `agrees` (equal, or
    within the rounding of the printed figures, as the check allows for the decimals actually
    printed), `differs` (the check failed), `uncertain`, or `not checked`. The page's counts are
    taken from this column, so the page and the checks cannot disagree."""
    be = rates(corpus) if be is None else be
    if be.empty:
        return pd.DataFrame()
    p = be[be.rate_printed_pct.notna()].copy()
    if p.empty:
        return pd.DataFrame()
    p["gap_pp"] = p.rate_printed_pct - p.rate
    checks = _rate_checks(corpus)
    said = [_verdict(r, checks.get(r.report_id, [])) for r in p.itertuples()]
    verdicts = [v for v, _ in said]
    p["verdict"] = verdicts
    p["check_message"] = [m for _, m in said]
    # kept for callers that count `agrees == False`: the same verdict as a boolean (None when undecided)
    p["agrees"] = pd.Series(
        [True if v == "agrees" else False if v == "differs" else None for v in verdicts], index=p.index, dtype="object"
    )
    order = {"differs": 0, "uncertain": 1, "not checked": 2, "agrees": 3}
    p["_k"] = p.verdict.map(order).fillna(4)
    p = p.sort_values(["_k", "report"]).drop(columns="_k")
    return p[PVC_COLUMNS].reset_index(drop=True)


THREE_PUBLIC_COLUMNS = [
    "report_id",
    "report",
    "item",
    "item_name",
    "budget_basis",
    "budget_wan",
    "final_wan",
    "rate",
    "source",
    "source_ref",
    "flag",
    "flag_message",
    "rate_from_parts",
]


def _rates_from_parts(df: pd.DataFrame, corpus: Corpus) -> list[float]:
    """Per row, the rate against the budget a failing check's own arithmetic gives (NaN where none)."""
    # the problem checks by report as plain records, once (a frame filter per failing row grew with the corpus)
    by_report = quality.by_report(quality.problems(corpus), ("tokens", "rule_id", "found", "expected"))
    parts = []
    for r in df.itertuples():
        v = float("nan")
        if r.flag == quality.FLAG_FAIL and pd.notna(r.final_wan):
            toks = quality.ref_tokens(r.source_ref)
            hits = [
                (f, e)
                for t, rule, f, e in by_report.get(r.report_id, [])
                if toks and quality.implicates(t, rule, f, e, toks, [r.budget_wan], r.item)
            ]
            hits = [h for h in hits if quality.same_figure(h[0], r.budget_wan)]
            if hits and pd.notna(hits[0][1]) and hits[0][1]:
                v = r.final_wan / float(hits[0][1]) * 100
        parts.append(v)
    return parts


def _flag_doubtful_t7(df: pd.DataFrame, corpus: Corpus) -> None:
    """Mark (in place) the table's rows whose T7 cells were read as doubtful (a text copy without column
    positions), unless a check already flags them."""
    dc = corpus.doubtful_rows("line_items", "T7")  # asked of the files: the page on budgets reads no other line item
    if not len(dc):
        return
    measures: dict[str, set] = {}
    for rid, m in zip(dc.report_id.astype("object").tolist(), dc.measure.astype("object").tolist()):
        measures.setdefault(rid, set()).add(m)
    reasons = quality.doubtful_reasons_by_report(corpus, "T7")
    t = df[df.source == "table"]
    for k, rid, item in zip(t.index, t.report_id.astype("object").tolist(), t["item"].astype("object").tolist()):
        mine = measures.get(rid, set())
        if (f"budget_{item}" in mine or f"final_{item}" in mine) and not df.at[k, "flag"]:
            df.at[k, "flag"] = quality.FLAG_DOUBTFUL
            df.at[k, "flag_message"] = reasons.get(rid, "")


@per_report()
def three_public(corpus: Corpus) -> pd.DataFrame:
    """三公 budget vs outturn per report and item, from `three_public` (extraction writes the T7
    table's figures there as `source` table, the narrative's as `source` narrative), with the
    quality flag: figures a failing or uncertain check implicates, or T7 cells read as doubtful.
    `rate_from_parts` is the rate against the budget the check's own arithmetic gives (e.g. a
    misprinted 小计 replaced by 购置 + 运行) where a failing check supplies one."""
    tp = corpus.three_public
    if tp.empty:
        return pd.DataFrame(columns=THREE_PUBLIC_COLUMNS)
    df = tp.assign(
        report=tp.report_id.map(corpus.labels()),
        source=tp.source.astype("object"),
        item_name=tp.item.map(THREE_PUBLIC_NAMES),
        budget_basis=tp.report_id.astype("object")
        .map(three_public_bases(corpus))
        .astype("object")
        .fillna(BASIS_NOT_STATED),
        rate=tp.final_wan / tp.budget_wan.where(tp.budget_wan.fillna(0) != 0) * 100,
    )
    df = quality.flag_rows(df, corpus, ["budget_wan", "final_wan"], item_col="item")
    df["rate_from_parts"] = _rates_from_parts(df, corpus)
    _flag_doubtful_t7(df, corpus)
    return df[THREE_PUBLIC_COLUMNS].reset_index(drop=True)  # numbered afresh, as rates()


def three_public_one_source(tp: pd.DataFrame) -> pd.DataFrame:
    """One row per report and item: the figures of the source that states both budget and outturn
    (the table's first), else the table's, else the narrative's. 财政局 2024's T7 leaves the outturn
    blank where its narrative says 0.00 万元: the narrative's pair is kept, so the report is not lost."""
    if tp.empty:
        return tp
    rank = tp.budget_wan.isna().astype(int) * 2 + tp.final_wan.isna().astype(int) * 2 + (tp.source != "table")
    return tp.assign(_r=rank).sort_values("_r", kind="stable").drop_duplicates(["report_id", "item"]).drop(columns="_r")


BASIS_WORDS = r"(年初预算|全年预算|调整预算)"
BASIS_NOT_STATED = "预算 (basis not stated)"


def three_public_bases(corpus: Corpus) -> dict[str, str]:
    """report_id → the budget its 三公 figures are measured against, as the report words it: the 三公
    completion statement (`budget_execution`, subject three_public), else the words of a 三公 sentence,
    else `预算 (basis not stated)`. 汉阳 2024 and 江汉 2022 print 全年预算, the others 年初预算."""
    out: dict[str, str] = {}
    be = corpus.budget_execution
    if len(be):
        s = be[(be.subject.fillna("") == "three_public") & be.budget_basis.notna()]
        for rid, b in zip(s.report_id.astype("object"), s.budget_basis.astype("object")):
            out.setdefault(rid, b)
    tp = corpus.three_public
    if len(tp):
        for rid, text in zip(tp.report_id.astype("object"), tp.source_text.astype("object")):
            m = re.search(BASIS_WORDS, text) if isinstance(text, str) else None
            if m and rid not in out:
                out[rid] = m.group(1)
    return out


def three_public_by_report(corpus: Corpus, item: str = "total") -> pd.DataFrame:
    """One row per report for a 三公 item (the total by default): its budget basis, budget, outturn and
    rate, `status` `rated` or why there is no rate (no budget printed, a zero budget, a check against
    it). The sentence and the figure both take the `rated` rows of this frame, so their N agree."""
    tp = three_public(corpus)
    one = three_public_one_source(tp)
    cols = [
        "report_id",
        "report",
        "fiscal_year",
        "budget_basis",
        "budget_wan",
        "final_wan",
        "rate",
        "status",
        "source",
        "source_ref",
        "flag",
        "flag_message",
    ]
    if one.empty:
        return pd.DataFrame(columns=cols)
    d = one[one.item == item].copy()
    years = dict(zip(corpus.reports.report_id.astype("object"), corpus.reports.fiscal_year))
    d["fiscal_year"] = d.report_id.map(years)
    status = pd.Series("rated", index=d.index, dtype="object")
    status[d.rate.isna()] = "no rate: outturn not stated"
    status[d.budget_wan.fillna(0) == 0] = "no rate: no budget printed"
    status[(d.budget_wan == 0) & d.budget_wan.notna()] = "no rate: a zero budget"
    status[d.flag.fillna("") != ""] = "left out: " + d.flag.fillna("").astype(str)
    d["status"] = status
    return d[cols].sort_values(["budget_basis", "rate"], na_position="last").reset_index(drop=True)


def three_public_item_rates(one: pd.DataFrame) -> pd.DataFrame:
    """Per item and budget basis, the distribution of the per-report rates: reports, median, min, max
    (no money added across departments or years: a sum would weigh 洪山's 83.75 万元 over 汉阳's 5.86).
    `left_out` names the reports with the item but no rate (no budget, no outturn, a check against it)."""
    cols = [
        "item",
        "item_name",
        "budget_basis",
        "reports",
        "median_rate_pct",
        "min_rate_pct",
        "max_rate_pct",
        "left_out",
    ]
    if one.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for item in THREE_PUBLIC_ITEMS:
        g = one[one.item == item]
        if g.empty:
            continue
        ok = g[g.rate.notna() & (g.flag.fillna("") == "")] if "flag" in g else g[g.rate.notna()]
        left = "、".join(sorted(set(g.report) - set(ok.report)))
        for b, gb in ok.groupby("budget_basis", sort=True):
            rows.append(
                {
                    "item": item,
                    "item_name": THREE_PUBLIC_NAMES[item],
                    "budget_basis": b,
                    "reports": gb.report_id.nunique(),
                    "median_rate_pct": gb.rate.median(),
                    "min_rate_pct": gb.rate.min(),
                    "max_rate_pct": gb.rate.max(),
                    "left_out": left,
                }
            )
        if ok.empty:
            rows.append({"item": item, "item_name": THREE_PUBLIC_NAMES[item], "reports": 0, "left_out": left})
    return pd.DataFrame(rows, columns=cols)


def three_public_sources_agree(tp: pd.DataFrame) -> pd.DataFrame:
    """Where a report gives a 三公 item both in the table and in the narrative: do they agree?"""
    if tp.empty or tp.source.nunique() < 2:
        return pd.DataFrame()
    w = tp.pivot_table(index=["report", "item_name"], columns="source", values="final_wan", aggfunc="first")
    if w.shape[1] < 2:
        return pd.DataFrame()
    w = w.dropna()
    w["diff_wan"] = w.iloc[:, 0] - w.iloc[:, 1]
    w["agree"] = np.isclose(w.diff_wan, 0, atol=SAME_FIGURE_WAN)
    return w.reset_index()


# ---------------------------------------------------------------------------------------------
# Key findings (the sentences a page opens with; every number computed here)


def overall_rates(corpus: Corpus) -> pd.DataFrame:
    """Each report's overall completion rate once per budget basis: statements no check implicates,
    with a rate (a zero budget has none), the first of a report's statements against a basis."""
    corpus = quality.comparable(corpus)
    be = rates(corpus)
    if be.empty:
        return be
    ov = be[(be.level == "overall") & (be.flag.fillna("") == "")].dropna(subset=["rate"])
    years = dict(zip(corpus.reports.report_id.astype("object"), corpus.reports.fiscal_year))
    ov = ov.drop_duplicates(["report_id", "budget_basis"]).assign(fiscal_year=lambda d: d.report_id.map(years))
    return ov


def _space() -> str:
    """Between two sentences: a space in English, none after a Chinese full stop."""
    return "" if lang() == "zh" else " "


def _then(sentence: str, line: str) -> str:
    """A sentence (no closing stop) and its sensitivity line."""
    return sentence + t("narrate.stop") + _space() + line


def _by_basis_phrase(d: pd.DataFrame) -> str:
    """Per budget basis: how many reports, their years and their rates (the median and range of more than two)."""
    return sep()["semi"].join(
        tn("ex.basis_part", len(g), basis=b, years=_years(g), rates=_rates_phrase(g)) for b, g in _by_basis(d)
    )


_overall_rates = _by_basis_phrase
_three_public_rates = _by_basis_phrase


def overall_sentence(corpus: Corpus) -> str:
    """The overall completion headline, the same on the study's page and in `start_here`: one rate
    per report and budget basis, the median and range of each basis; nothing pooled."""
    ov = overall_rates(corpus)
    if ov.empty:
        return ""
    return t("ex.overall", rates=_overall_rates(ov)) + quality.sensitivity(ov, corpus, _overall_rates)


def _differ(pvc: pd.DataFrame) -> str:
    return t("ex.differ", d=int((pvc.verdict == "differs").sum()), n=len(pvc))


def _years(d: pd.DataFrame) -> str:
    y = sorted({int(v) for v in d.fiscal_year.dropna()}) if "fiscal_year" in d else []
    if not y:
        return t("comp.no_year")
    return f"{y[0]}" if y[0] == y[-1] else f"{y[0]}–{y[-1]}"


def _rates_phrase(d: pd.DataFrame) -> str:
    d = d.sort_values("rate")
    if len(d) <= 2:
        return t("verdict.and").join(t("ex.rate_of", rate=pct(r.rate), report=r.report) for r in d.itertuples())
    lo, hi = d.iloc[0], d.iloc[-1]
    return t(
        "ex.median_range",
        median=pct(d.rate.median()),
        lo=pct(lo.rate),
        lo_report=lo.report,
        hi=pct(hi.rate),
        hi_report=hi.report,
    )


def _by_basis(d: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    order = BASES + sorted(set(d.budget_basis.dropna()) - set(BASES))
    return [(b, d[d.budget_basis == b]) for b in order if (d.budget_basis == b).any()]


def three_public_sentence(corpus: Corpus) -> str:
    """The 三公 headline, the same on the study's page and in `start_here`: one rate per report
    against its own budget basis (全年预算 and 年初预算 apart), the median and range of each basis, the
    reports without a rate named; no amount is added across departments or years."""
    corpus = quality.comparable(corpus)
    d = three_public_by_report(corpus)
    if d.empty:
        return ""
    rated = d[d.status == "rated"]
    s = t("ex.tp_head")
    s += t("ex.tp_rates", rates=_three_public_rates(rated)) if len(rated) else t("ex.tp_no_pair")
    rest = d[d.status != "rated"]
    if len(rest):
        items = [
            t("ex.tp_no_rate_item", report=r.report, why=value_word(r.status.split(": ", 1)[-1]))
            for r in rest.itertuples()
        ]
        s += t("ex.tp_no_rate", items=listing(items, joiner=sep()["semi"]))
    if len(rated):
        s += _space() + quality.sensitivity(rated, corpus, _three_public_rates)
    return s


def _printed_rates_finding(corpus: Corpus, be: pd.DataFrame) -> list[str]:
    pvc = printed_vs_computed(corpus, be)
    if pvc.empty:
        return []
    d = pvc[pvc.verdict == "differs"]
    s = t("ex.printed_finding", n=len(pvc), d=len(d))
    if len(d):
        w = d.loc[d.gap_pp.abs().idxmax()]
        s += t(
            "ex.printed_gap", name=w["name"], report=w.report, printed=pct(w.rate_printed_pct, 2), rate=pct(w.rate, 2)
        )
    ids = {lab: rid for rid, lab in corpus.labels().items()}
    return [_then(s, quality.sensitivity(pvc.assign(report_id=pvc.report.map(ids)), corpus, _differ))]


def _three_public_findings(corpus: Corpus) -> list[str]:
    one = three_public_one_source(three_public(corpus))
    if one.empty:
        return []
    out = [said] if (said := three_public_sentence(corpus)) else []
    for r in one[one.flag == quality.FLAG_FAIL].itertuples():
        check = r.flag_message.split(":")[0]  # `T7.vehicle_subtotal (fail)`: the rule and its outcome
        rule, _, outcome = check.partition(" (")
        if lang() == "zh" and outcome:
            check = f"{rule}，{outcome_word(outcome.rstrip(')'))}"
        s = t("ex.tp_rejected", item=r.item_name, report=r.report, rate=pct(r.rate), check=check)
        if pd.notna(r.rate_from_parts):
            s += t("ex.tp_from_parts", rate=pct(r.rate_from_parts))
        out.append(s + t("narrate.stop"))
    return out


def _stand_out(d: pd.DataFrame) -> str:
    return t("ex.stand_out", n=len(d))


def _outliers_finding(corpus: Corpus, be: pd.DataFrame) -> list[str]:
    o = outliers(be)
    if o.empty:
        return []
    top = o.iloc[0]
    said = t(
        "ex.outliers_finding", n=len(o), name=top["name"], report=top.report, rate=pct(top.rate), basis=top.budget_basis
    )
    return [said + quality.sensitivity(_with_ids(o, corpus), corpus, _stand_out)]


def _flagged_finding(be: pd.DataFrame) -> list[str]:
    n_flag = int((be.flag.fillna("") != "").sum())
    return [t("ex.flagged", n=n_flag)] if n_flag else []


def key_findings(corpus: Corpus) -> list[str]:
    """A few sentences with numbers, none resting on a figure a failing or uncertain check implicates
    nor on a report the index marks `do not use` (said once); each headline number has its
    sensitivity line (the same number without the reports to `use with care`)."""
    corpus = quality.comparable(corpus)
    be = rates(corpus)
    left = quality.left_out_sentence(corpus)
    if be.empty:
        return [t("ex.nothing")] + ([left] if left else [])
    out = [said] if (said := overall_sentence(corpus)) else []
    out += [s for s in (overall_reasons_sentence(corpus), reasons_sentence(corpus)) if s]
    out += _printed_rates_finding(corpus, be)
    out += _three_public_findings(corpus)
    out += _outliers_finding(corpus, be)
    out += _flagged_finding(be)
    return out + ([left] if left else [])


# ---------------------------------------------------------------------------------------------
# Why outturn differs from budget (the reports' 原因 sentences; see execution_reasons)


def deviations(corpus: Corpus) -> pd.DataFrame:
    """Each statement's deviation from its 年初预算, split into mid-year change, money moved and the rest,
    with the reason the report prints (execution_reasons.deviations); reports marked `do not use` left out."""
    return _reason_frames(quality.comparable(corpus))[0]


def zero_budget_lines(corpus: Corpus) -> pd.DataFrame:
    """Lines with no 年初 budget and an outturn: no rate, not overruns (execution_reasons.zero_budget_lines)."""
    return _reason_frames(quality.comparable(corpus))[1]


@once_per_corpus
def _reason_frames(corpus: Corpus) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(deviations, zero_budget_lines) of the comparable `corpus`, each computed from the rates of a part
    of the reports at a time: a statement's split reads its own report's statements only."""
    be = rates(corpus)
    return (
        in_report_runs(execution_reasons.deviations, be),
        in_report_runs(execution_reasons.zero_budget_lines, be),
    )


def _split_zero(d: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return d[d.budget_wan != 0], d[d.budget_wan == 0]


def reasons_sentence(corpus: Corpus) -> str:
    """How many statements depart from their budget, by the kind of reason the report prints, and the
    lines with no 年初 budget said apart; with its sensitivity line."""
    corpus = quality.comparable(corpus)
    dev, zero = _reason_frames(corpus)
    both = pd.concat([execution_reasons.usable(dev), execution_reasons.usable(zero)])
    if both.empty:
        return ""
    counts = execution_reasons.reason_counts(dev, zero)
    return _then(counts, quality.sensitivity(both, corpus, lambda d: execution_reasons.reason_counts(*_split_zero(d))))


def overall_reasons_sentence(corpus: Corpus) -> str:
    """Each report's overall outturn against its 年初预算, split into what was added or cut during the year,
    what was moved to another fund and the rest, as the report accounts for it (cited)."""
    corpus = quality.comparable(corpus)
    dev, zero = _reason_frames(corpus)
    said = execution_reasons.overall_reasons(dev, zero)
    if not said:
        return ""
    ov = pd.concat([execution_reasons.usable(d) for d in (dev, zero)])
    ov = ov[ov.level.astype(str) == "overall"]
    return t("ex.overall_reasons", said=said) + quality.sensitivity(
        ov, corpus, lambda d: t("ex.overall_of", reports=listing(list(d.report)))
    )


def _with_ids(d: pd.DataFrame, corpus: Corpus) -> pd.DataFrame:
    """`d` with the report_id of its `report` label (the sensitivity lines count reports by id)."""
    if "report_id" in d:
        return d
    return d.assign(report_id=d.report.map({lab: rid for rid, lab in corpus.labels().items()}))


def _counted(values: pd.Series, key: str) -> str:
    """`3 over budget, 1 under half of budget` (3 条超支、1 条不足预算一半): each value's count, in the page's words."""
    return sep()["list"].join(t(key, n=int(v), what=value_word(k)) for k, v in values.value_counts().items())


def outliers_sentence(corpus: Corpus, out: pd.DataFrame) -> str:
    """The spread section's sentence about `outliers(...)`, with its sensitivity line."""
    if out.empty:
        return t("nb.ex.no_outlier")
    reasons = out.why.str.replace(r"^outside the .*", "outside its level and basis fences", regex=True)
    top = out.iloc[0]
    said = t(
        "ex.outliers",
        n=len(out),
        reasons=_counted(reasons.str.split(" \\(").str[0], "ex.n_statements"),
        iqr=f"{MIN_IQR_PP:.0f}",
        name=top["name"],
        report=top.report,
        rate=pct(top.rate),
    )
    return said + quality.sensitivity(_with_ids(out, corpus), corpus, _stand_out)


def printed_rates_sentence(corpus: Corpus, pvc: pd.DataFrame) -> str:
    """The printed-vs-recomputed section's sentence: the verdicts counted, the largest gap, the sensitivity line."""
    if pvc.empty:
        return t("nb.ex.no_printed_rate")
    bad = pvc[pvc.verdict == "differs"]
    s = t(
        "nb.ex.printed",
        n=len(pvc),
        reports=reports_phrase(pvc.report.nunique()),
        counts=_counted(pvc.verdict, "ex.n_rates"),
    )
    if len(bad):
        w = bad.loc[bad.gap_pp.abs().idxmax()]
        s += t("nb.ex.largest_gap", name=w["name"], report=w.report, gap=f"{abs(w.gap_pp):.2f}")
    return s + _space() + quality.sensitivity(_with_ids(pvc, corpus), corpus, _differ)


def _over(x: pd.DataFrame) -> str:
    return t("ex.over", n=len(x))


def overrun_sentence(d: pd.DataFrame, corpus: Corpus | None = None) -> str:
    """How many statements spent more than a non-zero budget (the largest overrun named), a project restating a
    line's overrun counted once (`restated_lines`); lines with no budget (0) and an outturn are counted apart,
    never as overruns."""
    both = d.dropna(subset=["budget_wan", "final_wan"])
    zero = both[(both.budget_wan == 0) & (both.final_wan > 0)]
    over = both[(both.budget_wan != 0) & (both.final_wan > both.budget_wan)]
    again = restated_lines(over) != ""
    s = t("ex.over", n=int((~again).sum()))
    if len(over):
        top = over.assign(x=over.final_wan - over.budget_wan).sort_values("x").iloc[-1]
        s += t("ex.over_top", name=top["name"], report=top.report, amount=wan(top.x))
    if again.any():
        s += tn("ex.over_restated", int(again.sum()))
    if len(zero):
        s += t("ex.over_zero", n=len(zero))
    s += t("narrate.stop")
    if corpus is not None and len(over):
        s += _space() + quality.sensitivity(over[~again], corpus, _over)
    return s
