"""Consistency checks over one report's datasets: the `checks` dataset and a quality summary.

    from helpers.checks import run_checks, quality_summary, RULES
    checks = run_checks(datasets)          # datasets: one report's frames, by dataset name
    quality_summary(checks)                # one row per report

Rules live in `tables.py` (within and across tables) and `narrative.py` (narrative against the
tables, and rates within the narrative) and `review.py` (a reviewer's reading of the text: years, words
against numbers, template leftovers, rates and figures as printed); `rules.py` holds the registry and the rounding
envelope; `common.py` the reading of line_items that the rule modules share (rows, totals, T6 blocks, T7 cells).
docs/CHECKS.md is generated from the registry (`python -m helpers checks-doc`).
"""

from __future__ import annotations

# Importing the rule modules registers their rules, in this order (the order of the checks dataset):
# within and across tables, then the narrative, then the reviewer's reading.
# isort: off
from . import tables  # noqa: F401
from . import narrative  # noqa: F401
from . import review  # noqa: F401

# isort: on
from .rules import RULES, Rule
from .run import run_checks
from .summary import quality_summary

__all__ = ["RULES", "Rule", "run_checks", "quality_summary"]
