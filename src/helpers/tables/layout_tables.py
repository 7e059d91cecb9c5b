"""The one table finder for every container: a `Layout` (read/model.py) in, a FoundTable per table out.

Whatever the container — a PDF's ruled tables, a workbook's sheets, a web page, a Word document,
OCR'd page images — its adapter hands over pages of text and table blocks. From there the work is
the same for all of them:

- a table is named by the title printed above it (`catalog.match_title`, read from the text blocks
  since the previous table on its page, and for a page's first table also the last lines of the page
  before, where a title not kept with its table is left; a title wrapped over two lines read whole)
  or, when there is none, by its header words (`catalog.match_header`); never by the number printed
  in the title;
- an untitled table at the top of a page whose column count is at most the previous table's, or a
  table under a 续 mark (`支出决算表（续）`, `续表`) on any page or sheet, is that table's continuation:
  its rows are appended (a header printed again is dropped), aligned on the right (the figure columns)
  or, on a sheet whose codes fill as many columns as the first part's, on the left; a header printed
  alone at a page's foot is joined by the untitled body at the top of the next page;
- a header row that shares its row with the first data row (`类 款 项 | 合计 | 2,946.25`), or with an
  empty table's blank 合计 row (`合计 | | 合计 | 基本支出 | 项目支出`), is split;
- the unit (`单位：元`) is read from the text above the table, else from its first rows (`合计（万元）`),
  else it is the one unit every other table of the report prints (noted), else 万元; 元 tables are
  converted to 万元;
- the grid goes to `grid.interpret_grid` (through `GridReader`), whose rows go to the one interpreter
  of the table's shape (`tables/shapes/`);
- a table with no figures is `empty` (with what the page says: 本表无数据, 没有…支出), one that prints
  figures none of which could be read is `missing` (not read, with the figures named), a title
  printed with no table under it is `missing`.
Every cell keeps where it was read (the container's own ref: `page 7`, `sheet 公开05表!C14`, an
OCR box) and, for OCR'd cells, the recogniser's confidence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..core.catalog import ANY_TABLE_TITLE, clean_title, match_header, match_title, other_table_title
from ..core.normalize import CID_RE, compact, is_amount, normalize_text
from ..read.model import Cell, Layout, Page, TableBlock, TextBlock
from .found import (
    EMPTY_NOTE,
    STATUS_RANK,
    UNIT_NOT_PRINTED,
    UNIT_RE,
    FoundTable,
    TableStatus,
    items_status,
    printed_unit,
    unread_figures,
)
from .grid import Grid, GridRow
from .line_item import LineItem
from .readers import GridReader

logger = logging.getLogger(__name__)

HEADER_ONLY = {"类", "款", "项"}
# Column headers printed under 本年支出 (and the like) that no figure cell prints.
_SUB_HEADERS = {
    *("合计", "小计", "基本支出", "项目支出", "人员经费", "公用经费"),
    *("上缴上级支出", "经营支出", "对附属单位补助支出"),
}
_TOTAL = re.compile(r"^(合计|总计)$")
_SENTENCE_END = re.compile(r"[。；;，,]\s*$")


def _running_text(line: str) -> bool:
    """A line of the narrative (a sentence, a long paragraph), not a title, unit or header line."""
    if match_title(line) or ANY_TABLE_TITLE.search(clean_title(line)):
        return False
    return bool(_SENTENCE_END.search(line)) or len(line.replace(" ", "")) > 60


def _cell_text(c: Cell) -> str | None:
    if c.text is None:
        return None
    return normalize_text(str(c.text).replace("\r", "\n")).strip()


def _split_header_row(row: GridRow) -> list[GridRow]:
    """`类 | 款 | 项 | 合计 | 2,946.25 …` in one row: header words above, the 合计 row below. Also an empty
    table's `合计 | | 合计 | 基本支出 | 项目支出` (the last header row printed in the 合计 row's ruled row):
    the sub-headers above, the blank 合计 row below."""
    r = row.cells
    words = [i for i, c in enumerate(r) if c and c.replace(" ", "") in HEADER_ONLY]
    if not (words and any(c and is_amount(c) for c in r)):
        words = [i for i, c in enumerate(r) if i and c and compact(c) in _SUB_HEADERS]
        if not (r and _TOTAL.match(compact(r[0] or "")) and len(words) >= 2 and not any(c and is_amount(c) for c in r)):
            return [row]
    head = [r[i] if i in words else "" for i in range(len(r))]
    body = ["" if i in words else c for i, c in enumerate(r)]
    return [
        GridRow(head, row.ref, row.cell_refs, row.confidence),
        GridRow(body, row.ref, row.cell_refs, row.confidence),
    ]


def grid_rows(block: TableBlock) -> list[GridRow]:
    """The block's non-empty rows as GridRows (cell text normalised, refs and confidences kept)."""
    out: list[GridRow] = []
    for k, row in enumerate(block.rows):
        cells = [_cell_text(c) for c in row]
        if not any(cells):
            continue
        ref = block.row_refs[k] if block.row_refs else block.ref
        cell_refs = [c.ref for c in row] if any(c.ref for c in row) else None
        conf = [c.confidence for c in row] if any(c.confidence is not None for c in row) else None
        out.extend(_split_header_row(GridRow(cells, ref, cell_refs, conf)))
    return out


@dataclass
class _Built:
    code: str
    grid: Grid
    ncols: int
    last_page: int
    ocr: bool = False
    below: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # a unit printed with it: above it, at the foot of the page before, in its first rows, over an earlier
    # table of its page
    unit_printed: bool = True


def _status(b: _Built, items: list[LineItem]) -> tuple[TableStatus, list[str]]:
    notes: list[str] = list(b.notes)
    if items_status(items) == TableStatus.DATA:
        return TableStatus.DATA, notes
    if why := unread_figures([c for r in b.grid.rows for c in r.cells]):  # never `empty` when figures are printed
        notes.append(why)
        return TableStatus.MISSING, notes
    below = "".join(b.below).replace(" ", "")
    m = EMPTY_NOTE.search(below)
    has_total = any(c and _TOTAL.match(c.replace(" ", "")) for r in b.grid.rows for c in r.cells)
    if m:
        notes.append(f"table printed with no figures; the page says: {m.group(0)}")
    elif has_total:
        notes.append("table printed with a 合计 row and no figures")
    else:
        notes.append("table printed with no figures, no 合计 row and no note; treated as empty")
    return TableStatus.EMPTY, notes


def _text_until_next_table(blocks: list) -> list[str]:
    """The text printed under a table, up to the next table on the page: where an empty table's
    reason is printed (a one-sheet workbook holds all nine tables, each with its own note)."""
    out = []
    for b in blocks:
        if isinstance(b, TableBlock):
            break
        out.append(normalize_text(b.text))
    return out


def _page_ref(layout: Layout, number: int) -> str:
    """How a page is named in notes: `page 7`, or a sheet's name."""
    page = next((p for p in layout.pages if p.number == number), None)
    if page is not None and page.name and layout.container in ("xlsx", "xls"):
        return f"sheet {page.name}"
    return f"page {number}"


def find_layout_tables(layout: Layout, reading_layout: str) -> dict[str, FoundTable]:
    """FoundTable per table code (T1..T9, U4, X1 …) printed in the layout: `data`, `empty` or `missing`.
    `reading_layout` names how the cells were read (`table_readings.layout`)."""
    finder = _Finder(layout)
    for page in layout.pages:
        finder.scan_page(page)
    _units_not_printed(finder.built)
    found = _read_built(finder.built, reading_layout)
    _titles_without_tables(layout, finder, found)
    if finder.notes and found:  # page-level notes once, on the first table (reports.notes)
        first = found[min(found)]
        first.notes += finder.notes
    elif finder.notes:  # no table to carry them to a dataset: the report fails, and the log says why
        logger.debug("%s: no table found; %s", layout.container, "; ".join(finder.notes))
    return found


# Lines that start no title: a note, a 单位/编制单位 line, a table number (公开05表) on its own.
_NOT_TITLE_START = re.compile(
    r"^\s*(注|说明|备注|编制单位|单位|部门)\s*[:：]|^\s*(公开|附)?表\s*[\d一二三四五六七八九十]+\s*$"
)


def _title_at(near: list[str], j: int) -> str | None:
    """The table code line `j` titles, read with the line before it when the title wraps there
    (`一般公共预算财政拨款` / `支出决算表`: a line break in a Word or web page title, a PDF's long title):
    the line before must be no title, unit, note or sentence of its own."""
    if j > 0:
        before = near[j - 1].strip()
        wraps = (
            0 < len(before) <= 30
            and not match_title(before)
            and not UNIT_RE.search(before)
            and not _NOT_TITLE_START.match(before)
            and not _SENTENCE_END.search(before)
        )
        if wraps and (code := match_title(before + near[j].strip())):
            return code
    return match_title(near[j])


_FOOT_LINES = 3  # a title, its unit line, a table number: what a page break can leave behind a table
# A unit named in a table's own cells: a row `单位：万元`, a header `合计（万元）`.
_UNIT_IN_CELL = re.compile(r"[（(](万元|元)[)）]")


def _unit_in_grid(rows: list[GridRow]) -> str | None:
    """The unit a table prints in its first rows: a caption row (`单位：万元`) or headers (`合计（万元）`)."""
    for r in rows[:6]:
        for c in r.cells:
            if c and (m := UNIT_RE.search(c) or _UNIT_IN_CELL.search(c)):
                return m.group(m.lastindex or 0)
    return None


def _units_not_printed(built: list[_Built]) -> None:
    """A table printed without a 单位 line is in the unit the report's other tables print, when they all
    print the same one: a report prints its tables in one unit, and 万元 is assumed only when none says
    (a workbook whose T1 sheet lost its 单位 row while the others say 元 would otherwise read ×10000)."""
    printed = {b.grid.unit for b in built if b.unit_printed}
    if len(printed) != 1:
        return
    (unit,) = printed
    for b in built:
        if not b.unit_printed and b.grid.unit != unit:
            b.grid.unit = unit
            b.notes.append(UNIT_NOT_PRINTED.format(unit))


def _title_above(text_above: list[str]) -> tuple[str | None, bool, list[str]]:
    """The table code of the title printed right above a table, whether a title the catalog does not
    know stands there instead, and the lines looked at: no further up than the last sentence of
    running text (a table of contents or the narrative above it names other tables)."""
    last_sentence = max((i for i, ln in enumerate(text_above) if _running_text(ln)), default=-1)
    near = text_above[last_sentence + 1 :]
    title = next((code for j in reversed(range(len(near))) if (code := _title_at(near, j))), None)
    # A title the catalog does not know still starts a table of its own (never a continuation).
    titled_other = title is None and any(other_table_title(ln) for ln in near)
    return title, titled_other, near


class _Finder:
    """Walks the pages' blocks: each table block starts a table (by its title, else its header
    words) or continues the table of the page before (or any before it, under a 续 mark)."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.notes = list(layout.notes)
        self.kind = "ruled table" if layout.container == "pdf" else "table"  # what the notes call a table
        self.built: list[_Built] = []
        self.current: _Built | None = None
        self.pages_with_tables: set[int] = set()
        self.page_foot: list[str] = []  # the text under the last table of the page before (all of it if none)

    def scan_page(self, page: Page) -> None:
        first_on_page = True
        above: list[str] = []
        page_unit: str | None = None
        for k, block in enumerate(page.blocks):
            if isinstance(block, TextBlock):
                above.append(normalize_text(block.text))
                continue
            text_above, above = above, []
            was_first, first_on_page = first_on_page, False
            foot = self.page_foot if was_first and self.layout.container not in ("xlsx", "xls") else []
            self.pages_with_tables.add(page.number)
            rows = grid_rows(block)
            if not rows:
                continue  # a ruled box with nothing in it (a blank page's frame)
            if any(c and CID_RE.search(c) for r in rows for c in r.cells):
                self.notes.append(f"{block.ref}: a table holds (cid:NNN) glyph codes; it was not read")
                self.current = None  # nothing after it continues it
                continue
            # the unit printed above the table (on its page, else at the foot of the page before), else in
            # its first rows (`单位：万元` as a row, `合计（万元）`), else the one printed above an earlier table
            # of the page (a sheet of nine tables may print 单位 once, over the first)
            unit = printed_unit(text_above) or printed_unit(foot) or _unit_in_grid(rows) or page_unit
            page_unit = unit
            below = _text_until_next_table(page.blocks[k + 1 :])
            # a title left at the foot of the page before, its table at the top of this one (a title not
            # kept with its table when printed): the foot's last lines are above this table too
            self._table(page, block, rows, foot + text_above, was_first, unit, below)
        # what may title the next page's first table: the last lines under this page's last table (or of a
        # page without one), unless the page is a table of contents, whose lines name tables printed later
        toc = any(compact(t) == "目录" for t in above)
        self.page_foot = [] if toc else above[-_FOOT_LINES:]

    def _table(
        self,
        page: Page,
        block: TableBlock,
        rows: list[GridRow],
        text_above: list[str],
        was_first: bool,
        unit: str | None,
        below: list[str],
    ) -> None:
        title, titled_other, near = _title_above(text_above)
        header = match_header("".join(c or "" for r in rows[:5] for c in r.cells))
        code = title or (None if titled_other else header)  # a title of its own outranks header words
        ncols = max(len(r.cells) for r in rows)
        cur = self.current
        runs_on = cur is not None and (
            (_marked_continued(near) and title in (None, cur.code))  # 支出决算表（续）, 续表: any page or sheet
            or (
                title is None
                and not titled_other
                and was_first
                and self.layout.container not in ("xlsx", "xls")  # a sheet holds whole tables: none runs on
                and page.number - cur.last_page in (1, 2)
            )
        )
        # the same figure columns, or the rest of a table whose header alone ends the page before (a header
        # row split from the rest by a page break, in fewer, merged columns)
        if (
            cur is not None
            and runs_on
            and header in (None, cur.code)
            and (ncols <= cur.ncols or (_header_only(cur.grid.rows) and page.number == cur.last_page + 1))
        ):
            _continue_table(cur, rows, ncols, block, page.number, below, self.layout.container in ("xlsx", "xls"))
            return
        if code is None and titled_other:
            # A 决算 table the catalog does not know: kept apart (never merged into the table before
            # it), its rows under a code of its own, and named in the notes.
            name = next(clean_title(ln) for ln in reversed(near) if other_table_title(ln))
            code = f"X{sum(1 for b in self.built if b.code.startswith('X')) + 1}"
            self.notes.append(
                f"{block.ref}: table {name!r} is not one of the tables this project knows "
                f"(T1..T9, U4); its rows are kept as {code}, columns named by its header"
            )
        if code is None:
            self.notes.append(f"{block.ref}: a {self.kind} with no recognisable title or header was skipped")
            self.current = None
            return
        grid = Grid(code, rows, unit=unit or "万元", title_ref=block.ref)
        self.current = _Built(
            code, grid, ncols, page.number, ocr=block.ocr, below=below, notes=list(block.notes), unit_printed=bool(unit)
        )
        self.built.append(self.current)


# A table continued under a mark of its own: `支出决算表（续）`, `续表`, `（续）` (a sheet or page of its own).
_CONTINUED = re.compile(r"[（(]续表?[)）]|续表|^续$")


def _marked_continued(near: list[str]) -> bool:
    return any(len(t := compact(ln)) <= 40 and _CONTINUED.search(t) for ln in near)


def _repeated_header(head: list[GridRow], rows: list[GridRow]) -> int:
    """How many of the continuation's first rows print the table's header again: each the same words as
    one of the table's own first rows (a header repeated on every page or sheet is not a row of figures)."""
    seen = {tuple(compact(c) for c in r.cells if c) for r in head}
    n = 0
    while n < len(rows) and (words := tuple(compact(c) for c in rows[n].cells if c)) and words in seen:
        n += 1
    return n


_CODE_CELL = re.compile(r"\d{2,7}")


def _code_width(rows: list[GridRow]) -> int:
    """How many leading columns print a row's code: 1 joined (`2080505`), up to 3 split over 类/款/项
    (`208 | 05 | 05`, blank where the code stops), 0 when no row starts with a code."""
    width = 0
    for r in rows:
        cells = [compact(c or "") for c in r.cells[:3]]
        if not cells or not _CODE_CELL.fullmatch(cells[0]):
            continue
        k = 1
        while k < len(cells) and (not cells[k] or _CODE_CELL.fullmatch(cells[k])):
            k += 1
        width = max(width, k)
    return width


def _header_only(rows: list[GridRow]) -> bool:
    """Rows of header words only: no figure, no code, no row that starts 合计 (合计 as a column's name is a
    header word)."""
    firsts = [compact(next((c for c in r.cells if c), "")) for r in rows]
    cells = [compact(c) for r in rows for c in r.cells if c]
    return not any(map(is_amount, cells)) and not any(map(_TOTAL.match, firsts)) and _code_width(rows) == 0


def _widen(g: GridRow, n: int, left: bool) -> None:
    """`n` blank cells added to the row, after its cells (`left`: the row keeps its place on the left) or
    before them, with their refs and confidences."""
    if n <= 0:
        return
    blank: list[None] = [None] * n
    g.cells = [*g.cells, *blank] if left else [*blank, *g.cells]
    if g.cell_refs is not None:
        g.cell_refs = [*g.cell_refs, *blank] if left else [*blank, *g.cell_refs]
    if g.confidence is not None:
        g.confidence = [*g.confidence, *blank] if left else [*blank, *g.confidence]


def _continue_table(
    cur: _Built, rows: list[GridRow], ncols: int, block: TableBlock, page_number: int, below: list[str], sheet: bool
) -> None:
    """Continuation page: no title (or one marked 续), the same figure columns, its header repeated or
    not (a repeat is dropped). A page that prints the code in one cell where the first page split it
    over 类/款/项 has fewer columns: the figures are the rightmost columns on both, so its rows are
    aligned on the right. On a sheet, with its codes in as many columns as the first part's, the columns
    it lacks are the last ones (a sheet stores no blank columns after its last figure): aligned on the left."""
    rows = rows[_repeated_header(cur.grid.rows[:8], rows) :]
    if ncols > cur.ncols:  # a header printed alone before, its label columns merged (项目 over 编码 and 名称):
        for g in cur.grid.rows:  # its figure columns are the last ones, as the rows', so it is widened on the left
            _widen(g, ncols - len(g.cells), left=False)
        cur.ncols = ncols
    left = sheet and ncols < cur.ncols and _code_width(rows) == _code_width(cur.grid.rows) > 0
    for g in rows:
        _widen(g, cur.ncols - ncols, left)
    cur.grid.rows += rows
    cur.notes += block.notes
    cur.last_page = page_number
    cur.below = below


def _read_built(built: list[_Built], reading_layout: str) -> dict[str, FoundTable]:
    """Each table read from its grid; of two with one code the better status is kept."""
    found: dict[str, FoundTable] = {}
    for b in built:
        layout_name = f"{reading_layout} (OCR)" if b.ocr and "OCR" not in reading_layout else reading_layout
        ft = GridReader(layout_name, ocr=b.ocr).read(b.code, b.grid, b.grid.unit, b.grid.title_ref)
        status, notes = _status(b, ft.items)
        ft.status, ft.notes = status, notes + ft.notes
        ft.unread = status == TableStatus.MISSING  # printed, with figures, and not read
        cur = found.get(b.code)
        if cur is None or STATUS_RANK[status] > STATUS_RANK[cur.status]:
            found[b.code] = ft
        elif cur is not None:
            cur.notes.append(f"another {b.code} table on {b.grid.title_ref} was not used")
            if status == cur.status == TableStatus.DATA:
                cur.repeated.append(b.grid.title_ref)
    return found


def _titles_without_tables(layout: Layout, finder: _Finder, found: dict[str, FoundTable]) -> None:
    """Titles printed without a table under them (outside the table of contents): missing."""
    for page in layout.pages:
        if page.number in finder.pages_with_tables:
            continue
        lines = [b.text for b in page.blocks if isinstance(b, TextBlock)]
        if any(compact(ln) == "目录" for ln in lines):
            continue
        for line_text in lines[:8]:
            code = match_title(line_text)
            if code and code not in found:
                where = _page_ref(layout, page.number)
                found[code] = FoundTable(
                    code,
                    TableStatus.MISSING,
                    ref=where,
                    notes=[f"title printed on {where} but no {finder.kind} found under it"],
                )
