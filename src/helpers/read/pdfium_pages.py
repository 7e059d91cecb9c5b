"""A PDF's pages read once by PDFium (pypdfium2), handed to pdfplumber's own algorithms.

pdfplumber spends ~85% of a page in pdfminer interpreting the content stream in Python. PDFium does
the same in C. This module reads, per page, what pdfplumber's text and table algorithms look at —
the characters with their boxes and the painted lines, rectangles and curves — and builds each
object exactly as pdfplumber would describe it (same keys, same top-down coordinates, same rules
for what a path becomes). `PdfiumPage` is a `pdfplumber.page.Page` whose objects come from here, so
`extract_text`, `crop` and `find_tables` (merge_edges, intersections, cells, tables, cell text) are
pdfplumber's code unchanged: only the parsing moved.

How each value is made to match pdfminer's:
- a character's box is pdfminer's `(0, descent, adv, descent + size)` in text space through the
  character's matrix, placed at its origin: `adv` is the width the font's /W or /Widths give
  (FPDFFont_GetGlyphWidth; PDFium's loose box uses the glyph's own advance, up to 2% off), the
  descent the descriptor's /Descent (FPDFFont_GetDescent), or pdfminer's built-in metrics for a
  font named Helvetica, Arial, … as pdfminer does, and for a Type3 font (Chromium's print-to-PDF)
  pdfminer's own, read once per such file (`_Type3Descent`); PDFium's own spaces and line breaks
  (`FPDFText_IsGenerated`) are dropped;
- a character PDFium cannot map to Unicode becomes `(cid:N)`, as pdfminer prints it, so garbled
  text layers are still refused;
- known differences, which changed no text and no cell on the corpus, the budget PDFs or the drawn
  test PDF: PDFium leaves out a few space glyphs pdfminer keeps and orders a few characters
  differently (pdfplumber sorts characters into lines and words, so the text is the same);
- a path is cut into subpaths at each move; a subpath of one segment is a `line`, four segments
  closing an axis-aligned box a `rect`, anything else a `curve` (pdfminer's `paint_path`); paths
  neither stroked nor filled (clipping) are not objects;
- PDFium works in float32: coordinates are snapped to the shortest decimal that float32 value
  stands for (95.9999771 → 95.99998, what the content stream printed), so ties break as in pdfminer;
- pages with /Rotate go through pdfminer's rotation matrix; form XObjects are entered with their
  matrices composed.
"""

from __future__ import annotations

import ctypes
import io
import logging
import math
from bisect import bisect_left
from functools import cached_property, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import cast

import numpy as np
import pdfplumber.page
from pdfplumber import utils
from pdfplumber.page import CroppedPage, _invert_box, _normalize_box
from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables, edges_to_intersections
from pdfplumber.utils.clustering import cluster_objects, make_cluster_dict

_MOVE, _BEZIER = 2, 1  # FPDF_SEGMENT_*
_PATH, _FORM = 2, 5  # FPDF_PAGEOBJ_*


_SNAPPED: dict[float, float] = {}  # float32 value → its decimal; a PDF's pages repeat their coordinates
_SNAPPED_MAX = 200_000


def _f32(v: float) -> float:
    """The decimal a float32 stands for (PDFium's coordinates are float32; pdfminer's are the
    content stream's decimals in double precision), from the values already converted when it is one."""
    out = _SNAPPED.get(v)
    if out is None:
        out = _SNAPPED[v] = float(str(np.float32(v)))
    return out


def _mul(m1, m2):
    """pdfminer's mult_matrix: m1 then m2."""
    a1, b1, c1, d1, e1, f1 = m1
    a0, b0, c0, d0, e0, f0 = m2
    return (
        a0 * a1 + c0 * b1,
        b0 * a1 + d0 * b1,
        a0 * c1 + c0 * d1,
        b0 * c1 + d0 * d1,
        a0 * e1 + c0 * f1 + e0,
        b0 * e1 + d0 * f1 + f0,
    )


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _rotation_ctm(rotate: int, mediabox) -> tuple:
    """pdfminer's PDFPageInterpreter.process_page: user space → its page space."""
    x0, y0, x1, y1 = mediabox
    if rotate == 90:
        return (0, -1, 1, 0, -y0, x1)
    if rotate == 180:
        return (-1, 0, 0, -1, x1, y1)
    if rotate == 270:
        return (0, 1, -1, 0, y1, -x0)
    return (1, 0, 0, 1, -x0, -y0)


class _PageText:
    """`extract_text` of a page or a crop (before pdfplumber's class in the bases): by `page_text` where it gives
    pdfplumber's string (every upright page), else pdfplumber's own."""

    def extract_text(self, **kwargs) -> str:
        text = None if kwargs else page_text(self.chars)  # type: ignore[attr-defined]
        return super().extract_text(**kwargs) if text is None else text  # type: ignore[misc]


class PdfiumPage(_PageText, pdfplumber.page.Page):
    """A pdfplumber Page whose objects were read by PDFium; everything else is pdfplumber's."""

    def __init__(self, page_number: int, rotation: int, mediabox_raw, objects: dict, initial_doctop: float):
        # No pdfplumber PDF or pdfminer page behind a page PDFium read: pdfplumber types them as always set.
        self.pdf = None  # type: ignore[assignment]
        self.root_page = self
        self.page_obj = None  # type: ignore[assignment]
        self.page_number = page_number
        self.initial_doctop = initial_doctop
        self.rotation = rotation
        mb_raw = _normalize_box(mediabox_raw, rotation)
        self.mediabox = _invert_box(mb_raw, mb_raw[3] - mb_raw[1])
        self.cropbox = self.mediabox
        self.bbox = self.mediabox
        self._pdfium_objects = objects
        self.get_textmap = lru_cache()(self._get_textmap)

    @property
    def objects(self) -> dict:
        return self._pdfium_objects

    @property
    def layout(self):  # pragma: no cover - nothing of pdfminer's exists here
        raise AttributeError("a PdfiumPage has no pdfminer layout")

    def crop(self, bbox, relative: bool = False, strict: bool = True) -> CroppedPage:
        return _CharCrop(self, bbox, relative=relative, strict=strict)

    def find_tables(self, table_settings=None) -> list[Table]:
        """pdfplumber's `find_tables`, its cells found by `_cells` (same cells, same order)."""
        return _TableFinder(self, TableSettings.resolve(table_settings)).tables

    def table_cells(self, table) -> list[list[str | None]]:
        """`table.extract()`, the same rule and result (a character belongs to a row, then a cell,
        when its centre lies in the box, left and top edges included), with each row's characters
        found by bisection on their vertical centres instead of testing every character of the
        page against every row (the page's characters, in page order, as pdfplumber reads them)."""
        chars = self.chars
        mids = [((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2) for c in chars]
        order = sorted(range(len(chars)), key=lambda i: mids[i][0])
        vs = [mids[i][0] for i in order]
        out = []
        for row in table.rows:
            x0, top, x1, bottom = row.bbox
            idx = sorted(i for i in order[bisect_left(vs, top) : bisect_left(vs, bottom)] if x0 <= mids[i][1] < x1)
            arr: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    arr.append(None)
                    continue
                cx0, ctop, cx1, cbottom = cell
                cell_chars = [chars[i] for i in idx if cx0 <= mids[i][1] < cx1 and ctop <= mids[i][0] < cbottom]
                arr.append(cell_text(cell_chars) if cell_chars else "")
            out.append(arr)
        return out


def _clusters(objs: list, key: str | int) -> list[list]:
    """pdfplumber's own clustering of `objs` by `key` within its default y tolerance (cluster_objects).
    Most of a table's cells are one line: when the largest value is within the tolerance of the smallest,
    every sorted value is within it of the one before, so cluster_objects makes one cluster of all, in
    their order (the same floating-point test as its `x <= last + tolerance`); it is given at once."""
    tol = utils.DEFAULT_Y_TOLERANCE
    if objs:
        values = [o[key] for o in objs]
        if max(values) <= min(values) + tol:
            return [list(objs)]
    return cluster_objects(objs, itemgetter(key), tol)


def _plain(chars: list[dict]) -> bool:
    """Characters the word rules below read as pdfplumber does: upright, with text, no ligature to expand."""
    ligatures = utils.text.LIGATURES
    for c in chars:
        text = c["text"]
        if not (c["upright"] and text) or text in ligatures:
            return False
    return True


_X0 = itemgetter("x0")


def _words(chars: list[dict]) -> list[tuple[float, str]]:
    """pdfplumber's WordExtractor with its defaults, for `_plain` characters: lines by `top`, each line's
    characters by x0, a word broken at a space or a gap of more than x_tolerance; each word's (top, text),
    its top the smallest of its characters'."""
    xt, yt = utils.DEFAULT_X_TOLERANCE, utils.DEFAULT_Y_TOLERANCE
    words: list[tuple[float, str]] = []
    for line in _clusters(chars, "top"):
        texts: list[str] = []
        top_min = px0 = px1 = ptop = 0.0
        for c in sorted(line, key=_X0):
            text = c["text"]
            if text.isspace():
                if texts:
                    words.append((top_min, "".join(texts)))
                texts = []
                continue
            x0, top = c["x0"], c["top"]
            if texts and (x0 < px0 or x0 > px1 + xt or abs(top - ptop) > yt):
                words.append((top_min, "".join(texts)))
                texts = []
            if not texts or top < top_min:
                top_min = top
            texts.append(text)
            px0, px1, ptop = x0, c["x1"], top
        if texts:
            words.append((top_min, "".join(texts)))
    return words


def cell_text(chars: list[dict]) -> str:
    """pdfplumber's `utils.extract_text(chars)` with its defaults (the text `table.extract()` gives a cell), the same
    string: the words' lines by their tops, joined by spaces and newlines. A table's cells are most of a page's
    text calls, and pdfplumber builds a word extractor and a text map for each. Characters that are not `_plain`
    (rotated, a ligature, no text) go to pdfplumber itself."""
    if not _plain(chars):
        return utils.extract_text(chars)
    return "\n".join(" ".join([w[1] for w in line]) for line in _clusters(_words(chars), 0))


def page_text(chars: list[dict]) -> str | None:
    """pdfplumber's `page.extract_text()` (its text map, not laid out) of `_plain` characters, the same string: a
    line where consecutive words fall in the same cluster of tops (the map keeps the words' order). None for
    other characters: the caller asks pdfplumber."""
    if not _plain(chars):
        return None
    words = _words(chars)
    cluster = make_cluster_dict([top for top, _ in words], utils.DEFAULT_Y_TOLERANCE)
    lines: list[list[str]] = []
    previous = None
    for top, text in words:
        if cluster[top] != previous:
            lines.append([])
            previous = cluster[top]
        lines[-1].append(text)
    return "\n".join(" ".join(line) for line in lines)


class _CharCrop(_PageText, CroppedPage):
    """A crop of a PdfiumPage whose characters alone are cropped, when asked for: the text of a
    region needs nothing else, and cropping every ruling line with it cost as much again."""

    @property
    def chars(self) -> list:
        if not hasattr(self, "_crop_chars"):
            self._crop_chars = _crop_chars(self.parent_page.chars, self.bbox)
        return self._crop_chars


def _crop_chars(chars: list[dict], bbox) -> list[dict]:
    """pdfplumber's `crop_to_bbox` for characters, the same list: a character wholly outside the box
    is dropped and one wholly inside is kept as it is (clip_obj would copy it unchanged), without the
    copy and the box arithmetic pdfplumber spends on each of the page's characters for every crop;
    any other character goes through pdfplumber's own `clip_obj`."""
    bx0, btop, bx1, bbottom = bbox
    out = []
    for c in chars:
        x0, top, x1, bottom = c["x0"], c["top"], c["x1"], c["bottom"]
        if x1 < bx0 or x0 > bx1 or bottom < btop or top > bbottom:
            continue
        inside = bx0 <= x0 < x1 <= bx1 and btop <= top < bottom <= bbottom
        if inside and c["width"] == x1 - x0 and c["height"] == bottom - top:
            out.append(c)
        elif (clipped := utils.clip_obj(c, bbox)) is not None:
            out.append(clipped)
    return out


class _TableFinder(TableFinder):
    """pdfplumber's TableFinder (0.11) step for step, with `_cells` for its `intersections_to_cells`."""

    def __init__(self, page, settings: TableSettings):
        self.page = page
        self.settings = settings
        self.edges = self.get_edges()
        tol_x, tol_y = settings.intersection_x_tolerance, settings.intersection_y_tolerance
        self.intersections = edges_to_intersections(self.edges, tol_x, tol_y)
        self.cells = _cells(self.intersections)
        self.tables = [Table(self.page, group) for group in cells_to_tables(self.cells)]


def _cells(intersections: dict) -> list[tuple]:
    """pdfplumber's `intersections_to_cells`, the same cells in the same order: for each point (in
    sorted order), the first point below and the first point to its right, in that order, that an
    edge joins to it and whose opposite corner is an intersection joined to both. pdfplumber builds
    each point's edge set anew for every pair it tests and scans every later point for those below
    and to the right (a quarter of a page's reading); here each is built once."""
    box = itemgetter("x0", "top", "x1", "bottom")  # utils.obj_to_bbox
    v_of = {pt: set(map(box, d["v"])) for pt, d in intersections.items()}
    h_of = {pt: set(map(box, d["h"])) for pt, d in intersections.items()}

    def joined(p1, p2) -> bool:
        if p1[0] == p2[0] and not v_of[p1].isdisjoint(v_of[p2]):
            return True
        return p1[1] == p2[1] and not h_of[p1].isdisjoint(h_of[p2])

    points = sorted(intersections)
    column: dict[float, list] = {}  # x → the points at that x, in sorted order (top to bottom)
    row: dict[float, list] = {}  # y → the points at that y, in sorted order (left to right)
    at = {}  # point → its place in its column and in its row
    for pt in points:
        col, line = column.setdefault(pt[0], []), row.setdefault(pt[1], [])
        at[pt] = (len(col), len(line))
        col.append(pt)
        line.append(pt)
    cells = []
    for pt in points:
        i, j = at[pt]
        cell = _smallest_cell(pt, column[pt[0]][i + 1 :], row[pt[1]][j + 1 :], intersections, joined)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(pt, below: list, right: list, intersections: dict, joined) -> tuple | None:
    for below_pt in below:
        if not joined(pt, below_pt):
            continue
        for right_pt in right:
            if not joined(pt, right_pt):
                continue
            corner = (right_pt[0], below_pt[1])
            if corner in intersections and joined(corner, right_pt) and joined(corner, below_pt):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


class PdfiumDocument:
    """What `find_pdf_tables` and `read_pdf` use of an open pdfplumber PDF: `.pages`, `close()`,
    a context manager. PDFium's handles are closed once the pages are read."""

    def __init__(self, pages: list[PdfiumPage]):
        self.pages = pages

    def close(self) -> None:
        for p in self.pages:
            p.get_textmap.cache_clear()

    def __enter__(self) -> PdfiumDocument:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Reading one page


class _Placer:
    """pdfplumber's Page.process_object coordinate rules for one page (pdfminer space → top-down)."""

    def __init__(self, page: PdfiumPage, ctm):
        self.ctm = ctm
        self.height = page.height
        self.mb_x0, self.mb_top = page.mediabox[:2]
        self.doctop0 = page.initial_doctop
        self.page_number = page.page_number

    def box(self, attr: dict, x0, y0, x1, y1) -> dict:
        attr.update(x0=x0, y0=y0, x1=x1, y1=y1, width=x1 - x0, height=y1 - y0)
        attr["top"] = (self.height - y1) + self.mb_top
        attr["bottom"] = (self.height - y0) + self.mb_top
        attr["doctop"] = self.doctop0 + attr["top"]
        if self.mb_x0 != 0:
            attr["x0"] += self.mb_x0
            attr["x1"] += self.mb_x0
        return attr

    def coord(self, pt):
        return (self.mb_x0 + pt[0], self.mb_top + self.height - pt[1])


class _Handle(ctypes.c_void_p):
    """A handle returned as it is (ctypes turns a plain c_void_p result into an int), to be passed on to
    a bare call without making a c_void_p of it again."""


class _Fn:
    """PDFium functions called once per page, character, page object or segment, on handles that are
    `ctypes.c_void_p` (pypdfium2's pointer types cost a Python object per call and cannot be compared).

    The calls made for every character, page object or path segment are declared bare, without argtypes,
    which makes a call ~40% cheaper (ctypes converts no argument): their callers pass handles as
    `ctypes.c_void_p` (or `_Handle`), indices as ints and out-parameters by `ctypes.byref`. A character's
    text object comes back as an int (compared with the last one); objects and segments as `_Handle`s,
    passed on as they are."""

    def __init__(self, raw):
        from pypdfium2_raw.bindings import _libs

        lib = _libs["pdfium"]
        vp, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)

        def fn(name, args, res):
            func = lib[name]  # a new function object each time: pypdfium2's declarations stay as they are
            func.argtypes, func.restype = args, res
            return func

        self.char_origin = fn("FPDFText_GetCharOrigin", None, i)
        self.char_object = fn("FPDFText_GetTextObject", None, vp)
        self.char_matrix = fn("FPDFText_GetMatrix", None, i)
        self.char_font_size = fn("FPDFText_GetFontSize", None, ctypes.c_double)
        self.char_generated = fn("FPDFText_IsGenerated", None, i)
        self.seg_get = fn("FPDFPath_GetPathSegment", None, _Handle)
        self.seg_point = fn("FPDFPathSegment_GetPoint", None, i)
        self.seg_kind = fn("FPDFPathSegment_GetType", None, i)
        self.seg_closes = fn("FPDFPathSegment_GetClose", None, i)
        self.page_object = fn("FPDFPage_GetObject", None, _Handle)  # every object of a page: text, path, image
        self.object_kind = fn("FPDFPageObj_GetType", None, i)
        self.object_matrix = fn("FPDFPageObj_GetMatrix", None, i)
        self.path_draw_mode = fn("FPDFPath_GetDrawMode", None, i)
        self.path_segments = fn("FPDFPath_CountSegments", None, i)

        self.count = fn("FPDFText_CountChars", (vp,), i)
        self.unicode = fn("FPDFText_GetUnicode", (vp, i), ctypes.c_uint)
        self.get_text = fn("FPDFText_GetText", (vp, i, i, ctypes.POINTER(ctypes.c_ushort)), i)
        self.map_error = fn("FPDFText_HasUnicodeMapError", (vp, i), i)
        self.loose_box = fn("FPDFText_GetLooseCharBox", (vp, i, ctypes.POINTER(raw.FS_RECTF)), i)
        self.font = fn("FPDFTextObj_GetFont", (vp,), vp)
        self.descent = fn("FPDFFont_GetDescent", (vp, ctypes.c_float, f), i)
        self.base_name = fn("FPDFFont_GetBaseFontName", (vp, ctypes.c_char_p, ctypes.c_size_t), ctypes.c_size_t)
        self.width = fn("FPDFFont_GetGlyphWidth", (vp, ctypes.c_uint32, ctypes.c_float, f), i)
        self.n_objects = fn("FPDFPage_CountObjects", (vp,), i)
        self.n_form_objects = fn("FPDFFormObj_CountObjects", (vp,), i)
        self.get_form_object = fn("FPDFFormObj_GetObject", (vp, ctypes.c_ulong), _Handle)
        self.is_embedded = fn("FPDFFont_GetIsEmbedded", (vp,), i)
        self.font_data = fn(
            "FPDFFont_GetFontData", (vp, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)), i
        )


_FN: _Fn | None = None


def _fn(raw) -> _Fn:
    global _FN
    if _FN is None:
        _FN = _Fn(raw)
    return _FN


def _snap_all(values) -> dict[float, float]:
    """{float32 value: the decimal it stands for} for a page's coordinates (and those of pages read
    before: each value is converted once per process, in one numpy call per page)."""
    uniq = set(values)
    if len(_SNAPPED) + len(uniq) > _SNAPPED_MAX:
        _SNAPPED.clear()
    new = [v for v in uniq if v not in _SNAPPED]
    if new:
        _SNAPPED.update(zip(new, np.array(new, dtype=np.float32).astype(str).astype(np.float64).tolist()))
    return _SNAPPED


class _Type3Descent:
    """pdfminer's descent of the file's Type3 fonts (glyphs drawn by the PDF itself, as Chromium's
    print-to-PDF writes text): the FontBBox of the font's descriptor, 0 when the descriptor has none,
    where PDFium takes the font's own FontBBox (0.12 em lower on Chromium's). PDFium does not say which
    Type3 font is which, so the file's Type3 fonts are read once with pdfminer, only when PDFium meets
    one; when they do not all have one descent, PDFium's stands (None)."""

    def __init__(self, source: Path | str | io.BytesIO):
        self.source = source

    @cached_property
    def value(self) -> float | None:
        return _pdfminer_type3_descent(self.source)


def _pdfminer_type3_descent(source: Path | str | io.BytesIO) -> float | None:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdffont import PDFType3Font
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import dict_value, resolve1
    from pdfminer.psparser import literal_name

    descents: set[float] = set()
    seen: set[object] = set()
    manager = PDFResourceManager()
    quiet = logging.getLogger("pdfminer.pdffont")  # it warns once per font that its descriptor has no FontBBox
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with open(source, "rb") if not isinstance(source, io.BytesIO) else io.BytesIO(source.getvalue()) as fp:
            for page in PDFPage.create_pages(PDFDocument(PDFParser(fp))):
                for ref in dict_value(resolve1((page.resources or {}).get("Font", {}))).values():
                    key = getattr(ref, "objid", id(ref))
                    if key in seen:
                        continue
                    seen.add(key)
                    spec = dict_value(resolve1(ref))
                    if literal_name(resolve1(spec.get("Subtype"))) == "Type3":
                        descents.add(PDFType3Font(manager, spec).get_descent())
    except Exception:  # pdfminer cannot read what PDFium did: PDFium's descent stands
        return None
    finally:
        quiet.setLevel(level)
    return descents.pop() if len(descents) == 1 else None


def _descent(fn: _Fn, font, d, type3: _Type3Descent | None = None) -> float:
    """pdfminer's descent per unit of font size: the descriptor's /Descent (made negative) × 0.001,
    or, for a font named as one of its built-in metrics (Helvetica, Times-Roman, Arial, …), the
    descent of those metrics, which pdfminer uses whatever the PDF's descriptor says; for a Type3
    font (no name, embedded, no font program), pdfminer's (`_Type3Descent`)."""
    from pdfminer.fontmetrics import FONT_METRICS

    buf = ctypes.create_string_buffer(256)
    size = fn.base_name(font, buf, 256)
    name = buf.raw[: max(size - 1, 0)].decode("latin-1") if 0 < size <= 256 else ""
    if not name and type3 is not None and fn.is_embedded(font) and not _font_data_size(fn, font):
        if (t3 := type3.value) is not None:
            return t3
    if name in FONT_METRICS:
        desc = float(cast(float, FONT_METRICS[name][0].get("Descent", 0)))  # pdfminer types descriptor values as object
    else:
        desc = round(d.value, 3) if fn.descent(font, 1000.0, d) else 0.0
    return -abs(desc) * 0.001


def _font_data_size(fn: _Fn, font) -> int:
    n = ctypes.c_size_t()
    return n.value if fn.font_data(font, None, 0, ctypes.byref(n)) else 0


def _page_text(fn: _Fn, textpage, n: int) -> list[int] | None:
    """Every character's code point in one call (FPDFText_GetText gives one UTF-16 unit per
    character); None when a character lies outside the BMP and the units no longer line up."""
    buf = (ctypes.c_ushort * (n + 1))()
    got = fn.get_text(textpage, 0, n, buf)
    units = list(buf[:n])
    if got - 1 != n or any(0xD800 <= u <= 0xDFFF for u in units):
        return None
    return units


class _TextStates:
    """The state of the text object a character belongs to, as pdfminer reads it: (a, b, c, d) of its
    matrix, its font, its size and the font's descent, float32 values made decimals. One per text
    object in many PDFs: their matrices repeat, so each distinct state is made once."""

    def __init__(self, fn: _Fn, raw, textpage: ctypes.c_void_p, type3: _Type3Descent | None = None):
        self.fn, self.textpage, self.type3 = fn, textpage, type3
        self.m, self.d = raw.FS_MATRIX(), ctypes.c_float()
        self.m_ref = ctypes.byref(self.m)
        self.state_of: dict[tuple, tuple] = {}
        self.descent_of: dict[int, float] = {}

    def of(self, i: int, obj) -> tuple:
        fn, m = self.fn, self.m
        fn.char_matrix(self.textpage, i, self.m_ref)
        font = fn.font(obj)
        fs = fn.char_font_size(self.textpage, i)
        key = (m.a, m.b, m.c, m.d, font, fs)
        state = self.state_of.get(key)
        if state is None:
            if font not in self.descent_of:
                self.descent_of[font] = _descent(fn, font, self.d, self.type3)
            state = (_f32(m.a), _f32(m.b), _f32(m.c), _f32(m.d), font, _f32(fs), self.descent_of[font])
            self.state_of[key] = state
        return state


def _glyph(fn: _Fn, raw, textpage, i: int, u: int, state: tuple) -> tuple[str, float]:
    """(text, advance) of code point `u` in the state's font and size: the width the font's /W or
    /Widths give (pdfminer's `adv`), else PDFium's loose box; `(cid:N)` where there is no Unicode."""
    a, b, _, _, font, fs, _ = state
    w = ctypes.c_float()
    bad = u == 0 or fn.map_error(textpage, i) == 1
    if not bad and fn.width(font, u, fs, w):
        adv = w.value
    else:
        lbox = raw.FS_RECTF()
        fn.loose_box(textpage, i, lbox)
        adv = abs(lbox.right - lbox.left) / (math.hypot(a, b) or 1.0)
    return (f"(cid:{u})" if bad else chr(u), _f32(adv))


def _char_rows(
    fn: _Fn, raw, textpage: ctypes.c_void_p, type3: _Type3Descent | None = None
) -> tuple[list[tuple], list[float]]:
    """PDFium's characters in page order, as ((text, adv), x, y, state) with the origin as PDFium
    gives it, and every x and y (to be snapped at once). Two calls into PDFium per character (its
    origin and its text object) are most of a page's parsing: nothing else is asked per character."""
    ox, oy = ctypes.c_double(), ctypes.c_double()
    ox_ref, oy_ref = ctypes.byref(ox), ctypes.byref(oy)
    states = _TextStates(fn, raw, textpage, type3)
    glyph_of: dict[tuple, tuple] = {}
    n = fn.count(textpage)
    codes = _page_text(fn, textpage, n)
    origin, text_object, generated = fn.char_origin, fn.char_object, fn.char_generated
    last_obj = None
    state: tuple | None = None
    rows, xs = [], []
    for i in range(n):
        u = codes[i] if codes is not None else fn.unicode(textpage, i)
        # PDFium's own spaces and line breaks (pdfminer has none): only these characters can be generated
        if u in (0x20, 0x0D, 0x0A, 0x02) and generated(textpage, i):
            continue
        origin(textpage, i, ox_ref, oy_ref)
        obj = text_object(textpage, i)
        if obj != last_obj:
            last_obj = obj
            state = states.of(i, obj)
        # set at the first character, whose text object differs from the initial None (a first character
        # in no text object, NULL from PDFium, would fail here as it did before)
        assert state is not None
        key = (state[4], u, state[5])
        glyph = glyph_of.get(key)
        if glyph is None:
            glyph = glyph_of[key] = _glyph(fn, raw, textpage, i, u, state)
        x, y = ox.value, oy.value
        rows.append((glyph, x, y, state))
        xs.append(x)
        xs.append(y)
    return rows, xs


def _placed_chars(rows: list[tuple], snap: dict[float, float], placer: _Placer) -> list[dict]:
    """Each character's box and attributes as pdfplumber describes an LTChar (as in _Placer.box)."""
    ctm = placer.ctm
    plain = ctm == (1, 0, 0, 1, 0, 0)
    height, mb_x0, mb_top, doctop0 = placer.height, placer.mb_x0, placer.mb_top, placer.doctop0
    pno = placer.page_number
    out = []
    for (text, adv), x, y, (a, b, c, dd, _font, fs, desc) in rows:
        x, y = snap[x], snap[y]
        lo = desc * fs
        hi = lo + fs
        cm = (a, b, c, dd, x, y) if plain else _mul((a, b, c, dd, x, y), ctm)
        ca, cb, cc, cd, ce, cf = cm
        if cb == 0 and cc == 0:
            x0, x1 = ce, ca * adv + ce
            y0, y1 = cd * lo + cf, cd * hi + cf
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
        else:
            corners = [_apply(cm, px, py) for px, py in ((0, lo), (adv, lo), (0, hi), (adv, hi))]
            x0, x1 = min(p[0] for p in corners), max(p[0] for p in corners)
            y0, y1 = min(p[1] for p in corners), max(p[1] for p in corners)
        top = (height - y1) + mb_top
        if mb_x0 != 0:
            x0, x1 = x0 + mb_x0, x1 + mb_x0
        out.append(
            {
                "matrix": cm,
                "adv": adv,
                "upright": ca * cd > 0 and cb * cc <= 0,
                "x0": x0,
                "y0": y0,
                "x1": x1,
                "y1": y1,
                "width": x1 - x0,
                "height": y1 - y0,
                "size": y1 - y0,
                "object_type": "char",
                "page_number": pno,
                "text": text,
                "top": top,
                "bottom": (height - y0) + mb_top,
                "doctop": doctop0 + top,
            }
        )
    return out


def _chars(fn: _Fn, raw, textpage: ctypes.c_void_p, placer: _Placer, type3: _Type3Descent | None = None) -> list[dict]:
    """Characters as pdfminer's LTChar would box them (see the module docstring)."""
    rows, coords = _char_rows(fn, raw, textpage, type3)
    return _placed_chars(rows, _snap_all(coords), placer)


def _collect_paths(fn: _Fn, raw, objs: list[_Handle], matrix, out: list, depth: int = 0) -> None:
    """Painted paths in content order, entering form XObjects (pdfminer's LTFigure children) with
    their matrix: (stroked, filled, [(x, y, segment type, closes), ...] in user space)."""
    fm = raw.FS_MATRIX()
    mode, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    fm_ref, mode_ref, stroke_ref, x_ref, y_ref = map(ctypes.byref, (fm, mode, stroke, x, y))
    seg_get, seg_point, seg_kind, seg_closes = fn.seg_get, fn.seg_point, fn.seg_kind, fn.seg_closes
    for obj in objs:
        kind = fn.object_kind(obj)
        if kind not in (_PATH, _FORM):
            continue
        fn.object_matrix(obj, fm_ref)
        own = (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)
        inner = own if matrix is None else _mul(own, matrix)
        if kind == _FORM:
            if depth < 15:
                children = [fn.get_form_object(obj, j) for j in range(fn.n_form_objects(obj))]
                _collect_paths(fn, raw, children, inner, out, depth + 1)
            continue
        fn.path_draw_mode(obj, mode_ref, stroke_ref)
        if mode.value == 0 and not stroke.value:
            continue  # a clipping path, painted neither way: pdfminer makes no object of it
        segs = []
        a, b, c, d, e, f = inner  # a path's points are in its own space (_apply, inlined)
        for k in range(fn.path_segments(obj)):
            seg = seg_get(obj, k)
            seg_point(seg, x_ref, y_ref)
            px, py = x.value, y.value
            segs.append((a * px + c * py + e, b * px + d * py + f, seg_kind(seg), seg_closes(seg)))
        out.append((bool(stroke.value), mode.value != 0, segs))


def _subpaths(segs: list, snap: dict) -> list[list[tuple[str, tuple[float, float]]]]:
    """The path's segments as pdfminer's ops (m, l, c, h), cut at each move."""
    subs: list[list] = []
    cur: list = []
    start = None
    bez = 0
    for px, py, kind, closes in segs:
        pt = (snap[px], snap[py])
        if kind == _MOVE:
            if cur:
                subs.append(cur)
            cur, start, bez = [("m", pt)], pt, 0
            continue
        if not cur:
            continue
        if kind == _BEZIER:
            bez += 1
            if bez % 3:
                continue  # control points: pdfminer keeps each segment's end point only
            cur.append(("c", pt))
        elif closes and pt == start:
            cur.append(("h", start))  # PDFium closes with a line back to the start; pdfminer says h
            continue
        else:
            cur.append(("l", pt))
        if closes:
            cur.append(("h", start))
    if cur:
        subs.append(cur)
    return subs


def _shapes(segs: list, snap: dict, ctm) -> list[tuple[str, list, list]]:
    """pdfminer's paint_path for one path: (kind, points, the points its box is of) of each subpath, a line,
    a rect or a curve (`ctm` None for pdfminer's identity page matrix). Most ruled tables draw each rule
    as a path of its own, one move and one line: that is a line at once."""
    if ctm is None and len(segs) == 2:
        (x0, y0, k0, _), (x1, y1, k1, closes) = segs
        if k0 == _MOVE and k1 not in (_MOVE, _BEZIER) and not closes:
            pts = [(snap[x0], snap[y0]), (snap[x1], snap[y1])]
            return [("line", pts, pts)]
    out = []
    for sub in _subpaths(segs, snap):
        shape = "".join(op for op, _ in sub)
        pts = [p for _, p in sub] if ctm is None else [_apply(ctm, *p) for _, p in sub]
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        if len(shape) < 2:
            continue
        if shape in ("mlh", "ml"):
            out.append(("line", pts[:2], pts[:2]))  # pdfminer's LTLine: two points, also when closed back (mlh)
        elif shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
                y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
            )
            if pts[0] == pts[4] and square:  # pdfminer's LTRect: its corners from the first and third points
                (x0, y0), (x2, y2) = pts[0], pts[2]
                out.append(("rect", [(x0, y0), (x2, y0), (x2, y2), (x0, y2)], [pts[0], pts[2]]))
            else:
                out.append(("curve", pts, pts))
        else:
            out.append(("curve", pts, pts))
    return out


def _path_objects(paths: list, placer: _Placer, out: dict) -> None:
    """pdfminer's paint_path: each subpath a line, a rect or a curve, described as pdfplumber does."""
    snap = _snap_all(v for _, _, segs in paths for s in segs for v in s[:2])
    ctm = None if placer.ctm == (1, 0, 0, 1, 0, 0) else placer.ctm
    for stroke, fill, segs in paths:
        for kind, pts, bbox_pts in _shapes(segs, snap, ctm):
            xs = [p[0] for p in bbox_pts]
            ys = [p[1] for p in bbox_pts]
            attr = placer.box(
                {"object_type": kind, "page_number": placer.page_number, "stroke": stroke, "fill": fill},
                min(xs),
                min(ys),
                max(xs),
                max(ys),
            )
            attr["pts"] = [placer.coord(p) for p in pts]
            out.setdefault(kind, []).append(attr)


def read_pages(path: Path | str | io.BytesIO) -> PdfiumDocument:
    """Every page of the PDF (a path, or its bytes in a BytesIO) as a PdfiumPage (raises pypdfium2's
    PdfiumError for unreadable files)."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    fn = _fn(raw)
    doc = pdfium.PdfDocument(path.getvalue() if isinstance(path, io.BytesIO) else str(path))
    pages: list[PdfiumPage] = []
    type3 = _Type3Descent(path)
    try:
        doctop = 0.0
        l, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
        for i in range(len(doc)):
            page = doc[i]
            try:
                if raw.FPDFPage_GetMediaBox(page.raw, l, b, r, t):
                    mediabox = tuple(_f32(v.value) for v in (l, b, r, t))
                else:  # inherited from the page tree: PDFium's page box (the MediaBox, cut by a CropBox if any)
                    box = raw.FS_RECTF()
                    raw.FPDF_GetPageBoundingBox(page.raw, box)
                    mediabox = tuple(_f32(v) for v in (box.left, box.bottom, box.right, box.top))
                rotation = (raw.FPDFPage_GetRotation(page.raw) * 90) % 360
                objects: dict[str, list] = {}
                pp = PdfiumPage(i + 1, rotation, mediabox, objects, doctop)
                placer = _Placer(pp, _rotation_ctm(rotation, mediabox))
                textpage = raw.FPDFText_LoadPage(page.raw)
                try:
                    objects["char"] = _chars(fn, raw, ctypes.cast(textpage, ctypes.c_void_p), placer, type3)
                finally:
                    raw.FPDFText_ClosePage(textpage)
                page_ptr = ctypes.cast(page.raw, ctypes.c_void_p)
                paths: list = []
                objs = [fn.page_object(page_ptr, j) for j in range(fn.n_objects(page_ptr))]
                _collect_paths(fn, raw, objs, None, paths)
                _path_objects(paths, placer, objects)
                pages.append(pp)
                doctop += pp.height
            finally:
                page.close()
    finally:
        doc.close()
    return PdfiumDocument(pages)
