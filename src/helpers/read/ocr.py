"""Scanned reports: image-only PDFs, PDFs whose text layer is `(cid:NNN)` glyph codes, single page
images (.jpg, .png, .tif, .bmp) and a folder of page images, read by OCR into the one table model.

Per page:
1. the image: a PDF page is rendered by PDFium at `RENDER_DPI`; an image file is checked for size
   from its header before it is decoded (`MAX_PIXELS`, a decompression-bomb guard);
2. deskew: scans lean by up to about a degree; the angle is fitted on the long ruling lines, or on
   the text rows of a page without them, and the page is turned back;
3. ruled tables: the ruling lines are opened out of the binarised page (OpenCV morphology); each
   table's row and column edges are the lines' positions, and a grid position whose edge is not
   printed belongs to the merged cell next to it. A merged cell's text is at its top-left position
   and `None` in the positions it covers, as pdfplumber reports a PDF's ruled tables;
4. each cell crop, with the ruling lines painted out so no sliver is read as a character (`±3832. 36`),
   is split into its printed lines and recognised (recognition only, one batch per page);
5. the text outside the tables (titles, `单位：万元`, notes, the narrative) is detected and recognised
   (rapidocr's detection + recognition) and kept as lines; a table printed without ruling lines is
   read from these boxes (`unruled_tables`: rows by the lines, columns by the boxes' x-spans) into the
   same grid as a ruled table's;
6. amounts in amount columns are normalised (`1092. 80` → `1092.80`, full-width digits, an O read
   for a 0 among digits) only when the result is a clean number; anything else stays as read.

OCR: rapidocr-onnxruntime 1.4.4, whose wheel ships the PP-OCRv4 detection and recognition models
(nothing is downloaded at run time; tests/test_container_ocr.py reads a page with the network off).
Every table cell carries the recogniser's confidence; refs are pixels of the deskewed page image
(`page 9 box (x0,y0,x1,y1)`, at `RENDER_DPI` for PDF pages, the image's own pixels for images).
"""

from __future__ import annotations

import re
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ErrorCode
from ..core.normalize import AMOUNT_RE, compact
from ..core.paths import IMAGE_SUFFIXES
from .document import ReportError
from .model import Cell, Layout, Page, TableBlock, TextBlock

RENDER_DPI = 150  # the scans seen are 150 dpi; rendering finer only interpolates and costs time
MAX_PIXELS = 80_000_000  # an A4 page at 600 dpi is 35 Mpx; anything far larger is refused before decoding
MIN_REPORT_CHARS = 6  # Chinese characters read with confidence on a page for it to count as a printed page
A4_LONG_INCH = 11.69
_MIN_SCALE = 0.01  # a render scale is never below this (guards a division)
DET_SCALE = 0.6  # detection input relative to a 150-dpi page: 13-px text is still found, at a third of the cost


# ---------------------------------------------------------------------------------------------
# Numbers


_OCR_DOTS = str.maketrans({"。": ".", "·": ".", "，": ","})
_ZERO_MARKS = {"-", "—", "–", "－", "——", "--"}


def clean_amount(text: str, amount_column: bool = True) -> str | None:
    """The OCR'd text of an amount cell as printed (`1092. 80` → `1092.80`, `１,０９２.８０` →
    `1,092.80`), or None when it is not a clean number after these fixes (then it stays as read).
    `amount_column`: an O/o among digits is read as 0 (only where the column holds amounts)."""
    s = unicodedata.normalize("NFKC", text).translate(_OCR_DOTS)
    s = compact(s)
    if not s:
        return None
    if s in _ZERO_MARKS:
        return s
    if amount_column and re.fullmatch(r"[-−]?[\dOo,.]+", s) and re.search(r"\d", s):
        s = s.replace("O", "0").replace("o", "0")
    s = s.replace("−", "-")
    return s if AMOUNT_RE.match(s) else None


# ---------------------------------------------------------------------------------------------
# Page images


def folder_pages(folder: Path) -> tuple[list[Path], list[str]]:
    """The page images of a folder in page order (document.folder_pages: names with numbers compared
    as numbers, 第2页 before 第10页), and notes on the files left out."""
    from .document import folder_pages as ordered

    pages = ordered(folder)
    ignored = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".") and p not in pages)
    if not pages:
        listed = f" (it holds: {', '.join(ignored[:8])}{' …' if len(ignored) > 8 else ''})" if ignored else ""
        raise ReportError(
            folder,
            f"no page images ({', '.join(IMAGE_SUFFIXES)}) in this folder{listed}",
            code=ErrorCode.NOT_REGULAR_FILE,
        )
    notes = []
    if ignored:
        notes.append(f"{len(ignored)} file(s) that are not page images were ignored: {', '.join(ignored)}")
    stems = {re.sub(r"[\d\s]+", "#", unicodedata.normalize("NFKC", p.stem)) for p in pages}
    if len(stems) > 1:
        notes.append(
            f"the page images are named in {len(stems)} different patterns ({', '.join(sorted(stems))}); "
            "the folder may hold more than one report"
        )
    return pages, notes


def load_image(path: Path) -> np.ndarray:
    """A page image as 8-bit grey (its first frame), refusing empty, corrupt and oversized files."""
    return image_pages(path)[0]


def _grey(im) -> np.ndarray:
    """A decoded frame as 8-bit grey: camera rotation (EXIF) applied, transparency on white paper,
    16-bit scans scaled down rather than clipped."""
    from PIL import Image, ImageOps

    im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float64)
        return np.clip(a * (255.0 / max(float(a.max()), 1.0)), 0, 255).astype(np.uint8)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        paper = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(paper, im)
    return np.asarray(im.convert("L"))


def image_pages(path: Path) -> list[np.ndarray]:
    """The pages of an image file as 8-bit grey: one, or each frame of a multi-page TIFF. The size is
    read from the header and refused above MAX_PIXELS before anything is decoded."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    if path.stat().st_size == 0:
        raise ReportError(path, "the image file is empty (0 bytes)", code=ErrorCode.EMPTY_FILE)
    pages: list[np.ndarray] = []
    try:
        with warnings.catch_warnings():  # PIL warns above 89 Mpx; the size is checked here instead
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            for k, frame in enumerate(ImageSequence.Iterator(im), start=1):
                w, h = frame.size  # read from the header; nothing decoded yet
                if w * h > MAX_PIXELS:
                    raise ReportError(
                        path,
                        f"image{f' frame {k}' if k > 1 else ''} is {w}×{h} = {w * h / 1e6:.0f} Mpx, above the "
                        f"{MAX_PIXELS / 1e6:.0f} Mpx limit for a page (a 600-dpi A4 scan is 35 Mpx); not decoded",
                        code=ErrorCode.TOO_LARGE,
                    )
                pages.append(_grey(frame))
    except ReportError:
        raise
    except Image.DecompressionBombError as exc:  # PIL's own guard, at twice its default limit
        raise ReportError(
            path,
            f"image is far above the {MAX_PIXELS / 1e6:.0f} Mpx limit for a page ({exc}); not decoded",
            code=ErrorCode.TOO_LARGE,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ReportError(path, f"not a readable image (corrupt or truncated?): {exc}", code=ErrorCode.CORRUPT) from exc
    for grey in pages:
        if grey.ndim != 2 or min(grey.shape) < 32:
            raise ReportError(
                path,
                f"image is {grey.shape[-1]}×{grey.shape[0]} pixels: too small to be a page",
                code=ErrorCode.NOT_A_REPORT,
            )
    return pages


def pdf_pages(path: Path, dpi: int = RENDER_DPI) -> Iterator[np.ndarray]:
    """A PDF's pages rendered in grey at `dpi`, one at a time."""
    import pypdfium2 as pdfium

    if path.stat().st_size == 0:
        raise ReportError(path, "the file is empty", code=ErrorCode.EMPTY_FILE)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReportError(
                path, "PDF is encrypted (password-protected); save an unprotected copy", code=ErrorCode.ENCRYPTED
            ) from exc
        raise ReportError(path, f"not a readable PDF (truncated or corrupted?): {exc}", code=ErrorCode.CORRUPT) from exc
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            w, h = page.get_size()
            if w * h * (dpi / 72) ** 2 > MAX_PIXELS:
                raise ReportError(
                    path,
                    f"page {i + 1} is {w / 72:.0f}×{h / 72:.0f} inches: too large for a report page",
                    code=ErrorCode.TOO_LARGE,
                )
            img = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            yield img if img.ndim == 2 else img[..., 0]
    finally:
        pdf.close()


def pdf_needs_ocr(path: Path) -> bool:
    """True when a PDF's text layer cannot be used (no text, or `(cid:NNN)` glyph codes): the one
    test the text reader applies (document.read_pdf raises NoTextLayer). A PDF that cannot be opened
    at all raises its ReportError."""
    from .document import NoTextLayer, read_pdf

    try:
        doc = read_pdf(path)
    except NoTextLayer:
        return True
    doc.close()
    return False


# ---------------------------------------------------------------------------------------------
# Deskew, lines, grids


def binarise(grey: np.ndarray, scale: float) -> np.ndarray:
    """Ink = 255. A local threshold copes with grey paper and uneven scans."""
    import cv2

    block = max(15, int(round(31 * scale)) | 1)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def skew_angle(ink: np.ndarray, scale: float) -> float:
    """Degrees the page leans (positive: lines go down to the right), from the long horizontal
    rules when there are some, else from the text rows (the angle whose row profile is sharpest)."""
    import cv2

    h_len = max(20, int(60 * scale))
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    fits: list[tuple[int, float]] = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if w < ink.shape[1] * 0.2:
            continue
        ys, xs = np.nonzero(lab[y : y + h, x : x + w] == i)
        fits.append((int(w), float(np.degrees(np.arctan(np.polyfit(xs, ys, 1)[0])))))
    if len(fits) >= 3:
        return float(np.median([a for _, a in fits]))
    ys, xs = np.nonzero(ink[::2, ::2])
    if len(ys) < 200:
        return 0.0
    if len(ys) > 200_000:  # enough pixels to see the rows
        keep = np.random.default_rng(0).choice(len(ys), 200_000, replace=False)
        ys, xs = ys[keep], xs[keep]

    def sharpness(a: float) -> float:
        yy = np.round(ys - xs * np.tan(np.radians(a))).astype(np.int64)
        hist = np.bincount(yy - yy.min())
        return float((hist.astype(np.float64) ** 2).sum())

    coarse = max(np.arange(-1.5, 1.51, 0.1), key=sharpness)
    return float(max(np.arange(coarse - 0.1, coarse + 0.101, 0.02), key=sharpness))


def rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    if abs(angle) < 0.05:
        return grey
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


@dataclass
class Grid:
    """A ruled table: row edges `ys`, column edges `xs` (pixels) and its merged cells, each as
    (row, col, last row, last col) of grid positions."""

    ys: list[int]
    xs: list[int]
    cells: list[tuple[int, int, int, int]]

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]


def _cluster(values: list[float], tol: float) -> list[int]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [int(round(float(np.mean(c)))) for c in out]


def rule_masks(ink: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling lines: ink runs much longer than any stroke of a character."""
    import cv2

    h_len = max(20, int(50 * scale))
    v_len = max(12, int(24 * scale))  # shorter than one printed row, longer than a character's stroke
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    # bridge the small breaks a noisy scan leaves in a rule
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 9)))
    return horiz, _joined(vert, horiz, scale)


def _joined(vert: np.ndarray, horiz: np.ndarray, scale: float) -> np.ndarray:
    """Vertical rules only: a short upright run is a rule when it meets a horizontal rule at both
    ends (the upright stroke of 本 or 年 meets none); long runs are rules anyway."""
    import cv2

    reach = max(3, int(round(6 * scale)))
    near = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 2 * reach + 1)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if h >= 80 * scale:
            keep[i] = True
            continue
        top, bottom = near[y : y + 2, x : x + w], near[y + h - 2 : y + h, x : x + w]
        keep[i] = bool(top.any() and bottom.any())
    return np.where(keep[lab], vert, 0).astype(np.uint8)


def find_grids(horiz: np.ndarray, vert: np.ndarray, scale: float) -> list[Grid]:
    """The ruled tables of a page, top to bottom."""
    import cv2

    h, w = horiz.shape
    both = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((3, 3), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    grids: list[Grid] = []
    tol = max(3.0, 5 * scale)
    for i in range(1, n):
        x, y, bw, bh, _area = stats[i]
        if bw < w * 0.15 or bh < 20 * scale:
            continue
        region = lab[y : y + bh, x : x + bw] == i
        hy = _segments(horiz[y : y + bh, x : x + bw] & region.astype(np.uint8) * 255, axis=0)
        vx = _segments(vert[y : y + bh, x : x + bw] & region.astype(np.uint8) * 255, axis=1)
        # rules at least as long as a grid step; a stray text stroke is not a rule
        ys = _cluster([y + c for c, a, b in hy if b - a >= 30 * scale], tol)
        xs = _cluster([x + c for c, a, b in vx if b - a >= 15 * scale], tol)
        if len(ys) < 2 or len(xs) < 2:
            continue
        grids.append(_merge_cells(ys, xs, horiz, vert, scale))
    return sorted(grids, key=lambda g: g.ys[0])


def _segments(mask: np.ndarray, axis: int) -> list[tuple[float, int, int]]:
    """Each rule in a mask as (position across it, start, end along it)."""
    import cv2

    n, lab, stats, cent = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if axis == 0:  # horizontal: position y, extent x
            out.append((float(cent[i][1]), int(x), int(x + w)))
        else:
            out.append((float(cent[i][0]), int(y), int(y + h)))
    return out


def _covered(mask: np.ndarray, fixed: int, a: int, b: int, vertical: bool, reach: int) -> float:
    """Share of the edge from a to b at `fixed` that is ruled (within `reach` pixels across)."""
    if b - a <= 2:
        return 1.0
    lo, hi = max(fixed - reach, 0), fixed + reach + 1
    strip = mask[a:b, lo:hi] if vertical else mask[lo:hi, a:b]
    return float((strip.max(axis=1 if vertical else 0) > 0).mean())


def _merge_cells(ys: list[int], xs: list[int], horiz: np.ndarray, vert: np.ndarray, scale: float) -> Grid:
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    reach = max(2, int(round(4 * scale)))
    inset = max(2, int(round(5 * scale)))  # leave the crossings out: a crossing rule is not this edge
    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and _covered(vert, xs[c + 1], ys[r] + inset, ys[r + 1] - inset, True, reach) < 0.6:
                parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr and _covered(horiz, ys[r + 1], xs[c] + inset, xs[c + 1] - inset, False, reach) < 0.6:
                parent[find((r + 1) * nc + c)] = find(r * nc + c)
    spans: dict[int, list[int]] = {}
    for k in range(nr * nc):
        r, c = divmod(k, nc)
        s = spans.setdefault(find(k), [r, c, r, c])
        s[0], s[1], s[2], s[3] = min(s[0], r), min(s[1], c), max(s[2], r), max(s[3], c)
    return Grid(ys, xs, sorted((s[0], s[1], s[2], s[3]) for s in spans.values()))


# ---------------------------------------------------------------------------------------------
# Recognition


@lru_cache(maxsize=1)
def engine() -> Any:
    """rapidocr with the models its wheel ships (loaded once per process, ~0.4 s)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "reading scans needs rapidocr-onnxruntime 1.4.4 and OpenCV (pip install 'rapidocr-onnxruntime==1.4.4'); "
            f"import failed: {exc}. If OpenCV cannot find libGL.so.1, install libgl1 (apt-get install libgl1) "
            "or replace opencv-python by opencv-python-headless"
        ) from exc
    eng = RapidOCR(use_cls=False, intra_op_num_threads=1, inter_op_num_threads=1)
    # detection runs on bands of a page: never scale them up (the default scales the short side to 736)
    eng.text_det.limit_type = "max"
    # cell crops are short: pad each batch to its own widest crop, not to 320 px (3× less work, same text);
    # one crop at a time: no padding at all, and on these cores batches were no faster (1.6 s vs 1.8 s a page at 4–6)
    eng.text_rec.rec_image_shape = [3, 48, 48]
    eng.text_rec.rec_batch_num = 1
    return eng


def _line_bands(ink: np.ndarray, min_h: int) -> list[tuple[int, int]]:
    """Printed lines in a cell crop: runs of rows holding ink, small gaps bridged."""
    rows = np.nonzero(ink.sum(axis=1) >= 2 * 255)[0]
    if not len(rows):
        return []
    bands: list[list[int]] = [[int(rows[0]), int(rows[0])]]
    for r in rows[1:]:
        if r - bands[-1][1] <= max(2, min_h // 3):
            bands[-1][1] = int(r)
        else:
            bands.append([int(r), int(r)])
    return [(a, b + 1) for a, b in bands if b + 1 - a >= min_h]


@dataclass
class _Crop:
    cell: int  # index into the page's cell list
    image: np.ndarray


def _cell_crops(
    grey: np.ndarray, ink: np.ndarray, rules: np.ndarray, box: tuple[int, int, int, int], scale: float
) -> list[np.ndarray]:
    """The printed lines of one cell as crops for the recogniser, ruling lines painted out."""
    x0, y0, x1, y1 = box
    m = max(1, int(round(2 * scale)))
    x0, y0, x1, y1 = x0 + m, y0 + m, x1 - m, y1 - m
    if x1 - x0 < 4 or y1 - y0 < 4:
        return []
    cell_ink = ink[y0:y1, x0:x1] & ~rules[y0:y1, x0:x1]
    min_h = max(4, int(round(7 * scale)))
    out = []
    for a, b in _line_bands(cell_ink, min_h):
        cols = np.nonzero(cell_ink[a:b].sum(axis=0) >= 255)[0]
        if len(cols) < 2:
            continue
        pad = max(2, int(round(4 * scale)))
        # text at about two thirds of the crop's height, as the detector's boxes give it: the recogniser
        # scales each crop to 48 px high, so a looser crop is also a narrower input (15% less CPU, same text)
        vpad = max(3, int(round(7 * scale)))
        ca, cb = max(0, a - vpad), min(y1 - y0, b + vpad)
        xa, xb = max(0, int(cols[0]) - pad), min(x1 - x0, int(cols[-1]) + 1 + pad)
        crop = grey[y0 + ca : y0 + cb, x0 + xa : x0 + xb].copy()
        crop[rules[y0 + ca : y0 + cb, x0 + xa : x0 + xb] > 0] = 255
        out.append(crop)
    return out


def _rec(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    import cv2

    if not crops:
        return []
    # white margins of a quarter of the height: with none the recogniser drops a last digit
    # (`1,503.52` read `1,503.5` on a 财政局 scan); with them 409 of 409 cells of five pages read right
    padded = [
        cv2.copyMakeBorder(c, 0, 0, c.shape[0] // 4, c.shape[0] // 4, cv2.BORDER_CONSTANT, value=255) for c in crops
    ]
    res, _ = engine().text_rec([cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in padded])
    return [(str(t), float(s)) for t, s in res]


Box = tuple[int, int, int, int, str, float]  # x0, y0, x1, y1 on the page, text read, confidence


def _text_boxes(grey: np.ndarray, scale: float) -> list[Box]:
    """Text outside the tables (tables already painted white): detection + recognition on the
    bands of the page that hold ink."""
    import cv2

    ink = binarise(grey, scale)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # scanner specks
    rows = np.nonzero(ink.sum(axis=1) >= 3 * 255)[0]
    if not len(rows):
        return []
    gap = int(60 * scale)
    bands: list[list[int]] = [[int(rows[0]), int(rows[0])]]
    for r in rows[1:]:
        if r - bands[-1][1] > gap:
            bands.append([int(r), int(r)])
        else:
            bands[-1][1] = int(r)
    found: list[tuple[int, int, int, int]] = []
    pad = int(20 * scale)
    h, w = grey.shape
    f = DET_SCALE / max(scale, _MIN_SCALE)
    for a, b in bands:
        if b - a < 5 * scale:
            continue
        top, bottom = max(0, a - pad), min(h, b + pad)
        # detection on the band at reduced size: printed text stays well above the detector's smallest
        small = cv2.resize(grey[top:bottom], None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        quads, _ = engine().text_det(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
        for q in quads if quads is not None else []:
            q = np.asarray(q, dtype=float) / f
            bp = int(3 * scale)
            x0, x1 = max(0, int(q[:, 0].min()) - bp), min(w, int(q[:, 0].max()) + bp)
            y0, y1 = max(0, int(q[:, 1].min()) + top - bp), min(h, int(q[:, 1].max()) + top + bp)
            if x1 - x0 > 3 and y1 - y0 > 3:
                found.append((x0, y0, x1, y1))
    read = _rec([grey[y0:y1, x0:x1] for x0, y0, x1, y1 in found])
    return [(*bx, t.strip(), s) for bx, (t, s) in zip(found, read) if t.strip()]


def _box_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes sharing a baseline, top to bottom, each line left to right."""
    lines: list[list[Box]] = []
    for bx in sorted(boxes, key=lambda t: (t[1] + t[3]) / 2):
        mid = (bx[1] + bx[3]) / 2
        if lines and abs(mid - np.mean([(o[1] + o[3]) / 2 for o in lines[-1]])) < (bx[3] - bx[1]) * 0.5:
            lines[-1].append(bx)
        else:
            lines.append([bx])
    return [sorted(ln, key=lambda t: t[0]) for ln in lines]


def _text_lines(grey: np.ndarray, page_no: int, scale: float) -> list[tuple[int, Any, list[float]]]:
    """Text outside the ruled tables as lines (TextBlocks), and tables printed without ruling lines
    (TableBlocks, `unruled_tables`), each with its top and its confidences."""
    lines = _box_lines(_text_boxes(grey, scale))
    out: list[tuple[int, Any, list[float]]] = []
    for top, block, taken in unruled_tables(lines, page_no):
        scores = [c.confidence for r in block.rows for c in r if c.text and c.confidence is not None]
        out.append((top, block, scores or [0.0]))
        lines = [ln for ln in lines if id(ln) not in taken]
    for ln in lines:
        text = " ".join(t[4] for t in ln)
        x0, y0 = int(min(t[0] for t in ln)), int(min(t[1] for t in ln))
        x1, y1 = int(max(t[2] for t in ln)), int(max(t[3] for t in ln))
        out.append((y0, TextBlock(text, f"page {page_no} box ({x0},{y0},{x1},{y1})"), [t[5] for t in ln]))
    return out


# ---------------------------------------------------------------------------------------------
# Tables printed without ruling lines


def _is_figure(text: str) -> bool:
    """An amount as tables print them (with decimals) or a zero mark: what makes a line a table row."""
    c = clean_amount(text)
    return c is not None and ("." in c or c in _ZERO_MARKS)


def _body_line(ln: list[Box]) -> bool:
    return len(ln) >= 2 and any(_is_figure(b[4]) for b in ln)


def _stops_header(ln: list[Box]) -> bool:
    """A line above a table that is not its header: the unit line, the title, a sentence."""
    from ..core.catalog import ANY_TABLE_TITLE, clean_title

    text = "".join(b[4] for b in ln)
    unit = re.search(r"单位[:：]", text)  # 单位：万元, 编制单位：… (not 对附属单位补助支出)
    return bool(unit or ANY_TABLE_TITLE.search(clean_title(text))) or text.endswith(("。", "：", ":"))


def _height(lines: list[list[Box]]) -> float:
    return float(np.median([b[3] - b[1] for ln in lines for b in ln]))


def _gap(upper: list[Box], lower: list[Box]) -> int:
    """Blank pixels between two lines."""
    return min(b[1] for b in lower) - max(b[3] for b in upper)


def _run_end(lines: list[list[Box]], start: int, h: float) -> int:
    """Where the table rows from `start` end: body lines, and the lines of a label wrapped in its
    cell (set tight against a body line) between them."""
    end = start + 1
    while end < len(lines) and _gap(lines[end - 1], lines[end]) < 2.5 * h:
        ln = lines[end]
        wrapped_below = _body_line(lines[end - 1]) and _gap(lines[end - 1], ln) < 0.8 * h
        wrapped_above = end + 1 < len(lines) and _body_line(lines[end + 1]) and _gap(ln, lines[end + 1]) < 0.8 * h
        if not (_body_line(ln) or wrapped_below or wrapped_above):
            break
        end += 1
    return end


def _table_runs(lines: list[list[Box]]) -> list[tuple[int, int, int]]:
    """(first header line, first body line, end) of each table printed without rules: two or more
    lines with figures, each beside other text (`_body_line`), and the header lines just above."""
    if not lines:
        return []
    h = _height(lines)
    runs = []
    k = 0
    while k < len(lines):
        if not _body_line(lines[k]):
            k += 1
            continue
        start, end = k, _run_end(lines, k, h)
        head = start
        while head > 0 and not _stops_header(lines[head - 1]) and _gap(lines[head - 1], lines[head]) < 3 * h:
            head -= 1
        if sum(_body_line(ln) for ln in lines[start:end]) >= 2:
            runs.append((head, start, end))
        k = end
    return runs


def _merge_spans(spans: list[tuple[int, int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for x0, x1 in sorted(spans):
        if out and x0 <= out[-1][1]:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return out


def _columns(body: list[list[Box]], head: list[list[Box]]) -> list[list[int]]:
    """Column x-spans: the projection of the body's boxes (figures are aligned in their column), and
    columns only the header names (a column printed blank in every row)."""
    cols = _merge_spans([(b[0], b[2]) for ln in body for b in ln])
    alone = [(b[0], b[2]) for ln in head for b in ln if not any(b[0] < c[1] and c[0] < b[2] for c in cols)]
    return sorted(cols + _merge_spans(alone))


def _column_of(b: Box, cols: list[list[int]]) -> int:
    """The column a box overlaps most (a header word centred over two columns goes to one of them)."""
    overlap = [min(b[2], c[1]) - max(b[0], c[0]) for c in cols]
    if max(overlap) > 0:
        return int(np.argmax(overlap))
    mid = (b[0] + b[2]) / 2
    return int(np.argmin([abs(mid - (c[0] + c[1]) / 2) for c in cols]))


def _row_cells(boxes: list[Box], cols: list[list[int]], page_no: int, y: tuple[int, int]) -> list[Cell]:
    """One table row from its boxes: per column the texts top to bottom (lines joined by a newline,
    as a ruled cell's), the union of their boxes, the least confidence; a column with none is blank."""
    per: dict[int, list[Box]] = {}
    for b in boxes:
        per.setdefault(_column_of(b, cols), []).append(b)
    row = []
    for j, (cx0, cx1) in enumerate(cols):
        got = sorted(per.get(j, []), key=lambda b: ((b[1] + b[3]) // 2, b[0]))
        if not got:
            row.append(Cell("", f"page {page_no} box ({cx0},{y[0]},{cx1},{y[1]})", 1.0))
            continue
        lines = _box_lines(got)
        text = "\n".join(" ".join(b[4] for b in ln) for ln in lines)
        x0, y0 = min(b[0] for b in got), min(b[1] for b in got)
        x1, y1 = max(b[2] for b in got), max(b[3] for b in got)
        row.append(Cell(text, f"page {page_no} box ({x0},{y0},{x1},{y1})", round(min(b[5] for b in got), 4)))
    return row


def unruled_tables(lines: list[list[Box]], page_no: int) -> list[tuple[int, TableBlock, set[int]]]:
    """Tables printed without ruling lines, from the OCR'd text lines: rows by the lines (a label
    wrapped in its cell joins the nearest row with figures), columns by the projection of the boxes'
    x-spans, the header lines above as one header row. The same TableBlock grid as a ruled table's,
    so the same interpreters read it. Also: the ids of the lines taken (no longer text lines)."""
    out = []
    for head, start, end in _table_runs(lines):
        body_lines = [ln for ln in lines[start:end] if _body_line(ln)]
        cols = _columns(body_lines, lines[head:start])
        members: list[list[Box]] = [list(ln) for ln in body_lines]
        for ln in lines[start:end]:
            if not _body_line(ln):  # a wrapped label's line: to the row nearest it
                mid = (ln[0][1] + ln[0][3]) / 2
                k = int(np.argmin([abs(mid - (r[0][1] + r[0][3]) / 2) for r in body_lines]))
                members[k] += ln
        rows: list[list[Cell]] = []
        if head < start:
            header = [b for ln in lines[head:start] for b in ln]
            rows.append(_row_cells(header, cols, page_no, (min(b[1] for b in header), max(b[3] for b in header))))
        for m in members:
            rows.append(_row_cells(m, cols, page_no, (min(b[1] for b in m), max(b[3] for b in m))))
        top = min(b[1] for ln in lines[head:end] for b in ln)
        block = TableBlock(_normalised(rows), f"page {page_no}", ocr=True)
        block.notes.append(f"page {page_no}: a table printed without ruling lines, its columns found from the text")
        out.append((top, block, {id(ln) for ln in lines[head:end]}))
    return out


def _amount_columns(rows: list[list[Cell]]) -> set[int]:
    """Columns whose filled cells are mostly amounts with decimals (codes and labels are not)."""
    out: set[int] = set()
    width = max((len(r) for r in rows), default=0)
    for j in range(width):
        texts = [t for r in rows if j < len(r) and (t := r[j].text)]
        nums = [t for t in texts if (c := clean_amount(t, amount_column=False)) and "." in c]
        if len(nums) >= 2 and len(nums) * 2 >= len(texts):
            out.add(j)
    return out


def _normalised(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Amounts in amount columns as printed (`clean_amount`); anything else as read."""
    amounts = _amount_columns(rows)
    for row in rows:
        for j in amounts:
            cell = row[j]
            if cell.text and "\n" not in cell.text and (fixed := clean_amount(cell.text)) is not None:
                row[j] = Cell(fixed, cell.ref, cell.confidence)
    return rows


def read_grid(
    grey: np.ndarray, ink: np.ndarray, rules: np.ndarray, grid: Grid, page_no: int, scale: float
) -> TableBlock:
    """One ruled table: every cell recognised from its own crop (recognition only), in one batch."""
    crops: list[_Crop] = []
    boxes = []
    for k, (r0, c0, r1, c1) in enumerate(grid.cells):
        box = (grid.xs[c0], grid.ys[r0], grid.xs[c1 + 1], grid.ys[r1 + 1])
        boxes.append(box)
        crops += [_Crop(k, im) for im in _cell_crops(grey, ink, rules, box, scale)]
    results = _rec([c.image for c in crops])
    texts: dict[int, list[str]] = {}
    confs: dict[int, list[float]] = {}
    for c, (t, s) in zip(crops, results):
        t = t.strip()
        texts.setdefault(c.cell, []).append(t)
        confs.setdefault(c.cell, []).append(s if t else 0.0)
    nr, nc = len(grid.ys) - 1, len(grid.xs) - 1
    rows: list[list[Cell]] = [[Cell(None) for _ in range(nc)] for _ in range(nr)]
    for k, (r0, c0, _r1, _c1) in enumerate(grid.cells):
        x0, y0, x1, y1 = boxes[k]
        ref = f"page {page_no} box ({x0},{y0},{x1},{y1})"
        parts = [t for t in texts.get(k, []) if t]
        text = "\n".join(parts)
        conf = min(confs[k]) if k in confs else 1.0  # no ink at all: a blank cell, surely
        rows[r0][c0] = Cell(text, ref, round(conf, 4))
    return TableBlock(_normalised(rows), f"page {page_no}", ocr=True)


def quarter_turns(grey: np.ndarray, ink: np.ndarray, horiz: np.ndarray, vert: np.ndarray, scale: float) -> int:
    """How many quarter turns (numpy's rot90) put a page scanned sideways upright; 0 for an upright page.
    Printed lines run across: closing the gaps between characters along a line joins far more of the
    text than closing across lines does, so the direction that joins more is the direction of the
    lines (rules left out). Which of the two sideways turns is right is left to the recogniser."""
    import cv2

    text = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))))
    small = (cv2.resize(text, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) > 100).astype(np.uint8)
    k = max(3, int(round(4 * scale)))
    along = cv2.connectedComponents(cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((1, k), np.uint8)))[0]
    across = cv2.connectedComponents(cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((k, 1), np.uint8)))[0]
    # upright pages of the scans: along/across 0.3–0.8; the same pages sideways 1.2–3.6
    if along + across < 40 or along <= 1.15 * across:
        return 0
    # a cover in large, widely spaced characters can look sideways too: the recogniser decides, and
    # the page stays as it is unless a turn reads clearly better
    conf = {t: _reading_confidence(np.ascontiguousarray(np.rot90(grey, t)), scale) for t in (0, 1, 3)}
    best = max((1, 3), key=lambda t: conf[t])
    return best if conf[best] > conf[0] + 0.05 else 0


def _reading_confidence(grey: np.ndarray, scale: float) -> float:
    """Mean recogniser confidence on the page's longest detected lines (upside-down text reads badly)."""
    import cv2

    f = 0.4 / max(scale, _MIN_SCALE)
    small = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    quads, _ = engine().text_det(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    boxes = []
    for q in quads if quads is not None else []:
        q = np.asarray(q, dtype=float) / f
        boxes.append((int(q[:, 0].min()), int(q[:, 1].min()), int(q[:, 0].max()) + 1, int(q[:, 1].max()) + 1))
    boxes = sorted((b for b in boxes if b[2] - b[0] > b[3] - b[1]), key=lambda b: b[0] - b[2])[:8]
    if not boxes:
        return 0.0
    read = _rec([grey[max(0, y0) : y1, max(0, x0) : x1] for x0, y0, x1, y1 in boxes])
    return float(np.mean([s for _, s in read]))


def read_page(grey: np.ndarray, page_no: int, name: str | None = None) -> tuple[Page, float, int]:
    """One page image into a Page; also the skew angle found (degrees; +90/-90 added when the page
    was scanned sideways) and the count of CJK characters read."""
    scale = max(grey.shape) / (A4_LONG_INCH * RENDER_DPI)
    angle = skew_angle(binarise(grey, scale), scale)
    grey = rotate(grey, angle)
    ink = binarise(grey, scale)
    horiz, vert = rule_masks(ink, scale)
    turns = quarter_turns(grey, ink, horiz, vert, scale)
    if turns:
        grey = np.ascontiguousarray(np.rot90(grey, turns))
        ink = binarise(grey, scale)
        horiz, vert = rule_masks(ink, scale)
        angle += 90.0 if turns == 1 else -90.0
    grids = find_grids(horiz, vert, scale)
    import cv2

    rules = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((3, 3), np.uint8))
    blocks: list[tuple[int, Any]] = []
    cjk = 0
    outside = grey.copy()
    for g in grids:
        tb = read_grid(grey, ink, rules, g, page_no, scale)
        blocks.append((g.ys[0], tb))
        x0, y0, x1, y1 = g.box
        p = int(3 * scale)
        outside[max(0, y0 - p) : y1 + p, max(0, x0 - p) : x1 + p] = 255
        cjk += sum(
            _cjk(c.text) for r in tb.rows for c in r if c.text and c.confidence is not None and c.confidence >= 0.8
        )
    for y, block, scores in _text_lines(outside, page_no, scale):
        blocks.append((y, block))
        if isinstance(block, TableBlock):
            cjk += sum(_cjk(c.text) for r in block.rows for c in r if c.text and (c.confidence or 0) >= 0.8)
        elif min(scores) >= 0.8:
            cjk += _cjk(block.text)
    blocks.sort(key=lambda t: t[0])
    return Page(page_no, [b for _, b in blocks], name=name), angle, cjk


def _cjk(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


# ---------------------------------------------------------------------------------------------
# Containers


def _images(path: Path) -> tuple[str, Iterator[tuple[str | None, np.ndarray]], list[str]]:
    if path.is_dir():
        files, notes = folder_pages(path)
        return "images", ((f.name, g) for f in files for g in image_pages(f)), notes
    from .containers import is_image

    with open(path, "rb") as fh:
        head = fh.read(1024)
    if head.lstrip().startswith(b"%PDF"):
        return "pdf_scan", ((None, img) for img in pdf_pages(path)), []
    if is_image(head) or path.suffix.lower() in IMAGE_SUFFIXES:  # by its bytes; by its name, to say why it fails
        return "image", ((path.name, g) for g in image_pages(path)), []
    raise ReportError(
        path, f"not a page image ({', '.join(IMAGE_SUFFIXES)}) nor a PDF", code=ErrorCode.UNSUPPORTED_FORMAT
    )


def _on_dask_worker() -> bool:
    """Whether this code runs in a task on a Dask worker (distributed is imported only where it already
    is: a process pool or a single process never pays for it)."""
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:  # not inside a task on a worker
        return False
    return True


def _read_pages(images: Iterator[tuple[str | None, np.ndarray]]) -> Iterator[tuple[str | None, tuple]]:
    """(name, read_page's result) for each page image, in page order. On a Dask worker the pages are
    read as tasks of their own, spread over the cluster (a scanned report's pages at once, not one
    after another on the worker its report landed on), no more in flight than the cluster has
    threads; elsewhere one after another, here."""
    if not _on_dask_worker():
        for k, (name, grey) in enumerate(images, start=1):
            yield name, read_page(grey, k, name)
        return
    from distributed import worker_client

    with worker_client() as client:  # this task steps out of its thread while its pages run
        window = max(1, sum(client.nthreads().values()))
        pending: list[tuple[str | None, Any]] = []
        for k, (name, grey) in enumerate(images, start=1):
            # pure=False: a key of its own, read_page-<uuid> (what the cluster's task stream shows)
            pending.append((name, client.submit(read_page, grey, k, name, pure=False)))
            while len(pending) >= window:
                first, fut = pending.pop(0)
                yield first, fut.result()
        for name, fut in pending:
            yield name, fut.result()


def read_layout(path: Path) -> Layout:
    """A scanned PDF, a page image or a folder of page images, read by OCR into pages of blocks."""
    path = Path(path)
    if not path.exists():
        raise ReportError(path, "no such file or folder", code=ErrorCode.NO_SUCH_FILE)
    kind, images, notes = _images(path)
    pages: list[Page] = []
    blank: list[str] = []
    angles: list[float] = []
    for k, (name, (page, angle, cjk)) in enumerate(_read_pages(images), start=1):
        pages.append(page)
        label = name or f"page {k}"
        if cjk < MIN_REPORT_CHARS:
            blank.append(label)
        angles.append(angle)
    if not pages:
        raise ReportError(path, "the PDF has no pages", code=ErrorCode.EMPTY_FILE)
    if blank and len(blank) == len(pages):
        if kind == "image" and len(pages) == 1:
            raise ReportError(
                path,
                "no printed text found on the image (a photo or a blank page?); not a report page",
                code=ErrorCode.NOT_A_REPORT,
            )
        raise ReportError(
            path,
            "no printed text found on any page (photos or blank pages?); not a report page",
            code=ErrorCode.NOT_A_REPORT,
        )
    if blank:
        notes.append(f"no printed text found on: {', '.join(blank)} (blank pages or pictures)")
    sideways = [k for k, a in enumerate(angles, start=1) if abs(a) > 45]
    if sideways:
        notes.append(f"page(s) {', '.join(map(str, sideways))} scanned sideways; turned upright before reading")
    skews = [abs(a - 90 * round(a / 90)) for a in angles]  # the lean left after any quarter turn
    turned = [a for a in skews if a >= 0.05]
    if turned:
        notes.append(f"read by OCR; {len(turned)} of {len(pages)} pages deskewed (by up to {max(turned):.2f}°)")
    return Layout(kind, pages, notes)
