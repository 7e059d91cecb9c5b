"""A table as printed: rows of cells, whatever the source (tab-separated text, PDF engines).

`interpret_grid` turns a grid into line_items rows. Columns are located by the 栏次 numbering row
(1, 2, 3 … under the headers) when there is one, and named from the header text above them, so
tables with extra or missing columns, codes split over 类/款/项 columns, codes glued to names and
wrapped labels all come out the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..normalize import compact, is_amount, parse_amount
from ..vocabulary import THREE_PUBLIC_COLUMNS, THREE_PUBLIC_HEADER_WORDS, code_level
from .catalog import (
    BY_CODE,
    COLUMN_KEYWORDS,
    TEMPLATE_MEASURES,
    code_domain,
    function_class_code,
    t6_section,
    two_sided_section,
)


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
        if self.cell_refs is not None and i < len(self.cell_refs) and self.cell_refs[i]:
            return self.cell_refs[i] or self.ref
        return self.ref

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


def _clean(c: str | None) -> str:
    if c is None:
        return ""
    c = re.sub(r"<[^>]+>", "", c)
    return re.sub(r"\s+", " ", c.replace("\n", " ")).strip()


def numbering_row(rows: list[GridRow]) -> int | None:
    """Index of the 栏次 row: integer cells 1..n in order; header words may share the row
    (栏次, 类 款 项, 科目名称), amounts may not."""
    for i, row in enumerate(rows[:12]):
        ints = []
        ok = True
        for c in map(_clean, row.cells):
            if not c:
                continue
            if INT_CELL.match(c):
                ints.append(int(c))
            elif is_amount(c) or re.search(r"\d", c):
                ok = False
                break
        if ok and ints and ints == list(range(ints[0], ints[0] + len(ints))) and ints[0] in (1, 2):
            if len(ints) > 1 or any("栏" in _clean(c) for c in row.cells):
                return i
    return None


def _header_text(rows: list[GridRow], upto: int, idx: int) -> str:
    """Header words over column idx; merged cells (None/blank) borrow from the left, until the
    column has words of its own (below its own header, a None is a vertical merge, not a span)."""
    parts = []
    own = False
    for row in rows[:upto]:
        cells = row.cells
        if idx < len(cells) and _clean(cells[idx]):
            own = True
        elif own:
            continue
        j = idx
        while j >= 0 and j < len(cells) and not _clean(cells[j]) and cells[j] is None:
            j -= 1
        if 0 <= j < len(cells) and _clean(cells[j]):
            parts.append(compact(_clean(cells[j])))
    return "".join(parts)


def _measure_for(table: str, header: str, ordinal: int) -> str:
    for kw, measure in COLUMN_KEYWORDS.get(table, ()):
        if kw in header:
            return measure
    template = TEMPLATE_MEASURES.get(table, ())
    return template[ordinal] if ordinal < len(template) else f"col{ordinal + 1}"


def _amount(cell: str | None, ref: str, notes: list[str]) -> float | None:
    c = _clean(cell)
    try:
        return parse_amount(c)
    except ValueError:
        notes.append(f"{ref}: cell {c!r} in an amount column is not a number; kept as blank")
        return None


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
) -> dict:
    factor = 1e-4 if unit == "元" else 1.0
    out = {
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


def interpret_grid(grid: Grid) -> list[dict]:
    kind = BY_CODE[grid.table].kind if grid.table in BY_CODE else "generic"
    rows = [
        GridRow([_clean(c) if c is not None else None for c in r.cells], r.ref, r.cell_refs, r.confidence)
        for r in grid.rows
    ]
    rows = [r for r in rows if any(c for c in r.cells)]
    if kind == "generic":
        return _generic(grid, rows)
    if kind == "coded":
        return _coded(grid, rows)
    if kind == "two_sided":
        return _two_sided(grid, rows)
    if kind == "economic":
        return _economic(grid, rows)
    return _three_public(grid, rows)


def _coded(grid: Grid, rows: list[GridRow]) -> list[dict]:
    t = grid.table
    n = numbering_row(rows)
    if n is not None:
        num = rows[n].cells
        idxs = [i for i, c in enumerate(num) if c and INT_CELL.match(c)]
        header_end = n
        body = rows[n + 1 :]
        total_in_numbering = any(c and "合计" in compact(c) for c in num)
    else:  # no 栏次 row: measure columns are those whose header names a measure
        first_figures = next(
            (
                i
                for i, r in enumerate(rows)
                if any(c and (CODE_CELL.match(c) or GLUED.match(c)) for c in r.cells)
                or (
                    any(c and re.fullmatch(r"合计|总计", compact(c)) for c in r.cells)
                    and any(c and is_amount(c) for c in r.cells)
                )
            ),
            None,
        )
        # no figures at all: the last 合计 row is the body of an empty table
        header_end = (
            first_figures
            if first_figures is not None
            else next(
                (
                    i
                    for i in range(len(rows) - 1, -1, -1)
                    if any(c and re.fullmatch(r"合计|总计", compact(c)) for c in rows[i].cells)
                ),
                len(rows),
            )
        )
        width = max(len(r.cells) for r in rows)
        label_cols = {
            i for r in rows[:header_end] for i, c in enumerate(r.cells) if c and HEADER_WORDS.fullmatch(compact(c))
        }
        idxs = [
            i
            for i in range(width)
            if i not in label_cols  # 类/款/项/科目编码 columns hold codes, not amounts
            and any(kw in _header_text(rows, header_end, i) for kw, _ in COLUMN_KEYWORDS.get(t, ()))
        ]
        body = rows[header_end:]
        total_in_numbering = False
    measures = [_measure_for(t, _header_text(rows, header_end, i), k) for k, i in enumerate(idxs)]
    out: list[dict] = []
    pending = ""
    order = 0
    last_row_items: list[dict] = []
    for r in body:
        cells = r.cells + [None] * (max(idxs, default=0) + 1 - len(r.cells))
        label_cells = [c for i, c in enumerate(cells) if i not in idxs and c]
        values = [cells[i] for i in idxs]
        has_values = any(v for v in values)
        if label_cells and all(is_amount(c) for c in label_cells) and not any(CODE_CELL.match(c) for c in label_cells):
            label_cells = []  # stray numbers outside measure columns (page numbers)
        code, label = _split_label(label_cells)
        if (
            not code
            and (has_values or HEADER_WORDS.fullmatch(label))
            and all(HEADER_WORDS.fullmatch(compact(v)) for v in values if v)
        ):
            continue  # a header row under the 栏次 row (`类 款 项 栏次`): words where amounts go, no amounts
        if not has_values and not code:
            if label.startswith("注") or label.startswith("说明"):
                break
            pending += label
            continue
        if code and pending and last_row_items:
            for it in last_row_items:  # a wrapped name belongs to the previous coded row
                it["row_label"] += pending
            pending = ""
        label = pending + label
        pending = ""
        if not label and not code:
            if order == 0 and (total_in_numbering or has_values):
                label = "合计"
            else:
                continue
        label = "合计" if re.fullmatch(r"合\s*计|总计", label) else label
        last_row_items = [
            item(
                t,
                m,
                _amount(cells[i], r.at(i), grid.notes),
                label=label,
                code=code,
                ref=r.at(i),
                order=order,
                unit=grid.unit,
                confidence=r.conf(i),
            )
            for m, i in zip(measures, idxs)
        ]
        out += last_row_items
        order += 1
    if pending and last_row_items:
        for it in last_row_items:
            it["row_label"] += pending
    elif pending and not out:  # header and a 合计 row with nothing in it: an empty table
        out += [
            item(t, m, None, label="合计", ref=body[-1].ref if body else rows[-1].ref, order=0, unit=grid.unit)
            for m in measures
        ]
    return out


def _two_sided(grid: Grid, rows: list[GridRow]) -> list[dict]:
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
    out: list[dict] = []
    state: dict = {}
    for bno, (lo, hi) in enumerate(bounds[:2]):
        idxs = [i for i in range(lo, hi) if i < len(num) and (c := num[i]) and INT_CELL.match(c)]
        if not idxs:
            continue
        side = "income" if bno == 0 else "expenditure"
        if t == "T1" or side == "income":
            measures = ["final"] * len(idxs)
        else:
            measures = [
                _measure_for("T4", _header_text(rows, n if numbered else n + 1, i), k) for k, i in enumerate(idxs)
            ]
            template = TEMPLATE_MEASURES["T4_expenditure"]
            measures = [
                m if not m.startswith("col") else (template[k] if k < len(template) else m)
                for k, m in enumerate(measures)
            ]
        # A 行次 column stands between the label and the first figure; without one (unnumbered
        # tables, or `栏次 | 1` with 栏次 in the label column) the label runs up to the figures.
        has_row_no = numbered and idxs[0] - 1 > lo
        row_no_idx = idxs[0] - 1 if has_row_no else idxs[0]
        order = 0
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
            code = function_class_code(label) if side == "expenditure" else None
            sec = two_sided_section(label, state, side)
            for m, i in zip(measures, idxs):
                out.append(
                    item(
                        t,
                        m,
                        _amount(cells[i], r.at(i), grid.notes),
                        label=label,
                        code=code,
                        side=side,
                        section=sec,
                        ref=r.at(i),
                        order=order,
                        unit=grid.unit,
                        confidence=r.conf(i),
                    )
                )
            order += 1
    return out


def _economic(grid: Grid, rows: list[GridRow]) -> list[dict]:
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
    out: list[dict] = []
    order = 0
    for r in rows[start:]:
        cells = r.cells + [None] * 3
        if any(c and compact(c).startswith("注") for c in cells[:2]):
            break
        if any(c and "合计" in c for c in cells):
            for i, c in enumerate(cells):
                if c and "合计" in c:
                    j = next((j for j in range(i + 1, len(cells)) if cells[j] and is_amount(cells[j])), None)
                    amt = cells[j] if j is not None else None
                    lab = compact(c)
                    out.append(
                        item(
                            t,
                            "final",
                            _amount(amt, r.at(j) if j is not None else r.ref, grid.notes),
                            label=lab,
                            section=t6_section(None, lab),
                            ref=r.at(j) if j is not None else r.ref,
                            order=order,
                            unit=grid.unit,
                            confidence=r.conf(j) if j is not None else None,
                        )
                    )
                    order += 1
            continue
        for k, ni in enumerate(name_idx):
            lo = name_idx[k - 1] + 2 if k else 0  # code cells: one, or 类 | 款 split
            code_cells, name, amt = cells[lo:ni], cells[ni], cells[ni + 1]
            code, label = _split_label([c for c in (*code_cells, name) if c])
            if not code and not label:
                continue
            out.append(
                item(
                    t,
                    "final",
                    _amount(amt, r.at(ni + 1), grid.notes),
                    label=label,
                    code=code,
                    section=t6_section(code, label),
                    ref=r.at(ni + 1),
                    order=order,
                    unit=grid.unit,
                    confidence=r.conf(ni + 1),
                )
            )
            order += 1
    return out


def _three_public(grid: Grid, rows: list[GridRow]) -> list[dict]:
    n = numbering_row(rows)
    if n is None:
        return _three_public_pairs(grid, rows)
    numbered = [(i, int(c)) for i, c in enumerate(rows[n].cells) if c and INT_CELL.match(c)]
    idxs = [i for i, _ in numbered]
    nums = [v for _, v in numbered]
    out: list[dict] = []
    for r in rows[n + 1 :]:
        cells = r.cells + [None] * (max(idxs) + 1)
        vals = [cells[i] for i in idxs]
        if not any(v and is_amount(v) for v in vals):
            continue
        for k, i in zip(nums, idxs):
            if 1 <= k <= len(THREE_PUBLIC_COLUMNS):
                out.append(
                    item(
                        "T7",
                        THREE_PUBLIC_COLUMNS[k - 1],
                        _amount(cells[i], r.at(i), grid.notes),
                        label="合计",
                        ref=r.at(i),
                        order=0,
                        unit=grid.unit,
                        confidence=r.conf(i),
                    )
                )
        break
    return out


def _three_public_pairs(grid: Grid, rows: list[GridRow]) -> list[dict]:
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
            t = compact(_clean(c))
            hit = next((it for kw, it in THREE_PUBLIC_HEADER_WORDS if kw in t), None) if t and "及" not in t else None
            if hit:
                starts[i] = hit
    out: list[dict] = []
    for r in rows[pr + 1 :]:
        vals = r.cells + [None] * (len(rows[pr].cells) - len(r.cells))
        if not any(v and is_amount(v) for v in vals):
            continue
        for i, kind in enumerate(rows[pr].cells):
            kind = compact(kind or "")
            col = max((s for s in starts if s <= i), default=None)
            if kind not in ("预算数", "决算数") or col is None:
                continue
            measure = ("budget_" if kind == "预算数" else "final_") + starts[col]
            out.append(
                item(
                    "T7",
                    measure,
                    _amount(vals[i], r.at(i), grid.notes),
                    label="合计",
                    ref=r.at(i),
                    order=0,
                    unit=grid.unit,
                    confidence=r.conf(i),
                )
            )
        break
    return out


def _generic(grid: Grid, rows: list[GridRow]) -> list[dict]:
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
    out: list[dict] = []
    for order, r in enumerate(body):
        cells = r.cells + [None] * (width - len(r.cells))
        code, label = _split_label([c for i, c in enumerate(cells) if i not in idxs and c])
        if label.startswith("注") and not any(cells[i] for i in idxs):
            break
        out += [
            item(
                grid.table,
                m,
                _amount(cells[i], r.at(i), grid.notes),
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
