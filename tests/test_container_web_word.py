"""Web pages and Word documents read into the one table model (helpers/read/web.py, word.py).

The four files in tests/fixtures/formats/ are copies of shared/corpus/formats/ (its README says each
file's style). Every expected cell, title and page below was read in the file itself (the HTML
source, the .docx's word/document.xml), not taken from the adapters' output. The small files for
the odd cases are written here, each in the shape the container takes in the wild.
"""

from __future__ import annotations

import quopri
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from helpers.core.errors import ErrorCode
from helpers.data.extract import extract_report, find_tables
from helpers.read import web, word
from helpers.read.document import ReportError, read_document
from helpers.read.model import Layout, TableBlock, TextBlock

from .conftest import PDF_CZJ, PDF_SGB
from .fixtures.pdf_truth import CZJ, SGB, TRUTH, score

FORMATS = Path(__file__).parent / "fixtures" / "formats"
CZJ_HTML = FORMATS / "财政局部门决算.html"
SGB_HTML = FORMATS / "社会工作部部门决算.html"
CZJ_DOCX = FORMATS / "财政局2024年度部门决算.docx"
SGB_DOCX = FORMATS / "社会工作部2024年度部门决算.docx"

NINE_TITLES = [
    "收入支出决算总表",
    "收入决算表",
    "支出决算表",
    "财政拨款收入支出决算总表",
    "一般公共预算财政拨款支出决算表",
    "一般公共预算财政拨款基本支出决算表",
    "财政拨款“三公”经费支出决算表",
    "政府性基金预算财政拨款收入支出决算表",
    "国有资本经营预算财政拨款收入支出决算表",
]


def tables(layout: Layout) -> dict[str, TableBlock]:
    return {b.ref: b for p in layout.pages for b in p.blocks if isinstance(b, TableBlock)}


def texts(layout: Layout) -> list[str]:
    return [b.text for p in layout.pages for b in p.blocks if isinstance(b, TextBlock)]


def row(t: TableBlock, r: int) -> list[str | None]:
    return [c.text for c in t.rows[r - 1]]


def titles_above(layout: Layout) -> list[str]:
    """The text printed above each table, skipping the 单位 line (what the finder names tables by)."""
    out = []
    blocks = [b for p in layout.pages for b in p.blocks]
    for i, b in enumerate(blocks):
        if isinstance(b, TableBlock):
            above = [x.text for x in blocks[max(0, i - 3) : i] if isinstance(x, TextBlock)]
            above = [t for t in above if not t.startswith("单位")]
            out.append(above[-1] if above else "")
    return out


# ---------------------------------------------------------------------------------------------
# The four files.


@pytest.fixture(scope="module")
def czj_html() -> Layout:
    return web.read_layout(CZJ_HTML)


@pytest.fixture(scope="module")
def sgb_html() -> Layout:
    return web.read_layout(SGB_HTML)


@pytest.fixture(scope="module")
def czj_docx() -> Layout:
    return word.read_layout(CZJ_DOCX)


@pytest.fixture(scope="module")
def sgb_docx() -> Layout:
    return word.read_layout(SGB_DOCX)


def test_gbk_page_is_decoded_from_its_own_declaration(czj_html):
    # <meta http-equiv="Content-Type" content="text/html; charset=gbk">
    assert CZJ_HTML.read_bytes().decode("gbk")  # the file really is GBK (not valid UTF-8)
    with pytest.raises(UnicodeDecodeError):
        CZJ_HTML.read_bytes().decode("utf-8")
    assert web.decode_html(CZJ_HTML.read_bytes())[1:] == ("gb18030", [])
    assert czj_html.container == "html" and len(czj_html.pages) == 1
    lines = texts(czj_html)
    assert "上海市普陀区财政局2024年度部门决算" in lines  # the <h1>
    assert "本年收入合计2946.25万元，其中： 财政拨款收入2940.05万元，占99.79%；其他收入6.2万元，占0.21%；" in lines
    # <style> and <head> are not text; the site's banner, breadcrumb and footer are left out, so the
    # page's text starts with the report's title (metadata reads the department from the first lines)
    assert not any("font-family" in t or "政务公开" in t or "主办" in t for t in lines)
    assert lines[0] == "上海市普陀区财政局2024年度部门决算"


def test_web_pages_hold_the_nine_tables_under_their_titles(czj_html, sgb_html):
    for layout in (czj_html, sgb_html):
        ts = tables(layout)
        assert list(ts) == [f"table {n}" for n in range(1, 11)]  # 单位构成 list, then the nine
        assert titles_above(layout)[1:] == NINE_TITLES
        blocks = layout.pages[0].blocks
        i = blocks.index(ts["table 2"])
        assert [blocks[i - 2].text, blocks[i - 1].text] == ["收入支出决算总表", "单位：万元"]


def test_th_page_spans_become_none_placeholders(czj_html):
    t = tables(czj_html)
    # 收入决算表: <th colspan="4">项目</th> then seven <th rowspan="4">; <th colspan="3">支出功能分类</th> …
    t3 = t["table 3"]
    assert row(t3, 1) == ["项目", None, None, None, "本年收入合计", "财政拨款收入", "上级补助收入", "事业收入"] + [
        "经营收入",
        "附属单位上缴收入",
        "其他收入",
    ]
    assert row(t3, 2) == ["支出功能分类", None, None, "科目名称"] + [None] * 7
    assert row(t3, 4) == ["类", "款", "项"] + [None] * 8
    assert row(t3, 5) == ["", "", "", "合计", "2,946.25", "2,940.05", "", "", "", "", "6.20"]
    assert t3.rows[4][4].ref == "table 3 row 5 col 5" and t3.row_refs and t3.row_refs[4] == "table 3 row 5"
    assert row(t3, 8) == ["201", "06", "01", "行政运行", "1,511.90", "1,511.89", "", "", "", "", "0.01"]
    # 基本支出表's last row: <td colspan="3">人员经费合计</td>…<td colspan="3">公用经费合计</td>
    assert row(t["table 7"], 42) == ["人员经费合计", None, None, "2,152.26", "公用经费合计", None, None, "184.65"]
    # 三公: 合计 and 因公出国（境）费 are rowspan=2 colspan=2, so row 3 starts with four covered positions
    t8 = t["table 8"]
    assert row(t8, 1) == ["财政拨款“三公”经费"] + [None] * 11
    assert row(t8, 3)[:6] == [None, None, None, None, "小计", None]
    assert row(t8, 5) == ["0.95"] + [""] * 9 + ["0.95", ""]
    # the empty 政府性基金 table: <td colspan="4">合计</td> and blanks, its note under it
    t9 = t["table 9"]
    assert row(t9, 4) == ["合计", None, None, None, "", "", "", "", "", ""]
    blocks = czj_html.pages[0].blocks
    assert blocks[blocks.index(t9) + 1].text == "注：上海市普陀区财政局无政府性基金预算财政拨款支出，故本表无数据。"


def test_td_page_utf8(sgb_html):
    assert web.decode_html(SGB_HTML.read_bytes())[1:] == ("utf-8", [])
    t = tables(sgb_html)
    assert row(t["table 3"], 1)[:3] == ["项目", None, "本年收入合计"]
    assert row(t["table 3"], 11) == ["2080505", "机关事业单位基本养老保险缴费支出", "6.18", "6.18", "", "", "", "", ""]
    assert t["table 3"].rows[10][2].ref == "table 3 row 11 col 3"
    assert row(t["table 6"], 20) == ["合计", None, "307.82", "105.58", "202.24"]
    blocks = sgb_html.pages[0].blocks
    assert blocks[blocks.index(t["table 2"]) + 1].text == "注：本表反映部门本年度的总收支和年末结转结余情况。"
    assert any(
        t.startswith("中共上海市普陀区委社会工作部 2024 年度收入支出总计 307.82 万元。") for t in texts(sgb_html)
    )


def test_docx_pages_follow_the_page_and_section_breaks(czj_docx, sgb_docx):
    for layout in (czj_docx, sgb_docx):
        assert layout.container == "docx"
        assert titles_above(layout)[1:] == NINE_TITLES
        pages = {b.ref: p.number for p in layout.pages for b in p.blocks if isinstance(b, TableBlock)}
        # cover page 1; narrative and the 单位构成 list page 2; each table on a page of its own after a
        # page break (the 社会工作部 table pages are a landscape section); the 情况说明 after them
        assert pages == {"table 1": 2, **{f"table {n}": n + 1 for n in range(2, 11)}}
        assert [b.text for b in layout.pages[0].blocks] == [texts(layout)[0]]
        assert "决算情况" in layout.pages[-1].blocks[0].text and layout.pages[-1].number == 12
    assert texts(sgb_docx)[0] == "中共上海市普陀区委社会工作部 2024 年度部门决算"
    # paragraph refs count the body's paragraphs, the empty page-break ones too: the title is
    # paragraph 1, the page break paragraph 2, 目录 paragraph 3
    assert [(b.text, b.ref) for b in sgb_docx.pages[1].blocks[:1]] == [("目录", "paragraph 3")]


def test_docx_merged_cells(czj_docx, sgb_docx):
    t = tables(czj_docx)
    t3 = t["table 3"]  # 收入决算表: 项目 gridSpan=4, then seven vMerge="restart" columns
    assert row(t3, 1)[:5] == ["项目", None, None, None, "本年收入合计"]
    assert row(t3, 2)[4:] == [None] * 7  # the vMerge continuation cells
    assert row(t3, 5) == ["", "", "", "合计", "2,946.25", "2,940.05", "", "", "", "", "6.20"]
    assert t3.rows[4][10].ref == "table 3 row 5 col 11"
    t8 = t["table 8"]
    assert row(t8, 3)[:4] == [None] * 4 and row(t8, 5)[0] == "0.95" and row(t8, 5)[10] == "0.95"
    assert row(t["table 9"], 4) == ["合计", None, None, None, "", "", "", "", "", ""]
    s = tables(sgb_docx)
    assert row(s["table 3"], 3) == ["合计", None, "307.82", "307.82", "", "", "", "", ""]
    assert row(s["table 3"], 11)[:4] == ["2080505", "机关事业单位基本养老保险缴费支出", "6.18", "6.18"]
    assert row(s["table 9"], 3) == [None, None, None, None, "合计", "基本支出", "项目支出", None]


# ---------------------------------------------------------------------------------------------
# End to end: each file read like its source PDF.

CONTAINERS = [(CZJ_HTML, CZJ), (SGB_HTML, SGB), (CZJ_DOCX, CZJ), (SGB_DOCX, SGB)]
IDS = ["czj-html", "sgb-html", "czj-docx", "sgb-docx"]
ITEM = ["table", "side", "section", "code", "row_label", "measure", "amount_wan"]
NARRATIVE = ["three_public", "budget_execution", "narrative_facts"]
# how the sentence was printed differs (the PDF text layer's spaces and wrapped lines); not what it says
TEXT_COLUMNS = [
    "report_id",
    "source_ref",
    "source_text",
    "note",
    "source_kind",
    "reason_text",
    "reason_ref",
    "change_source_ref",
]


def as_text(df):
    """Cells as text, a missing value as "" (so frames compare whatever their dtypes)."""
    return df.astype(object).where(df.notna(), "").astype(str)


@pytest.fixture(scope="module")
def pdf_datasets() -> dict[str, dict]:
    return {CZJ: extract_report(PDF_CZJ), SGB: extract_report(PDF_SGB)}


@pytest.mark.parametrize("path, source", CONTAINERS, ids=IDS)
def test_cells_read_like_the_pdf_truth(path, source):
    found = find_tables(read_document(path))
    right, total, wrong = score(found, TRUTH[source], pages=False)
    assert wrong == [] and right == total
    # each table from its own table in the file (table 1 is the 单位构成 list), the empty ones too
    assert {code: ft.ref for code, ft in found.items()} == {f"T{n}": f"table {n + 1}" for n in range(1, 10)}


@pytest.mark.parametrize("path, source", CONTAINERS, ids=IDS)
def test_extract_report_like_the_pdf(path, source, pdf_datasets):
    ds, pdf = extract_report(path), pdf_datasets[source]
    r, p = ds["reports"].iloc[0], pdf["reports"].iloc[0]
    assert r["status"] == "ok" and r["source_format"] == path.suffix[1:]
    for col in ("department", "city", "district", "fiscal_year", "tables_found", "tables_empty", "tables_missing"):
        assert str(r[col]) == str(p[col]), col
    # every line item the PDF gives, with the same amount; more only where the PDF printed a header
    # row and the 合计 row in one ruled row (its blank cells there are lost), and those are blank
    got, want = as_text(ds["line_items"][ITEM]), as_text(pdf["line_items"][ITEM])
    both = want.merge(got, how="outer", indicator=True)
    assert (both["_merge"] != "left_only").all(), both[both["_merge"] == "left_only"]
    extra = both[both["_merge"] == "right_only"]
    assert (extra["amount_wan"] == "").all() and set(extra["table"]) <= {"T8", "T9"}
    # a value's source is its cell (a blank one, the row)
    refs = ds["line_items"][["amount_wan", "source_ref"]]
    assert refs["source_ref"].str.fullmatch(r"table \d+ row \d+( col \d+)?").all()
    assert refs.dropna()["source_ref"].str.fullmatch(r"table \d+ row \d+ col \d+").all()
    # T2's 合计 本年收入合计 is table 3 row 5 col 5 (财政局: four header rows, 类|款|项 cells) or
    # row 3 col 3 (社会工作部: two header rows, the code in one cell), in the page and the document alike
    items = ds["line_items"]
    total = items[(items["table"] == "T2") & (items["row_label"] == "合计") & (items["measure"] == "total")]
    expect = [2946.25, "table 3 row 5 col 5"] if source == CZJ else [307.82, "table 3 row 3 col 3"]
    assert total[["amount_wan", "source_ref"]].values.tolist() == [expect]
    # every check the PDF's figures give, with the same outcome (more only where the page's cleaner
    # text yields a sentence more than the PDF's wrapped text layer)
    outcomes = Counter(zip(ds["checks"]["rule_id"], ds["checks"]["outcome"]))
    assert Counter(zip(pdf["checks"]["rule_id"], pdf["checks"]["outcome"])) - outcomes == Counter()
    for name in NARRATIVE:
        a = as_text(ds[name].drop(columns=TEXT_COLUMNS, errors="ignore")).reset_index(drop=True)
        b = as_text(pdf[name].drop(columns=TEXT_COLUMNS, errors="ignore")).reset_index(drop=True)
        assert len(b) and a.equals(b), name


def test_restyled_page_reads_the_same(tmp_path):
    """The 社会工作部 page as other sites style it: no charset (GBK bytes), Word-exported cells
    (`<p class=MsoNormal><span>…<o:p>`), the article in a layout table beside a link menu, and the
    基本支出 table cut in two with an empty paragraph between."""
    html = SGB_HTML.read_text(encoding="utf-8").replace('<meta charset="utf-8">', "")
    html = re.sub(
        r"<td([^>]*)>([^<]*)</td>",
        lambda m: f"<td{m[1]}><p class=MsoNormal><span lang=EN-US>{m[2] or '&nbsp;'}<o:p></o:p></span></p></td>",
        html,
    )
    html = html.replace(
        '<div class="article">',
        "<table><tr><td><ul><li><a href=/1>机构职能</a></li><li><a href=/2>财政资金</a></li></ul></td><td>"
        '<div class="article">',
    ).replace('</div>\n<div class="footer"', '</div></td></tr></table>\n<div class="footer"')
    i = html.index("一般公共预算财政拨款基本支出决算表</strong>")
    cut = i + [m.start() for m in re.finditer("<tr>", html[i:])][20]
    html = html[:cut] + '</tbody></table><p>&nbsp;</p><table class="jstable"><tbody>' + html[cut:]
    f = page(tmp_path, html.encode("gb18030"), "restyled.html")
    found = find_tables(read_document(f))
    right, total, wrong = score(found, TRUTH[SGB], pages=False)
    assert wrong == [] and right == total
    assert found["T6"].ref == "table 8" and found["T7"].ref == "table 10"  # table 9: T6's second part


def test_docx_table_cut_over_two_pages_is_followed(tmp_path):
    """The 财政局 基本支出 table cut after its 25th row into a second table on the next page, its header
    not repeated (as a PDF-to-Word converter leaves it): read as one table."""
    with zipfile.ZipFile(CZJ_DOCX) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts["word/document.xml"].decode("utf-8")
    start = [m.start() for m in re.finditer("<w:tbl>", xml)][6]
    rows = [m.start() for m in re.finditer("<w:tr>", xml[start:])]
    props = xml[start + len("<w:tbl>") : start + rows[0]]
    cut = start + rows[25]
    xml = xml[:cut] + f'</w:tbl><w:p><w:r><w:br w:type="page"/></w:r></w:p><w:tbl>{props}' + xml[cut:]
    parts["word/document.xml"] = xml.encode("utf-8")
    f = tmp_path / "cut.docx"
    with zipfile.ZipFile(f, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    layout = word.read_layout(f)
    assert [p.number for p in layout.pages for b in p.blocks if isinstance(b, TableBlock)][6:8] == [8, 9]
    found = find_tables(read_document(f))
    right, total, wrong = score(found, TRUTH[CZJ], pages=False)
    assert wrong == [] and right == total
    t6 = found["T6"].items
    assert any(it["source_ref"].startswith("table 8 ") for it in t6)  # rows from the second part


# ---------------------------------------------------------------------------------------------
# Web pages in other shapes.


def page(tmp_path: Path, html: str | bytes, name: str = "p.html") -> Path:
    f = tmp_path / name
    f.write_bytes(html.encode("utf-8") if isinstance(html, str) else html)
    return f


TABLE = (
    "<p>收入决算表</p><p>单位：万元</p><table><tr><th rowspan=2>项目</th><th colspan=2>金额</th></tr>"
    "<tr><td>预算数</td><td>决算数</td></tr><tr><td>合计</td><td>1,234.50</td><td>&nbsp;</td></tr></table>"
)


def test_gbk_page_without_a_declaration(tmp_path):
    f = page(tmp_path, f"<html><body>{TABLE}</body></html>".encode("gbk"))
    assert web.decode_html(f.read_bytes())[1] == "gb18030"
    layout = web.read_layout(f)
    assert texts(layout) == ["收入决算表", "单位：万元"]
    t = tables(layout)["table 1"]
    assert [row(t, r) for r in (1, 2, 3)] == [
        ["项目", "金额", None],
        [None, "预算数", "决算数"],
        ["合计", "1,234.50", ""],
    ]


def test_declared_gb2312_but_saved_as_utf8(tmp_path):
    f = page(tmp_path, f'<html><head><meta charset="gb2312"></head><body>{TABLE}</body></html>')
    assert web.decode_html(f.read_bytes())[1] == "utf-8"
    layout = web.read_layout(f)
    assert layout.notes == ["the page declares charset 'gb2312' but its bytes are UTF-8; read as UTF-8"]
    assert texts(layout)[0] == "收入决算表"


def test_bom_wins_over_the_declaration(tmp_path):
    f = page(tmp_path, b"\xef\xbb\xbf" + f'<meta charset="gbk"><body>{TABLE}'.encode())
    assert texts(web.read_layout(f))[0] == "收入决算表"


def test_layout_table_wrapping_the_content_and_several_tables(tmp_path):
    html = (
        "<html><body><script>var 决算 = 1;</script><nav>首页 | 政务公开</nav>"
        "<table width=1000><tr><td class=left><a href=/>部门决算</a></td><td>"
        f"<h2>某局2024年度部门决算</h2>{TABLE}<p>注：本表无其他收入。</p>"
        "<p>支出决算表</p><table><caption>（续）</caption><tbody><tr><td>项目</td><td>决算数</td></tr>"
        "<tr><td rowspan=0>合计</td><td>9.00</td></tr><tr><td>1.00</td></tr></tbody>"
        "<tfoot><tr><td>制表</td><td>x</td></tr></tfoot></table>"
        "<table><tr><td>单位：万元</td></tr></table>"
        "<div style='display:none'>隐藏 1,000.00</div><p hidden>也隐藏</p>第一行<br>第二行"
        "</td></tr></table></body></html>"
    )
    layout = web.read_layout(page(tmp_path, html))
    assert texts(layout) == [
        "部门决算",
        "某局2024年度部门决算",
        "收入决算表",
        "单位：万元",
        "注：本表无其他收入。",
        "支出决算表",
        "（续）",
        "单位：万元",
        "第一行",
        "第二行",
    ]
    ts = tables(layout)
    # the layout table is table 1 (as querySelectorAll('table') counts); the one-column box is table 4
    assert list(ts) == ["table 2", "table 3"]
    assert [row(ts["table 3"], r) for r in (1, 2, 3, 4)] == [
        ["项目", "决算数"],
        ["合计", "9.00"],
        [None, "1.00"],  # rowspan=0: to the end of its row group (not into <tfoot>)
        ["制表", "x"],
    ]


def test_a_two_column_layout_without_inner_tables_is_running_text(tmp_path):
    html = (
        "<table><tr><td><a href=/a>机构概况</a><br><a href=/b>财政信息</a></td><td>"
        "<h2>某局2024年度部门决算说明</h2><p>一、收入支出决算总体情况说明</p>"
        "<p>某局2024年度收入支出总计100.00万元。</p></td></tr></table>"
    )
    layout = web.read_layout(page(tmp_path, html))
    assert tables(layout) == {}
    assert texts(layout)[-3:] == [
        "某局2024年度部门决算说明",
        "一、收入支出决算总体情况说明",
        "某局2024年度收入支出总计100.00万元。",
    ]


def test_a_table_inside_a_table_of_figures_is_flattened(tmp_path):
    # a header cell laid out with a small table of its own; the outer table holds the figures
    html = (
        "<p>支出决算表</p><table><tr><td><table><tr><td>科目</td></tr><tr><td>编码</td></tr></table></td>"
        "<td>本年支出合计</td><td>基本支出</td></tr><tr><td>201</td><td>5.00</td><td>4.00</td></tr>"
        "<tr><td>208</td><td>1.00</td><td>1.00</td></tr></table><table><tr><td>a</td><td>b</td></tr></table>"
    )
    ts = tables(web.read_layout(page(tmp_path, html)))
    assert list(ts) == ["table 1", "table 3"]  # the inner table is table 2 (querySelectorAll order)
    assert [row(ts["table 1"], r) for r in (1, 2)] == [
        ["科目\n编码", "本年支出合计", "基本支出"],
        ["201", "5.00", "4.00"],
    ]


def test_site_chrome_is_left_out(tmp_path):
    html = (
        "<body><header>某区人民政府</header><div id=header><img alt=logo><span>某区人民政府门户网站</span></div>"
        "<div class='nav'><a href=/>首页</a><a href=/zw>政务公开</a></div>"
        "<div class=pos>当前位置：首页 &gt; 财政信息 &gt; 部门决算</div>"
        "<div class=main><div class=side><ul><li><a href=/a>2023年度部门决算</a></li>"
        "<li><a href=/b>2022年度部门决算</a></li></ul></div>"
        "<div class=article><div class=article-head><div class=top><h1>某局2024年度部门决算</h1></div>"
        "<span>发布日期：2025-09-01</span></div>"
        f"<div id=zoom>{TABLE}</div></div></div>"
        "<div class=footer>主办：某区人民政府办公室 <a href=/map>网站地图</a></div><footer>备案号</footer></body>"
    )
    layout = web.read_layout(page(tmp_path, html))
    assert texts(layout) == ["某局2024年度部门决算", "发布日期：2025-09-01", "收入决算表", "单位：万元"]
    assert len(tables(layout)) == 1


def test_cell_lines_and_malformed_markup(tmp_path):
    html = (
        "<table>单位：万元<tr><td>机关事业单位基本养老<br>保险缴费支出<td>160.75"
        "<tr><td><p>本年收入</p><p>合计</p><td><span>2,946.25</span>"
        "<tr><td>&ensp;其他&#12288;收入&nbsp;</td><td>6.2&#8203;0</td></table>"
    )
    layout = web.read_layout(page(tmp_path, "收入决算表" + html))
    assert texts(layout) == ["收入决算表", "单位：万元"]
    t = tables(layout)["table 1"]
    assert row(t, 1) == ["机关事业单位基本养老\n保险缴费支出", "160.75"]
    assert row(t, 2) == ["本年收入\n合计", "2,946.25"]
    assert row(t, 3) == ["其他 收入", "6.20"]  # spaces of any width collapse; a zero-width space is nothing


def test_excel_exported_page_title_rows_and_a_split_table(tmp_path):
    # Excel's 另存为网页: the title, 单位 and note rows are rows of the table (one filled cell each);
    # a CMS cut the table in two where the sheet's page ended, nothing between the two parts.
    html = (
        "<table><tr><td colspan=3>支出决算表</td></tr><tr><td></td><td></td><td>单位：万元</td></tr>"
        "<tr><td>项目</td><td>合计</td><td>基本支出</td></tr><tr><td>201</td><td>5.00</td><td>4.00</td></tr></table>"
        "<p>&nbsp;</p><table><tr><td>208</td><td>1.00</td><td>1.00</td></tr>"
        "<tr><td>注：本表金额保留两位小数。</td><td></td><td></td></tr></table>"
        "<p>财政拨款“三公”经费支出决算表</p><table><tr><td colspan=2>财政拨款“三公”经费</td></tr>"
        "<tr><td>预算数</td><td>决算数</td></tr></table>"
    )
    layout = web.read_layout(page(tmp_path, html))
    blocks = layout.pages[0].blocks
    assert [(b.text, b.ref) for b in blocks[:2]] == [("支出决算表", "table 1 row 1"), ("单位：万元", "table 1 row 2")]
    t = blocks[2]
    assert isinstance(t, TableBlock) and t.ref == "table 1"
    assert [[c.text for c in r] for r in t.rows] == [["项目", "合计", "基本支出"], ["201", "5.00", "4.00"]] + [
        ["208", "1.00", "1.00"]
    ]
    assert t.row_refs == ["table 1 row 3", "table 1 row 4", "table 2 row 1"]
    assert t.rows[2][1].ref == "table 2 row 1 col 2"
    assert t.notes == ["table 2 follows table 1 with nothing between and the same columns: read as one table"]
    assert (blocks[3].text, blocks[3].ref) == ("注：本表金额保留两位小数。", "table 2 row 2")
    # a header row spanning the table is not a title: it stays in the table
    assert row(tables(layout)["table 3"], 1) == ["财政拨款“三公”经费", None]


def test_unit_box_above_a_table_in_yuan(tmp_path):
    # 编制单位 and 单位 in a borderless table of their own: text, so the finder reads 元 and converts
    html = (
        "<h1>某局2024年度部门决算</h1><p>支出决算表</p>"
        "<table border=0><tr><td>编制单位：某局</td><td></td><td>单位：元</td></tr></table><table border=1>"
        "<tr><td>科目编码</td><td>科目名称</td><td>本年支出合计</td><td>基本支出</td><td>项目支出</td></tr>"
        "<tr><td></td><td>合计</td><td>30,000.00</td><td>20,000.00</td><td>10,000.00</td></tr>"
        "<tr><td>201</td><td>一般公共服务支出</td><td>30,000.00</td><td>20,000.00</td><td>10,000.00</td></tr></table>"
    )
    f = page(tmp_path, html)
    assert texts(web.read_layout(f)) == ["某局2024年度部门决算", "支出决算表", "编制单位：某局", "单位：元"]
    items = find_tables(read_document(f))["T3"].items
    got = {(it["code"], it["measure"]): (it["amount_wan"], it["unit_printed"], it["source_ref"]) for it in items}
    assert got[("201", "basic")] == (2.0, "元", "table 2 row 3 col 4")


def test_source_line_breaks_inside_chinese_text(tmp_path):
    html = "<p>本年收入合计2946.25万\n  元，其中：\n财政拨款收入2940.05万元。</p><p>2024 年度\n部门决算</p>"
    assert texts(web.read_layout(page(tmp_path, html))) == [
        "本年收入合计2946.25万元，其中：财政拨款收入2940.05万元。",
        "2024 年度部门决算",
    ]


def test_page_with_no_tables_and_no_report_text(tmp_path):
    f = page(tmp_path, "<html><body><p>今天天气晴，最高气温二十五度。</p></body></html>", "news.html")
    with pytest.raises(ReportError, match=r"news\.html.*no tables and no 决算 text") as e:
        web.read_layout(f)
    assert e.value.code == ErrorCode.NOT_A_REPORT
    r = extract_report(f)["reports"].iloc[0]
    assert r["status"] == "failed" and r["source_format"] == "html" and r["error_code"] == "not_a_report"
    f = page(tmp_path, "<p>通知</p><a href='/files/2024决算.pdf'>附件</a>", "att.html")
    with pytest.raises(ReportError, match=r"links to /files/2024决算\.pdf"):
        web.read_layout(f)
    f = page(tmp_path, "<html><body><div id=app></div><script>load()</script></body></html>", "app.html")
    with pytest.raises(ReportError, match="filled in by JavaScript"):
        web.read_layout(f)
    with pytest.raises(ReportError) as e:
        web.read_layout(page(tmp_path, b"", "empty.html"))
    assert e.value.code == ErrorCode.EMPTY_FILE
    with pytest.raises(ReportError) as e:
        web.read_layout(page(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "img.html"))
    assert e.value.code == ErrorCode.UNSUPPORTED_FORMAT


def test_report_text_without_tables_is_read_with_a_note(tmp_path):
    f = page(tmp_path, "<p>某局2024年度部门决算</p><img src=t1.png><a href=t.xlsx>公开表</a>")
    layout = web.read_layout(f)
    assert texts(layout) == ["某局2024年度部门决算", "公开表"]
    assert any("no tables" in n and "t.xlsx" in n for n in layout.notes)


# ---------------------------------------------------------------------------------------------
# Word documents in other shapes, and what is not one.

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(
    tmp_path: Path,
    body: str,
    styles: str | None = None,
    name: str = "d.docx",
    ns: str = W_NS,
    numbering: str = "",
    extra: dict[str, bytes] | None = None,
) -> Path:
    f = tmp_path / name
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>')
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        z.writestr(
            "word/_rels/document.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/numbering" Target="numbering.xml"/></Relationships>',
        )
        z.writestr("word/styles.xml", f'<w:styles xmlns:w="{ns}">{styles or ""}</w:styles>')
        z.writestr("word/numbering.xml", f'<w:numbering xmlns:w="{ns}">{numbering}</w:numbering>')
        for part, data in (extra or {}).items():
            z.writestr(part, data)
    return f


def p(text: str, ppr: str = "", extra: str = "") -> str:
    return f"<w:p><w:pPr>{ppr}</w:pPr><w:r><w:t>{text}</w:t></w:r>{extra}</w:p>"


def tc(text: str, pr: str = "") -> str:
    return f"<w:tc><w:tcPr>{pr}</w:tcPr>{p(text)}</w:tc>"


def tbl(*rows: str) -> str:
    return "<w:tbl>" + "".join(f"<w:tr>{r}</w:tr>" for r in rows) + "</w:tbl>"


PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def test_docx_table_continued_after_a_page_break(tmp_path):
    body = (
        p("收入决算表")
        + tbl(tc("项目") + tc("决算数"), tc("201") + tc("1.00"))
        + PAGE_BREAK
        + tbl(tc("208") + tc("2.00"), tc("合计") + tc("3.00"))
        + p("某局2024年度部门决算说明", '<w:pStyle w:val="Part"/>')
        + p("前", "", '<w:r><w:br w:type="page"/><w:t>后</w:t></w:r>')
        + p("节末", "<w:sectPr/>")
        + p("同一页")
        + '<w:sectPr><w:type w:val="continuous"/></w:sectPr>'  # how the next section starts
    )
    styles = (
        '<w:style w:type="paragraph" w:styleId="Base"><w:pPr><w:pageBreakBefore/></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Part"><w:basedOn w:val="Base"/></w:style>'
    )
    layout = word.read_layout(docx(tmp_path, body, styles))
    where = [(pg.number, b.ref if isinstance(b, TableBlock) else b.text) for pg in layout.pages for b in pg.blocks]
    assert where == [
        (1, "收入决算表"),
        (1, "table 1"),
        (2, "table 2"),  # an untitled table at the top of the next page: the finder's continuation
        (3, "某局2024年度部门决算说明"),  # its style (by its base style) starts a new page
        (3, "前"),
        (4, "后"),
        (4, "节末"),
        (4, "同一页"),  # a continuous section break starts no page
    ]


def test_docx_table_cut_with_empty_paragraphs_between_is_one(tmp_path):
    body = (
        p("支出决算表")
        + tbl(tc("项目") + tc("决算数"), tc("201") + tc("1.00"))
        + "<w:p/><w:p/>"
        + tbl(tc("208") + tc("2.00"))
        + "<w:p/>"
        + tbl(tc("a") + tc("b") + tc("c"))  # other columns: a table of its own
    )
    layout = word.read_layout(docx(tmp_path, body))
    ts = tables(layout)
    assert list(ts) == ["table 1", "table 3"]
    assert [row(ts["table 1"], r) for r in (1, 2, 3)] == [["项目", "决算数"], ["201", "1.00"], ["208", "2.00"]]
    assert ts["table 1"].row_refs == ["table 1 row 1", "table 1 row 2", "table 2 row 1"]


def test_docx_merges_wrappers_and_layout_frames(tmp_path):
    body = (
        '<w:sdt><w:sdtContent><w:p><w:r><w:t xml:space="preserve">目录  </w:t></w:r></w:p></w:sdtContent></w:sdt>'
        + tbl(  # a frame around the content (one cell holding a title and a table)
            "<w:tc>"
            + p("支出决算表")
            + tbl(
                '<w:trPr><w:gridBefore w:val="1"/></w:trPr>' + tc("项目", '<w:gridSpan w:val="2"/>'),
                tc("a", '<w:vMerge w:val="restart"/>') + tc("b") + tc("c"),
                tc("", "<w:vMerge/>") + tc("合计") + tc("", '<w:hMerge w:val="continue"/>'),
            )
            + "</w:tc>"
        )
        + p(
            "",
            "",
            '<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            "<mc:Choice><w:drawing><w:txbxContent>"
            + p("文本框")
            + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
            + p("文本框")
            + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>",
        )
        + p("2024年度部门决算", "", "<w:del><w:r><w:delText>删掉</w:delText></w:r></w:del>")
        + p("看得见", "", "<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏文字</w:t></w:r>")
    )
    layout = word.read_layout(docx(tmp_path, body))
    assert texts(layout) == ["目录", "支出决算表", "文本框", "2024年度部门决算", "看得见"]
    (t,) = tables(layout).values()
    assert t.ref == "table 2"  # the frame is table 1
    assert [row(t, r) for r in (1, 2, 3)] == [["", "项目", None], ["a", "b", "c"], [None, "合计", None]]
    assert [b.ref for b in layout.pages[0].blocks if isinstance(b, TextBlock)] == [
        "paragraph 1",
        "table 1 row 1 col 1",
        "paragraph 2 text box",
        "paragraph 3",
        "paragraph 4",
    ]


def test_docx_automatic_numbers_are_printed(tmp_path):
    # 一、 （一） numbers from a list definition (the heading style carries it), restarting under each
    # heading; a bullet list prints no number; a 序号 column numbered automatically in a table
    def lvl(i: int, fmt: str, text: str, suff: str = "") -> str:
        return (
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            + (f'<w:suff w:val="{suff}"/>' if suff else "")
            + "</w:lvl>"
        )

    numbering = (
        '<w:abstractNum w:abstractNumId="0">'
        + lvl(0, "chineseCounting", "%1、")
        + lvl(1, "chineseCounting", "（%2）")
        + '</w:abstractNum><w:abstractNum w:abstractNumId="1">'
        + lvl(0, "bullet", "•")
        + '</w:abstractNum><w:abstractNum w:abstractNumId="2">'
        + lvl(0, "decimal", "%1", "nothing")
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num><w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>'
    )
    styles = (
        '<w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="H2"><w:basedOn w:val="H1"/><w:pPr><w:numPr><w:ilvl w:val="1"/>'
        '<w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    )

    def numbered(text: str, num: str, ilvl: int = 0) -> str:
        return p(text, f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr>')

    body = (
        p("收入支出决算总体情况说明", '<w:pStyle w:val="H1"/>')
        + p("收入", '<w:pStyle w:val="H2"/>')
        + p("支出", '<w:pStyle w:val="H2"/>')
        + p("部门决算单位构成", '<w:pStyle w:val="H1"/>')
        + p("本级", '<w:pStyle w:val="H2"/>')
        + numbered("要点", "2")
        + tbl(
            tc("序号") + tc("单位名称"),
            f"<w:tc>{numbered('', '3')}</w:tc>" + tc("某局（本级）"),
            f"<w:tc>{numbered('', '3')}</w:tc>" + tc("某所"),
        )
    )
    layout = word.read_layout(docx(tmp_path, body, styles, numbering=numbering))
    assert texts(layout) == ["一、收入支出决算总体情况说明", "（一）收入", "（二）支出", "二、部门决算单位构成"] + [
        "（一）本级",
        "要点",
    ]
    assert [row(tables(layout)["table 1"], r) for r in (2, 3)] == [["1", "某局（本级）"], ["2", "某所"]]
    assert word.number_text(23, "chineseCounting") == "二十三" and word.number_text(3, "ideographTraditional") == "丙"


def test_docx_table_inside_a_table_of_figures_is_flattened(tmp_path):
    inner = tbl(tc("科目") + tc("编码"))
    body = p("支出决算表") + tbl(
        f"<w:tc>{inner}<w:p/></w:tc>" + tc("合计") + tc("基本支出"),
        tc("201") + tc("5.00") + tc("4.00"),
        tc("208") + tc("1.00") + tc("1.00"),
    )
    body += tbl(tc("a") + tc("b"))
    ts = tables(word.read_layout(docx(tmp_path, body)))
    assert list(ts) == ["table 1", "table 3"]
    assert [row(ts["table 1"], r) for r in (1, 2)] == [["科目 编码", "合计", "基本支出"], ["201", "5.00", "4.00"]]


def test_strict_open_xml_and_docm(tmp_path):
    strict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    body = p("某局2024年度部门决算") + tbl(tc("项目") + tc("决算数"))
    for f in (docx(tmp_path, body, ns=strict, name="s.docx"), docx(tmp_path, body, name="m.docm")):
        layout = word.read_layout(f)
        assert texts(layout) == ["某局2024年度部门决算"] and len(tables(layout)) == 1


def ole2(*streams: str) -> bytes:
    """The first bytes of an OLE2 compound file and a directory sector naming its streams."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    names = b"".join(s.encode("utf-16-le").ljust(128, b"\x00") for s in ("Root Entry", *streams))
    return head + names.ljust(512, b"\x00")


def test_old_word_formats_are_named_with_how_to_convert(tmp_path):
    for name, kind in (("report.doc", "Word 97-2003 .doc"), ("report.wps", "WPS 文字 .wps")):
        f = tmp_path / name
        f.write_bytes(ole2("WordDocument", "1Table", "\x05SummaryInformation"))
        with pytest.raises(ReportError) as e:
            word.read_layout(f)
        assert name in str(e.value) and f"old Word format ({kind})" in str(e.value)
        assert "soffice --headless --convert-to docx" in str(e.value) and "另存为 .docx" in str(e.value)
        assert e.value.code == ErrorCode.UNSUPPORTED_FORMAT
        # what a researcher meets: the batch's row says the same, and the batch goes on
        r = extract_report(f)["reports"].iloc[0]
        assert r["status"] == "failed" and name in r["error"] and "convert-to docx" in r["error"]
        assert r["error_code"] == "unsupported_format"


def test_encrypted_corrupt_and_truncated_docx(tmp_path):
    f = tmp_path / "locked.docx"
    f.write_bytes(ole2("EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"))
    with pytest.raises(ReportError, match=r"locked\.docx: password-protected") as e:
        word.read_layout(f)
    assert e.value.code == ErrorCode.ENCRYPTED
    f = tmp_path / "cut.docx"
    f.write_bytes(CZJ_DOCX.read_bytes()[:20000])
    with pytest.raises(ReportError, match=r"cut\.docx: the \.docx is damaged or truncated") as e:
        word.read_layout(f)
    assert e.value.code == ErrorCode.CORRUPT
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("word/document.xml", f'<w:document xmlns:w="{W_NS}"><w:body><w:p>')
    with pytest.raises(ReportError, match=r"bad\.docx: .*word/document\.xml is not well-formed XML") as e:
        word.read_layout(bad)
    assert e.value.code == ErrorCode.CORRUPT
    other = tmp_path / "other.docx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ReportError) as e:
        word.read_layout(other)
    assert e.value.code == ErrorCode.UNSUPPORTED_FORMAT
    rtf = tmp_path / "r.doc"
    rtf.write_bytes(b"{\\rtf1\\ansi 2024\\par}")
    with pytest.raises(ReportError, match="RTF, not .docx") as e:
        read_document(rtf)
    assert e.value.code == ErrorCode.UNSUPPORTED_FORMAT
    xml2003 = tmp_path / "x.doc"
    xml2003.write_bytes(
        b'<?xml version="1.0"?><?mso-application progid="Word.Document"?><w:wordDocument><w:body>'
        b"<w:p><w:r><w:t>2024\xe5\xb9\xb4</w:t></w:r></w:p></w:body></w:wordDocument>"
    )
    with pytest.raises(ReportError, match=r"x\.doc: a Word XML document .* save it as \.docx") as e:
        read_document(xml2003)
    assert e.value.code == ErrorCode.UNSUPPORTED_FORMAT
    with pytest.raises(ReportError) as e:
        word.read_layout(docx(tmp_path, p("会议通知"), name="memo.docx"))
    assert e.value.code == ErrorCode.NOT_A_REPORT
    with pytest.raises(ReportError) as e:
        word.read_layout(docx(tmp_path, "<w:p/>", name="blank.docx"))
    assert e.value.code == ErrorCode.EMPTY_FILE
    pictures = word.read_layout(
        docx(tmp_path, p("某局2024年度部门决算", "", "<w:r><w:drawing/></w:r>"), name="pic.docx")
    )
    assert any("pictures of tables" in n for n in pictures.notes)
    sheet = {"word/embeddings/Microsoft_Excel_Worksheet1.xlsx": b"PK"}
    pasted = word.read_layout(docx(tmp_path, p("某局2024年度部门决算"), name="obj.docx", extra=sheet))
    assert any("Excel sheets pasted as objects" in n and "Worksheet1.xlsx" in n for n in pasted.notes)


def test_web_page_saved_with_a_word_name(tmp_path):
    # sites export a page as .doc; the file's bytes decide, so it is read as the web page it is
    f = page(tmp_path, f"<html><body><p>某局2024年度部门决算</p>{TABLE}</body></html>", "export.doc")
    doc = read_document(f)
    assert doc.source_format == "html" and doc.layout is not None and len(tables(doc.layout)) == 1


def test_single_file_web_page(tmp_path):
    # Word's 单个文件网页 (.mht): a MIME message, the HTML in GB2312 and quoted-printable
    html = f"<html><body><p>某局2024年度部门决算</p>{TABLE}</body></html>".encode("gb2312")
    mht = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_01"\r\n\r\n'
        b"------=_NextPart_01\r\nContent-Location: file:///C:/x.htm\r\n"
        b'Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset="gb2312"\r\n\r\n'
        + quopri.encodestring(html)
        + b"\r\n------=_NextPart_01--\r\n"
    )
    layout = web.read_layout(page(tmp_path, mht, "r.mht"))
    assert texts(layout) == ["某局2024年度部门决算", "收入决算表", "单位：万元"]
    assert read_document(page(tmp_path, mht, "r.doc")).source_format == "html"  # whatever its name
    assert row(tables(layout)["table 1"], 3) == ["合计", "1,234.50", ""]
