"""Per-report quality summary of the `checks` dataset."""

from __future__ import annotations

import pandas as pd

SUMMARY_COLUMNS = [
    "report_id",
    "checks_run",
    "passed",
    "passed_rounding",
    "failed",
    "failed_error",
    "failed_warning",
    "insufficient_data",
    "uncertain",
    "not_applicable",
    "tables_doubtful",
    "rules_failed",
    "implicated",
]


def _implicated(fails: pd.DataFrame) -> str:
    """Which printed figures the failures implicate: rule, found value and where."""
    parts = []
    for r in fails.itertuples(index=False):
        found = "" if pd.isna(r.found) else f" {r.found:,.2f}"
        exp = "" if pd.isna(r.expected) else f" (expected {r.expected:,.2f})"
        where = "?" if r.source_ref is None or pd.isna(r.source_ref) else r.source_ref
        parts.append(f"{r.rule_id}:{found}{exp} @ {where}")
    return " | ".join(parts)


def quality_summary(checks: pd.DataFrame, doubtful: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per report: checks run (pass + fail), passed (of which within rounding), failed by
    severity, insufficient_data, not_applicable, the failing rule ids and the figures implicated
    (rule, printed value, expected value, source_ref). Filter e.g. `summary[summary.failed_error == 0]`."""
    rows = []
    if checks is None or not len(checks):
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    for rid, g in checks.groupby("report_id", sort=True, dropna=False):
        fails = g[g.outcome == "fail"]
        # information (a figure cut in its last digit) is counted in `failed`, but implicates no figure
        serious = fails[fails.severity.isin(["error", "warning"])]
        passed = g[g.outcome == "pass"]
        rows.append(
            {
                "report_id": rid,
                "checks_run": int(len(passed) + len(fails)),
                "passed": int(len(passed)),
                "passed_rounding": int(passed["message"].astype(str).str.startswith("rounding").sum()),
                "failed": int(len(fails)),
                "failed_error": int((fails.severity == "error").sum()),
                "failed_warning": int((fails.severity == "warning").sum()),
                "insufficient_data": int((g.outcome == "insufficient_data").sum()),
                "uncertain": int((g.outcome == "uncertain").sum()),
                "not_applicable": int((g.outcome == "not_applicable").sum()),
                "tables_doubtful": ", ".join((doubtful or {}).get(rid, [])),
                "rules_failed": ", ".join(sorted(serious.rule_id.astype(str).unique())),
                "implicated": _implicated(serious),
            }
        )
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for c in SUMMARY_COLUMNS[1:10]:
        out[c] = out[c].astype("Int64")
    return out
