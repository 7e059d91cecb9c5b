"""Budget execution: completion rates (决算 / 预算), their spread and outliers, 三公 budget vs
outturn, and printed vs recomputed rates beside the checks that failed.

A rate against a zero or missing budget is undefined (null), never 0 or 100.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .load import Corpus

LEVEL_ORDER = ["overall", "类", "款", "项", "project"]
THREE_PUBLIC_ITEMS = ["total", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception"]
THREE_PUBLIC_NAMES = {"total": "合计", "overseas": "因公出国(境)费", "vehicle_total": "公务用车购置及运行费",
                      "vehicle_purchase": "公务用车购置费", "vehicle_operation": "公务用车运行费",
                      "reception": "公务接待费"}


# A "project" row that is really the sum of all projects (a table's 合计, a 项目…综述 sentence).
PROJECT_TOTAL = r"^(?:合计|总计|小计)$|综述|全部项目|项目合计"
STATEMENT_KEY = ["report_id", "level", "name", "budget_basis", "budget_wan", "final_wan"]


def rates(corpus: Corpus) -> pd.DataFrame:
    """budget_execution once per statement, with the rate recomputed from its amounts and the
    report label. Reports restate the same figures (the 绩效 appendix repeats the narrative):
    a statement printed several times is counted once (`times_printed` says how often)."""
    be = corpus.budget_execution
    if be.empty:
        return be.assign(rate=pd.Series(dtype="float64"), report=pd.Series(dtype="object"),
                         times_printed=pd.Series(dtype="int64"))
    times = be.groupby(STATEMENT_KEY, dropna=False).report_id.transform("size")
    be = be.assign(times_printed=times).drop_duplicates(STATEMENT_KEY, keep="first")
    # recomputed unrounded (the dataset's rate_computed_pct is rounded to 2 decimals), null for a zero budget
    be = be.assign(rate=be.final_wan / be.budget_wan.where(be.budget_wan != 0) * 100,
                   report=be.report_id.map(corpus.labels()))
    # The 三公 total is an overall statement about another budget, and the sum of all projects is
    # not a project: each is shown as its own level here.
    level = be.level.astype("object").where(be.subject.fillna("spending") != "three_public", "三公")
    all_projects = (level == "project") & be.name.fillna("").str.contains(PROJECT_TOTAL, regex=True)
    level = level.where(~all_projects, "all projects")
    be["level"] = pd.Categorical(level, categories=LEVEL_ORDER + ["all projects", "三公"], ordered=True)
    return be


def summary_by_level(be: pd.DataFrame) -> pd.DataFrame:
    """Per level and budget basis: statements, reports, median, quartiles, min/max of the rate."""
    if be.empty or be.rate.notna().sum() == 0:
        return pd.DataFrame()
    g = be.dropna(subset=["rate"]).groupby(["level", "budget_basis"], observed=True)
    out = g.rate.describe()[["count", "min", "25%", "50%", "75%", "max"]]
    out.insert(1, "reports", g.report_id.nunique())
    out["budget_wan"] = g.budget_wan.sum()
    out["final_wan"] = g.final_wan.sum()
    out["pooled_rate_pct"] = out.final_wan / out.budget_wan.where(out.budget_wan != 0) * 100
    return out.rename(columns={"50%": "median"})


def outliers(be: pd.DataFrame, k: float = 1.5) -> pd.DataFrame:
    """Statements whose rate lies outside the Tukey fences of their level (levels with ≥ 4 rates),
    or that spent more than budgeted (> 100%) or less than half of it (< 50%)."""
    if be.empty:
        return be
    b = be.dropna(subset=["rate"]).copy()
    b["why"] = ""
    for lvl, g in b.groupby("level", observed=True):
        if len(g) >= 4:
            q1, q3 = g.rate.quantile([0.25, 0.75])
            iqr = q3 - q1
            out = (g.rate < q1 - k * iqr) | (g.rate > q3 + k * iqr)
            b.loc[g.index[out], "why"] = f"outside {lvl} fences ({q1 - k * iqr:.1f}–{q3 + k * iqr:.1f}%)"
    b.loc[(b.why == "") & (b.rate > 100), "why"] = "over budget (> 100%)"
    b.loc[(b.why == "") & (b.rate < 50), "why"] = "under half of budget (< 50%)"
    b = b[b.why != ""]
    b = b.assign(dev=(b.rate - 100).abs()).sort_values("dev", ascending=False).drop(columns="dev")
    return b[["report", "level", "code", "name", "budget_wan", "final_wan", "rate", "why", "source_ref"]]


def rate_tolerance_pp(budget, final) -> float:
    """How far a rate recomputed from amounts printed to 0.01 万元 can drift from the exact one,
    plus half a unit of the printed rate's last (second) decimal."""
    if budget is None or pd.isna(budget) or budget == 0:
        return float("nan")
    b, f = abs(float(budget)), abs(float(final or 0))
    return 100 * (0.005 / b + f * 0.005 / b**2) + 0.005


def printed_vs_computed(corpus: Corpus, be: pd.DataFrame | None = None) -> pd.DataFrame:
    """Statements with a printed rate: printed, recomputed, gap, tolerance, and the failing checks
    of the same report read at the same place (or about rates when the place does not match)."""
    be = rates(corpus) if be is None else be
    if be.empty:
        return pd.DataFrame()
    p = be[be.rate_printed_pct.notna()].copy()
    if p.empty:
        return pd.DataFrame()
    p["gap_pp"] = p.rate_printed_pct - p.rate
    p["tolerance_pp"] = [rate_tolerance_pp(b, f) for b, f in zip(p.budget_wan, p.final_wan)]
    p["agrees"] = (p.gap_pp.abs() <= p.tolerance_pp).where(p.rate.notna())
    ch = corpus.checks
    fails = ch[ch.outcome == "fail"] if len(ch) else ch
    beside = []
    for r in p.itertuples():
        if r.agrees is True:
            beside.append("")  # nothing to explain
            continue
        mine = fails[fails.report_id == r.report_id] if len(fails) else fails
        same = mine[mine.source_ref.fillna("").str.contains(str(r.source_ref), regex=False)] if len(mine) else mine
        if len(mine) and same.empty:
            same = mine[mine.rule_id.str.contains("rate|execution|budget|完成", case=False, na=False)]
        beside.append("; ".join(f"{c.rule_id}: {c.message}" for c in same.itertuples()) if len(same) else "")
    p["failing_checks"] = beside
    p["_k"] = p.agrees.map({False: 0, True: 1}).astype("float64").fillna(2)
    p = p.sort_values(["_k", "report"]).drop(columns="_k")
    return p[["report", "level", "name", "budget_wan", "final_wan", "rate_printed_pct", "rate", "gap_pp",
              "tolerance_pp", "agrees", "failing_checks", "source_ref"]].reset_index(drop=True)


def three_public(corpus: Corpus) -> pd.DataFrame:
    """三公 budget vs outturn per report and item, from `three_public` (extraction writes the T7
    table's figures there as `source` table, the narrative's as `source` narrative)."""
    tp = corpus.three_public
    if tp.empty:
        return pd.DataFrame(columns=["report_id", "report", "item", "item_name", "budget_wan", "final_wan", "rate", "source", "source_ref"])
    df = tp.assign(report=tp.report_id.map(corpus.labels()), source=tp.source.astype("object"),
                   item_name=tp.item.map(THREE_PUBLIC_NAMES),
                   rate=tp.final_wan / tp.budget_wan.where(tp.budget_wan.fillna(0) != 0) * 100)
    return df[["report_id", "report", "item", "item_name", "budget_wan", "final_wan", "rate", "source", "source_ref"]]


def three_public_one_source(tp: pd.DataFrame) -> pd.DataFrame:
    """One row per report and item: the table's figures where printed, else the narrative's."""
    if tp.empty:
        return tp
    rank = (tp.source != "table").astype(int)
    return tp.assign(_r=rank).sort_values("_r").drop_duplicates(["report_id", "item"]).drop(columns="_r")


def three_public_sources_agree(tp: pd.DataFrame) -> pd.DataFrame:
    """Where a report gives a 三公 item both in the table and in the narrative: do they agree?"""
    if tp.empty or tp.source.nunique() < 2:
        return pd.DataFrame()
    w = tp.pivot_table(index=["report", "item_name"], columns="source", values="final_wan", aggfunc="first")
    if w.shape[1] < 2:
        return pd.DataFrame()
    w = w.dropna()
    w["diff_wan"] = w.iloc[:, 0] - w.iloc[:, 1]
    w["agree"] = np.isclose(w.diff_wan, 0, atol=0.015)
    return w.reset_index()
