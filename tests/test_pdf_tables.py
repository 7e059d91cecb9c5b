"""PDF tables from the two Shanghai sample reports, against values read by hand on the pages
(tests/fixtures/pdf_truth.py), through both engines; and PDFs that must fail with a clear message.

The tabula tests start a JVM (through jpype, once per process); they are named `test_tabula_*`
(select or deselect them with `-k tabula`) and need Java, which scripts/setup.sh installs.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from helpers.data.extract import extract_report
from helpers.read.document import Document, Line, read_document
from helpers.tables.pdf_tables import find_pdf_tables

from .conftest import PDF_CZJ, PDF_SGB
from .fixtures.pdf_objects import write_pdf
from .fixtures.pdf_truth import CZJ, SGB, TITLE_PAGES, TRUTH, find_cell, score

PDFS = {CZJ: PDF_CZJ, SGB: PDF_SGB}
CELLS = [(name, cell) for name in TRUTH for cell in TRUTH[name]["cells"]]
CELL_IDS = [f"{'czj' if name == CZJ else 'sgb'}-{c[0]}-{c[3]}-{c[4]}-p{c[6]}" for name, c in CELLS]


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    # the text layer as pdfminer reads it: these tests keep pdfplumber (and tabula) the reference
    return {name: read_document(path, "pdfplumber") for name, path in PDFS.items()}


@pytest.fixture(scope="module")
def plumber(docs):
    return {name: find_pdf_tables(doc, "pdfplumber") for name, doc in docs.items()}


@pytest.fixture(scope="module")
def tabula_found(docs):
    return {name: find_pdf_tables(doc, "tabula") for name, doc in docs.items()}


def _check_cell(found, cell):
    table, side, section, key, measure, value, page = cell
    it = find_cell(found, table, side, section, key, measure)
    assert it is not None, f"{table} {key} {measure} not extracted"
    assert it["source_ref"] == f"page {page}"
    if value is None:
        assert it["amount_wan"] is None, "a blank cell must stay blank (None), not 0"
    else:
        assert it["amount_wan"] == pytest.approx(value, abs=0.005)


# ---------------------------------------------------------------------------------------------
# pdfplumber (the default engine)


@pytest.mark.parametrize("name,cell", CELLS, ids=CELL_IDS)
def test_pdfplumber_cell_as_printed(plumber, name, cell):
    _check_cell(plumber[name], cell)


@pytest.mark.parametrize("name", [CZJ, SGB])
def test_pdfplumber_table_statuses_and_title_pages(plumber, name):
    found = plumber[name]
    assert {code: ft.status for code, ft in found.items()} == TRUTH[name]["tables"]
    assert {code: ft.ref for code, ft in found.items()} == {c: f"page {p}" for c, p in TITLE_PAGES[name].items()}


@pytest.mark.parametrize("name", [CZJ, SGB])
def test_pdfplumber_accuracy_is_complete(plumber, name):
    right, total, wrong = score(plumber[name], TRUTH[name])
    assert wrong == [] and right == total


def test_split_codes_are_joined_with_their_level(plumber):
    t2 = plumber[CZJ]["T2"].items  # printed 201 | 06 | 01 in three cells
    rows = {(it["code"], it["level"], it["code_domain"]) for it in t2 if it["code"]}
    assert ("201", "类", "function") in rows
    assert ("20106", "款", "function") in rows
    assert ("2010601", "项", "function") in rows
    assert not any(it["row_label"].startswith(("0", "类")) for it in t2)  # no 款/项 digits or header words in names


def test_t6_sides_kept_apart(plumber):
    for name in (CZJ, SGB):
        t6 = plumber[name]["T6"].items
        coded = [it for it in t6 if it["code"]]
        assert all(it["section"] == "personnel" for it in coded if it["code"][:3] in ("301", "303"))
        assert all(it["section"] == "public" for it in coded if it["code"][:3] in ("302", "310"))
        assert all(it["code_domain"] == "economic" for it in coded)
    # 财政局 page 16 prints 301 | 13 | 住房公积金 | 187.19 beside 302 | 07 | 邮电费 | 4.88 on one row
    row = {it["code"]: it for it in plumber[CZJ]["T6"].items if it["code"] in ("30113", "30207")}
    assert row["30113"]["row_label"] == "住房公积金" and row["30113"]["amount_wan"] == pytest.approx(187.19)
    assert row["30207"]["row_label"] == "邮电费" and row["30207"]["amount_wan"] == pytest.approx(4.88)


def test_two_sided_t1_sides(plumber):
    t1 = plumber[SGB]["T1"].items
    income = {it["row_label"] for it in t1 if it["side"] == "income"}
    spending = {it["row_label"] for it in t1 if it["side"] == "expenditure"}
    assert "八、其他收入" in income and "八、其他收入" not in spending
    assert "十九、住房保障支出" in spending and "十九、住房保障支出" not in income


def test_t7_pairs_and_empty_t7(plumber):
    t7 = {it["measure"]: it["amount_wan"] for it in plumber[CZJ]["T7"].items}
    assert len(t7) == 12
    assert t7["budget_total"] == pytest.approx(0.95) and t7["budget_reception"] == pytest.approx(0.95)
    assert [k for k, v in t7.items() if v is not None] == ["budget_total", "budget_reception"]
    empty = plumber[SGB]["T7"]
    assert empty.status == "empty" and all(it["amount_wan"] is None for it in empty.items)
    assert any("没有财政拨款“三公”经费支出" in n for n in empty.notes)


def test_empty_t8_t9_say_why(plumber):
    for name in (CZJ, SGB):
        for code in ("T8", "T9"):
            ft = plumber[name][code]
            assert ft.status == "empty"
            assert all(it["amount_wan"] is None for it in ft.items)
            assert any("no figures" in n for n in ft.notes)


def test_continuation_pages_followed(plumber):
    # 财政局 T6 continues on page 17 with no title; 310 资本性支出 13.58 is printed there.
    it = find_cell(plumber[CZJ], "T6", None, None, "310", "final")
    assert it["source_ref"] == "page 17" and it["amount_wan"] == pytest.approx(13.58)
    # The blank page 14 after T4 adds nothing; T5 starts on page 15 under its own title.
    assert plumber[CZJ]["T5"].ref == "page 15"


@pytest.mark.parametrize("name", [CZJ, SGB])
def test_metadata_through_extract_report(name):
    out = extract_report(PDFS[name], with_narrative=False)  # the default engine, pdfium
    r = out["reports"].iloc[0]
    assert r["status"] == "ok", r["error"]
    assert r["department"] == TRUTH[name]["department"]
    assert r["fiscal_year"] == TRUTH[name]["fiscal_year"]
    assert r["source_format"] == "pdf" and r["pdf_engine"] == "pdfium"
    assert list(r["tables_found"]) == [f"T{i}" for i in range(1, 10)]
    assert list(r["tables_empty"]) == [c for c, s in TRUTH[name]["tables"].items() if s == "empty"]
    li = out["line_items"]
    total = li[(li.table == "T5") & (li.row_label == "合计") & (li.measure == "total")]
    assert total.amount_wan.tolist() == [pytest.approx(2940.05 if name == CZJ else 307.82)]


# ---------------------------------------------------------------------------------------------
# tabula (lattice, through jpype)


@pytest.mark.parametrize("name,cell", CELLS, ids=CELL_IDS)
def test_tabula_cell_as_printed(tabula_found, name, cell):
    _check_cell(tabula_found[name], cell)


@pytest.mark.parametrize("name", [CZJ, SGB])
def test_tabula_accuracy_is_complete(tabula_found, name):
    right, total, wrong = score(tabula_found[name], TRUTH[name])
    assert wrong == [] and right == total
    assert {code: ft.status for code, ft in tabula_found[name].items()} == TRUTH[name]["tables"]


def test_tabula_runs_in_process_through_jpype(docs, monkeypatch):
    import jpype
    import tabula.backend
    import tabula.io

    def no_subprocess(*a, **k):
        raise AssertionError("tabula-py tried to start a java subprocess")

    monkeypatch.setattr(tabula.backend.subprocess, "run", no_subprocess)
    found = find_pdf_tables(docs[CZJ], "tabula", pages=[18])
    assert jpype.isJVMStarted()
    assert isinstance(tabula.io._tabula_vm, tabula.backend.TabulaVm)
    assert find_cell(found, "T7", None, None, "合计", "budget_total")["amount_wan"] == pytest.approx(0.95)


def test_tabula_merged_cells_need_the_repair(docs):
    """tabula packs cells left under merged headers; without re-placing them by their boxes, values
    land in the wrong columns (the 财政局 T5 合计 row, T6 amounts read as codes)."""
    truth = TRUTH[CZJ]
    raw = find_pdf_tables(docs[CZJ], "tabula", tabula_repair=False, pages=[15, 16, 17])
    fixed = find_pdf_tables(docs[CZJ], "tabula", pages=[15, 16, 17])
    sub = {
        **truth,
        "cells": [c for c in truth["cells"] if c[0] in ("T5", "T6")],
        "tables": {},
        "labels": {},
        "sections": {},
    }
    r_raw, n, _ = score(raw, sub)
    r_fixed, n2, _ = score(fixed, sub)
    assert n == n2 and r_fixed == n and r_raw < n / 2
    it = find_cell(raw, "T5", None, None, "合计", "total")
    assert it is None or it["amount_wan"] != pytest.approx(2940.05)


def test_unknown_engine_is_an_error(docs):
    with pytest.raises(ValueError, match="unknown PDF engine"):
        find_pdf_tables(docs[SGB], "camelot")


# ---------------------------------------------------------------------------------------------
# PDFs that must fail, with the file named


def test_truncated_pdf_fails_naming_the_file(tmp_path):
    data = PDF_CZJ.read_bytes()
    f = tmp_path / "cut_short.pdf"
    f.write_bytes(data[: int(len(data) * 0.3)])
    r = extract_report(f)["reports"].iloc[0]
    assert r["status"] == "failed" and r["error_code"] == "corrupt"
    assert "cut_short.pdf" in r["error"]


def test_file_named_pdf_that_is_not_a_pdf(tmp_path):
    f = tmp_path / "report.pdf"
    f.write_text("上海市普陀区财政局2024年度部门决算\n收入支出决算总表\n", encoding="utf-8")
    r = extract_report(f)["reports"].iloc[0]
    assert r["status"] == "failed" and r["error_code"] == "corrupt"
    assert "report.pdf" in r["error"] and "PDF header" in r["error"]


def _pdf_without_tounicode(path: Path, lines: int = 12, glyphs: int = 30) -> None:
    """A real PDF whose text uses a CID font (Identity-H) with no ToUnicode map: the glyph codes
    cannot be turned into characters, which pdfminer reports as (cid:NNN)."""
    ops = [b"BT /F1 14 Tf 50 780 Td 16 TL"]
    for k in range(lines):
        codes = "".join(f"{(k * glyphs + g) % 900 + 20:04X}" for g in range(glyphs))
        ops.append(f"<{codes}> Tj T*".encode())
    ops.append(b"ET")
    stream = zlib.compress(b"\n".join(ops))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
    ]
    write_pdf(path, objs)


def test_pdf_with_cid_glyph_codes_fails_saying_so(tmp_path):
    f = tmp_path / "no_tounicode.pdf"
    _pdf_without_tounicode(f)
    import pdfplumber

    with pdfplumber.open(f) as pdf:  # the construction really yields (cid:NNN) text
        assert "(cid:" in pdf.pages[0].extract_text()
    r = extract_report(f)["reports"].iloc[0]
    assert r["status"] == "failed" and r["error_code"] == "no_text_layer"
    assert "no_tounicode.pdf" in r["error"] and "(cid:NNN)" in r["error"]


def test_garbled_page_is_never_parsed(docs):
    """A single page whose text layer is (cid:NNN) codes (under the file-level threshold) is skipped:
    its table yields no numbers, and a note says why."""
    doc = docs[SGB]
    lines = [Line("(cid:1234)(cid:2345)(cid:77)", ln.ref, ln.page) if ln.page == 13 else ln for ln in doc.lines]
    garbled = Document(doc.path, doc.source_format, doc.sha256, lines, n_pages=doc.n_pages)
    found = find_pdf_tables(garbled, "pdfplumber", pages=[12, 13, 14])
    assert "T6" not in found  # T6 is printed only on page 13
    assert found["T5"].status == "data"
    assert any("page 13" in n and "(cid:NNN)" in n for ft in found.values() for n in ft.notes)
