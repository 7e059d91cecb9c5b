"""A line_items row as the table readers build it: one cell of a table, its amount in 万元 and where
it was printed. `data/extract.py` adds the report's id and makes the rows a frame.

A typed dict rather than a dataclass: every reader, shape and check reads and amends these rows by
key, and the datasets are built from them as they are; the type names the keys and what they hold.
"""

from __future__ import annotations

from typing import Final, TypedDict

# The key under which a cell that is not a number where a figure is printed (OCR'd, or printing digits)
# carries what was read, until `found.assess` turns it into doubt and a reason (it never reaches the datasets).
UNREADABLE: Final = "_ocr_unreadable"


class LineItem(TypedDict, total=False):
    table: str  # the table's code (core.vocabulary.Table, printed as its code)
    side: str | None  # a two-sided table's side: income | expenditure
    section: str | None
    row_label: str
    code: str | None  # the function or economic code printed on the row
    code_domain: str | None
    level: str | None  # 类, 款 or 项
    measure: str
    amount_wan: float | None
    unit_printed: str | None  # 元 when the table printed 元 (converted to 万元)
    column_inferred: bool  # placed under its column by the table's arithmetic
    row_order: int
    source_ref: str
    doubtful: bool
    ocr_confidence: float  # OCR'd: how sure the recogniser was of the printed figure
    _ocr_unreadable: str  # UNREADABLE: what was read where a figure is printed, until `found.assess`
