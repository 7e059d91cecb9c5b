"""Budget reports (部门预算 / 单位预算) are told apart from final accounts (决算) by their own words, and
nothing from them is extracted. The three PDFs in tests/fixtures/budget are byte-identical copies of
published budgets (see /work/shared/corpus/README.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.extract import extract_report
from helpers.read.document import read_document
from helpers.read.metadata import document_kind, read_metadata

from .conftest import HANYANG, PDF_SGB, QIAOKOU

BUDGET = Path(__file__).parent / "fixtures" / "budget"
CASES = [
    # file, unit_kind, city, district, department, fiscal_year
    (
        "上海市普陀区人民政府万里街道办事处24年预算.pdf",
        "部门",
        "上海市",
        "普陀区",
        "上海市普陀区人民政府万里街道办事处",
        2024,
    ),
    # municipal: no district (the text's "市与区财力" once gave district "与区")
    ("上海市财政局25年预算.pdf", "单位", "上海市", None, "上海市财政局", 2025),
    # provincial, tables only (收支预算总表 …, "部门：中共江苏省委办公厅 单位：万元")
    ("江苏省委办公厅2019年度部门预算公开表格.pdf", "部门", None, None, "中共江苏省委办公厅", None),
]


@pytest.mark.parametrize("name,unit,city,district,department,year", CASES, ids=[c[0][:8] for c in CASES])
def test_budget_report_is_recognised_and_nothing_extracted(name, unit, city, district, department, year):
    out = extract_report(BUDGET / name)
    r = out["reports"].iloc[0]
    assert r["status"] == "failed" and r["error_code"] == "budget_report"
    assert r["doc_kind"] == "budget" and r["unit_kind"] == unit
    assert "预算 (budget) report" in r["error"] and "reads 决算" in r["error"] and name in r["error"]
    got = [None if pd.isna(r[k]) else r[k] for k in ("city", "district", "department", "fiscal_year")]
    assert got == [city, district, department, year]
    # no figure lands in any dataset
    assert set(out) == {"reports", "line_items"} and len(out["line_items"]) == 0


@pytest.mark.parametrize("path", [HANYANG, QIAOKOU, PDF_SGB], ids=lambda p: p.name[:10])
def test_final_accounts_are_final(path):
    meta = read_metadata(read_document(path))
    assert meta["doc_kind"] == "final" and meta["unit_kind"] == "部门"


def test_document_kind_on_made_up_lines():
    assert document_kind(["上海市2025年市级单位预算", "预算单位：上海市某局", "1.2025年单位收入预算总表 ……… 5"])[
        :2
    ] == ("budget", "单位")
    # a 决算 report mentions 预算 everywhere, but its titles end in 决算表
    final = [
        "某区某局2024年度部门决算",
        "一般公共预算财政拨款支出决算表",
        "年初预算为 10.00 万元",
        "政府性基金预算财政拨款收入支出决算表",
    ]
    assert document_kind(final)[:2] == ("final", "部门")
    assert document_kind(["情况说明", "本年收入 10 万元"])[:2] == (None, None)
