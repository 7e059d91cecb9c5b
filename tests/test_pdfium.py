"""The `pdfium` engine against the reference, `pdfplumber`: every dataset identical on every PDF of the
corpus, the same text layer and table grids on PDFs from other producers and on rotated pages, and the
same clear message for PDFs that cannot be read.

`pdfium` parses pages with PDFium and hands them to pdfplumber's own text and table algorithms
(read/pdfium_pages.py); these tests are what allows it to be the default engine.
"""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.normalize import normalize_text
from helpers.core.paths import DATA_RAW
from helpers.data.extract import extract_report
from helpers.read.document import read_document
from helpers.read.engines import DEFAULT_PDF_ENGINE, ENGINE_NAMES
from helpers.read.pdfium_pages import read_pages
from helpers.tables.pdf_tables import find_pdf_tables

from .conftest import PDF_CZJ
from .fixtures.pdf_truth import TRUTH, score
from .test_pdf_tables import _pdf_without_tounicode
from .test_untrusted_inputs import _encrypted_pdf

CORPUS_PDFS = sorted(DATA_RAW.glob("*.pdf"))
OTHER_PDFS = sorted((Path(__file__).parent / "fixtures" / "budget").glob("*.pdf"))
ENGINE_COLUMNS = ("pdf_engine", "extracted_at")  # which engine ran, and when: the only columns allowed to differ


def test_corpus_has_the_three_pdfs():
    assert len(CORPUS_PDFS) == 3 and len(OTHER_PDFS) == 3


@pytest.fixture(scope="module")
def both_engines():
    return {f.name: {e: extract_report(f, pdf_engine=e) for e in ("pdfium", "pdfplumber")} for f in CORPUS_PDFS}


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=[c for c in ENGINE_COLUMNS if c in frame.columns])
    if "layout" in out.columns:  # table_readings names the engine in its layout: "pdf ruled table (pdfium)"
        out["layout"] = out["layout"].str.replace("(pdfium)", "(pdfplumber)", regex=False)
    return out


@pytest.mark.parametrize("name", [f.name for f in CORPUS_PDFS])
def test_every_dataset_identical_to_pdfplumber(both_engines, name):
    ours, ref = both_engines[name]["pdfium"], both_engines[name]["pdfplumber"]
    assert set(ours) == set(ref)
    assert ours["reports"]["status"].iloc[0] == "ok", ours["reports"]["error"].iloc[0]
    for dataset in ref:
        pd.testing.assert_frame_equal(_comparable(ours[dataset]), _comparable(ref[dataset]), obj=f"{name} {dataset}")
    # the comparison is not between two empty things
    assert len(ours["line_items"]) > 400 and len(ours["table_readings"]) >= 4 and len(ours["narrative_facts"]) >= 15
    assert ours["reports"]["pdf_engine"].iloc[0] == "pdfium"
    assert ref["reports"]["pdf_engine"].iloc[0] == "pdfplumber"


@pytest.mark.parametrize("name", [n for n in TRUTH])
def test_pdfium_reads_every_hand_checked_cell(name):
    doc = read_document(DATA_RAW / name, "pdfium")
    try:
        found = find_pdf_tables(doc, "pdfium")
    finally:
        doc.close()
    right, total, wrong = score(found, TRUTH[name])
    assert wrong == [] and right == total > 80
    assert {code: ft.status for code, ft in found.items()} == TRUTH[name]["tables"]


def test_t5_total_as_printed(both_engines):
    li = both_engines[PDF_CZJ.name]["pdfium"]["line_items"]
    total = li[(li.table == "T5") & (li.row_label == "合计") & (li.measure == "total")]
    assert total.amount_wan.tolist() == [pytest.approx(2940.05)]  # 财政局 page 15, 合计 2,940.05
    assert total.source_ref.tolist() == ["page 15"]


def _pages_alike(path: Path) -> None:
    """Page by page: the text layer and every ruled table's cells, PDFium's pages against pdfminer's."""
    import pdfplumber

    ours = read_pages(path)
    with pdfplumber.open(path) as ref:
        assert len(ours.pages) == len(ref.pages)
        for p, q in zip(ours.pages, ref.pages):
            assert (p.width, p.height, p.rotation) == (q.width, q.height, q.rotation)
            where = f"{path.name} page {p.page_number}"
            assert p.extract_text() == q.extract_text(), where
            ours_t, ref_t = p.find_tables(), q.find_tables()
            assert [v for t in ours_t for v in t.bbox] == pytest.approx([v for t in ref_t for v in t.bbox], abs=1e-3), (
                where
            )
            # cells as pdfplumber's Table.extract fills them, and by PdfiumPage's faster route
            assert [t.extract() for t in ours_t] == [t.extract() for t in ref_t], where
            assert [p.table_cells(t) for t in ours_t] == [t.extract() for t in ref_t], where
            # the text around each table (titles above, notes below), through PdfiumPage's crop
            for a, b in zip(ours_t, ref_t):
                for box_a, box_b in (
                    ((0, 0, p.width, a.bbox[1]), (0, 0, q.width, b.bbox[1])),
                    ((0, a.bbox[3], p.width, p.height), (0, b.bbox[3], q.width, q.height)),
                ):
                    if box_b[3] - box_b[1] >= 1:
                        assert p.crop(box_a).extract_text() == q.crop(box_b).extract_text(), where


def test_characters_and_lines_where_pdfminer_puts_them():
    """财政局 page 16 (T6): each character's box and each ruling line within 0.001 pt of pdfminer's."""
    import pdfplumber

    p = read_pages(PDF_CZJ).pages[15]
    with pdfplumber.open(PDF_CZJ) as pdf:
        q = pdf.pages[15]
        assert [c["text"] for c in p.chars] == [c["text"] for c in q.chars]
        assert "住房公积金" in "".join(c["text"] for c in p.chars)
        for kind in ("chars", "lines"):
            a, b = getattr(p, kind), getattr(q, kind)
            assert len(a) == len(b) > 50
            for x, y in zip(a, b):
                for k in ("x0", "x1", "top", "bottom"):
                    assert x[k] == pytest.approx(y[k], abs=1e-3), (kind, k, x, y)
        assert [c["upright"] for c in p.chars] == [c["upright"] for c in q.chars]


def test_cells_found_as_pdfplumber_finds_them():
    """PdfiumPage's table finder builds each point's edges once (`_cells`): on every page of the 财政局
    PDF the cells are pdfplumber's `intersections_to_cells`, the same boxes in the same order."""
    from pdfplumber.table import TableFinder, intersections_to_cells

    from helpers.read.pdfium_pages import _cells

    cells = 0
    for page in read_pages(PDF_CZJ).pages:
        finder = TableFinder(page)
        ours = _cells(finder.intersections)
        assert ours == intersections_to_cells(finder.intersections), page.page_number
        assert [t.bbox for t in page.find_tables()] == [t.bbox for t in finder.tables], page.page_number
        cells += len(ours)
    assert cells > 1000  # T1..T9 over 25 pages: the comparison is not between empty lists


def test_a_cells_and_a_pages_text_are_pdfplumbers(tmp_path):
    """`cell_text` (a cell's text for `table.extract()`) is pdfplumber's `utils.extract_text`, and a page's or a
    crop's `extract_text` (`page_text`) is pdfplumber's text map: on every cell of every table of the corpus's
    PDFs and the other producers', on whole pages and crops, and on the cases the rules are about: a space, a
    gap past the tolerance, lines within it, a line whose characters' tops drift, characters out of order, a
    rotated character or a ligature (pdfplumber's own text then)."""
    from pdfplumber import utils
    from pdfplumber.page import CroppedPage, Page

    from helpers.read.pdfium_pages import cell_text, page_text

    cells = 0
    for path in [*CORPUS_PDFS, *OTHER_PDFS]:
        for page in read_pages(path).pages:
            for table in page.find_tables():
                for row in table.rows:
                    for box in filter(None, row.cells):
                        chars = page.crop(box).chars
                        if chars:
                            assert cell_text(chars) == utils.extract_text(chars), (path.name, page.page_number, box)
                            cells += 1
            assert cell_text(page.chars) == utils.extract_text(page.chars), (path.name, page.page_number)
            assert page.extract_text() == Page.extract_text(page), (path.name, page.page_number)
            crop = page.crop((0, float(page.height) / 3, float(page.width), float(page.height)))
            assert crop.extract_text() == CroppedPage.extract_text(crop), (path.name, page.page_number)
    assert cells > 3000

    def char(text, x0, top, width=5.0, upright=True):
        return {
            "text": text,
            "x0": x0,
            "x1": x0 + width,
            "top": top,
            "bottom": top + 9,
            "upright": upright,
            "doctop": top,
            "height": 9,
            "width": width,
            "size": 9,
        }

    cases = {
        "space": [char("1", 0, 0), char(" ", 5, 0), char("2", 10, 0)],
        "gap": [char("1", 0, 0), char("2", 8.5, 0), char("3", 13.5, 0)],
        "two lines": [char("合", 0, 0), char("计", 5, 12), char("3", 10, 0)],
        "drifting tops": [char("a", 0, 0), char("b", 5, 2.5), char("c", 10, 5), char("d", 15, 2)],
        "out of order": [char("2", 5, 0), char("1", 0, 0), char("3", 5, 1)],
        "rotated": [char("1", 0, 0, upright=False), char("2", 5, 0)],
        "ligature": [char("\ufb01", 0, 0), char("x", 5, 0)],
    }
    for name, chars in cases.items():
        assert cell_text(chars) == utils.extract_text(chars), name
        assert page_text(chars) in (None, utils.chars_to_textmap(chars).as_string), name
    assert page_text(cases["rotated"]) is None and page_text(cases["drifting tops"]) is not None


def test_a_crop_keeps_the_characters_pdfplumber_keeps():
    """A crop of a PdfiumPage keeps the characters wholly inside as they are and clips the rest with
    pdfplumber's `clip_obj`: the same characters as `crop_to_bbox`, also for boxes whose edges cut
    through characters (财政局 pages 15 and 16, T5 and T6)."""
    from pdfplumber import utils

    from helpers.read.pdfium_pages import _crop_chars

    clipped = 0
    for p in read_pages(PDF_CZJ).pages[14:16]:
        w, h = float(p.width), float(p.height)
        for c in p.chars[::40]:
            mid = (c["top"] + c["bottom"]) / 2
            for box in ((0, mid, w, h), (0, 0, w, mid), ((c["x0"] + c["x1"]) / 2, 0, w, h), (0, c["top"], w, h)):
                ours = _crop_chars(p.chars, box)
                assert ours == utils.crop_to_bbox(p.chars, box), (p.page_number, box)
                clipped += sum(o["height"] < c["height"] for o in ours if o["text"] == c["text"])
        assert p.crop((0, 0, w, h / 2)).chars == utils.crop_to_bbox(p.chars, (0, 0, w, h / 2))
    assert clipped > 10  # boxes through characters were tried, not only boxes around them


@pytest.mark.parametrize("path", OTHER_PDFS, ids=[p.name for p in OTHER_PDFS])
def test_other_producers_same_text_and_tables(path):
    _pages_alike(path)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_pages_same_text_and_tables(tmp_path, rotation):
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(PDF_CZJ))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [4, 15])  # the 收入支出决算总表 and the T6 page
    for i in range(len(out)):
        out[i].set_rotation(rotation)
    f = tmp_path / f"rot{rotation}.pdf"
    out.save(str(f))
    _pages_alike(f)


def _one_page_pdf(
    path: Path, content: bytes, pages_extra: bytes = b"", page_extra: bytes = b"", resources: bytes = b"", more=()
) -> None:
    """A real one-page PDF drawing `content` with Helvetica (a built-in font, not embedded) as /F1; `resources`
    added to the page tree's resources, `more` objects numbered from 6."""
    stream = zlib.compress(content)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 "
        + pages_extra
        + b" /Resources << /Font << /F1 5 0 R >> "
        + resources
        + b" >> >>",
        b"<< /Type /Page /Parent 2 0 R " + page_extra + b" /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        *more,
    ]
    out, offs = bytearray(b"%PDF-1.4\n"), []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


DRAWING = b"""BT /F1 12 Tf 72 700 Td (Total spending 2,940.05) Tj 0 -20 Td 2 Tc (Spaced out) Tj 0 Tc
0 -20 Td 150 Tz (Wide text) Tj 100 Tz 0 -20 Td 3 Ts (Raised) Tj 0 Ts ET
0.5 w 70 500 200 100 re S 70 550 m 270 550 l S 170 500 m 170 600 l S
q 1 0 0 1 100 100 cm 0 0 50 30 re f Q 50 50 m 60 60 l h W n
70 400 m 100 450 130 450 160 400 c S"""


@pytest.mark.parametrize("where", ["inherited", "own, rotated"])
def test_objects_as_pdfminer_makes_them(tmp_path, where):
    """Character spacing, horizontal scaling, rise, a built-in font (pdfminer uses its own metrics for
    Helvetica), a MediaBox inherited from the page tree with its origin off zero, a rectangle, a
    line, a filled box under a `cm`, a clipping path (no object) and a Bézier curve."""
    import pdfplumber

    f = tmp_path / "drawn.pdf"
    if where == "inherited":
        _one_page_pdf(f, DRAWING, pages_extra=b"/MediaBox [10 20 605 862]")
    else:
        _one_page_pdf(f, DRAWING, page_extra=b"/MediaBox [0 0 595 842] /Rotate 90")
    p = read_pages(f).pages[0]
    with pdfplumber.open(f) as pdf:
        q = pdf.pages[0]
        assert p.bbox == q.bbox and p.extract_text() == q.extract_text()
        assert "2,940.05" in p.extract_text()  # on the rotated page each word is a line, as pdfminer reads it
        for kind in ("chars", "lines", "rects", "curves"):
            key = lambda o: (o.get("text", ""), round(o["x0"], 3), round(o["top"], 3))
            a, b = sorted(getattr(p, kind), key=key), sorted(getattr(q, kind), key=key)
            assert len(a) == len(b) > 0, kind
            for x, y in zip(a, b):
                assert x.get("text") == y.get("text")
                for k in ("x0", "x1", "top", "bottom"):
                    assert x[k] == pytest.approx(y[k], abs=1e-3), (kind, k, x, y)
        assert len(p.rects) == 2 and len(p.lines) == 2 and len(p.curves) == 1
        assert [t.extract() for t in p.find_tables()] == [t.extract() for t in q.find_tables()]


def test_a_forms_drawing_as_pdfminer_places_it(tmp_path):
    """A form XObject (pdfminer's LTFigure), drawn twice under two matrices and with its own /Matrix: its
    rules (one closed back to its start), box and curve are placed where pdfminer places them, points
    included, and its table read alike."""
    import pdfplumber

    form = b"0.5 w 0 0 m 200 0 l S 0 40 m 200 40 l S 0 0 m 0 40 l S 100 0 m 100 40 l S 200 0 m 200 40 l S "
    form += b"10 50 30 20 re S 10 80 m 40 120 70 120 100 80 c S 120 60 m 180 60 l h S "  # the last closed back
    form += b"BT /F1 10 Tf 5 15 Td (In a form 12.5) Tj ET"
    stream = zlib.compress(form)
    xobject = b"<< /Type /XObject /Subtype /Form /BBox [-10 -10 300 300] /Matrix [1 0 0 1 10 5] "
    xobject += b"/Resources << /Font << /F1 5 0 R >> >> /Length %d /Filter /FlateDecode >>" % len(stream)
    f = tmp_path / "form.pdf"
    _one_page_pdf(
        f,
        b"q 1 0 0 1 50 600 cm /X1 Do Q q 1.5 0 0 1.5 60 300 cm /X1 Do Q",
        pages_extra=b"/MediaBox [0 0 595 842]",
        resources=b"/XObject << /X1 6 0 R >>",
        more=[xobject + b"\nstream\n" + stream + b"\nendstream"],
    )
    p = read_pages(f).pages[0]
    with pdfplumber.open(f) as pdf:
        q = pdf.pages[0]
        assert p.extract_text() == q.extract_text() and p.extract_text().count("In a form 12.5") == 2
        for kind in ("lines", "rects", "curves"):
            key = lambda o: (round(o["x0"], 3), round(o["top"], 3), round(o["x1"], 3))
            a, b = sorted(getattr(p, kind), key=key), sorted(getattr(q, kind), key=key)
            assert len(a) == len(b) > 0, kind
            for x, y in zip(a, b):
                for k in ("x0", "x1", "top", "bottom"):
                    assert x[k] == pytest.approx(y[k], abs=1e-3), (kind, k, x, y)
                flat = [[v for pt in o.get("pts", []) for v in pt] for o in (x, y)]
                assert flat[0] == pytest.approx(flat[1], abs=1e-3), (kind, x, y)
        assert len(p.lines) == 12 and len(p.rects) == 2 and len(p.curves) == 2
        assert {len(line["pts"]) for line in p.lines} == {2}  # pdfminer's LTLine, also when closed back
        assert [t.extract() for t in p.find_tables()] == [t.extract() for t in q.find_tables()]


# ---------------------------------------------------------------------------------------------
# PDFs that cannot be read: the same message through either engine


def _pdf_with_only_a_frame(path: Path) -> None:
    """A real one-page PDF that draws a ruled box and prints no text (a scan without OCR looks so)."""
    stream = zlib.compress(b"0.5 w 50 50 495 742 re S 50 400 m 545 400 l S")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offs = bytearray(b"%PDF-1.4\n"), []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


def _error(path: Path, engine: str, code: str) -> str:
    """The failed row's message for `path` (naming it), whose error code must be `code`."""
    r = extract_report(path, pdf_engine=engine)["reports"].iloc[0]
    assert r["status"] == "failed" and r["error_code"] == code
    assert path.name in r["error"]
    return r["error"]


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_unreadable_pdfs_named_with_the_reason(tmp_path, engine):
    enc = tmp_path / "locked.pdf"
    enc.write_bytes(_encrypted_pdf())
    assert "PDF is encrypted (password-protected)" in _error(enc, engine, "encrypted")

    cut = tmp_path / "cut_short.pdf"
    cut.write_bytes(PDF_CZJ.read_bytes()[: int(PDF_CZJ.stat().st_size * 0.3)])
    assert "not a readable PDF (truncated or corrupted?)" in _error(cut, engine, "corrupt")

    cid = tmp_path / "no_tounicode.pdf"
    _pdf_without_tounicode(cid)
    assert "(cid:NNN) glyph codes" in _error(cid, engine, "no_text_layer")

    frame = tmp_path / "scan.pdf"
    _pdf_with_only_a_frame(frame)
    assert "PDF has no text layer" in _error(frame, engine, "no_text_layer")
    assert read_pages(frame).pages[0].lines  # PDFium did read the page: the frame's lines are there


# ---------------------------------------------------------------------------------------------
# One registry of engines


def test_engines_are_named_once_and_pdfium_is_the_default():
    assert ENGINE_NAMES == ("pdfium", "pdfplumber", "tabula")
    assert DEFAULT_PDF_ENGINE == "pdfium"
    assert extract_report.__kwdefaults__["pdf_engine"] == "pdfium"
    with pytest.raises(ValueError, match="choose one of pdfium, pdfplumber, tabula"):
        find_pdf_tables(read_document(PDF_CZJ, "pdfium"), "camelot")
    helptext = subprocess.run(
        [sys.executable, "-m", "helpers", "extract", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "{pdfium,pdfplumber,tabula}" in helptext and "default pdfium" in helptext


def test_chromium_printed_pdf_type3_fonts_as_pdfminer_boxes_them(tmp_path):
    """Chromium's print-to-PDF (a 政务公开 page saved as PDF) writes its text in Type3 fonts whose descriptor
    has no FontBBox: pdfminer boxes each character from its baseline, PDFium's descent would put it 0.12 em
    lower, and on a table with cells spanning rows that moved a code into the 合计 row's figure cell. The
    characters, the page's text and the tables' cells are pdfminer's."""
    import pdfplumber

    chromium = Path("/usr/bin/chromium")
    assert chromium.exists(), f"{chromium} not found: run scripts/setup.sh (the browser test needs it too)"
    rows = "".join(
        f"<tr><td>{c}</td><td>{n}</td><td>{v}</td></tr>"
        for c, n, v in [
            ("301", "工资福利支出", "95.36"),
            ("30101", "基本工资", "14.12"),
            ("30102", "津贴补贴", "39.72"),
        ]
    )
    html = tmp_path / "t6.html"
    html.write_text(
        '<html lang="zh-CN"><meta charset="utf-8"><style>table{border-collapse:collapse}'
        "td{border:1px solid #000;padding:2px 6px}</style><body>"
        "<p>一般公共预算财政拨款基本支出决算表</p><p>单位：万元</p><table>"
        '<tr><td rowspan="2">经济分类科目编码</td><td rowspan="2">科目名称</td><td>决算数</td></tr><tr><td>合计</td></tr>'
        f"{rows}</table></body></html>",
        encoding="utf-8",
    )
    pdf = tmp_path / "t6.pdf"
    subprocess.run(
        [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert b"/Type3" in pdf.read_bytes()  # the case this test is about
    ours = read_pages(pdf).pages[0]
    with pdfplumber.open(pdf) as ref:
        page = ref.pages[0]
        theirs = [c for c in page.chars if c["text"] != " "]  # PDFium leaves out a few space glyphs
        mine = [c for c in ours.chars if c["text"] != " "]
        # Chromium's ToUnicode maps 一 to the radical ⼀, which pdfminer keeps and PDFium does not: the text
        # layer's normalisation makes them one (normalize_text), as it does for every PDF
        assert [normalize_text(c["text"]) for c in mine] == [normalize_text(c["text"]) for c in theirs]
        assert len(mine) > 30
        for a, b in zip(mine, theirs):
            for k in ("x0", "x1", "top", "bottom"):
                assert a[k] == pytest.approx(b[k], abs=1e-3), (k, a["text"])
        cells = [[[normalize_text(c or "") for c in r] for r in t.extract()] for t in page.find_tables()]
        assert [
            [[normalize_text(c or "") for c in r] for r in ours.table_cells(t)] for t in ours.find_tables()
        ] == cells
        assert ["95.36", "14.12", "39.72"] == [r[2] for r in cells[0][2:]]
