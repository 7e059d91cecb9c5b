"""What every layout hands to a table shape, and the two ways a shape turns it into line_items.

A layout (a grid of cells, single-space text, one cell per line) reads a table's body into
`RowRecord`s: the row's code and label, and its printed `Figure`s, each with the column it stands in
when the layout knows it (a grid's cell, a row printing every column) and where it was read. The
shape (coded.py, two_sided.py, economic.py, three_public.py) names the columns from the header and
turns the records into line_items rows:
- `items_by_position`: every figure's column is known (blank cells included, as figures with no text);
- `items_by_arithmetic`: the layout lost the columns; `placement.place` chose them from the table's
  own arithmetic, and the `Reading` records what was placed, how, and what could not be.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ...core.catalog import COLUMN_KEYWORDS, TEMPLATE_MEASURES, code_domain
from ...core.normalize import amount_of, parse_amount
from ...core.vocabulary import code_level
from ..line_item import UNREADABLE, LineItem
from ..placement import Placement, PlaceRow, RowPlacement
from ..reading import Reading


@dataclass
class Figure:
    """A printed figure of a row, or, where the layout knows the columns, a blank cell (`text` empty)."""

    text: str | None
    column: int | None = None  # index into the shape's measures; None: the layout lost it
    ref: str | None = None  # where it was read (`sheet 公开05表!C14`, an OCR box); None: the row's ref
    confidence: float | None = None  # OCR: the recogniser's confidence


@dataclass
class RowRecord:
    """One printed row of a table, as any layout reads it."""

    code: str | None
    label: str
    figures: list[Figure]
    ref: str
    side: str | None = None  # a two-sided table's side: income | expenditure
    total: bool = False  # a 合计 row: a coded table's (the top of its code tree), a T6 block's
    doubt: bool = False  # the layout could not tie the figures to this row with confidence
    # The label printed on the figures' own line, when label fragments around it were joined to it:
    # the row's name in the reading's notes.
    printed: str | None = None
    # T8/T9: header words (本年支出 合计 基本支出 项目支出) printed among the figures, after this many.
    words_at: int | None = None

    @property
    def name(self) -> str:
        return self.code or (self.printed if self.printed is not None else self.label)

    @property
    def texts(self) -> list[str]:
        return [f.text or "" for f in self.figures]

    def at(self, f: Figure) -> str:
        return f.ref or self.ref

    def place_row(self, ncols: int, parent: int | None = None, **kw) -> PlaceRow:
        """The row for `placement.place`: a row whose figures' columns are known, or which prints
        every column, is placed by position."""
        vals = [amount_of(t) for t in self.texts]
        pr = PlaceRow(vals, parent, **kw)
        if self.figures and all(f.column is not None for f in self.figures):
            pr.fixed = tuple(f.column for f in self.figures if f.column is not None)
        elif len(vals) == ncols:
            pr.fixed = tuple(range(ncols))
        return pr


def clean_cell(c: str | None) -> str:
    """A cell's text on one line, markup and runs of spaces gone ("" for a merged or missing cell)."""
    if c is None:
        return ""
    if "<" in c:
        c = _MARKUP_RE.sub("", c)
    return _SPACES_RE.sub(" ", c).strip()


_MARKUP_RE = re.compile(r"<[^>]+>")
_SPACES_RE = re.compile(r"\s+")


def measure_for(table: str, header: str, ordinal: int) -> str:
    """The measure of a column from its header words; failing those, the template's column at its
    place among the figure columns; failing that, `colN`."""
    for kw, measure in COLUMN_KEYWORDS.get(table, ()):
        if kw in header:
            return measure
    template = TEMPLATE_MEASURES.get(table, ())
    return template[ordinal] if ordinal < len(template) else f"col{ordinal + 1}"


def item(
    table,
    measure,
    value,
    *,
    label,
    code=None,
    side=None,
    section=None,
    ref,
    order,
    unit="万元",
    inferred=False,
    confidence: float | None = None,
) -> LineItem:
    """One line_items row: a cell of the table, its amount in 万元 (元 converted, `unit_printed` kept)."""
    factor = 1e-4 if unit == "元" else 1.0
    out: LineItem = {
        "table": table,
        "side": side,
        "section": section,
        "row_label": label,
        "code": code,
        "code_domain": code_domain(code, table),
        "level": code_level(code) if code else None,
        "measure": measure,
        "amount_wan": None if value is None else round(value * factor, 6),
        "unit_printed": None if unit == "万元" else unit,
        "column_inferred": inferred,
        "row_order": order,
        "source_ref": ref,
    }
    if confidence is not None:  # OCR'd: how sure the recogniser was of the printed figure
        out["ocr_confidence"] = confidence
    return out


_DIGIT = re.compile(r"\d")


def cell_amount(cell: str | None, ref: str, notes: list[str]) -> float | None:
    c = clean_cell(cell)
    try:
        return parse_amount(c)
    except ValueError:
        notes.append(f"{ref}: cell {c!r} in an amount column is not a number; kept as blank")
        return None


def items_by_position(
    table: str,
    row: RowRecord,
    measures: list[str] | tuple[str, ...],
    order: int,
    unit: str,
    notes: list[str],
    *,
    side: str | None = None,
    section: str | None = None,
) -> list[LineItem]:
    """One line_items row per figure, under the column the layout saw it in."""
    out: list[LineItem] = []
    for f in row.figures:
        assert f.column is not None, "items_by_position: a figure without a column"
        value = cell_amount(f.text, row.at(f), notes)
        out.append(
            item(
                table,
                measures[f.column],
                value,
                label=row.label,
                code=row.code,
                side=side,
                section=section,
                ref=row.at(f),
                order=order,
                unit=unit,
                confidence=f.confidence,
            )
        )
        text = clean_cell(f.text)
        standard = not table.startswith("X")  # a table the catalog does not know may print 12.5% or dates
        if value is None and text and (f.confidence is not None or (standard and _DIGIT.search(text))):
            # OCR read something that is not a number where a figure is printed, or a standard table's figure
            # cell prints digits that are not a number: the figure is not known (`found.assess` makes the cell
            # doubtful and names what was read); header words in a figure column (an empty table's) stay a note
            out[-1][UNREADABLE] = text
    return out


def items_by_arithmetic(
    table: str,
    rows: list[RowRecord],
    measures: list[str],
    res: Placement,
    unit: str,
    reading: Reading,
    side: str | None = None,
    section_of: Callable[[RowRecord], str | None] | None = None,
    record_failing: bool = False,
) -> list[LineItem]:
    """line_items of rows whose figures `placement.place` put under columns (`res`); what could not be
    placed, or could sit under more than one column, is recorded in `reading` and left blank."""
    out: list[LineItem] = []
    for order, (r, rp) in enumerate(zip(rows, res.rows)):
        reading.rows += 1
        _record_row_doubt(r, rp, order, measures, reading)
        placed = {
            c: (amount_of(f.text or ""), rp.inferred, r.at(f)) for f, c in zip(r.figures, rp.columns) if c is not None
        }
        row_doubt = rp.ambiguous or rp.too_many or rp.impossible or r.doubt
        sec = section_of(r) if section_of else None
        for k, m in enumerate(measures):
            v, inf, ref = placed.get(k, (None, False, r.ref))  # a cell is read where its figure is printed
            if v is not None:
                if inf:
                    reading.by_arithmetic += 1
                else:
                    reading.by_position += 1
            it = item(
                table,
                m,
                v,
                label=r.label,
                code=r.code,
                side=side,
                section=sec,
                ref=ref,
                order=order,
                unit=unit,
                inferred=inf and v is not None,
            )
            it["doubtful"] = bool(row_doubt and (v is None or inf))
            out.append(it)
    _record_complete(rows, measures, res, reading)
    if record_failing:  # keyed like check_hierarchy's, which then does not repeat them
        for g in set(res.failing_groups):  # (the order the datasets have always listed them in)
            key = rows[g].name
            if key not in reading.failing_codes:
                reading.failing_codes.append(key)
                reading.failing_sums.append(f"{key}: the rows under it do not add up to it ({rows[g].ref})")
    return out


def _record_row_doubt(r: RowRecord, rp: RowPlacement, order: int, measures: list[str], reading: Reading) -> None:
    """What `reading` says of a row the placement could not settle: too many figures, none that fits,
    or figures that fit more than one column (with each placement's values, for other evidence)."""
    texts = r.texts
    if rp.too_many:
        reading.unplaced.append(f"{r.ref}: {len(texts)} figures for {len(measures)} columns; none placed")
    elif rp.impossible:
        reading.unplaced.append(f"{r.ref}: figures {' '.join(texts)} fit no column placement that adds up")
    elif rp.ambiguous:
        opts = sorted({tuple(measures[c] for c in o) for o in rp.options})
        reading.ambiguous.append(
            f"{r.ref} {r.code or r.label}: {' '.join(texts)} could be " + " or ".join("/".join(o) for o in opts)
        )
        values = [amount_of(a) for a in texts]
        reading.alternatives.append((order, [{measures[c]: v for c, v in zip(o, values)} for o in rp.options]))


def _record_complete(rows: list[RowRecord], measures: list[str], res: Placement, reading: Reading) -> None:
    """The complete placements of the whole table that satisfy every identity, when two or more do:
    per placement, each open row's name and where it was read, with its figures under their columns."""
    if len(res.complete) < 2:
        return
    for full in res.complete:
        reading.complete.append(
            [
                (f"{rows[i].ref} {rows[i].name}", {measures[c]: amount_of(t) for t, c in zip(rows[i].texts, cols)})
                for i, cols in sorted(full.items())
            ]
        )
    reading.complete_more = res.more
