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


class PovertyKind(StrEnum):
    """Where a poverty_transfers row was read (poverty_transfers.kind)."""

    FUNCTION_LINE = "function_line"  # a 21305 line of the tables
    PROJECT = "project"  # a project of the project lists, the 绩效自评表 or the narrative
    NARRATIVE = "narrative"  # an amount in a sentence about poverty or paired assistance


class Scope(StrEnum):
    """Whose money a poverty_transfers row states (poverty_transfers.scope)."""

    DEPARTMENT = "department"
    DISTRICT = "district"  # the whole district's, restated by the department
    MULTI_YEAR = "multi_year"  # a sum over several years


@dataclass
class PovertyRow:
    """One statement of poverty or paired-assistance money: a row of poverty_transfers."""

    report_id: str
    kind: PovertyKind
    name: str | None
    amount_wan: float | None
    source_ref: str | None
    source_text: str | None
    scope: Scope = Scope.DEPARTMENT
    code: str | None = None
    budget_wan: float | None = None
    unit_printed: str | None = None
    recipient: str | None = None
    series: str | None = None
    note: str | None = None
    # set when the report's rows are linked into transfers (`poverty.link_transfers`)
    transfer_id: str | None = None
    restates: bool | None = None
    link: str | None = None  # `same` (restates the same amount) or `part` (of a larger transfer)

    def row(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


class Basis(StrEnum):
    """How a department_series point is known (department_series.basis)."""

    PRINTED = "printed"  # the report prints this level for its own year
    DERIVED = "derived"  # the earlier year's level: this year's level − the printed change


@dataclass
class SeriesPoint:
    """One department's level of one topic in one year: a row of department_series."""

    report_id: str
    district: str | None
    department: str | None
    report_year: int | None
    fiscal_year: int
    topic: str
    subject: str | None
    amount_wan: float
    basis: Basis
    source_ref: str
    source_text: str | None
    note: str | None
    change_wan: float | None = None
    recipient: str | None = None
    also: list[str] = field(default_factory=list)  # the refs of the same point printed again

    def row(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "also"}
