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

from ..core import schema
from ..core.settings import SETTINGS
from ..data.load import Corpus
from ..publish.text import lang, sep, t, tn
from .narrate import listing

PROBLEM_OUTCOMES = ("fail", "uncertain")
FLAG_FAIL = "failed check"
FLAG_UNCERTAIN = "uncertain check"
FLAG_DOUBTFUL = "doubtful reading"
_REF = re.compile(r"\b(line|page)\s+(\d+)")

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
    # a failure of severity info (a figure cut in its last digit) is no problem with the figure
    p = ch[ch.outcome.isin(PROBLEM_OUTCOMES) & ~((ch.outcome == "fail") & (ch.severity == "info"))].copy()
    p["tokens"] = pd.Series([ref_tokens(x) for x in p.source_ref], index=p.index, dtype="object")
    return p


def failing_checks(corpus: Corpus, limit: int | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """The failing and `uncertain` checks of `corpus`, worst first (outcome, severity, then report label, with
    a `report` column), the first `limit` of them; and how many there are of each outcome. Gathered a batch of
    reports at a time (each batch's first `limit`, sorted again: the sort is stable, so these are the first
    `limit` of the whole), so that a page holds the rows it shows, not every failing check of the corpus."""
    labels, worst_first = corpus.labels(), ["outcome", "severity", "report"]
    heads, counts = [], {o: 0 for o in PROBLEM_OUTCOMES}
    for part in corpus.batches():
        ch = part.checks
        f = ch[ch.outcome.isin(PROBLEM_OUTCOMES)] if len(ch) else ch
        for outcome in PROBLEM_OUTCOMES:
            counts[outcome] += int((f.outcome == outcome).sum()) if len(f) else 0
        if len(f):
            f = f.assign(report=f.report_id.map(labels)).sort_values(worst_first, kind="stable")
            heads.append(f.head(limit) if limit is not None else f)
    if not heads:
        return schema.empty("checks").assign(report=pd.Series(dtype="object")), counts
    out = pd.concat(heads, ignore_index=True) if len(heads) > 1 else heads[0]
    out = out.sort_values(worst_first, kind="stable")
    return (out.head(limit) if limit is not None else out).reset_index(drop=True), counts


def same_figure(a, b) -> bool:
    """Two printed amounts are the same figure (within SETTINGS.same_figure_wan; None or NaN never is)."""
    try:
        return (
            a is not None
            and b is not None
            and not pd.isna(a)
            and not pd.isna(b)
            and abs(float(a) - float(b)) < SETTINGS.same_figure_wan
        )
    except (TypeError, ValueError):
        return False


def by_report(df: pd.DataFrame, cols: tuple[str, ...]) -> dict[str, list[tuple]]:
    """report_id → the rows of `df` as plain tuples of `cols` (missing values as pandas gives them),
    in order: one pass, for lookups per report or row that a frame filter each time made grow with
    the corpus."""
    out: dict[str, list[tuple]] = {}
    if len(df):
        for rid, *rec in zip(*(df[c].astype("object").tolist() for c in ("report_id", *cols))):
            out.setdefault(rid, []).append(tuple(rec))
    return out


def implicates(tokens: set, rule: str, found, expected, toks: set, values, item: str | None) -> bool:
    """A problem check (its place `tokens`, rule and figures) names place `toks` and prints one of `values`."""
    return (
        bool(tokens & toks)
        and (item is None or RULE_ITEM.get(rule, item) == item)
        and any(same_figure(v, found) or same_figure(v, expected) for v in values)
    )


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
        if implicates(t, rule, f, e, toks, values, item)
    ]
    return mine.loc[keep]


def _flag(outcomes_and_messages: list[tuple[str, str, str]]) -> tuple[str, str]:
    """(flag, message) for implicating checks given as (rule_id, outcome, message): a failure
    outranks an uncertain check."""
    if not outcomes_and_messages:
        return "", ""
    flag = FLAG_FAIL if any(o == "fail" for _, o, _ in outcomes_and_messages) else FLAG_UNCERTAIN
    return flag, " | ".join(f"{rule} ({o}): {m}" for rule, o, m in outcomes_and_messages)


def describe(hits: pd.DataFrame) -> tuple[str, str]:
    """(flag, message) for a set of implicating checks: a failure outranks an uncertain check."""
    if hits is None or hits.empty:
        return "", ""
    return _flag(list(zip(hits.rule_id, hits.outcome, hits.message)))


def flag_rows(
    df: pd.DataFrame, corpus: Corpus, value_cols: list[str], ref_col: str = "source_ref", item_col: str | None = None
) -> pd.DataFrame:
    """`df` with `flag` (""/failed check/uncertain check) and `flag_message` (the checks' messages).
    The problem checks are taken per report as plain records once (a frame filter per row cost
    more than the rest of a report page's budget-execution table)."""
    checks_of = by_report(problems(corpus), ("tokens", "rule_id", "found", "expected", "outcome", "message"))
    flags, msgs = [], []
    # only the columns read, as plain lists (itertuples boxed every column of every row)
    rids, refs = df.report_id.astype("object").tolist(), df[ref_col].astype("object").tolist()
    values = list(zip(*(df[c].astype("object").tolist() for c in value_cols))) if value_cols else [()] * len(df)
    items = df[item_col].astype("object").tolist() if item_col else [None] * len(df)
    for rid, ref, vals, item in zip(rids, refs, values, items):
        mine = checks_of.get(rid, [])
        toks = ref_tokens(ref) if mine else set()
        if not toks:
            flags.append("")
            msgs.append("")
            continue
        hits = [(rule, o, m) for t, rule, f, e, o, m in mine if implicates(t, rule, f, e, toks, vals, item)]
        f, m = _flag(hits)
        flags.append(f)
        msgs.append(m)
    return df.assign(
        flag=pd.Series(flags, index=df.index, dtype="object"),
        flag_message=pd.Series(msgs, index=df.index, dtype="object"),
    )


def _reasons_text(table: str, reasons) -> str:
    text = "; ".join(str(x) for x in reasons) if reasons is not None and len(reasons) else "reading doubtful"
    return f"{table} reading is doubtful: {text[:400]}" + ("…" if len(text) > 400 else "")


def doubtful_reasons(corpus: Corpus, report_id: str, table: str) -> str:
    tr = corpus.table_readings
    if tr.empty:
        return ""
    hit = tr[(tr.report_id == report_id) & (tr.table == table) & tr.doubtful.fillna(False).astype(bool)]
    if hit.empty:
        return ""
    return _reasons_text(table, hit.iloc[0].reasons)


def doubtful_reasons_by_report(corpus: Corpus, table: str) -> dict[str, str]:
    """`doubtful_reasons` of every report whose `table` reading is doubtful, in one pass."""
    tr = corpus.table_readings
    if tr.empty:
        return {}
    hit = tr[(tr.table == table) & tr.doubtful.fillna(False).astype(bool)]
    out: dict[str, str] = {}
    for rid, reasons in zip(hit.report_id.astype("object").tolist(), hit.reasons.tolist()):
        if rid not in out:  # the first reading, as doubtful_reasons takes
            out[rid] = _reasons_text(table, reasons)
    return out


# -- the index's verdict, for every study -----------------------------------------------------------

VERDICT_COLUMNS = ["report_id", "verdict", "reason"]


def verdicts(corpus: Corpus) -> pd.DataFrame:
    """One row per report: the index's trust verdict (`usable`, `use with care`, `do not use`,
    index_page.verdict) and why. The one rule the index, every study and start_here apply, in the
    same words."""
    from ..publish.index_page import verdict

    rep = corpus.reports
    kept = corpus.__dict__.get("_verdicts")  # made once per corpus and language: every study asks
    if kept is not None and kept[0] is rep and kept[2] == lang():
        return kept[1].copy()
    q = corpus.quality
    qual = {rid: row for rid, (_, row) in zip(q.report_id.astype("object"), q.iterrows())} if len(q) else {}
    rows = []
    for _, r in rep.iterrows():
        v = verdict(r, qual.get(r.report_id))
        rows.append({"report_id": r.report_id, "verdict": v.verdict, "reason": v.reason})
    out = pd.DataFrame(rows, columns=VERDICT_COLUMNS)
    corpus.__dict__["_verdicts"] = (rep, out, lang())
    return out.copy()


def verdict_of(corpus: Corpus) -> dict[str, str]:
    """report_id → verdict."""
    v = verdicts(corpus)
    return dict(zip(v.report_id.astype("object"), v.verdict))


def do_not_use(corpus: Corpus) -> dict[str, str]:
    """report_id → why, for the reports the index marks `do not use`: no figure, range or count of a
    study rests on them."""
    from ..publish.index_page import DO_NOT_USE

    v = verdicts(corpus)
    v = v[v.verdict == DO_NOT_USE]
    return dict(zip(v.report_id.astype("object"), v.reason))


def with_care(corpus: Corpus) -> set[str]:
    """The reports the index marks `use with care` (the sensitivity lines leave them out)."""
    from ..publish.index_page import CARE

    v = verdicts(corpus)
    return set(v[v.verdict == CARE].report_id.astype("object"))


def usable_rows(df: pd.DataFrame, corpus: Corpus, col: str = "report_id") -> pd.DataFrame:
    """`df` without the rows of reports marked `do not use` (the one rule every study applies)."""
    if df is None or df.empty:
        return df
    out = do_not_use(corpus)
    return df[~df[col].isin(list(out))] if out else df


def left_out_sentence(corpus: Corpus) -> str:
    """The sentence each study states about the reports its figures leave out, or ""."""
    kept = corpus.__dict__.get("_left_out")
    if kept is None:
        labels = corpus.labels()
        kept = {rid: (labels.get(rid, rid), why) for rid, why in do_not_use(corpus).items()}
    if not kept:
        return ""
    parts = [t("quality.left_out_part", label=label, why=why) for label, why in kept.values()]
    return tn("quality.left_out", len(kept), parts=listing(parts, joiner=sep()["semi"]))


def sensitivity(df: pd.DataFrame, corpus: Corpus, describe, col: str = "report_id") -> str:
    """The sensitivity line beside a headline number: `describe(rows)` again without the reports the
    index marks `use with care`, saying how many that leaves."""
    if df is None or df.empty:
        return ""
    care = corpus.__dict__.get("_care")
    care = with_care(corpus) if care is None else care
    mine = set(df[col].astype("object")) & care
    if not mine:
        return t("quality.no_care")
    rest = df[~df[col].isin(list(care))]
    n = rest[col].nunique()
    head = tn("quality.without", len(mine))
    if not n:
        return head + t("quality.none_remains")
    said = head + tn("quality.remain", n, said=describe(rest))
    if len(mine) > n:  # most of what the headline rests on is to be used with care: say so plainly
        labels = corpus.labels()
        rest_labels = listing(labels.get(r, r) for r in dict.fromkeys(rest[col].astype("object")))
        said += ("" if lang() == "zh" else " ") + tn("quality.rests_on_care", n, care=len(mine), reports=rest_labels)
    return said


def comparable(corpus: Corpus) -> Corpus:
    """The corpus the studies compare: every dataset without the rows of the reports the index
    marks `do not use` (labels kept as the whole corpus gives them). It remembers what it left out
    (`left_out_sentence`) and is its own comparable corpus. Report pages use the whole corpus."""
    if corpus.__dict__.get("_left_out") is not None:
        return corpus
    out = do_not_use(corpus)
    c = corpus.without(out)  # each dataset as usable_rows gives it (a corpus read out of core stays so)
    c.__dict__["_left_out"] = {rid: (corpus.labels().get(rid, rid), why) for rid, why in out.items()}
    c.__dict__["_care"] = with_care(corpus)
    return c
