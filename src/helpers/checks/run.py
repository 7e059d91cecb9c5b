"""Run every registered rule over one report's datasets."""

from __future__ import annotations

import re
import traceback

import pandas as pd

from ..core import schema
from .rules import RULES, Report, Result


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


def run_checks(datasets: dict[str, pd.DataFrame], rules=None, doc=None) -> pd.DataFrame:
    """The `checks` rows for ONE report: every rule, with outcome pass / fail / insufficient_data /
    not_applicable. A rule that raises becomes an `insufficient_data` row naming the error (a bug in
    a rule must not hide the others). `doc` (the report's Document) lets the reviewer's rules read
    the text itself; without it they are `not_applicable`."""
    rid = _report_id(datasets)
    report = Report(datasets, rid, doc=doc)
    doubtful = _doubtful_tables(datasets)
    unknown = [t for t in _report_list(datasets, "tables_other") if t.startswith("X")]
    ocr = _ocr_tables(datasets)
    rows = []
    for r in rules or RULES.values():
        try:
            results = list(r.run(report))
        except Exception as exc:  # noqa: BLE001
            tb = traceback.format_exc(limit=2).splitlines()[-1]
            results = [
                Result(
                    "insufficient_data",
                    f"rule {r.id} could not run ({type(exc).__name__}: {exc}); {tb}",
                    severity="warning",
                )
            ]
        for res in results:
            if res.outcome == "fail" and not res.from_text and (hit := _on_doubtful(res.source_ref, doubtful)):
                res = Result(
                    "uncertain",
                    f"{res.message}. But the reading of {hit} is doubtful (see table_readings), so "
                    "the difference may be ours, not the report's; check the page",
                    res.expected,
                    res.found,
                    res.source_ref,
                    severity="warning",
                )
            elif res.outcome == "fail" and (hit := _on_doubtful(res.source_ref, ocr)):
                res = Result(
                    "uncertain",
                    f"{res.message}. But {hit} was read by OCR from a page image, so a digit may have been "
                    "misread; check the page",
                    res.expected,
                    res.found,
                    res.source_ref,
                    severity="warning",
                )
            elif res.outcome == "fail" and unknown and r.family == "narrative-vs-table":
                res = Result(
                    "uncertain",
                    f"{res.message}. But the report prints tables this project could not "
                    f"identify ({', '.join(unknown)}); the narrative may restate one of them",
                    res.expected,
                    res.found,
                    res.source_ref,
                    severity="warning",
                )
            sev = res.severity or (r.severity if res.outcome == "fail" else "info")
            rows.append(
                {
                    "report_id": rid,
                    "rule_id": r.id,
                    "outcome": res.outcome,
                    "severity": sev,
                    "message": res.message,
                    "expected": res.expected,
                    "found": res.found,
                    "source_ref": res.source_ref,
                }
            )
    if not rows:
        return schema.empty("checks")
    return schema.conform(pd.DataFrame(rows), "checks")
