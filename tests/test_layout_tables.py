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


def test_a_cell_printing_digits_that_are_not_a_number_is_doubtful_not_a_silent_blank():
    """In any container, a figure cell printing `3,83２.3６ 万` or `1O0.00` (a letter O) is not a number: its
    figure is not known, so the cell is blank and doubtful with what is printed in the reasons. A figure
    with full-width thousands separators (`2，940.05`, typed with a Chinese input method) is a number."""
    body = [["", "合计", "1O0.00", "2，940.05", "0.00"]]
    ft = find_layout_tables(Layout("xlsx", [Page(1, [TextBlock(T5_TITLE, "s"), _t5(body)])]), "spreadsheet cells")["T5"]
    cells = _cells({"T5": ft})
    assert cells[("合计", "total")]["amount_wan"] is None and cells[("合计", "total")]["doubtful"] is True
    assert (cells[("合计", "basic")]["amount_wan"], cells[("合计", "basic")]["doubtful"]) == (2940.05, False)
    assert ft.reading is not None and ft.reading.doubtful
    assert any("print digits where a figure belongs" in r and "'1O0.00'" in r for r in ft.reading.reasons())


def test_a_wrapped_title_is_read_with_its_first_line():
    """A title broken by a line break (`一般公共预算财政拨款` / `支出决算表`, a Word or web page's <br>, a PDF's
    long title) names T5, not T3 from its last line; a note or a unit line above a title is not joined."""

    def code(*above: str) -> list[str]:
        blocks = [TextBlock(t, f"r{i}") for i, t in enumerate(above)]
        return sorted(
            find_layout_tables(Layout("docx", [Page(1, [*blocks, _t5([["", "合计", "1.00", "1.00", ""]])])]), "x")
        )

    assert code("一般公共预算财政拨款", "支出决算表", "单位：万元") == ["T5"]
    assert code("国有资本经营预算财政拨款", "收入支出决算表") == ["T9"]
    assert code("一般公共预算财政拨款支", "出决算表") == ["T5"]  # wrapped inside a word
    assert code("注：本表无数据。", "支出决算表") == ["T3"]
    assert code("单位：万元", "支出决算表") == ["T3"]
    assert code("公开05表", "支出决算表") == ["T3"]


def _split_t5(second: list[list[str | None]], above: list[str], container: str = "xlsx") -> dict:
    first = [
        TextBlock(T5_TITLE, "s1 r1"),
        TextBlock("单位：万元", "s1 r2"),
        _t5([["", "合计", "3.00", "3.00", "0.00"]]),
    ]
    part = _table(second, "s2")
    return find_layout_tables(
        Layout(container, [Page(1, first), Page(2, [*(TextBlock(t, f"s2 r{i}") for i, t in enumerate(above)), part])]),
        "spreadsheet cells",
    )


def test_a_table_continued_under_its_title_marked_continued_is_one_table():
    """A sheet (or page) `一般公共预算财政拨款支出决算表（续）` or `续表`, the header printed again or not: its rows
    join the table (they were a second T5, dropped, and the sums failed as the report's error); the
    repeated header is not read as a row of figures."""
    rows = [["201", "一般公共服务支出", "1.00", "1.00", "0.00"], ["208", "社会保障和就业支出", "2.00", "2.00", "0.00"]]
    for above in ([T5_TITLE + "（续）", "单位：万元"], ["续表"], [T5_TITLE + "(续表)"]):
        for header in (HEADER, []):
            ft = _split_t5(header + rows, above)["T5"]
            got = {(it["code"] or it["row_label"], it["measure"]): it["amount_wan"] for it in ft.items}
            assert got[("201", "total")] == 1.0 and got[("208", "basic")] == 2.0, (above, header)
            assert "项目" not in {it["row_label"] for it in ft.items}, (above, header)
            assert not ft.reading.failing_sums and not any("was not used" in n for n in ft.notes), (above, header)
    # a table of another code after a 续 line is that table, not a continuation
    found = _split_t5(HEADER + rows, ["续表", "国有资本经营预算财政拨款支出决算表"])
    assert {"T5", "T9"} <= set(found) and found["T5"].reading.failing_sums == []


def test_a_continuation_lacking_the_last_blank_columns_is_aligned_on_the_left():
    """A sheet stores no blank columns after its last figure: a continuation whose codes sit in as many
    columns as the first part's is aligned on the left; one whose code is joined where the first part
    split it over 类/款/项 is aligned on the right (the figures are the last columns on both)."""
    split_header = [["类", "款", "项", "科目名称", "合计", "基本支出", "项目支出"]]
    body = [["", "", "", "合计", "3.00", "3.00", ""], ["201", "", "", "一般公共服务支出", "1.00", "1.00", ""]]
    first = _table(split_header + body, "s1")

    def read(second):
        pages = [Page(1, [TextBlock(T5_TITLE, "t"), first]), Page(2, [TextBlock("续表", "c"), _table(second, "s2")])]
        ft = find_layout_tables(Layout("xlsx", pages), "spreadsheet cells")["T5"]
        return {(it["code"] or it["row_label"], it["measure"]): it["amount_wan"] for it in ft.items}

    left = read(
        [
            ["208", "", "", "社会保障和就业支出", "2.00", "2.00"],
            ["208", "05", "", "行政事业单位养老支出", "2.00", "2.00"],
        ]
    )
    assert (left[("208", "total")], left[("20805", "basic")], left[("20805", "project")]) == (2.0, 2.0, None)
    right = read(
        [["208", "社会保障和就业支出", "2.00", "2.00", ""], ["20805", "行政事业单位养老支出", "2.00", "2.00", ""]]
    )
    assert (right[("208", "total")], right[("20805", "basic")], right[("20805", "project")]) == (2.0, 2.0, None)


def test_an_empty_tables_sub_headers_printed_in_its_total_row():
    """社会工作部's empty 政府性基金 table (page 15) prints `合计 | | | | 合计 | 基本支出 | 项目支出 |` in one ruled
    row: the sub-headers belong under 本年支出, the row is the blank 合计. Its three blanks are total, basic
    and project (as the workbooks print them, two rows), no cell is `not a number`, and OCR'd they are not
    doubtful."""
    t8 = "政府性基金预算财政拨款收入支出决算表"
    rows = [
        ["项目", None, "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"],
        ["功能分类科目编码", "科目名称", None, None, None, None, None, None],
        ["合计", None, "", "", "合计", "基本支出", "项目支出", ""],
        ["", "", "", "", "", "", "", ""],
    ]
    for ocr in (False, True):
        block = _table(rows, "page 15", 0.99 if ocr else None, ocr)
        found = find_layout_tables(Layout("pdf", [Page(15, [TextBlock(t8, "p"), block])]), "x")["T8"]
        assert found.status == "empty"
        assert [it["measure"] for it in found.items] == [
            "carryover_begin",
            "income",
            "total",
            "basic",
            "project",
            "carryover_end",
        ]
        assert not any(it.get("doubtful") for it in found.items), ocr
        assert not any("not a number" in n for n in found.notes), ocr


def test_a_title_left_at_the_foot_of_the_page_before_names_the_table_on_the_next():
    """A title paragraph not kept with its table when printed (Chromium's print-to-PDF, Word without
    keep-with-next): the title ends page 1, its table starts page 2. It is that table's title; the table
    is not the continuation of the one above it (its figures were read as T5's, under T5's measures)."""
    t9 = "国有资本经营预算财政拨款支出决算表"
    page1 = [TextBlock(T5_TITLE, "p1"), _t5([["", "合计", "3.00", "3.00", "0.00"]]), TextBlock(t9, "p1 foot")]
    page2 = [TextBlock("单位：万元", "p2"), _table(HEADER + [["", "合计", "7.00", "7.00", "0.00"]], "page 2")]
    for container in ("pdf", "docx", "images"):
        found = find_layout_tables(Layout(container, [Page(1, page1), Page(2, page2)]), "x")
        assert _cells(found)[("合计", "total")]["amount_wan"] == 3.0, container
        assert [it["amount_wan"] for it in found["T5"].items if it["measure"] == "total"] == [3.0], container
        assert _cells(found, "T9")[("合计", "total")]["amount_wan"] == 7.0, container
    # a workbook's sheets hold whole tables: the text under one sheet's table titles nothing on the next
    found = find_layout_tables(Layout("xlsx", [Page(1, page1), Page(2, page2)]), "x")
    assert "T9" not in found


def test_a_header_split_from_its_table_by_a_page_break():
    """The header row alone at the foot of page 4, in fewer columns (项目 over 编码 and 名称), the body on
    page 5 under no title: one table, its figure columns the last ones of both (社会工作部's T5 printed
    by Chromium, whose rows break across pages freely)."""
    page4 = [TextBlock(T5_TITLE, "p4"), _table([["项目", "合计", "基本支出", "项目支出"]], "page 4")]
    body = [
        ["201", "一般公共服务支出", "264.87", "62.63", "202.24"],
        ["20139", "社会工作事务", "264.87", "62.63", "202.24"],
    ]
    found = find_layout_tables(Layout("pdf", [Page(4, page4), Page(5, [_table(body, "page 5")])]), "x")
    got = {(it["code"], it["measure"]): it["amount_wan"] for it in found["T5"].items}
    assert (got[("201", "total")], got[("201", "basic")], got[("20139", "project")]) == (264.87, 62.63, 202.24)


def test_figures_printed_but_none_read_is_not_an_empty_table():
    """A table whose figure columns carry no header word the reader knows reads no figure: it is not
    `empty` (which would say the report printed none) but not read, with the figures it prints named."""
    rows = [["功能分类科目编码", "科目名称", "", "", ""], ["201", "一般公共服务支出", "264.87", "62.63", "202.24"]]
    found = find_layout_tables(Layout("pdf", [Page(1, [TextBlock(T5_TITLE, "p"), _table(rows, "page 1")])]), "x")
    assert found["T5"].status == "missing" and found["T5"].unread
    assert any("3 figure(s) printed (264.87, 62.63, 202.24) but none read" in n for n in found["T5"].notes)
    # a table printed with no figures (a 栏次 row's numbers are no figures) stays empty
    rows = [
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        ["栏次", "", "1", "2", "3"],
        ["", "合计", "", "", ""],
    ]
    found = find_layout_tables(Layout("pdf", [Page(1, [TextBlock(T5_TITLE, "p"), _table(rows, "page 1")])]), "x")
    assert found["T5"].status == "empty"


def test_what_the_page_before_leaves_never_outranks_a_tables_own_title_unit_or_header():
    """The last lines of the page before (where a title not kept with its table is left) are read after
    the table's own: its own 单位 line wins over one in the foot; a table of contents titles nothing; and
    a unit printed in the table's first rows (`单位：万元` as a row, `合计（万元）`) is not replaced by the unit
    the report's other tables print. `编制单位：元阳县财政局` names a preparer, not a unit."""
    body = [["", "合计", "10000.00", "10000.00", "0.00"]]
    foot = [
        TextBlock("（三）“三公”经费支出情况", "p1"),
        TextBlock("单位：万元", "p1"),
        TextBlock("因公出国（境）费 0.00", "p1"),
    ]
    page2 = [TextBlock(T5_TITLE, "p2"), TextBlock("单位：元", "p2"), _t5(body)]
    found = find_layout_tables(Layout("pdf", [Page(1, foot), Page(2, page2)]), "x")
    assert _cells(found)[("合计", "total")]["amount_wan"] == 1.0

    toc = [
        TextBlock(t, "p1")
        for t in ("目 录", "一、收入支出决算总表", "三、支出决算表", "四、国有资本经营预算财政拨款支出决算表")
    ]
    t3 = _table(
        [
            ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出", "上缴上级支出"],
            ["", "合计", "1.00", "1.00", "", ""],
        ],
        "p2",
    )
    found = find_layout_tables(Layout("pdf", [Page(1, toc), Page(2, [TextBlock("单位：万元", "p2"), t3])]), "x")
    assert "T9" not in found and "T3" in found

    other = [
        TextBlock("国有资本经营预算财政拨款支出决算表", "s2"),
        TextBlock("单位：元", "s2"),
        _table(HEADER + body, "s2"),
    ]
    for own in (
        [["单位：万元", None, None, None, None], *HEADER, *body],
        [["科目编码", "科目名称", "合计（万元）", "基本支出（万元）", "项目支出（万元）"], *body],
    ):
        pages = [Page(1, [TextBlock(T5_TITLE, "s1"), _table(own, "s1")]), Page(2, other)]
        found = find_layout_tables(Layout("docx", pages), "x")
        assert _cells(found)[("合计", "total")]["amount_wan"] == 10000.0, own[0]
        assert not any("no 单位 line" in n for n in found["T5"].notes)

    preparer = [TextBlock(T5_TITLE, "p"), TextBlock("编制单位：元阳县财政局", "p"), _t5(body)]
    assert (
        _cells(find_layout_tables(Layout("pdf", [Page(1, preparer)]), "x"))[("合计", "total")]["amount_wan"] == 10000.0
    )
