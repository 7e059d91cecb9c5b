"""Run every registered rule over one report's datasets."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass

import pandas as pd

from ..core import schema
from .rules import RULES, Report, Result, Rule


def _report_id(datasets: dict[str, pd.DataFrame]) -> str | None:
    for name in ("reports", "line_items", "budget_execution", "narrative_facts", "three_public"):
        df = datasets.get(name)
        if df is not None and len(df) and "report_id" in df.columns:
            return str(df["report_id"].iloc[0])
    return None


def _report_list(datasets: dict[str, pd.DataFrame], column: str) -> list[str]:
    rep = datasets.get("reports")
    if rep is None or not len(rep) or column not in rep.columns:
        return []
    v = rep[column].iloc[0]
    return [str(t) for t in v] if not isinstance(v, str) and hasattr(v, "__iter__") else []


def _doubtful_tables(datasets: dict[str, pd.DataFrame]) -> list[str]:
    return _report_list(datasets, "tables_doubtful")


def _ocr_tables(datasets: dict[str, pd.DataFrame]) -> list[str]:
    """Tables read by OCR: a check failing on one of them may be a misread digit, not the report."""
    tr = datasets.get("table_readings")
    if tr is None or not len(tr) or "layout" not in tr.columns:
        return []
    return [str(t) for t, lay in zip(tr["table"], tr["layout"]) if isinstance(lay, str) and "OCR" in lay]


def _on_doubtful(source_ref: str | None, tables: list[str]) -> str | None:
    """The doubtful table a failing check reads (its source_ref names `T5 line 12`, `U4 page 3` …)."""
    for t in tables:
        if source_ref and re.search(rf"(?<![A-Za-z0-9]){t}(?![0-9])", source_ref):
            return t
    return None


def _results(r: Rule, report: Report) -> list[Result]:
    """A rule's results; one that raises becomes an `insufficient_data` result naming the error."""
    try:
        return list(r.run(report))
    except Exception as exc:  # noqa: BLE001
        tb = traceback.format_exc(limit=2).splitlines()[-1]
        return [
            Result(
                "insufficient_data",
                f"rule {r.id} could not run ({type(exc).__name__}: {exc}); {tb}",
                severity="warning",
            )
        ]


@dataclass(frozen=True)
class _Doubts:
    """What makes a failure possibly ours: doubtful readings, OCR, tables we could not identify."""

    doubtful: list[str]
    ocr: list[str]
    unknown: list[str]


def _uncertain(res: Result, why: str) -> Result:
    return Result("uncertain", f"{res.message}. {why}", res.expected, res.found, res.source_ref, severity="warning")


def _caveat(res: Result, r: Rule, doubts: _Doubts) -> Result:
    """A failure that may be ours (a doubtful or OCR reading, an unidentified table) becomes `uncertain`."""
    if res.outcome != "fail":
        return res
    if not res.from_text and (hit := _on_doubtful(res.source_ref, doubts.doubtful)):
        return _uncertain(
            res,
            f"But the reading of {hit} is doubtful (see table_readings), so the difference may be ours, not the "
            "report's; check the page",
        )
    if hit := _on_doubtful(res.source_ref, doubts.ocr):
        return _uncertain(
            res, f"But {hit} was read by OCR from a page image, so a digit may have been misread; check the page"
        )
    if doubts.unknown and r.family == "narrative-vs-table":
        return _uncertain(
            res,
            f"But the report prints tables this project could not identify ({', '.join(doubts.unknown)}); the "
            "narrative may restate one of them",
        )
    return res


def run_checks(datasets: dict[str, pd.DataFrame], rules=None, doc=None) -> pd.DataFrame:
    """The `checks` rows for ONE report: every rule, with outcome pass / fail / insufficient_data /
    not_applicable. A rule that raises becomes an `insufficient_data` row naming the error (a bug in
    a rule must not hide the others). `doc` (the report's Document) lets the reviewer's rules read
    the text itself; without it they are `not_applicable`."""
    rid = _report_id(datasets)
    report = Report(datasets, rid, doc=doc)
    unknown = [t for t in _report_list(datasets, "tables_other") if t.startswith("X")]
    doubts = _Doubts(_doubtful_tables(datasets), _ocr_tables(datasets), unknown)
    rows = []
    for r in rules or RULES.values():
        for res in _results(r, report):
            res = _caveat(res, r, doubts)
            sev = res.severity or (r.severity if res.outcome == "fail" else "info")
            rows.append(
                {
                    "report_id": rid,
                    "rule_id": r.id,
                    "outcome": str(res.outcome),
                    "severity": str(sev),
                    "message": res.message,
                    "expected": res.expected,
                    "found": res.found,
                    "source_ref": res.source_ref,
                }
            )
    if not rows:
        return schema.empty("checks")
    return schema.conform(pd.DataFrame(rows), "checks")
