"""Consistency checks over one report's datasets: the `checks` dataset and a quality summary.

    from helpers.checks import run_checks, quality_summary, RULES
    checks = run_checks(datasets)          # datasets: one report's frames, by dataset name
    quality_summary(checks)                # one row per report

Rules live in `tables.py` (within and across tables) and `narrative.py` (narrative against the
tables, and rates within the narrative) and `review.py` (a reviewer's reading of the text: years, words
against numbers, template leftovers, rates and figures as printed); `rules.py` holds the registry and the rounding envelope.
docs/CHECKS.md is generated from the registry (`python -m helpers checks-doc`).
"""

from __future__ import annotations

from . import narrative, review, tables  # noqa: F401  (registers the rules)
from .rules import RULES, Rule
from .run import run_checks
from .summary import quality_summary

__all__ = ["RULES", "Rule", "run_checks", "quality_summary"]
