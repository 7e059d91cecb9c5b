"""Headcount as the reports print it in 部门人员构成 (issue 20, item 1: per staff member where it is printed).

Read in the shipped reports:
- 洪山 2021 line 106 "在职实有人数 54 人，其中：行政 45 人，事业 9 人"; line 108 "离退休人员 18 人".
- 青山 2020 line 183 "总编制人数 30 个，其中：" / line 185 "行政编制 30 人。在职实有人数 38 人，其中：行政编制 26" (wrapped);
  line 189 "离退休人员 34 人".
- 硚口 2021 lines 89–91 "…在职实有人数" / "22人，其中：行政 22 人。" (the figure wrapped onto its own line);
  line 101 "离退休人员5人".
- 汉阳 2024, 江汉 2022 and the two 普陀 text copies print no headcount (江汉's "在职实有人数增加" has no figure)."""

from __future__ import annotations

import pytest

from helpers.core.paths import DATA_RAW
from helpers.narrative.staff import staff_facts
from helpers.read.document import read_document

from .conftest import HANYANG, HONGSHAN, JIANGHAN, QIAOKOU, QINGSHAN


def _facts(path) -> dict[str, tuple[float | None, str, str]]:
    return {f.topic: (f.value, f.source_ref, f.source_text) for f in staff_facts(read_document(path), "r")}


def test_staff_in_post_and_retirees_with_their_lines():
    hs = _facts(HONGSHAN)
    assert {k: v[:2] for k, v in hs.items()} == {"staff_in_post": (54.0, "line 106"), "retirees": (18.0, "line 108")}
    assert hs["staff_in_post"][2].startswith("武汉市洪山区人民政府办公室在职实有人数 54 人，其中：行政 45 人")


def test_authorised_posts_are_not_staff_in_post_and_a_breakdown_is_no_total():
    qs = _facts(QINGSHAN)
    assert qs["staff_authorised"][:2] == (30.0, "line 183")  # 总编制人数 30 个
    assert qs["staff_in_post"][:2] == (38.0, "line 185")  # not 行政编制 30 or 26
    assert qs["retirees"][:2] == (34.0, "line 189")


def test_a_figure_wrapped_onto_its_own_line_is_read_with_that_line():
    qk = _facts(QIAOKOU)
    assert qk["staff_in_post"][:2] == (22.0, "line 91")
    assert qk["retirees"][:2] == (5.0, "line 101")
    assert "staff_authorised" not in qk


@pytest.mark.parametrize(
    "path",
    [
        HANYANG,
        JIANGHAN,
        DATA_RAW / "上海市普陀区人民政府宜川路街道办事处2025年度部门决算.txt",
        DATA_RAW / "上海市普陀区文化和旅游局2025年度部门决算.txt",
    ],
)
def test_reports_without_a_headcount_give_none(path):
    assert _facts(path) == {}
