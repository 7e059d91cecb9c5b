"""Quality flags carried into the studies: which study values a failing or `uncertain` check
implicates, and which rest on cells whose reading is doubtful.

A value is implicated by a check when the check is about the same report, names the same place
(`line N` / `page N` in its `source_ref`) and prints that value as the figure it doubts (`found`)
or as the figure the report's other numbers give (`expected`). Checks decide what "differs";
the studies never use a looser or tighter rule of their own.
"""

from __future__ import annotations

import re

import pandas as pd

from .load import Corpus

PROBLEM_OUTCOMES = ("fail", "uncertain")
FLAG_FAIL = "failed check"
FLAG_UNCERTAIN = "uncertain check"
FLAG_DOUBTFUL = "doubtful reading"
_REF = re.compile(r"\b(line|page)\s+(\d+)")
VALUE_ATOL = 0.006

# Checks whose `found` is one particular 三公 item (so an equal figure of another item is not implicated).
RULE_ITEM = {"T7.vehicle_subtotal": "vehicle_total", "T7.total": "total"}


def ref_tokens(ref) -> set[str]:
    """`T7 line 369; narrative line 501` → {"line 369", "line 501"}."""
    if ref is None or (not isinstance(ref, str) and pd.isna(ref)):
        return set()
    return {f"{a} {b}" for a, b in _REF.findall(str(ref))}


def problems(corpus: Corpus) -> pd.DataFrame:
    """Checks that failed or are uncertain, with their place tokens."""
    ch = corpus.checks
    if ch.empty:
        return ch.assign(tokens=pd.Series(dtype="object"))
    p = ch[ch.outcome.isin(PROBLEM_OUTCOMES)].copy()
    p["tokens"] = pd.Series([ref_tokens(x) for x in p.source_ref], index=p.index, dtype="object")
    return p


def _close(a, b) -> bool:
    try:
        return (
            a is not None
            and b is not None
            and not pd.isna(a)
            and not pd.isna(b)
            and abs(float(a) - float(b)) < VALUE_ATOL
        )
    except (TypeError, ValueError):
        return False


def implicating(probs: pd.DataFrame, report_id: str, ref, values, item: str | None = None) -> pd.DataFrame:
    """The problem checks of `report_id` that name `ref`'s place and print one of `values`."""
    if probs.empty:
        return probs
    toks = ref_tokens(ref)
    if not toks:
        return probs.iloc[0:0]
    mine = probs[probs.report_id == report_id]
    keep = [
        k
        for k, t, rule, f, e in zip(mine.index, mine.tokens, mine.rule_id, mine.found, mine.expected)
        if (t & toks)
        and (item is None or RULE_ITEM.get(rule, item) == item)
        and any(_close(v, f) or _close(v, e) for v in values)
    ]
    return mine.loc[keep]


def describe(hits: pd.DataFrame) -> tuple[str, str]:
    """(flag, message) for a set of implicating checks: a failure outranks an uncertain check."""
    if hits is None or hits.empty:
        return "", ""
    flag = FLAG_FAIL if (hits.outcome == "fail").any() else FLAG_UNCERTAIN
    msg = " | ".join(f"{c.rule_id} ({c.outcome}): {c.message}" for c in hits.itertuples())
    return flag, msg


def flag_rows(
    df: pd.DataFrame, corpus: Corpus, value_cols: list[str], ref_col: str = "source_ref", item_col: str | None = None
) -> pd.DataFrame:
    """`df` with `flag` (""/failed check/uncertain check) and `flag_message` (the checks' messages)."""
    probs = problems(corpus)
    by_report = {rid: g for rid, g in probs.groupby("report_id")} if len(probs) else {}
    flags, msgs = [], []
    for r in df.itertuples(index=False):
        mine = by_report.get(r.report_id)
        if mine is None:
            flags.append("")
            msgs.append("")
            continue
        vals = [getattr(r, c) for c in value_cols]
        item = getattr(r, item_col) if item_col else None
        f, m = describe(implicating(mine, r.report_id, getattr(r, ref_col), vals, item))
        flags.append(f)
        msgs.append(m)
    return df.assign(
        flag=pd.Series(flags, index=df.index, dtype="object"),
        flag_message=pd.Series(msgs, index=df.index, dtype="object"),
    )


def doubtful_cells(corpus: Corpus) -> pd.DataFrame:
    """line_items cells whose reading is doubtful (report_id, table, code, measure, source_ref)."""
    li = corpus.line_items
    if li.empty or "doubtful" not in li:
        return li.iloc[0:0]
    return li[li.doubtful.fillna(False).astype(bool)]


def doubtful_reasons(corpus: Corpus, report_id: str, table: str) -> str:
    tr = corpus.table_readings
    if tr.empty:
        return ""
    hit = tr[(tr.report_id == report_id) & (tr.table == table) & tr.doubtful.fillna(False).astype(bool)]
    if hit.empty:
        return ""
    reasons = hit.iloc[0].reasons
    text = "; ".join(str(x) for x in reasons) if reasons is not None and len(reasons) else "reading doubtful"
    return f"{table} reading is doubtful: {text[:400]}" + ("…" if len(text) > 400 else "")
