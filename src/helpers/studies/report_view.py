"""What was extracted from one report, shaped for `notebooks/report.ipynb`.

Every function takes a `Corpus` (helpers.data.load) and a report id and returns a DataFrame ready to
show; nothing here re-reads the raw file.
"""

from __future__ import annotations

import re

import pandas as pd

from ..core.catalog import ALL_TABLE_CODES, BY_CODE, MEASURES_DOC, TABLE_CODES, TEMPLATE_MEASURES
from ..core.vocabulary import THREE_PUBLIC_COLUMN_LABELS as _T7_LABELS
from ..core.vocabulary import THREE_PUBLIC_COLUMNS
from ..data.load import Corpus
from ..publish.text import lang, sep, t

OUTCOME_ORDER = {"fail": 0, "uncertain": 1, "insufficient_data": 2, "not_applicable": 3, "pass": 4}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# a table's state on the report page: light tints of plots.STATE_COLORS, so the text stays legible
STATE_TINTS = {"found": "#d5eddc", "empty": "#fbefc6", "missing": "#f7cfcf"}

# measure → printed column name, per table (from the catalog's documentation of measures)
_MEASURE_LABELS: dict[tuple[str, str], str] = {(tb, m): label for tb, m, label in MEASURES_DOC}


def measure_label(table: str, measure: str) -> str:
    if table == "T7" and "_" in measure:
        basis, item = measure.split("_", 1)
        return f"{'预算数' if basis == 'budget' else '决算数'}·{_T7_LABELS.get(item, item)}"
    return _MEASURE_LABELS.get((table, measure), measure)


def metadata(corpus: Corpus, report_id: str) -> pd.DataFrame:
    r = corpus.report(report_id)
    fields = [
        "report_id",
        "department",
        "city",
        "district",
        "fiscal_year",
        "publish_date",
        "source_file",
        "source_format",
        "source_sha256",
        "encoding",
        "n_pages",
        "pdf_engine",
        "unit_printed",
        "status",
        "error",
        "line_items",
        "extracted_at",
    ]
    rows = [(f, r[f]) for f in fields if f in r.index]
    return pd.DataFrame(rows, columns=["field", "value"]).set_index("field")


def coverage(corpus: Corpus, report_id: str) -> pd.DataFrame:
    """One row per standard table: found / empty / missing, with the reason and the cells read."""
    r = corpus.report(report_id)
    found, empty_, missing = set(r.tables_found), set(r.tables_empty), set(r.tables_missing)
    cells = corpus.of("line_items", report_id).groupby("table").size()
    readings = corpus.of("table_readings", report_id).set_index("table")
    rows = []
    codes = [
        c for c in TABLE_CODES if c in found | missing | empty_ or not str(r.get("template", "")).startswith("高等学校")
    ]
    codes += [c for c in ALL_TABLE_CODES if c not in TABLE_CODES and c in found]
    for code in codes:
        n = int(cells.get(code, 0))
        if code in empty_:
            state, why = "empty", t("view.empty_why")
        elif code in found:
            state, why = "found", t("view.cells_read", n=n)
        elif code in missing:
            state = "missing"
            why = t("view.file_failed") if r.status == "failed" else t("view.not_in_file")
        else:
            state, why = "missing", t("view.not_recorded")
        reading = readings.loc[code] if code in readings.index else None
        doubtful = bool(reading["doubtful"]) if reading is not None else False
        if reading is not None and doubtful:
            why += t("view.doubtful") + " | ".join(reading["reasons"])
        rows.append(
            {
                "table": code,
                "title": BY_CODE[code].title,
                "state": state,
                "cells": n,
                "layout": reading["layout"] if reading is not None else "",
                "doubtful": doubtful,
                "why": why,
            }
        )
    return pd.DataFrame(rows)


def coverage_matrix(corpus: Corpus) -> pd.DataFrame:
    """report label × table: found / empty / missing, for the whole corpus (each report's state as
    `coverage` gives it, from the reports dataset alone: one pass, whatever the corpus's size)."""
    labels = corpus.labels()
    out = {}
    for r in corpus.reports.itertuples(index=False):
        found, empty_, missing = set(r.tables_found), set(r.tables_empty), set(r.tables_missing)
        university = str(getattr(r, "template", "")).startswith("高等学校")
        out[labels[r.report_id]] = {
            c: "empty" if c in empty_ else "found" if c in found else "missing"
            for c in TABLE_CODES
            if c in found | missing | empty_ or not university  # a template's tables only
        }
    return pd.DataFrame(out).T.reindex(columns=pd.Index(list(TABLE_CODES), name="table"))


def _measure_order(table: str, measures) -> list[str]:
    template = list(TEMPLATE_MEASURES.get(table, ()))
    if table == "T7":
        template = list(THREE_PUBLIC_COLUMNS)
    if table == "T4":
        template = ["final", "total", "general_budget", "gov_fund", "state_capital"]
    doc = [m for tb, m, _ in MEASURES_DOC if tb == table]
    order = [m for m in template + doc if m in measures]
    order = list(dict.fromkeys(order))
    return order + sorted(m for m in measures if m not in order)


WHERE = "出处 where"  # the column naming where a printed row's cells were read
_SHEET_CELL = re.compile(r"^(sheet .+)!([A-Z]+)(\d+)$")
_TABLE_CELL = re.compile(r"^(table \d+ row \d+) col (\d+)$")  # a Word or web page table's cell


def row_source(refs: list[str]) -> str:
    """Where one printed row was read, short: `line 12`, `page 7`, `sheet 公开05表!C14:F14` (the
    cells of a workbook row), `table 3 row 5 col 5–11` (of a Word or web page table), `page 9 box (…)
    … (…)` (an OCR'd row's first and last cell)."""
    uniq = list(dict.fromkeys(r for r in refs if r))
    if len(uniq) <= 1:
        return uniq[0] if uniq else ""
    cells = [_SHEET_CELL.match(r) for r in uniq]
    if all(cells) and len({(m.group(1), m.group(3)) for m in cells if m}) == 1:
        first, last = cells[0], cells[-1]
        assert first is not None and last is not None
        return f"{first.group(1)}!{first.group(2)}{first.group(3)}:{last.group(2)}{last.group(3)}"
    in_table = [_TABLE_CELL.match(r) for r in uniq]
    if all(in_table) and len({m.group(1) for m in in_table if m}) == 1:
        cols = [int(m.group(2)) for m in in_table if m]
        return f"{in_table[0].group(1) if in_table[0] else ''} col {min(cols)}–{max(cols)}"
    return f"{uniq[0]} … {uniq[-1]}"


_ROW_KEYS = ["side", "section", "row_order", "code", "row_label"]


def _printed_rows(li: pd.DataFrame) -> tuple[dict[tuple, dict], dict[tuple, list[str]], dict[tuple, list[str]]]:
    """A table's cells gathered by printed row (side, section, row order, code, label), in the order
    first read: measure → the first amount read; the measures read with doubt; where it was read."""

    def column(name: str, blank) -> list:
        return [blank if v is None or v is pd.NA else v for v in li[name].tolist()]

    rows: dict[tuple, dict] = {}
    doubt: dict[tuple, list[str]] = {}
    refs: dict[tuple, list[str]] = {}
    cells = zip(
        column("side", ""),
        column("section", ""),
        column("row_order", -1),
        column("code", ""),
        column("row_label", None),
    )
    measures = li.measure.tolist()
    amounts = li.amount_wan.astype("float64").tolist()
    doubtful = [v is True for v in li.doubtful.tolist()]
    for key, m, amount, in_doubt, ref in zip(cells, measures, amounts, doubtful, column("source_ref", "")):
        refs.setdefault(key, []).append(ref)
        row = rows.setdefault(key, {})
        if m not in row or pd.isna(row[m]):  # the first amount read (a null is no amount)
            row[m] = amount
        if in_doubt:
            doubt.setdefault(key, []).append(m)
    return rows, doubt, refs


def _printed_order(table: str, rows) -> list[tuple]:
    """The printed rows in the order the table prints them: T6 block after block (301/303 | 302 |
    310, printed side by side), a two-sided table income before expenditure; ties as read."""
    side_rank = {"income": 0, "": 1, "expenditure": 2}
    if table == "T6":
        return sorted(rows, key=lambda k: (0 if k[1] == "personnel" else 1, k[3][:3] if k[3] != "" else "~", k[2]))
    return sorted(rows, key=lambda k: (side_rank.get(k[0], 3), k[2]))


def wide_table(corpus: Corpus, report_id: str, table: str, *, keep_order: bool = False) -> pd.DataFrame:
    """One standard table back in its printed shape: a row per printed row, a column per measure
    (the first amount read for it), and, when any cell is doubtful, an *in doubt* column naming the
    row's doubtful cells by their printed column names. A two-sided table (T1, T4) comes one side
    after the other here; `printed_table` puts its sides next to each other. `keep_order` keeps each
    row's `row_order` (its place on its side).

    Built in plain Python over the table's cells (a few hundred): pandas' groupby/unstack on them
    cost ~30 ms a table, paid for every table of every report page."""
    li = corpus.cells(report_id, table)
    if li.empty:
        return pd.DataFrame()
    rows, doubt, refs = _printed_rows(li)
    order = _measure_order(table, set(li.measure.tolist()))
    ranked = _printed_order(table, rows)
    records = [dict(zip(_ROW_KEYS, key), **{m: rows[key].get(m) for m in order}) for key in ranked]
    wide = pd.DataFrame.from_records(records, columns=_ROW_KEYS + order)
    for m in order:
        wide[m] = wide[m].astype("float64")
    if doubt:
        wide["in doubt"] = ["、".join(measure_label(table, m) for m in doubt.get(k, [])) for k in ranked]
    wide[WHERE] = [row_source(refs[k]) for k in ranked]
    wide = wide.rename(columns={m: measure_label(table, m) for m in order})
    drop = [c for c in ("side", "section") if (wide[c] == "").all()]
    # Rows that exist in the printed grid but whose cells were all blank keep their place (nulls).
    return wide.drop(columns=drop + ([] if keep_order else ["row_order"]))


# Column headings of a two-sided table's sides (the side is in the heading already).
_SIDE_WORDS = {"income": "收入", "expenditure": "支出"}
_SIDE_MEASURE = {("T1", "final"): "决算数", ("T4", "final"): "决算数", ("T4", "total"): "合计/小计"}


def _blocks(side: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """A side's rows cut where its section changes: items, 本年…合计, 结转/结余 rows, 总计."""
    out: list[tuple[str, pd.DataFrame]] = []
    sections = side["section"].tolist() if "section" in side else [""] * len(side)
    start = 0
    for i in range(1, len(side) + 1):
        if i == len(side) or sections[i] != sections[start]:
            out.append((str(sections[start]), side.iloc[start:i]))
            start = i
    return out


def printed_table(corpus: Corpus, report_id: str, table: str) -> pd.DataFrame:
    """A table in its printed shape (`wide_table`), with a two-sided 总表 (T1, T4) side by side as
    printed: income on the left, expenditure on the right, one printed row a row. The sides are
    aligned block by block (the items; 本年收入合计 beside 本年支出合计; the 结转/结余 rows; 总计 beside
    总计) and by their order within a block, the shorter side padded with blank cells, as the
    report prints them. Columns are headed `收入·项目`, `收入·决算数`, `支出·项目`, … (the function
    codes of the expenditure rows are not printed there, so they are left out)."""
    wide = wide_table(corpus, report_id, table, keep_order=True)
    if (
        wide.empty
        or BY_CODE[table].kind != "two_sided"
        or "side" not in wide
        or not wide.side.isin(list(_SIDE_WORDS)).all()  # a row of no known side: shown stacked, never dropped
    ):
        return wide.drop(columns=["row_order"], errors="ignore")
    li = corpus.cells(report_id, table)
    sides = []
    for side in ("income", "expenditure"):
        rows = wide[wide.side == side].sort_values("row_order", kind="stable")
        measures = list(dict.fromkeys(li.measure[li.side == side].tolist()))
        cols = {"row_label": "项目"}
        for m in _measure_order(table, set(measures)):
            cols[measure_label(table, m)] = _SIDE_MEASURE.get((table, m), measure_label(table, m))
        if "in doubt" in rows and (rows["in doubt"] != "").any():
            cols["in doubt"] = "in doubt"
        cols[WHERE] = WHERE
        word = _SIDE_WORDS[side]
        sides.append(rows[list(cols)].rename(columns={k: f"{word}·{v}" for k, v in cols.items()}))
    income, expenditure = sides
    section = wide["section"] if "section" in wide else pd.Series("", index=wide.index)
    inc_blocks = _blocks(income.assign(section=section[income.index]))
    exp_blocks = _blocks(expenditure.assign(section=section[expenditure.index]))
    if [k for k, _ in inc_blocks] == [k for k, _ in exp_blocks]:
        pairs = [
            (a.drop(columns="section"), b.drop(columns="section")) for (_, a), (_, b) in zip(inc_blocks, exp_blocks)
        ]
    else:  # sections not alike on both sides: row by row, as read
        pairs = [(income, expenditure)]
    parts = []
    for a, b in pairs:
        n = max(len(a), len(b))
        parts.append(
            pd.concat([a.reset_index(drop=True).reindex(range(n)), b.reset_index(drop=True).reindex(range(n))], axis=1)
        )
    out = pd.concat(parts, ignore_index=True)
    where = [c for c in out.columns if c.endswith(WHERE)]  # after the printed columns, as a note would be
    out = out[[c for c in out.columns if c not in where] + where]
    for c in out.columns:
        if c.endswith("·项目") or c.endswith("·in doubt") or c.endswith(WHERE):
            out[c] = out[c].astype("object").where(out[c].notna(), "")
    return out


def tables_present(corpus: Corpus, report_id: str) -> list[str]:
    li = corpus.of("line_items", report_id)
    return [c for c in TABLE_CODES if (li.table == c).any()]


def checks_sorted(corpus: Corpus, report_id: str) -> pd.DataFrame:
    """The report's checks, failures first (then insufficient data, n/a, passes), errors before warnings."""
    ch = corpus.of("checks", report_id)
    if ch.empty:
        return ch
    ch = ch.assign(_o=ch.outcome.map(OUTCOME_ORDER).fillna(9), _s=ch.severity.map(SEVERITY_ORDER).fillna(9))
    ch = ch.sort_values(["_o", "_s", "rule_id"]).drop(columns=["_o", "_s", "report_id"])
    return ch.reset_index(drop=True)


def check_counts(checks: pd.DataFrame) -> dict[str, int]:
    if checks.empty:
        return {}
    return {k: int(v) for k, v in checks.outcome.value_counts().items()}


def failed_checks_by_report(corpus: Corpus) -> pd.Series:
    ch = corpus.checks
    if ch.empty:
        return pd.Series(dtype="Int64")
    return ch[ch.outcome == "fail"].groupby("report_id").size()


def statements(corpus: Corpus, report_id: str) -> pd.DataFrame:
    """Budget-execution statements of one report, with the gap between printed and recomputed rates."""
    be = corpus.of("budget_execution", report_id)
    if be.empty:
        return be
    be = be.assign(rate_gap_pp=be.rate_printed_pct - be.rate_computed_pct)
    cols = [
        "level",
        "code",
        "name",
        "budget_basis",
        "budget_wan",
        "final_wan",
        "rate_printed_pct",
        "rate_computed_pct",
        "rate_gap_pp",
        "source_kind",
        "source_ref",
        "source_text",
    ]
    return be[cols].reset_index(drop=True)


def narrative(corpus: Corpus, report_id: str) -> pd.DataFrame:
    nf = corpus.of("narrative_facts", report_id)
    return nf.drop(columns=["report_id"]).reset_index(drop=True)


PROBLEM_OUTCOMES = ("fail", "uncertain")
COLLAPSED_OUTCOMES = ("pass", "not_applicable")


def summary(corpus: Corpus, report_id: str) -> dict:
    """What a report page opens with: who and when, the status, the tables read (and in doubt), the
    index's trust verdict and the failing and uncertain checks (the rest only as counts)."""
    from ..publish.index_page import verdict

    r = corpus.report(report_id)
    q = corpus.of("quality", report_id)
    v = verdict(r, q.iloc[0] if len(q) else None)
    ch = checks_sorted(corpus, report_id)
    cov = coverage(corpus, report_id)
    doubt = cov[cov.doubtful]
    return {
        "department": None if pd.isna(r.department) else str(r.department),
        "label": corpus.labels()[report_id],
        "report_id": report_id,
        "year": None if pd.isna(r.fiscal_year) else int(r.fiscal_year),
        "status": str(r.status),
        "error": None if pd.isna(r.error) else str(r.error),
        "source_file": str(r.source_file),
        "template": None if pd.isna(r.get("template")) else str(r.template),
        "verdict": v,
        "found": cov[cov.state == "found"].table.tolist(),
        "empty": cov[cov.state == "empty"].table.tolist(),
        "missing": cov[cov.state == "missing"].table.tolist(),
        "doubtful": {c: w.split(t("view.doubtful"), 1)[-1] for c, w in zip(doubt.table, doubt.why)},
        "counts": check_counts(ch),
        "problems": ch[ch.outcome.isin(PROBLEM_OUTCOMES)].reset_index(drop=True) if len(ch) else ch,
    }


def table_heading(corpus: Corpus, report_id: str, code: str, info, rows: int | None = None) -> str:
    """Markdown heading and one line about a table of the report (`info`: its `coverage` row): where
    it was read, its printed rows (`rows`: the length of its `printed_table`, when already built), cells
    placed by arithmetic, cells in doubt; or why it is not shown."""
    title = f"### {code} {BY_CODE[code].title}"
    li = corpus.cells(report_id, code)
    if li.empty:
        return title + "\n\n" + t("view.heading_absent", state=t(f"view.state_{info.state}"), why=info.why)
    refs = li.source_ref.dropna()
    where = f"{refs.iloc[0]} – {refs.iloc[-1]}" if len(refs) else t("narrate.na")
    rows = len(printed_table(corpus, report_id, code)) if rows is None else rows
    inferred = int(li.column_inferred.fillna(False).sum())
    doubtful = int(li.doubtful.fillna(False).sum())
    return (
        title
        + "\n\n"
        + t("view.rows_read", rows=rows, where=where)
        + (t("view.inferred", n=inferred) if inferred else "")
        + (t("view.doubt_cells", n=doubtful) if doubtful else "")
        + ("" if info.state == "found" else t("view.printed_empty"))
        + ("。" if lang() == "zh" else "")
    )


# --- the report page's sentences (the notebook only shows them) -------------------------------------


def coverage_sentence(cov: pd.DataFrame) -> str:
    from .narrate import listing

    found, empty, missing = (cov[cov.state == s].table.tolist() for s in ("found", "empty", "missing"))
    why_missing = sep()["semi"].join(sorted(set(cov[cov.state == "missing"].why))) or "—"
    return t(
        "view.coverage",
        found=listing(found, 9),
        n_found=len(found),
        n=len(cov),
        empty=listing(empty, 9),
        missing=listing(missing, 9),
        why=t("view.coverage_why", why=why_missing) if missing else "",
    )


def spending_sentence(fc: pd.DataFrame, bp: pd.DataFrame) -> str:
    """The largest function class and the basic / project split of one report."""
    from .narrate import pct, wan

    top = fc.sort_values("amount_wan", ascending=False).iloc[0]
    return (
        t(
            "view.spending",
            table=fc.table.iloc[0],
            name=top["name"],
            amount=wan(top.amount_wan),
            share=pct(top.share_pct),
            total=wan(fc.amount_wan.sum()),
        )
        + (
            t(
                "view.basic_project",
                basic=pct(bp.basic_share_pct.iloc[0]),
                project=pct(bp.project_share_pct.iloc[0]),
                total=wan(bp.total_wan.iloc[0]),
            )
            if len(bp)
            else ""
        )
        + _passed_on_sentence(bp)
    )


def _passed_on_sentence(bp: pd.DataFrame) -> str:
    """The project money passed on to other places (`composition.with_pass_through`), if any."""
    from .narrate import pct, wan

    if not len(bp) or "pass_through_wan" not in bp or not bp.pass_through_wan.iloc[0] > 0:
        return ""
    r = bp.iloc[0]
    return t("view.passed_on", amount=wan(r.pass_through_wan), to=r.passed_to, share=pct(r.own_project_share_pct))


def statements_sentence(st: pd.DataFrame, pvc: pd.DataFrame, label: str) -> str:
    """How many statements, how many print a rate, how many of those the checks say differ."""
    from .narrate import listing

    n_bad = int((pvc[pvc.report == label].verdict == "differs").sum()) if len(pvc) else 0
    return t(
        "view.statements",
        n=len(st),
        levels=listing(st.level.astype(str).value_counts().index),
        n_rate=int(st.rate_printed_pct.notna().sum()),
        n_bad=n_bad,
    )


def three_public_sentence(tp: pd.DataFrame) -> str:
    from .narrate import wan

    tot = tp[tp.item == "total"]
    semi = sep()["semi"]
    parts = semi.join(
        t("view.three_public_part", source=s, budget=wan(b), final=wan(f))
        for s, b, f in zip(tot.source, tot.budget_wan, tot.final_wan)
    )
    return t("view.three_public", parts=parts or t("view.by_item"))
