"""Layouts the first corpus did not show: single-space text copies (Putuo FY2025), the university
four-table template, text copies whose rows break across lines. Values are the hand-read ones in
tests/fixtures/putuo_text_truth.py and swu_truth.py; the traps are those of shared/corpus/README.md."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.checks import run_checks
from helpers.core.paths import DATA_RAW
from helpers.data.extract import extract_report
from helpers.read.document import Line, read_document
from helpers.tables.placement import Identity, PlaceRow, code_parents, place
from helpers.tables.spaced import drop_page_numbers, read_coded

from .conftest import PDF_CZJ, PDF_SGB
from .fixtures import putuo_text_truth as P
from .fixtures import swu_truth as S
from .fixtures.truth_compare import score_table, swu_cells

YICHUAN = DATA_RAW / P.YICHUAN_FILE
WENLV = DATA_RAW / P.WENLV_FILE
SWU = DATA_RAW / "西南大学2023年度部门决算.pdf"


@pytest.fixture(scope="module")
def ds():
    return {name: extract_report(path) for name, path in (("yichuan", YICHUAN), ("wenlv", WENLV), ("swu", SWU))}


def _cell(li, table, measure, code=None, label=None, side=None):
    t = li[(li.table == table) & (li.measure == measure)]
    if code is not None:
        t = t[t.code == code]
    if label is not None:
        t = t[t.row_label.str.replace(r"^[一二三四五六七八九十]+、", "", regex=True) == label]
    if side is not None:
        t = t[t.side == side]
    assert len(t), (table, measure, code, label)
    return t.iloc[0]


# ---------------------------------------------------------------------------------------------
# Every hand-read cell of the single-space text copies


@pytest.mark.parametrize("table", ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"])
def test_yichuan_cells_as_printed(ds, table):
    s = score_table(ds["yichuan"]["line_items"], table, P.YICHUAN[table])
    assert not s.wrong and not s.blank_filled and not s.missing, (s.wrong, s.blank_filled, s.missing)
    if table != "T7":
        assert not s.doubtful_blank


def test_yichuan_t7_purchase_or_operation_is_not_guessed(ds):
    """8 of 12 figures printed: 公务用车 30.67/19.56 fit 购置费 or 运行费. The narrative states
    公务用车运行维护支出 19.56 (line 771), which settles the outturn; nothing states the budget's
    split, so those two cells stay blank and doubtful rather than guessed."""
    li = ds["yichuan"]["line_items"]
    assert _cell(li, "T7", "final_vehicle_operation").amount_wan == 19.56
    assert pd.isna(_cell(li, "T7", "final_vehicle_purchase").amount_wan)
    assert not _cell(li, "T7", "final_vehicle_operation").doubtful
    for m in ("budget_vehicle_purchase", "budget_vehicle_operation"):
        c = _cell(li, "T7", m)
        assert pd.isna(c.amount_wan) and c.doubtful
    assert _cell(li, "T7", "budget_vehicle_total").amount_wan == 30.67
    assert _cell(li, "T7", "budget_reception").amount_wan == 0.80
    rd = ds["yichuan"]["table_readings"].set_index("table")
    assert rd.loc["T7", "doubtful"] and "narrative" in " ".join(rd.loc["T7", "reasons"])
    # the two complete placements the narrative leaves, both listed (30.67 as 购置费 or as 运行费)
    why = " ".join(rd.loc["T7", "reasons"])
    assert "2 complete placements of the whole table" in why
    assert "budget_vehicle_purchase 30.67, final_vehicle_operation 19.56" in why
    assert "budget_vehicle_operation 30.67, final_vehicle_operation 19.56" in why


def test_yichuan_t5_basic_or_project_from_the_tables_arithmetic(ds):
    """`2080505 518.69 518.69` (two figures, three columns): basic, because 208's basic 1,972.20 =
    20805 1,205.67 + 20899 766.53; `2080705 50.11 50.11`: project. Codes are never amounts."""
    li = ds["yichuan"]["line_items"]
    assert _cell(li, "T5", "basic", code="2080505").amount_wan == 518.69
    assert pd.isna(_cell(li, "T5", "project", code="2080505").amount_wan)
    assert _cell(li, "T5", "project", code="2080705").amount_wan == 50.11
    assert _cell(li, "T5", "project", code="2080705").column_inferred
    t5 = li[li.table == "T5"]
    assert t5.amount_wan.max() < 100000  # no code (2012902 …) read as an amount
    assert _cell(li, "T5", "total", code="2080505").row_label == "机关事业单位基本养老保险缴费支出"


def test_wrapped_labels_are_rejoined(ds):
    li = ds["yichuan"]["line_items"]
    assert _cell(li, "T5", "total", code="20799").row_label == "其他文化旅游体育与传媒支出"  # 3 lines
    assert _cell(li, "T6", "final", code="30212").row_label == "因公出国（境）费用"  # right block
    assert _cell(li, "T6", "final", code="30108").row_label == "机关事业单位基本养老保险缴费"  # left block
    assert _cell(li, "T1", "final", side="expenditure", code="224").row_label == "二十二、灾害防治及应急管理支出"


def test_t8_total_row_sharing_the_sub_header_line(ds):
    """`合计 105.00 合计 基本支出 项目支出`: 105.00 is 本年收入 (begin/end carry-over are blank in T4);
    the words stand where the 本年支出 figures would be, so those cells are blank, not 0."""
    li = ds["yichuan"]["line_items"]
    assert _cell(li, "T8", "income", label="合计").amount_wan == 105.00
    assert pd.isna(_cell(li, "T8", "total", label="合计").amount_wan)
    assert _cell(li, "T8", "project", code="22198").amount_wan == 105.00
    assert pd.isna(_cell(li, "T8", "basic", code="22198").amount_wan)


def test_t4_fund_columns_from_the_income_side(ds):
    """Wenlü `十一、城乡社区支出 2,000.00 2,000.00` is 政府性基金 (the 一般公共预算 column adds up
    without it); Yichuan 住房保障 splits 1,076.78 general budget + 105.00 fund."""
    w = ds["wenlv"]["line_items"]
    assert _cell(w, "T4", "gov_fund", side="expenditure", code="212").amount_wan == 2000.00
    assert pd.isna(_cell(w, "T4", "general_budget", side="expenditure", code="212").amount_wan)
    y = ds["yichuan"]["line_items"]
    assert _cell(y, "T4", "general_budget", side="expenditure", code="221").amount_wan == 1076.78
    assert _cell(y, "T4", "gov_fund", side="expenditure", code="221").amount_wan == 105.00


@pytest.mark.parametrize("table", ["T1", "T2", "T3", "T4", "T6", "T7", "T8", "T9"])
def test_wenlv_cells_as_printed(ds, table):
    s = score_table(ds["wenlv"]["line_items"], table, P.WENLV[table])
    assert s.accuracy == 1.0, (s.wrong, s.blank_filled, s.missing, s.doubtful_blank)


def test_wenlv_t5_shifted_text_layer_is_doubtful_and_names_the_rows(ds):
    """The published text layer of Wenlü's T5 has values shifted against their labels from 20709
    on. The reading is doubtful, every shifted row's figures are flagged, the rows before the shift
    are right and not flagged, and no check blames the report for it."""
    d = ds["wenlv"]
    li = d["line_items"]
    assert "T5" in list(d["reports"].tables_doubtful.iloc[0])
    s = score_table(li, "T5", P.WENLV["T5"])
    assert s.accuracy == 1.0
    t5 = li[(li.table == "T5") & li.amount_wan.notna()]
    for code in P.WENLV_T5_SHIFTED_CODES:
        rows = t5[(t5.code == code) | ((code == "合计") & (t5.row_label == "合计"))]
        assert len(rows) == 0 or rows.doubtful.all(), code
    for code in P.WENLV_T5_CORRECT_CODES[1:]:
        assert not t5[t5.code == code].doubtful.any(), code
    reasons = " ".join(d["table_readings"].set_index("table").loc["T5", "reasons"])
    for code in ("20709", "208", "221"):
        assert code in reasons
    c = d["checks"]
    assert not ((c.outcome == "fail") & (c.severity == "error")).any()
    assert (c.outcome == "uncertain").sum() >= 5


# ---------------------------------------------------------------------------------------------
# The university template


@pytest.mark.parametrize("table", ["T1", "T2", "T3", "U4"])
def test_university_cells_as_printed(ds, table):
    s = score_table(ds["swu"]["line_items"], table, swu_cells(S.SWU)[table])
    assert s.accuracy == 1.0, (s.wrong, s.blank_filled, s.missing)


def test_university_template_and_its_own_table(ds):
    rep = ds["swu"]["reports"].iloc[0]
    assert rep.template.startswith("高等学校") and rep.status == "ok"
    assert list(rep.tables_found) == ["T1", "T2", "T3", "U4"] and list(rep.tables_other) == ["U4"]
    li = ds["swu"]["line_items"]
    t3 = li[(li.table == "T3") & (li.measure == "total") & li.code.notna()]
    assert not t3.code.duplicated().any()  # 财政拨款支出决算表 is not appended to T3
    u4 = li[li.table == "U4"]
    assert _cell(li, "U4", "project_capital_construction", code="2060204").amount_wan == 1357.93
    assert u4.source_ref.isin(["page 14", "page 15"]).all()
    c = ds["swu"]["checks"]
    assert not ((c.outcome == "fail") & (c.severity == "error")).any()
    u4_checks = c[c.rule_id.str.startswith("U4.")]
    assert (u4_checks.outcome == "pass").sum() >= 3


def test_university_u4_rule_fails_on_an_altered_copy(ds):
    d = {k: v.copy() for k, v in ds["swu"].items()}
    li = d["line_items"]
    li.loc[(li.table == "U4") & (li.code == "2050205") & (li.measure == "basic"), "amount_wan"] = 152569.63
    c = run_checks(d)
    bad = c[c.rule_id.str.startswith("U4.") & (c.outcome == "fail")]
    assert len(bad) and (bad.severity == "error").all() and "2050205" in " ".join(bad.message)


# ---------------------------------------------------------------------------------------------
# Text copies made from the sample PDFs: the same cells as the PDF, or flagged


def _text_copy(pdf_path, tmp_path):
    import pdfplumber

    with pdfplumber.open(pdf_path) as pdf:
        text = "\f".join((p.extract_text() or "") for p in pdf.pages)
    out = tmp_path / (pdf_path.stem + ".txt")
    out.write_text(text, encoding="utf-8")
    return out


def _cells(li):
    key = li.code.fillna(li.row_label.str.replace(r"^[一二三四五六七八九十]+、", "", regex=True))
    return {
        (t, s or "", k, m): (v, d)
        for t, s, k, m, v, d in zip(li.table, li.side.fillna(""), key, li.measure, li.amount_wan, li.doubtful)
    }


@pytest.mark.parametrize("pdf", [PDF_SGB, SWU], ids=["social-work-dept", "university"])
def test_text_copy_reads_like_the_pdf(pdf, tmp_path):
    """pdfplumber's page text of a PDF, read as a single-space text copy, gives the same cells as
    the PDF's ruled tables."""
    a = _cells(extract_report(pdf)["line_items"])
    b = _cells(extract_report(_text_copy(pdf, tmp_path))["line_items"])
    diff = {
        k: (v[0], b.get(k, (None,))[0])
        for k, v in a.items()
        if not (pd.isna(v[0]) and (k not in b or pd.isna(b[k][0]))) and (k not in b or b[k][0] != v[0])
    }
    assert not diff, list(diff.items())[:10]


def test_text_copy_with_rows_broken_across_lines_is_flagged_not_misread(tmp_path):
    """The 财政局 PDF's page text breaks rows across lines (figures above or below their code). What
    cannot be tied to a row is flagged doubtful; no cell read without doubt differs from the PDF,
    and no check blames the report."""
    pdf = extract_report(PDF_CZJ)
    txt = extract_report(_text_copy(PDF_CZJ, tmp_path))
    a, b = _cells(pdf["line_items"]), _cells(txt["line_items"])
    wrong = [
        (k, a[k][0], v[0])
        for k, v in b.items()
        if k in a and not v[1] and not pd.isna(v[0]) and (pd.isna(a[k][0]) or abs(a[k][0] - v[0]) > 1e-6)
    ]
    assert not wrong, wrong[:10]
    # a row that lost its code is keyed by its label: it too is right or doubtful (T6 read class codes such as
    # 301 as 咨询费's figure, and figures of other rows, without doubt)
    li, ref = txt["line_items"], pdf["line_items"]

    def where(df):  # a row by its table, side, section, label and measure
        return zip(df.table, df.side.fillna(""), df.section.fillna(""), df.row_label, df.measure)

    by_label = dict(zip(where(ref), ref.amount_wan))
    unkeyed = [
        (k, v, by_label[k])
        for k, c, v, d in zip(where(li), li.code, li.amount_wan, li.doubtful)
        if pd.isna(c) and not d and not pd.isna(v) and k in by_label and by_label[k] != v
    ]
    assert not unkeyed, unkeyed[:10]
    right = sum(1 for k, v in a.items() if not pd.isna(v[0]) and k in b and b[k][0] == v[0])
    assert right >= 0.5 * sum(1 for v in a.values() if not pd.isna(v[0]))
    assert list(txt["reports"].tables_doubtful.iloc[0])
    c = txt["checks"]
    assert not ((c.outcome == "fail") & (c.severity == "error")).any(), c[c.outcome == "fail"].message.tolist()


# ---------------------------------------------------------------------------------------------
# The pieces, on made-up input


def test_placement_uses_the_hierarchy_and_leaves_ties_open():
    ident = (Identity((0,), (1, 2)),)
    rows = [PlaceRow([100.0, 60.0, 40.0]), PlaceRow([60.0, 60.0]), PlaceRow([40.0, 40.0])]
    for r, p in zip(rows, code_parents(["201", "20101", "20102"], None)):
        r.parent = p
    res = place(rows, 3, ident)
    assert res.rows[1].columns == [0, 1] and res.rows[2].columns == [0, 2] and res.rows[1].inferred
    tie = place([PlaceRow([5.0, 5.0])], 3, ident)  # nothing says basic or project
    assert tie.rows[0].ambiguous and tie.rows[0].columns == [0, None]
    blocked = place([PlaceRow([5.0, 5.0], blocked=frozenset({1}))], 3, ident)
    assert blocked.rows[0].columns == [0, 2]
    zero_ok = place([PlaceRow([5.0, 0.0, 5.0], blocked=frozenset({1}))], 3, ident)  # a printed 0 may sit there
    assert zero_ok.rows[0].columns == [0, 1, 2]


def test_made_up_spaced_table_with_a_blank_cell_and_a_wrapped_label():
    lines = [
        Line(t, f"line {i}", 1)
        for i, t in enumerate(
            [
                "项目",
                "合计 基本支出 项目支出",
                "科目编码 科目名称",
                "合计 300.00 200.00 100.00",
                "201 一般公共服务支出 300.00 200.00 100.00",
                "20101 人大事务 200.00 200.00",
                "机关事业单位基本养",
                "20102 100.00 100.00",
                "老保险缴费",
                "12",
            ],
            start=1,
        )
    ]
    items, reading = read_coded("T5", drop_page_numbers(lines), "万元")
    get = {(it["code"] or it["row_label"], it["measure"]): it for it in items}
    assert get[("20101", "basic")]["amount_wan"] == 200.0 and get[("20101", "project")]["amount_wan"] is None
    assert get[("20102", "project")]["amount_wan"] == 100.0
    assert get[("20102", "total")]["row_label"] == "机关事业单位基本养老保险缴费"
    assert not reading.doubtful and reading.by_arithmetic == 4


def test_split_codes_and_page_numbers_are_never_amounts():
    lines = [
        Line(t, f"line {i}", p)
        for i, (t, p) in enumerate(
            [
                ("合计 基本支出 项目支出", 1),
                ("201 10.00 10.00", 1),
                ("201 06 10.00 10.00", 1),
                ("7", 1),
                ("201 06 01 10.00 10.00", 2),
            ],
            start=1,
        )
    ]
    items, reading = read_coded("T5", drop_page_numbers(lines), "万元")
    assert {it["code"] for it in items} == {"201", "20106", "2010601"}
    assert {it["amount_wan"] for it in items} <= {10.0, None}


def test_form_feeds_keep_editor_line_numbers(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("第一页\n甲\f第二页\n乙\n", encoding="utf-8")
    doc = read_document(f)
    assert [(ln.text, ln.ref, ln.page) for ln in doc.lines] == [
        ("第一页", "line 1", 1),
        ("甲", "line 2", 1),
        ("第二页", "line 2", 2),
        ("乙", "line 3", 2),
    ]


def test_failures_over_a_doubtful_table_are_uncertain(ds):
    """A sum that fails over cells of a table whose reading is doubtful is `uncertain`, never an error;
    the same alteration in a table read without doubt is an error."""
    d = {k: v.copy() for k, v in ds["swu"].items()}  # read by position: nothing inferred
    li = d["line_items"]
    li.loc[(li.table == "T3") & (li.code == "2050202") & (li.measure == "total"), "amount_wan"] = 9265.09
    fails = run_checks(d)
    assert ((fails.outcome == "fail") & (fails.severity == "error") & fails.source_ref.str.contains("T3")).any()
    d["reports"].at[0, "tables_doubtful"] = ["T3"]
    c = run_checks(d)
    on_t3 = c[c.source_ref.fillna("").str.contains(r"(?<![A-Za-z0-9])T3(?![0-9])")]
    assert not (on_t3.outcome == "fail").any()
    assert (on_t3.outcome == "uncertain").any() and "doubtful" in " ".join(on_t3[on_t3.outcome == "uncertain"].message)


def test_a_rare_column_is_used_when_the_tables_sums_need_it():
    """Occam first (经营支出 is rare), but when the 合计's sums then fail, every row may use it: class B
    `20 15 5` is 合计 | 项目 | 经营, not 合计 | 基本 | 项目 (found by a reviewer's probe)."""
    ident = (Identity((0,), (1, 2, 3)),)
    rows = [PlaceRow([120.0, 100.0, 15.0, 5.0]), PlaceRow([100.0, 100.0]), PlaceRow([20.0, 15.0, 5.0])]
    for r, p in zip(rows, code_parents([None, "201", "207"], 0)):
        r.parent = p
    rows[0].fixed = (0, 1, 2, 3)
    res = place(rows, 4, ident, rare=frozenset({3}))
    assert res.rows[2].columns == [0, 2, 3] and res.rows[1].columns == [0, 1] and not res.failing_groups


def test_a_wrapped_two_sided_label_goes_to_the_label_it_completes():
    from helpers.tables.spaced import read_two_sided

    lines = [
        Line(t, f"line {i}", 1)
        for i, t in enumerate(
            [
                "收入 支出",
                "项目 决算数 项目 决算数",
                "一、一般公共预算财政拨款收 100.00 一、一般公共服务支出 100.00",
                "入",
                "本年收入合计 100.00 本年支出合计 100.00",
            ],
            start=1,
        )
    ]
    items, _ = read_two_sided("T1", lines, "万元")
    labels = {(it["side"], it["row_label"], it["code"]) for it in items}
    assert ("income", "一、一般公共预算财政拨款收入", None) in labels
    assert ("expenditure", "一、一般公共服务支出", "201") in labels


def test_a_decision_table_no_template_knows_is_kept_with_its_rows(monkeypatch):
    """A titled 决算 table the catalog cannot map (here the university's 财政拨款支出决算表, with its
    mapping switched off) is never merged into the table before it: its rows are kept under X1,
    columns named by the header, and reports.notes names it."""
    from helpers.tables import layout_tables

    real = layout_tables.match_title
    monkeypatch.setattr(layout_tables, "match_title", lambda ln: None if real(ln) == "U4" else real(ln))
    d = extract_report(SWU)
    li, rep = d["line_items"], d["reports"].iloc[0]
    t3 = li[(li.table == "T3") & (li.measure == "total") & li.code.notna()]
    assert not t3.code.duplicated().any()
    x1 = li[li.table == "X1"]
    assert len(x1) and "X1" in list(rep.tables_other)
    assert x1[(x1.code == "2050205")].amount_wan.max() == 186663.39
    assert any("X1" in n and "财政拨款支出决算表" in n for n in rep.notes)
    c = d["checks"]
    assert not ((c.outcome == "fail") & (c.severity == "error")).any()  # the narrative may restate X1


def test_two_reports_in_one_file_are_not_merged(tmp_path):
    """Two reports joined in one file (a download that concatenated them) are reported as such,
    never read as one report under the first one's name."""
    joined = tmp_path / "两份决算.txt"
    joined.write_text(
        YICHUAN.read_text(encoding="utf-8") + "\n\f" + WENLV.read_text(encoding="utf-8"), encoding="utf-8"
    )
    rep = extract_report(joined)["reports"].iloc[0]
    assert rep.status == "failed" and rep.error_code == "several_reports"
    assert "more than one report" in rep.error and "split" in rep.error
    alone = extract_report(YICHUAN)["reports"].iloc[0]
    assert alone.status == "ok"


# ---------------------------------------------------------------------------------------------
# A total row the reader did not get


def test_a_table_whose_total_row_was_not_read_says_so(ds, tmp_path):
    """宜川路's 支出决算表 with its 合计 row (line 196: 本年支出合计 20,323.21, 基本 14,107.46, 项目 6,215.76)
    taken out: the rows still add up among themselves, so nothing else would tell. The reading is
    doubtful with a reason naming the missing total; every other T3 cell is read as before."""
    lines = YICHUAN.read_text(encoding="utf-8").split("\n")
    assert lines[195] == "合计 20,323.21 14,107.46 6,215.76"
    del lines[195]
    altered = tmp_path / YICHUAN.name
    altered.write_text("\n".join(lines), encoding="utf-8")
    d = extract_report(altered)
    t3 = d["table_readings"].set_index("table").loc["T3"]
    assert t3.doubtful and "T3" in list(d["reports"].tables_doubtful.iloc[0])
    assert any("total row not read" in r and "本年支出合计" in r for r in t3.reasons)
    li = d["line_items"]
    assert not len(li[(li.table == "T3") & (li.row_label == "合计")])
    before = ds["yichuan"]["line_items"]
    key = ["code", "measure"]
    a = before[(before.table == "T3") & before.code.notna()].set_index(key).amount_wan
    b = li[(li.table == "T3") & li.code.notna()].set_index(key).amount_wan
    assert a.equals(b)
    # the unaltered copy: its total is read, nothing in doubt
    clean = ds["yichuan"]["table_readings"].set_index("table").loc["T3"]
    assert not clean.doubtful and not len(clean.reasons)
    assert _cell(before, "T3", "total", label="合计").amount_wan == 20323.21


# ---------------------------------------------------------------------------------------------
# A ruled table whose last row on a page has no rule under it


def _without_bottom_rule(pdf_path, page_no, out):
    """A copy of the PDF with the lowest full-width horizontal rule of one page taken out (as a PDF
    whose table runs on to the next page may print it: the last row's cells open at the bottom)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(pdf_path))
    page = pdf[page_no - 1]
    rules = [o for o in page.get_objects() if o.type == raw.FPDF_PAGEOBJ_PATH]
    wide = [o for o in rules if o.get_bounds()[2] - o.get_bounds()[0] > 0.6 * page.get_width()]
    lowest = min(wide, key=lambda o: o.get_bounds()[1])  # PDF y grows upwards
    page.remove_obj(lowest)
    page.gen_content()
    pdf.save(str(out))
    pdf.close()
    return out


def test_a_last_row_left_open_at_the_bottom_of_its_page_is_read(tmp_path):
    """西南大学's 高等学校收入决算表 ends page 10 with 206 科学技术支出 (1,178.72 in 本年收入合计 and 财政拨款收入,
    the rest blank; the page render shows it as the page's last ruled row). With the rule under that row
    taken out, pdfplumber finds no cell in it and the row was lost without a word; the table is now
    closed where its vertical rules end, every cell of 表2 is read as printed, and the notes say so."""
    altered = _without_bottom_rule(SWU, S.PAGES["表2"], tmp_path / SWU.name)
    d = extract_report(altered)
    li = d["line_items"]
    assert _cell(li, "T2", "total", code="206").amount_wan == 1178.72
    assert _cell(li, "T2", "fiscal", code="206").amount_wan == 1178.72
    assert pd.isna(_cell(li, "T2", "business", code="206").amount_wan)
    s = score_table(li, "T2", swu_cells(S.SWU)["T2"])
    assert s.accuracy == 1.0, (s.wrong, s.blank_filled, s.missing)
    assert any("page 10" in n and "no rule under it" in n for n in d["reports"].notes.iloc[0])


@pytest.mark.parametrize("paged", [True, False], ids=["form-feeds", "no-page-breaks"])
def test_class_codes_on_lines_of_their_own_are_codes_not_page_numbers(paged, tmp_path):
    """The university report's page text (pdfplumber), with every 类 row printed as its code on a line of
    its own and its name and figures on the next (`206` / `科学技术支出 1,178.72 1,178.72`, as a page whose
    code cells sit higher than the rest of the row gives it). A bare 3-digit line looks like a page number,
    and in a text without page breaks it was dropped as one: 206 and the other classes were lost, their
    figures left on rows without a code. Every cell now reads as in the PDF."""
    import re

    text = _text_copy(SWU, tmp_path).read_text(encoding="utf-8")
    altered = re.sub(r"(?m)^(2\d\d) (\S+支出 [\d,]+\.\d\d)", r"\1\n\2", text)
    assert "\n206\n科学技术支出 1,178.72 1,178.72\n" in altered
    out = tmp_path / "altered" / (SWU.stem + ".txt")
    out.parent.mkdir()
    out.write_text(altered if paged else altered.replace("\f", "\n"), encoding="utf-8")
    d = extract_report(out)
    li = d["line_items"]
    assert _cell(li, "T2", "total", code="206").amount_wan == 1178.72
    assert _cell(li, "T2", "fiscal", code="206").amount_wan == 1178.72
    a = _cells(extract_report(SWU)["line_items"])
    b = _cells(li)
    diff = {k: (v[0], b.get(k, (None,))[0]) for k, v in a.items() if not pd.isna(v[0]) and b.get(k, (None,))[0] != v[0]}
    assert not diff, list(diff.items())[:10]
    assert not list(d["reports"].tables_doubtful.iloc[0])
