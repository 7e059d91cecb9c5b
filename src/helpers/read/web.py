"""政务公开 web pages (`.html`, `.htm`) read into the one table model (model.py).

A web page is one `Page`: its text and tables in document order.

- Encoding: a byte-order mark wins (as in a browser); else bytes that are valid UTF-8 are UTF-8
  whatever the page declares (a page re-saved as UTF-8 often keeps its old `charset=gb2312`, while
  GBK text is practically never valid UTF-8); else the page's own declaration (`<meta charset>`,
  `<meta http-equiv=Content-Type>`, `<?xml encoding?>`), GBK and GB2312 read as GB18030 (their
  superset); else GB18030. A page that decodes under none of these is read with replacement
  characters and says so in `Layout.notes`.
- Text: one `TextBlock` per block-level element (p, div, h1-h6, li, td of a layout table …) and per
  `<br>`-separated line; whitespace collapsed as a browser does, `&nbsp;` as a space. Script, style,
  nav, aside, forms and elements hidden with `display:none` or `hidden` are skipped.
- Tables: `<td>` and `<th>` alike are cells; rowspan/colspan are expanded into a full grid whose
  covered positions are None (the top-left cell keeps the text), as pdfplumber reports merged
  cells; a cell's lines (`<br>`, `<p>`) are joined by newlines; `<tfoot>` rows come last, as
  displayed; `<caption>` is the table's title (a text block above it). A table that holds other
  tables, or whose cell holds an article, is a layout table: its cells are read as running text and
  its inner tables as tables; but a table whose own cells hold figures is a table of figures, and a
  table inside one of its cells is flattened into that cell's lines. A one-column table is a box
  around text, read as text blocks; title, 单位 and note rows inside a table are lifted out as text.
- Refs: `table 3 row 5 col 2` (tables counted in document order, every `<table>` element, nested
  ones too, as `document.querySelectorAll('table')` lists them; rows and columns 1-based in the
  expanded grid), `paragraph 14` (text blocks counted in order).

Parser: lxml.html (libxml2), about 50× faster than html5lib on these pages and as forgiving on the
malformed markup 政务公开 sites produce (unclosed `<p>`/`<td>`, tables inside `<p>`); see the README.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..core.errors import ErrorCode
from ..core.normalize import compact, is_amount, normalize_text
from .containers import is_mht
from .document import ReportError, check_regular, utf16_encoding
from .model import Cell, Layout, Page, TableBlock, TextBlock

CONTAINER = "html"  # its name in read/containers.py

# Elements whose content is not part of the page a reader sees.
SKIP = {
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "aside",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "canvas",
    "select",
    "option",
    "button",
    "textarea",
    "input",
    "map",
    "audio",
    "video",
    "del",  # struck-out text is not what the page says
    "s",
    "strike",
}
# Elements that start and end a line of text (everything else is inline).
BLOCK = {
    "address",
    "article",
    "blockquote",
    "body",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "listing",
    "main",
    "menu",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "ul",
    "xmp",
    "caption",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "tfoot",
    "table",
}
_WS = re.compile(r"\s+")  # any Unicode space: &nbsp; &ensp; the ideographic space …
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")  # zero-width marks, soft hyphens
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Declared labels a browser reads as another encoding (WHATWG Encoding Standard), in Python's names.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "iso-ir-58": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "utf8": "utf-8",
    "unicode": "utf-8",  # an 8-bit page that claims UTF-16 is read as UTF-8 by browsers
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}
_REPORT_WORDS = ("决算", "決算")
_ATTACHMENT = re.compile(r"\.(pdf|xlsx?|docx?|wps|et|zip|rar)(\?|#|$)", re.I)
MAX_BYTES = 64 * 1024 * 1024  # a 决算 page is tens of KB; past this it is not one


def _declared(data: bytes) -> str | None:
    head = data[:65536]
    m = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def _codec(label: str) -> str | None:
    name = _ALIASES.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding used, notes) for a web page's bytes; see the module docstring for the order."""
    notes: list[str] = []
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff"), enc, notes
    if enc16 := utf16_encoding(data[:1024]):  # UTF-16 without a BOM (NUL in every other byte)
        return data.decode(enc16, errors="replace"), enc16, notes
    label = _declared(data)
    declared = _codec(label) if label else None
    if label and declared is None:
        notes.append(f"the page declares an unknown charset {label!r}; it was ignored")
    if not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if declared not in (None, "utf-8"):
                notes.append(f"the page declares charset {label!r} but its bytes are UTF-8; read as UTF-8")
            return text, "utf-8", notes
    for enc in dict.fromkeys(e for e in (declared, "gb18030") if e):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if declared and enc != declared:
            notes.append(f"the page declares charset {label!r} but does not decode as it; read as {enc}")
        return text, enc, notes
    enc = declared or "gb18030"
    text = data.decode(enc, errors="replace")
    notes.append(
        f"the page does not decode as {label or 'UTF-8 or GB18030'}; {text.count(chr(0xFFFD))} "
        "undecodable bytes were replaced by �"
    )
    return text, enc, notes


# A source line break between two Chinese characters is no space (the page wraps its source lines).
_CJK_WRAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t\r\f]*\n[ \t\r\n\f]*(?=[\u3000-\u9fff\uff00-\uffef])")


def _collapse(s: str) -> str:
    return _WS.sub(" ", normalize_text(_CJK_WRAP.sub("", _INVISIBLE.sub("", s)))).strip()


def _hidden(el) -> bool:
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(el.get("style") or ""))


# The site around the article: its banner, menus, breadcrumb and footer. Named by whole class/id
# tokens only (`article-head` is the article's own heading, not the site's header).
_CHROME_NAMES = {
    "header",
    "top",
    "topbar",
    "banner",
    "nav",
    "navbar",
    "menu",
    "crumb",
    "crumbs",
    "breadcrumb",
    "bread",
    "location",
    "position",
    "footer",
    "foot",
    "bottom",
    "sidebar",
    "copyright",
    "share",
    "toolbar",
}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar"}
_BREADCRUMB = re.compile(r"^(当前位置|您现在的位置|您的位置|所在位置|位置)?\s*[:：]?\s*(首页|网站首页|主页)\s*[>＞»›/]")


def _chrome(el) -> bool:
    """Site chrome, not the report: a banner, menu, breadcrumb or footer, or a link list (navigation,
    related links) with no table in it."""
    tokens = set((el.get("class") or "").lower().split()) | {(el.get("id") or "").lower()}
    # <header>/<footer> of the page (not of an <article>) are the site's
    page_part = el.tag in ("header", "footer") and not any(a.tag in ("article", "main") for a in el.iterancestors())
    if page_part or tokens & _CHROME_NAMES or (el.get("role") or "").lower() in _CHROME_ROLES:
        if any(w in h.text_content() for h in el.iter("h1", "h2", "h3") for w in _REPORT_WORDS):
            return False  # the report's own title, in a box the site calls its top
        # a box named for a position (top, bottom) may hold the report's tables; a menu never does
        return (
            page_part
            or bool(tokens & {"header", "footer", "nav", "navbar", "menu"})
            or not any(True for _ in el.iter("table"))
        )
    if el.tag not in ("div", "ul", "ol", "dl", "section", "p", "td"):
        return False
    text = _WS.sub("", el.text_content())
    if not text:
        return False
    if _BREADCRUMB.match(text):
        return True
    links = sum(len(_WS.sub("", a.text_content())) for a in el.iter("a"))
    return len(text) >= 8 and links >= 0.7 * len(text) and not any(True for _ in el.iter("table"))


def _span(el, name: str, limit: int) -> int:
    if el.get(name) is None:
        return 1
    try:
        v = int(re.sub(r"[^\d].*$", "", (el.get(name) or "1").strip()) or "1")
    except ValueError:
        return 1
    return max(1, min(v, limit)) if v != 0 else 0  # rowspan=0: to the end of the row group


def _tag(el) -> str | None:
    t = el.tag
    return t.lower() if isinstance(t, str) else None


def _rows(table) -> list[list[list]]:
    """The table's own rows (not a nested table's) by row group, `<tfoot>` last; a row is its cells.
    Rows directly under `<table>` form one group, as a browser's implied `<tbody>`."""
    groups: list[list[list]] = []
    foot: list[list[list]] = []
    loose: list[list] | None = None

    def cells(tr) -> list:
        return [c for c in tr if _tag(c) in ("td", "th") and not _hidden(c)]

    for child in table:
        tag = _tag(child)
        if tag == "tr" and not _hidden(child):
            if loose is None:
                loose = []
                groups.append(loose)
            loose.append(cells(child))
        elif tag in ("thead", "tbody", "tfoot") and not _hidden(child):
            loose = None
            group = [cells(tr) for tr in child if _tag(tr) == "tr" and not _hidden(tr)]
            (foot if tag == "tfoot" else groups).append(group)
    return groups + foot


def table_grid(table, cell_text) -> list[list[str | None]]:
    """The table as a full grid: spans expanded, covered positions None, missing positions ""."""
    grid: list[list[str | None]] = []
    for group in _rows(table):
        covered: list[set[int]] = [set() for _ in group]  # per row of the group: columns taken by a cell
        base = len(grid)
        for r, row in enumerate(group):
            out: dict[int, str | None] = {}
            col = 0
            for cell in row:
                while col in covered[r]:
                    col += 1
                cs = _span(cell, "colspan", 1000) or 1
                rs = _span(cell, "rowspan", 65534)
                rs = len(group) - r if rs == 0 else min(rs, len(group) - r)
                for dr in range(rs):
                    covered[r + dr].update(range(col, col + cs))
                out[col] = cell_text(cell, base + r + 1, col + 1)
                col += cs
            width = max(covered[r], default=-1) + 1
            grid.append([out[c] if c in out else (None if c in covered[r] else "") for c in range(width)])
    width = max((len(r) for r in grid), default=0)
    return [r + [""] * (width - len(r)) for r in grid]


# A row holding only a table's title, its 单位/编制单位 line, or a note: printed around the table,
# though the page put it inside (pages and documents exported from Excel do).
_CAPTION_ABOVE = re.compile(r"(表|表[(（]?续[)）]?|续表)$|单位[:：]|^公开\d+表|^(编制|填报)(单位|日期)")
_CAPTION_BELOW = re.compile(r"^(注|说明|备注|附注)\s*\d*[:：、.]")


def _caption_row(row: list[str | None]) -> bool:
    """Only a title, 单位/编制单位 line or 公开NN表 label, in one cell or spread over a few
    (`编制单位：某局 | | 单位：万元`)."""
    texts = [c for c in row if c]
    return bool(texts) and all(len(t) <= 60 and _CAPTION_ABOVE.search(compact(t)) for t in texts)


def _lone_text(row: list[str | None]) -> str | None:
    texts = [c for c in row if c]
    return texts[0] if len(texts) == 1 else None


def caption_rows(grid: list[list[str | None]]) -> tuple[int, int]:
    """How many leading rows are the table's title/unit lines and how many trailing rows its notes
    (a table of nothing else, a borderless box for the 单位 line, is all leading rows)."""
    lead = 0
    while lead < len(grid) and _caption_row(grid[lead]):
        lead += 1
    trail = 0
    while len(grid) - trail - 1 >= lead:
        t = _lone_text(grid[len(grid) - trail - 1])
        if not t or not _CAPTION_BELOW.match(t.strip()):
            break
        trail += 1
    return lead, trail


def table_blocks(grid: list[list[str | None]], ref: str) -> list[TextBlock | TableBlock]:
    """A table's grid as blocks: its title/unit rows as text above, the table, its note rows below;
    a one-column table (a box around text) as text blocks. Rows keep their numbers in the refs."""
    out: list[TextBlock | TableBlock] = []
    if not any(c for row in grid for c in row):
        return out  # a spacer or an empty frame
    width = max(len(r) for r in grid)
    lead, trail = (len(grid), 0) if width == 1 else caption_rows(grid)

    def text(rows: range) -> None:
        for r in rows:
            for cell in grid[r]:
                for line in (cell or "").split("\n"):
                    if line.strip():
                        out.append(TextBlock(line.strip(), f"{ref} row {r + 1}"))

    text(range(lead))
    body = range(lead, len(grid) - trail)
    if len(body):
        rows = [[Cell(t, f"{ref} row {r + 1} col {c}") for c, t in enumerate(grid[r], start=1)] for r in body]
        out.append(TableBlock(rows, ref, row_refs=[f"{ref} row {r + 1}" for r in body]))
    text(range(len(grid) - trail, len(grid)))
    return out


def join_split_tables(blocks: list[TextBlock | TableBlock]) -> list[TextBlock | TableBlock]:
    """Tables one after another with nothing between them and the same columns are one table split
    for display (a fixed header row in a table of its own, a table cut where the source's page ended);
    the joined table's notes say so."""
    out: list[TextBlock | TableBlock] = []
    for b in blocks:
        prev = out[-1] if out else None
        if isinstance(b, TableBlock) and isinstance(prev, TableBlock) and b.width == prev.width:
            prev.rows += b.rows
            prev.row_refs = (prev.row_refs or [prev.ref] * (len(prev.rows) - len(b.rows))) + (
                b.row_refs or [b.ref] * len(b.rows)
            )
            prev.notes.append(
                f"{b.ref} follows {prev.ref} with nothing between and the same columns: read as one table"
            )
            continue
        out.append(b)
    return out


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_PARAGRAPHS = {"p", "div", "ul", "ol", "blockquote", "section", "article"}


def is_layout_table(table) -> bool:
    """A table used to lay out the page rather than a table of figures: it holds other tables, or a
    cell of it holds an article (a heading, several paragraphs, or a long text). A table whose own
    cells hold figures is a table of figures whatever else its cells hold."""
    own = [cell for group in _rows(table) for row in group for cell in row]

    def article(cell) -> bool:
        blocks = [c for c in cell.iter() if _tag(c) in _PARAGRAPHS or _tag(c) in _HEADINGS]
        return (
            any(_tag(c) in _HEADINGS for c in blocks) or len(blocks) >= 3 or len(_WS.sub("", cell.text_content())) > 300
        )

    if not any(True for _ in table.iterdescendants("table")) and not any(article(c) for c in own):
        return False
    figures = sum(
        1 for cell in own if not any(True for _ in cell.iterdescendants("table")) and is_amount(cell_text(cell))
    )
    return figures < 3


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[TextBlock | TableBlock] = []
        self.line: list[str] = []
        self.n_tables = 0
        self.n_text = 0

    # Running text ---------------------------------------------------------------------------
    def flush(self) -> None:
        text = _collapse("".join(self.line))
        self.line = []
        if text:
            self.n_text += 1
            self.blocks.append(TextBlock(text, f"paragraph {self.n_text}"))

    def walk(self, el, depth: int = 0) -> None:
        tag = _tag(el)
        if tag is None:  # comment or processing instruction: only its tail is text
            return
        if tag in SKIP or _hidden(el):
            return
        if tag == "br":
            self.flush()
            return
        if tag in BLOCK and tag != "body" and _chrome(el):
            return  # site chrome: banner, menus, breadcrumb, footer, link lists
        if tag == "table":
            self.flush()
            self.table(el, depth)
            return
        block = tag in BLOCK
        if block:
            self.flush()
        if depth > 400:  # absurd nesting: the rest as plain text
            self.line.append(" ".join(el.itertext()))
        else:
            if el.text:
                self.line.append(el.text)
            for child in el:
                self.walk(child, depth + 1)
                if child.tail:
                    self.line.append(child.tail)
        if block:
            self.flush()

    # Tables -----------------------------------------------------------------------------------
    def table(self, el, depth: int) -> None:
        self.n_tables += 1
        number = self.n_tables
        for cap in (c for c in el if _tag(c) == "caption"):
            self.walk(cap, depth + 1)
        # Text loose between rows is shown above the table by a browser (foster parenting).
        stray = [el.text or ""] + [c.tail or "" for c in el if _tag(c) in ("tr", "thead", "tbody", "tfoot", "caption")]
        stray += [c.tail or "" for g in el if _tag(g) in ("thead", "tbody", "tfoot") for c in g]
        for t in stray:
            self.line.append(t)
            self.flush()
        if is_layout_table(el):
            # A layout table: its cells are running text around the tables inside it.
            for group in _rows(el):
                for row in group:
                    for cell in row:
                        self.walk(cell, depth + 1)
            return

        def text(cell, r: int, c: int) -> str:
            return cell_text(cell)

        # a table inside a cell of figures is flattened into the cell's lines; it is still counted
        self.n_tables += sum(1 for _ in el.iterdescendants("table"))

        self.blocks += table_blocks(table_grid(el, text), f"table {number}")


def cell_text(cell) -> str:
    """A cell's text: its lines (`<br>`, block elements) joined by newlines, whitespace collapsed."""
    lines: list[str] = []
    cur: list[str] = []

    def brk() -> None:
        t = _collapse("".join(cur))
        cur.clear()
        if t:
            lines.append(t)

    def walk(el, depth: int) -> None:
        tag = _tag(el)
        if tag is None or tag in SKIP or _hidden(el):
            return
        if tag == "br":
            brk()
            return
        block = tag in BLOCK and depth > 0
        if block:
            brk()
        if el.text:
            cur.append(el.text)
        for child in el:
            walk(child, depth + 1)
            if child.tail:
                cur.append(child.tail)
        if block:
            brk()

    walk(cell, 0)
    brk()
    return "\n".join(lines)


def mht_html(data: bytes) -> bytes | None:
    """The HTML part of a single-file web page, re-encoded with its charset declared, or None."""
    import email
    from email import policy

    msg = email.message_from_bytes(data, policy=policy.compat32)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            body = part.get_payload(decode=True)
            if not isinstance(body, bytes):
                return None
            charset = part.get_content_charset()
            if charset and _codec(charset.lower()) and not _declared(body):
                body = f'<meta charset="{charset}">'.encode("ascii") + body
            return body
    return None


def _parse(text: str):
    import lxml.html
    from lxml import etree

    text = _XML_DECL_TEXT.sub("", text, count=1)  # lxml refuses str input with an encoding declaration
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def read_layout(path: Path) -> Layout:
    """The web page as one page of text and table blocks; ReportError for what is not a 决算 page."""
    path = Path(path)
    check_regular(path)
    size = path.stat().st_size
    if size == 0:
        raise ReportError(path, "the file is empty", code=ErrorCode.EMPTY_FILE)
    if size > MAX_BYTES:
        raise ReportError(
            path,
            f"a web page of {size / 2**20:.0f} MB; a 决算 page is far smaller, so it was not read",
            code=ErrorCode.TOO_LARGE,
        )
    data = path.read_bytes()
    head = data[:1024]
    if is_mht(head):
        html = mht_html(data)
        if html is None:
            raise ReportError(path, "a single-file web page (.mht) with no HTML part in it", code=ErrorCode.CORRUPT)
        data, head = html, html[:1024]
    if b"\x00" in head and not utf16_encoding(head) and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReportError(
            path, "named as a web page but holds binary data, not HTML", code=ErrorCode.UNSUPPORTED_FORMAT
        )
    text, _, notes = decode_html(data)  # notes only when the page's declaration was wrong
    root = _parse(text)
    if root is None:
        raise ReportError(path, "the web page has no content (nothing to parse)", code=ErrorCode.EMPTY_FILE)
    reader = _Reader()
    body = root.find("body")
    reader.walk(body if body is not None else root)
    reader.flush()
    blocks = join_split_tables(reader.blocks)
    n_tables = sum(isinstance(b, TableBlock) for b in blocks)
    words = any(w in b.text for b in blocks if isinstance(b, TextBlock) for w in _REPORT_WORDS)
    if n_tables == 0 and not words:
        raise ReportError(path, _nothing_here(root, blocks), code=ErrorCode.NOT_A_REPORT)
    if n_tables == 0:
        notes.append(
            "the page has 决算 text but no tables; the tables may be pictures or attachments" + _attachments(root, ": ")
        )
    return Layout(CONTAINER, [Page(1, list(blocks))], notes)


def _attachments(root, lead: str) -> str:
    links = [a.get("href", "") for a in root.iter("a") if _ATTACHMENT.search(a.get("href", ""))]
    return f"{lead}{', '.join(links[:5])}" if links else ""


def _nothing_here(root, blocks: list) -> str:
    """Why a page without tables or 决算 text is not read, with what the page does hold."""
    if not blocks and any(True for _ in root.iter("script")):
        return (
            "the web page has no tables and no text of its own; its content is filled in by JavaScript. "
            "Open it in a browser and save it complete (Ctrl+S, 网页，全部), or download the report it links to"
        )
    links = _attachments(root, "; it links to ")
    return "the web page has no tables and no 决算 text, so it is not a 部门决算 page" + links
