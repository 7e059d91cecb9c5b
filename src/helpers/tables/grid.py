"""A table as printed: rows of cells, whatever the source (tab-separated text, PDF engines).

`interpret_grid` reads a grid's rows for the interpreter of the table's shape (`tables/shapes/`).
Columns are located by the 栏次 numbering row (1, 2, 3 … under the headers) when there is one, and
their header text above them goes to the shape, which names them; so tables with extra or missing
columns, codes split over 类/款/项 columns, codes glued to names and wrapped labels all come out the
same way. Every figure keeps its column (`Figure.column`), blank cells included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.normalize import compact, is_amount
from . import shapes
from .line_item import LineItem
from .shapes import coded, economic, kind_of, three_public, two_sided
from .shapes.records import Figure, RowRecord, cell_amount, clean_cell, item


@dataclass
class GridRow:
    cells: list[str | None]
    ref: str
    # Per cell, where the container knows more than the row (`sheet 公开05表!C14`, an OCR box), and
    # the OCR confidence of each cell; None when the row's ref says it all (text, PDF text layer).
    cell_refs: list[str | None] | None = None
    confidence: list[float | None] | None = None

    def at(self, i: int) -> str:
        """Where cell i was read: its own ref when the container gave one, else the row's."""
        own = self.cell_refs[i] if self.cell_refs is not None and i < len(self.cell_refs) else None
        return own or self.ref

    def conf(self, i: int) -> float | None:
        return self.confidence[i] if self.confidence is not None and i < len(self.confidence) else None


@dataclass
class Grid:
    table: str
    rows: list[GridRow]
    unit: str = "万元"
    title_ref: str | None = None
    notes: list[str] = field(default_factory=list)


CODE_CELL = re.compile(r"^\d{3}(?:\s*\d{2}){0,2}$")
GLUED = re.compile(r"^(\d{3}(?:\d{2}){0,2})\s*([^\d\s,.].*)$")
INT_CELL = re.compile(r"^\d{1,3}$")
HEADER_WORDS = re.compile(r"(类|款|项|目|栏次|栏|次|科目编码|科目名称|功能分类|经济分类)+")


def numbering_row(rows: list[GridRow]) -> int | None:
    """Index of the 栏次 row: integer cells 1..n in order; header words may share the row
    (栏次, 类 款 项, 科目名称), amounts may not."""
    for i, row in enumerate(rows[:12]):
        ints = []
        ok = True
        for c in map(clean_cell, row.cells):
            if not c:
                continue
            if INT_CELL.match(c):
                ints.append(int(c))
            elif is_amount(c) or re.search(r"\d", c):
                ok = False
                break
        if ok and ints and ints == list(range(ints[0], ints[0] + len(ints))) and ints[0] in (1, 2):
            if len(ints) > 1 or any("栏" in clean_cell(c) for c in row.cells):
                return i
    return None


def _header_text(rows: list[GridRow], upto: int, idx: int) -> str:
    """Header words over column idx; merged cells (None/blank) borrow from the left, until the
    column has words of its own (below its own header, a None is a vertical merge, not a span)."""
    parts = []
    own = False
    for row in rows[:upto]:
        cells = row.cells
        if idx < len(cells) and clean_cell(cells[idx]):
            own = True
        elif own:
            continue
        j = idx
        while j >= 0 and j < len(cells) and not clean_cell(cells[j]) and cells[j] is None:
            j -= 1
        if 0 <= j < len(cells) and clean_cell(cells[j]):
            parts.append(compact(clean_cell(cells[j])))
    return "".join(parts)


def _split_label(cells: list[str]) -> tuple[str | None, str]:
    """Code (joined over 类/款/项 cells, or split off a glued name) and label from label cells."""
    code_parts: list[str] = []
    names: list[str] = []
    for c in cells:
        if CODE_CELL.match(c) and not names:
            code_parts.append(compact(c))
            continue
        if code_parts and not names and re.fullmatch(r"\d{2}", c):
            code_parts.append(c)  # 款/项 cell after a 类 cell (`201 | 06 | 01`)
            continue
        m = GLUED.match(c)
        if m and not names and not code_parts:
            code_parts.append(m.group(1))
            names.append(m.group(2))
            continue
        names.append(c)
    code = "".join(code_parts) or None
    if code and len(code) not in (3, 5, 7):
        names.insert(0, code)
        code = None
    return code, "".join(compact(n) if re.search(r"[\u4e00-\u9fff]", n) else n for n in names)


def interpret_grid(grid: Grid) -> list[LineItem]:
    rows = [
        GridRow([clean_cell(c) if c is not None else None for c in r.cells], r.ref, r.cell_refs, r.confidence)
        for r in grid.rows
    ]
    rows = [r for r in rows if any(c for c in r.cells)]
    return ROWS_BY_KIND[kind_of(grid.table)](grid, rows)


def _is_total_cell(c: str | None) -> bool:
    return bool(c and re.fullmatch(r"合计|总计", compact(c)))


def _coded_header_end(rows: list[GridRow]) -> int:
    """With no 栏次 row: the first row with a code or a 合计 row with figures; with no figures at all,
    the last 合计 row (the body of an empty table)."""
    first_figures = next(
        (
            i
            for i, r in enumerate(rows)
            if any(c and (CODE_CELL.match(c) or GLUED.match(c)) for c in r.cells)
            or (any(_is_total_cell(c) for c in r.cells) and any(c and is_amount(c) for c in r.cells))
        ),
        None,
    )
    if first_figures is not None:
        return first_figures
    return next((i for i in range(len(rows) - 1, -1, -1) if any(_is_total_cell(c) for c in rows[i].cells)), len(rows))


def _coded_columns(grid: Grid, rows: list[GridRow]) -> tuple[list[int], int, list[GridRow], bool]:
    """The measure columns, where the header ends, the body rows, and whether the 栏次 row carries the
    合计 label: by the 栏次 numbers, or (no 栏次 row) the columns whose header names a measure."""
    n = numbering_row(rows)
    if n is not None:
        num = rows[n].cells
        idxs = [i for i, c in enumerate(num) if c and INT_CELL.match(c)]
        return idxs, n, rows[n + 1 :], any(c and "合计" in compact(c) for c in num)
    header_end = _coded_header_end(rows)
    width = max(len(r.cells) for r in rows)
    label_cols = {
        i for r in rows[:header_end] for i, c in enumerate(r.cells) if c and HEADER_WORDS.fullmatch(compact(c))
    }
    idxs = [
        i
        for i in range(width)
        if i not in label_cols  # 类/款/项/科目编码 columns hold codes, not amounts
        and coded.names_a_measure(grid.table, _header_text(rows, header_end, i))
    ]
    return idxs, header_end, rows[header_end:], False


def _coded(grid: Grid, rows: list[GridRow]) -> list[LineItem]:
    t = grid.table
    idxs, header_end, body, total_in_numbering = _coded_columns(grid, rows)
    measures = coded.measures_for_columns(t, [_header_text(rows, header_end, i) for i in idxs])
    records: list[RowRecord] = []
    pending = ""
    blank_row: GridRow | None = None  # the last row of a label and no figure (an empty table's 合计 row)
    for r in body:
        cells = r.cells + [None] * (max(idxs, default=0) + 1 - len(r.cells))
        values = [cells[i] for i in idxs]
        has_values = any(v for v in values)
        code, label = _split_label(_label_cells(cells, idxs))
        if not code and (has_values or HEADER_WORDS.fullmatch(label)) and all(_header_word(v) for v in values if v):
            continue  # a header row under the 栏次 row (`类 款 项 栏次`): words where amounts go, no amounts
        if not has_values and not code:
            if label.startswith("注") or label.startswith("说明"):
                break
            pending += label
            blank_row = r
            continue
        if code and pending and records:
            records[-1].label += pending  # a wrapped name belongs to the previous coded row
            pending = ""
        label = pending + label
        pending = ""
        if not label and not code:
            if records or not (total_in_numbering or has_values):
                continue
            label = "合计"
        figures = [Figure(cells[i], k, r.at(i), r.conf(i)) for k, i in enumerate(idxs)]
        records.append(RowRecord(code, coded.row_label(label), figures, r.ref))
    if pending and records:
        records[-1].label += pending
    elif pending:  # header and a 合计 row with nothing in it: an empty table (its blank cells as read)
        ref = body[-1].ref if body else rows[-1].ref
        if blank_row is not None and len(idxs) == len(measures):
            figures = [Figure("", k, blank_row.at(i), blank_row.conf(i)) for k, i in enumerate(idxs)]
        else:
            figures = [Figure("", k, ref) for k in range(len(measures))]
        records.append(RowRecord(None, "合计", figures, ref))
    return shapes.line_items(t, records, measures, grid.unit, grid.notes)


def _header_word(c: str) -> bool:
    return bool(HEADER_WORDS.fullmatch(compact(c)))


def _label_cells(cells: list[str | None], idxs: list[int]) -> list[str]:
    """A row's cells outside the measure columns; stray numbers there (page numbers) are no label."""
    out = [c for i, c in enumerate(cells) if i not in idxs and c]
    if out and all(is_amount(c) for c in out) and not any(CODE_CELL.match(c) for c in out):
        return []
    return out


def _two_sided(grid: Grid, rows: list[GridRow]) -> list[LineItem]:
    t = grid.table
    n = numbering_row(rows)
    numbered = n is not None
    if n is None:  # no 栏次 row: a header row with `项目` over each side's labels, measures beside it
        n = next(
            (i for i, r in enumerate(rows[:6]) if sum(1 for c in r.cells if c and compact(c) == "项目") >= 2), None
        )
        if n is None:
            grid.notes.append("two-sided table without a 栏次 row or 项目 headers: not read")
            return []
        num = [None if not c else ("" if compact(c) == "项目" else "1") for c in rows[n].cells]
        starts = [i for i, c in enumerate(rows[n].cells) if c and compact(c) == "项目"]
    else:
        num = rows[n].cells
        starts = [i for i, c in enumerate(num) if c and "栏" in c]
    if not starts:
        starts = [0]
    bounds = list(zip(starts, starts[1:] + [max(len(r.cells) for r in rows)]))
    records: list[RowRecord] = []
    expenditure = list(two_sided.TEMPLATE)
    for bno, (lo, hi) in enumerate(bounds[:2]):
        idxs = [i for i in range(lo, hi) if i < len(num) and (c := num[i]) and INT_CELL.match(c)]
        if not idxs:
            continue
        side = "income" if bno == 0 else "expenditure"
        one_column = two_sided.side_measures(t, side, []) == two_sided.ONE_COLUMN
        if not one_column:
            expenditure = two_sided.expenditure_measures(
                [_header_text(rows, n if numbered else n + 1, i) for i in idxs]
            )
        # A 行次 column stands between the label and the first figure; without one (unnumbered
        # tables, or `栏次 | 1` with 栏次 in the label column) the label runs up to the figures.
        has_row_no = numbered and idxs[0] - 1 > lo
        row_no_idx = idxs[0] - 1 if has_row_no else idxs[0]
        for r in rows[n + 1 :]:
            cells = r.cells + [None] * (hi - len(r.cells))
            label = "".join(compact(c) for c in cells[lo:row_no_idx] if c)
            if label.startswith("注"):
                break
            row_no = cells[row_no_idx] if has_row_no else None
            values = [cells[i] for i in idxs]
            if not label and not any(values):
                continue
            if not label:
                label = f"(行次 {row_no})" if row_no else "(blank)"
            # every figure column of a one-column side is its 决算数
            figures = [Figure(cells[i], 0 if one_column else k, r.at(i), r.conf(i)) for k, i in enumerate(idxs)]
            records.append(RowRecord(None, label, figures, r.ref, side=side))
    return shapes.line_items(t, records, expenditure, grid.unit, grid.notes)


def _economic(grid: Grid, rows: list[GridRow]) -> list[LineItem]:
    t = grid.table
    hdr = next((i for i, r in enumerate(rows[:8]) if sum(1 for c in r.cells if c and "科目名称" in c) >= 2), None)
    if hdr is None:
        grid.notes.append("基本支出 table without 科目编码/科目名称 headers: not read")
        return []
    name_idx = [i for i, c in enumerate(rows[hdr].cells) if c and "科目名称" in c]
    start = next(
        (
            i
            for i in range(hdr + 1, len(rows))
            if any(c and (CODE_CELL.match(c) or GLUED.match(c) or "合计" in c) for c in rows[i].cells)
        ),
        hdr + 1,
    )
    records: list[RowRecord] = []
    for r in rows[start:]:
        cells = r.cells + [None] * 3
        if any(c and compact(c).startswith("注") for c in cells[:2]):
            break
        if any(c and "合计" in c for c in cells):
            for i, c in enumerate(cells):
                if c and "合计" in c:
                    j = next((j for j in range(i + 1, len(cells)) if cells[j] and is_amount(cells[j])), None)
                    fig = Figure(cells[j], 0, r.at(j), r.conf(j)) if j is not None else Figure(None, 0)
                    records.append(RowRecord(None, compact(c), [fig], r.ref, total=True))
            continue
        for k, ni in enumerate(name_idx):
            lo = name_idx[k - 1] + 2 if k else 0  # code cells: one, or 类 | 款 split
            code_cells, name, amt = cells[lo:ni], cells[ni], cells[ni + 1]
            code, label = _split_label([c for c in (*code_cells, name) if c])
            if not code and not label:
                continue
            records.append(RowRecord(code, label, [Figure(amt, 0, r.at(ni + 1), r.conf(ni + 1))], r.ref))
    return shapes.line_items(t, records, economic.ONE_COLUMN, grid.unit, grid.notes)


def _three_public(grid: Grid, rows: list[GridRow]) -> list[LineItem]:
    n = numbering_row(rows)
    if n is None:
        return _three_public_pairs(grid, rows)
    numbered = [(i, int(c)) for i, c in enumerate(rows[n].cells) if c and INT_CELL.match(c)]
    idxs = [i for i, _ in numbered]
    nums = [v for _, v in numbered]
    for r in rows[n + 1 :]:
        cells = r.cells + [None] * (max(idxs) + 1)
        vals = [cells[i] for i in idxs]
        if not any(v and is_amount(v) for v in vals):
            continue
        figures = [
            Figure(cells[i], k - 1, r.at(i), r.conf(i))
            for k, i in zip(nums, idxs)
            if 1 <= k <= len(three_public.NUMBERED)
        ]
        row = RowRecord(None, "合计", figures, r.ref)
        return shapes.line_items(grid.table, [row], three_public.NUMBERED, grid.unit, grid.notes)
    return []


def _three_public_pairs(grid: Grid, rows: list[GridRow]) -> list[LineItem]:
    """三公 table without a numbering row (Shanghai): a 预算数 | 决算数 pair under each item header."""
    pr = next(
        (i for i, r in enumerate(rows) if sum(1 for c in r.cells if c and compact(c) in ("预算数", "决算数")) >= 4),
        None,
    )
    if pr is None:
        grid.notes.append("三公 table without a 1..12 column numbering row or 预算数/决算数 row: not read")
        return []
    starts: dict[int, str] = {}
    for r in rows[:pr]:
        for i, c in enumerate(r.cells):
            if hit := three_public.item_of_header(clean_cell(c)):
                starts[i] = hit
    for r in rows[pr + 1 :]:
        vals = r.cells + [None] * (len(rows[pr].cells) - len(r.cells))
        if not any(v and is_amount(v) for v in vals):
            continue
        measures: list[str] = []
        figures: list[Figure] = []
        for i, word in enumerate(rows[pr].cells):
            col = max((s for s in starts if s <= i), default=None)
            measure = three_public.pair_measure(compact(word or ""), starts[col]) if col is not None else None
            if measure is None:
                continue
            figures.append(Figure(vals[i], len(measures), r.at(i), r.conf(i)))
            measures.append(measure)
        row = RowRecord(None, "合计", figures, r.ref)
        return shapes.line_items(grid.table, [row], measures, grid.unit, grid.notes)
    return []


def _generic(grid: Grid, rows: list[GridRow]) -> list[LineItem]:
    """A 决算 table the catalog does not know (kept under its own code, X1, X2 …): every column that
    prints a figure is a measure named by its header words; the other cells make the row's label
    and code. Nothing is inferred: cells are kept where the ruled table put them."""
    first = next((i for i, r in enumerate(rows) if any(c and is_amount(c) for c in r.cells)), None)
    if first is None:
        return []

    width = max(len(r.cells) for r in rows)
    body = rows[first:]

    def figure(c: str | None) -> bool:  # an amount, not a code (`205`, `2050201`: integers of 3/5/7 digits)
        return bool(c and is_amount(c) and not CODE_CELL.match(c.replace(" ", "")))

    idxs = [i for i in range(width) if any(i < len(r.cells) and figure(r.cells[i]) for r in body)]
    names = [_header_text(rows, first, i) or f"col{i + 1}" for i in idxs]
    out: list[LineItem] = []
    for order, r in enumerate(body):
        cells = r.cells + [None] * (width - len(r.cells))
        code, label = _split_label([c for i, c in enumerate(cells) if i not in idxs and c])
        if label.startswith("注") and not any(cells[i] for i in idxs):
            break
        out += [
            item(
                grid.table,
                m,
                cell_amount(cells[i], r.at(i), grid.notes),
                label=label,
                code=code,
                ref=r.at(i),
                order=order,
                unit=grid.unit,
                confidence=r.conf(i),
            )
            for m, i in zip(names, idxs)
        ]
    return out


# How a grid's rows are read into each shape's records (catalog `TableDef.kind`).
ROWS_BY_KIND = {
    "coded": _coded,
    "two_sided": _two_sided,
    "economic": _economic,
    "three_public": _three_public,
    "generic": _generic,
}
