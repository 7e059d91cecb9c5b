"""Run every registered rule over one report's datasets."""

from __future__ import annotations

import traceback

import pandas as pd

from .. import schema
from .rules import RULES, Report, Result


def _report_id(datasets: dict[str, pd.DataFrame]) -> str | None:
    for name in ("reports", "line_items", "budget_execution", "narrative_facts", "three_public"):
        df = datasets.get(name)
        if df is not None and len(df) and "report_id" in df.columns:
            return str(df["report_id"].iloc[0])
    return None


def run_checks(datasets: dict[str, pd.DataFrame], rules=None) -> pd.DataFrame:
    """The `checks` rows for ONE report: every rule, with outcome pass / fail / insufficient_data /
    not_applicable. A rule that raises becomes an `insufficient_data` row naming the error (a bug in
    a rule must not hide the others)."""
    rid = _report_id(datasets)
    report = Report(datasets, rid)
    rows = []
    for r in (rules or RULES.values()):
        try:
            results = list(r.run(report))
        except Exception as exc:  # noqa: BLE001
            tb = traceback.format_exc(limit=2).splitlines()[-1]
            results = [Result("insufficient_data", f"rule {r.id} could not run ({type(exc).__name__}: {exc}); {tb}",
                              severity="warning")]
        for res in results:
            sev = res.severity or (r.severity if res.outcome == "fail" else "info")
            rows.append({
                "report_id": rid, "rule_id": r.id, "outcome": res.outcome, "severity": sev,
                "message": res.message, "expected": res.expected, "found": res.found, "source_ref": res.source_ref,
            })
    if not rows:
        return schema.empty("checks")
    return schema.conform(pd.DataFrame(rows), "checks")
