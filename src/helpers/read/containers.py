"""The containers a 决算 is published in, registered by name (as camelot registers its parsers).

A container is recognised by its bytes (never by its name alone: a `.xls` that is really a web page
is read as the web page it is) and read by one adapter module of this package, whose
`read_layout(path) -> Layout` turns it into the one table model (model.py). Text reports and PDFs
with a text layer are read by `document.py` itself; a PDF with no usable text layer goes to OCR.

Adding a container: write `read/<module>.py` with `read_layout`, add a `Container` here with the
test that recognises its bytes, and test it on a real file (tests/test_container_*.py).
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .model import Layout

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old Office (compound) file
ZIP = b"PK\x03\x04"  # an OOXML package (.xlsx, .docx)


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def ole2_kind(data: bytes) -> str:
    """What an OLE2 compound file (old Office) holds, from its directory's stream names:
    `xls`, `doc`, `wps`, `encrypted` (an encrypted OOXML file is an OLE2 file), or `unknown`."""
    if _utf16("EncryptedPackage") in data:
        return "encrypted"
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return "xls"
    if _utf16("WordDocument") in data:
        return "doc"
    if b"WPS" in data[:4096] or _utf16("WpsCustomData") in data:
        return "wps"
    return "unknown"


def zip_kind(path: Path) -> str:
    """`xlsx`, `docx`, or `unknown` for a zip archive (an OOXML package names its parts)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "corrupt"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        return "docx"
    return "unknown"


def is_image(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")  # JPEG
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or head[:4] in (b"II*\x00", b"MM\x00*")  # TIFF
        or head.startswith(b"BM")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def is_html(head: bytes) -> bool:
    """Markup that starts the file (after a BOM and blanks) and names an HTML element."""
    lower = head.lower()
    return lower.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and any(
        t in lower for t in (b"<html", b"<table", b"<body", b"<meta", b"<div")
    )


def is_other_word(head: bytes) -> bool:
    """A Word file in a format other than .docx that word.py names (RTF, Word 2003 XML, flat OPC XML)."""
    h = head.lstrip().lower()
    return h.startswith(b"{\\rtf") or (
        h.startswith(b"<?xml") and any(t in h for t in (b'progid="word.document"', b"<w:worddocument", b"<pkg:package"))
    )


def is_mht(head: bytes) -> bool:
    """A single-file web page (.mht/.mhtml, Word's 单个文件网页): a MIME message holding the HTML."""
    start = head.lstrip()[:1024].lower()
    return start.startswith((b"mime-version:", b"from:", b"content-type: multipart/related")) and (
        b"multipart/related" in start
    )


@dataclass(frozen=True)
class Container:
    name: str  # `reports.source_format`
    what: str  # what is read from it (README's table of containers)
    module: str  # the adapter: helpers.read.<module>.read_layout
    reading_layout: str  # `table_readings.layout` of its tables

    def read_layout(self, path: Path) -> Layout:
        adapter: Callable[[Path], Layout] = importlib.import_module(f"helpers.read.{self.module}").read_layout
        return adapter(path)


CONTAINERS: dict[str, Container] = {
    c.name: c
    for c in (
        Container("xlsx", "Excel workbook: every sheet, cells with their sheet!cell", "sheets", "spreadsheet cells"),
        Container("xls", "Excel 97 workbook: every sheet, cells with their sheet!cell", "sheets", "spreadsheet cells"),
        Container("docx", "Word document: paragraphs and tables in document order", "word", "word table"),
        Container(
            "html",
            "web page (.html, .mht): text and <table>s (rowspan/colspan), page's charset",
            "web",
            "web page table",
        ),
        Container("pdf_scan", "PDF without a usable text layer: pages rendered and OCR'd", "ocr", "OCR ruled table"),
        Container("image", "one page image (JPG, PNG, TIFF), OCR'd", "ocr", "OCR ruled table"),
        Container("images", "a folder of page images, in name order, as one report, OCR'd", "ocr", "OCR ruled table"),
    )
}
