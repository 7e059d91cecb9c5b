"""Finding the nine tables in a text report.

Three shapes occur (the README lists the layouts): tab-separated grids, tables lost in conversion (a title and
perhaps a unit line, nothing else), and one cell per line with names wrapped over several lines
(`tokens.py` reads those). A table is found by its title, or, when the title was lost, by its
header words; the header wins when the two disagree, since a lost title leaves a grid under the
previous table's title.
"""

from __future__ import annotations

import re

from ..core.catalog import ALL_TABLE_CODES, match_header, match_title, same_header
from ..core.vocabulary import Table
from ..read.document import Document, Line
from .evidence import narrative_total_row, spaced_hints, t3_floors
from .found import (
    EMPTY_NOTE,
    STATUS_RANK,
    UNIT_NOT_PRINTED,
    UNIT_RE,
    FoundTable,
    TableStatus,
    printed_unit,
    unread_figures,
)
from .grid import Grid, GridRow
from .readers import GridReader, SpacedReader, TokensReader

GRID, SPACED, TOKENS = GridReader(), SpacedReader(), TokensReader()

STOP = re.compile(
    r"^[#\s*]*第[三四五六]部分|情况说明\s*$|^[#\s*]*[一二三四五六七八九十]+、.*(情况|说明)(说明)?\s*$"
    r"|^[#\s*]*[（(][一二三四五六七八九十]+[)）].*说明\s*$"
)


def _grid_table(code: str, run: list[Line], unit: str, ref: str | None, title_ref: str | None = None) -> FoundTable:
    """A tab-separated run of lines read as table `code` (lines whose trailing blank cells were trimmed
    get them back)."""
    cells = [_tab_cells(ln) for ln in run]
    width = max(map(len, cells))
    rows = [GridRow(c + [""] * (width - len(c)), ln.ref) for c, ln in zip(cells, run)]
    grid = Grid(code, rows, unit=unit, title_ref=title_ref)
    found = GRID.read(code, grid, unit, ref)
    if found.status == TableStatus.EMPTY and (why := unread_figures([c for r in rows for c in r.cells])):
        found.status, found.unread = TableStatus.MISSING, True  # figures printed, none read: not `empty`
        found.notes.append(why)
    return found


def _tab_cells(line: Line) -> list[str | None]:  # GridRow cells (a tab grid has no missing cell)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in line.text.split("\t")]


def _unit(lines: list[Line], default: str = "万元") -> str:
    """The unit printed over a table (its title line and the lines under it), else `default`."""
    return printed_unit([ln.text for ln in lines[:12]]) or default


def _report_unit(lines: list[Line]) -> str:
    """The unit every 单位 line of the report's body prints, else 万元: a table printed without a unit line
    is in the unit of the others (for the other containers layout_tables._units_not_printed asks the
    tables themselves, which a text copy does not delimit until they are read)."""
    units = {m.group(2) for ln in lines if (m := UNIT_RE.search(ln.text))}
    return units.pop() if len(units) == 1 else "万元"


def _runs(lines: list[Line]) -> list[list[Line]]:
    """Runs of consecutive tab-separated lines with the same cell count (blank lines allowed); a line with
    fewer tabs continues a run when the cells it lacks are blank ones stripped from its end (an editor or
    a converter trims trailing tabs: `201⇥一般公共服务支出⇥264.87` under a header of six cells). A line
    left with no tab at all (`科目编码` alone) still ends the run: it cannot be told from text between
    tables, and read into the grid it misplaced figures."""
    runs, cur, width = [], [], None
    for ln in lines:
        if not ln.text.strip():
            continue
        n = ln.text.count("\t")
        if (n >= 2 and (width is None or n == width)) or (
            width is not None and n >= 1 and _joins(ln.text, n, width, cur)
        ):
            cur.append(ln)
            width = n if width is None else max(width, n)
        else:
            if len(cur) >= 2:
                runs.append(cur)
            cur, width = ([ln], n) if n >= 2 else ([], None)
    if len(cur) >= 2:
        runs.append(cur)
    return runs


def _joins(text: str, n: int, width: int, cur: list[Line]) -> bool:
    """Whether a tab line of another cell count is a line of the run with its end trimmed."""
    if n > width:  # wider: the run's first lines were the trimmed ones
        return all(_trimmed(x.text) for x in cur)
    return _trimmed(text)


def _trimmed(text: str) -> bool:
    """A tab line whose end was trimmed: it ends in a printed cell, not in a tab."""
    return not text.endswith("\t")


def _compact(text: str) -> str:
    return re.sub(r"[\s#*]", "", text)


def contents_end(lines: list[Line]) -> int:
    """Index where the body starts after a table of contents (目录), 0 when there is none: the
    body begins where the contents' first heading (`第一部分 …`) is printed again."""
    start = next(
        (
            i
            for i, ln in enumerate(lines[:300])
            if _compact(ln.text) == "目录" or (_compact(ln.text).endswith("目录") and len(_compact(ln.text)) <= 40)
        ),
        None,
    )
    if start is None:
        return 0
    first = next((i for i in range(start + 1, min(start + 100, len(lines))) if _compact(lines[i].text)), None)
    if first is None:
        return 0
    key = _compact(lines[first].text)
    part = re.match(r"第[一二三四五六]部分", key)
    for j in range(first + 1, len(lines)):
        again = _compact(lines[j].text)
        if again == key or (part and again.startswith(part.group(0))):
            return j
    return 0


def find_text_tables(doc: Document) -> dict[str, FoundTable]:
    lines = doc.lines
    body_start = contents_end(lines)  # titles listed in the 目录 name tables, they are not tables
    titles = [(i, code) for i, ln in enumerate(lines) if i >= body_start and (code := match_title(ln.text))]
    found: dict[str, FoundTable] = {}
    deferred: list[tuple[str, list[Line], str, str]] = []  # spaced tables, read in table order below
    report_unit = _report_unit(lines[body_start:])
    unprinted: set[str] = set()  # tables read in the report's unit, none printed over them
    for k, (i, code) in enumerate(titles):
        end = titles[k + 1][0] if k + 1 < len(titles) else len(lines)
        if not _read_titled(code, lines, i, end, found, deferred, report_unit) and report_unit != "万元":
            unprinted.add(code)
    _read_deferred(deferred, found, doc)
    for code in sorted(unprinted & {c for c, ft in found.items() if ft.status == TableStatus.DATA}):
        found[code].notes.append(UNIT_NOT_PRINTED.format(report_unit))
    # Grids before the first title, or whose title was lost entirely.
    first_title = titles[0][0] if titles else len(lines)
    for run in _runs(lines[:first_title]):
        run_code = match_header("".join(ln.text for ln in run))
        if run_code:
            _offer(found, _grid_table(run_code, run, _unit(run), run[0].ref))
    return found


def _offer(found: dict[str, FoundTable], ft: FoundTable) -> None:
    """Keep the best reading of each table (data over empty over missing); a table printed again
    with figures is noted as repeated."""
    cur = found.get(ft.table)
    if cur is not None and cur.status == ft.status == TableStatus.DATA:
        cur.repeated.append(ft.ref)  # the same table printed again with figures
        return
    if cur is None:
        found[ft.table] = ft
    elif STATUS_RANK[ft.status] > STATUS_RANK[cur.status] or ft.status == cur.status == TableStatus.MISSING:
        ft.repeated = cur.repeated
        found[ft.table] = ft


def _table_block(lines: list[Line], i: int, end: int) -> list[Line]:
    """The lines under title line `i`, up to the next title or a heading that ends the tables."""
    block = lines[i + 1 : end]
    for j, ln in enumerate(block):
        if STOP.search(ln.text) and not match_title(ln.text):
            return block[:j]
    return block


def _read_titled(
    code: str,
    lines: list[Line],
    i: int,
    end: int,
    found: dict[str, FoundTable],
    deferred: list[tuple[str, list[Line], str, str]],
    report_unit: str = "万元",
) -> str:
    """The table under title line `i`: tab grids, else single-space text (deferred), else one cell
    per line, else printed empty or missing; in the unit printed over it (returned; "" when none is),
    else the report's."""
    block = _table_block(lines, i, end)
    printed = _unit([lines[i]] + block, default="")
    unit = printed or report_unit
    runs = _runs(block)
    if runs:
        run_codes = [match_header("".join(ln.text for ln in run)) for run in runs]
        # the grid right under T9's title is T9 although its header is T8's: the two print the same header
        if run_codes[0] is not None and same_header(run_codes[0], code):
            run_codes[0] = code
        for run, hcode in zip(runs, run_codes):
            tcode = hcode or code
            ref = run[0].ref if tcode != code else lines[i].ref
            _offer(found, _grid_table(tcode, run, unit, ref, title_ref=lines[i].ref))
        if not any(hcode in (None, code) for hcode in run_codes):
            lost = "title printed, table lost in conversion"
            _offer(found, FoundTable(code, TableStatus.MISSING, ref=lines[i].ref, notes=[lost]))
        return printed
    body = [ln for ln in block if ln.text.strip()]
    if SPACED.accepts(code, body):  # deferred: read after the others, whose figures it uses
        deferred.append((code, body, unit, lines[i].ref))
        return printed
    if (
        TOKENS.accepts(code, body)
        and (ft := TOKENS.read(code, body, unit, lines[i].ref, spaced_hints(code, found))).items
    ):
        _offer(found, ft)
        return printed
    text = "".join(ln.text for ln in body)
    if (empty := EMPTY_NOTE.search(text)) and ("合计" in text.replace(" ", "") or "栏次" in text.replace(" ", "")):
        note = "table printed with no rows: " + empty.group(0)
        _offer(found, FoundTable(code, TableStatus.EMPTY, ref=lines[i].ref, notes=[note]))
    else:
        note = "title printed, table contents not in the file"
        _offer(found, FoundTable(code, TableStatus.MISSING, ref=lines[i].ref, notes=[note]))
    return printed


def _read_deferred(
    deferred: list[tuple[str, list[Line], str, str]], found: dict[str, FoundTable], doc: Document
) -> None:
    """Spaced tables in T1..T9 order, so that T5/T8/T9 can use what T3 shows to be blank; then T3
    again if it left rows open, with what the fiscal tables show it must hold at least and, when
    its 合计 row was not read, the 合计 the narrative states (and the fiscal tables that left rows
    open again, with what T3 then shows)."""
    for code, body, unit, ref in sorted(deferred, key=lambda d: ALL_TABLE_CODES.index(d[0])):
        ft = SPACED.read_with(code, body, unit, ref, spaced_hints(code, found), found)
        if ft.items:
            _offer(found, ft)
        elif (tok := TOKENS.read(code, body, unit, ref, spaced_hints(code, found))).items:
            _offer(found, tok)  # not rows of figures after all: read as a stream of cells
        else:
            reasons = "; ".join(ft.reading.unplaced) if ft.reading else ""
            note = "table present but not read: " + (reasons or "no rows recognised")
            unread = FoundTable(code, TableStatus.MISSING, ref=ref, reading=ft.reading, notes=[note], unread=True)
            _offer(found, unread)
    by_code = {d[0]: d for d in deferred}
    more = t3_floors(found)
    t3 = found.get(Table.T3)
    if t3 is not None and t3.reading is not None and t3.reading.ambiguous and t3.reading.missing_totals:
        more["total_row"] = narrative_total_row(doc.lines)
    if _read_again(by_code.get(Table.T3), found, more):
        for code in (Table.T5, Table.T8, Table.T9):
            _read_again(by_code.get(code), found, {})


def _read_again(entry: tuple[str, list[Line], str, str] | None, found: dict[str, FoundTable], more: dict) -> bool:
    """A spaced table that left rows open read again with what the other tables now show (`more`
    added to its hints); kept when it leaves fewer rows open."""
    if entry is None:
        return False
    code, body, unit, ref = entry
    old = found.get(code)
    if old is None or old.reading is None or not old.reading.ambiguous or old.reading.layout != SPACED.layout:
        return False
    ft = SPACED.read_with(code, body, unit, ref, {**spaced_hints(code, found), **more}, found)
    if not ft.items or ft.reading is None or len(ft.reading.ambiguous) >= len(old.reading.ambiguous):
        return False
    ft.repeated = old.repeated
    found[code] = ft
    return True
