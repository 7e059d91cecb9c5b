"""The table readers: one per printed layout, sharing one base with hooks (as camelot's Lattice and
Stream parsers share `BaseParser`).

A finder cuts each table out of the document (`text_tables` for text reports, `pdf_tables` for
PDFs) and hands it to a reader. Every reader answers the same way: `read()` calls the layout's
`read_rows()` hook, assesses the reading (`found.assess`: rows, values placed by position or by
arithmetic, the code tree's sums, doubt) and returns a `FoundTable` (with no items when the layout
gave no rows: the finder then tries another reader or reports the table missing). `accepts()`
says whether a table's body is in the reader's layout. The spaced reader is run after the others
(`read_with`), since it uses what the other tables show (`evidence.py`).

Each layout only reads a table's body into rows (`RowRecord`s) and hands them to the one interpreter
of the table's shape (`tables/shapes/`), which places the figures:

| reader | layout (`table_readings.layout`) | rows read by | figures placed by |
|---|---|---|---|
| `GridReader` | `tab grid`, `pdf ruled table (<engine>)`, containers | `grid.interpret_grid` | cell positions |
| `SpacedReader` | `spaced text` | `spaced.read_spaced` | the table's arithmetic (`placement.py`) |
| `TokensReader` | `one cell per line` | `tokens.interpret_tokens` | the table's arithmetic (`placement.py`) |
"""

from __future__ import annotations

from typing import Any

from ..core.catalog import BY_CODE
from ..core.normalize import is_amount
from ..core.vocabulary import Table
from ..read.document import Line
from .evidence import beyond_other_tables
from .found import FoundTable, assess, items_status
from .grid import Grid, interpret_grid
from .line_item import LineItem
from .reading import Positions, Reading
from .spaced import drop_page_numbers, looks_spaced, read_spaced
from .tokens import interpret_tokens


class TableReader:
    """The base: `accepts` and `read_rows` are the hooks a layout implements; `read` is shared."""

    layout = ""
    positions = Positions.LOST  # whether the layout keeps each cell's column
    ocr = False  # the cells were read from images

    def accepts(self, code: str, body: Any) -> bool:
        return True

    def read_rows(
        self, code: str, body: Any, unit: str, notes: list[str], hints: dict
    ) -> tuple[list[LineItem], Reading | None]:
        """The table's line_items rows, and the reading record when the layout keeps one itself."""
        raise NotImplementedError

    def read(self, code: str, body: Any, unit: str, ref: str | None, hints: dict | None = None) -> FoundTable:
        notes: list[str] = []
        items, reading = self.read_rows(code, body, unit, notes, hints or {})
        reading = assess(code, items, reading or Reading(code, self.layout, self.positions, self.ocr))
        return FoundTable(code, items_status(items), items, ref, notes, reading)


class GridReader(TableReader):
    """Cells at known positions: a tab-separated grid of a text copy, a PDF's ruled table."""

    layout = "tab grid"
    positions = Positions.KEPT

    def __init__(self, layout: str = "tab grid", *, ocr: bool = False):
        self.layout = layout
        self.ocr = ocr

    def read_rows(self, code: str, body: Grid, unit: str, notes: list[str], hints: dict) -> tuple[list[LineItem], None]:
        items = interpret_grid(body)
        notes += body.notes
        return items, None


class TokensReader(TableReader):
    """One cell per line, names wrapped over several lines (cells placed by the table's arithmetic)."""

    layout = "one cell per line"

    def accepts(self, code: str, body: list[Line]) -> bool:
        return _has_numbers(body) and len(body) >= 3

    def read_rows(
        self, code: str, body: list[Line], unit: str, notes: list[str], hints: dict
    ) -> tuple[list[LineItem], Reading | None]:
        return interpret_tokens(code, body, unit, notes, hints)


class SpacedReader(TableReader):
    """Single spaces between cells, blank cells lost: figures placed by the table's arithmetic, with
    what the report's other tables show (`hints`, and `found` for the checks beyond them)."""

    layout = "spaced text"

    def accepts(self, code: str, body: list[Line]) -> bool:
        kind = BY_CODE[code].kind
        return _has_numbers(body) and looks_spaced(body, 1 if kind == "three_public" else 2, kind)

    def read_rows(
        self, code: str, body: list[Line], unit: str, notes: list[str], hints: dict
    ) -> tuple[list[LineItem], Reading]:
        return read_spaced(code, drop_page_numbers(body), unit, hints)

    def read_with(
        self, code: str, body: list[Line], unit: str, ref: str | None, hints: dict, others: dict[str, FoundTable]
    ) -> FoundTable:
        """`read`, then the checks beyond the table itself: cells the report's `others` tables show
        impossible (T5, T8, T9), and the rows in doubt named; the notes are the reading's reasons."""
        items, reading = self.read_rows(code, body, unit, [], hints)
        assess(code, items, reading)
        if code in (Table.T5, Table.T8, Table.T9):
            beyond_other_tables(code, items, others, reading)
        reading.doubtful_rows = list(
            dict.fromkeys(f"{it['code'] or it['row_label']} ({it['source_ref']})" for it in items if it.get("doubtful"))
        )
        return FoundTable(code, items_status(items), items, ref, reading.reasons(), reading)


def _has_numbers(body: list[Line]) -> bool:
    return sum(1 for ln in body for tok in ln.text.split() if is_amount(tok)) >= 2
