"""The tables of a report page: a standard table put back into its printed shape (`wide_table`), and
the HTML every page's tables are built with (`narrate.table_html`, no pandas Styler). Values are
the ones printed in the seeds (data/raw)."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from helpers.core.paths import DATA_RAW
from helpers.data.load import load
from helpers.publish import text
from helpers.studies import report_view as rv
from helpers.studies.narrate import table_html

JIANGHAN = "002_e2b9b740b0f725e0"  # 江汉区人民政府办公室 2022
WENLV = "上海市普陀区文化和旅游局2025年度部门决算"  # a text copy with single spaces: 69 T5 cells read with doubt


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from helpers.run.pipeline import extract_and_write

    out = tmp_path_factory.mktemp("page_tables") / "processed"
    extract_and_write([DATA_RAW / f"{JIANGHAN}.txt", DATA_RAW / f"{WENLV}.txt"], out, jobs=1)
    return load(out)


def test_expenditure_table_comes_back_as_printed(corpus):
    # 002 lines 175–179: 合计 4,199.36 | 1,054.43 | 3,144.93; 201 一般公共服务支出 976.10 | 739.09 | 237.01
    wide = rv.wide_table(corpus.only(JIANGHAN), JIANGHAN, "T3")
    assert list(wide.columns[:5]) == ["code", "row_label", "本年支出合计", "基本支出", "项目支出"]
    first = wide.iloc[0]
    assert first.row_label == "合计" and (first.本年支出合计, first.基本支出, first.项目支出) == (
        4199.36,
        1054.43,
        3144.93,
    )
    row = wide[wide.code == "201"].iloc[0]
    assert (row.row_label, row.本年支出合计, row.基本支出, row.项目支出) == ("一般公共服务支出", 976.10, 739.09, 237.01)
    assert pd.isna(row.上缴上级支出)  # blank on the page stays blank
    assert wide.code.tolist().index("201") < wide.code.tolist().index("20103") < wide.code.tolist().index("2010301")


def test_income_and_expenditure_table_keeps_its_sides_in_order(corpus):
    # 002 lines 90–98: income 一、一般公共预算财政拨款收入 4,199.36 (row 1); expenditure 九、卫生健康支出 72.69 (row 40)
    wide = rv.wide_table(corpus.only(JIANGHAN), JIANGHAN, "T1")
    sides = wide.side.tolist()
    assert sides == sorted(sides, key=["income", "expenditure"].index)  # every income row, then every expenditure row
    got = wide.set_index("row_label")["决算数 (both sides)"]
    assert got["一、一般公共预算财政拨款收入"] == 4199.36 and got["九、卫生健康支出"] == 72.69
    assert pd.isna(got["二、政府性基金预算财政拨款收入"])
    # each printed row says where it was read: the seed's line numbers (income row 1 is line 90)
    where = wide.set_index("row_label")[rv.WHERE]
    assert where["一、一般公共预算财政拨款收入"] == "line 90"


def test_a_row_read_from_a_workbook_names_its_cells():
    """A workbook row's cells, C14 to F14 of one sheet, are named as one range; an OCR'd row by its
    first and last box; a text row by its line."""
    assert rv.row_source(["sheet 公开05表!C14", "sheet 公开05表!D14", "sheet 公开05表!F14"]) == "sheet 公开05表!C14:F14"
    assert rv.row_source(["line 3", "line 3"]) == "line 3"
    assert rv.row_source(["table 3 row 5 col 5", "table 3 row 5 col 6", "table 3 row 5 col 11"]) == (
        "table 3 row 5 col 5–11"
    )
    assert rv.row_source(["table 3 row 5", "table 3 row 5 col 6"]) == "table 3 row 5 … table 3 row 5 col 6"
    assert (
        rv.row_source(["page 9 box (1,2,3,4)", "page 9 box (5,2,8,4)"]) == "page 9 box (1,2,3,4) … page 9 box (5,2,8,4)"
    )
    assert rv.row_source([]) == ""


def test_doubtful_cells_are_named_on_their_rows(corpus):
    one = corpus.only(WENLV)
    li = one.of("line_items", WENLV)
    doubtful = li[li.doubtful.fillna(False).astype(bool)]
    assert len(doubtful), "文化和旅游局 2025 has cells read with doubt"
    for table, cells in doubtful.groupby("table"):
        wide = rv.wide_table(one, WENLV, table)
        marked = wide[wide["in doubt"] != ""]
        # one marked row per printed row with a doubtful cell, naming those cells' printed columns
        assert len(marked) == cells.groupby(["side", "section", "row_order", "code", "row_label"], dropna=False).ngroups
        for m in cells.measure.unique():
            assert marked["in doubt"].str.contains(re.escape(rv.measure_label(table, m))).any()


def test_table_heading_counts_the_printed_rows(corpus):
    one = corpus.only(JIANGHAN)
    cov = rv.coverage(one, JIANGHAN).set_index("table")
    wide = rv.wide_table(one, JIANGHAN, "T3")
    heading = rv.table_heading(one, JIANGHAN, "T3", cov.loc["T3"])
    assert f"印刷 {len(wide)} 行" in heading  # the Chinese edition, the default
    with text.using("en"):
        assert f"{len(wide)} printed rows" in rv.table_heading(one, JIANGHAN, "T3", cov.loc["T3"])
    assert heading == rv.table_heading(one, JIANGHAN, "T3", cov.loc["T3"], rows=len(wide))


def _cells(html: str, tag: str = "td") -> list[str]:
    return re.findall(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", html)


@pytest.mark.usefixtures("english")
def test_reader_table_html_formats_escapes_and_aligns():
    df = pd.DataFrame(
        {
            "name": ["一般公共服务支出", "<script>alert(1)</script>", None],
            "amount_wan": [1234.5, -0.001, float("nan")],
            "rate_printed_pct": [98.765, 100.0, None],
            "gap_pp": [0.05, -0.004, None],
            "agree": pd.array([True, False, None], dtype="boolean"),
            "reports": [3, 12000, 1],
        }
    )
    html = table_html(df)
    assert _cells(html, "th") == [
        "Name",
        "Amount (万元)",
        "Rate printed (%)",
        "Printed − recomputed (points)",
        "Agree within rounding",
        "Reports",
    ]
    rows = [_cells(r) for r in re.findall(r"<tr>(.*?)</tr>", html)[1:]]
    assert rows[0] == ["一般公共服务支出", "1,234.50", "98.77%", "+0.05 pp", "yes", "3"]
    assert rows[1] == ["&lt;script&gt;alert(1)&lt;/script&gt;", "0.00", "100.00%", "+0.00 pp", "no", "12,000"]
    assert rows[2] == ["", "", "", "", "", "1"]  # blank cells stay blank
    assert "<script>" not in html
    # text reads from the left, numbers stay right-aligned; one heading row (pages sort on it)
    assert re.findall(r"<td( class=\"l\")?>", html)[:6] == [' class="l"', "", "", "", ' class="l"', ""]
    assert html.count("<thead><tr>") == 1 and "<tr><th" not in html.split("</thead>")[1]


@pytest.mark.usefixtures("english")
def test_reader_table_html_index_colours_and_repeated_labels():
    df = pd.DataFrame({"state": ["found", "missing"], "cells": [12, 0]}, index=pd.Index(["T1", "T2"], name="table"))
    html = table_html(df, colors={"state": rv.STATE_TINTS})
    assert _cells(html, "th")[:3] == ["Table", "state", "cells"]  # names without a label stay as they are
    assert '<th class="l">T2</th>' in html
    assert f'<span style="background:{rv.STATE_TINTS["missing"]};padding:0 4px">missing</span>' in html
    shares = pd.DataFrame(
        [[12.345, 87.655]], columns=pd.MultiIndex.from_tuples([("2021", "basic"), ("2021", "project")])
    )
    assert _cells(table_html(shares, percent=True)) == ["12.3%", "87.7%"]
    assert _cells(table_html(shares, percent=True), "th") == ["2021 · basic", "2021 · project"]
    same = pd.DataFrame([[1.0, 2.0]], columns=["x", "x"])  # repeated column labels are read by position
    assert _cells(table_html(same)) == ["1.00", "2.00"]


def test_a_report_pages_rows_cannot_be_changed_through_what_it_was_given(corpus):
    from helpers.data.load import load_report

    page = load_report(JIANGHAN, corpus.folder)
    rows = page.of("line_items", JIANGHAN)
    total = rows.amount_wan.sum()
    rows["amount_wan"] = 0.0  # a notebook cell scribbling on its frame
    rows.loc[rows.index[0], "row_label"] = "changed"
    again = page.of("line_items", JIANGHAN)
    assert again.amount_wan.sum() == total and again.row_label.iloc[0] == "一、一般公共预算财政拨款收入"


def _rows(html: str) -> list[list[str]]:
    return [_cells(r) for r in re.findall(r"<tr>(.*?)</tr>", html)[1:]]


@pytest.mark.usefixtures("english")
def test_two_sided_tables_are_shown_side_by_side_as_printed(corpus):
    one = corpus.only(JIANGHAN)
    # 002 line 90 (表1): 一、一般公共预算财政拨款收入 | 1 | 4,199.36 | 一、一般公共服务支出 | 32 | 976.10
    t1 = rv.printed_table(one, JIANGHAN, "T1")
    html = table_html(t1)
    assert _cells(html, "th") == [
        "收入·项目",
        "收入·决算数",
        "支出·项目",
        "支出·决算数",
        "收入·where",
        "支出·where",
    ]
    rows = [r[:4] for r in _rows(html)]  # the printed columns; the two 出处 columns follow them
    assert rows[0] == ["一、一般公共预算财政拨款收入", "4,199.36", "一、一般公共服务支出", "976.10"]
    assert _rows(html)[0][4:] == ["line 90", "line 90"]  # each side says where it was read
    # line 98: the income side has no more rows (行次 9) beside 九、卫生健康支出 72.69
    assert ["", "", "九、卫生健康支出", "72.69"] in rows
    # lines 116–120: 本年收入合计 beside 本年支出合计, the 结转 rows side by side, 总计 beside 总计 on the last row
    assert ["本年收入合计", "4,199.36", "本年支出合计", "4,199.36"] in rows
    assert ["年初结转和结余", "", "年末结转和结余", ""] in rows
    assert rows[-1] == ["总计", "4,199.36", "总计", "4,199.36"]
    assert (
        len(rows) == 30
    )  # 26 expenditure classes, 本年合计, two 结转/结余 rows, 总计 (the blank line 119 is not read)
    assert rv.table_heading(one, JIANGHAN, "T1", rv.coverage(one, JIANGHAN).set_index("table").loc["T1"]).count(
        "30 printed rows"
    )
    # 表4, line 215: 一、一般公共预算财政拨款 4,199.36 | 一、一般公共服务支出 976.10 976.10 (blank 政府性基金, 国有资本)
    t4 = table_html(rv.printed_table(one, JIANGHAN, "T4"))
    assert _cells(t4, "th")[:4] == ["收入·项目", "收入·决算数", "支出·项目", "支出·合计/小计"]
    assert _rows(t4)[0][:7] == [
        "一、一般公共预算财政拨款",
        "4,199.36",
        "一、一般公共服务支出",
        "976.10",
        "976.10",
        "",
        "",
    ]
    # a one-sided table keeps its shape
    assert list(rv.printed_table(one, JIANGHAN, "T3").columns[:2]) == ["code", "row_label"]


@pytest.mark.usefixtures("english")
def test_a_findings_sentence_comes_before_its_rule_id(corpus):
    from helpers.studies.narrate import checks_html, report_summary_html

    one = corpus.only(WENLV)
    s = rv.summary(one, WENLV)
    assert len(s["problems"]), "文化和旅游局 2025 has failing or uncertain checks"
    first = s["problems"].iloc[0]
    page = report_summary_html(s)
    item = re.search(r"<li>(.*?)</li>", page).group(1)
    assert item.startswith(html.escape(first.message) + " (<b>")  # the sentence, then outcome and place
    assert item.endswith(f"; rule <code>{first.rule_id}</code>)")  # the rule id last, as a reference
    heads = _cells(checks_html(rv.checks_sorted(one, WENLV)), "th")
    assert heads[0] == "Message" and heads[-1] == "Rule", heads


def test_navigation_anchors_are_the_ids_nbconvert_writes():
    """The page's section links (pages.toc) use pages.heading_id, our copy of nbconvert's private
    rule: checked against the ids in a page nbconvert itself rendered."""
    import nbformat

    from helpers.publish import pages

    headings = ["支出结构 Spending composition", "三公经费 (2023年)", "What is 100% & why?"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"## {h}") for h in headings])
    body, _ = pages.exporter().from_notebook_node(nb)
    ids = re.findall(r'<h2 id="([^"]+)"', body)
    assert ids == [html.escape(pages.heading_id(h)) for h in headings]
    assert [t["anchor"] for t in pages.toc(nb)] == [pages.heading_id(h) for h in headings]
    assert pages.heading_id("三公经费 (2023年)") == "%E4%B8%89%E5%85%AC%E7%BB%8F%E8%B4%B9-(2023%E5%B9%B4)"


def test_a_table_longer_than_a_page_holds_shows_its_first_rows_and_says_where_the_rest_are(monkeypatch):
    """A table with a row per statement of a province's corpus made a study page of hundreds of MB (10 MB
    at 200 reports): show_table shows the first MAX_TABLE_ROWS rows and says how many there are."""
    from helpers.studies import narrate

    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    n = narrate.MAX_TABLE_ROWS + 1
    with text.using("zh"):
        narrate.show_table(pd.DataFrame({"report": [f"区{k} 财政局 2024" for k in range(n)], "rate": 97.5}))
    said, table = shown
    assert f"表中显示前 {narrate.MAX_TABLE_ROWS} 行，共 {n} 行" in said["text/plain"]
    assert table["text/html"].count("<tr") == narrate.MAX_TABLE_ROWS + 1  # the heading row and the rows shown
    assert f"区{n - 2} 财政局" in table["text/html"] and f"区{n - 1} 财政局" not in table["text/html"]
    shown.clear()
    narrate.show_table(pd.DataFrame({"rate": [1.0, 2.0]}))
    assert len(shown) == 1 and shown[0]["text/html"].count("<tr") == 3
    # the first rows of a table counted elsewhere (quality.failing_checks): the page says how many there are
    shown.clear()
    with text.using("zh"):
        narrate.show_table(pd.DataFrame({"rate": [1.0, 2.0]}), total=35_800)
    said, table = shown
    assert "表中显示前 2 行，共 35,800 行" in said["text/plain"] and table["text/html"].count("<tr") == 3
