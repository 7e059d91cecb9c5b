"""The PDF engines, named once: the CLI's choices, the default and the readers all come from here.

An engine says how a PDF's pages are parsed (which gives the text layer, read by `read_document`)
and how ruled tables are found on them (`find_pdf_tables`):

| engine | pages parsed by | ruled tables by |
|---|---|---|
| `pdfium` (default) | PDFium via pypdfium2, in C (`pdfium_pages.py`) | pdfplumber's table algorithm on those pages |
| `pdfplumber` | pdfminer.six, in Python | pdfplumber's table algorithm (the reference in tests) |
| `tabula` | pdfminer.six (text layer, titles) | tabula-java lattice mode through jpype |

`pdfium` and `pdfplumber` give identical datasets on the corpus (tests/test_pdfium.py); `pdfium`
reads a page ~6× faster (benchmarks/bench_extract.py). Imports are deferred so that naming an
engine costs nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pdfplumber.page import Page


class PdfPages(Protocol):
    """An open PDF as the readers use it: pdfplumber's PDF, or PDFium's pages in its shape (PdfiumDocument)."""

    @property
    def pages(self) -> Sequence[Page]: ...

    def close(self) -> None: ...

    def __enter__(self) -> PdfPages: ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...


def _pdfminer_pages(path: Path | io.BytesIO) -> PdfPages:
    import pdfplumber

    return pdfplumber.open(path)


def _pdfium_pages(path: Path | io.BytesIO) -> PdfPages:
    from .pdfium_pages import read_pages

    return read_pages(path)


@dataclass(frozen=True)
class PdfEngine:
    name: str
    parser: str  # what parses the pages: "pdfium" or "pdfminer"; pages are shared between engines that agree
    open_pages: Callable[[Path | io.BytesIO], PdfPages]  # a path, or the file's bytes already read
    tables: str  # "pdfplumber" (find_tables on the pages) or "tabula"


PDF_ENGINES: dict[str, PdfEngine] = {
    "pdfium": PdfEngine("pdfium", "pdfium", _pdfium_pages, "pdfplumber"),
    "pdfplumber": PdfEngine("pdfplumber", "pdfminer", _pdfminer_pages, "pdfplumber"),
    "tabula": PdfEngine("tabula", "pdfminer", _pdfminer_pages, "tabula"),
}
ENGINE_NAMES = tuple(PDF_ENGINES)
# Same datasets as pdfplumber on every PDF of the corpus, about 6× faster per page (README, Performance).
DEFAULT_PDF_ENGINE = "pdfium"


def pdf_engine(name: str) -> PdfEngine:
    """The engine called `name`; ValueError naming the choices otherwise."""
    try:
        return PDF_ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown PDF engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}") from None
