"""What a table reader hands back, whichever reader it is (text grids, spaced text, tokens, PDF
ruled tables): a FoundTable per table code with its status, the reading record (`assess`), and the
rules that rank and describe what was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from ..core.settings import SETTINGS
from . import shapes
from .identities import judge_ocr
from .line_item import UNREADABLE, LineItem
from .reading import Reading, check_totals

EMPTY_NOTE = re.compile(r"(无|没有).{0,20}(政府性基金|国有资本经营|三公|收入|支出|财政拨款)|本表.{0,6}(无数据|为空)")
# 单位：万元, 金额单位：元, （单位：元）, 单位: 人民币万元 (the amounts' unit, wherever the line puts it); not
# 编制单位：元阳县财政局 (a preparer whose name starts with 元)
UNIT_RE = re.compile(
    r"(?<!编制)(?<!填报)(?<!编报)(?<!报送)(?<!预算)(?<!主管)(金额|计量)?单位\s*[:：]\s*(?:人民币)?\s*(万元|元)(?![\u4e00-\u9fff])"
)


def printed_unit(lines: list[str]) -> str | None:
    """The unit the first 单位 line among `lines` prints (万元 or 元), None when none does."""
    return next((m.group(2) for ln in lines if (m := UNIT_RE.search(ln))), None)


# A table printed without a 单位 line, read in the one unit the report's other tables print.
UNIT_NOT_PRINTED = "no 单位 line printed with this table: read in {}, as every other table of the report"


class TableStatus(StrEnum):
    """What a reader found of a table (a member equals its word, as the datasets print it)."""

    DATA = "data"  # read, with figures
    EMPTY = "empty"  # printed with no figures (本表无数据)
    MISSING = "missing"  # not read: a title with nothing under it, or a body no reader could read

    @property
    def read(self) -> bool:
        return self is not TableStatus.MISSING


@dataclass
class FoundTable:
    table: str
    status: TableStatus
    items: list[LineItem] = field(default_factory=list)
    ref: str | None = None
    notes: list[str] = field(default_factory=list)
    reading: Reading | None = None
    repeated: list[str | None] = field(default_factory=list)  # where the same table was printed again with figures
    unread: bool = False  # its body is printed but no reader could read it (not merely lost in conversion)


# A table found with figures beats one printed empty, which beats a title with nothing under it.
STATUS_RANK = {TableStatus.DATA: 2, TableStatus.EMPTY: 1, TableStatus.MISSING: 0}


def repeated_report(found: dict[str, FoundTable]) -> str | None:
    """Why a file seems to hold more than one report: three or more of the standard tables printed
    again with figures (one report prints each once; a reprinted table alone is not enough)."""
    again = {code: ft.repeated for code, ft in found.items() if ft.repeated and ft.status == TableStatus.DATA}
    if len(again) < 3:
        return None
    where = "; ".join(f"{code} again at {', '.join(map(str, refs))}" for code, refs in sorted(again.items()))
    return (
        f"the file seems to hold more than one report: {len(again)} tables are printed twice with figures "
        f"({where}); split it into one file per report and extract each"
    )


# A printed figure with decimals (not a 栏次 number): a table printing one is not empty.
_DECIMAL_FIGURE = re.compile(r"^[-−]?[\d,]*\d\.\d+$")


def unread_figures(cells: list[str | None]) -> str | None:
    """Why a table that read no figure is not `empty`: the figures it prints, named (None when it prints
    none). Its figure columns were named by no header word the reader knows (header words lost, e.g. a
    header split from its body by a page break, or a grid cut into pieces by a converter)."""
    printed = [c for c in cells if c and _DECIMAL_FIGURE.match(c.replace(" ", ""))]
    if not printed:
        return None
    shown = ", ".join(printed[:3]) + (" …" if len(printed) > 3 else "")
    return (
        f"{len(printed)} figure(s) printed ({shown}) but none read: no column header names what they are "
        "(header words lost, e.g. a header split by a page break)"
    )


def items_status(items: list[LineItem]) -> TableStatus:
    """`data` when any cell holds a figure, else `empty` (printed with no figures)."""
    return TableStatus.DATA if any(it["amount_wan"] is not None for it in items) else TableStatus.EMPTY


def assess(code: str, items: list[LineItem], reading: Reading) -> Reading:
    """The reading record of a table read by any reader, filled in: rows, values by position or by
    arithmetic (unless the reader counted them), cells in doubt, totals and the shape's checks."""
    if not reading.rows:
        keys = {(it["side"], it["row_order"]) for it in items}
        reading.rows = len(keys)
        inferred = sum(1 for it in items if it["amount_wan"] is not None and it.get("column_inferred"))
        reading.by_arithmetic = inferred
        reading.by_position = sum(1 for it in items if it["amount_wan"] is not None) - inferred
    for it in items:
        it.setdefault("doubtful", False)
        conf = it.get("ocr_confidence")
        if (read_as := it.pop(UNREADABLE, None)) is not None:
            it["doubtful"] = True
            where = it["code"] or it["row_label"]
            unsure = reading.low_confidence if conf is not None else reading.unreadable
            unsure.append(f"{where} {it['measure']} ({it['source_ref']}): read as {read_as!r}, not a number")
        if conf is not None and it["amount_wan"] is not None and conf < SETTINGS.ocr_min_confidence:
            it["doubtful"] = True
            where = it["code"] or it["row_label"]
            reading.low_confidence.append(f"{where} {it['measure']} ({it['source_ref']}, {conf:.2f})")
    check_totals(code, shapes.kind_of(code), items, reading)
    shapes.check(code, items, reading)
    judge_ocr(code, items, reading)  # OCR: every figure in a failing sum is doubtful, in every shape
    return reading
