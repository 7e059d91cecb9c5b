"""Ruled tables in a PDF, through pdfplumber's table finder or tabula-py, made into a `Layout`.

Each engine returns, per page, the ruled tables as rows of cells with the table's box on the page.
`pdf_layout` puts each page's text between the tables (cropped) around them as text blocks, so the one
finder of every container (`layout_tables.find_layout_tables`) names the tables from the titles above
them, reads their units, joins continuation pages and hands each grid to its shape's interpreter,
exactly as for a workbook, a Word document or a scan.

Engines (named once in read/engines.py)
- ``pdfium`` (default): the pages are parsed by PDFium (read/pdfium_pages.py) into pdfplumber's
  objects, then exactly as ``pdfplumber`` below; same datasets, several times faster.
- ``pdfplumber``: ``page.find_tables()``; merged cells come back as None placeholders, columns stay put.
  A table whose last row on a page has no rule under it is closed where its vertical rules end
  (`open_bottoms`), with a note.
- ``tabula``: tabula-py lattice mode through jpype (one JVM per process, started on first use; the
  subprocess fallback, one JVM per call, is refused). tabula-java packs the cells of a row to the
  left, so under a horizontally merged cell (项目 over code and name, a 合计 row) every value moves
  one column left. The JSON output keeps each cell's box, so cells are put back into the column
  whose left edge they start at (the table's column edges are the union of all cell edges), with
  None placeholders under merged cells, as pdfplumber does. ``tabula_repair=False`` keeps tabula's
  packed rows (for measuring what the repair is worth).

Garbled text: the Document reader sends PDFs whose text layer is mostly `(cid:NNN)` codes to OCR; a
single page with such codes is skipped here with a note (the finder skips a cell that holds one), so
no number is ever parsed from garbled glyphs.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from ..core.normalize import cid_ratio, normalize_text
from ..core.settings import SETTINGS
from ..read.document import Document, open_pdf
from ..read.engines import DEFAULT_PDF_ENGINE, ENGINE_NAMES, pdf_engine
from ..read.model import Block, Cell, Layout, Page, TableBlock, TextBlock
from .found import FoundTable
from .layout_tables import find_layout_tables

ENGINES = ENGINE_NAMES  # kept for callers of the old name


@dataclass
class PdfTable:
    """One ruled table as an engine found it: rows of cells and its box (PDF points, top-left origin)."""

    page: int
    rows: list[list[str | None]]
    top: float
    bottom: float
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Engines: page number → tables on that page, top to bottom.


_RULE_TOL = 3.0  # points: pdfplumber's own snap and join tolerances


class _Rules:
    """A page's horizontal rules by height, to ask which run across a span at a height without scanning them all."""

    def __init__(self, hs: list[dict]):
        self.hs = sorted(hs, key=lambda h: h["top"])
        self.tops = [h["top"] for h in self.hs]

    def near(self, lo: float, hi: float) -> list[dict]:
        """Rules whose top may lie in lo..hi (a little more: callers test the exact condition)."""
        return self.hs[bisect_left(self.tops, lo - 1) : bisect_right(self.tops, hi + 1)]

    def covered(self, y: float, x0: float, x1: float) -> bool:
        """Do the horizontal rules at height y run across x0..x1 (drawn whole or cell by cell)?"""
        at_y = [h for h in self.near(y - _RULE_TOL, y + _RULE_TOL) if abs(h["top"] - y) <= _RULE_TOL and h["x1"] > x0]
        spans = sorted((max(h["x0"], x0), min(h["x1"], x1)) for h in at_y)
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
    rules = _Rules([e for e in edges if e["orientation"] == "h"])
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
        if rules.covered(bottom, x0, x1):
            continue  # closed
        top = max(v["top"] for v in g)
        above = [
            h["top"]
            for h in rules.near(top - _RULE_TOL, bottom - _RULE_TOL)
            if top - _RULE_TOL <= h["top"] < bottom - _RULE_TOL and rules.covered(h["top"], x0, x1)
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
    """After a tabula call: it ran in this process's JVM (jpype), not a java subprocess per call, which
    tabula-py falls back to silently. Asked through jpype's public API, not tabula's private VM."""
    import jpype

    if not jpype.isJVMStarted():  # pragma: no cover - depends on the environment
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
# The PDF as a Layout: per page, the text between its ruled tables and the tables themselves, so
# the one finder (layout_tables.py) names, joins and reads them as it does for every container.


def _region_text(page, top: float, bottom: float) -> list[str]:
    top, bottom = max(0.0, top), min(float(page.height), bottom)
    if bottom - top < 1:
        return []
    text = page.crop((0, top, float(page.width), bottom)).extract_text() or ""
    return [normalize_text(t) for t in text.splitlines() if t.strip()]


def pdf_layout(pdf, tables: list[PdfTable], page_text: dict[int, list[str]], notes: list[str]) -> Layout:
    """Pages of text blocks (the page text between tables, cropped) and table blocks (the engine's
    cells); a page without a ruled table keeps its text-layer lines (`page_text`), where a title
    printed with no table under it is looked for."""
    by_page: dict[int, list[PdfTable]] = {}
    for t in tables:
        by_page.setdefault(t.page, []).append(t)
    out: list[Page] = []
    for p in sorted(set(page_text) | set(by_page)):
        where = f"page {p}"
        if p not in by_page:
            out.append(Page(p, [TextBlock(t, where) for t in page_text.get(p, [])]))
            continue
        page = pdf.pages[p - 1]
        blocks: list[Block] = []
        prev_bottom = 0.0
        for t in by_page[p]:
            blocks += [TextBlock(ln, where) for ln in _region_text(page, prev_bottom, t.top)]
            blocks.append(TableBlock([[Cell(c) for c in r] for r in t.rows], where, notes=list(t.notes)))
            prev_bottom = t.bottom
        blocks += [TextBlock(ln, where) for ln in _region_text(page, prev_bottom, float(page.height))]
        out.append(Page(p, blocks))
    return Layout("pdf", out, notes)


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
    garbled = {p for p, lines in page_text.items() if cid_ratio("\n".join(lines)) > SETTINGS.garbled_page_share}
    notes = [
        f"page {p}: text is (cid:NNN) glyph codes (no ToUnicode map); its tables were not read"
        for p in sorted(garbled)
        if p in pages
    ]
    pages = [p for p in pages if p not in garbled]
    # Reuse the pages read_document already parsed; parse the file again only for a Document built
    # without them or by another parser (pdfplumber stays the pdfminer reference whatever read the text).
    shared = doc.pdf if doc.pdf_parser == eng.parser else None
    with nullcontext(shared) if shared is not None else open_pdf(doc.path, engine) as pdf:
        if eng.tables == "pdfplumber":
            tables = plumber_tables(pdf, pages)
        else:
            tables = tabula_tables(doc.path, pages, repair=tabula_repair)
        layout = pdf_layout(pdf, tables, page_text, notes)
    return find_layout_tables(layout, f"pdf ruled table ({engine})")
