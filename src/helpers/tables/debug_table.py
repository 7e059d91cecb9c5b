"""What the PDF table finder saw on one page, as a picture (pdfplumber's visual debugging).

`python -m helpers debug-table FILE.pdf --page N [--out PNG]` draws, over the rendered page, the
ruling lines pdfplumber found (red), their intersections (blue circles) and the cells of every table
it built from them (light blue), with the settings the extraction uses (`tables/pdf_tables.py`).
A table read oddly usually shows why here: a missing rule merges two columns, a page without rules
has no table at all. Rendering is pypdfium2's, to a file: no display needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ErrorCode
from ..read.document import ReportError, open_pdf
from . import pdf_tables

DEFAULT_RESOLUTION = 100  # pixels per inch: a landscape A4 page is about 1170 × 830


def table_settings() -> dict | None:
    """The pdfplumber table settings the extraction uses. `plumber_tables` calls `find_tables()`
    without settings (pdfplumber's defaults: ruling lines); a `TABLE_SETTINGS` defined in
    pdf_tables is used here too."""
    settings = getattr(pdf_tables, "TABLE_SETTINGS", None)
    return dict(settings) if settings else None


class PageOutOfRange(ValueError):
    """The page asked for is not in the PDF."""


@dataclass
class DebugPicture:
    path: Path
    page: int
    n_pages: int
    size: tuple[int, int]  # pixels
    tables: list[tuple[int, int]]  # (rows, columns) of each table found, top to bottom

    def summary(self) -> str:
        found = "; ".join(f"{r} rows × {c} columns" for r, c in self.tables) or "none"
        return (
            f"page {self.page} of {self.n_pages}: {len(self.tables)} table(s) found ({found}); "
            f"wrote {self.path} ({self.size[0]}×{self.size[1]} px)"
        )


def default_out(pdf: Path, page: int) -> Path:
    return Path(f"{pdf.stem}-page{page}-tables.png")


def debug_table(
    pdf: str | Path, page: int, out: str | Path | None = None, resolution: int = DEFAULT_RESOLUTION
) -> DebugPicture:
    """Render page `page` (1-based) of `pdf` with the table finder's lines, intersections and cells
    drawn over it, as PNG into `out`. ReportError for a file that is not a readable PDF,
    PageOutOfRange for a page it does not have."""
    pdf = Path(pdf)
    if not pdf.is_file():
        if not pdf.exists():
            raise ReportError(pdf, "no such file", code=ErrorCode.NO_SUCH_FILE)
        raise ReportError(pdf, "not a regular file", code=ErrorCode.NOT_REGULAR_FILE)
    out = Path(out) if out else default_out(pdf, page)
    with open_pdf(
        pdf, "pdfplumber"
    ) as doc:  # rendering needs pdfplumber's own pages (same lines and cells as pdfium's)
        n = len(doc.pages)
        if not 1 <= page <= n:
            raise PageOutOfRange(
                f"{pdf}: there is no page {page}; the PDF has {n} page{'s' if n != 1 else ''} (--page 1 to {n})"
            )
        p = doc.pages[page - 1]
        finder = p.debug_tablefinder(table_settings())
        tables = sorted(finder.tables, key=lambda t: t.bbox[1])
        shapes = [(len(t.rows), max((len(r.cells) for r in t.rows), default=0)) for t in tables]
        image = p.to_image(resolution=resolution)
        image.debug_tablefinder(finder)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, format="PNG")
        size = image.original.size
    return DebugPicture(path=out, page=page, n_pages=n, size=size, tables=shapes)
