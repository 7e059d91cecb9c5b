"""Workbooks (.xlsx, .xls) read into the one table model by read/sheets.py.

The four sample workbooks (tests/fixtures/formats, copies of shared/corpus/formats; README there) are
the two sample PDFs re-rendered:
财政局 .xlsx one sheet per table (公开01表 …), codes over 类/款/项; 财政局 .xls all tables on one sheet,
codes joined, amounts formatted with thousands separators; 社会工作部 .xlsx all on one sheet, codes
split, 元, no 编制单位 row; 社会工作部 .xls codes joined, 元. Every cell asserted below was read in the
file itself (openpyxl and xlrd, independently of the reader under test). Workbooks in other styles and
bad workbooks are written here, in tmp_path.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

from helpers.core.catalog import match_title
from helpers.core.errors import ErrorCode
from helpers.core.normalize import parse_amount
from helpers.data.extract import extract_report
from helpers.read.document import ReportError
from helpers.read.model import Cell, Layout, TableBlock, TextBlock
from helpers.read.sheets import amount_text, read_layout
from helpers.tables.found import UNIT_RE

from .fixtures.pdf_truth import CZJ, SGB, TRUTH, score

FORMATS = Path(__file__).parent / "fixtures" / "formats"
CZJ_XLSX = FORMATS / "财政局2024年度部门决算.xlsx"
CZJ_XLS = FORMATS / "财政局2024年度部门决算公开表.xls"
SGB_XLSX = FORMATS / "社会工作部2024年度部门决算.xlsx"
SGB_XLS = FORMATS / "社会工作部部门决算公开表.xls"
WORKBOOKS = [CZJ_XLSX, CZJ_XLS, SGB_XLSX, SGB_XLS]
UNIT = {CZJ_XLSX: "万元", CZJ_XLS: "万元", SGB_XLSX: "元", SGB_XLS: "元"}
SOURCE_PDF = {CZJ_XLSX: CZJ, CZJ_XLS: CZJ, SGB_XLSX: SGB, SGB_XLS: SGB}


@pytest.fixture(scope="module")
def layouts() -> dict[Path, Layout]:
    return {p: read_layout(p) for p in WORKBOOKS}


def tables_with_text_above(layout: Layout) -> list[tuple[list[str], TableBlock]]:
    """Each table with the text lines since the previous table on its sheet (what the finder reads)."""
    out = []
    for page in layout.pages:
        above: list[str] = []
        for b in page.blocks:
            if isinstance(b, TextBlock):
                above.append(b.text)
            else:
                out.append((above, b))
                above = []
    return out


def row(layout: Layout, ref: str) -> list[str | None]:
    """The cells' text of the table row with this row ref (`sheet 公开05表 row 3`)."""
    for page in layout.pages:
        for b in page.blocks:
            if isinstance(b, TableBlock) and b.row_refs and ref in b.row_refs:
                return [c.text for c in b.rows[b.row_refs.index(ref)]]
    raise AssertionError(f"no table row {ref}")


def cell(layout: Layout, ref: str) -> Cell:
    for page in layout.pages:
        for b in page.blocks:
            if isinstance(b, TableBlock):
                for r in b.rows:
                    for c in r:
                        if c.ref == ref:
                            return c
    raise AssertionError(f"no table cell {ref}")


def texts(layout: Layout) -> dict[str, str]:
    return {b.ref: b.text for p in layout.pages for b in p.blocks if isinstance(b, TextBlock)}


# ---------------------------------------------------------------------------------------------
# The four sample workbooks


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_nine_tables_each_under_its_title_and_unit(layouts, path):
    layout = layouts[path]
    assert layout.container == path.suffix.lstrip(".")
    found = tables_with_text_above(layout)
    titles = [next((code for t in reversed(above) if (code := match_title(t))), None) for above, _ in found]
    assert titles == [f"T{i}" for i in range(1, 10)]
    units = [next((m.group(2) for t in above if (m := UNIT_RE.search(t))), None) for above, _ in found]
    assert units == [UNIT[path]] * 9  # the 单位 line kept as text: 元 is converted by the finder


def test_one_sheet_per_table_is_a_page_each(layouts):
    layout = layouts[CZJ_XLSX]
    assert [p.name for p in layout.pages] == [f"公开0{i}表" for i in range(1, 10)]
    assert [p.number for p in layout.pages] == list(range(1, 10))
    assert [sum(isinstance(b, TableBlock) for b in p.blocks) for p in layout.pages] == [1] * 9
    t = texts(layout)
    assert t["sheet 公开01表!A1"] == "第二部分 上海市普陀区财政局2024年度部门决算表"
    assert t["sheet 公开05表!A1"] == "一般公共预算财政拨款支出决算表"
    assert t["sheet 公开05表!A2"] == "编制单位：上海市普陀区财政局"
    assert t["sheet 公开05表!G2"] == "单位：万元"
    # a note under an empty table stays text below it, not a table row
    assert t["sheet 公开08表!A7"] == "注：上海市普陀区财政局无政府性基金预算财政拨款支出，故本表无数据。"
    t8 = next(b for b in layout.pages[7].blocks if isinstance(b, TableBlock))
    assert t8.ref == "sheet 公开08表!A3:J6" and t8.row_refs[-1] == "sheet 公开08表 row 6"
    assert [c.text for c in t8.rows[-1]][:5] == ["合计", None, None, None, ""]  # 合计 merged over A6:D6


@pytest.mark.parametrize("path", [CZJ_XLS, SGB_XLSX, SGB_XLS], ids=lambda p: p.name)
def test_all_tables_on_one_sheet_are_split(layouts, path):
    layout = layouts[path]
    assert [p.name for p in layout.pages] == ["部门决算公开表"]
    blocks = layout.pages[0].blocks
    assert sum(isinstance(b, TableBlock) for b in blocks) == 9
    # the first table ends at its 总计 row (row 35 in all three); blank rows between tables are left out
    t1 = next(b for b in blocks if isinstance(b, TableBlock))
    assert t1.ref == "sheet 部门决算公开表!A4:D35"
    assert [c.text for c in t1.rows[-1]][0] == "总计"


def test_merged_header_cells_are_none_placeholders(layouts):
    layout = layouts[CZJ_XLSX]
    # 项目 merged over A3:D3; 合计, 基本支出, 项目支出 merged down rows 3-6; 科目名称 down D4:D6
    assert row(layout, "sheet 公开05表 row 3") == ["项目", None, None, None, "合计", "基本支出", "项目支出"]
    assert row(layout, "sheet 公开05表 row 4") == ["支出功能分类", None, None, "科目名称", None, None, None]
    assert row(layout, "sheet 公开05表 row 5") == ["科目编码", None, None, None, None, None, None]
    assert row(layout, "sheet 公开05表 row 6") == ["类", "款", "项", None, None, None, None]
    # 三公: 合计 over two columns, the vehicle group over six, 预算数/决算数 under each
    assert row(layout, "sheet 公开07表 row 4")[:5] == ["合计", None, "因公出国（境）费", None, "公务用车购置及运行费"]
    assert row(layout, "sheet 公开07表 row 5")[:7] == [None, None, None, None, "小计", None, "公务用车购置费"]


def test_cells_as_printed_with_their_sheet_and_cell(layouts):
    czj, czj_xls = layouts[CZJ_XLSX], layouts[CZJ_XLS]
    assert cell(czj, "sheet 公开05表!A7").text == "201"  # code, a text cell
    assert cell(czj, "sheet 公开05表!E7").text == "2106.66"  # numeric cell, format 0.00
    assert row(czj, "sheet 公开06表 row 7") == ["301", "01", "基本工资", "262.33", "302", "01", "办公费", "21.21"]
    assert row(czj, "sheet 公开07表 row 7") == ["0.95"] + [""] * 9 + ["0.95", ""]
    assert row(czj, "sheet 公开02表 row 10")[:6] == ["201", "06", "01", "行政运行", "1511.90", "1511.89"]
    # .xls: amounts are numbers shown as #,##0.00; a number is written without the separator
    assert row(czj_xls, "sheet 部门决算公开表 row 46") == ["2010601", "行政运行", "1511.90", "1511.89"] + [""] * 4 + [
        "0.01"
    ]
    assert cell(czj_xls, "sheet 部门决算公开表!D162").text == "2082.85"
    sgb, sgb_xls = layouts[SGB_XLSX], layouts[SGB_XLS]
    assert row(sgb, "sheet 部门决算公开表 row 47")[:6] == ["201", "39", "01", "行政运行", "513200.00", "513200.00"]
    assert cell(sgb, "sheet 部门决算公开表!F161").text == "0.00"  # a printed 0 is 0.00, not blank
    assert row(sgb, "sheet 部门决算公开表 row 197") == [
        "人员经费合计",
        None,
        "953600.00",
        "公用经费合计",
        None,
        "102300.00",
    ]
    assert row(sgb_xls, "sheet 部门决算公开表 row 44")[:4] == ["201", "一般公共服务支出", "2648700.00", "2648700.00"]
    assert cell(sgb_xls, "sheet 部门决算公开表!F158").text == "0.00"


@pytest.mark.parametrize("path", [SGB_XLSX, SGB_XLS], ids=lambda p: p.name)
def test_yuan_unit_line_kept_and_no_preparer_row(layouts, path):
    layout = layouts[path]
    lines = [t for t, _, _ in layout.text_lines()]
    assert "单位：元" in lines
    assert not any("编制单位" in t for t in lines)
    assert texts(layout)["sheet 部门决算公开表!D3"] == "单位：元"


def test_empty_three_public_table_and_its_notes(layouts):
    layout = layouts[SGB_XLSX]
    t7 = [b for _, b in tables_with_text_above(layout)][6]
    assert t7.row_refs[0] == "sheet 部门决算公开表 row 203" and t7.row_refs[-1] == "sheet 部门决算公开表 row 206"
    assert [c.text for c in t7.rows[-1]] == ["预算数", "决算数"] * 6
    t = texts(layout)
    assert t["sheet 部门决算公开表!A208"] == "注：本表反映部门本年度“三公”经费支出预决算情况。"
    assert t["sheet 部门决算公开表!A209"].endswith("没有财政拨款“三公”经费支出，故本表无数据。")
    # a note's second line (no 注/说明 of its own) is text too
    assert t["sheet 部门决算公开表!A220"].startswith("无政府性基金预算财政拨款收入支出的")


# ---------------------------------------------------------------------------------------------
# End to end: extract_report reads each workbook cell for cell like its source PDF


@pytest.fixture(scope="module")
def extracted() -> dict[Path, dict[str, pd.DataFrame]]:
    return {p: extract_report(p, with_narrative=False) for p in WORKBOOKS}


def found_in(out: dict[str, pd.DataFrame]) -> dict:
    """line_items and the table statuses of `reports` in the shape `pdf_truth.score` reads."""
    li = out["line_items"].astype(object)
    li = li.where(li.notna(), None)  # a blank cell is None, as in the finder's items
    r = out["reports"].iloc[0]
    empty = set(r["tables_empty"])
    items = {t: g.to_dict("records") for t, g in li.groupby("table")}
    # an empty table has no line items, only its status
    return {
        t: SimpleNamespace(items=items.get(t, []), status="empty" if t in empty else "data") for t in r["tables_found"]
    }


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_extract_report_reads_like_the_source_pdf(extracted, path):
    out = extracted[path]
    r = out["reports"].iloc[0]
    truth = TRUTH[SOURCE_PDF[path]]
    assert r["status"] == "ok", r["error"]
    assert r["source_format"] == path.suffix.lstrip(".")
    assert r["department"] == truth["department"]  # 编制单位 row or the heading above the first table
    assert r["fiscal_year"] == truth["fiscal_year"]
    assert list(r["tables_found"]) == [f"T{i}" for i in range(1, 10)]
    assert list(r["tables_empty"]) == [c for c, s in truth["tables"].items() if s == "empty"]
    right, total, wrong = score(found_in(out), truth, pages=False)
    assert wrong == [] and right == total
    assert set(out["table_readings"]["layout"]) == {"spreadsheet cells"}


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_every_value_traces_to_its_sheet_and_cell(layouts, extracted, path):
    """Each value's source_ref is a sheet!cell whose cell holds that value (元 cells ÷ 10,000)."""
    li = extracted[path]["line_items"]
    at = {
        c.ref: c.text
        for p in layouts[path].pages
        for b in p.blocks
        if isinstance(b, TableBlock)
        for r in b.rows
        for c in r
    }
    values = li[li.amount_wan.notna()]
    assert len(values) > 100
    factor = 1e-4 if UNIT[path] == "元" else 1.0
    for ref, amount in zip(values.source_ref, values.amount_wan):
        assert ref in at, ref
        assert parse_amount(at[ref]) * factor == pytest.approx(amount, abs=1e-9), ref
    assert set(li.unit_printed.dropna()) == ({"元"} if UNIT[path] == "元" else set())
    if UNIT[path] == "元":
        assert li.unit_printed.notna().all()


def test_department_from_the_part_heading_without_a_preparer_row(tmp_path):
    """A workbook has no cover: with no 编制单位 row the department is read from the heading above the
    first table, 第二部分 上海市普陀区财政局2024年度部门决算表."""
    wb = openpyxl.load_workbook(CZJ_XLSX)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("编制单位"):
                    c.value = None
    f = tmp_path / "无编制单位.xlsx"
    wb.save(f)
    assert not any("编制单位" in t for t, _, _ in read_layout(f).text_lines())
    r = extract_report(f, with_narrative=False)["reports"].iloc[0]
    assert (r["department"], r["city"], r["district"]) == ("上海市普陀区财政局", "上海市", "普陀区")


def test_one_value_in_each_workbook(extracted):
    expected = {
        CZJ_XLSX: (2940.05, "sheet 公开05表!E26"),
        CZJ_XLS: (2940.05, "sheet 部门决算公开表!C154"),
        SGB_XLSX: (307.82, "sheet 部门决算公开表!E152"),
        SGB_XLS: (307.82, "sheet 部门决算公开表!C149"),
    }
    for path, (amount, ref) in expected.items():
        li = extracted[path]["line_items"]
        t5 = li[(li.table == "T5") & (li.row_label == "合计") & (li.measure == "total")]
        assert t5.amount_wan.tolist() == [pytest.approx(amount)]
        assert t5.source_ref.tolist() == [ref]
        assert t5.unit_printed.fillna("").tolist() == (["元"] if UNIT[path] == "元" else [""])


# ---------------------------------------------------------------------------------------------
# Workbooks in other styles


def test_amounts_written_as_printed():
    assert amount_text(2940.05) == "2940.05"
    assert amount_text(0) == "0.00"
    assert amount_text(-0.0) == "0.00"
    assert amount_text(3078200) == "3078200.00"
    assert amount_text(2.675) == "2.68"  # Excel shows 2.68; float formatting would print 2.67
    assert amount_text(-12.345) == "-12.35"


def _other_style(path: Path) -> None:
    """收入决算表 on a sheet named by its title (no title row), starting at B2; codes as numbers over
    类/款/项 (款 6 for 06); a 栏次 row of numbers; an amount typed as text with a separator; a blank row
    before the note; a hidden sheet and an empty default sheet; 三公 on a sheet named 公开07表 whose
    title row also prints the table's number; 收支总表 in the national template's form (a 行次 column
    and a 栏次 row, numbers); 一般公共预算支出 with joined codes stored as numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "收入决算表"
    ws["B2"], ws["J2"] = "编制单位：某区某局", "金额单位：万元"
    ws["B3"], ws["F3"], ws["G3"], ws["H3"] = "项目", "本年收入合计", "财政拨款收入", "其他收入"
    ws.merge_cells("B3:E3")
    ws["B4"], ws["E4"] = "功能分类科目编码", "科目名称"
    ws.merge_cells("B4:D4")
    ws["B5"], ws["C5"], ws["D5"] = "类", "款", "项"
    ws["B6"], ws["F6"], ws["G6"], ws["H6"] = "栏次", 1, 2, 3
    ws.merge_cells("B6:E6")
    ws["B7"], ws["F7"], ws["G7"], ws["H7"] = "合计", 2946.25, 2940.05, "6.20"
    ws.merge_cells("B7:E7")
    for r, values in enumerate(
        [
            (201, None, None, "一般公共服务支出", 2112.86, 2106.66, 6.2),
            (201, 6, None, "财政事务", "2,112.86", 2106.66, 6.2),
            (201, 6, 1, "行政运行", 1511.9, 1511.89, 0.01),
        ],
        start=8,
    ):
        for c, v in enumerate(values, start=2):
            if v is not None:
                ws.cell(r, c, v)
    ws["B12"] = "注：本表反映部门本年度取得的各项收入情况。"
    hidden = wb.create_sheet("旧版")
    hidden["A1"] = "收入支出决算总表"
    hidden.sheet_state = "hidden"
    wb.create_sheet("Sheet3")
    t7 = wb.create_sheet("公开07表")
    t7["A1"], t7["F1"] = "2024年度一般公共预算财政拨款“三公”经费支出决算表", "公开07表"
    t7["F2"] = "单位：万元"
    t7["A3"], t7["C3"], t7["E3"] = "合计", "因公出国（境）费", "公务接待费"
    for a, b in (("A3", "B3"), ("C3", "D3"), ("E3", "F3")):
        t7.merge_cells(f"{a}:{b}")
    for c in range(1, 7):
        t7.cell(4, c, "预算数" if c % 2 else "决算数")
        t7.cell(5, c, [1.5, 0.95, 0, 0, 1.5, 0.95][c - 1])
    t1 = wb.create_sheet("公开01表")
    for r in [
        ["收入支出决算总表"],
        [None, None, None, None, None, "单位：万元"],
        ["收入", None, None, "支出"],
        ["项目", "行次", "金额", "项目", "行次", "金额"],
        ["栏次", None, 1, "栏次", None, 2],
        ["一、一般公共预算财政拨款收入", 1, 2940.05, "一、一般公共服务支出", 32, 2106.66],
        ["八、其他收入", 8, 6.2, "八、社会保障和就业支出", 39, 326.71],
        ["本年收入合计", 9, 2946.25, "本年支出合计", 58, 2433.37],
    ]:
        t1.append(r)
    t1.merge_cells("A3:C3")
    t1.merge_cells("D3:F3")
    t5 = wb.create_sheet("公开05表")
    for r in [
        ["一般公共预算财政拨款支出决算表"],
        [None, None, None, None, "单位：万元"],
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        [None, "合计", 2940.05, 2336.91, 603.14],
        [201, "一般公共服务支出", 2106.66, 1503.52, 603.14],
        [20106, "财政事务", 2106.66, 1503.52, 603.14],
        [2010601, "行政运行", 1511.89, 1503.52, 8.37],
    ]:
        t5.append(r)
    wb.save(path)


def test_other_style_workbook(tmp_path):
    f = tmp_path / "其他样式.xlsx"
    _other_style(f)
    layout = read_layout(f)
    assert [p.name for p in layout.pages] == [
        "收入决算表",
        "公开07表",
        "公开01表",
        "公开05表",
    ]  # hidden, empty left out
    assert layout.notes == ["sheet 旧版 is hidden; it was not read"]
    blocks = layout.pages[0].blocks
    # no title row: the sheet's name stands above the table, as its title
    assert blocks[0] == TextBlock("收入决算表", "sheet 收入决算表")
    assert [b.text for b in blocks[1:3]] == ["编制单位：某区某局", "金额单位：万元"]
    table = blocks[3]
    assert isinstance(table, TableBlock)
    assert table.ref == "sheet 收入决算表!B3:H10"  # column A is blank: not part of the table
    assert table.rows[0][0] == Cell("项目", "sheet 收入决算表!B3")
    assert [c.text for c in table.rows[3]] == ["栏次", None, None, None, "1", "2", "3"]  # 栏次, not amounts
    assert [c.text for c in table.rows[4]] == ["合计", None, None, None, "2946.25", "2940.05", "6.20"]
    assert [c.text for c in table.rows[5]][:4] == ["201", "", "", "一般公共服务支出"]  # code, not 201.00
    assert [c.text for c in table.rows[6]] == ["201", "06", "", "财政事务", "2,112.86", "2106.66", "6.20"]
    assert [c.text for c in table.rows[7]] == ["201", "06", "01", "行政运行", "1511.90", "1511.89", "0.01"]
    assert table.row_refs[-1] == "sheet 收入决算表 row 10"  # the blank row before the note is not kept
    assert blocks[4] == TextBlock("注：本表反映部门本年度取得的各项收入情况。", "sheet 收入决算表!B12")
    t7 = layout.pages[1].blocks
    assert [b.text for b in t7[:3]] == ["2024年度一般公共预算财政拨款“三公”经费支出决算表", "公开07表", "单位：万元"]
    assert [c.text for c in t7[3].rows[2]] == ["1.50", "0.95", "0.00", "0.00", "1.50", "0.95"]
    t1 = layout.pages[2].blocks[2]
    assert [c.text for c in t1.rows[2]] == ["栏次", "", "1", "栏次", "", "2"]
    assert [c.text for c in t1.rows[3]] == [
        "一、一般公共预算财政拨款收入",
        "1",
        "2940.05",
        "一、一般公共服务支出",
        "32",
        "2106.66",
    ]
    t5 = layout.pages[3].blocks[2]
    assert [[c.text for c in r][0] for r in t5.rows] == ["科目编码", "", "201", "20106", "2010601"]


def test_other_style_workbook_end_to_end(tmp_path):
    f = tmp_path / "其他样式.xlsx"
    _other_style(f)
    out = extract_report(f, with_narrative=False)
    r = out["reports"].iloc[0]
    assert list(r["tables_found"]) == ["T1", "T2", "T5", "T7"]
    assert r["department"] == "某区某局"
    assert any("sheet 旧版 is hidden; it was not read" in n for n in r["notes"])
    li = out["line_items"].astype(object)
    li = li.where(li.notna(), None)
    got = {
        (it["table"], it["side"], it["code"], it["row_label"], it["measure"]): (it["amount_wan"], it["source_ref"])
        for it in li.to_dict("records")
    }
    assert got[("T2", None, "2010601", "行政运行", "fiscal")] == (1511.89, "sheet 收入决算表!G10")
    assert got[("T2", None, "20106", "财政事务", "total")] == (2112.86, "sheet 收入决算表!F9")  # typed as text
    assert got[("T2", None, None, "合计", "other")] == (6.20, "sheet 收入决算表!H7")
    assert got[("T1", "income", None, "一、一般公共预算财政拨款收入", "final")] == (2940.05, "sheet 公开01表!C6")
    assert got[("T1", "expenditure", "201", "一、一般公共服务支出", "final")] == (2106.66, "sheet 公开01表!F6")
    assert got[("T5", None, "2010601", "行政运行", "project")] == (8.37, "sheet 公开05表!E7")
    assert got[("T7", None, None, "合计", "final_reception")] == (0.95, "sheet 公开07表!F5")


def test_tables_one_after_another_without_blank_rows(tmp_path):
    """A title right under the previous table's last row, a title the catalog does not know (followed
    by its 单位 line), and an untitled table after blank rows: three tables."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [
        ["一般公共预算财政拨款支出决算表"],
        [None, None, None, "单位：万元"],
        ["科目编码", "科目名称", "合计", "基本支出"],
        ["201", "一般公共服务支出", 10, 8],
        ["合计", None, 10, 8],
        ["部门收支情况汇总"],
        [None, None, None, "单位：元"],
        ["项目", "金额"],
        ["收入", 100],
        [],
        [],
        ["项目", "决算数"],
        ["支出", 90],
    ]
    for r in rows:
        ws.append(r)
    f = tmp_path / "连续.xlsx"
    wb.save(f)
    blocks = read_layout(f).pages[0].blocks
    kinds = [("T:" + b.text) if isinstance(b, TextBlock) else b.ref for b in blocks]
    assert kinds == [
        "T:一般公共预算财政拨款支出决算表",
        "T:单位：万元",
        "sheet Sheet!A3:D5",
        "T:部门收支情况汇总",
        "T:单位：元",
        "sheet Sheet!A8:B9",
        "sheet Sheet!A12:B13",
    ]
    assert [c.text for c in blocks[2].rows[1]] == ["201", "一般公共服务支出", "10.00", "8.00"]


def test_codes_stored_as_numbers_under_a_header_centred_across_columns(tmp_path):
    """科目编码 centred across three columns (not merged: the other two header cells are blank), codes
    typed as numbers: the columns left of the names hold codes (06, not 6.00)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [
        ["一般公共预算财政拨款支出决算表"],
        [None, None, None, None, None, None, "单位：万元"],
        ["科目编码", None, None, "科目名称", "合计", "基本支出", "项目支出"],
        [201, None, None, "一般公共服务支出", 2106.66, 1503.52, 603.14],
        [201, 6, None, "财政事务", 2106.66, 1503.52, 603.14],
        [201, 6, 1, "行政运行", 1511.89, 1503.52, 8.37],
    ]:
        ws.append(r)
    f = tmp_path / "居中.xlsx"
    wb.save(f)
    table = next(b for b in read_layout(f).pages[0].blocks if isinstance(b, TableBlock))
    assert [[c.text for c in r][:4] for r in table.rows[1:]] == [
        ["201", "", "", "一般公共服务支出"],
        ["201", "06", "", "财政事务"],
        ["201", "06", "01", "行政运行"],
    ]
    li = extract_report(f, with_narrative=False)["line_items"]
    assert li[(li.table == "T5") & (li.measure == "project")].set_index("code").amount_wan.to_dict() == {
        "201": 603.14,
        "20106": 603.14,
        "2010601": 8.37,
    }


def test_unit_in_the_header_row_and_a_one_column_numbering(tmp_path):
    """`单位：元` printed in the table's first row is still the table's unit (元 → 万元); `栏次 | 1`
    numbers one figure column (1, not 1.00)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "支出"
    for r in [
        ["一般公共预算财政拨款支出决算表"],
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出", "单位：元"],
        ["2010601", "行政运行", 15118900, 15035200, 83700],
        [None, "合计", 29400500, 23369100, 6031400],
    ]:
        ws.append(r)
    other = wb.create_sheet("三公说明")
    for r in [["收支说明表"], ["项目", "决算数"], ["栏次", 1], ["合计", 5]]:
        other.append(r)
    f = tmp_path / "表头单位.xlsx"
    wb.save(f)
    layout = read_layout(f)
    blocks = layout.pages[0].blocks
    assert [b.text for b in blocks if isinstance(b, TextBlock)] == ["一般公共预算财政拨款支出决算表", "单位：元"]
    assert blocks[1].ref == "sheet 支出!F2"
    assert [c.text for c in blocks[2].rows[0]] == ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
    numbered = next(b for b in layout.pages[1].blocks if isinstance(b, TableBlock))
    assert [[c.text for c in r] for r in numbered.rows[1:]] == [["栏次", "1"], ["合计", "5.00"]]
    del wb["三公说明"]  # end to end on the 元 table alone
    wb.save(f)
    li = extract_report(f, with_narrative=False)["line_items"]
    t5 = li[(li.table == "T5") & (li.code == "2010601")].set_index("measure")
    assert t5.amount_wan.to_dict() == {"total": 1511.89, "basic": 1503.52, "project": 8.37}
    assert set(t5.unit_printed) == {"元"}
    assert t5.loc["total", "source_ref"] == "sheet 支出!C3"


def test_an_untitled_table_on_the_next_sheet_is_not_a_continuation(tmp_path):
    """A PDF table runs on to the next page without a title; a sheet holds whole tables. With the
    title rows cleared, sheets 公开04表–06表 (whose headers name no table) are skipped with a note, not
    appended to 公开03表's 支出决算表."""
    wb = openpyxl.load_workbook(CZJ_XLSX)
    for ws in wb.worksheets:
        ws["A1"] = None
    f = tmp_path / "无标题.xlsx"
    wb.save(f)
    out = extract_report(f, with_narrative=False)
    li = out["line_items"]
    assert set(li[li.table == "T3"].source_ref.str.split("!").str[0]) == {"sheet 公开03表"}
    notes = " ".join(out["reports"].iloc[0]["notes"])
    for sheet in ("公开04表", "公开05表", "公开06表"):
        assert f"sheet {sheet}!" in notes and "no recognisable title or header was skipped" in notes


def _restyled(f: Path, unit_on_first_sheet: bool) -> None:
    """The 财政局 workbook in another style: each sheet named by its table's title, with no title row
    (the part heading 第二部分 …部门决算表 stays above the first table), `单位名称：` alone where the
    title was, the unit in brackets on a row of its own, `（单位：元）`, every amount in 元 (×10000);
    the first sheet without its unit line when `unit_on_first_sheet` is false."""
    wb = openpyxl.load_workbook(CZJ_XLSX)
    for k, ws in enumerate(wb.worksheets):
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    c.value = round(v * 10000, 2)
                elif isinstance(v, str) and match_title(v):
                    ws.title, c.value = v, "单位名称：上海市普陀区财政局"
                elif isinstance(v, str) and v.startswith("编制单位："):
                    c.value = None
                elif v == "单位：万元":
                    c.value = "（单位：元）" if unit_on_first_sheet or k else None
    wb.save(f)


@pytest.mark.parametrize("unit_on_first_sheet", [True, False], ids=["unit in brackets", "first sheet without unit"])
def test_sheets_named_by_title_with_the_unit_in_brackets(tmp_path, extracted, unit_on_first_sheet):
    """Read as the workbook in its own style: the amounts in 元 by a unit line in brackets (read as 万元
    before, ×10000 and unflagged), T1 titled by its sheet's name although the part heading 第二部分
    …决算表 is printed above it (taken for a table the catalog does not know before), and a table with
    no unit line in the unit every other table prints."""
    f = tmp_path / "财政局决算表.xlsx"
    _restyled(f, unit_on_first_sheet)
    out = extract_report(f, with_narrative=False)
    r = out["reports"].iloc[0]
    assert r["status"] == "ok" and list(r["tables_missing"]) == []
    assert r["department"] == "上海市普陀区财政局"
    got, want = out["line_items"], extracted[CZJ_XLSX]["line_items"]
    cols = ["table", "side", "code", "row_label", "measure", "amount_wan", "doubtful"]
    assert len(want) == 577
    assert got[cols].astype(object).fillna("").values.tolist() == want[cols].astype(object).fillna("").values.tolist()
    assert set(got.unit_printed) == {"元"}
    t1 = got[(got.table == "T1") & (got.row_label == "一、一般公共预算财政拨款收入")].iloc[0]
    assert (t1.amount_wan, t1.source_ref) == (2940.05, "sheet 收入支出决算总表!B6")
    notes = " ".join(r["notes"])
    assert ("no 单位 line printed with this table: read in 元" in notes) is not unit_on_first_sheet


@pytest.mark.parametrize("header", [True, False], ids=["header repeated", "no header"])
def test_a_table_continued_on_a_sheet_of_its_own(tmp_path, extracted, header):
    """The 财政局 workbook with its 支出决算表 (公开03表, rows 7–26) split after 20805 行政事业单位养老支出: the
    rest on a sheet `支出决算表（续）`, its header printed again or not (without it, the sheet stores no
    columns after 基本支出, the last one holding figures). One table, every value as before: the second
    part was a second T3, dropped, and the report's sums failed at error for our misreading."""
    wb = openpyxl.load_workbook(CZJ_XLSX)
    first = wb["公开03表"]
    rest = wb.copy_worksheet(first)
    rest.title = "支出决算表（续）"
    rest["A1"] = "支出决算表（续）"
    wb.move_sheet(rest, offset=wb.sheetnames.index("公开04表") - wb.sheetnames.index(rest.title))
    first.delete_rows(16, 11)  # the first part ends at 20805 (row 15)
    rest.delete_rows(7, 9)  # the second part starts at 2080501 行政单位离退休 (row 16, now 7)
    if not header:
        for rng in list(rest.merged_cells.ranges):
            rest.unmerge_cells(str(rng))
        rest.delete_rows(3, 4)
    f = tmp_path / "续表.xlsx"
    wb.save(f)
    out = extract_report(f, with_narrative=False)
    r = out["reports"].iloc[0]
    assert r["status"] == "ok" and list(r["tables_doubtful"]) == []
    assert not any("was not used" in n for n in r["notes"])
    cols = ["table", "side", "code", "row_label", "measure", "amount_wan", "doubtful"]
    got, want = out["line_items"], extracted[CZJ_XLSX]["line_items"]
    assert got[cols].astype(object).fillna("").values.tolist() == want[cols].astype(object).fillna("").values.tolist()
    t3 = got[(got.table == "T3") & (got.code == "2080505") & (got.measure == "basic")].iloc[0]
    assert (t3.amount_wan, t3.source_ref) == (160.75, f"sheet 支出决算表（续）!F{8 if header else 4}")
    checks = out["checks"]
    assert not ((checks.outcome == "fail") & checks.rule_id.str.startswith("T3.")).any()


# ---------------------------------------------------------------------------------------------
# Bad workbooks: a ReportError that names the file and says what is wrong


def _problem(path: Path, code: ErrorCode) -> str:
    """The problem read_layout names for `path`, whose error code must be `code`."""
    with pytest.raises(ReportError) as exc:
        read_layout(path)
    assert exc.value.path == str(path) and str(path) in str(exc.value)
    assert exc.value.code == code
    return exc.value.problem


def test_password_protected_xlsx(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    f = tmp_path / "加密.xlsx"
    with open(CZJ_XLSX, "rb") as src, open(f, "wb") as out:
        OOXMLFile(src).encrypt("secret", out)  # as Excel saves it: an OLE2 file with an EncryptedPackage
    assert "password-protected" in _problem(f, ErrorCode.ENCRYPTED)


def test_password_protected_xls(tmp_path):
    # Excel 97's "password to open" is a FILEPASS record (0x002F, RC4 = 1) at the head of the workbook
    # stream; here it takes the place of the CODEPAGE record (0x0042, 2 bytes) of a real .xls
    data = CZJ_XLS.read_bytes()
    i = data.index(bytes([0x42, 0x00, 0x02, 0x00]))
    f = tmp_path / "加密.xls"
    f.write_bytes(data[:i] + bytes([0x2F, 0x00, 0x02, 0x00, 0x01, 0x00]) + data[i + 6 :])
    assert "password-protected" in _problem(f, ErrorCode.ENCRYPTED)


@pytest.mark.parametrize("path", [CZJ_XLSX, CZJ_XLS], ids=lambda p: p.suffix)
def test_truncated_workbook(tmp_path, path):
    f = tmp_path / f"截断{path.suffix}"
    f.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    _problem(f, ErrorCode.CORRUPT)


def test_damaged_sheet(tmp_path):
    f = tmp_path / "损坏.xlsx"
    with zipfile.ZipFile(CZJ_XLSX) as zin, zipfile.ZipFile(f, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename == "xl/worksheets/sheet1.xml" else data)
    assert "sheet '公开01表' is damaged" in _problem(f, ErrorCode.CORRUPT)


def test_empty_file_and_not_a_workbook(tmp_path):
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    _problem(empty, ErrorCode.EMPTY_FILE)
    page = tmp_path / "网页.xls"  # sites often serve an HTML table under an .xls name
    page.write_bytes("<html><head><meta charset=gbk></head><body><table><tr><td>收入决算表".encode("gbk"))
    assert "web page" in _problem(page, ErrorCode.UNSUPPORTED_FORMAT)
    text = tmp_path / "文本.xlsx"
    text.write_text("收入决算表\t合计\t2946.25\n", encoding="utf-8")
    _problem(text, ErrorCode.UNSUPPORTED_FORMAT)


def test_workbook_saved_under_the_other_name_is_read(tmp_path):
    f = tmp_path / "其实是xlsx.xls"
    f.write_bytes(CZJ_XLSX.read_bytes())
    layout = read_layout(f)
    assert layout.container == "xlsx" and len(layout.pages) == 9


def test_workbook_with_no_sheets(tmp_path):
    f = tmp_path / "无工作表.xlsx"
    with zipfile.ZipFile(CZJ_XLSX) as zin, zipfile.ZipFile(f, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                start, end = data.index(b"<sheets>"), data.index(b"</sheets>") + len(b"</sheets>")
                data = data[:start] + b"<sheets/>" + data[end:]
            zout.writestr(item, data)
    _problem(f, ErrorCode.EMPTY_FILE)


def test_workbook_with_no_table_or_no_juesuan_table(tmp_path):
    blank = tmp_path / "空白.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "2024年度部门决算"
    wb.save(blank)
    assert "holds no table" in _problem(blank, ErrorCode.NOT_A_REPORT)
    staff = tmp_path / "通讯录.xlsx"
    wb = openpyxl.Workbook()
    for r in [["姓名", "电话", "办公室"], ["张三", "12345678", "301"], ["李四", "87654321", "302"]]:
        wb.active.append(r)
    wb.save(staff)
    problem = _problem(staff, ErrorCode.NOT_A_REPORT)
    assert "no 决算 table" in problem and "Sheet" in problem


def test_bad_workbooks_fail_alone_in_a_batch(tmp_path):
    """Through read_document's registry: each bad workbook is a failed report naming the file and
    the reason; the good workbook beside them is read."""
    from helpers.run.pipeline import extract_many

    locked = tmp_path / "加密.xls"
    data = CZJ_XLS.read_bytes()
    i = data.index(bytes([0x42, 0x00, 0x02, 0x00]))
    locked.write_bytes(data[:i] + bytes([0x2F, 0x00, 0x02, 0x00, 0x01, 0x00]) + data[i + 6 :])
    damaged = tmp_path / "损坏.xlsx"
    with zipfile.ZipFile(CZJ_XLSX) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for item in zin.infolist():
            part = zin.read(item.filename)
            zout.writestr(item, part[: len(part) // 2] if item.filename == "xl/worksheets/sheet3.xml" else part)
    staff = tmp_path / "通讯录.xlsx"
    wb = openpyxl.Workbook()
    for r in [["姓名", "电话"], ["张三", "12345678"]]:
        wb.active.append(r)
    wb.save(staff)
    datasets, _ = extract_many([locked, damaged, staff, SGB_XLS])
    rows = datasets["reports"].to_dict("records")
    assert [r["status"] for r in rows] == ["failed", "failed", "failed", "ok"]
    assert [r["error_code"] for r in rows[:3]] == ["encrypted", "corrupt", "not_a_report"]
    errors = [r["error"] for r in rows[:3]]
    assert "加密.xls" in errors[0] and "password-protected" in errors[0]
    assert "损坏.xlsx" in errors[1] and "sheet '公开03表' is damaged" in errors[1]
    assert "通讯录.xlsx" in errors[2] and "no 决算 table" in errors[2]
    li = datasets["line_items"]
    assert set(li[li.amount_wan.notna()].report_id) == {rows[3]["report_id"]}


def test_hidden_rows_and_columns_of_an_xlsx_are_left_out(tmp_path):
    """A hidden column (an internal code) and a hidden row print nowhere: not read, and said so; the
    other cells keep their refs."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "公开05表"
    for r in [
        ["一般公共预算财政拨款支出决算表"],
        [None, None, None, None, None, "单位：万元"],
        ["科目编码", "内部编号", "科目名称", "合计", "基本支出", "项目支出"],
        ["201", "X-1", "一般公共服务支出", 2106.66, 1503.52, 603.14],
        ["299", "X-9", "作废科目", 999, 999, None],
        [None, None, "合计", 2106.66, 1503.52, 603.14],
    ]:
        ws.append(r)
    ws.column_dimensions["B"].hidden = True
    ws.row_dimensions[5].hidden = True
    f = tmp_path / "隐藏行列.xlsx"
    wb.save(f)
    layout = read_layout(f)
    assert layout.notes == ["sheet 公开05表: 1 hidden row and 1 hidden column, which print nowhere, were not read"]
    table = next(b for b in layout.pages[0].blocks if isinstance(b, TableBlock))
    assert [[c.text for c in r] for r in table.rows if any(c.text for c in r)] == [
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        ["201", "一般公共服务支出", "2106.66", "1503.52", "603.14"],
        ["", "合计", "2106.66", "1503.52", "603.14"],
    ]
    assert table.rows[1][2].ref == "sheet 公开05表!D4"


def test_error_cells_and_formulas_without_values_are_not_blanks(tmp_path):
    """calamine reads an error cell and a formula saved without its value as blank; a blank is a
    printed blank in the datasets, so they are put back as printed and the table says so."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "公开05表"
    for r in [
        ["一般公共预算财政拨款支出决算表"],
        [None, None, None, None, "单位：万元"],
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        ["2010601", "行政运行", 1511.89, 1503.52, 8.37],
        ["2010602", "一般行政管理事务", 10, None, 10],
        ["合计", None, "=SUM(C4:C5)", 1503.52, "#DIV/0!"],  # openpyxl saves formulas without a value
    ]:
        ws.append(r)
    ws["E6"].data_type = "e"
    ws["B6"].font = openpyxl.styles.Font(bold=True)  # a blank styled cell before them
    saved = tmp_path / "saved.xlsx"
    wb.save(saved)
    # D5 as Excel saves a formula that shows "" (a printed blank): t="str" and an empty value
    f = tmp_path / "公式.xlsx"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(f, "w") as zout:
        for item in zin.infolist():
            part = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b'<c r="E5"', b'<c r="D5" t="str"><f>IF(TRUE,"","x")</f><v></v></c><c r="E5"', 1)
                part = part.replace(b'<c r="B6" s="1" t="n"></c>', b'<c r="B6" s="1"/>', 1)  # as Excel writes it
            zout.writestr(item, part)
    xml = zipfile.ZipFile(f).read("xl/worksheets/sheet1.xml")
    assert b'<c r="D5" t="str">' in xml and b'<c r="B6" s="1"/>' in xml
    layout = read_layout(f)
    assert cell(layout, "sheet 公开05表!C6").text == "=SUM(C4:C5)"
    assert cell(layout, "sheet 公开05表!E6").text == "#DIV/0!"
    assert cell(layout, "sheet 公开05表!D5").text == ""  # a formula showing "" is a printed blank
    assert layout.notes == [
        "sheet 公开05表: 2 cell(s) hold an error or a formula saved without its value (C6 =SUM(C4:C5), "
        "E6 #DIV/0!); read as that text, never as a number"
    ]
    out = extract_report(f, with_narrative=False)
    li = out["line_items"]
    total = li[(li.table == "T5") & (li.row_label == "合计")].set_index("measure")
    assert total.amount_wan.isna().to_dict() == {"total": True, "basic": False, "project": True}
    notes = " ".join(out["reports"].iloc[0]["notes"])
    assert "'=SUM(C4:C5)' in an amount column is not a number" in notes


def test_a_workbook_of_the_tables_is_not_blamed_for_the_narrative_it_does_not_hold():
    """A workbook holds the 公开表 and their notes, not the 情况说明: what the narrative must disclose
    (机关运行经费, 政府采购, 名词解释 …) is not applicable there, while the same report as a Word document,
    narrative included, is judged and passes."""
    from helpers.data.extract import extract_report

    book = extract_report(FORMATS / "社会工作部2024年度部门决算.xlsx")["checks"]
    word = extract_report(FORMATS / "社会工作部2024年度部门决算.docx")["checks"]
    assert book[book.rule_id == "R.disclosures"].outcome.tolist() == ["not_applicable"]
    assert set(word[word.rule_id == "R.disclosures"].outcome) == {"pass"}
    assert not book.outcome.isin(["fail", "uncertain"]).any()
