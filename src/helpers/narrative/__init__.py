"""The narrative (情况说明): budget execution, 三公, poverty transfers and other disclosed figures.

Modules, one concern each:
- sentences.py   narrative lines → paragraphs of joined wrapped lines (PDF figures re-associated), refs
- amounts.py     amounts with units, percentages, rates
- subjects.py    类/款/项 names → function codes (report's own line_items, catalog classes)
- budget_execution.py  budget vs outturn statements in words
- selfeval.py    绩效自评表 rows and project lists (元 tables headed 万元 converted)
- three_public.py 三公 items from the narrative and from T7
- poverty.py     21305 function lines, poverty/paired-assistance projects and amounts
- facts.py       totals, shares, classes, costs, procurement, vehicles, year-on-year changes (`Fact` records)
- statements.py  what the reviewer's rules (checks/review.py) judge: comparisons in words, years, template
                 leftovers, shares without %, restated items, 三公 disclosures (typed records with quote and place)
- staff.py       headcount (在职实有人数, 编制数, 离退休人员) from 部门人员构成, as count facts
- series.py      department_series: this year's level and the prior year's (level − change) from the facts
- records.py     the typed rows handed to the data stage (`ExecutionRow`, `ThreePublicRow`, `PovertyRow`,
                 `SeriesPoint`), with their enums

`parse_narrative` hands back a `NarrativeRecords`; `data/extract.py` turns it into the datasets' frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.vocabulary import Table
from . import budget_execution, facts, poverty, selfeval, series, staff, three_public
from .facts import Fact
from .records import ExecutionRow, PovertyRow, SeriesPoint, ThreePublicRow
from .sentences import compact_lines, paragraphs
from .subjects import CodeBook


@dataclass
class NarrativeRecords:
    """What the narrative of one report states, one record per row of the five narrative datasets."""

    budget_execution: list[ExecutionRow]
    three_public: list[ThreePublicRow]
    poverty_transfers: list[PovertyRow]
    narrative_facts: list[Fact]
    department_series: list[SeriesPoint]


def parse_narrative(doc, report_id: str, datasets: dict[str, pd.DataFrame]) -> NarrativeRecords:
    """The records of the five narrative datasets of one report, from its Document and its extracted tables."""
    line_items = datasets.get("line_items")
    rep = datasets.get("reports")
    year = district = department = None
    if rep is not None and len(rep):
        year = rep["fiscal_year"].iloc[0] if "fiscal_year" in rep else None
        year = None if year is None or pd.isna(year) else int(year)
        district = rep["district"].iloc[0] if "district" in rep else None
        district = None if district is None or pd.isna(district) else str(district)
        department = rep["department"].iloc[0] if "department" in rep else None
        department = None if department is None or pd.isna(department) else str(department)
    book = CodeBook(line_items)
    paras = paragraphs(doc)
    lines = compact_lines(doc)

    fact_rows = facts.facts(paras, report_id, book, year)
    total = facts.dept_total(fact_rows)
    if total is None and line_items is not None and len(line_items):
        t1 = line_items[
            (line_items["table"].isin([Table.T1, Table.T3]))
            & line_items["row_label"].fillna("").str.contains("合计|总计")
        ]
        total = float(t1["amount_wan"].max()) if len(t1) and t1["amount_wan"].notna().any() else None

    be_rows = budget_execution.narrative_statements(paras, report_id, book)
    tp_rows, total_stmt = three_public.narrative_rows(paras, report_id)
    tp_be = three_public.budget_execution_row(total_stmt, report_id, doc.text)
    if tp_be:
        be_rows.append(tp_be)
    be_rows += selfeval.selfeval_rows(lines, report_id, doc.text, total)
    be_rows += selfeval.project_list_rows(lines, report_id, total, facts.project_total(fact_rows))
    tp_rows = three_public.table_rows(line_items, report_id) + tp_rows

    pv_rows = poverty.function_lines(line_items, report_id, year)
    proj = poverty.project_rows(be_rows, district)
    skip = {(r.source_ref, v) for r in proj for v in (r.amount_wan, r.budget_wan) if v is not None}
    pv_rows += proj + poverty.narrative_rows(paras, report_id, district, skip)
    poverty.link_transfers(pv_rows, report_id)

    all_facts = fact_rows + staff.staff_facts(doc, report_id)
    return NarrativeRecords(
        budget_execution=be_rows,
        three_public=tp_rows,
        poverty_transfers=pv_rows,
        narrative_facts=all_facts,
        department_series=series.series_rows(all_facts, year, district, department, tp_rows),
    )
