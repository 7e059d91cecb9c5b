"""The nine standard tables read from the five text reports.

Every expected value here was read on the page of the raw file (the line numbers say where), not
copied from the parser's output. The whole-table tests count the numbers printed between two raw
line numbers with a small counter of their own (no parser code), so that "every cell" is checked:
the multiset of printed amounts must equal the multiset of non-null `amount_wan` values, and
every cell's `source_ref` line must print that amount.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

import pandas as pd
import pytest

from helpers.core.catalog import match_title
from helpers.read.document import Document, Line
from helpers.tables.text_tables import find_text_tables

from .conftest import HANYANG, HONGSHAN, JIANGHAN, QIAOKOU, QINGSHAN

RID = {p: p.stem for p in (HONGSHAN, HANYANG, JIANGHAN, QINGSHAN, QIAOKOU)}


# --------------------------------------------------------------------------------------------
# An independent reading of the raw files


@cache
def raw_lines(path) -> list[str]:
    """The raw file's lines, numbered as an editor numbers them (line 1 = index 1)."""
    text = path.read_bytes().decode("utf-8-sig")
    return [""] + text.split("\n")


DECIMAL = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d+$")
INTEGER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)$")


def _tokens(line: str) -> list[str]:
    line = unicodedata.normalize("NFKC", re.sub(r"<[^>]+>", "", line))
    return line.split()


def printed_amounts(path, first: int, last: int, *, integers: bool = False) -> list[float]:
    """Amounts printed on raw lines first..last (inclusive).

    In these tables every amount is printed with decimals (`1,568.88`, `0.00`) or as a bare `0`
    (Qiaokou), while codes, 行次, 栏次 and page numbers are integers other than 0. With
    `integers=True` (a line holding only amounts, such as the 三公 value row) every number counts.
    """
    out = []
    for n in range(first, last + 1):
        for tok in _tokens(raw_lines(path)[n]):
            if DECIMAL.match(tok) or tok in ("0", "-") or (integers and INTEGER.match(tok)):
                out.append(0.0 if tok == "-" else float(tok.replace(",", "")))
    return out


# --------------------------------------------------------------------------------------------
# Extracted data


@pytest.fixture(scope="module")
def items(text_datasets) -> pd.DataFrame:
    return text_datasets["line_items"]


@pytest.fixture(scope="module")
def reports(text_datasets) -> pd.DataFrame:
    return text_datasets["reports"].set_index("report_id")


def table(items, path, tab) -> pd.DataFrame:
    return items[(items.report_id == RID[path]) & (items.table == tab)]


def cells(items, path, tab, **where) -> pd.DataFrame:
    d = table(items, path, tab)
    for col, val in where.items():
        d = d[d[col].isna()] if val is None else d[d[col] == val]
    return d


def cell(items, path, tab, measure, **where) -> pd.Series:
    d = cells(items, path, tab, measure=measure, **where)
    assert len(d) == 1, f"{path.name} {tab} {measure} {where}: {len(d)} cells\n{d}"
    return d.iloc[0]


def value(items, path, tab, measure, **where):
    v = cell(items, path, tab, measure, **where).amount_wan
    return None if pd.isna(v) else round(float(v), 2)


def row_values(items, path, tab, measures, **where) -> list:
    return [value(items, path, tab, m, **where) for m in measures]


# --------------------------------------------------------------------------------------------
# Every cell: counts and values per table, against the raw text

# (file, table, first line, last line, integers?) — the lines from the first to the last data row
# of each table as printed in the raw file.
TABLE_LINES = [
    (HONGSHAN, "T2", 121, 159, False),
    (HONGSHAN, "T3", 174, 212, False),
    (HONGSHAN, "T4", 227, 258, False),
    (HONGSHAN, "T5", 275, 313, False),
    (HONGSHAN, "T6", 327, 355, False),
    (HONGSHAN, "T7", 369, 369, True),
    (HONGSHAN, "T8", 385, 385, False),
    (HONGSHAN, "T9", 403, 403, False),
    (HANYANG, "T3", 105, 116, False),
    (HANYANG, "T4", 130, 161, False),
    (HANYANG, "T5", 174, 185, False),
    (HANYANG, "T6", 197, 225, False),
    (JIANGHAN, "T1", 90, 120, False),
    (JIANGHAN, "T2", 139, 161, False),
    (JIANGHAN, "T3", 176, 199, False),
    (JIANGHAN, "T4", 215, 246, False),
    (JIANGHAN, "T5", 263, 285, False),
    (JIANGHAN, "T6", 299, 327, False),
    (JIANGHAN, "T7", 372, 372, True),
    (JIANGHAN, "T8", 337, 337, False),
    (JIANGHAN, "T9", 354, 354, False),
    (QIAOKOU, "T1", 117, 299, False),
    (QIAOKOU, "T2", 358, 414, False),
    (QIAOKOU, "T3", 448, 524, False),
    (QIAOKOU, "T4", 573, 792, False),
    (QIAOKOU, "T5", 808, 863, False),
    (QIAOKOU, "T6", 904, 1099, False),
    (QIAOKOU, "T7", 1173, 1173, True),
    (QIAOKOU, "T8", 1208, 1208, False),
    (QIAOKOU, "T9", 1227, 1227, False),
]

# The counts, read by eye on the pages, pin the counter itself.
PRINTED_COUNTS = {
    (HONGSHAN, "T2"): 88,
    (HONGSHAN, "T6"): 26,
    (HONGSHAN, "T7"): 11,
    (HONGSHAN, "T4"): 113,
    (HANYANG, "T6"): 30,
    (JIANGHAN, "T1"): 10,
    (JIANGHAN, "T7"): 8,
    (QIAOKOU, "T6"): 63,
    (QIAOKOU, "T7"): 12,
    (HONGSHAN, "T8"): 0,
    (JIANGHAN, "T9"): 0,
    (QIAOKOU, "T8"): 0,
}


@pytest.mark.parametrize("key,expected", list(PRINTED_COUNTS.items()), ids=lambda k: str(k))
def test_counter_reads_the_pages(key, expected):
    path, code = key
    first, last, ints = next((a, b, i) for p, c, a, b, i in TABLE_LINES if (p, c) == key)
    assert len(printed_amounts(path, first, last, integers=ints)) == expected


@pytest.mark.parametrize(
    "path,code,first,last,ints", TABLE_LINES, ids=[f"{p.name[:3]}-{c}" for p, c, *_ in TABLE_LINES]
)
def test_every_printed_amount_is_a_cell(items, path, code, first, last, ints):
    printed = printed_amounts(path, first, last, integers=ints)
    got = table(items, path, code).amount_wan.dropna()
    assert len(got) == len(printed)
    assert Counter(round(v, 2) for v in got) == Counter(round(v, 2) for v in printed)


@pytest.mark.parametrize(
    "path,code,first,last,ints", TABLE_LINES, ids=[f"{p.name[:3]}-{c}" for p, c, *_ in TABLE_LINES]
)
def test_every_cell_points_at_the_line_that_prints_it(items, path, code, first, last, ints):
    t = table(items, path, code)
    assert len(t), "table not extracted"
    for _, it in t.iterrows():
        m = re.fullmatch(r"line (\d+)", it.source_ref)
        assert m, it.source_ref
        n = int(m.group(1))
        if pd.isna(it.amount_wan):
            continue
        assert first <= n <= last, (it.row_label, it.measure, it.source_ref)
        on_line = printed_amounts(path, n, n, integers=ints)
        assert round(float(it.amount_wan), 2) in [round(v, 2) for v in on_line], (it.row_label, it.measure, n)


# --------------------------------------------------------------------------------------------
# Tables found, empty, missing


@pytest.mark.parametrize(
    "path,found,empty,missing",
    [
        (HONGSHAN, ["T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"], ["T8", "T9"], ["T1"]),
        (HANYANG, ["T3", "T4", "T5", "T6"], [], ["T1", "T2", "T7", "T8", "T9"]),
        (JIANGHAN, ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"], ["T8", "T9"], []),
        (QINGSHAN, [], [], ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"]),
        (QIAOKOU, ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"], ["T8", "T9"], []),
    ],
    ids=lambda v: v.name[:3] if hasattr(v, "name") else None,
)
def test_tables_found_empty_missing(reports, items, path, found, empty, missing):
    r = reports.loc[RID[path]]
    assert list(r.tables_found) == found
    assert list(r.tables_empty) == empty
    assert list(r.tables_missing) == missing
    assert r.status == ("ok" if not missing else "partial")
    assert sorted(items[items.report_id == RID[path]].table.unique()) == found


def test_qingshan_has_no_table_cells(items):
    assert (items.report_id == RID[QINGSHAN]).sum() == 0


def test_missing_tables_point_at_their_printed_title_not_the_contents():
    """Hanyang prints the 收入支出决算总表 title at line 85 and the 政府性基金 title at line 229 with
    their tables lost; the 目录 entries (lines 16-24) are not titles. Qingshan's 目录 (lines 23-41)
    lists nine tables the file does not hold."""
    from helpers.read.document import read_document

    found = find_text_tables(read_document(HANYANG))
    assert found["T1"].status == "missing" and found["T1"].ref == "line 85"
    assert found["T8"].status == "missing" and found["T8"].ref == "line 229"
    assert "T2" not in found and "T7" not in found and "T9" not in found
    assert find_text_tables(read_document(QINGSHAN)) == {}
    hongshan = find_text_tables(read_document(HONGSHAN))
    assert "T1" not in hongshan  # 表1 is only named in the contents (line 17)
    assert hongshan["T8"].status == "empty" and hongshan["T8"].ref == "line 375"


@pytest.mark.parametrize(
    "path,code,measures,ref",
    [
        (HONGSHAN, "T8", ["carryover_begin", "income", "total", "basic", "project", "carryover_end"], "line 385"),
        (HONGSHAN, "T9", ["total", "basic", "project"], "line 403"),
        (JIANGHAN, "T8", ["carryover_begin", "income", "total", "basic", "project", "carryover_end"], "line 337"),
        (JIANGHAN, "T9", ["total", "basic", "project"], "line 354"),
        (QIAOKOU, "T8", ["carryover_begin", "income", "total", "basic", "project", "carryover_end"], "line 1208"),
        (QIAOKOU, "T9", ["total", "basic", "project"], "line 1227"),
    ],
    ids=lambda v: v.name[:3] if hasattr(v, "name") else None,
)
def test_empty_tables_are_a_blank_total_row(items, path, code, measures, ref):
    """Header plus a 合计 row with nothing in it (本单位无…): one row, every cell null."""
    t = table(items, path, code)
    assert set(t.row_label) == {"合计"}
    assert sorted(t.measure) == sorted(measures)
    assert t.amount_wan.isna().all()
    assert set(t.source_ref) == {ref}


# --------------------------------------------------------------------------------------------
# Hongshan 2021 (000): tab-separated, 表1 lost


def test_hongshan_t2(items):
    m = ["total", "fiscal", "upper_subsidy", "business", "operating", "subsidiary_remit", "other"]
    assert row_values(items, HONGSHAN, "T2", m, row_label="合计") == [3061.55, 3061.55, None, None, None, None, None]
    assert cell(items, HONGSHAN, "T2", "total", row_label="合计").source_ref == "line 121"
    # line 157: 住房公积金 prints 0.00 in the five other columns, line 158 leaves them blank
    assert row_values(items, HONGSHAN, "T2", m, code="2210201") == [153.76, 153.76, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert row_values(items, HONGSHAN, "T2", m, code="2210202") == [32.49, 32.49, None, None, None, None, None]
    c = cell(items, HONGSHAN, "T2", "total", code="20103")
    assert (c.row_label, c.level, c.code_domain, c.amount_wan) == (
        "政府办公厅（室）及相关机构事务",
        "款",
        "function",
        1508.58,
    )
    assert cell(items, HONGSHAN, "T2", "fiscal", code="206").level == "类"
    assert cell(items, HONGSHAN, "T2", "fiscal", code="2130599").row_label == "其他扶贫支出"
    assert table(items, HONGSHAN, "T2").row_order.nunique() == 39  # lines 121-159


def test_hongshan_t3(items):
    m = ["total", "basic", "project", "upper_remit", "operating", "subsidiary_subsidy"]
    # line 174: `合 ⇥ 计` printed over two cells
    assert row_values(items, HONGSHAN, "T3", m, row_label="合计") == [3061.55, 1867.39, 1194.16, None, None, None]
    assert row_values(items, HONGSHAN, "T3", m, code="2010302") == [7.32, None, 7.32, None, None, None]
    assert row_values(items, HONGSHAN, "T3", m, code="210") == [204.36, 68.43, 135.93, None, None, None]
    assert row_values(items, HONGSHAN, "T3", m, code="2210202") == [32.49, 32.49, 0.0, 0.0, 0.0, 0.0]
    assert cell(items, HONGSHAN, "T3", "project", code="21305").row_label == "扶贫"
    assert cell(items, HONGSHAN, "T3", "project", code="21305").source_ref == "line 200"


def test_hongshan_t4_both_sides(items):
    m = ["total", "general_budget", "gov_fund", "state_capital"]
    inc = dict(side="income", measure="final")
    # line 227: the report prints 二、 for the first income row
    assert value(items, HONGSHAN, "T4", "final", side="income", row_label="二、一般公共预算财政拨款") == 3061.55
    assert value(items, HONGSHAN, "T4", "final", side="income", row_label="二、政府性基金预算财政拨款") is None
    assert value(items, HONGSHAN, "T4", **inc, row_label="本年收入合计") == 3061.55  # line 253, <b> tags
    assert cell(items, HONGSHAN, "T4", **inc, row_label="本年收入合计").section == "total"
    assert value(items, HONGSHAN, "T4", **inc, row_label="总计") == 3061.55
    assert row_values(items, HONGSHAN, "T4", m, side="expenditure", code="201") == [1857.73, 1857.73, 0.0, 0.0]
    assert row_values(items, HONGSHAN, "T4", m, side="expenditure", code="221") == [231.81, 231.81, 0.0, 0.0]
    assert cell(items, HONGSHAN, "T4", "total", side="expenditure", code="221").row_label == "十九、住房保障支出"
    assert row_values(items, HONGSHAN, "T4", m, side="expenditure", row_label="本年支出合计") == [
        3061.56,
        3061.56,
        0.0,
        0.0,
    ]
    # line 258: 总计 leaves the 政府性基金 / 国有资本经营 cells blank
    assert row_values(items, HONGSHAN, "T4", m, side="expenditure", row_label="总计") == [3061.56, 3061.56, None, None]
    assert cell(items, HONGSHAN, "T4", "total", side="expenditure", row_label="总计").source_ref == "line 258"
    # 年初/年末结转和结余 (lines 254-257): blank; the three income sub-rows are in the balance block,
    # the blank-label spending rows 61-63 are layout only and make no cells
    assert row_values(items, HONGSHAN, "T4", m, side="expenditure", row_label="年末财政拨款结转和结余") == [None] * 4
    sub = cell(items, HONGSHAN, "T4", "final", side="income", row_label="一般公共预算财政拨款")
    assert (sub.section, sub.source_ref, pd.isna(sub.amount_wan)) == ("balance", "line 255", True)
    exp = table(items, HONGSHAN, "T4")
    assert not ((exp.side == "expenditure") & exp.source_ref.isin(["line 255", "line 256", "line 257"])).any()
    assert (exp[exp.side == "expenditure"].row_order.nunique(), exp[exp.side == "income"].row_order.nunique()) == (
        29,
        9,
    )


def test_hongshan_t5(items):
    m = ["total", "basic", "project"]
    assert row_values(items, HONGSHAN, "T5", m, row_label="合计") == [3061.56, 1867.40, 1194.16]
    assert row_values(items, HONGSHAN, "T5", m, code="2210201") == [153.77, 153.77, None]
    assert row_values(items, HONGSHAN, "T5", m, code="20199") == [349.15, None, 349.15]
    assert cell(items, HONGSHAN, "T5", "total", code="2080505").row_label == "机关事业单位基本养老保险缴费支出"


def test_hongshan_t6_personnel_and_public(items):
    def t6(code=None, label=None):
        where = {"code": code} if code else {"row_label": label}
        c = cell(items, HONGSHAN, "T6", "final", **where)
        na = lambda v: None if pd.isna(v) else v  # noqa: E731
        return (
            c.row_label,
            c.section,
            na(c.level),
            na(c.code_domain),
            None if pd.isna(c.amount_wan) else float(c.amount_wan),
        )

    assert t6("301") == ("工资福利支出", "personnel", "类", "economic", 1607.18)
    assert t6("30101") == ("基本工资", "personnel", "款", "economic", 227.06)
    assert t6("30106") == ("伙食补助费", "personnel", "款", "economic", None)  # blank, line 331
    assert t6("303") == ("对个人和家庭的补助", "personnel", "类", "economic", 98.24)
    assert t6("30304") == ("抚恤金", "personnel", "款", "economic", 14.97)
    assert t6("302") == ("商品和服务支出", "public", "类", "economic", 161.97)
    assert t6("30228") == ("工会经费", "public", "款", "economic", 20.94)
    assert t6("30299") == ("其他商品和服务支出", "public", "款", "economic", 64.54)
    assert t6("310") == ("资本性支出", "public", "类", "economic", None)
    assert t6(label="人员经费合计")[1:] == ("personnel", None, None, 1705.42)
    assert t6(label="公用经费合计")[1:] == ("public", None, None, 161.97)
    assert cell(items, HONGSHAN, "T6", "final", row_label="公用经费合计").source_ref == "line 355"


def test_hongshan_t7_all_twelve_columns(items):
    cols = [
        "budget_total",
        "budget_overseas",
        "budget_vehicle_total",
        "budget_vehicle_purchase",
        "budget_vehicle_operation",
        "budget_reception",
        "final_total",
        "final_overseas",
        "final_vehicle_total",
        "final_vehicle_purchase",
        "final_vehicle_operation",
        "final_reception",
    ]
    # line 369; column 8 (决算 因公出国) is blank
    assert row_values(items, HONGSHAN, "T7", cols) == [
        83.75,
        0.0,
        35.20,
        48.55,
        35.20,
        0.0,
        72.51,
        None,
        72.13,
        48.55,
        23.58,
        0.38,
    ]
    assert set(table(items, HONGSHAN, "T7").source_ref) == {"line 369"}


def test_yuan_table_is_converted_to_wan():
    """Hongshan's T5 (lines 266-313) with its unit line (270) saying 元: values divided by 10 000,
    the printed unit kept."""
    lines = raw_lines(HONGSHAN)
    body = [
        Line(t.replace("金额单位：万元", "金额单位：元"), f"line {n}") for n, t in enumerate(lines[266:314], start=266)
    ]
    doc = Document(HONGSHAN, "text", "x", body)
    t5 = pd.DataFrame(find_text_tables(doc)["T5"].items)
    total = t5[(t5.row_label == "合计") & (t5.measure == "total")].iloc[0]
    assert round(total.amount_wan, 6) == 0.306156 and total.unit_printed == "元"
    basic = t5[(t5.code == "2210201") & (t5.measure == "basic")].iloc[0]
    assert round(basic.amount_wan, 6) == 0.015377


def test_a_table_without_a_unit_line_is_in_the_unit_the_report_prints():
    """Hongshan's T5 with its unit line (270) taken out, in a report whose only 单位 line (under another
    table's title) says 元: read in 元, as the layout finder does for the other containers, and noted."""
    lines = raw_lines(HONGSHAN)
    body = [Line("" if "金额单位" in t else t, f"line {n}") for n, t in enumerate(lines[266:314], start=266)]
    body += [Line("国有资本经营预算财政拨款支出决算表", "line 900"), Line("金额单位：元", "line 901")]
    found = find_text_tables(Document(HONGSHAN, "text", "x", body))
    t5 = pd.DataFrame(found["T5"].items)
    total = t5[(t5.row_label == "合计") & (t5.measure == "total")].iloc[0]
    assert round(total.amount_wan, 6) == 0.306156 and total.unit_printed == "元"
    assert "no 单位 line printed with this table: read in 元, as every other table of the report" in found["T5"].notes
    # with 万元 under the other title the units agree on 万元: read as printed before
    body[-1] = Line("金额单位：万元", "line 901")
    t5 = pd.DataFrame(find_text_tables(Document(HONGSHAN, "text", "x", body))["T5"].items)
    assert t5[(t5.row_label == "合计") & (t5.measure == "total")].iloc[0].amount_wan == 3061.56


def test_codes_split_over_class_item_columns_are_joined():
    """Jianghan's T5 (lines 254-285) prints whole codes in the 类 column; printed split over the
    类/款/项 columns (as PDFs do: `201 ⇥ 03 ⇥ 01`) they come out joined."""

    def split(text: str) -> str:
        cells = text.split("\t")
        code = cells[0].strip()
        if re.fullmatch(r"\d{5}|\d{7}", code):
            parts = [code[:3], code[3:5], code[5:7]]
            cells[:3] = parts if len(code) == 7 else parts[:2] + [""]
        return "\t".join(cells)

    lines = raw_lines(JIANGHAN)
    doc = Document(
        JIANGHAN, "text", "x", [Line(split(t), f"line {n}") for n, t in enumerate(lines[254:286], start=254)]
    )
    t5 = pd.DataFrame(find_text_tables(doc)["T5"].items)
    row = t5[(t5.code == "2010302") & (t5.measure == "basic")].iloc[0]
    assert (row.row_label, row.level, row.amount_wan, row.source_ref) == ("一般行政管理事务", "项", 33.35, "line 267")
    assert t5[(t5.code == "20103") & (t5.measure == "total")].iloc[0].amount_wan == 976.10
    assert set(t5.code.dropna().str.len()) == {3, 5, 7}
    assert t5[t5.row_label == "合计"].amount_wan.tolist() == [4199.36, 1054.43, 3144.93]


# --------------------------------------------------------------------------------------------
# Hanyang 2024 (001): T1/T2/三公 lost, T3 without title, T5's 合计 row unlabeled


def test_hanyang_t3_without_title(items):
    m = ["total", "basic", "project", "upper_remit", "operating", "subsidiary_subsidy"]
    assert row_values(items, HANYANG, "T3", m, row_label="合计") == [2859.97, 1014.68, 1845.29, None, None, None]
    assert cell(items, HANYANG, "T3", "total", row_label="合计").source_ref == "line 105"
    assert row_values(items, HANYANG, "T3", m[:3], code="2130599") == [1793.00, None, 1793.00]
    c = cell(items, HANYANG, "T3", "total", code="2130599")
    assert (c.row_label, c.level) == ("其他巩固脱贫攻坚成果衔接乡村振兴支出", "项")
    assert table(items, HANYANG, "T3").row_order.nunique() == 12  # lines 105-116


def test_hanyang_t4_both_sides(items):
    m = ["total", "general_budget", "gov_fund", "state_capital"]
    assert value(items, HANYANG, "T4", "final", side="income", row_label="一、一般公共预算财政拨款") == 2859.97
    assert row_values(items, HANYANG, "T4", m, side="expenditure", code="208") == [102.62, 102.62, None, None]
    assert row_values(items, HANYANG, "T4", m, side="expenditure", code="213") == [1793.00, 1793.00, None, None]
    assert row_values(items, HANYANG, "T4", m, side="expenditure", code="202") == [None] * 4
    assert value(items, HANYANG, "T4", "final", side="income", row_label="总计") == 2859.97
    assert row_values(items, HANYANG, "T4", m, side="expenditure", row_label="总计") == [2859.97, 2859.97, None, None]
    assert cell(items, HANYANG, "T4", "total", side="expenditure", row_label="总计").source_ref == "line 161"


def test_hanyang_t5_unlabeled_total_row(items):
    # line 174 prints three amounts and no label: it is the 合计 row (栏次 合计 on line 173)
    c = cells(items, HANYANG, "T5", source_ref="line 174")
    assert set(c.row_label) == {"合计"} and c.code.isna().all()
    assert row_values(items, HANYANG, "T5", ["total", "basic", "project"], row_label="合计") == [
        2859.97,
        1014.68,
        1845.29,
    ]
    assert row_values(items, HANYANG, "T5", ["total", "basic", "project"], code="2081199") == [8.08, None, 8.08]


def test_hanyang_t6(items):
    assert value(items, HANYANG, "T6", "final", code="310") == 0.36
    assert cell(items, HANYANG, "T6", "final", code="310").section == "public"
    assert value(items, HANYANG, "T6", "final", code="30207") == 0.01
    assert value(items, HANYANG, "T6", "final", code="30399") == 3.38
    assert cell(items, HANYANG, "T6", "final", code="30399").section == "personnel"
    assert value(items, HANYANG, "T6", "final", code="30107") is None
    assert value(items, HANYANG, "T6", "final", row_label="人员经费合计") == 950.72
    assert value(items, HANYANG, "T6", "final", row_label="公用经费合计") == 63.96
    assert cell(items, HANYANG, "T6", "final", row_label="公用经费合计").section == "public"


# --------------------------------------------------------------------------------------------
# Jianghan 2022 (002): all nine tables, a three-block T1, 合/计 split over two lines


def test_jianghan_t1_three_blocks(items):
    inc = dict(side="income")
    assert value(items, JIANGHAN, "T1", "final", **inc, row_label="一、一般公共预算财政拨款收入") == 4199.36
    assert cell(items, JIANGHAN, "T1", "final", **inc, row_label="一、一般公共预算财政拨款收入").source_ref == "line 90"
    assert value(items, JIANGHAN, "T1", "final", **inc, row_label="五、事业收入") is None
    assert value(items, JIANGHAN, "T1", "final", **inc, row_label="本年收入合计") == 4199.36
    assert value(items, JIANGHAN, "T1", "final", **inc, row_label="总计") == 4199.36
    assert cell(items, JIANGHAN, "T1", "final", **inc, row_label="年初结转和结余").section == "balance"
    exp = dict(side="expenditure")
    c = cell(items, JIANGHAN, "T1", "final", **exp, code="213")
    assert (c.row_label, float(c.amount_wan), c.source_ref) == ("十二、农林水支出", 2907.92, "line 101")
    assert value(items, JIANGHAN, "T1", "final", **exp, code="221") == 121.54
    assert value(items, JIANGHAN, "T1", "final", **exp, row_label="本年支出合计") == 4199.36
    assert value(items, JIANGHAN, "T1", "final", **exp, row_label="总计") == 4199.36
    t1 = table(items, JIANGHAN, "T1")
    # lines 90-120: 8 income sources + 4 summary rows; 26 classes + 4 summary rows; the third
    # block (columns 9-12) prints nothing
    assert set(t1.side) == {"income", "expenditure"}
    assert t1[t1.side == "income"].row_order.nunique() == 12
    assert t1[t1.side == "expenditure"].row_order.nunique() == 30


def test_jianghan_t2_header_rows_are_not_data(items):
    # line 138 (`类 款 项 栏次` under the 栏次 numbers on line 137) is a header, not a row
    t2 = table(items, JIANGHAN, "T2")
    assert "line 138" not in set(t2.source_ref)
    assert t2.row_order.nunique() == 23  # 合计 + lines 140-161
    assert row_values(items, JIANGHAN, "T2", ["total", "fiscal", "business"], row_label="合计") == [
        4199.36,
        4199.36,
        None,
    ]
    assert cell(items, JIANGHAN, "T2", "total", row_label="合计").source_ref == "line 139"
    assert row_values(items, JIANGHAN, "T2", ["total", "fiscal"], code="2080599") == [4.89, 4.89]


def test_jianghan_t3_total_split_over_two_lines(items):
    m = ["total", "basic", "project", "upper_remit", "operating", "subsidiary_subsidy"]
    # `合` on line 176, `计` and the amounts on line 177
    assert row_values(items, JIANGHAN, "T3", m, row_label="合计") == [4199.36, 1054.43, 3144.93, None, None, None]
    assert cell(items, JIANGHAN, "T3", "total", row_label="合计").source_ref == "line 177"
    assert row_values(items, JIANGHAN, "T3", m[:3], code="2010302") == [134.23, 33.35, 100.88]
    assert cell(items, JIANGHAN, "T3", "total", code="2210202").row_label == "租房补贴"  # T3 prints 租房, T5 提租
    assert cell(items, JIANGHAN, "T5", "total", code="2210202").row_label == "提租补贴"


def test_jianghan_t4_t5_t6(items):
    m = ["total", "general_budget", "gov_fund", "state_capital"]
    assert value(items, JIANGHAN, "T4", "final", side="income", row_label="一、一般公共预算财政拨款") == 4199.36
    assert row_values(items, JIANGHAN, "T4", m, side="expenditure", code="201") == [976.10, 976.10, None, None]
    assert row_values(items, JIANGHAN, "T4", m, side="expenditure", row_label="本年支出合计") == [
        4199.36,
        4199.36,
        None,
        None,
    ]
    assert row_values(items, JIANGHAN, "T5", ["total", "basic", "project"], row_label="合计") == [
        4199.36,
        1054.43,
        3144.93,
    ]
    assert row_values(items, JIANGHAN, "T5", ["total", "basic", "project"], code="213") == [2907.92, None, 2907.92]
    assert value(items, JIANGHAN, "T6", "final", code="310") == 2.85
    assert value(items, JIANGHAN, "T6", "final", code="30217") == 0.15
    assert cell(items, JIANGHAN, "T6", "final", code="30217").section == "public"
    assert value(items, JIANGHAN, "T6", "final", code="30307") == 16.35
    assert cell(items, JIANGHAN, "T6", "final", code="30307").section == "personnel"
    assert value(items, JIANGHAN, "T6", "final", row_label="人员经费合计") == 964.61
    assert value(items, JIANGHAN, "T6", "final", row_label="公用经费合计") == 89.82


def test_jianghan_t7_blank_cells_are_null(items):
    cols = [
        "budget_total",
        "budget_overseas",
        "budget_vehicle_total",
        "budget_vehicle_purchase",
        "budget_vehicle_operation",
        "budget_reception",
        "final_total",
        "final_overseas",
        "final_vehicle_total",
        "final_vehicle_purchase",
        "final_vehicle_operation",
        "final_reception",
    ]
    # line 372 (the report prints this table ninth)
    assert row_values(items, JIANGHAN, "T7", cols) == [
        10.98,
        None,
        10.00,
        None,
        10.00,
        0.98,
        6.07,
        None,
        5.70,
        None,
        5.70,
        0.37,
    ]


# --------------------------------------------------------------------------------------------
# Qiaokou 2021 (004): one cell per line, names wrapped, a row's numbers spread over lines


def test_qiaokou_t1(items):
    inc, exp = dict(side="income"), dict(side="expenditure")
    c = cell(items, QIAOKOU, "T1", "final", **inc, row_label="一、一般公共预算财政拨款收入")
    assert (float(c.amount_wan), c.source_ref) == (1568.88, "line 117")
    # label wrapped over lines 118/120, 行次 and amount on line 121
    c = cell(items, QIAOKOU, "T1", "final", **exp, code="201")
    assert (c.row_label, float(c.amount_wan), c.source_ref) == ("一、一般公共服务支出", 1407.17, "line 121")
    assert value(items, QIAOKOU, "T1", "final", **inc, row_label="二、政府性基金预算财政拨款收入") is None  # 122-125
    assert value(items, QIAOKOU, "T1", "final", **inc, row_label="四、上级补助收入") is None
    assert value(items, QIAOKOU, "T1", "final", **exp, code="202") == 0.0  # `32 0` on line 125
    c = cell(items, QIAOKOU, "T1", "final", **exp, code="215")  # wrapped over three lines 194-198
    assert (c.row_label, float(c.amount_wan), c.source_ref) == ("十四、资源勘探工业信息等支出", 0.0, "line 200")
    assert value(items, QIAOKOU, "T1", "final", **exp, code="208") == 64.64
    assert value(items, QIAOKOU, "T1", "final", **exp, code="221") == 54.68
    assert value(items, QIAOKOU, "T1", "final", **inc, row_label="本年收入合计") == 1568.88
    assert value(items, QIAOKOU, "T1", "final", **exp, row_label="本年支出合计") == 1568.88
    assert cell(items, QIAOKOU, "T1", "final", **exp, row_label="年末结转和结余").section == "balance"  # 294-297
    assert value(items, QIAOKOU, "T1", "final", **inc, row_label="总计") == 1568.88
    assert value(items, QIAOKOU, "T1", "final", **exp, row_label="总计") == 1568.88
    t1 = table(items, QIAOKOU, "T1")
    assert t1[t1.side == "expenditure"].row_order.nunique() == 30
    assert t1[t1.side == "income"].row_order.nunique() == 12


def test_qiaokou_t4_page_number_and_row_numbers(items):
    m = ["total", "general_budget", "gov_fund", "state_capital"]
    c = cell(items, QIAOKOU, "T4", "final", side="income", row_label="一、一般公共预算财政拨款")
    assert (float(c.amount_wan), c.source_ref) == (1568.88, "line 576")
    assert row_values(items, QIAOKOU, "T4", m, side="expenditure", code="201") == [1407.17, 1407.17, None, None]
    assert row_values(items, QIAOKOU, "T4", m, side="expenditure", code="205") == [0.0, 0.0, None, None]
    # the stray page number `12` (line 698) and the blank income row's 行次 `19` (line 700) are not
    # amounts; 十九、住房保障支出 follows with `51 54.68 54.68` on line 704
    t4 = table(items, QIAOKOU, "T4")
    assert not t4.source_ref.isin(["line 698", "line 700"]).any()
    c = cell(items, QIAOKOU, "T4", "total", side="expenditure", code="221")
    assert (c.row_label, float(c.amount_wan), c.source_ref) == ("十九、住房保障支出", 54.68, "line 704")
    assert value(items, QIAOKOU, "T4", "final", side="income", row_label="本年收入合计") == 1568.88  # 760-763
    assert row_values(items, QIAOKOU, "T4", m, side="expenditure", row_label="本年支出合计") == [
        1568.88,
        1568.88,
        None,
        None,
    ]
    # `29 61` on line 777: 行次 of the income row and of the blank spending row, no amounts
    sub = cell(items, QIAOKOU, "T4", "final", side="income", row_label="一般公共预算财政拨款")
    assert (sub.section, pd.isna(sub.amount_wan)) == ("balance", True)
    assert row_values(items, QIAOKOU, "T4", m, side="expenditure", row_label="总计") == [1568.88, 1568.88, None, None]
    assert t4[t4.side == "expenditure"].row_order.nunique() == 29


def test_qiaokou_t2_wrapped_names(items):
    c = cell(items, QIAOKOU, "T2", "total", code="2080505")  # name over lines 392-396, amounts line 398
    assert (c.row_label, float(c.amount_wan), c.source_ref, c.level) == (
        "机关事业单位基本养老保险缴费支出",
        31.92,
        "line 398",
        "项",
    )
    assert value(items, QIAOKOU, "T2", "fiscal", code="2080505") == 31.92
    c = cell(items, QIAOKOU, "T2", "total", code="20131")
    assert (c.row_label, float(c.amount_wan), c.level) == ("党委办公厅（室）及相关机构事务", 1407.17, "款")
    assert cell(items, QIAOKOU, "T2", "total", code="2013102").row_label == "一般行政管理事务"
    assert row_values(items, QIAOKOU, "T2", ["total", "fiscal", "business"], row_label="合计") == [
        1568.88,
        1568.88,
        None,
    ]
    assert value(items, QIAOKOU, "T2", "total", code="2101103") == 29.3


@pytest.mark.parametrize("code,first", [("T3", 448), ("T5", 808)])
def test_qiaokou_t3_t5_basic_and_project(items, code, first):
    m = ["total", "basic", "project"]
    assert row_values(items, QIAOKOU, code, m, row_label="合计") == [1568.88, 497.35, 1071.53]
    assert cell(items, QIAOKOU, code, "total", row_label="合计").source_ref == f"line {first}"
    assert row_values(items, QIAOKOU, code, m, code="2013101") == [335.64, 335.64, 0.0]
    assert row_values(items, QIAOKOU, code, m, code="2013102") == [1071.53, 0.0, 1071.53]
    c = cell(items, QIAOKOU, code, "total", code="2080505")
    assert c.row_label == "机关事业单位基本养老保险缴费支出"
    # rows printing two numbers: the second is 基本支出 (合计 497.35 = 335.64 + 64.64 + 42.39 + 54.68),
    # flagged as an inferred column; 项目支出 stays null
    for row in ("208", "20805", "2080505", "210", "2101103", "221", "2210202"):
        b = cell(items, QIAOKOU, code, "basic", code=row)
        p = cell(items, QIAOKOU, code, "project", code=row)
        assert float(b.amount_wan) == float(cell(items, QIAOKOU, code, "total", code=row).amount_wan)
        assert bool(b.column_inferred) and pd.isna(p.amount_wan)
    assert value(items, QIAOKOU, code, "basic", code="2080505") == 31.92


def test_qiaokou_t5_three_numbers_are_not_inferred(items):
    assert not bool(cell(items, QIAOKOU, "T5", "basic", code="2013102").column_inferred)
    assert cell(items, QIAOKOU, "T5", "total", code="2013102").source_ref == "line 823"


def test_qiaokou_t6_three_interleaved_columns(items):
    def t6(code=None, label=None):
        where = {"code": code} if code else {"row_label": label}
        c = cell(items, QIAOKOU, "T6", "final", **where)
        return (c.row_label, c.section, float(c.amount_wan), c.source_ref)

    assert t6("301") == ("工资福利支出", "personnel", 401.88, "line 904")
    assert t6("302") == ("商品和服务支出", "public", 51.79, "line 908")
    assert t6("310") == ("资本性支出", "public", 0.0, "line 913")
    assert t6("30101") == ("基本工资", "personnel", 77.58, "line 915")
    assert t6("31002") == ("办公设备购置", "public", 0.0, "line 919")
    assert t6("31007") == ("信息网络及软件购置更新", "public", 0.0, "line 935")
    assert t6("30108") == ("机关事业单位基本养老保险缴费", "personnel", 29.40, "line 957")
    assert t6("30206") == ("电费", "public", 3.67, "line 957")
    assert t6("30212") == ("因公出国（境）费用", "public", 0.0, "line 991")
    assert t6("303") == ("对个人和家庭的补助", "personnel", 43.68, "line 1009")
    assert t6("30301") == ("离休费", "personnel", 18.91, "line 1011")
    assert t6("30231") == ("公务用车运行维护费", "public", 2.11, "line 1065")
    assert t6("30311") == ("代缴社会保险费", "personnel", 0.0, "line 1071")
    assert t6("30299") == ("其他商品和服务支出", "public", 1.92, "line 1097")
    assert t6(label="人员经费合计") == ("人员经费合计", "personnel", 445.56, "line 1099")
    assert t6(label="公用经费合计") == ("公用经费合计", "public", 51.79, "line 1099")
    t = table(items, QIAOKOU, "T6")
    assert (t.code_domain.dropna() == "economic").all()
    assert set(t.dropna(subset=["code"]).level) == {"类", "款"}


def test_qiaokou_t7_all_twelve_columns(items):
    cols = [
        "budget_total",
        "budget_overseas",
        "budget_vehicle_total",
        "budget_vehicle_purchase",
        "budget_vehicle_operation",
        "budget_reception",
        "final_total",
        "final_overseas",
        "final_vehicle_total",
        "final_vehicle_purchase",
        "final_vehicle_operation",
        "final_reception",
    ]
    assert row_values(items, QIAOKOU, "T7", cols) == [4.96, 0.0, 3.0, 0.0, 3.0, 1.96, 2.19, 0.0, 2.11, 0.0, 2.11, 0.08]
    assert set(table(items, QIAOKOU, "T7").source_ref) == {"line 1173"}


# --------------------------------------------------------------------------------------------
# Codes, domains, levels across every table


def test_codes_levels_and_domains(items):
    coded = items.dropna(subset=["code"])
    assert (coded.code.str.len().map({3: "类", 5: "款", 7: "项"}) == coded.level).all()
    assert (coded[coded.table == "T6"].code_domain == "economic").all()
    assert (coded[coded.table != "T6"].code_domain == "function").all()
    assert coded.code.str.fullmatch(r"\d+").all()
    two_sided = items[items.table.isin(["T1", "T4"])]
    assert two_sided.side.isin(["income", "expenditure"]).all()
    assert items[~items.table.isin(["T1", "T4"])].side.isna().all()
    assert items[items.table == "T6"].section.isin(["personnel", "public"]).all()


# --------------------------------------------------------------------------------------------
# Titles (catalog.match_title)


@pytest.mark.parametrize(
    "line,code",
    [
        ("2021年度一般公共预算财政拨款支出决算表（表5）", "T5"),
        ("五、一般公共预算财政拨款支出决算表", "T5"),
        ("2021年度支出决算表（表3）", "T3"),
        (" 2021 年度支出决算表（表 3）", "T3"),
        ("2021年度财政拨款收入支出决算总表（表4）", "T4"),
        ("四、财政拨款收入支出决算总表", "T4"),
        ("2022年度收入支出决算总表（表1）", "T1"),
        ("2021 年度收入支出决算总表（表 1", "T1"),
        ("2021年度收入决算表（表2）", "T2"),
        ("2021年度一般公共预算财政拨款基本支出决算明细表（表6）", "T6"),
        ("2021 年度一般公共预算财政拨款基本支出决算表（表 6）", "T6"),
        ("2021年度一般公共预算财政拨款“三公”经费支出决算表（表7）", "T7"),
        ("## 2022年度财政拨款“三公”经费支出决算表（表9）", "T7"),
        (" 2021 年度一般公共预算财政拨款“三公”经费支出决算表", "T7"),
        ("2022年度政府性基金预算财政拨款收入支出决算表（表7）", "T8"),
        ("## 2022年度国有资本经营预算财政拨款支出决算表（表8）", "T9"),
        ("⼀般公共预算财政拨款⽀出决算表", "T5"),  # Kangxi radicals, as some PDFs print them
    ],
)
def test_match_title_most_specific_wins(line, code):
    from helpers.core.normalize import normalize_text

    assert match_title(normalize_text(line)) == code


@pytest.mark.parametrize(
    "line",
    [
        "- 一、收入支出决算总表(表 1)",  # contents entries (Hongshan line 17, Hanyang line 16)
        "- 五、一般公共预算财政拨款支出决算表",
        "- 七、一般公共预算财政拨款“三公”经费支出决算表(表 ",
        "一、收入支出决算总表 ………………………… 5",
        "五、一般公共预算财政拨款支出决算表......12",
        "四、财政拨款收入支出决算总体情况说明",
        "五、一般公共预算财政拨款支出决算情况说明",
        "八、政府性基金预算财政拨款收入支出决算情况",
        "七、一般公共预算财政拨款“三公”经费支出决算情况说",
        "2021 年度部门决算表",
        "## 第二部分 武汉市洪山区人民政府办公室 2021 年度部门决算表",
        "注：本表反映部门本年度一般公共预算财政拨款支出情况。",
        "2022年度项目支出绩效自评表",
        "2024 年度一般公共预算财政拨款支出 2859.97 万元，占本年支出合计的 100 %。",
    ],
)
def test_match_title_rejects_contents_and_headings(line):
    assert match_title(line) is None


def test_t9_under_its_own_title_although_its_header_is_t8s(tmp_path):
    """社会工作部's empty 政府性基金 and 国有资本经营 tables as a tab-separated copy: both print the same header,
    which names T8; the grid under T9's title is T9 (it was offered as T8 and T9 said 'table lost')."""
    grid = (
        "{t}\n单位：万元\n项目\t\t年初结转和结余\t本年收入\t本年支出\t\t\t年末结转和结余\n"
        "功能分类科目编码\t科目名称\t\t\t\t\t\t\n合计\t\t\t\t合计\t基本支出\t项目支出\t\n\t\t\t\t\t\t\t\n"
    )
    text = (
        grid.format(t="政府性基金预算财政拨款收入支出决算表")
        + "说明：本单位本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。\n\n"
        + grid.format(t="国有资本经营预算财政拨款收入支出决算表")
        + "说明：本单位本年度没有国有资本经营预算财政拨款收入和支出，故本表无数据。\n"
    )
    lines = [Line(t, f"line {n}") for n, t in enumerate(text.splitlines(), start=1)]
    found = find_text_tables(Document(tmp_path / "t.txt", "text", "x", lines))
    assert (found["T8"].status, found["T9"].status) == ("empty", "empty")
    assert found["T9"].ref == "line 9"  # its title


def test_a_tab_grid_whose_lines_lost_their_trailing_blank_cells():
    """Jianghan's T5 (lines 254-285) with every line's trailing tabs trimmed (an editor or a converter
    strips them; blank 项目支出 cells go with them): the same cells, not an empty table."""
    lines = raw_lines(JIANGHAN)
    whole = [Line(t, f"line {n}") for n, t in enumerate(lines[254:286], start=254)]
    trimmed = [Line(ln.text.rstrip("\t "), ln.ref) for ln in whole]
    assert sum(a.text != b.text for a, b in zip(whole, trimmed)) >= 3  # the case this test is about
    want = pd.DataFrame(find_text_tables(Document(JIANGHAN, "text", "x", whole))["T5"].items)
    got = pd.DataFrame(find_text_tables(Document(JIANGHAN, "text", "x", trimmed))["T5"].items)
    cols = ["code", "row_label", "measure", "amount_wan", "source_ref"]
    pd.testing.assert_frame_equal(got[cols], want[cols])
    assert got.amount_wan.notna().sum() > 20
