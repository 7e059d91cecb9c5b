"""Scans and page images read by OCR (helpers/read/ocr.py).

The expected grids and cells were read on the page images themselves (tests/fixtures/formats, the
150-dpi scans of the two sample reports): 社会工作部 第08页 is the 支出决算表, 14 ruled rows
(项目 / 功能分类科目编码 header rows, the 合计 row, 11 coded rows) by 8 columns; 财政局 第08页 is the
收入决算表, 18 ruled rows (项目 / 支出功能分类 / 科目编码 / 类 款 项 + 合计, 14 coded rows) by 11
columns (类, 款, 项, 科目名称 and seven amounts).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers.core.errors import ErrorCode
from helpers.read import ocr
from helpers.read.document import ReportError
from helpers.read.model import TableBlock, TextBlock

from .conftest import PDF_SGB
from .fixtures.pdf_objects import write_pdf

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"  # the shared formats corpus, copied
SGB_P8 = FORMATS / "社会工作部决算图片" / "第08页.jpg"
CZJ_P8 = FORMATS / "财政局决算图片" / "第08页.jpg"
SGB_SCAN = FORMATS / "社会工作部决算扫描件.pdf"


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "read, printed",
    [
        ("1092. 80", "1092.80"),  # the recogniser's space after the decimal point
        ("1, 092. 80", "1,092.80"),
        ("１０９２．８０", "1092.80"),  # full-width digits
        ("1，092.80", "1,092.80"),  # full-width comma
        ("1O92.8o", "1092.80"),  # O/o among digits in an amount cell
        ("2,946.25", "2,946.25"),
        ("-12.30", "-12.30"),
        ("0.00", "0.00"),
        ("-", "-"),  # a printed zero mark
    ],
)
def test_ocr_numbers_are_normalised(read, printed):
    assert ocr.clean_amount(read) == printed


@pytest.mark.parametrize("read", ["±3832. 36", "1092,80", "12.3a", "10,92.80", "合计", "", "O.OO."])
def test_text_that_is_not_a_clean_number_is_left_as_read(read):
    assert ocr.clean_amount(read) is None


def test_o_is_zero_only_in_amount_columns():
    assert ocr.clean_amount("1O92.80", amount_column=False) is None
    assert ocr.clean_amount("1O92.80", amount_column=True) == "1092.80"


# --- folders and bad input -------------------------------------------------------------------


def test_folder_pages_in_natural_order_and_ignored_files_named(tmp_path):
    for name in ["第10页.jpg", "第2页.JPG", "第01页.jpg", "第3页.png", "说明.txt", "封面.pdf", ".DS_Store"]:
        (tmp_path / name).write_bytes(b"x")
    pages, notes = ocr.folder_pages(tmp_path)
    assert [p.name for p in pages] == ["第01页.jpg", "第2页.JPG", "第3页.png", "第10页.jpg"]
    assert len(notes) == 1 and "说明.txt" in notes[0] and "封面.pdf" in notes[0]


def test_folder_read_as_one_report_in_page_order(tmp_path):
    """Two page images, the top of each (title and unit line), named so that name order and page
    order differ: 第2页 is read before 第10页."""
    from PIL import Image

    with Image.open(SGB_P8) as im:
        im.crop((0, 0, im.width, 270)).save(tmp_path / "第10页.png")  # 支出决算表
    with Image.open(CZJ_P8) as im:
        im.crop((0, 0, im.width, 305)).save(tmp_path / "第2页.png")  # 收入决算表
    (tmp_path / "说明.txt").write_text("下载自某区政务公开网")
    layout = ocr.read_layout(tmp_path)
    assert layout.container == "images"
    assert [(p.number, p.name) for p in layout.pages] == [(1, "第2页.png"), (2, "第10页.png")]
    titles = [next(b.text for b in p.blocks if isinstance(b, TextBlock)) for p in layout.pages]
    assert titles == ["收入决算表", "支出决算表"]
    assert layout.pages[1].blocks[0].ref.startswith("page 2 box (")
    assert any("说明.txt" in n for n in layout.notes)


def test_multipage_tiff_and_transparent_png(tmp_path):
    from PIL import Image

    with Image.open(SGB_P8) as a, Image.open(CZJ_P8) as b:
        frames = [a.crop((0, 0, a.width, 270)), b.crop((0, 0, b.width, 305))]
    tif = tmp_path / "扫描.tif"
    frames[0].save(tif, save_all=True, append_images=frames[1:])
    assert len(ocr.image_pages(tif)) == 2
    layout = ocr.read_layout(tif)
    assert [next(b.text for b in p.blocks if isinstance(b, TextBlock)) for p in layout.pages] == [
        "支出决算表",
        "收入决算表",
    ]
    # transparent paper is white, not black
    rgba = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    rgba.paste((0, 0, 0, 255), (50, 40, 150, 60))
    png = tmp_path / "page.png"
    rgba.save(png)
    grey = ocr.load_image(png)
    assert grey[0, 0] == 255 and grey[50, 100] == 0


def test_folder_with_two_numbering_patterns_is_noted_not_refused(tmp_path):
    for name in ["财政局第1页.jpg", "财政局第2页.jpg", "社会工作部第1页.jpg"]:
        (tmp_path / name).write_bytes(b"x")
    pages, notes = ocr.folder_pages(tmp_path)
    assert len(pages) == 3
    assert any("more than one report" in n for n in notes)


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(ReportError) as e:
        ocr.read_layout(tmp_path)
    assert str(tmp_path) in str(e.value) and "no page images" in str(e.value) and "readme.txt" in str(e.value)


def test_empty_image(tmp_path):
    f = tmp_path / "第01页.jpg"
    f.write_bytes(b"")
    with pytest.raises(ReportError, match="0 bytes") as e:
        ocr.read_layout(f)
    assert e.value.path == str(f) and e.value.code == ErrorCode.EMPTY_FILE


def _png_header(w: int, h: int) -> bytes:
    """A PNG whose header claims w×h pixels (greyscale) and whose data is a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("w, h", [(50_000, 40_000), (10_000, 10_000)])
def test_huge_image_is_refused_before_decoding(tmp_path, w, h):
    f = tmp_path / "scan.png"
    f.write_bytes(_png_header(w, h))  # 2 Gpx (2 GB decoded) and 100 Mpx claimed, a few bytes of data
    with pytest.raises(ReportError, match="Mpx") as e:
        ocr.read_layout(f)
    assert "scan.png" in str(e.value) and "not decoded" in str(e.value) and e.value.code == ErrorCode.TOO_LARGE


def test_corrupt_and_truncated_images(tmp_path):
    junk = tmp_path / "page.jpg"
    junk.write_bytes(os.urandom(5000))
    with pytest.raises(ReportError, match="not a readable image"):
        ocr.read_layout(junk)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(SGB_P8.read_bytes()[:3000])
    with pytest.raises(ReportError, match="not a readable image") as e:
        ocr.read_layout(cut)
    assert "cut.jpg" in str(e.value) and e.value.code == ErrorCode.CORRUPT


def test_blank_image_and_picture_are_not_report_pages(tmp_path):
    from PIL import Image, ImageDraw

    blank = tmp_path / "blank.png"
    Image.new("L", (1240, 1754), 246).save(blank)
    with pytest.raises(ReportError, match="not a report page"):
        ocr.read_layout(blank)
    # a picture: shaded sky, a hill, a sun and sensor noise; no printed text
    rng = np.random.default_rng(1)
    sky = np.tile(np.linspace(90, 230, 1240, dtype=np.float32)[:, None], (1, 1754))
    im = Image.fromarray(np.clip(sky + rng.normal(0, 6, sky.shape), 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    d.ellipse((1300, 120, 1500, 320), fill=250)
    d.polygon([(0, 1240), (500, 700), (1100, 900), (1754, 650), (1754, 1240)], fill=60)
    photo = tmp_path / "photo.jpg"
    im.save(photo, quality=80)
    with pytest.raises(ReportError, match="not a report page") as e:
        ocr.read_layout(photo)
    assert "photo.jpg" in str(e.value) and e.value.code == ErrorCode.NOT_A_REPORT


# --- a real table page -----------------------------------------------------------------------


def _grid(path: Path) -> list[ocr.Grid]:
    grey = ocr.load_image(path)
    scale = max(grey.shape) / (ocr.A4_LONG_INCH * ocr.RENDER_DPI)
    grey = ocr.rotate(grey, ocr.skew_angle(ocr.binarise(grey, scale), scale))
    horiz, vert = ocr.rule_masks(ocr.binarise(grey, scale), scale)
    return ocr.find_grids(horiz, vert, scale)


def test_grid_of_ruled_tables_on_scanned_pages():
    (g,) = _grid(SGB_P8)
    assert (len(g.ys) - 1, len(g.xs) - 1) == (14, 8)
    # merged cells as printed: 项目 over two columns, each amount header over two rows, 合计 over two columns
    assert (0, 0, 0, 1) in g.cells and (0, 2, 1, 2) in g.cells and (2, 0, 2, 1) in g.cells
    (g,) = _grid(CZJ_P8)
    assert (len(g.ys) - 1, len(g.xs) - 1) == (18, 11)
    assert (0, 0, 0, 3) in g.cells  # 项目 over 类 款 项 科目名称
    assert (1, 3, 2, 3) in g.cells  # 科目名称 over two header rows
    assert (0, 4, 2, 4) in g.cells  # 本年收入合计 over three header rows


def test_skew_is_measured():
    grey = ocr.load_image(CZJ_P8)
    scale = max(grey.shape) / (ocr.A4_LONG_INCH * ocr.RENDER_DPI)
    # the rules of this page fall 20 px over its 1,470-px width: +0.75°
    assert abs(ocr.skew_angle(ocr.binarise(grey, scale), scale) - 0.75) < 0.1


@pytest.fixture(scope="module")
def sgb_page8():
    return ocr.read_layout(SGB_P8)


def _texts(block: TableBlock) -> list[list[str | None]]:
    return [[c.text for c in r] for r in block.rows]


def test_table_page_read_cell_by_cell(sgb_page8):
    layout = sgb_page8
    assert layout.container == "image" and len(layout.pages) == 1
    page = layout.pages[0]
    assert page.name == "第08页.jpg"
    kinds = [type(b).__name__ for b in page.blocks]
    assert kinds == ["TextBlock", "TextBlock", "TableBlock"]  # title, unit line, then the table
    title, unit, table = page.blocks
    assert isinstance(title, TextBlock) and title.text == "支出决算表"
    assert isinstance(unit, TextBlock) and unit.text.replace(":", "：") == "单位：万元"
    assert title.ref.startswith("page 1 box (")
    assert isinstance(table, TableBlock) and table.ocr
    rows = _texts(table)
    assert (len(rows), table.width) == (14, 8)
    assert rows[0][:3] == ["项目", None, "本年支出合计"] and rows[1][2] is None  # merged header cells
    assert rows[2] == ["合计", None, "307.82", "105.58", "202.24", "", "", ""]
    assert rows[7] == ["2013999", "其他社会工作事务支出", "202.24", "", "202.24", "", "", ""]
    assert rows[10][0] == "2080505" and rows[10][1].replace("\n", "") == "机关事业单位基本养老保险缴费支出"
    assert rows[13] == ["21011", "行政事业单位医疗", "2.71", "2.71", "", "", "", ""]


def test_cells_carry_confidence_and_box(sgb_page8):
    table = next(b for b in sgb_page8.pages[0].blocks if isinstance(b, TableBlock))
    cell = table.rows[2][2]  # 307.82
    assert cell.confidence is not None and 0.9 <= cell.confidence <= 1.0
    assert cell.ref is not None and cell.ref.startswith("page 1 box (")
    x0, y0, x1, y1 = map(int, cell.ref.split("(")[1].rstrip(")").split(","))
    assert 0 < x0 < x1 and 0 < y0 < y1  # the ruled cell's corners on the page image
    assert all(c.confidence is not None for r in table.rows for c in r if c.text is not None)


# --- PDFs and the network --------------------------------------------------------------------


def _scan_pdf_with_cid_text(path: Path, jpg: Path) -> None:
    """A PDF as some scanners and converters write it: the page is a JPEG, and a text layer in a
    CID font without a ToUnicode map lies over it (its text extracts as (cid:NNN))."""
    from PIL import Image

    with Image.open(jpg) as im:
        w, h = im.size
    pw, ph = w * 72 / 150, h * 72 / 150
    data = jpg.read_bytes()
    codes = "".join(f"{(g * 37) % 900 + 20:04X}" for g in range(40))
    content = (
        f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Im1 Do Q\nBT 3 Tr /F1 12 Tf 40 {ph - 40:.0f} Td 14 TL\n"
        + "\n".join(f"<{codes}> Tj T*" for _ in range(20))
        + "\nET"
    ).encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2f} {ph:.2f}] /Resources << /Font << /F1 5 0 R >> "
        "/XObject << /Im1 8 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, len(data)) + data + b"\nendstream",
    ]
    write_pdf(path, objs)


def test_scanned_pdf_needs_ocr_and_text_pdf_does_not():
    assert ocr.pdf_needs_ocr(SGB_SCAN)
    assert not ocr.pdf_needs_ocr(PDF_SGB)


@pytest.mark.slow
def test_cid_text_layer_pdf_read_by_ocr_with_the_network_off(tmp_path):
    """The garbled-text PDF is read from its page image, in a child process that has no network:
    the models ship in the wheel, nothing is fetched."""
    pdf = tmp_path / "garbled.pdf"
    _scan_pdf_with_cid_text(pdf, SGB_P8)
    import pdfplumber

    with pdfplumber.open(pdf) as p:  # the construction really yields (cid:NNN) text
        assert "(cid:" in (p.pages[0].extract_text() or "")
    assert ocr.pdf_needs_ocr(pdf)
    code = textwrap.dedent(
        f"""
        import socket, sys
        def refuse(*a, **k):
            raise OSError("network access attempted")
        socket.socket = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from pathlib import Path
        from helpers.read import ocr
        from helpers.read.model import TableBlock
        layout = ocr.read_layout(Path({str(pdf)!r}))
        t = next(b for b in layout.pages[0].blocks if isinstance(b, TableBlock))
        print(layout.container, len(t.rows), t.width, t.rows[2][2].text)
        """
    )
    cmd = [sys.executable, "-c", code]
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        cmd = ["unshare", "-rn", *cmd]  # no network namespace at all, on top of the refusing sockets
    env = dict(os.environ, PYTHONPATH=str(Path(ocr.__file__).resolve().parents[2]))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["pdf_scan", "14", "8", "307.82"]


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.slow
def test_scanned_pdf_extracted_with_no_value_wrong_and_unflagged(tmp_path):
    """The 社会工作部 scan's table pages (5–16 of 24: the nine tables; the narrative pages only cost
    time here) through extract_report: every hand-read cell of the source PDF is read right or
    marked doubtful (none wrong and unflagged), and the tables are found with their statuses."""
    import pypdfium2 as pdfium

    from helpers.data.extract import extract_report

    from .fixtures.pdf_truth import SGB, TRUTH, find_cell

    first = 5
    sub = tmp_path / "社会工作部决算扫描件_表.pdf"
    src = pdfium.PdfDocument(str(SGB_SCAN))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, list(range(first - 1, 16)))
    out.save(str(sub))
    out.close()
    src.close()

    data = extract_report(sub, with_narrative=False)
    rep = data["reports"].iloc[0]
    assert rep["source_format"] == "pdf_scan" and rep["status"] != "failed"
    items = data["line_items"]
    # every value came from OCR and says how sure the recogniser was
    assert items["ocr_confidence"].notna().all() and items["ocr_confidence"].between(0, 1).all()
    found = {t: SimpleNamespace(items=g.to_dict("records")) for t, g in items.groupby("table")}
    right, flagged, wrong = 0, 0, []
    for table, side, section, key, measure, value, page in TRUTH[SGB]["cells"]:
        it = find_cell(found, table, side, section, key, measure)
        if it is not None and it["doubtful"]:
            flagged += 1
            continue
        got = None if it is None or pd.isna(it["amount_wan"]) else it["amount_wan"]
        same = (value is None and got is None) or (value is not None and got is not None and abs(got - value) < 0.005)
        if same and str(it["source_ref"]).startswith(f"page {page - first + 1} box ("):
            right += 1
        else:
            wrong.append((table, key, measure, value, got, it and it["source_ref"]))
    assert wrong == []
    assert right >= 68 and right + flagged == len(TRUTH[SGB]["cells"])  # 72 right when measured
    statuses = TRUTH[SGB]["tables"]
    assert sorted(rep["tables_found"]) == sorted(statuses)
    assert sorted(rep["tables_empty"]) == sorted(t for t, st in statuses.items() if st == "empty")


@pytest.mark.slow
@pytest.mark.parametrize("turn", ["ROTATE_90", "ROTATE_270"])
def test_page_scanned_sideways_is_turned_upright(tmp_path, turn):
    """A landscape table scanned on a portrait page, either way round: the same table as upright."""
    from PIL import Image

    f = tmp_path / "第08页.png"
    with Image.open(SGB_P8) as im:
        im.transpose(getattr(Image.Transpose, turn)).save(f)
    layout = ocr.read_layout(f)
    table = next(b for b in layout.pages[0].blocks if isinstance(b, TableBlock))
    rows = _texts(table)
    assert (len(rows), table.width) == (14, 8)
    assert rows[7] == ["2013999", "其他社会工作事务支出", "202.24", "", "202.24", "", "", ""]
    assert any("sideways" in n for n in layout.notes)


@pytest.mark.slow
def test_a_changed_page_image_reads_its_folder_report_again(tmp_path):
    """A folder of page images is one report in an incremental run: unchanged, it is reused; one page
    replaced by another image, it is read again under a new checksum."""
    from helpers.run.pipeline import extract_many

    folder = tmp_path / "某局决算图片"
    folder.mkdir()
    shutil.copy(FORMATS / "财政局决算图片" / "第18页.jpg", folder / "第01页.jpg")
    first, _ = extract_many([folder])
    rep = first["reports"].iloc[0]
    assert rep.source_format == "images" and isinstance(rep.source_sha256, str)
    lines: list[str] = []
    again, _ = extract_many([folder], previous=first, progress=lines.append)
    assert any("unchanged" in s for s in lines)
    shutil.copy(FORMATS / "财政局决算图片" / "第08页.jpg", folder / "第01页.jpg")
    lines.clear()
    third, _ = extract_many([folder], previous=first, progress=lines.append)
    assert not any("unchanged" in s for s in lines)
    assert third["reports"].iloc[0].source_sha256 != rep.source_sha256


@pytest.mark.slow
def test_one_reports_notebook_source_may_be_a_folder_of_page_images(tmp_path):
    """`report.ipynb -p source FOLDER` goes through `source.extract_file`: a folder of page images is
    read as one report, cached under the folder's checksum and reused the second time."""
    from helpers.studies.source import extract_file

    folder = tmp_path / "某局决算图片"
    folder.mkdir()
    shutil.copy(FORMATS / "财政局决算图片" / "第18页.jpg", folder / "第01页.jpg")
    got = extract_file(folder, cache_dir=tmp_path / "cache")
    li = got.corpus.frames["line_items"]
    t7 = li[(li.table == "T7") & (li.measure == "budget_total")]
    assert not got.reused and t7.amount_wan.tolist() == [0.95]  # 财政局 T7 合计 预算数, page 18 of the PDF
    assert extract_file(folder, cache_dir=tmp_path / "cache").reused


# --- a misread digit in any table shape is flagged where it sits ------------------------------


def _misread(layout, printed: str, read: str):
    """The layout with the first table cell printed `printed` read as `read` (one digit changed),
    as the recogniser might; its confidence stays high, as a confident misreading's would."""
    import copy
    import dataclasses

    out = copy.deepcopy(layout)
    for block in (b for p in out.pages for b in p.blocks if isinstance(b, TableBlock)):
        for row in block.rows:
            for j, cell in enumerate(row):
                if cell.text == printed:
                    row[j] = dataclasses.replace(cell, text=read)
                    return out
    raise AssertionError(f"no cell reads {printed!r}")


@pytest.fixture(scope="module")
def t1_t7_pages():
    """社会工作部 第05页 (T1 收入支出决算总表) and 财政局 第18页 (T7 三公), read once."""
    return ocr.read_layout(FORMATS / "社会工作部决算图片" / "第05页.jpg"), ocr.read_layout(
        FORMATS / "财政局决算图片" / "第18页.jpg"
    )


def _doubtful(found, code):
    return sorted((it["side"], it["row_label"], it["measure"]) for it in found[code].items if it["doubtful"])


def test_a_misread_digit_in_a_two_sided_table_flags_the_cells_of_its_sum(t1_t7_pages):
    from helpers.tables.layout_tables import find_layout_tables

    t1, _ = t1_t7_pages
    found = find_layout_tables(t1, "OCR")
    assert not found["T1"].reading.doubtful and _doubtful(found, "T1") == []  # read as printed: sums hold
    # 一、一般公共服务支出 is printed 264.87 (page 5 of the PDF); read as 264.81, 本年支出合计 307.82 no
    # longer adds up: the class lines and the subtotal are doubtful, the income side is not
    found = find_layout_tables(_misread(t1, "264.87", "264.81"), "OCR")
    exp = "expenditure"
    assert _doubtful(found, "T1") == sorted(
        [
            (exp, "一、一般公共服务支出", "final"),
            (exp, "八、社会保障和就业支出", "final"),
            (exp, "九、卫生健康支出", "final"),
            (exp, "十九、住房保障支出", "final"),
            (exp, "本年支出合计", "final"),
        ]
    )
    reading = found["T1"].reading
    assert reading.doubtful
    assert any("本年支出合计 = Σ the lines above it" in r and "page 1 box (" in r for r in reading.reasons())
    # 一、一般公共预算财政拨款收入 (printed 307.82) read as 307.62: 本年收入合计 no longer adds up
    found = find_layout_tables(_misread(t1, "307.82", "307.62"), "OCR")
    assert ("income", "一、一般公共预算财政拨款收入", "final") in _doubtful(found, "T1")


def test_a_misread_digit_in_the_three_public_table_flags_its_sum(t1_t7_pages):
    from helpers.tables.layout_tables import find_layout_tables

    _, t7 = t1_t7_pages
    found = find_layout_tables(t7, "OCR")
    assert _doubtful(found, "T7") == []
    # 合计 预算数 is printed 0.95 and 公务接待费 预算数 0.95; 合计 read as 0.85
    found = find_layout_tables(_misread(t7, "0.95", "0.85"), "OCR")
    assert _doubtful(found, "T7") == [(None, "合计", "budget_reception"), (None, "合计", "budget_total")]
    assert any("T7 budget: total = overseas + vehicle_total + reception" in r for r in found["T7"].reading.reasons())


# --- a table printed without ruling lines ----------------------------------------------------


def _without_rules(src: Path, dst: Path) -> None:
    """The page image with its ruling lines erased (OpenCV morphology: ink runs far longer than a
    character's stroke, painted over in the paper's grey), as a county report printed without rules."""
    import cv2
    from PIL import Image

    grey = ocr.load_image(src)
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (80, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 30)))
    rules = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))
    out = grey.copy()
    out[rules > 0] = int(np.median(grey))
    Image.fromarray(out).save(dst, quality=80)


def test_a_table_printed_without_ruling_lines_reads_cell_for_cell(tmp_path):
    """社会工作部 第08页 (支出决算表) with its rules erased: the rows come from the text lines, the
    columns from the boxes' x-spans, and the grid is the ruled table's, cell for cell (read on the
    page: 14 ruled rows, of which the two header rows become one; 8 columns, three printed blank)."""
    from helpers.tables.layout_tables import find_layout_tables

    from .fixtures.pdf_truth import SGB, TRUTH, find_cell

    page = tmp_path / "第08页.jpg"
    _without_rules(SGB_P8, page)
    assert ocr.find_grids(*ocr.rule_masks(ocr.binarise(ocr.load_image(page), 1.0), 1.0), 1.0) == []  # no rules left
    layout = ocr.read_layout(page)
    blocks = layout.pages[0].blocks
    assert [type(b).__name__ for b in blocks] == ["TextBlock", "TextBlock", "TableBlock"]
    table = blocks[2]
    assert isinstance(table, TableBlock) and table.ocr
    rows = [[(c.text or "").replace("\n", "") for c in r] for r in table.rows]
    assert rows[0][:5] == ["功能分类科目编码", "项目科目名称", "本年支出合计", "基本支出", "项目支出"]
    assert rows[0][5:] == ["上缴上级支出", "经营支出", "对附属单位补助支出"]  # columns printed blank below
    blank = ["", "", ""]
    assert rows[1:] == [
        ["", "合计", "307.82", "105.58", "202.24", *blank],
        ["201", "一般公共服务支出", "264.87", "62.63", "202.24", *blank],
        ["20139", "社会工作事务", "264.87", "62.63", "202.24", *blank],
        ["2013901", "行政运行", "51.32", "51.32", "", *blank],
        ["2013950", "事业运行", "11.31", "11.31", "", *blank],
        ["2013999", "其他社会工作事务支出", "202.24", "", "202.24", *blank],
        ["208", "社会保障和就业支出", "10.82", "10.82", "", *blank],
        ["20805", "行政事业单位养老支出", "10.82", "10.82", "", *blank],
        ["2080505", "机关事业单位基本养老保险缴费支出", "6.18", "6.18", "", *blank],
        ["2080506", "机关事业单位职业年金缴费支出", "4.64", "4.64", "", *blank],
        ["210", "卫生健康支出", "2.71", "2.71", "", *blank],
        ["21011", "行政事业单位医疗", "2.71", "2.71", "", *blank],
    ]
    assert all(c.confidence is not None and c.ref.startswith("page 1 box (") for r in table.rows for c in r)
    # the same interpreter reads it: every hand-read T3 cell of page 8 of the source PDF
    found = find_layout_tables(layout, "OCR")
    on_page = [c for c in TRUTH[SGB]["cells"] if c[0] == "T3" and c[6] == 8]
    assert len(on_page) == 9
    for table_code, side, section, key, measure, value, _ in on_page:
        it = find_cell(found, table_code, side, section, key, measure)
        assert it is not None and it["amount_wan"] == value, (key, measure)


def test_a_misread_digit_in_a_coded_table_breaks_its_row_and_its_class(sgb_page8):
    """社会工作部 第08页, 2013901 行政运行: 本年支出合计 51.32 = 基本支出 51.32 as printed; the total
    read as 57.32 breaks the row (合计 = 基本 + 项目 …) and 20139's column (20139 = Σ its 项)."""
    from helpers.tables.layout_tables import find_layout_tables

    found = find_layout_tables(_misread(sgb_page8, "51.32", "57.32"), "OCR")
    flagged = {(it["code"], it["measure"]) for it in found["T3"].items if it["doubtful"]}
    assert {("2013901", "total"), ("2013901", "basic"), ("20139", "total")} <= flagged
    # 2080505 and 2080506 confirm 20805 (10.82 = 6.18 + 4.64): no sum they take part in fails
    # (this page alone, 合计 ≠ Σ类 already: class 221 is printed on page 9)
    assert ("2080505", "total") not in flagged and ("2080506", "total") not in flagged
    reasons = " ".join(found["T3"].reading.reasons())
    assert "T3 row 2013901: total = basic + project" in reasons and "20139 = Σ the rows under it" in reasons
