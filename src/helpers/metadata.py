"""Report metadata read from the document itself: city, district, department, year, date."""

from __future__ import annotations

import datetime as dt
import re

from .document import Document

DATE_RE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
CITY_RE = re.compile(r"^([\u4e00-\u9fff]{2,4}?市)")
DISTRICT_RE = re.compile(r"市([\u4e00-\u9fff]{1,3}?[区县])")


def _compact(t: str) -> str:
    return re.sub(r"\s+", "", t)


def _department(lines: list[str]) -> str | None:
    # 1) The cover: the lines before the table of contents, joined (covers wrap the title freely:
    #    "上海市普陀区财政局 / 年度部门决算 / 2024").
    cover_lines = []
    for t in lines[:10]:
        if _compact(t).startswith(("目录", "#目录", "第一部分", "第二部分")):
            break
        cover_lines.append(t)
    cover = _compact(" ".join(cover_lines))
    cover = re.sub(r"^#+", "", cover)
    if "部门决算" in cover:
        name = re.sub(r"20\d{2}年度?|\d{4}$", "", cover.split("部门决算")[0])
        name = re.sub(r"年度$", "", name)
        if len(name) >= 4:
            return name
    # 2) "第一部分 XXX概况", wrapped over lines in one-cell-per-line files.
    head = _compact("".join(lines[:8]))
    if m := re.search(r"第一部分(.+?)概况", head):
        return m.group(1)
    # 3) "部门：XXX" over a table.
    for t in lines:
        if m := re.search(r"部门[:：]\s*([^\s单]+)", t):
            return m.group(1)
    return None


def read_metadata(doc: Document) -> dict:
    lines = [ln.text for ln in doc.lines if ln.text.strip()]
    head = "\n".join(lines[:40])
    meta: dict = {"city": None, "district": None, "department": None, "fiscal_year": None, "publish_date": None}
    dept = _department(lines)
    meta["department"] = dept
    src = re.sub(r"^(中国共产党|中共|共青团)", "", dept or head)
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
    return meta
