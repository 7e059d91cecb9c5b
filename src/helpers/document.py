"""Reading a raw report into lines that remember where they came from.

A `Document` is the one object every parser works on: the normalised lines of a text file (each with
`line N`) or of a PDF's text layer (each with `page N`). Reading fails with `ReportError`, whose
message names the file and says what is wrong, for inputs no parser should see: empty files,
undecodable text, corrupted PDFs, PDFs without a usable text layer.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import cid_ratio, normalize_text

TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


class ReportError(Exception):
    """A raw file that cannot be read as a report; the message is meant for a person."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class Line:
    text: str
    ref: str  # "line 12" or "page 7"
    page: int | None = None  # PDF page number (1-based)


@dataclass
class Document:
    path: Path
    source_format: str  # "text" | "pdf"
    sha256: str
    lines: list[Line]
    encoding: str | None = None
    n_pages: int | None = None
    notes: list[str] = field(default_factory=list)
    # The open pdfplumber document of a PDF, kept so that table finding reuses the pages already
    # parsed for the text layer instead of parsing the file a second time. `close()` releases it.
    pdf: object | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()
            self.pdf = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a text report: UTF-8 (with or without BOM), else GBK/GB18030."""
    for enc in TEXT_ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ReportError(path, "text is neither UTF-8 nor GBK/GB18030; re-save the file as UTF-8")


def read_text(path: Path) -> Document:
    data = Path(path).read_bytes()
    if not data.strip():
        raise ReportError(path, "the file is empty")
    text, enc = decode_text(data, path)
    return Document(Path(path), "text", hashlib.sha256(data).hexdigest(), text_lines(text), encoding=enc)


def text_lines(text: str) -> list[Line]:
    """Lines of a text report, numbered as an editor numbers them (by line breaks only). A form
    feed (`pdftotext` and page-text copies put one between pages) starts a new line with the same
    number and a new page, so `line N` stays findable and rows know which page they are on."""
    paged = "\f" in text
    lines: list[Line] = []
    page = 1
    for i, raw in enumerate(re.split(r"\r\n|\n|\r", text.rstrip("\r\n")), start=1):
        for k, part in enumerate(raw.split("\f")):
            if k:
                page += 1
            lines.append(Line(normalize_text(part), f"line {i}", page if paged else None))
    return lines


def open_pdf(path: Path):
    """pdfplumber.open with corrupted or truncated files turned into a ReportError."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
        _ = len(pdf.pages)
        return pdf
    except Exception as exc:  # pdfminer raises many types for broken files
        raise ReportError(path, f"not a readable PDF (truncated or corrupted?): {type(exc).__name__}: {exc}") from exc


def read_pdf(path: Path) -> Document:
    path = Path(path)
    if path.stat().st_size == 0:
        raise ReportError(path, "the file is empty")
    lines: list[Line] = []
    raw_chars = 0
    pdf = open_pdf(path)
    n_pages = len(pdf.pages)
    try:
        for pno, page in enumerate(pdf.pages, start=1):
            text = page.extract_text() or ""
            raw_chars += len(text.strip())
            for t in text.splitlines():
                lines.append(Line(normalize_text(t), f"page {pno}", pno))
    except Exception as exc:
        pdf.close()
        raise ReportError(path, f"PDF is damaged: page text could not be read ({type(exc).__name__}: {exc})") from exc
    all_text = "\n".join(line.text for line in lines)
    try:
        _check_text_layer(path, all_text, raw_chars, n_pages)
    except ReportError:
        pdf.close()
        raise
    return Document(path, "pdf", sha256_of(path), lines, n_pages=n_pages, pdf=pdf)


def _check_text_layer(path: Path, all_text: str, raw_chars: int, n_pages: int) -> None:
    if raw_chars < 20 * max(n_pages, 1) // 4 or not all_text.strip():
        raise ReportError(path, f"PDF has no text layer ({n_pages} pages of images?); run OCR first, nothing was extracted")
    ratio = cid_ratio(all_text)
    if ratio > 0.05:
        raise ReportError(
            path,
            f"PDF text layer is unusable: {ratio:.0%} of its characters are (cid:NNN) glyph codes "
            "(the fonts lack a ToUnicode map); numbers would be wrong, so nothing was extracted",
        )


def check_regular(path: Path) -> None:
    """ReportError unless path is a regular file (through symlinks). Checked before any open: a
    named pipe blocks the reader forever, a device never ends, a symlink loop raises."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise ReportError(path, f"dangling symbolic link (to {os.readlink(path)}, which does not exist)") from None
        raise ReportError(path, "no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReportError(path, "symbolic link loop; not read") from None
        raise ReportError(path, f"cannot be opened ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ReportError(path, "is a folder, not a report file")
    if not stat.S_ISREG(st.st_mode):
        kind = ("named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode)
                else "device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "special file")
        raise ReportError(path, f"is a {kind}, not a regular file; skipped without reading")


def read_document(path: Path | str) -> Document:
    """Read a raw report, PDF or text, chosen by the file's first bytes rather than its name."""
    path = Path(path)
    check_regular(path)
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if head.lstrip().startswith(b"%PDF"):
        return read_pdf(path)
    if path.suffix.lower() == ".pdf":
        raise ReportError(path, "named .pdf but does not start with a PDF header (truncated or not a PDF)")
    if b"\x00" in head:
        raise ReportError(path, "binary file that is neither PDF nor text")
    return read_text(path)
