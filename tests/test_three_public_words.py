"""公务用车购置费 / 运行费 as the narrative states them in words, on every corpus report that states them
(values read on each page; None where the report states no such figure)."""

from __future__ import annotations

import pytest

from helpers.core.paths import DATA_RAW
from helpers.narrative.sentences import paragraphs
from helpers.narrative.three_public import narrative_rows
from helpers.read.document import read_document

from .conftest import HANYANG, HONGSHAN, JIANGHAN, PDF_CZJ, PDF_SGB, QIAOKOU, QINGSHAN

YICHUAN = DATA_RAW / "上海市普陀区人民政府宜川路街道办事处2025年度部门决算.txt"
WENLV = DATA_RAW / "上海市普陀区文化和旅游局2025年度部门决算.txt"
SWU = DATA_RAW / "西南大学2023年度部门决算.pdf"

# file -> (purchase outturn, operation outturn) as printed in the 三公 section
STATED = [
    (HONGSHAN, 48.55, 23.58),  # (1) 公务用车购置费 48.55 万元 … (2) 公务用车运行费 23.58 万元
    (HANYANG, 0.0, 0.45),  # (1)公务用车购置费支出 0 万元 (2)公务用车运行费支出 0.45 万元
    (JIANGHAN, 0.0, 5.7),  # 本年度无购置(更新)公务用车; 公务用车运行维护费支出5.7万元
    (QINGSHAN, 0.0, 23.87),  # 公务用车购置费 0 万元; 公务用车运行费 23.87 万元
    (QIAOKOU, None, 2.11),  # 公务用车运行费支出决算为 2.11 万元 (purchase not stated)
    (YICHUAN, None, 19.56),  # line 771: 公务用车运行维护支出 19.56 万元 (purchase not stated)
    (WENLV, 0.0, 2.64),  # lines 601-602: 公务用车购置支出为 0 万元。公务用车运行维护支出 2.64 万元
    (PDF_CZJ, None, None),  # only 公务用车购置及运行维护费 0.00
    (PDF_SGB, None, None),  # 无“三公”经费财政拨款支出
    (SWU, None, None),  # no 三公 section
]


@pytest.mark.parametrize("path,purchase,operation", STATED, ids=[s[0].name[:10] for s in STATED])
def test_vehicle_split_in_words(path, purchase, operation):
    doc = read_document(path)
    try:
        rows, _ = narrative_rows(paragraphs(doc), "r")
    finally:
        doc.close()
    got = {r.item: r.final_wan for r in rows}
    assert got.get("vehicle_purchase") == purchase
    assert got.get("vehicle_operation") == operation
