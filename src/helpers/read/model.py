"""The one table model: what every container adapter hands to the table finder.

A container (a PDF's ruled tables, a workbook, a web page, a Word document, OCR'd page images)
is read into a `Layout`: its pages (a PDF page, a sheet, a Word page, a scanned image; a web page
is one page) as blocks in reading order. A block is either a line of text (titles, 单位 lines,
notes under a table, the narrative) or a table: rows of `Cell`s, each with its text and where it was
read. One finder (`tables/layout_tables.py`) names the tables from the text above them, follows
them over pages and hands each grid to `tables/grid.py`, which reads its rows for the one
interpreter of the table's shape (`tables/shapes/`).

Cell text follows pdfplumber's convention, which the interpreter relies on:
- `None`: the cell is covered by a merged cell to its left or above (a span, not a blank);
- `""`: a blank cell (a blank printed cell is null in the datasets, never 0);
- anything else: the text as printed (amounts as printed: `2,940.05`, `0.00`, `-`).
A container that stores numbers (a workbook's numeric cells) writes them as they would print with
two decimals, so every container reaches the interpreter in the same form.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    text: str | None
    # Where the cell was read, e.g. `sheet 公开05表!C14`, `page 9 box (120,310,188,331)`,
    # `table 3 row 5 cell 2`; None: the row's ref is enough (a PDF's ruled tables: `page 7`).
    ref: str | None = None
    # OCR: the recogniser's confidence for this cell (0..1); None for cells read from a text layer.
    confidence: float | None = None


@dataclass
class TableBlock:
    rows: list[list[Cell]]
    ref: str  # where the table is: `page 7`, `sheet 公开05表`, `table 3`
    row_refs: list[str] | None = None  # one per row (`sheet 公开05表 row 14`); None: `ref` for every row
    ocr: bool = False  # read from an image by OCR: cells carry confidences
    notes: list[str] = field(default_factory=list)  # what the adapter did to this table (a rule it drew)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass(frozen=True)
class TextBlock:
    text: str
    ref: str  # `page 3`, `sheet 公开01表 row 2`, `paragraph 14`


Block = TextBlock | TableBlock


@dataclass
class Page:
    number: int  # 1-based, in reading order (a continuation is looked for on the next page)
    blocks: list[Block] = field(default_factory=list)
    name: str | None = None  # a sheet's name, an image's file name


@dataclass
class Layout:
    """A container read into pages of blocks. `container` is the registry's name (containers.py)."""

    container: str
    pages: list[Page]
    notes: list[str] = field(default_factory=list)  # what the adapter wants the reader to know

    def text_lines(self) -> list[tuple[str, str, int]]:
        """(text, ref, page) of every line in reading order, a table row as its cells joined by tabs:
        what the narrative, metadata and the document-kind test read."""
        out: list[tuple[str, str, int]] = []
        for page in self.pages:
            for b in page.blocks:
                if isinstance(b, TextBlock):
                    out.append((b.text, b.ref, page.number))
                else:
                    for k, row in enumerate(b.rows):
                        ref = b.row_refs[k] if b.row_refs else b.ref
                        text = "\t".join(c.text or "" for c in row)
                        if text.strip():
                            out.append((text, ref, page.number))
        return out
