"""Excel workbooks (`.xlsx`, old `.xls`) of a 决算's tables, read into the one table model (model.py).

The reader is python-calamine (the Rust calamine library): one library for both formats, merged
ranges included, 36–60 times faster than openpyxl (.xlsx) and 9–15 times than xlrd (.xls) on the
sample workbooks (README, "Spreadsheets").

Each visible worksheet that holds anything is a `Page` (numbered in sheet order, named by the sheet);
hidden sheets are left out with a note. A sheet's rows become blocks, top to bottom:

- a `TextBlock` per text cell of a title line, a `编制单位：`/`单位：` line and a `注：`/`说明：` line
  (ref `sheet 公开01表!A2`); above a sheet's first table, when no title is printed, the sheet's name
  (a sheet named 收入决算表 is titled by its name);
- a `TableBlock` per table: its rows from the first header row to the last body row, cells with
  their own ref (`sheet 公开05表!C14`), `row_refs` `sheet 公开05表 row 14`, ref `sheet 公开05表!A3:G25`.
  A sheet that holds every table one after another is split at each title, 单位 line and note, and
  where a new header row follows blank rows. Columns blank in every row of a table are left out.

Cell text (model.py): `None` under a merged range (not its top-left cell), `""` blank, text cells as
they are (thousands separators kept), numeric cells as printed with two decimals (Excel's rounding:
2.675 → 2.68; 0 → 0.00). Integers are codes, not amounts, in the 栏次 numbering row, in columns whose
header says so (类/款/项, 科目编码, 行次) and in columns left of the row names: written as integers, 款
and 项 with two digits (6 → 06).

From an .xlsx's sheet XML, which calamine does not report: hidden rows and columns print nowhere and
are left out; an error cell (#DIV/0!) or a formula saved without its value, which calamine reads as
blank, is kept as that text (an amount column then says it is not a number). The notes name both. An
.xls's hidden rows and columns are read like shown ones, its error cells as blank.
"""

from __future__ import annotations

import html
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import TypeGuard

from ..core.catalog import PART_HEADING, clean_title, match_header, match_title, other_table_title
from ..core.errors import ErrorCode
from ..core.normalize import compact, normalize_text
from .containers import OLE2, ZIP, is_html, ole2_kind
from .document import ReportError
from .model import Block, Cell, Layout, Page, TableBlock, TextBlock

# Lines that sit between tables, never inside one.
UNIT_CELL = re.compile(r"^[（(〔【\[]?\s*(金额|计量)?单位\s*[:：]")  # also （单位：元）
PREPARER_CELL = re.compile(r"^(编制|填报|编报|报送)(单位|部门|机关)\s*[:：]|^(部门|单位)名称\s*[:：]")
NOTE_CELL = re.compile(r"^[*※]?\s*(注|说明|备注|附注)\s*(\d{1,2}|[一二三四五六七八九十]{1,3})?\s*[:：、.．]")
TABLE_NO_CELL = re.compile(r"^(公开\s*\d{1,2}\s*表|附?表\s*[\d一二三四五六七八九十]{1,3})$")
# Header words no body row prints in a cell of its own: a row of them after blank rows starts a new table.
HEADER_CELL = re.compile(r"^(项目|科目名称|科目编码|栏次|行次|预算数|决算数|金额|单位名称)$")
# Header words of columns whose integers are codes or row numbers, not amounts.
CODE_HEADER = re.compile(r"编码|代码|科目|行次|栏次|序号|编号")
CJK = re.compile(r"[\u4e00-\u9fff]")
DEFAULT_SHEET_NAME = re.compile(r"^(sheet|工作表|表)\s*\d*$", re.IGNORECASE)
# Words of a 决算 table: a workbook with none of them anywhere is not a 决算.
JUESUAN_WORDS = re.compile(r"决算|功能分类|经济分类|本年收入|本年支出|基本支出|项目支出|财政拨款|三公")

_COVERED = None  # a cell under a merged range, as pdfplumber reports it


@lru_cache(maxsize=1024)
def _col_name(c: int) -> str:
    """0 → A, 26 → AA."""
    out = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        out = chr(65 + r) + out
    return out


def _a1(r: int, c: int) -> str:
    return f"{_col_name(c)}{r + 1}"


def _is_num(v: object) -> TypeGuard[int | float]:
    return type(v) is float or type(v) is int  # not bool, a subclass of int


def _as_text(v: object) -> object:
    """A cell as read, made text unless it is a number: strings normalised (full-width digits,
    Kangxi radicals) and stripped, booleans and dates as Excel shows them; None stays None."""
    if v is None or _is_num(v):
        return v
    if isinstance(v, str):
        return normalize_text(v.replace("\r\n", "\n").replace("\r", "\n")).strip() if v else v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ") if v.time() != time(0) else v.date().isoformat()
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v).strip()


def _text_of(v: object) -> str | None:
    """A non-numeric cell's text (cells are made text by `_as_text` on reading): None if covered."""
    return v if isinstance(v, str) or v is None else None


def amount_text(v: float | int) -> str:
    """A numeric cell as printed with two decimals, rounded as Excel shows it (half away from zero
    on the decimal value: 2.675 → 2.68, where float formatting gives 2.67)."""
    if v == 0:
        return "0.00"
    return str(Decimal(repr(float(v))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _int_text(v: float | int, width: int = 0) -> str:
    return f"{int(v):0{width}d}"


# ---------------------------------------------------------------------------------------------
# Opening the workbook.


def _open(path: Path):
    """(calamine workbook, `xlsx` or `xls`, the file's bytes), or a ReportError saying what is wrong."""
    import python_calamine as pc

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(path, f"cannot be read ({exc.strerror or exc})", code=ErrorCode.CANNOT_OPEN) from exc
    if not data:
        raise ReportError(path, "is empty (0 bytes); not a workbook", code=ErrorCode.EMPTY_FILE)
    if data.startswith(OLE2):
        ole2 = ole2_kind(data)  # the registry's reading of the compound file's stream names
        if ole2 == "encrypted":
            raise ReportError(
                path,
                "is a password-protected (encrypted) Excel workbook; open it in Excel or WPS with its password "
                "and save a copy without one",
                code=ErrorCode.ENCRYPTED,
            )
        if ole2 == "doc":
            raise ReportError(
                path, "is an old Word document (.doc), not an Excel workbook", code=ErrorCode.UNSUPPORTED_FORMAT
            )
    elif not data.startswith(ZIP):
        if is_html(data[:4096]):
            raise ReportError(
                path,
                "is a web page (HTML) saved under a workbook's name, not an Excel workbook",
                code=ErrorCode.UNSUPPORTED_FORMAT,
            )
        raise ReportError(
            path,
            "is not an Excel workbook (neither an .xlsx package nor an Excel 97 .xls file)",
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )
    kind = "xls" if data.startswith(OLE2) else "xlsx"
    try:
        if path.suffix.lower() in ((".xls",) if kind == "xls" else (".xlsx", ".xlsm")):
            wb = pc.CalamineWorkbook.from_path(str(path))
        else:  # by content, not by name: an .xlsx saved as .xls is read all the same
            wb = _from_bytes(data, kind)
    except pc.PasswordError as exc:
        raise ReportError(
            path,
            "is a password-protected Excel workbook; open it in Excel or WPS with its password and save a copy "
            "without one",
            code=ErrorCode.ENCRYPTED,
        ) from exc
    except Exception as exc:  # calamine's Zip/Xml/Cfb errors: a damaged or truncated file
        raise ReportError(
            path, f"is a damaged or truncated workbook and cannot be read ({exc})", code=ErrorCode.CORRUPT
        ) from exc
    return wb, kind, data


def _from_bytes(data: bytes, kind: str):
    """A workbook whose name does not say its format. calamine guesses the format from the bytes, but
    then reports any failure as `Cannot detect file format`; read again under the right name to say
    why (password, damage)."""
    import python_calamine as pc

    try:
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.CalamineError:
        with tempfile.TemporaryDirectory() as tmp:
            named = Path(tmp) / f"workbook.{kind}"
            named.write_bytes(data)
            pc.CalamineWorkbook.from_path(str(named))  # raises the reason
        raise


def _sheet_rows(path: Path, wb, name: str) -> list[list[object]]:
    """A sheet's cells from A1 (numbers as numbers), merged ranges' covered cells set to None."""
    try:
        sheet = wb.get_sheet_by_name(name)
        rows: list[list[object]] = [[_as_text(v) for v in r] for r in sheet.to_python(skip_empty_area=False)]
        merged = sheet.merged_cell_ranges or []
    except Exception as exc:
        raise ReportError(
            path, f"sheet {name!r} is damaged and cannot be read ({exc})", code=ErrorCode.CORRUPT
        ) from exc
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([""] * (width - len(row)))
    for (r0, c0), (r1, c1) in merged:
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if (r, c) != (r0, c0):
                    rows[r][c] = _COVERED
    # trailing blank rows (formatting past the data) are not content
    while rows and not any(_filled(v) for v in rows[-1]):
        rows.pop()
    return rows


@dataclass
class SheetMarks:
    """What an .xlsx sheet's XML says and calamine does not report: hidden rows and columns (0-based),
    and cells it reads as blank that are not: an error (`#DIV/0!`) or a formula saved without its value."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    unread: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → `#DIV/0!`, `=SUM(E8:E9)`


CELL_XML = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)  # `<c r="A1" s="1"/>` too
A1_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _no_value(inner: str, attrs: dict[str, str]) -> bool:
    """A formula cell saved without its value: no `<v>`, or an empty one on a cell not typed as text
    (Excel saves a formula that shows "" as `t="str"` with `<v></v>`: a printed blank)."""
    v = re.search(r"<(?:\w+:)?v\s*/>|<(?:\w+:)?v>([^<]*)</", inner)
    return v is None or (not v.group(1) and attrs.get("t") != "str")


def sheet_marks(data: bytes) -> dict[str, SheetMarks]:
    """Sheet name → SheetMarks of an .xlsx package, read from each sheet's XML (`<row hidden="1">`,
    `<col min max hidden="1">`, `<c t="e">`, `<c><f>…</f></c>` with no `<v>`). Sheets with none are left
    out; so is everything when the package does not say (an .xls is not read this way)."""
    out: dict[str, SheetMarks] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            target = {}
            for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
                a = _attrs(tag)
                t = a.get("Target", "")
                target[a.get("Id")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
            for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
                a = _attrs(tag)
                part = target.get(next((v for k, v in a.items() if k.endswith(":id")), None), "")
                if part in names and (marks := _marks(z.read(part))):
                    out[html.unescape(a.get("name", ""))] = marks
    except (KeyError, ValueError, zipfile.BadZipFile):
        return out  # calamine has read the workbook: only these marks are unknown
    return out


def _marks(xml: bytes) -> SheetMarks | None:
    hidden = b'hidden="1"' in xml or b'hidden="true"' in xml
    errors = b't="e"' in xml
    formulas = b"<f" in xml
    if not (hidden or errors or formulas):
        return None
    text = xml.decode("utf-8", "replace")
    m = SheetMarks()
    if hidden:
        for tag in re.findall(r"<(?:\w+:)?row\b[^>]*>", text):
            if (r := _attrs(tag)).get("hidden") in ("1", "true") and r.get("r", "").isdigit():
                m.hidden_rows.add(int(r["r"]) - 1)
        for tag in re.findall(r"<(?:\w+:)?col\b[^>]*>", text):
            if (k := _attrs(tag)).get("hidden") in ("1", "true"):
                m.hidden_cols.update(range(int(k.get("min", "1")) - 1, int(k.get("max", k.get("min", "1")))))
    if errors or formulas:
        for attrs, inner in CELL_XML.findall(text):
            if not inner:
                continue  # an empty cell, `<c r="A1" s="1"/>`
            a = _attrs(attrs)
            ref = A1_REF.match(a.get("r", ""))
            if ref is None:
                continue
            if a.get("t") == "e":
                shown = re.search(r"<(?:\w+:)?v>([^<]*)</", inner)
                what = html.unescape(shown.group(1)) if shown else "#ERROR"
            elif _no_value(inner, a) and (f := re.search(r"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</)", inner)):
                what = "=" + html.unescape(f.group(1) or "(formula)")
            else:
                continue
            col = 0
            for ch in ref.group(1):
                col = col * 26 + ord(ch) - 64
            m.unread[(int(ref.group(2)) - 1, col - 1)] = what
    return m if (m.hidden_rows or m.hidden_cols or m.unread) else None


def _attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w:]+)="([^"]*)"', tag))


def _blank_hidden(rows: list[list[object]], hidden_rows: set[int], hidden_cols: set[int]) -> str:
    """Blank the hidden rows and columns (the other cells keep their refs; a blank column is no part of
    a table). Says what was left out (`2 hidden rows and 1 hidden column`), "" if they held nothing."""
    n_rows = n_cols = 0
    for r in sorted(hidden_rows):
        if r < len(rows) and any(_filled(v) for v in rows[r]):
            rows[r] = [None if v is None else "" for v in rows[r]]
            n_rows += 1
    for c in sorted(hidden_cols):
        if any(c < len(row) and _filled(row[c]) for row in rows):
            n_cols += 1
        for row in rows:
            if c < len(row) and row[c] is not None:  # a covered cell stays covered: spans keep their extent
                row[c] = ""
    parts = [f"{n} hidden {w}{'s' if n > 1 else ''}" for n, w in ((n_rows, "row"), (n_cols, "column")) if n]
    return " and ".join(parts)


def _apply_marks(sheet: str, rows: list[list[object]], marks: SheetMarks) -> list[str]:
    """Put what calamine read as blank back as printed (`#DIV/0!`, `=SUM(E8:E9)`: an amount column then
    says it is not a number), blank the hidden rows and columns; the notes saying so."""
    notes = []
    for (r, c), what in sorted(marks.unread.items()):
        if r >= len(rows):
            rows.extend([[""] * len(rows[0]) if rows else [] for _ in range(r + 1 - len(rows))])
        for row in rows:
            row.extend([""] * (c + 1 - len(row)))
        rows[r][c] = what
    if marks.unread:
        cells = ", ".join(f"{_a1(r, c)} {what}" for (r, c), what in sorted(marks.unread.items())[:5])
        more = f" and {len(marks.unread) - 5} more" if len(marks.unread) > 5 else ""
        notes.append(
            f"sheet {sheet}: {len(marks.unread)} cell(s) hold an error or a formula saved without its value "
            f"({cells}{more}); read as that text, never as a number"
        )
    if left_out := _blank_hidden(rows, marks.hidden_rows, marks.hidden_cols):
        notes.append(f"sheet {sheet}: {left_out}, which print nowhere, were not read")
    return notes


def _filled(v: object) -> bool:
    return _is_num(v) or bool(v)


# ---------------------------------------------------------------------------------------------
# Rows into blocks.


def table_title(text: str) -> bool:
    """A table's title: one the catalog knows, or any short `…决算表` that is not a part heading."""
    return bool(match_title(text)) or other_table_title(text)


def title_like(text: str) -> bool:
    """A table title or a part heading (第二部分 …)."""
    t = clean_title(text)
    return table_title(text) or bool(PART_HEADING.match(t) and len(t) <= 60)


def _line_kind(row: list[object]) -> str | None:
    """What a row is when it is not a table row: `blank`, `note`, `unit` (单位/编制单位), `title`,
    `label` (公开01表), `single` (one text cell: a title, a note's next line or a one-cell table row);
    None for a table row."""
    if any(_is_num(v) for v in row):
        return None
    cells = [t for v in row if (t := _text_of(v))]
    if not cells:
        return "blank"
    if NOTE_CELL.match(cells[0]) and len(cells) <= 2:
        return "note"
    if (
        len(cells) <= 3
        and any(UNIT_CELL.match(c) or PREPARER_CELL.match(c) for c in cells)
        and not any(HEADER_CELL.match(compact(c)) for c in cells)  # `项目 … 单位：万元`: a header row
    ):
        return "unit"
    if len(cells) <= 2 and any(title_like(c) for c in cells):
        return "title"
    if all(TABLE_NO_CELL.match(compact(c)) for c in cells):
        return "label"
    return "single" if len(cells) == 1 else None


def _header_row(row: list[object]) -> bool:
    """A row of header words (no numbers, two or more cells, one of them a word only headers print)."""
    if any(_is_num(v) for v in row):
        return False
    cells = [compact(t) for v in row if (t := _text_of(v))]
    return len(cells) >= 2 and any(HEADER_CELL.match(c) for c in cells)


@dataclass
class _Text:
    row: int


@dataclass
class _Table:
    rows: list[int]


def split_rows(rows: list[list[object]]) -> list[_Text | _Table]:
    """A sheet's rows as text lines and tables, top to bottom.

    Outside a table every line of text is text, except that the row after a 单位 line is the first
    header row of the table it announces (a header merged across the table, 财政拨款“三公”经费, is one
    cell, like a title). Inside a table a one-cell row is a table row (a wrapped label, `合计` of an
    empty table, `二、政府性基金预算财政拨款`) unless it is a title, a note or a 单位 line, or a title
    printed alone: followed by a 单位 line, or by a header row after blank rows. Blank rows inside a
    table are kept, blank rows after it are not."""
    kinds = [_line_kind(r) for r in rows]

    def following(i: int) -> int | None:
        return next((j for j in range(i + 1, len(rows)) if kinds[j] != "blank"), None)

    out: list[_Text | _Table] = []
    table: _Table | None = None
    blanks: list[int] = []
    after_unit = False
    for i, kind in enumerate(kinds):
        if kind == "blank":
            if table is not None:
                blanks.append(i)
            continue
        if table is not None:
            nxt = following(i)
            alone = (
                kind == "single"
                and nxt is not None
                and (kinds[nxt] in ("unit", "title", "label") or (bool(blanks) and _header_row(rows[nxt])))
            )
            if kind in ("note", "unit", "title", "label") or alone:
                table, blanks = None, []
                out.append(_Text(i))
                after_unit = kind == "unit"
            elif blanks and _header_row(rows[i]):
                table, blanks = _Table([i]), []  # a new header after blank rows: a table with no title
                out.append(table)
            else:
                table.rows += blanks + [i]
                blanks = []
            continue
        if kind in ("note", "unit", "title", "label") or (kind == "single" and not after_unit):
            out.append(_Text(i))
            after_unit = kind == "unit" or (after_unit and kind == "label")
            continue
        table, blanks, after_unit = _Table([i]), [], False
        out.append(table)
    return out


# ---------------------------------------------------------------------------------------------
# A table's cells as text.


def _numbering_row(rows: list[list[object]]) -> int | None:
    """The 栏次 row among the first rows: integers 1..n (or 2..n) in order, header words beside them."""
    for k, row in enumerate(rows[:12]):
        ints: list[int] = []
        numeric = False
        ok = True
        for v in row:
            if _is_num(v):
                numeric = True
                if float(v).is_integer() and 0 < v < 1000:
                    ints.append(int(v))
                else:
                    ok = False
            elif (t := _text_of(v)) and re.fullmatch(r"\d{1,3}", t):
                ints.append(int(t))
            elif t and re.search(r"\d", t):
                ok = False
        run = ints == list(range(ints[0], ints[0] + len(ints))) if ints else False
        labelled = any(isinstance(v, str) and "栏" in v for v in row)  # `栏次 | 1`: one figure column
        if ok and numeric and (len(ints) >= 2 or labelled) and ints[0] in (1, 2) and run:
            return k
    return None


def _header_words(header: list[list[object]], c: int) -> list[str]:
    """Header words over column c; a merged cell (None) borrows from the left until the column has words
    of its own (below them a None is a vertical merge), as the interpreter reads headers (grid.py)."""
    words: list[str] = []
    own = False
    for row in header:
        t = _text_of(row[c]) if c < len(row) else ""
        if t:
            own = True
            words.append(compact(t))
            continue
        if own or row[c] is not None:
            continue
        j = c
        while j >= 0 and row[j] is None:
            j -= 1
        if j >= 0 and (t := _text_of(row[j])):
            words.append(compact(t))
    return words


def _names_column(body: list[list[object]]) -> int | None:
    """The first column whose filled cells are mostly Chinese text (the row names)."""
    width = max((len(r) for r in body), default=0)
    for c in range(width):
        filled = [r[c] for r in body if c < len(r) and _filled(r[c])]
        named = sum(1 for v in filled if isinstance(v, str) and CJK.search(v))
        if filled and named * 2 > len(filled):
            return c
    return None


def _column_kinds(rows: list[list[object]], num: int | None) -> list[str]:
    """Per column, how integers are written: `code2` (款/项: 01), `code` (类, 科目编码, 行次) or `amount`.
    A column without header words left of the row names holds codes too (a header centred across
    columns instead of merged leaves them blank)."""
    first_data = next((k for k, r in enumerate(rows) if k != num and any(_is_num(v) for v in r)), len(rows))
    header = [r for k, r in enumerate(rows[:first_data]) if k != num]
    body = rows[first_data:]
    names = _names_column(body)
    kinds = []
    for c in range(max((len(r) for r in rows), default=0)):
        words = _header_words(header, c)
        if any(w in ("款", "项") for w in words):
            kinds.append("code2")
        elif any(w in ("类", "项目") or CODE_HEADER.search(w) for w in words):
            kinds.append("code")
        elif names is not None and c < names:
            ints = [v for r in body if c < len(r) and _is_num(v := r[c])]
            kinds.append("code2" if ints and all(float(v).is_integer() and 0 <= v < 100 for v in ints) else "code")
        else:
            kinds.append("amount")
    return kinds


def _cell_texts(rows: list[list[object]]) -> list[list[str | None]]:
    num = _numbering_row(rows)
    kinds = _column_kinds(rows, num)
    out: list[list[str | None]] = []
    for k, row in enumerate(rows):
        texts: list[str | None] = []
        for c, v in enumerate(row):
            if not _is_num(v):
                texts.append(_text_of(v))
            elif float(v).is_integer() and (k == num or kinds[c] != "amount"):
                texts.append(_int_text(v, 2 if kinds[c] == "code2" and 0 <= v < 100 and k != num else 0))
            else:
                texts.append(amount_text(v))
        out.append(texts)
    return out


def _table_block(sheet: str, rows: list[list[object]], idx: list[int]) -> TableBlock:
    texts = _cell_texts([rows[i] for i in idx])
    # columns blank in every row of this table (margins, spacers) are not part of it
    keep = [c for c in range(len(rows[idx[0]])) if any(t[c] for t in texts)]
    cells = [[Cell(t[c], f"sheet {sheet}!{_a1(i, c)}") for c in keep] for i, t in zip(idx, texts)]
    ref = f"sheet {sheet}!{_a1(idx[0], keep[0])}:{_a1(idx[-1], keep[-1])}"
    return TableBlock(cells, ref, row_refs=[f"sheet {sheet} row {i + 1}" for i in idx])


def _text_blocks(sheet: str, row: list[object], i: int) -> list[TextBlock]:
    return [TextBlock(t, f"sheet {sheet}!{_a1(i, c)}") for c, v in enumerate(row) if (t := _text_of(v))]


def sheet_blocks(sheet: str, rows: list[list[object]]) -> list[Block]:
    """A sheet's rows as text and table blocks; the sheet's name on top when no title is printed above
    its first table (a sheet named 收入决算表 with no title row; a part heading, 第二部分 …决算表, is no title)."""
    blocks: list[Block] = []
    for part in split_rows(rows):
        if isinstance(part, _Text):
            blocks += _text_blocks(sheet, rows[part.row], part.row)
        else:
            # a 单位 cell printed in the table's first row (`项目 … 单位：万元`) is the table's unit, not a
            # header word: text above the table, where the finder reads the unit
            for i in part.rows[:2]:
                for c, v in enumerate(rows[i]):
                    if isinstance(v, str) and UNIT_CELL.match(v):
                        blocks.append(TextBlock(v, f"sheet {sheet}!{_a1(i, c)}"))
                        rows[i][c] = ""
            blocks.append(_table_block(sheet, rows, part.rows))
    first = next((k for k, b in enumerate(blocks) if isinstance(b, TableBlock)), None)
    if (
        first is not None
        and not DEFAULT_SHEET_NAME.match(sheet.strip())
        and not any(isinstance(b, TextBlock) and table_title(b.text) for b in blocks[:first])
    ):
        blocks.insert(0, TextBlock(normalize_text(sheet.strip()), f"sheet {sheet}"))
    return blocks


# ---------------------------------------------------------------------------------------------


def _juesuan(layout: Layout) -> bool:
    """Whether anything in the workbook reads like a 决算 table: a title, or its header words."""
    for page in layout.pages:
        for b in page.blocks:
            if isinstance(b, TextBlock):
                if title_like(b.text) or JUESUAN_WORDS.search(compact(b.text)):
                    return True
            else:
                text = "".join(c.text or "" for r in b.rows[:8] for c in r)
                if match_header(text) or JUESUAN_WORDS.search(compact(text)):
                    return True
    return False


def read_layout(path: Path) -> Layout:
    """An Excel workbook (.xlsx or .xls, told apart by its bytes) as pages of text and table blocks."""
    import python_calamine as pc

    path = Path(path)
    wb, container, data = _open(path)
    marks = sheet_marks(data) if container == "xlsx" else {}
    notes: list[str] = []
    pages: list[Page] = []
    sheets = list(wb.sheets_metadata)
    if not sheets:
        raise ReportError(path, "is a workbook with no sheets; nothing to read", code=ErrorCode.EMPTY_FILE)
    for meta in sheets:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue  # a chart sheet holds no cells
        if meta.visible != pc.SheetVisibleEnum.Visible:
            notes.append(f"sheet {meta.name} is hidden; it was not read")
            continue
        rows = _sheet_rows(path, wb, meta.name)
        if meta.name in marks:
            notes += _apply_marks(meta.name, rows, marks[meta.name])
        blocks = sheet_blocks(meta.name, rows) if rows else []
        if blocks:
            pages.append(Page(len(pages) + 1, blocks, name=meta.name))
    layout = Layout(container, pages, notes)
    names = "、".join(m.name for m in sheets)
    if not any(isinstance(b, TableBlock) for p in pages for b in p.blocks):
        hidden = f"; {len(notes)} hidden sheet(s) were not read" if notes else ""
        raise ReportError(
            path,
            f"holds no table: its sheets ({names}) are empty or hold only lines of text{hidden}",
            code=ErrorCode.NOT_A_REPORT,
        )
    if not _juesuan(layout):
        raise ReportError(
            path,
            f"holds no 决算 table: no sheet ({names}) has a title such as 收入支出决算总表 or header words "
            "such as 本年收入合计, 基本支出, 功能分类科目",
            code=ErrorCode.NOT_A_REPORT,
        )
    return layout
