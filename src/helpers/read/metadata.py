"""Report metadata read from the document itself: city, district, department, year, date, and the kind
of document (决算 final accounts or 预算 budget; 部门 or 单位)."""

from __future__ import annotations

import datetime as dt
import re

from ..core.normalize import compact
from .document import Document

DATE_RE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
CITY_RE = re.compile(r"^([\u4e00-\u9fff]{2,4}?市)")
DISTRICT_RE = re.compile(r"市([\u4e00-\u9fff]{1,3}?[区县])")


# A table title ends in 决算表 / 预算表 (总表, 明细表), dot leaders and page numbers of a contents line aside.
TABLE_TITLE_RE = re.compile(r"(决算|预算)(?:总|明细)?表\s*[…\.·\d\s]*$")
KIND_WORD_RE = re.compile(r"(部门|单位)(决算|预算)")
# `编制单位：XXX` (`单位名称：XXX`) over a table: a workbook of the tables has no cover, only this row naming
# the department.
LABEL_RE = re.compile(r"(?:预算主管部门|主管部门|预算单位|编制单位|(?:单位|部门)名称|部门)[:：]\s*([^\s:：]+)")
DOC_KIND = {"决算": "final", "预算": "budget"}


def document_kind(lines: list[str]) -> tuple[str | None, str | None, str]:
    """(`final` | `budget` | None, `部门` | `单位` | None, the evidence) from the document's own words:
    the cover's 部门决算 / 部门预算 / 单位预算 and the table titles (…决算表 vs …预算表, 收支预算总表). A 决算
    report mentions 预算 often (年初预算, 一般公共预算财政拨款…), but its titles end in 决算表."""
    cover = compact(" ".join(lines[:60]))
    words = KIND_WORD_RE.findall(cover)
    titles = {"决算": 0, "预算": 0}
    for t in lines:
        if len(t) <= 80 and (m := TABLE_TITLE_RE.search(t)):
            titles[m.group(1)] += 1
    score = {k: titles[k] + 3 * sum(1 for _, w in words if w == k) for k in titles}
    if not any(score.values()):
        return None, None, "no 决算/预算 title found"
    kind = "决算" if score["决算"] >= score["预算"] else "预算"
    units = [u for u, w in words if w == kind]
    unit = max(set(units), key=units.count) if units else None
    if unit is None:
        head = " ".join(lines[:10])
        unit = (
            "部门"
            if re.search(r"(?<!预算)部门[:：]", head)
            else ("单位" if re.search(r"单位[:：](?!\s*万?元)", head) else None)
        )
    other = "预算" if kind == "决算" else "决算"
    near = sum(1 for _, w in words if w == kind)
    evidence = (
        f"{near}× “{unit or ''}{kind}” near the top, " if near else ""
    ) + f"{titles[kind]} table titles ending {kind}表 against {titles[other]} ending {other}表"
    return DOC_KIND[kind], unit, evidence


def _department(lines: list[str]) -> str | None:
    # 1) The cover: the lines before the table of contents, joined (covers wrap the title freely:
    #    "上海市普陀区财政局 / 年度部门决算 / 2024").
    cover_lines: list[str] = []
    for t in lines[:10]:
        if compact(t).startswith(("目录", "#目录", "第一部分", "第二部分")):
            # no cover (a workbook: at most a sheet's name above): `第二部分 XXX2024年度部门决算表`
            if "部门决算" in t and "部门决算" not in "".join(cover_lines):
                cover_lines = [re.sub(r"^#*第[一二]部分", "", compact(t))]
            break
        cover_lines.append(t)
    cover = compact(" ".join(cover_lines))
    cover = re.sub(r"^#+", "", cover)
    if "部门决算" in cover:
        name = re.sub(r"20\d{2}年度?|\d{4}$", "", cover.split("部门决算")[0])
        name = re.sub(r"年度$", "", name)
        if len(name) >= 4:
            return name
    # 2) "第一部分 XXX概况", wrapped over lines in one-cell-per-line files.
    head = compact("".join(lines[:8]))
    if m := re.search(r"第一部分(.+?)概况", head):
        return m.group(1)
    # 3) "部门：XXX" or "编制单位：XXX" over a table, "预算主管部门：XXX" / "预算单位：XXX" under a budget's title.
    for t in lines:
        if (m := LABEL_RE.search(t)) and not re.fullmatch(r"万?元", m.group(1)):
            return re.sub(r"单位[:：].*$", "", m.group(1)) or None
    return None


def read_metadata(doc: Document) -> dict:
    lines = [ln.text for ln in doc.lines if ln.text.strip()]
    meta: dict = {"city": None, "district": None, "department": None, "fiscal_year": None, "publish_date": None}
    dept = _department(lines)
    meta["department"] = dept
    # City and district from the department's name, else from the cover's title line only: a municipal
    # or provincial department has no district, and words further down ("市与区财力") are not one.
    src = re.sub(r"^(中国共产党|中共|共青团)", "", dept or compact(lines[0] if lines else ""))
    if m := CITY_RE.search(src):
        meta["city"] = m.group(1)
    if m := DISTRICT_RE.search(src):
        meta["district"] = m.group(1)
    # The fiscal year is the one the title names: the first "20xx 年度" near the top.
    years = [int(y) for y in re.findall(r"(20\d{2})\s*年度", "\n".join(lines[:120]))]
    if not years:  # covers that print the year on a line of its own
        years = [int(y) for y in re.findall(r"(?<!\d)(20\d{2})(?!\d)", "\n".join(lines[:10]))]
    if years:
        meta["fiscal_year"] = years[0]
    for t in lines[:15]:
        if m := DATE_RE.search(t):
            y, mo, d = map(int, m.groups())
            try:
                meta["publish_date"] = dt.date(y, mo, d)
            except ValueError:
                pass
            break
    meta["doc_kind"], meta["unit_kind"], _ = document_kind(lines)
    return meta
