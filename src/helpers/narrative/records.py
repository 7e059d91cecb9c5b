"""The records the narrative stage hands to the data stage: one typed record per dataset row.

`ExecutionRow` is a row of budget_execution (from the narrative's statements, the 三公 total, the
绩效自评表 and the project lists), `ThreePublicRow` one of three_public (from T7 or the narrative).
Each has `row()`, the dataset row; `data/extract.py` turns the records into frames in one place.
A member of each enum equals the word the dataset prints, so the datasets keep plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum


class Level(StrEnum):
    """What a budget_execution row's budget is for (budget_execution.level)."""

    OVERALL = "overall"
    CLASS = "类"
    ITEM = "款"
    SUBITEM = "项"
    PROJECT = "project"


class Subject(StrEnum):
    """budget_execution.subject: the 一般公共预算财政拨款 spending, or the “三公”经费 total."""

    SPENDING = "spending"
    THREE_PUBLIC = "three_public"


class Source(StrEnum):
    """Where a row was read: a table of the report, or a sentence of its narrative."""

    TABLE = "table"
    NARRATIVE = "narrative"


def _plain(value):
    """An enum member as the plain string the dataset prints."""
    return value.value if isinstance(value, StrEnum) else value


@dataclass
class ExecutionRow:
    """One budget-vs-outturn statement: a row of budget_execution."""

    report_id: str
    level: Level
    name: str | None
    budget_basis: str  # 年初预算, 全年预算 or 调整预算, as the report words it
    budget_wan: float | None
    final_wan: float | None
    rate_printed_pct: float | None
    rate_computed_pct: float | None
    source_kind: Source
    source_ref: str | None
    source_text: str | None
    subject: Subject = Subject.SPENDING
    code: str | None = None
    unit_printed: str | None = None  # 元 when the figures were printed in 元 and converted
    unit_note: str | None = None
    note: str | None = None
    reason_kind: str | None = None
    reason_text: str | None = None
    reason_ref: str | None = None

    def row(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


@dataclass
class ThreePublicRow:
    """One 三公 item's budget and outturn: a row of three_public."""

    report_id: str
    item: str  # total, overseas, vehicle_total, vehicle_purchase, vehicle_running, reception
    source: Source
    budget_wan: float | None = None
    final_wan: float | None = None
    source_ref: str | None = None
    source_text: str | None = None
    note: str | None = None
    notes: list[str] = field(default_factory=list)  # while reading: joined into `note`

    def row(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "notes"}


@dataclass
class ThreePublicTotal:
    """The narrative's statement of the 三公 total: budget, outturn and the completion rate printed."""

    budget_wan: float | None
    final_wan: float | None
    budget_word: str | None  # the words naming the budget (年初预算数, 全年预算 …)
    rate_word: str | None  # the budget the printed rate is against
    rate_printed_pct: float | None
    source_ref: str
    source_text: str
    note: str | None
