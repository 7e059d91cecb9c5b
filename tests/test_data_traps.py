"""Data a researcher cannot misuse (issue 20, finding 5): a filter on a function code finds every
report whatever level it printed, and a sum over poverty transfers counts each transfer once.

Values are read from the shipped text reports (data/raw; line numbers given)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import schema

from .conftest import HANYANG, HONGSHAN, JIANGHAN

HY, HS, JH = HANYANG.stem, HONGSHAN.stem, JIANGHAN.stem


@pytest.fixture(scope="module")
def rollup(text_datasets) -> pd.DataFrame:
    return text_datasets["function_rollup"]


@pytest.fixture(scope="module")
def poverty(text_datasets) -> pd.DataFrame:
    return text_datasets["poverty_transfers"]


def _one(df: pd.DataFrame, **where) -> pd.Series:
    hit = df
    for k, v in where.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, (where, hit)
    return hit.iloc[0]


# -- function roll-up ------------------------------------------------------------------------------


def test_a_code_filter_finds_21305_in_a_report_that_prints_only_its_items(text_datasets, rollup):
    # 汉阳 2024 表3 (lines 105-116) prints only 项 rows; line 114: 2130599 其他巩固脱贫攻坚成果衔接乡村振兴支出
    # 1,793.00 (项目支出 1,793.00), no 21305 or 213 row
    li = text_datasets["line_items"]
    assert li[(li.report_id == HY) & (li.code == "21305")].empty  # the trap: nothing printed at 款 level
    hit = rollup[(rollup.code == "21305") & (rollup.measure == "total")]
    assert set(hit.report_id) >= {HS, HY, JH}
    row = _one(hit, report_id=HY, table="T3")
    assert row.amount_wan == 1793.00 and bool(row.derived) and row.rows_summed == 1 and row.source_ref == "line 114"
    assert row.level == "款"
    assert _one(rollup, report_id=HY, table="T3", code="21305", measure="project").amount_wan == 1793.00
    # the 表5 copy (line 183) too
    assert _one(hit, report_id=HY, table="T5").amount_wan == 1793.00


def test_derived_classes_equal_what_the_report_prints_for_them_elsewhere(rollup):
    # 汉阳 表3's 项 rows 2010301 769.18 + 2010302 38.62 + 2010402 5.59 (lines 106-108) make 201 813.39,
    # which 表4 prints at line 130 (一、一般公共服务支出 813.39); 表4 line 141 prints 十二、农林水支出 1,793.00
    t3 = rollup[(rollup.report_id == HY) & (rollup.table == "T3") & (rollup.measure == "total")]
    t4 = rollup[(rollup.report_id == HY) & (rollup.table == "T4") & (rollup.measure == "total")]
    c201 = _one(t3, code="201")
    assert round(c201.amount_wan, 2) == 813.39 and bool(c201.derived) and c201["name"] == "一般公共服务"
    assert c201.rows_summed == 3 and c201.source_ref == "line 106, line 107, line 108"
    assert round(_one(t3, code="20103").amount_wan, 2) == 807.80  # 769.18 + 38.62
    assert _one(t4, code="201").amount_wan == 813.39 and not bool(_one(t4, code="201").derived)
    assert _one(t3, code="213").amount_wan == _one(t4, code="213").amount_wan == 1793.00
    # the classes add up to the table's 合计 2,859.97 (line 105)
    classes = t3[t3.level == "类"]
    assert round(classes.amount_wan.sum(), 2) == 2859.97 and classes.derived.all()


def test_printed_rows_are_kept_as_printed_and_not_derived(text_datasets, rollup):
    # 江汉 2022 表2 line 155: 21305 巩固脱贫衔接乡村振兴 2,907.92; 洪山 2021 表3 line 200: 21305 扶贫 300.00
    jh = _one(rollup, report_id=JH, table="T2", code="21305", measure="total")
    assert jh.amount_wan == 2907.92 and not bool(jh.derived) and jh.source_ref == "line 155"
    assert jh["name"] == "巩固脱贫衔接乡村振兴" and pd.isna(jh.rows_summed)
    hs = _one(rollup, report_id=HS, table="T3", code="21305", measure="total")
    assert hs.amount_wan == 300.00 and not bool(hs.derived) and hs.source_ref == "line 200"
    # only 汉阳 leaves rows out; every printed function cell is in the roll-up once
    assert set(rollup[rollup.derived.astype(bool)].report_id) == {HY}
    li = text_datasets["line_items"]
    printed = li[(li.code_domain == "function") & li.code.notna()]
    assert (~rollup.derived.astype(bool)).sum() == len(printed)


def test_function_rollup_is_in_the_data_dictionary():
    assert "function_rollup" in schema.DATASETS and "function_rollup" in schema.SUMMARY
    text = schema.dictionary_markdown()
    assert "## `function_rollup`" in text and "| `derived` | boolean |" in text


# -- poverty transfers: one counted row per transfer ----------------------------------------------------


def test_hongshan_300_wan_is_counted_once(poverty):
    # 洪山 2021 prints 21305 扶贫 300.00 and 2130599 其他扶贫支出 300.00 in 表2, 表3 and 表5 (lines 147-148,
    # 200-201, 301-302), the project 对口帮扶新洲区项目 300.00 (line 467; 3,000,000.00 元 at line 784) and
    # 农林水支出 支出决算为300.00万元 (line 477): one transfer
    hs = poverty[poverty.report_id == HS]
    three_hundred = hs[(hs.amount_wan == 300.0) & (hs.scope == "department")]
    assert len(three_hundred) >= 9 and three_hundred.transfer_id.nunique() == 1
    assert (~three_hundred.restates.astype(bool)).sum() == 1
    counted = _one(three_hundred, restates=False)
    assert counted.kind == "function_line" and counted.code == "21305" and counted.source_ref == "line 147"
    fl = hs[hs.kind == "function_line"]
    assert len(fl) == 6 and fl.amount_wan.sum() == 1800.0  # the trap: six printed lines
    assert fl[~fl.restates.astype(bool)].amount_wan.sum() == 300.0
    # the department's own money, each transfer once: 300 + 扶贫办工作经费 23.88 (line 465, a project outside 21305)
    own = hs[(hs.scope == "department") & ~hs.restates.astype(bool)]
    assert round(own.amount_wan.sum(), 2) == 323.88


def test_hanyang_projects_are_parts_of_its_21305_money(poverty):
    # 汉阳 2024: 2130599 1,793 (line 114); 项目 巩固脱贫衔接乡村振兴 执行数 1793 (line 385); its parts
    # 恩施州来凤县结对帮扶经费 1790 (line 570) and 驻村帮扶专项经费 3 (line 586); 今年落实 1790 万元 (line 413)
    hy = poverty[(poverty.report_id == HY) & (poverty.scope == "department")]
    assert hy.transfer_id.nunique() == 1
    assert hy[~hy.restates.astype(bool)].amount_wan.tolist() == [1793.0]
    laifeng = _one(hy, kind="project", source_ref="line 570")
    assert laifeng.amount_wan == 1790.0 and laifeng.link == "part" and bool(laifeng.restates)
    # the multi-year 5230 (前三年, line 413) is a transfer of its own, not this year's money
    multi = _one(poverty[poverty.report_id == HY], scope="multi_year")
    assert multi.amount_wan == 5230.0 and not bool(multi.restates) and multi.transfer_id != laifeng.transfer_id


def test_each_transfer_has_exactly_one_counted_row(poverty):
    counted = poverty[~poverty.restates.astype(bool)].groupby("transfer_id").size()
    assert (counted == 1).all() and set(counted.index) == set(poverty.transfer_id)
    assert poverty.link.isna().eq(~poverty.restates.astype(bool)).all()
    # every report's 21305 money (function lines) sums once to its printed 款 amount
    fl = poverty[(poverty.kind == "function_line") & ~poverty.restates.astype(bool)]
    assert fl.groupby("report_id").amount_wan.sum().to_dict() == {HS: 300.0, HY: 1793.0, JH: 2907.92}
