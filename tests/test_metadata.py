"""Report metadata read from the documents (values read on each cover / first page)."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers.read.document import read_document
from helpers.read.metadata import read_metadata

from .conftest import HANYANG, HONGSHAN, JIANGHAN, PDF_CZJ, PDF_SGB, QIAOKOU, QINGSHAN

EXPECTED = [
    # file, city, district, department, fiscal_year, publish_date (as printed under the title)
    (HONGSHAN, "武汉市", "洪山区", "武汉市洪山区人民政府办公室", 2021, dt.date(2022, 9, 29)),
    (HANYANG, "武汉市", "汉阳区", "武汉市汉阳区人民政府办公室", 2024, dt.date(2025, 10, 15)),
    (JIANGHAN, "武汉市", "江汉区", "武汉市江汉区人民政府办公室", 2022, dt.date(2023, 10, 24)),
    (QINGSHAN, "武汉市", "青山区", "武汉市青山区人民政府办公室", 2020, dt.date(2021, 10, 28)),
    # Qiaokou has no cover: the name comes from "第一部分 …概况", wrapped over three lines; no date.
    (QIAOKOU, "武汉市", "硚口区", "中国共产党武汉市硚口区委员会办公室", 2021, None),
    # PDF covers wrap the title: "上海市普陀区财政局 / 年度部门决算 / 2024".
    (PDF_CZJ, "上海市", "普陀区", "上海市普陀区财政局", 2024, None),
    (PDF_SGB, "上海市", "普陀区", "中共上海市普陀区委社会工作部", 2024, None),
]


@pytest.mark.parametrize("path,city,district,department,year,date", EXPECTED, ids=[e[0].name[:12] for e in EXPECTED])
def test_metadata(path, city, district, department, year, date):
    meta = read_metadata(read_document(path))
    assert meta == {
        "city": city,
        "district": district,
        "department": department,
        "fiscal_year": year,
        "publish_date": date,
        "doc_kind": "final",
        "unit_kind": "部门",
    }


@pytest.mark.parametrize(
    "lines",
    [
        # a workbook's first sheet titled by its name, the part heading under it
        ["收入支出决算总表", "第二部分 上海市普陀区财政局2024年度部门决算表", "单位：万元"],
        # no cover and no part heading: the 单位名称 row over a table
        ["收入支出决算总表", "单位名称：上海市普陀区财政局 单位：万元", "项目 决算数"],
    ],
    ids=["part heading under a sheet name", "单位名称 row"],
)
def test_department_of_a_workbook_without_a_cover(lines):
    from pathlib import Path

    from helpers.read.document import Document, Line

    doc = Document(Path("决算表.xlsx"), "xlsx", "", [Line(t, f"line {i}") for i, t in enumerate(lines, 1)])
    assert read_metadata(doc)["department"] == "上海市普陀区财政局"
