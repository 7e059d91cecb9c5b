"""Ruled tables in a PDF, through pdfplumber or tabula-py, into the same `Grid` the text path uses.

Both engines return, per page, the ruled tables as rows of cells with the table's box on the page.
From there the work is shared:

- a table is named by the title printed above it (`catalog.match_title`, read from the page text
  above the table's top edge) or, when there is none, by its header words (`catalog.match_header`);
  never by the number printed in the title;
- an untitled table at the top of a page whose column count equals the previous table's is that
  table's continuation: its rows are appended (a table spans pages, the header is not repeated);
- a header row that shares its ruled row with the first data row (`类 款 项 | 合计 | 2,946.25`) is
  split in two, so the header words do not end up in the row label;
- `interpret_grid` turns the grid into line_items rows exactly as for text reports (codes split
  over 类/款/项 cells joined, codes glued to names split, wrapped names re-joined, sides kept apart);
- a table with no figures is `empty` when it prints a 合计 row or a note that there is nothing to
  report (本表无数据, 没有…支出), else it is still reported `empty` with a note saying why;
  a title printed without a ruled table under it is `missing`.

Engines (named once in tables/engines.py)
- ``pdfium`` (default): the pages are parsed by PDFium (tables/pdfium_pages.py) into pdfplumber's
  objects, then exactly as ``pdfplumber`` below; same datasets, several times faster.
- ``pdfplumber``: ``page.find_tables()``; merged cells come back as None placeholders, columns stay put.
- ``tabula``: tabula-py lattice mode through jpype (one JVM per process, started on first use; the
  subprocess fallback, one JVM per call, is refused). tabula-java packs the cells of a row to the
  left, so under a horizontally merged cell (项目 over code and name, a 合计 row) every value moves
  one column left. The JSON output keeps each cell's box, so cells are put back into the column
  whose left edge they start at (the table's column edges are the union of all cell edges), with
  None placeholders under merged cells, as pdfplumber does. ``tabula_repair=False`` keeps tabula's
  packed rows (for measuring what the repair is worth).

Garbled text: the Document reader rejects PDFs whose text layer is mostly `(cid:NNN)` codes; a single
page with such codes, or a cell that holds one, is skipped here with a note, so no number is ever
parsed from garbled glyphs.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document, open_pdf
from ..normalize import CID_RE, cid_ratio, is_amount, normalize_text
from .catalog import ANY_TABLE_TITLE, clean_title, match_header, match_title
from .engines import DEFAULT_PDF_ENGINE, ENGINE_NAMES, pdf_engine
from .found import EMPTY_NOTE, STATUS_RANK, UNIT_RE, FoundTable, items_status
from .grid import Grid, GridRow
from .readers import GridReader

ENGINES = ENGINE_NAMES  # kept for callers of the old name
HEADER_ONLY = {"类", "款", "项"}
_TOTAL = re.compile(r"^(合计|总计)$")


@dataclass
class PdfTable:
    """One ruled table as an engine found it: rows of cells and its box (PDF points, top-left origin)."""

    page: int
    rows: list[list[str | None]]
    top: float
    bottom: float
    first_on_page: bool = False
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Engines: page number → tables on that page, top to bottom.


_RULE_TOL = 3.0  # points: pdfplumber's own snap and join tolerances


def _covered(hs: list[dict], y: float, x0: float, x1: float) -> bool:
    """Do the horizontal rules at height y run across x0..x1 (drawn whole or cell by cell)?"""
    spans = sorted((max(h["x0"], x0), min(h["x1"], x1)) for h in hs if abs(h["top"] - y) <= _RULE_TOL and h["x1"] > x0)
    reach = x0
    for a, b in spans:
        if a > reach + _RULE_TOL:
            return False
        reach = max(reach, b)
    return reach >= x1 - _RULE_TOL


def open_bottoms(page) -> list[dict]:
    """Rules that close ruled tables left open at the bottom. A table continued on the next page may
    print its last row on the page with no rule under it: the vertical rules run on past the last
    horizontal one, pdfplumber finds no cell in that row, and the row is lost (a university 收入决算表
    whose page ends with 206 科学技术支出). Where three or more vertical rules end together below the
    last rule across them, with text printed between, a rule is drawn where they end."""
    edges = page.edges
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = sorted((e for e in edges if e["orientation"] == "v" and e["height"] > _RULE_TOL), key=lambda e: e["bottom"])
    groups: list[list[dict]] = []
    for v in vs:
        if groups and v["bottom"] - groups[-1][-1]["bottom"] <= _RULE_TOL:
            groups[-1].append(v)
        else:
            groups.append([v])
    out = []
    for g in groups:
        if len(g) < 3:
            continue
        bottom = max(v["bottom"] for v in g)
        x0, x1 = min(v["x0"] for v in g), max(v["x0"] for v in g)
        if _covered(hs, bottom, x0, x1):
            continue  # closed
        top = max(v["top"] for v in g)
        above = [
            h["top"] for h in hs if top - _RULE_TOL <= h["top"] < bottom - _RULE_TOL and _covered(hs, h["top"], x0, x1)
        ]
        if not above:
            continue
        last = max(above)
        if not any(
            last < (c["top"] + c["bottom"]) / 2 < bottom and x0 < (c["x0"] + c["x1"]) / 2 < x1 for c in page.chars
        ):
            continue  # nothing printed under the last rule: an empty strip, not a row
        out.append({"object_type": "line", "x0": x0, "x1": x1, "top": bottom, "bottom": bottom, "width": x1 - x0})
    return out


def plumber_tables(pdf, pages: list[int]) -> list[PdfTable]:
    out: list[PdfTable] = []
    for pno in pages:
        page = pdf.pages[pno - 1]
        closing = open_bottoms(page)
        settings = {"explicit_horizontal_lines": closing} if closing else None
        found = sorted(page.find_tables(settings), key=lambda t: t.bbox[1])
        # A PdfiumPage finds the cells' characters faster, by the same rule (tests/test_pdfium.py).
        cells = getattr(page, "table_cells", None)
        for t in found:
            pt = PdfTable(pno, cells(t) if cells else t.extract(), t.bbox[1], t.bbox[3])
            if any(abs(t.bbox[3] - c["top"]) <= _RULE_TOL for c in closing):
                pt.notes.append(
                    f"page {pno}: the table's last row had no rule under it (as a table continued on the next "
                    "page may print it); closed where its vertical rules end"
                )
            out.append(pt)
    return out


def _require_jpype() -> None:
    """tabula-py silently falls back to one `java` subprocess per call without jpype; refuse that."""
    try:
        import jpype  # noqa: F401
        import jpype.imports  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "the tabula engine needs jpype1 (pip install 'tabula-py[jpype]'); without it tabula-py "
            "starts a JVM per call, which this project does not allow"
        ) from exc


def _check_tabula_backend() -> None:
    import tabula.io
    from tabula.backend import TabulaVm

    vm = tabula.io._tabula_vm
    if not isinstance(vm, TabulaVm) or vm.tabula is None:  # pragma: no cover
        raise RuntimeError("tabula-py is not running through jpype (it fell back to a java subprocess per call)")


def _edges(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _tabula_rows(table: dict, repair: bool) -> list[list[str | None]]:
    data = table.get("data") or []
    if not repair:
        return [[c.get("text", "") for c in row] for row in data]
    cells = [c for row in data for c in row if c.get("width", 0) > 0]
    if not cells:
        return []
    edges = _edges([c["left"] for c in cells] + [c["left"] + c["width"] for c in cells])
    ncols = max(len(edges) - 1, 1)

    def col_of(x: float) -> int:
        return min(range(len(edges)), key=lambda k: abs(edges[k] - x))

    rows: list[list[str | None]] = []
    for row in data:
        placed = [c for c in row if c.get("width", 0) > 0]
        if not placed:
            continue
        out: list[str | None] = [None] * ncols
        for c in placed:
            a, b = col_of(c["left"]), col_of(c["left"] + c["width"])
            if a < ncols:
                out[a] = c.get("text", "")
            for k in range(a + 1, min(b, ncols)):
                out[k] = None  # under a merged cell, as pdfplumber reports it
        rows.append(out)
    return rows


def tabula_tables(path: Path, pages: list[int], repair: bool = True) -> list[PdfTable]:
    _require_jpype()
    import tabula

    out: list[PdfTable] = []
    for pno in pages:
        res = tabula.read_pdf(
            str(path),
            pages=pno,
            lattice=True,
            output_format="json",
            silent=True,
            multiple_tables=True,
            force_subprocess=False,
        )
        _check_tabula_backend()
        for t in sorted(res, key=lambda t: t.get("top", 0)):
            rows = _tabula_rows(t, repair)
            if rows and t.get("height", 0) > 1:
                out.append(PdfTable(pno, rows, float(t["top"]), float(t["bottom"])))
    return out


# ---------------------------------------------------------------------------------------------
# Shared: clean rows, name tables, follow them over pages, interpret.


def _cell(c) -> str | None:
    if c is None:
        return None
    return normalize_text(str(c).replace("\r", "\n")).strip()


def _split_header_row(rows: list[list[str | None]]) -> list[list[str | None]]:
    """`类 | 款 | 项 | 合计 | 2,946.25 …` in one ruled row: header words above, the 合计 row below."""
    out = []
    for r in rows:
        words = [i for i, c in enumerate(r) if c and c.replace(" ", "") in HEADER_ONLY]
        if words and any(c and is_amount(c) for c in r):
            out.append([r[i] if i in words else "" for i in range(len(r))])
            out.append(["" if i in words else c for i, c in enumerate(r)])
        else:
            out.append(r)
    return out


def _region_text(page, top: float, bottom: float) -> list[str]:
    top, bottom = max(0.0, top), min(float(page.height), bottom)
    if bottom - top < 1:
        return []
    text = page.crop((0, top, float(page.width), bottom)).extract_text() or ""
    return [normalize_text(t) for t in text.splitlines() if t.strip()]


@dataclass
class _Built:
    code: str
    grid: Grid
    ncols: int
    last_page: int
    notes: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)


def _status(b: _Built, items: list[dict]) -> tuple[str, list[str]]:
    notes = list(b.notes)
    if items_status(items) == "data":
        return "data", notes
    below = "".join(b.below).replace(" ", "")
    m = EMPTY_NOTE.search(below)
    has_total = any(c and _TOTAL.match(c.replace(" ", "")) for r in b.grid.rows for c in r.cells)
    if m:
        notes.append(f"table printed with no figures; the page says: {m.group(0)}")
    elif has_total:
        notes.append("table printed with a 合计 row and no figures")
    else:
        notes.append("table printed with no figures, no 合计 row and no note; treated as empty")
    return "empty", notes


def find_pdf_tables(
    doc: Document, engine: str = DEFAULT_PDF_ENGINE, *, tabula_repair: bool = True, pages: list[int] | None = None
) -> dict[str, FoundTable]:
    """FoundTable per table code (T1..T9) printed in the PDF: `data`, `empty` or `missing`."""
    eng = pdf_engine(engine)
    n_pages = doc.n_pages or max((ln.page or 0 for ln in doc.lines), default=0)
    pages = list(pages or range(1, n_pages + 1))
    page_text: dict[int, list[str]] = {}
    for ln in doc.lines:
        page_text.setdefault(ln.page or 0, []).append(ln.text)
    garbled = {p for p, lines in page_text.items() if cid_ratio("\n".join(lines)) > 0.01}
    notes_global = [
        f"page {p}: text is (cid:NNN) glyph codes (no ToUnicode map); its tables were not read"
        for p in sorted(garbled)
        if p in pages
    ]
    pages = [p for p in pages if p not in garbled]

    found: dict[str, FoundTable] = {}
    built: list[_Built] = []
    # Reuse the pages read_document already parsed; parse the file again only for a Document built
    # without them or by another parser (pdfplumber stays the pdfminer reference whatever read the text).
    shared = doc.pdf if doc.pdf_parser == eng.parser else None
    with nullcontext(shared) if shared is not None else open_pdf(doc.path, engine) as pdf:
        if eng.tables == "pdfplumber":
            tables = plumber_tables(pdf, pages)
        else:
            tables = tabula_tables(doc.path, pages, repair=tabula_repair)
        seen_pages: set[int] = set()
        for t in tables:
            t.first_on_page = t.page not in seen_pages
            seen_pages.add(t.page)

        prev_bottom: dict[int, float] = {}
        current: _Built | None = None
        for t in tables:
            page = pdf.pages[t.page - 1]
            rows = [[_cell(c) for c in r] for r in t.rows]
            rows = [r for r in rows if any(c for c in r)]
            above = _region_text(page, prev_bottom.get(t.page, 0.0), t.top)
            below = _region_text(page, t.bottom, float(page.height))
            prev_bottom[t.page] = t.bottom
            if not rows:
                continue  # a ruled box with nothing in it (a blank page's frame)
            if any(c and CID_RE.search(c) for r in rows for c in r):
                notes_global.append(f"page {t.page}: a table holds (cid:NNN) glyph codes; it was not read")
                continue
            rows = _split_header_row(rows)
            title = next((code for ln in reversed(above) if (code := match_title(ln))), None)
            # A title the catalog does not know still starts a table of its own (never a continuation).
            titled_other = title is None and any(
                ANY_TABLE_TITLE.search(clean_title(ln)) and len(clean_title(ln)) <= 40 for ln in above
            )
            header = match_header("".join(c or "" for r in rows[:5] for c in r))
            code = title or (None if titled_other else header)  # a title of its own outranks header words
            ncols = max(len(r) for r in rows)
            unit = next((m.group(2) for ln in above if (m := UNIT_RE.search(ln))), None)
            grows = [GridRow(r, f"page {t.page}") for r in rows]
            if (
                title is None
                and not titled_other
                and current is not None
                and t.first_on_page
                and ncols <= current.ncols
                and t.page - current.last_page in (1, 2)
                and header in (None, current.code)
            ):
                # Continuation page: no title, the same figure columns. A page that prints the code in one
                # cell where the first page split it over 类/款/项 has fewer columns: the figures are the
                # rightmost columns on both, so its rows are aligned on the right.
                pad: list[str | None] = [None] * (current.ncols - ncols)
                for g in grows:
                    g.cells = pad + list(g.cells)
                current.grid.rows += grows
                current.notes += t.notes
                current.last_page = t.page
                current.below = below
                continue
            if code is None and titled_other:
                # A 决算 table the catalog does not know: kept apart (never merged into the table before
                # it), its rows under a code of its own, and named in the notes.
                name = next(clean_title(ln) for ln in reversed(above) if ANY_TABLE_TITLE.search(clean_title(ln)))
                code = f"X{sum(1 for b in built if b.code.startswith('X')) + 1}"
                notes_global.append(
                    f"page {t.page}: table {name!r} is not one of the tables this project knows "
                    f"(T1..T9, U4); its rows are kept as {code}, columns named by its header"
                )
            if code is None:
                notes_global.append(f"page {t.page}: a ruled table with no recognisable title or header was skipped")
                current = None
                continue
            grid = Grid(code, grows, unit=unit or "万元", title_ref=f"page {t.page}")
            current = _Built(code, grid, ncols, t.page, notes=list(t.notes), below=below)
            built.append(current)

    for b in built:
        ft = GridReader(f"pdf ruled table ({engine})").read(b.code, b.grid, b.grid.unit, b.grid.title_ref)
        status, notes = _status(b, ft.items)
        ft.status, ft.notes = status, notes + ft.notes
        cur = found.get(b.code)
        if cur is None or STATUS_RANK[status] > STATUS_RANK[cur.status]:
            found[b.code] = ft
        elif cur is not None:
            cur.notes.append(f"another {b.code} table on {b.grid.title_ref} was not used")
            if status == "data" and cur.status == "data":
                cur.repeated.append(b.grid.title_ref)

    # Titles printed without a ruled table under them (outside the table of contents).
    for p, lines in sorted(page_text.items()):
        if p in seen_pages or any(re.sub(r"\s+", "", ln) in ("目录",) for ln in lines):
            continue
        for line_text in lines[:8]:
            code = match_title(line_text)
            if code and code not in found:
                found[code] = FoundTable(
                    code,
                    "missing",
                    ref=f"page {p}",
                    notes=[f"title printed on page {p} but no ruled table found under it"],
                )
    if notes_global and found:  # page-level notes once, on the first table
        first = found[min(found)]
        first.notes += notes_global
    return found
