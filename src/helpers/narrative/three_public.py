"""“三公”经费: budget and outturn per item, from the 三公 table (T7 line_items) and from the narrative.

Narrative items are found in the 三公 section by their names; each item's figures are read between its
name and the next item's name, so a budget is never paired with the next item's outturn:
- budget: 年初预算(数)为 / 全年预算为 / 预算为 / 财政拨款数为 X 万元
- outturn: (支出)决算(数)为 X 万元, or the amount right after the name (公务用车运行费 23.58 万元)
- words only: 本年度无购置(更新)公务用车 → purchase 0; 无因公出国(境)支出 → overseas 0
- a budget not printed but implied by 比年初预算增加/减少 X 万元 is derived (outturn ∓ X) and noted.
Year-on-year changes (比 2020 年度增加 …) are not levels and are left to narrative_facts.
"""

from __future__ import annotations

import re

import pandas as pd

from ..core.normalize import compact
from ..core.vocabulary import THREE_PUBLIC_ITEMS as ITEMS
from ..core.vocabulary import THREE_PUBLIC_PATTERNS, Table
from .amounts import NUM, UNIT, rate, to_float, to_wan
from .records import ExecutionRow, Level, Source, Subject, ThreePublicRow, ThreePublicTotal
from .sentences import Para

ITEM_RES = [(item, re.compile(p)) for item, p in THREE_PUBLIC_PATTERNS]
AMT = rf"(?P<num>{NUM})\s*(?P<unit>{UNIT})"
BUDGET_RE = re.compile(rf"(?P<word>财政拨款数|年初预算数|全年预算数|年初预算|全年预算|预算数|预算)为\s*{AMT}")
FINAL_RE = re.compile(rf"(?:支出)?决算(?:数)?为\s*{AMT}")
DIRECT_RE = re.compile(rf"^\s*(?:支出)?\s*(?:为|是)?\s*{AMT}")
DELTA_RE = re.compile(rf"比年初预算(?P<dir>增加|减少)\s*{AMT}")
RATE_RE = re.compile(rf"完成(?P<word>年初预算|全年预算|预算)(?:数)?的\s*(?P<num>{NUM})\s*[%％]")
YOY_RE = re.compile(r"比\s*\d{4}\s*年|较上年|与\s*\d{4}\s*年")


def in_section(p: Para) -> bool:
    return "三公" in p.section and "名词解释" not in p.part and "：指" not in p.text and not p.is_row


def _occurrences(text: str):
    occ = []
    taken: list[tuple[int, int]] = []
    for item, rx in ITEM_RES:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            occ.append((m.start(), m.end(), item))
    return sorted(occ)


def _item_figures(text: str, a: int, b: int, end: int, seg: str, sent: str, row: ThreePublicRow):
    """(budget, final, budget match, final match) of one item's segment; words only (无…) give an outturn
    of 0, and a budget implied by 比年初预算增加/减少 X is derived; both are noted on the row."""
    item = row.item
    budget = final = None
    bm = BUDGET_RE.search(seg)
    if bm:
        budget = to_wan(bm.group("num"), bm.group("unit"))
    fm = FINAL_RE.search(seg) or DIRECT_RE.search(seg)
    if fm and (not bm or fm.start() != bm.start()):
        final = to_wan(fm.group("num"), fm.group("unit"))
    if final is None and "无" in text[max(0, a - 8) : a] and not YOY_RE.search(sent):
        final = 0.0
        row.notes.append(f"{item}: outturn 0 from the words “{sent[:60]}”")
    if budget is None and final is not None and row.budget_wan is None:
        dm = DELTA_RE.search(text[b:end])
        if dm:
            delta = to_wan(dm.group("num"), dm.group("unit"))
            budget = round(final - delta if dm.group("dir") == "增加" else final + delta, 6)
            row.notes.append(
                f"{item}: budget derived as outturn {final:g} "
                f"{'−' if dm.group('dir') == '增加' else '+'} {delta:g} (比年初预算{dm.group('dir')})"
            )
    return budget, final, bm, fm


def _total_statement(seg: str, budget, final, bm, ref: str, sent: str, p: Para) -> ThreePublicTotal:
    """The 三公 total's budget/outturn statement, with its printed completion rate."""
    rm = RATE_RE.search(seg)
    return ThreePublicTotal(
        budget_wan=budget,
        final_wan=final,
        budget_word=bm.group("word") if bm else None,
        rate_word=rm.group("word") if rm else None,
        rate_printed_pct=to_float(rm.group("num")) if rm else None,
        source_ref=ref,
        source_text=sent,
        note=p.note,
    )


def _fill(row: ThreePublicRow, budget, final, ref: str, sent: str, p: Para) -> None:
    """The first statement of an item gives its place; each figure is taken where first printed."""
    if row.source_ref is None:
        row.source_ref, row.source_text = ref, sent
        if p.note:
            row.notes.append(p.note)
    if row.budget_wan is None and budget is not None:
        row.budget_wan = budget
    if row.final_wan is None and final is not None:
        row.final_wan = final


def _para_items(
    p: Para, report_id: str, found: dict[str, ThreePublicRow], total_stmt: ThreePublicTotal | None
) -> ThreePublicTotal | None:
    """Read one 三公 paragraph's items into `found`; the total's statement (the first one) is returned."""
    text = p.text
    occ = _occurrences(text)
    for n, (a, b, item) in enumerate(occ):
        end = occ[n + 1][0] if n + 1 < len(occ) else len(text)
        s_start, s_end = p.sentence_bounds(a)
        seg = text[b : min(end, s_end)]  # a segment never runs past its sentence
        sent, ref = p.sentence(a)
        if YOY_RE.search(text[s_start:a]) and not FINAL_RE.search(seg):
            continue
        row = found.setdefault(item, ThreePublicRow(report_id, item, Source.NARRATIVE))
        budget, final, bm, fm = _item_figures(text, a, b, end, seg, sent, row)
        if budget is None and final is None:
            continue
        _fill(row, budget, final, ref, sent, p)
        if item == "total" and total_stmt is None and (bm or fm):
            total_stmt = _total_statement(seg, budget, final, bm, ref, sent, p)
    return total_stmt


def narrative_rows(paras: list[Para], report_id: str) -> tuple[list[ThreePublicRow], ThreePublicTotal | None]:
    """three_public narrative rows (one per item) and the total's statement for budget_execution."""
    found: dict[str, ThreePublicRow] = {}
    total_stmt = None
    for p in paras:
        if in_section(p):
            total_stmt = _para_items(p, report_id, found, total_stmt)
    rows = []
    for item in ITEMS:
        if item in found and found[item].source_ref is not None:
            r = found[item]
            r.note = "; ".join(dict.fromkeys(r.notes)) or None
            rows.append(r)
    return rows, total_stmt


def budget_execution_row(stmt: ThreePublicTotal | None, report_id: str, doc_text: str) -> ExecutionRow | None:
    """The 三公 total budget/outturn statement as a budget_execution row (level overall, subject three_public)."""
    if not stmt or stmt.budget_wan is None:
        return None
    word = stmt.budget_word or ""
    if word.startswith("年初"):
        basis = "年初预算"
    elif word.startswith("全年"):
        basis = "全年预算"
    elif stmt.rate_word in ("年初预算", "全年预算"):
        basis = stmt.rate_word
    else:
        m = re.search(r"预算数为\s*[“”\"]?三公[“”\"]?经费(年初|全年)预算数", compact(doc_text))
        basis = f"{m.group(1)}预算" if m else "年初预算"
    return ExecutionRow(
        report_id=report_id,
        level=Level.OVERALL,
        subject=Subject.THREE_PUBLIC,
        name="“三公”经费",
        budget_basis=basis,
        budget_wan=stmt.budget_wan,
        final_wan=stmt.final_wan,
        rate_printed_pct=stmt.rate_printed_pct,
        rate_computed_pct=rate(stmt.final_wan, stmt.budget_wan),
        source_kind=Source.NARRATIVE,
        source_ref=stmt.source_ref,
        source_text=stmt.source_text,
        note=stmt.note,
    )


def table_rows(line_items: pd.DataFrame, report_id: str) -> list[ThreePublicRow]:
    if line_items is None or not len(line_items):
        return []
    t7 = line_items[(line_items["table"].fillna("") == Table.T7).astype(bool)]
    rows = []
    for item in ITEMS:
        b = t7[t7["measure"] == f"budget_{item}"]
        f = t7[t7["measure"] == f"final_{item}"]
        if b.empty and f.empty:
            continue
        bv = b["amount_wan"].iloc[0] if len(b) else None
        fv = f["amount_wan"].iloc[0] if len(f) else None
        bv = None if bv is None or pd.isna(bv) else float(bv)
        fv = None if fv is None or pd.isna(fv) else float(fv)
        ref = (b if len(b) else f)["source_ref"].iloc[0]
        label = (b if len(b) else f)["row_label"].iloc[0]
        shown = ["(blank)" if v is None else v for v in (bv, fv)]
        text = f"{Table.T7} {label}: 预算数 {shown[0]}, 决算数 {shown[1]}"
        rows.append(ThreePublicRow(report_id, item, Source.TABLE, bv, fv, ref, text))
    return rows
