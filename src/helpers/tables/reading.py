"""How well one table was read: the quality record behind `table_readings` and `reports.tables_doubtful`.

Every reader fills a `Reading`: rows read, values placed by position (tab columns, PDF cells, a
row printing every column) or by the table's arithmetic (a shorter row of a text copy), values it
could not place, rows whose column is ambiguous, and groups whose sums do not hold.

A reading is *doubtful* when our reading, not the report, may be wrong:
- a value could not be placed, or could sit under more than one column; or
- the table's total row (合计, 本年收入合计 / 本年支出合计, 人员经费合计 …) was not read: nothing
  checks the rows against it, and the rows read may not be all of the table; or
- the layout kept no positions (single-space or one-cell-per-line text) and the table's own sums
  fail at two or more places, or at one place that rests on values placed by arithmetic. With no
  positions, the arithmetic is the only evidence for where a value belongs; when it fails, the
  placement is not evidence of anything (a text layer with values shifted against their labels
  looks exactly like this).
A table read by position whose sums fail is not doubtful: that is the report's inconsistency,
and the checks say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..core.normalize import compact
from ..core.vocabulary import Table
from .line_item import LineItem

# The names (`table_readings.layout`) of the layouts whose cells keep their columns, for whoever reads
# that column back (checks/review.py); a `Reading` itself says so in `positions`.
POSITIONAL_LAYOUTS = ("tab grid", "pdf ruled table", "spreadsheet cells", "word table", "web page table", "OCR")


class Positions(StrEnum):
    """Whether the layout a table was read from kept each cell's column."""

    KEPT = "kept"  # tab grid, PDF ruled table, sheet cells, Word or web table, OCR'd grid
    LOST = "lost"  # single-space text, one cell per line: columns placed by the table's arithmetic


@dataclass
class Reading:
    table: str
    layout: str  # its name in `table_readings.layout` (a display string; decide on `positions`/`ocr`)
    positions: Positions = Positions.LOST
    ocr: bool = False  # read from images: a misread digit looks exactly like a report's own inconsistency
    rows: int = 0
    by_position: int = 0
    by_arithmetic: int = 0
    unplaced: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    failing_sums: list[str] = field(default_factory=list)
    failing_codes: list[str] = field(default_factory=list)
    # rows whose figures fit several placements: (row_order, [{measure: value} per placement])
    alternatives: list[tuple[int, list[dict[str, float]]]] = field(default_factory=list)
    # two or more complete placements of the whole table satisfy every identity: per placement, the
    # open rows (name and line) with their figures under the columns that placement gives them
    complete: list[list[tuple[str, dict[str, float]]]] = field(default_factory=list)
    complete_more: bool = False  # the search found more than those listed (or stopped early)
    resolved: list[str] = field(default_factory=list)  # how ambiguities were settled by other evidence
    doubtful_rows: list[str] = field(default_factory=list)  # rows with a doubtful cell (code or label, line)
    missing_totals: list[str] = field(default_factory=list)  # total rows printed in the template, not read
    low_confidence: list[str] = field(default_factory=list)  # OCR'd cells the recogniser was unsure of
    # cells of a text layer, sheet or page printing digits where a figure belongs but not as a number
    # (`2，940.05` with a comma of another kind): the figure is not known, so the cell is doubtful
    unreadable: list[str] = field(default_factory=list)
    # OCR'd figures marked doubtful because an identity they take part in fails: "identity: cells"
    misread: list[str] = field(default_factory=list)

    @property
    def positional(self) -> bool:
        return self.positions is Positions.KEPT or self.ocr

    @property
    def doubtful(self) -> bool:
        if self.unplaced or self.ambiguous or self.missing_totals or self.unreadable:
            return True
        if self.ocr:  # an OCR'd table whose sums fail, or with a cell read without confidence, may be ours
            return bool(self.failing_sums or self.low_confidence)
        if not self.positional and self.failing_sums:
            return len(self.failing_sums) >= 2 or self.by_arithmetic > 0
        return False

    def reasons(self) -> list[str]:
        out = []
        if self.missing_totals:
            out.append(
                f"total row not read: {', '.join(self.missing_totals)}; the rows read cannot be checked against "
                "it and may not be the whole table"
            )
        if self.ambiguous:
            out.append(
                f"{len(self.ambiguous)} row(s) with figures that fit more than one column: "
                + "; ".join(self.ambiguous[:5])
                + (" …" if len(self.ambiguous) > 5 else "")
            )
        if self.complete:
            out.append(self._complete_reason())
        if self.unplaced:
            out.append(
                f"{len(self.unplaced)} figure group(s) not placed: "
                + "; ".join(self.unplaced[:5])
                + (" …" if len(self.unplaced) > 5 else "")
            )
        if not self.positional and self.failing_sums and self.doubtful:
            out.append(
                f"the table's own sums fail at {len(self.failing_sums)} place(s) and the text kept no "
                "column positions, so the values may sit under the wrong rows or columns: "
                + "; ".join(self.failing_sums[:12])
                + (" …" if len(self.failing_sums) > 12 else "")
            )
        if self.ocr and self.failing_sums:
            out.append(
                f"read by OCR and the table's own sums fail at {len(self.failing_sums)} place(s), so a digit may "
                "have been misread: "
                + "; ".join(self.failing_sums[:12])
                + (" …" if len(self.failing_sums) > 12 else "")
            )
        if self.low_confidence:
            out.append(
                f"{len(self.low_confidence)} OCR'd cell(s) read with low confidence or not as a number: "
                + "; ".join(self.low_confidence[:8])
                + (" …" if len(self.low_confidence) > 8 else "")
            )
        if self.unreadable:
            out.append(
                f"{len(self.unreadable)} cell(s) print digits where a figure belongs but not as a number, "
                "kept blank: " + "; ".join(self.unreadable[:8]) + (" …" if len(self.unreadable) > 8 else "")
            )
        if self.misread:
            out.append(
                "OCR'd figures in a failing sum, marked doubtful: "
                + "; ".join(self.misread[:8])
                + (" …" if len(self.misread) > 8 else "")
            )
        if self.doubtful_rows:
            out.append(f"rows in doubt ({len(self.doubtful_rows)}): " + ", ".join(self.doubtful_rows))
        if self.resolved:
            out.append("settled by the narrative: " + "; ".join(self.resolved))
        return out

    def _complete_reason(self) -> str:
        """The complete placements, each by the rows on which the listed ones disagree (the rows
        they share are the same in all of them)."""
        differ = {name for name, _ in self.complete[0] if len({repr(dict(p).get(name)) for p in self.complete}) > 1}

        def one(p: list[tuple[str, dict[str, float]]]) -> str:
            rows = [
                f"{name} " + ", ".join(f"{m} {v:,.2f}" for m, v in cells.items())
                for name, cells in p
                if name in differ or not differ
            ]
            return "; ".join(rows[:8]) + (" …" if len(rows) > 8 else "")

        listed = " | ".join(f"({k}) {one(p)}" for k, p in enumerate(self.complete, 1))
        count = f"{len(self.complete)}{' or more' if self.complete_more else ''}"
        which = "every identity that can hold" if self.failing_sums else "every identity"
        return (
            f"{count} complete placements of the whole table satisfy {which}, so the cells they "
            f"disagree on are left blank (rows where the listed ones differ): {listed}"
        )


# The total rows each kind of table prints (what `check_totals` looks for, and how a reason names it).
TOTAL_NAMES: dict[str, str] = {
    Table.T2: "合计 (本年收入合计)",
    Table.T3: "合计 (本年支出合计)",
    Table.T5: "合计 (本年支出合计)",
    Table.T8: "合计",
    Table.T9: "合计",
    Table.U4: "合计 (本年支出合计)",
}


def _figure(it: LineItem) -> bool:
    return it["amount_wan"] is not None


def check_totals(code: str, kind: str, items: list[LineItem], reading: Reading) -> None:
    """Record the total rows a table with figures was read without (合计 for a coded table, 本年收入合计
    and 本年支出合计 for a two-sided one, 人员经费合计 / 公用经费合计 for T6): a table whose total was lost
    (a page not converted, a row the reader did not recognise) must not pass for complete."""
    missing: list[str] = []
    reading.missing_totals = missing
    if not any(_figure(it) for it in items):
        return  # printed empty: no total to expect
    if kind == "coded":
        if not any(
            _figure(it) and not it["code"] and compact(it["row_label"] or "") in ("合计", "总计") for it in items
        ):
            missing.append(f"{TOTAL_NAMES.get(code, '合计')} row")
    elif kind == "two_sided":
        for side, name in (("income", "本年收入合计 (or 总计)"), ("expenditure", "本年支出合计 (or 总计)")):
            rows = [it for it in items if it["side"] == side]
            if any(_figure(it) for it in rows) and not any(_figure(it) and it["section"] == "total" for it in rows):
                missing.append(f"{name} row of the {side} side")
    elif kind == "economic":
        if not any(_figure(it) and "合计" in (it["row_label"] or "") and not it["code"] for it in items):
            missing.append("人员经费合计 / 公用经费合计 row")
