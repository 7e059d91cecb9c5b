"""One interpreter per table shape, whatever the layout the rows came from.

The catalog gives each table a kind (`TableDef.kind`); each kind has one module here that owns the
shape's logic once: the header's words → the measures, and the rows → line_items, placing figures by
position where the layout knows the columns and by the table's arithmetic (`placement.place`) where
it does not. A layout (tab or PDF grid, single-space text, one cell per line) only turns its input
into the shape's `RowRecord`s (records.py) and hands them over through `line_items`.

| kind | tables | module |
|---|---|---|
| `coded` | T2, T3, T5, T8, T9, U4 | coded.py |
| `two_sided` | T1, T4 | two_sided.py |
| `economic` | T6 | economic.py |
| `three_public` | T7 | three_public.py |

A table the catalog does not know (X1, X2 …) is `generic`: `grid.py` keeps its cells as printed.
"""

from __future__ import annotations

from types import ModuleType

from ...core.catalog import BY_CODE
from ..line_item import LineItem
from ..reading import Reading
from . import coded, economic, three_public, two_sided
from .records import Figure, RowRecord

__all__ = ["SHAPES", "Figure", "RowRecord", "check", "kind_of", "line_items"]

# kind → the module that reads it; each has `KIND`, `line_items(table, rows, measures, unit, notes,
# reading=None, hints=None)` and `check(items, reading)` (the shape's own sums, on every reading).
SHAPES: dict[str, ModuleType] = {m.KIND: m for m in (coded, two_sided, economic, three_public)}


def kind_of(table: str) -> str:
    """The shape of a table: the catalog's kind, `generic` for a table it does not know (X1 …)."""
    return BY_CODE[table].kind if table in BY_CODE else "generic"


def line_items(
    table: str,
    rows: list[RowRecord],
    measures: list[str],
    unit: str,
    notes: list[str],
    reading: Reading | None = None,
    hints: dict | None = None,
) -> list[LineItem]:
    """`rows` of `table` as line_items, by the interpreter of its shape. `reading` given: the layout
    lost the columns (figures placed by the arithmetic, the reading records how)."""
    return SHAPES[kind_of(table)].line_items(table, rows, measures, unit, notes, reading, hints)


def check(table: str, items: list[LineItem], reading: Reading) -> None:
    """Record where the table's own sums fail on its reading, by its shape (nothing for `generic`)."""
    if (shape := SHAPES.get(kind_of(table))) is not None:
        shape.check(items, reading)
