"""Word documents (`.docx`) read into the one table model (model.py); a clear error for old `.doc` / `.wps`.

The document body is read in order: each paragraph a `TextBlock` (a line break inside it starts a
new one), each table a `TableBlock`. Word stores no page numbers, so pages are counted from the
breaks the author put in: a page break (`Ctrl+Enter`), a paragraph set to start on a new page, and
a section break that starts a new page (landscape table pages are their own section). A table the
author continued after such a break is then an untitled table at the top of the next page, which
the finder joins to the table before, as for a PDF.

Tables: merged cells (`gridSpan`, `vMerge`, the old `hMerge`) are expanded into a full grid whose
covered positions are None (the top-left cell keeps the text), as pdfplumber reports merged cells;
a cell's paragraphs are joined by newlines; positions with no cell at all (`gridBefore`/`gridAfter`,
short rows) are "". A table that holds other tables is a layout frame, its cells read as running text
and its inner tables as tables, unless its own cells hold figures: then the inner table is flattened
into its cell's lines. A one-column table is a box around text, read as text blocks.

Refs: `paragraph 14` (the body's paragraphs counted in order, empty ones and those in content
controls too: python-docx's `Document(path).paragraphs[13]` when there are no content controls),
`table 3 row 5 col 2` (tables counted in document order, nested ones too; rows and grid columns
1-based); a paragraph in a table cell or text box is named by that (`table 1 row 1 col 1`,
`paragraph 2 text box`).

Read with zipfile and lxml rather than python-docx: the cells' merges and the page breaks are in the
XML python-docx does not expose, and reading the package directly also opens `.docm`/`.dotx` and
Strict Open XML files, and names what is wrong with a broken one.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..core.errors import ErrorCode
from ..core.normalize import is_amount, normalize_text
from ..core.settings import SETTINGS
from .containers import OLE2, ZIP, ole2_kind
from .document import ReportError, check_regular
from .model import Layout, Page, TableBlock, TextBlock
from .web import join_split_tables, table_blocks

CONTAINER = "docx"  # its name in read/containers.py

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_STRICT = {  # Strict Open XML namespaces and their transitional twins (same element names)
    b"http://purl.oclc.org/ooxml/wordprocessingml/main": W.encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/relationships": (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ),
}
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
OFFICE_DOCUMENT = re.compile(r"/officeDocument$")
STYLES = re.compile(r"/styles$")
NUMBERING = re.compile(r"/numbering$")
ALT_CHUNK = f"{{{W}}}altChunk"


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Tag and attribute names, built once (they are compared for every element of the body).
W_P = q("p")
W_ABSTRACTNUM = q("abstractNum")
W_ABSTRACTNUMID = q("abstractNumId")  # the attribute on w:abstractNum
W_ABSTRACTNUMID_EL = q("abstractNumId")  # the element in w:num
W_LVL = q("lvl")
W_LVLTEXT = q("lvlText")
W_NUMFMT = q("numFmt")
W_SUFF = q("suff")
W_START = q("start")
W_ISLGL = q("isLgl")
W_ILVL = q("ilvl")  # the attribute on w:lvl
W_ILVL_EL = q("ilvl")  # the element in w:numPr
W_NUM = q("num")
W_NUMID = q("numId")  # the attribute on w:num
W_NUMID_EL = q("numId")  # the element in w:numPr
W_NUMPR = q("numPr")
W_LVLOVERRIDE = q("lvlOverride")
W_STARTOVERRIDE = q("startOverride")
W_R = q("r")
W_VANISH = q("vanish")
W_DRAWING = q("drawing")
W_PICT = q("pict")
W_TBL = q("tbl")
W_TR = q("tr")
W_TC = q("tc")
W_T = q("t")
W_TAB = q("tab")
W_BR = q("br")
W_CR = q("cr")
W_NOBREAKHYPHEN = q("noBreakHyphen")
W_TXBXCONTENT = q("txbxContent")
W_PPR = q("pPr")
W_RPR = q("rPr")
W_DEL = q("del")
W_MOVEFROM = q("moveFrom")
W_INSTRTEXT = q("instrText")
W_DELTEXT = q("delText")
W_SDT = q("sdt")
W_SDTCONTENT = q("sdtContent")
W_CUSTOMXML = q("customXml")
W_SMARTTAG = q("smartTag")
W_PSTYLE = q("pStyle")
W_PAGEBREAKBEFORE = q("pageBreakBefore")
W_SECTPR = q("sectPr")
W_TRPR = q("trPr")
W_TCPR = q("tcPr")
W_GRIDBEFORE = q("gridBefore")
W_GRIDSPAN = q("gridSpan")
W_VMERGE = q("vMerge")
W_HMERGE = q("hMerge")
W_VAL = q("val")
W_TYPE = q("type")
W_BODY = q("body")
W_STYLE = q("style")
W_STYLEID = q("styleId")
W_BASEDON = q("basedOn")


MAX_PART = 256 * 1024 * 1024  # a 决算's document.xml is well under 1 MB; past this it is a zip bomb
_WS = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")  # zero-width marks, soft hyphens
_OLD_WORD = (
    "old Word format ({kind}); save it as .docx (Word: 另存为 .docx; LibreOffice: "
    "soffice --headless --convert-to docx FILE)"
)


# ---------------------------------------------------------------------------------------------
# Opening the package, with what is wrong named.


def check_container(path: Path, head: bytes) -> None:
    """ReportError for what is not a readable .docx: old Word/WPS, encrypted, RTF, not a zip."""
    suffix = path.suffix.lower()
    if head.startswith(OLE2):
        with open(path, "rb") as fh:
            kind = ole2_kind(fh.read(SETTINGS.max_ole2_scan_bytes))
        if kind == "encrypted":
            raise ReportError(
                path,
                "password-protected (encrypted) Word document; open it with its password and save it "
                "without one (Word: 文件 → 信息 → 保护文档 → 用密码进行加密, clear the password), then read it again",
                code=ErrorCode.ENCRYPTED,
            )
        if kind in ("doc", "wps") or suffix in (".doc", ".wps", ".dot", ".wpt"):
            what = "WPS 文字 .wps" if kind == "wps" or suffix in (".wps", ".wpt") else "Word 97-2003 .doc"
            raise ReportError(path, _OLD_WORD.format(kind=what), code=ErrorCode.UNSUPPORTED_FORMAT)
        if kind == "xls":
            raise ReportError(
                path,
                "an Excel 97-2003 workbook (.xls), not a Word document; name it .xls",
                code=ErrorCode.UNSUPPORTED_FORMAT,
            )
        raise ReportError(
            path, "an old Office compound file that is not a Word document", code=ErrorCode.UNSUPPORTED_FORMAT
        )
    start = head.lstrip()[:400].lower()
    if start.startswith(b"<?xml") and (b"worddocument" in head.lower() or b"pkg:package" in head):
        raise ReportError(
            path,
            "a Word XML document (Word 2003 XML / flat XML); open it in Word and save it as .docx",
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )
    if head.lstrip().startswith(b"{\\rtf"):
        raise ReportError(
            path,
            _OLD_WORD.format(kind="RTF").replace("old Word format", "RTF, not .docx"),
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )
    if not head.startswith(ZIP):
        if head.startswith(b"PK\x05\x06"):
            raise ReportError(path, "an empty zip archive, not a Word document", code=ErrorCode.EMPTY_FILE)
        raise ReportError(
            path,
            f"named {suffix or 'a Word document'} but is not a Word (.docx) file",
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )


def _zip_read(z: zipfile.ZipFile, name: str, path: Path) -> bytes:
    info = z.getinfo(name)
    if info.file_size > MAX_PART:
        raise ReportError(
            path,
            f"{name} inside the document unpacks to {info.file_size / 2**20:.0f} MB; not read",
            code=ErrorCode.TOO_LARGE,
        )
    try:
        return z.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ReportError(
            path, f"the .docx is damaged: {name} cannot be unpacked ({exc})", code=ErrorCode.CORRUPT
        ) from None
    except RuntimeError as exc:  # an encrypted zip member
        raise ReportError(
            path, f"the .docx is damaged or encrypted: {name} ({exc})", code=ErrorCode.ENCRYPTED
        ) from None


def _xml(data: bytes, name: str, path: Path):
    from lxml import etree

    for strict, transitional in _STRICT.items():
        data = data.replace(strict, transitional)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ReportError(
            path, f"the .docx is damaged: {name} is not well-formed XML ({exc})", code=ErrorCode.CORRUPT
        ) from None


def _rels(z: zipfile.ZipFile, names: dict[str, str], part: str, path: Path) -> list[tuple[str, str]]:
    """(type, part name) of a part's relationships."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels.lower() not in names:
        return []
    root = _xml(_zip_read(z, names[rels.lower()], path), rels, path)
    out = []
    for r in root:
        if r.get("TargetMode") == "External":
            continue
        target = unquote(r.get("Target", ""))
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append((r.get("Type", ""), target))
    return out


@dataclass
class Package:
    document: Any  # the main part's root element
    styles: Any = None
    numbering: Any = None
    embedded: list[str] = field(default_factory=list)  # workbooks embedded as objects (word/embeddings/)


def open_docx(path: Path) -> Package:
    """The parts of a .docx/.docm/.dotx package this reader uses."""
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ReportError(
            path, "the .docx is damaged or truncated (its zip directory cannot be read)", code=ErrorCode.CORRUPT
        ) from None
    with z:
        names = {n.lower(): n for n in z.namelist()}
        main = next((t for typ, t in _rels(z, names, "", path) if OFFICE_DOCUMENT.search(typ)), None)
        if main is None or main.lower() not in names:
            if "word/document.xml" in names:
                main = "word/document.xml"
            elif "xl/workbook.xml" in names:
                raise ReportError(
                    path,
                    "an Excel workbook (.xlsx), not a Word document; name it .xlsx",
                    code=ErrorCode.UNSUPPORTED_FORMAT,
                )
            else:
                raise ReportError(
                    path,
                    "a zip archive with no Word document in it (no word/document.xml)",
                    code=ErrorCode.UNSUPPORTED_FORMAT,
                )
        pkg = Package(_xml(_zip_read(z, names[main.lower()], path), main, path))
        for typ, target in _rels(z, names, main, path):
            if target.lower() not in names:
                continue
            if STYLES.search(typ):
                pkg.styles = _xml(_zip_read(z, names[target.lower()], path), target, path)
            elif NUMBERING.search(typ):
                pkg.numbering = _xml(_zip_read(z, names[target.lower()], path), target, path)
        pkg.embedded = [n for n in z.namelist() if re.search(r"/embeddings/.*\.(xlsx?|xlsm|bin)$", n, re.I)]
    return pkg


# ---------------------------------------------------------------------------------------------
# Reading the body.


def _on(el) -> bool:
    """A Word on/off property: present and not switched off."""
    if el is None:
        return False
    return el.get(W_VAL, "true").lower() not in ("0", "false", "off")


def _styles_breaking(styles) -> set[str]:
    """Paragraph style ids that start a new page (pageBreakBefore, directly or from a base style)."""
    if styles is None:
        return set()
    own: dict[str, bool | None] = {}
    based: dict[str, str] = {}
    for s in styles.iter(W_STYLE):
        sid = s.get(W_STYLEID)
        if not sid:
            continue
        pbb = s.find(f"{q('pPr')}/{q('pageBreakBefore')}")
        own[sid] = None if pbb is None else _on(pbb)
        b = s.find(W_BASEDON)
        if b is not None and b.get(W_VAL):
            based[sid] = b.get(W_VAL, "")
    out = set()
    for sid in own:
        cur, seen = sid, set()
        while cur in own and cur not in seen:
            seen.add(cur)
            if own[cur] is not None:
                if own[cur]:
                    out.add(sid)
                break
            cur = based.get(cur, "")
    return out


_CN_DIGITS = "〇一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _chinese(n: int) -> str:
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _CN_DIGITS[tens]) + "十" if tens else "") + (_CN_DIGITS[ones] if ones else "")


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L")):
        while n >= value:
            out, n = out + sym, n - value
    for value, sym in ((40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def number_text(n: int, fmt: str) -> str:
    """A list number as Word prints it in the given w:numFmt."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return _chinese(n)
    if fmt == "ideographDigital":
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _TIANGAN[n - 1]
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter") and n >= 1:
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and n >= 1:
        return _roman(n).lower() if fmt == "lowerRoman" else _roman(n)
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    start: int
    fmt: str
    text: str
    legal: bool  # isLgl: every level's number in decimal
    suffix: str  # what follows the number: tab, space or nothing


class Numbering:
    """Word's automatic list numbers (一、 （一） 1. …): printed, but not in the paragraph's text."""

    def __init__(self, numbering, styles) -> None:
        self.levels: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → (abstractNumId, start overrides)
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        self.by_style: dict[str, tuple[str | None, int | None]] = {}
        if numbering is not None:
            for a in numbering.iter(W_ABSTRACTNUM):
                lv: dict[int, _Level] = {}
                for el in a.iter(W_LVL):
                    text = el.find(W_LVLTEXT)
                    fmt = el.find(W_NUMFMT)
                    suff = el.find(W_SUFF)
                    lv[_int_attr(el, W_ILVL, 0)] = _Level(
                        _int(el.find(W_START), 1),
                        fmt.get(W_VAL, "decimal") if fmt is not None else "decimal",
                        text.get(W_VAL, "") if text is not None else "",
                        _on(el.find(W_ISLGL)),
                        suff.get(W_VAL, "tab") if suff is not None else "tab",
                    )
                self.levels[a.get(W_ABSTRACTNUMID, "")] = lv
            for n in numbering.iter(W_NUM):
                ref = n.find(W_ABSTRACTNUMID_EL)
                overrides = {
                    _int_attr(o, W_ILVL, 0): _int(o.find(W_STARTOVERRIDE), 1)
                    for o in n.iter(W_LVLOVERRIDE)
                    if o.find(W_STARTOVERRIDE) is not None
                }
                self.nums[n.get(W_NUMID, "")] = (ref.get(W_VAL, "") if ref is not None else "", overrides)
        if styles is not None and self.nums:
            own: dict[str, tuple[str | None, int | None]] = {}
            based: dict[str, str] = {}
            for st in styles.iter(W_STYLE):
                sid = st.get(W_STYLEID, "")
                npr = st.find(f"{W_PPR}/{W_NUMPR}")
                if npr is not None:
                    nid, lvl = npr.find(W_NUMID_EL), npr.find(W_ILVL_EL)
                    own[sid] = (nid.get(W_VAL) if nid is not None else None, _int(lvl, 0) if lvl is not None else None)
                b = st.find(W_BASEDON)
                if b is not None:
                    based[sid] = b.get(W_VAL, "")
            for sid in set(own) | set(based):
                cur, seen = sid, set()
                while cur and cur not in own and cur not in seen:
                    seen.add(cur)
                    cur = based.get(cur, "")
                if cur in own:
                    self.by_style[sid] = own[cur]

    def prefix(self, ppr) -> str:
        """The number printed before this paragraph ("" if none), counting it."""
        if not self.nums:
            return ""
        num_id, ilvl = None, None
        npr = ppr.find(W_NUMPR) if ppr is not None else None
        if npr is not None:
            nid, lvl = npr.find(W_NUMID_EL), npr.find(W_ILVL_EL)
            num_id = nid.get(W_VAL) if nid is not None else None
            ilvl = _int(lvl, 0) if lvl is not None else None
        style = ppr.find(W_PSTYLE) if ppr is not None else None
        if style is not None and (num_id is None or ilvl is None):
            s_id, s_lvl = self.by_style.get(style.get(W_VAL, ""), (None, None))
            num_id = num_id if num_id is not None else s_id
            ilvl = ilvl if ilvl is not None else s_lvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        ilvl = min(max(ilvl or 0, 0), 8)
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for k, v in overrides.items():
                if 0 <= k < 9:
                    counters[k] = v - 1
        cur = counters[ilvl]
        counters[ilvl] = levels[ilvl].start if cur is None else cur + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        level = levels[ilvl]
        if level.fmt == "bullet":
            return ""

        def fill(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            lv = levels.get(k)
            n = counters[k] if counters[k] is not None else (lv.start if lv else 1)
            return number_text(n or 0, "decimal" if level.legal and k != ilvl else (lv.fmt if lv else "decimal"))

        text = re.sub(r"%([1-9])", fill, level.text)
        if not text:
            return ""
        # after 、 ． ） the number needs no space; a tab or space after `1.` reads as one space
        return text if level.suffix == "nothing" or re.search(r"[、．）)】〕]$", text) else text + " "


def _int_attr(el, name: str, default: int) -> int:
    try:
        return int(el.get(name))
    except (TypeError, ValueError):
        return default


def _wrapped(el, tags: tuple[str, ...]):
    """Children with the given tags, looking through content controls and custom XML wrappers."""
    for child in el:
        tag = child.tag
        if tag in tags:
            yield child
        elif tag in (W_SDT, W_CUSTOMXML, W_SMARTTAG):
            inner = child.find(W_SDTCONTENT) if tag == W_SDT else child
            if inner is not None:
                yield from _wrapped(inner, tags)


# Inside a paragraph: properties, deleted and moved-away text, field codes hold nothing printed.
_NOT_TEXT = frozenset((W_PPR, W_RPR, W_DEL, W_MOVEFROM, W_INSTRTEXT, W_DELTEXT))


def _runs(p):
    """A paragraph's content in order: text, "\\n" (line break), "\\f" (page break), and its text boxes."""
    stack = [iter(p)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        tag = el.tag
        if not isinstance(tag, str) or tag == MC_FALLBACK:
            continue  # the fallback copy of alternate content repeats the choice
        if tag == W_T:
            yield el.text or ""
        elif tag == W_R:
            rpr = el.find(W_RPR)
            if rpr is None or not _on(rpr.find(W_VANISH)):  # hidden text is not printed
                stack.append(iter(el))
        elif tag == W_TAB:
            yield "\t"
        elif tag in (W_BR, W_CR):
            kind = el.get(W_TYPE)
            yield "\f" if kind == "page" else "" if kind == "column" else "\n"
        elif tag == W_NOBREAKHYPHEN:
            yield "-"
        elif tag == W_TXBXCONTENT:
            yield el  # a text box: read as paragraphs of its own
        elif tag in _NOT_TEXT:
            continue
        else:
            stack.append(iter(el))


def _line(s: str) -> str:
    return _WS.sub(" ", normalize_text(_INVISIBLE.sub("", s))).strip()


class _Reader:
    def __init__(self, breaking_styles: set[str], section_types: list[str | None], numbering: Numbering) -> None:
        self.pages: list[Page] = [Page(1)]
        self.numbering = numbering
        self.n_para = 0
        self.n_tables = 0
        self.breaking = breaking_styles
        self.sections = section_types  # the type of each section, in order (how it starts)
        self.section = 0
        self.notes: list[str] = []
        self.alt_chunk_noted = False  # an embedded file (altChunk) is noted once
        self.cell_ref = "table"  # the ref of paragraphs inside a table cell or a text box being read

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(Page(self.page.number + 1))

    def add(self, block: TextBlock | TableBlock) -> None:
        self.page.blocks.append(block)

    def body(self, el, nested: bool = False) -> None:
        for child in _wrapped(el, (W_P, W_TBL, ALT_CHUNK)):
            if child.tag == W_P:
                self.paragraph(child, nested)
            elif child.tag == W_TBL:
                self.table(child)
            elif not self.alt_chunk_noted:
                self.alt_chunk_noted = True
                self.notes.append(
                    "the document embeds content from another file (altChunk) that was not read; open it "
                    "in Word and save it again as .docx to make that content part of the document"
                )

    def paragraph(self, p, nested: bool) -> None:
        ref = None
        if not nested:
            self.n_para += 1
            ref = f"paragraph {self.n_para}"
        ppr = p.find(W_PPR)
        style = ppr.find(W_PSTYLE) if ppr is not None else None
        # Word ignores "page break before" inside a table cell; the paragraph's own setting outranks its style's.
        direct = ppr.find(W_PAGEBREAKBEFORE) if ppr is not None else None
        breaks_before = not nested and (
            _on(direct) if direct is not None else style is not None and style.get(W_VAL) in self.breaking
        )
        if breaks_before and (self.page.blocks or self.page.number > 1):
            self.new_page()
        ref = ref or self.cell_ref
        parts: list[str] = [self.numbering.prefix(ppr)]
        boxes = []

        def emit() -> None:
            text = "".join(parts)
            parts.clear()
            for line in text.split("\n"):
                if line := _line(line):
                    self.add(TextBlock(line, ref))

        for piece in _runs(p):
            if not isinstance(piece, str):
                boxes.append(piece)
            elif piece == "\f":
                emit()
                self.new_page()
            else:
                parts.append(piece)
        emit()
        for box in boxes:
            self._box(box, ref)
        sect = ppr.find(W_SECTPR) if ppr is not None else None
        if sect is not None:  # this paragraph ends a section; the next one says how it starts
            self.section += 1
            kind = self.sections[self.section] if self.section < len(self.sections) else None
            if kind not in ("continuous", "nextColumn"):
                self.new_page()

    def _box(self, box, ref: str) -> None:
        saved = self.cell_ref
        self.cell_ref = f"{ref} text box"
        self.body(box, nested=True)
        self.cell_ref = saved

    def table(self, tbl) -> None:
        self.n_tables += 1
        ref = f"table {self.n_tables}"
        nested = sum(1 for _ in tbl.iterdescendants(W_TBL))
        if nested and _figures(tbl) < 3:
            # A layout frame around other content: its cells as running text, inner tables as tables.
            for r, tr in enumerate(_wrapped(tbl, (W_TR,)), start=1):
                for c, tc in enumerate(_wrapped(tr, (W_TC,)), start=1):
                    saved = self.cell_ref
                    self.cell_ref = f"{ref} row {r} col {c}"
                    self.body(tc, nested=True)
                    self.cell_ref = saved
            return
        self.n_tables += nested  # flattened into their cells' lines, still counted
        for block in table_blocks(table_grid(tbl, self.numbering), ref):
            self.add(block)


def _figures(tbl) -> int:
    """How many of the table's own cells (not those holding a table) are figures."""
    return sum(
        1
        for tr in _wrapped(tbl, (W_TR,))
        for tc in _wrapped(tr, (W_TC,))
        if tc.find(f".//{W_TBL}") is None and is_amount(cell_text(tc))
    )


def cell_text(tc, numbering: Numbering | None = None) -> str:
    """A cell's text: its paragraphs' lines (and its text boxes') joined by newlines; a table inside
    it as one line per row."""
    lines: list[str] = []
    for p in _wrapped(tc, (W_P, W_TBL)):
        if p.tag == W_TBL:
            for tr in _wrapped(p, (W_TR,)):
                cells = [cell_text(c, numbering).replace("\n", " ") for c in _wrapped(tr, (W_TC,))]
                lines.append(" ".join(c for c in cells if c))
            continue
        parts: list[str] = [numbering.prefix(p.find(W_PPR))] if numbering else []
        for x in _runs(p):
            if isinstance(x, str):
                parts.append(x)
            else:
                lines.append(cell_text(x, numbering))
        lines += [t for t in (_line(s) for s in "".join(parts).replace("\f", "\n").split("\n")) if t]
    return "\n".join(t for t in lines if t)


def _int(el, default: int) -> int:
    try:
        return max(0, int(el.get(W_VAL))) if el is not None else default
    except (TypeError, ValueError):
        return default


def table_grid(tbl, numbering: Numbering | None = None) -> list[list[str | None]]:
    """The table as a full grid: merges expanded, covered positions None, positions without a cell ""."""
    grid: list[list[str | None]] = []
    above: set[int] = set()  # grid columns that held a cell in the row above
    for tr in _wrapped(tbl, (W_TR,)):
        trpr = tr.find(W_TRPR)
        col = _int(trpr.find(W_GRIDBEFORE) if trpr is not None else None, 0)
        row: list[str | None] = [""] * col
        here: set[int] = set()
        for tc in _wrapped(tr, (W_TC,)):
            tcpr = tc.find(W_TCPR)
            span = max(1, _int(tcpr.find(W_GRIDSPAN) if tcpr is not None else None, 1))
            vmerge = tcpr.find(W_VMERGE) if tcpr is not None else None
            hmerge = tcpr.find(W_HMERGE) if tcpr is not None else None
            continued = vmerge is not None and vmerge.get(W_VAL, "continue") == "continue" and col in above
            if hmerge is not None and hmerge.get(W_VAL, "continue") == "continue" and row:
                text: str | None = None  # the old horizontal merge: covered by the cell to the left
            else:
                text = None if continued else cell_text(tc, numbering)
            row.append(text)
            row += [None] * (span - 1)
            here.update(range(col, col + span))
            col += span
        grid.append(row)
        above = here
    width = max((len(r) for r in grid), default=0)
    return [r + [""] * (width - len(r)) for r in grid]


def read_layout(path: Path) -> Layout:
    """The Word document as pages of text and table blocks; ReportError for old formats and broken files."""
    path = Path(path)
    check_regular(path)
    if path.stat().st_size == 0:
        raise ReportError(path, "the file is empty", code=ErrorCode.EMPTY_FILE)
    with open(path, "rb") as fh:
        head = fh.read(2048)
    check_container(path, head)
    pkg = open_docx(path)
    body = pkg.document.find(W_BODY)
    if body is None:
        raise ReportError(
            path, "the .docx has no document body (word/document.xml holds no w:body)", code=ErrorCode.CORRUPT
        )
    # Each section's properties end it: in the last paragraph of the section, the last in the body.
    sections = [s.find(W_TYPE) for s in body.iter(W_SECTPR) if s.getparent().tag in (W_PPR, W_BODY)]
    reader = _Reader(
        _styles_breaking(pkg.styles),
        [None if t is None else t.get(W_VAL) for t in sections],
        Numbering(pkg.numbering, pkg.styles),
    )
    reader.body(body)
    pages = reader.pages
    for page in pages:  # a table cut in two with only empty paragraphs between, on one page
        page.blocks = join_split_tables(page.blocks)
    while len(pages) > 1 and not pages[-1].blocks:
        pages.pop()  # the break after the last paragraph starts no printed page
    blocks = [b for p in pages for b in p.blocks]
    if not blocks:
        raise ReportError(
            path,
            "the Word document is empty (no text and no tables)" + _notes_tail(reader.notes),
            code=ErrorCode.EMPTY_FILE,
        )
    has_table = any(isinstance(b, TableBlock) for b in blocks)
    if not has_table and pkg.embedded:
        reader.notes.append(
            f"the document has no Word tables but embeds {len(pkg.embedded)} object(s) "
            f"({', '.join(pkg.embedded[:3])}): its tables may be Excel sheets pasted as objects; open each "
            "(double-click in Word) and save it as .xlsx to read it"
        )
    elif not has_table and any(True for _ in body.iter(W_DRAWING, W_PICT)):
        reader.notes.append(
            "the document has no Word tables but has pictures: its tables may be pictures of tables; "
            "export those pages as images and read them by OCR"
        )
    if not has_table and not any("决算" in b.text for b in blocks if isinstance(b, TextBlock)):
        raise ReportError(
            path,
            "the Word document has no tables and no 决算 text, so it is not a 部门决算",
            code=ErrorCode.NOT_A_REPORT,
        )
    return Layout(CONTAINER, pages, reader.notes)


def _notes_tail(notes: list[str]) -> str:
    return "; " + "; ".join(notes) if notes else ""
