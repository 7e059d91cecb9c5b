"""Reading a raw report into lines that remember where they came from.

A `Document` is the one object every parser works on: the normalised lines of a text file (each with
`line N`) or of a PDF's text layer (each with `page N`). Reading fails with `ReportError`, whose
message names the file and says what is wrong, for inputs no parser should see: empty files,
undecodable text, corrupted PDFs, PDFs without a usable text layer.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ErrorCode
from ..core.normalize import cid_ratio, normalize_text
from ..core.paths import IMAGE_SUFFIXES
from ..core.settings import SETTINGS
from .containers import CONTAINERS, OLE2, ZIP, Container, is_html, is_image, is_mht, is_other_word, ole2_kind, zip_kind
from .engines import DEFAULT_PDF_ENGINE, PdfPages, pdf_engine
from .model import Layout

TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


class ReportError(Exception):
    """A raw file that cannot be read as a report: the message is meant for a person, the code
    (errors.ErrorCode, stored in reports.error_code) for a program."""

    def __init__(self, path: Path | str, problem: str, *, code: ErrorCode):
        self.path = str(path)
        self.problem = problem
        self.code = ErrorCode(code)
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
    # The parsed pages of a PDF (pdfplumber's, or PDFium's in pdfplumber's shape), kept so that table
    # finding reuses the pages parsed for the text layer instead of parsing the file a second time.
    # `pdf_parser` says which parser made them ("pdfminer" or "pdfium"). `close()` releases them.
    pdf: PdfPages | None = field(default=None, repr=False, compare=False)
    pdf_parser: str | None = None
    # Containers other than text and text-layer PDFs (workbooks, web pages, Word, OCR'd images): the
    # pages of text and table blocks the table finder reads (read/model.py); `lines` are its text.
    layout: Layout | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()
            self.pdf = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes; of a folder of page images, of each image's name and bytes in
    page order (a changed, added or renamed page changes it)."""
    h = hashlib.sha256()
    if Path(path).is_dir():
        for f in folder_pages(Path(path)):
            h.update(f.name.encode() + b"\0")
            h.update(bytes.fromhex(sha256_of(f)))
        return h.hexdigest()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _natural(name: str) -> list:
    """Name order with numbers compared as numbers: 第2页 before 第10页."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def folder_pages(folder: Path) -> list[Path]:
    """The page images of a folder report, in page (natural name) order; hidden files left out."""
    return sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")),
        key=lambda p: _natural(p.name),
    )


# A report's lines are short (the longest in the shipped corpus: 740 characters). A text whose line
# breaks were lost can hold one line of megabytes, on which the table readers take minutes.
# C0 controls other than tab, line feed, vertical tab, form feed and carriage return: never in a
# report. A NUL inside `4,1\x0099.36` would otherwise split one amount into a wrong one.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def utf16_encoding(head: bytes) -> str | None:
    """'utf-16' for a UTF-16 text (by its BOM, or by the NUL in every other byte of ASCII text, or, for
    Chinese text without a BOM, by which byte order reads as Chinese, digits and punctuation)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if len(head) >= 16:
        even, odd = head[0:64:2], head[1:64:2]
        if odd.count(0) >= SETTINGS.utf16_nul_share * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) >= SETTINGS.utf16_nul_share * len(even) and odd.count(0) == 0:
            return "utf-16-be"
        if b"\x00" in head:  # a report's digits and line breaks are NUL-padded in UTF-16; GBK has no NUL
            share = {enc: _chinese_share(head, enc) for enc in ("utf-16-le", "utf-16-be")}
            best = max(share, key=lambda e: share[e])
            if share[best] >= 0.9 and min(share.values()) < 0.5:
                return best
    return None


def _chinese_share(head: bytes, enc: str) -> float:
    """How much of `head` decoded as `enc` is what a Chinese report prints: ideographs, ASCII, CJK and
    full-width punctuation."""
    text = head[: len(head) // 2 * 2].decode(enc, errors="replace")
    ok = sum(
        1
        for ch in text
        if " " <= ch <= "~"
        or ch in "\r\n\t"
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
    )
    return ok / max(len(text), 1)


def _looks_big5(data: bytes, gb_text: str) -> bool:
    """Traditional-Chinese Big5 bytes decode as (wrong) GB18030 text: name them instead."""
    if any(w in gb_text for w in ("决算", "预算", "财政")):
        return False
    try:
        big5 = data.decode("big5")
    except UnicodeDecodeError:
        return False
    return any(w in big5 for w in ("決算", "預算", "財政", "支出"))


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a text report: UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern), else GBK/GB18030."""
    if enc := utf16_encoding(data[:1024]):
        try:
            return data.decode(enc).lstrip("\ufeff"), "utf-16"
        except UnicodeDecodeError:
            raise ReportError(
                path,
                "text looks UTF-16 but does not decode as UTF-16; re-save the file as UTF-8",
                code=ErrorCode.BAD_ENCODING,
            ) from None
    for enc in TEXT_ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "gb18030" and _looks_big5(data, text):
            raise ReportError(
                path,
                "text is Big5 (traditional Chinese), not UTF-8 or GBK; re-save it as UTF-8 "
                "(the reader knows the simplified-Chinese report wording)",
                code=ErrorCode.BAD_ENCODING,
            )
        return text, enc
    raise ReportError(
        path, "text is neither UTF-8, UTF-16 nor GBK/GB18030; re-save the file as UTF-8", code=ErrorCode.BAD_ENCODING
    )


def check_text(text: str, path: Path) -> None:
    """ReportError naming the line for control characters and for lines no report has."""
    for i, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if m := _CONTROL.search(line):
            raise ReportError(
                path,
                f"line {i}, column {m.start() + 1} holds the control character "
                f"U+{ord(m.group()):04X}; the file is damaged or not text, nothing was extracted",
                code=ErrorCode.CORRUPT,
            )
        if len(line) > SETTINGS.max_line_chars:
            raise ReportError(
                path,
                f"line {i} is {len(line):,} characters long (a report's lines are under "
                f"{SETTINGS.max_line_chars:,}); its line breaks were lost or it is not a report",
                code=ErrorCode.LINE_TOO_LONG,
            )


def read_text(path: Path, data: bytes | None = None) -> Document:
    data = Path(path).read_bytes() if data is None else data
    if not data.strip():
        raise ReportError(path, "the file is empty", code=ErrorCode.EMPTY_FILE)
    text, enc = decode_text(data, path)
    text = text.rstrip("\x1a")  # DOS end-of-file mark
    check_text(text, path)
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


def open_pdf(path: Path, engine: str = DEFAULT_PDF_ENGINE, data: bytes | None = None) -> PdfPages:
    """The PDF's pages parsed as `engine` parses them (from `data`, the file's bytes already read, if
    given), with corrupted, truncated or encrypted files turned into a ReportError (pdfminer and
    PDFium each raise their own kinds)."""
    eng = pdf_engine(engine)
    try:
        pdf = eng.open_pages(io.BytesIO(data) if data is not None else path)
        _ = len(pdf.pages)
        return pdf
    except Exception as exc:  # pdfminer raises many types for broken files, often with no message
        cause = exc.args[0] if type(exc).__name__ == "PdfminerException" and exc.args else exc
        if type(cause).__name__ in ("PDFPasswordIncorrect", "PDFEncryptionError") or "password" in str(cause).lower():
            raise ReportError(
                path,
                "PDF is encrypted (password-protected); save an unprotected copy, nothing was extracted",
                code=ErrorCode.ENCRYPTED,
            ) from exc
        raise ReportError(
            path,
            f"not a readable PDF (truncated or corrupted?): {type(cause).__name__}: "
            f"{cause or 'no detail given by the PDF library'}",
            code=ErrorCode.CORRUPT,
        ) from exc


def read_pdf(path: Path, engine: str = DEFAULT_PDF_ENGINE, data: bytes | None = None) -> Document:
    """The PDF's text layer, page by page (pdfplumber's `extract_text` on the pages `engine` parsed).
    The bytes are read once: the checksum is of the very bytes parsed, even if the file is replaced
    while it is read."""
    path = Path(path)
    data = path.read_bytes() if data is None else data
    if not data:
        raise ReportError(path, "the file is empty", code=ErrorCode.EMPTY_FILE)
    check_inflation(path, data)
    lines: list[Line] = []
    raw_chars = 0
    pdf = open_pdf(path, engine, data)
    n_pages = len(pdf.pages)
    try:
        for pno, page in enumerate(pdf.pages, start=1):
            text = page.extract_text() or ""
            raw_chars += len(text.strip())
            for t in text.splitlines():
                lines.append(Line(normalize_text(t), f"page {pno}", pno))
    except Exception as exc:
        pdf.close()
        raise ReportError(
            path, f"PDF is damaged: page text could not be read ({type(exc).__name__}: {exc})", code=ErrorCode.CORRUPT
        ) from exc
    all_text = "\n".join(line.text for line in lines)
    try:
        _check_text_layer(path, all_text, raw_chars, n_pages)
    except ReportError:
        pdf.close()
        raise
    sha = hashlib.sha256(data).hexdigest()
    return Document(path, "pdf", sha, lines, n_pages=n_pages, pdf=pdf, pdf_parser=pdf_engine(engine).parser)


def check_inflation(path: Path, data: bytes) -> None:
    """ReportError for a PDF whose compressed streams expand beyond SETTINGS.pdf_inflated_max_mb
    (a decompression bomb), before any parser inflates them."""
    from .inflate import inflated_size

    limit = SETTINGS.pdf_inflated_max_mb << 20
    if inflated_size(data, limit) > limit:
        raise ReportError(
            path,
            f"PDF streams expand to more than {SETTINGS.pdf_inflated_max_mb} MB (reports expand to a few MB): "
            "this exceeds the memory limit for one file (a decompression bomb?); nothing was extracted",
            code=ErrorCode.TOO_LARGE,
        )


class NoTextLayer(ReportError):
    """A PDF whose text layer is missing or garbled: its pages are read by OCR instead."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(path, problem, code=ErrorCode.NO_TEXT_LAYER)


def _check_text_layer(path: Path, all_text: str, raw_chars: int, n_pages: int) -> None:
    if raw_chars < 20 * max(n_pages, 1) // 4 or not all_text.strip():
        raise NoTextLayer(path, f"PDF has no text layer ({n_pages} pages of images?)")
    ratio = cid_ratio(all_text)
    if ratio > SETTINGS.garbled_pdf_share:
        raise NoTextLayer(
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
            raise ReportError(
                path,
                f"dangling symbolic link (to {os.readlink(path)}, which does not exist)",
                code=ErrorCode.NO_SUCH_FILE,
            ) from None
        raise ReportError(path, "no such file", code=ErrorCode.NO_SUCH_FILE) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReportError(path, "symbolic link loop; not read", code=ErrorCode.CANNOT_OPEN) from None
        raise ReportError(path, f"cannot be opened ({exc.strerror})", code=ErrorCode.CANNOT_OPEN) from None
    if stat.S_ISDIR(st.st_mode):
        raise ReportError(path, "is a folder, not a report file", code=ErrorCode.NOT_REGULAR_FILE)
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "named pipe (FIFO)"
            if stat.S_ISFIFO(st.st_mode)
            else "socket"
            if stat.S_ISSOCK(st.st_mode)
            else "device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "special file"
        )
        raise ReportError(
            path, f"is a {kind}, not a regular file; skipped without reading", code=ErrorCode.NOT_REGULAR_FILE
        )


def check_input(path: Path) -> None:
    """check_regular, except that a folder is a report when it holds page images (read by OCR)."""
    path = Path(path)
    if path.is_dir():  # through links; a link loop is not a folder (check_regular names it)
        if not folder_pages(path):
            raise ReportError(
                path,
                f"is a folder with no page images ({', '.join(IMAGE_SUFFIXES)}); not a report",
                code=ErrorCode.NOT_REGULAR_FILE,
            )
        return
    check_regular(path)


def read_container(path: Path, container: Container) -> Document:
    """A container read by its adapter (read/containers.py) into a Document: its text lines for the
    narrative and metadata, its layout for the tables."""
    sha = sha256_of(path)
    try:
        layout = container.read_layout(path)
    except ReportError:
        raise
    except MemoryError:
        raise ReportError(path, f"too large to read as {container.what}", code=ErrorCode.TOO_LARGE) from None
    except Exception as exc:  # a library's own exception for a damaged file: say which file and what
        raise ReportError(
            path,
            f"could not be read as {container.what.split(':')[0]} ({type(exc).__name__}: {exc})",
            code=ErrorCode.CORRUPT,
        ) from exc
    lines = [Line(normalize_text(text), ref, page) for text, ref, page in layout.text_lines()]
    if sha256_of(path) != sha:  # the adapter read the file itself: make sure the bytes hashed are those read
        raise ReportError(
            path,
            "the file changed while it was being read; nothing was extracted (run again)",
            code=ErrorCode.CHANGED_WHILE_READ,
        )
    return Document(path, container.name, sha, lines, n_pages=len(layout.pages), layout=layout)


def container_of(path: Path, head: bytes) -> Container | None:
    """The registered container whose bytes these are; None for plain text (and PDFs, read here).
    Formats we recognise but cannot read raise a ReportError saying how to convert them."""
    if head.startswith(OLE2):
        with open(path, "rb") as fh:
            kind = ole2_kind(fh.read(SETTINGS.max_ole2_scan_bytes))
        if kind == "xls":
            return CONTAINERS["xls"]
        if kind == "encrypted":
            raise ReportError(
                path,
                "Office file is encrypted (password-protected); save an unprotected copy",
                code=ErrorCode.ENCRYPTED,
            )
        if kind in ("doc", "wps"):
            raise ReportError(
                path,
                f"old {'Word (.doc)' if kind == 'doc' else 'WPS (.wps)'} format, which this project does not read; "
                "save it as .docx (Word or WPS: 另存为 .docx; LibreOffice: soffice --headless --convert-to docx FILE)",
                code=ErrorCode.UNSUPPORTED_FORMAT,
            )
        raise ReportError(
            path,
            "an old Office (OLE2) file that is neither an Excel workbook nor a Word document",
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )
    if head.startswith(ZIP):
        kind = zip_kind(path)
        if kind in ("xlsx", "docx"):
            return CONTAINERS[kind]
        if kind == "corrupt":
            raise ReportError(
                path,
                "a zip archive (.xlsx/.docx) that is truncated or corrupted; nothing was extracted",
                code=ErrorCode.CORRUPT,
            )
        raise ReportError(
            path,
            "a zip archive that is neither an Excel workbook (.xlsx) nor a Word document (.docx)",
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )
    if is_image(head):
        return CONTAINERS["image"]
    if is_other_word(head):  # RTF, Word 2003 XML: word.py says how to save it as .docx
        return CONTAINERS["docx"]
    if is_html(head) or is_mht(head) or path.suffix.lower() in (".html", ".htm") and b"<" in head:
        return CONTAINERS["html"]
    return None


def read_document(path: Path | str, pdf_engine: str = DEFAULT_PDF_ENGINE) -> Document:
    """Read a raw report, chosen by the file's first bytes rather than its name: text, a PDF (its
    pages parsed by `pdf_engine`'s parser, read/engines.py; OCR'd when it has no usable text
    layer), or a registered container (read/containers.py): workbook, Word, web page, page images,
    or a folder of page images."""
    path = Path(path)
    check_input(path)
    if path.is_dir():
        return read_container(path, CONTAINERS["images"])
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.lstrip().startswith(b"%PDF"):
        try:  # read once: what is parsed is what is hashed (a file replaced meanwhile)
            return read_pdf(path, pdf_engine, path.read_bytes())
        except NoTextLayer as exc:
            try:
                doc = read_container(path, CONTAINERS["pdf_scan"])
            except ReportError as ocr_exc:  # say both: why OCR was tried, and why it did not help
                # the code is the text layer's: that is what a searchable copy of the PDF would mend
                raise ReportError(
                    path, f"{exc.problem}; read by OCR instead: {ocr_exc.problem}", code=exc.code
                ) from ocr_exc
            doc.notes.append(f"{exc.problem}; its pages were read by OCR")
            return doc
    if path.suffix.lower() == ".pdf":
        raise ReportError(
            path, "named .pdf but does not start with a PDF header (truncated or not a PDF)", code=ErrorCode.CORRUPT
        )
    if container := container_of(path, head):
        return read_container(path, container)
    if b"\x00" in head[:1024] and not utf16_encoding(head[:1024]):
        raise ReportError(
            path,
            "binary file that is neither PDF, a workbook, a Word document, a web page nor text",
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )
    return read_text(path, path.read_bytes())
