"""The narrative (情况说明): budget execution, 三公, poverty transfers and other disclosed figures."""

from __future__ import annotations

import pandas as pd

from .. import schema

NARRATIVE_DATASETS = ("budget_execution", "three_public", "poverty_transfers", "narrative_facts")


def parse_narrative(doc, report_id: str, datasets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    # Filled in by the narrative parsers (issue 3).
    return {name: schema.empty(name) for name in NARRATIVE_DATASETS}
