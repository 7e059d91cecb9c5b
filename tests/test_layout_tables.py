"""The one finder for every container (tables/layout_tables.py), on small layouts built here: what
it does with titles, units, the text under a table, pages and OCR'd cells, whatever the container."""

from __future__ import annotations

import pytest

from helpers.read.model import Cell, Layout, Page, TableBlock, TextBlock
from helpers.tables.found import assess
from helpers.tables.layout_tables import find_layout_tables

T5_TITLE = "一般公共预算财政拨款支出决算表"
HEADER = [["科目编码", "科目名称", "合计", "基本支出", "项目支出"]]


def _table(rows: list[list[str | None]], ref: str, conf: float | None = None, ocr: bool = False) -> TableBlock:
    cells = [
        [Cell(t, f"{ref} r{i}c{j}", None if conf is None or not t else conf) for j, t in enumerate(r)]
        for i, r in enumerate(rows)
    ]
    return TableBlock(cells, ref, ocr=ocr)


def _t5(body: list[list[str | None]], conf: float | None = None, ocr: bool = False) -> TableBlock:
    return _table(HEADER + body, "page 1", conf, ocr)


def _cells(found, code="T5"):
    return {(it["code"] or it["row_label"], it["measure"]): it for it in found[code].items}


def test_a_table_is_named_by_its_title_and_read_with_its_unit_and_cell_refs():
    layout = Layout(
        "xlsx",
        [
            Page(
                1,
                [
                    TextBlock(T5_TITLE, "r1"),
                    TextBlock("单位：元", "r2"),
                    _t5([["", "合计", "10000.00", "10000.00", "0.00"]]),
                ],
            )
        ],
    )
    cells = _cells(find_layout_tables(layout, "spreadsheet cells"))
    total = cells[("合计", "total")]
    assert total["amount_wan"] == 1.0 and total["unit_printed"] == "元"  # 元 converted to 万元
    assert total["source_ref"] == "page 1 r1c2"  # the cell's own ref


def test_a_unit_printed_once_over_the_first_table_holds_for_the_next_on_the_page():
    t7_title = "“三公”经费支出决算表"
    layout = Layout(
        "xlsx",
        [
            Page(
                1,
                [
                    TextBlock("单位：元", "r0"),
                    TextBlock(T5_TITLE, "r1"),
                    _t5([["", "合计", "10000.00", "10000.00", "0.00"]]),
                    TextBlock("国有资本经营预算财政拨款支出决算表", "r9"),
                    _table(HEADER + [["", "合计", "20000.00", "20000.00", "0.00"]], "page 1 t2"),
                    TextBlock(t7_title, "r20"),
                ],
            )
        ],
    )
    found = find_layout_tables(layout, "spreadsheet cells")
    assert _cells(found)[("合计", "total")]["unit_printed"] == "元"
    assert _cells(found, "T9")[("合计", "total")]["amount_wan"] == 2.0


@pytest.mark.parametrize(
    "unit_line, amount",
    [
        ("单位：元", 1.0),
        ("（单位：元）", 1.0),
        ("金额单位:元", 1.0),
        ("单位： 人民币元", 1.0),
        ("编制单位：某区某局 单位：万元", 10000.0),
        ("单位：万元", 10000.0),
    ],
)
def test_the_unit_line_in_the_forms_reports_print_it(unit_line, amount):
    layout = Layout(
        "html",
        [
            Page(
                1,
                [
                    TextBlock(T5_TITLE, "r1"),
                    TextBlock(unit_line, "r2"),
                    _t5([["", "合计", "10000.00", "10000.00", "0.00"]]),
                ],
            )
        ],
    )
    assert _cells(find_layout_tables(layout, "web page cells"))[("合计", "total")]["amount_wan"] == amount


def _sheets(t5_unit: str | None, *others: str) -> dict:
    """T5 on the first sheet (with `t5_unit` above it, or no unit line), then a sheet per unit line in
    `others`, each with a T9 or a T8 table."""
    t5 = [TextBlock(T5_TITLE, "s1 r1"), *([TextBlock(t5_unit, "s1 r2")] if t5_unit else [])]
    pages = [Page(1, [*t5, _t5([["", "合计", "10000.00", "10000.00", "0.00"]])])]
    titles = ["国有资本经营预算财政拨款支出决算表", "政府性基金预算财政拨款收入支出决算表"]
    for k, unit in enumerate(others, start=2):
        table = _table(HEADER + [["", "合计", "20000.00", "20000.00", "0.00"]], f"s{k}")
        pages.append(Page(k, [TextBlock(titles[k - 2], f"s{k} r1"), TextBlock(unit, f"s{k} r2"), table]))
    return find_layout_tables(Layout("xlsx", pages), "spreadsheet cells")


def test_a_table_without_a_unit_line_is_in_the_unit_the_other_tables_print():
    """A report prints its tables in one unit: a table whose 单位 line is missing is read in the unit
    every other table prints (元 here), with a note, not ×10000 as 万元."""
    found = _sheets(None, "单位：元", "（单位：元）")
    total = _cells(found)[("合计", "total")]
    assert (total["amount_wan"], total["unit_printed"]) == (1.0, "元")
    assert "no 单位 line printed with this table: read in 元, as every other table of the report" in found["T5"].notes
    assert _cells(found, "T9")[("合计", "total")]["amount_wan"] == 2.0
    # the other tables disagree, none prints a unit, or the table prints its own: as printed, else 万元
    for t5_unit, others in (
        (None, ("单位：元", "单位：万元")),
        (None, ("说明", "说明")),
        ("单位：万元", ("单位：元",)),
    ):
        found = _sheets(t5_unit, *others)
        assert _cells(found)[("合计", "total")]["amount_wan"] == 10000.0, (t5_unit, others)
        assert not any("no 单位 line" in n for n in found["T5"].notes)


def test_an_empty_tables_reason_is_the_text_under_it_not_under_the_next_table():
    layout = Layout(
        "xlsx",
        [
            Page(
                1,
                [
                    TextBlock("政府性基金预算财政拨款收入支出决算表", "r1"),
                    _table([["项目", "年初结转和结余", "本年收入", "本年支出"], ["合计", "", "", ""]], "t1"),
                    TextBlock("国有资本经营预算财政拨款支出决算表", "r5"),
                    _table([["科目编码", "科目名称", "合计", "基本支出", "项目支出"], ["", "合计", "", "", ""]], "t2"),
                    TextBlock("注：本单位无国有资本经营预算财政拨款支出，故本表无数据。", "r9"),
                ],
            )
        ],
    )
    found = find_layout_tables(layout, "spreadsheet cells")
    assert found["T8"].status == found["T9"].status == "empty"
    assert any("国有资本经营" in n for n in found["T9"].notes)
    assert not any("国有资本经营" in n for n in found["T8"].notes)  # T9's note is not T8's reason


def test_an_ocr_cell_that_is_not_a_number_is_doubtful_and_named():
    """A cell OCR read as `±3832.36` (a ruling line read as a sign) is left blank and doubtful, with
    what was read in the table's reasons: never a silent blank."""
    layout = Layout(
        "images",
        [Page(1, [TextBlock(T5_TITLE, "p1"), _t5([["", "合计", "±3832.36", "3832.36", "0.00"]], conf=0.97, ocr=True)])],
    )
    ft = find_layout_tables(layout, "OCR ruled table")["T5"]
    total = _cells({"T5": ft})[("合计", "total")]
    assert total["amount_wan"] is None and total["doubtful"] is True
    assert ft.reading is not None and ft.reading.doubtful
    assert any("'±3832.36', not a number" in r for r in ft.reading.reasons())


def test_an_ocr_figure_read_with_low_confidence_is_doubtful_but_kept():
    layout = Layout(
        "images",
        [Page(1, [TextBlock(T5_TITLE, "p1"), _t5([["", "合计", "3832.36", "3832.36", "0.00"]], conf=0.62, ocr=True)])],
    )
    ft = find_layout_tables(layout, "OCR ruled table")["T5"]
    total = _cells({"T5": ft})[("合计", "total")]
    assert total["amount_wan"] == 3832.36 and total["doubtful"] is True and total["ocr_confidence"] == 0.62
    assert any("low confidence" in r for r in ft.reading.reasons())


def test_sums_that_fail_make_an_ocr_table_doubtful_but_a_text_layer_table_not():
    body = [["", "合计", "100.00", "100.00", "0.00"], ["201", "一般公共服务支出", "90.00", "90.00", "0.00"]]
    ocr = find_layout_tables(
        Layout("images", [Page(1, [TextBlock(T5_TITLE, "p"), _t5(body, 0.99, True)])]), "OCR ruled table"
    )
    pdf = find_layout_tables(
        Layout("pdf", [Page(1, [TextBlock(T5_TITLE, "p"), _t5(body)])]), "pdf ruled table (pdfium)"
    )
    assert ocr["T5"].reading.doubtful and not pdf["T5"].reading.doubtful  # a misread digit vs the report's own slip
    assert any("read by OCR" in r for r in ocr["T5"].reading.reasons())


def test_an_untitled_table_at_the_top_of_the_next_page_continues_the_table():
    layout = Layout(
        "docx",
        [
            Page(1, [TextBlock(T5_TITLE, "p1"), _t5([["", "合计", "100.00", "100.00", "0.00"]])]),
            Page(2, [_table([["201", "一般公共服务支出", "100.00", "100.00", "0.00"]], "page 2")]),
        ],
    )
    cells = _cells(find_layout_tables(layout, "word table"))
    assert cells[("201", "total")]["amount_wan"] == 100.0 and cells[("201", "total")]["source_ref"] == "page 2 r0c2"
    assert assess  # the reading record is the shared one (found.assess)
