"""One placement for the whole table (issue 24 item 1): every identity at once (合计 = Σ类, 类 = Σ款,
款 = Σ项 in every column, 合计 = 基本 + 项目 in every row) and what the report's other tables show
(T5/T8/T9 ≤ T3 for the same code, T3 ≥ their sum). A cell is filled when exactly one complete
placement satisfies everything; when two or more do, the cells stay blank and doubtful and the
placements are listed in `table_readings.reasons`.

The real-report tests alter the single-space text copies (`data/raw`, the same files as
`../shared/corpus/text/`): a total row taken out, printed zeros taken out, labels wrapped around
the figures. Expected values are the hand-read ones (tests/fixtures/putuo_text_truth.py) or are
quoted from the file's lines in the test."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.checks.common import Row
from helpers.checks.tables import _tree as check_tree
from helpers.core.code_tree import children, code_parents
from helpers.core.paths import DATA_RAW
from helpers.data.extract import extract_report
from helpers.tables import shapes
from helpers.tables.placement import Identity, PlaceRow, place
from helpers.tables.reading import Reading
from helpers.tables.shapes import Figure, RowRecord

from .fixtures import putuo_text_truth as P
from .fixtures.truth_compare import score_table

YICHUAN = DATA_RAW / P.YICHUAN_FILE
WENLV = DATA_RAW / P.WENLV_FILE
SPLIT = (Identity((0,), (1, 2)),)  # 合计 = 基本支出 + 项目支出


def _tree(rows: list[PlaceRow], codes: list[str | None], total: int | None) -> list[PlaceRow]:
    for r, p in zip(rows, code_parents(codes, total)):
        r.parent = p
    return rows


# --- the placement, on made-up rows ----------------------------------------------------------


def test_a_tie_between_two_rows_lists_both_complete_placements():
    """合计 100 = 50 + 50 and two classes printing `50 50`: one is 基本支出 and the other 项目支出,
    but nothing says which. Exactly two complete placements (not four: the 合计 row ties them)."""
    rows = _tree(
        [PlaceRow([100.0, 50.0, 50.0]), PlaceRow([50.0, 50.0]), PlaceRow([50.0, 50.0])], [None, "201", "205"], 0
    )
    res = place(rows, 3, SPLIT)
    assert res.rows[1].ambiguous and res.rows[2].ambiguous
    assert res.rows[1].columns == [0, None] and res.rows[2].columns == [0, None]
    assert sorted((p[1], p[2]) for p in res.complete) == [((0, 1), (0, 2)), ((0, 2), (0, 1))]
    assert not res.more


def test_independent_open_rows_list_the_first_placements_and_say_there_are_more():
    rows = _tree([PlaceRow([5.0, 5.0]), PlaceRow([7.0, 7.0])], ["201", "205"], None)
    res = place(rows, 3, SPLIT)
    assert len(res.complete) == 3 and res.more  # four in all, three listed


def test_another_tables_limits_settle_a_row():
    # T3 spends at most 3.00 under 项目支出 for this code: `5 5` is 合计 and 基本支出
    capped = place([PlaceRow([5.0, 5.0], limits={2: (None, 3.0)})], 3, SPLIT)
    assert capped.rows[0].columns == [0, 1] and not capped.complete
    # the fiscal tables spend 5.00 under 项目支出 for this code: T3's `5 5` is 合计 and 项目支出
    floored = place([PlaceRow([5.0, 5.0], limits={2: (4.99, None)})], 3, SPLIT)
    assert floored.rows[0].columns == [0, 2]
    # limits that no placement meets: nothing is placed
    assert place([PlaceRow([5.0, 5.0], limits={1: (None, 1.0), 2: (None, 1.0)})], 3, SPLIT).rows[0].impossible


def test_a_printed_zero_goes_under_a_column_known_blank_only_when_needed():
    # T4's `0 0` with 政府性基金 and 国有资本 known blank: 合计 and 一般公共预算
    t4 = (Identity((0,), (1, 2, 3)),)
    res = place([PlaceRow([0.0, 0.0])], 4, t4, blocked=frozenset({2, 3}))
    assert res.rows[0].columns == [0, 1]
    # four figures for four columns: the zeros must sit there
    assert place([PlaceRow([5.0, 5.0, 0.0, 0.0])], 4, t4, blocked=frozenset({2, 3})).rows[0].columns == [0, 1, 2, 3]


def test_the_reading_lists_the_complete_placements_by_the_rows_that_differ():
    rows = [
        RowRecord(None, "合计", [Figure(t) for t in ("100.00", "50.00", "50.00")], "line 1", total=True),
        RowRecord("201", "一般公共服务支出", [Figure("50.00"), Figure("50.00")], "line 2"),
        RowRecord("205", "教育支出", [Figure("50.00"), Figure("50.00")], "line 3"),
    ]
    reading = Reading("T5", "spaced text")
    items = shapes.line_items("T5", rows, ["total", "basic", "project"], "万元", [], reading, {})
    why = " ".join(reading.reasons())
    assert "2 complete placements of the whole table" in why
    assert "(1) line 2 201 total 50.00, basic 50.00; line 3 205 total 50.00, project 50.00" in why
    assert "(2) line 2 201 total 50.00, project 50.00; line 3 205 total 50.00, basic 50.00" in why
    open_cells = [it for it in items if it["code"] in ("201", "205") and it["measure"] != "total"]
    assert all(it["amount_wan"] is None and it["doubtful"] for it in open_cells)


# --- the code tree, defined once -------------------------------------------------------------


def test_the_code_tree_hangs_each_code_from_its_nearest_printed_ancestor():
    """A 项 whose 款 is not printed hangs from its 类; a code whose 类 is not printed from the 合计 row
    (the 合计 counts it all the same). The reader's placement and the sums' checks use this one tree."""
    codes = ["201", "20101", "2010101", "2010299", "20501", "2050101"]
    assert children(codes) == {
        "合计": ["201", "20501"],
        "201": ["20101", "2010299"],
        "20101": ["2010101"],
        "20501": ["2050101"],
    }
    assert code_parents([None, *codes], 0) == [None, 0, 1, 2, 1, 0, 5]
    # the checks' Σ rules (T3.class_sum …) add up the same rows
    rows = [Row(k, "x", c, None, None, None, f"line {k}", {"total": 1.0}) for k, c in enumerate(codes)]
    assert {p: [r.code for r in kids] for p, kids in check_tree(rows).items()} == children(codes)


# --- the single-space text copies, altered ---------------------------------------------------


def _altered(tmp_path, src, edit) -> dict:
    lines = src.read_text(encoding="utf-8").split("\n")
    edit(lines)
    out = tmp_path / src.name
    out.write_text("\n".join(lines), encoding="utf-8")
    return extract_report(out)


def _readings(d: dict, table: str) -> pd.Series:
    return d["table_readings"].set_index("table").loc[table]


def test_yichuan_t3_without_its_total_row_and_zeros_is_placed_by_the_fiscal_tables(tmp_path):
    """宜川路's 支出决算表 (lines 196–285) prints 0.00 in every empty cell. With the 合计 row (line 196)
    and every 0.00 taken out, a row like `201 一般公共服务支出 207.40 207.40` (line 197, printed
    `207.40 0.00 207.40`) fits 基本支出 and 项目支出 alike within T3. T5 (一般公共预算, lines 330–) and T8
    (政府性基金) say which: T3 holds at least what they print for the same code. Every cell is
    placed, as printed, and only the missing total is reported. (The narrative's statement of the
    total's 基本支出 and 项目支出, lines 578–579, is taken out as well: it would settle them too.)"""

    def edit(lines: list[str]) -> None:
        # the narrative's split of the total (lines 578–579) out too: here the fiscal tables decide
        assert lines[577] == "本年支出合计 20323.21 万元，其中：基本支出 14107.46 万"
        lines[577:579] = ["本年支出合计 20323.21 万元。"]
        assert lines[195] == "合计 20,323.21 14,107.46 6,215.76"
        assert lines[196] == "201 一般公共服务支出 207.40 0.00 207.40"
        assert lines[284] == "2219899 其他住房保障支出 105.00 0.00 105.00"
        for k in range(196, 285):  # `\s`: line 229 ends a page, `0.00\f2080501 …`
            lines[k] = re.sub(r" 0\.00(?=\s|$)", "", lines[k])
        del lines[195]

    d = _altered(tmp_path, YICHUAN, edit)
    truth = [(k, m, None if v == 0.0 else v) for k, m, v in P.YICHUAN["T3"] if k != "合计"]
    s = score_table(d["line_items"], "T3", truth)
    assert s.accuracy == 1.0, (s.wrong, s.blank_filled, s.missing, s.doubtful_blank)
    t3 = _readings(d, "T3")
    assert t3.ambiguous_rows == 0 and t3.unplaced == 0
    assert [r for r in t3.reasons if not r.startswith("total row not read")] == []


def _wenlv_t3_without_total(lines: list[str], split_stated: bool) -> None:
    """文旅's 支出决算表 with its 合计 row (line 166) taken out and two labels wrapped around their
    figures (2070105 文化展示及纪念机构, line 171; 221 住房保障支出, line 208); with `split_stated`
    False, the narrative states 本年支出合计 but not its 基本支出 / 项目支出 (lines 438–439)."""
    assert lines[437] == "本年支出合计 26538.47 万元，其中：基本支出 9800.36 万"
    assert lines[438] == "元，占 36.93%；项目支出 16738.11 万元，占 63.07%。"
    if not split_stated:
        lines[437:439] = ["本年支出合计 26538.47 万元。"]
    assert lines[165] == "合计 26,538.47 9,800.36 16,738.11"
    assert lines[170] == "2070105 文化展示及纪念机构 1,700.57 1,700.57"
    assert lines[207] == "221 住房保障支出 595.64 595.64"
    lines[207:208] = ["住房保障", "221 595.64 595.64", "支出"]
    lines[170:171] = ["文化展示及纪念", "2070105 1,700.57 1,700.57", "机构"]
    del lines[165]


def test_wenlv_t3_without_its_total_row_takes_the_total_the_narrative_states(tmp_path):
    """With the 合计 row gone, classes 210, 215 and 221 print one figure besides their 合计 (line 195:
    `210 卫生健康支出 370.37 370.37`) and T3 alone cannot say which column it is. The narrative's
    `本年支出合计 26538.47 万元，其中：基本支出 9800.36 万元…项目支出 16738.11 万元` (line 438) is the 合计
    row: every cell is then placed as printed, and the reason says where the total came from."""
    d = _altered(tmp_path, WENLV, lambda lines: _wenlv_t3_without_total(lines, True))
    truth = [c for c in P.WENLV["T3"] if c[0] != "合计"]
    s = score_table(d["line_items"], "T3", truth)
    assert s.accuracy == 1.0, (s.wrong, s.blank_filled, s.missing, s.doubtful_blank)
    t3 = _readings(d, "T3")
    assert t3.ambiguous_rows == 0
    why = " ".join(t3.reasons)
    assert "total row not read" in why  # still said: the table itself did not print (or we did not read) it
    assert "本年支出合计 26,538.47, 基本支出 9,800.36, 项目支出 16,738.11, line 441" in why  # 438 + 3 lines added


def test_wenlv_t3_without_its_total_row_lists_the_placements_it_leaves_open(tmp_path):
    """As above, but the narrative states no split. 2070105 `1,700.57 1,700.57` is still 项目支出
    (20701's 项目支出 7,383.87 adds up only that way). Classes 210, 215 and 221: nothing else in the
    report says which column their second figure is (T5's rows there are the shifted ones, in
    doubt), so several complete placements satisfy every identity: those cells stay blank and
    doubtful and the placements are listed."""
    d = _altered(tmp_path, WENLV, lambda lines: _wenlv_t3_without_total(lines, False))
    li = d["line_items"]
    t3 = li[li.table == "T3"].set_index(["code", "measure"])
    assert t3.loc[("2070105", "project"), "amount_wan"] == 1700.57
    assert pd.isna(t3.loc[("2070105", "basic"), "amount_wan"])
    assert t3.loc[("2070105", "total"), "row_label"] == "文化展示及纪念机构"
    assert t3.loc[("221", "total"), "row_label"] == "住房保障支出"
    for code in ("210", "215", "221", "22102"):
        for m in ("basic", "project"):
            assert pd.isna(t3.loc[(code, m), "amount_wan"]) and t3.loc[(code, m), "doubtful"], (code, m)
    # rows the hierarchy still settles are read as printed (line 184: 208 1,493.32 1,460.16 33.16)
    assert t3.loc[("208", "project"), "amount_wan"] == 33.16
    assert not t3.loc[("2080801", "project"), "doubtful"]
    reasons = " ".join(_readings(d, "T3").reasons)
    assert "3 or more complete placements of the whole table satisfy every identity" in reasons
    listed = reasons.split("complete placements", 1)[1]
    assert "221 total 595.64, basic 595.64" in listed and "221 total 595.64, project 595.64" in listed
    assert "total row not read" in reasons


@pytest.mark.parametrize("drop", ["T5", "T8"])
def test_yichuan_fiscal_table_without_its_total_row_is_still_placed(tmp_path, drop):
    """宜川路's T5 (合计 row on line 467, `合计 20,218.21 14,107.46 6,110.76`) and
    T8 (line 551, its 合计 row sharing a line with the sub-header) read without their total row: T3 (which
    prints every column, 0.00 included) settles each row, so every cell is placed as printed."""
    want = {"T5": "合计 20,218.21 14,107.46 6,110.76", "T8": "合计 105.00 合计 基本支出 项目支出"}[drop]

    def edit(lines: list[str]) -> None:
        k = lines.index(want)
        lines[k] = "合计 基本支出 项目支出" if drop == "T8" else ""  # T8: the sub-header words stay

    d = _altered(tmp_path, YICHUAN, edit)
    truth = [c for c in P.YICHUAN[drop] if c[0] != "合计"]
    s = score_table(d["line_items"], drop, truth)
    assert s.accuracy == 1.0, (s.wrong, s.blank_filled, s.missing, s.doubtful_blank)
    assert _readings(d, drop).ambiguous_rows == 0
