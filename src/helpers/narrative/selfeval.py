"""Project-level budget/outturn pairs from tables in the narrative's appendices.

- 绩效自评表 rows "年度财政资金总额 | 预算数(A) | 执行数(B) | 执行率(B/A)" (project) and
  "部门整体支出总额 …" (overall). In text conversions the label and the figures may be split over
  several lines ("年度财" / "政资金" / "总额" / "85.26 万 85.26 万 100% 20 分"), so the label is found in
  the lines with spaces removed and the figures in the lines that follow.
- Project lists "序号 | 项目名称 | 预算数（万元） | 全年执行数（万元） | …" (tab-separated rows).
Tables headed 万元 whose figures are plainly 元 (larger than the department's whole spending) are
converted to 万元, with unit_printed='元' and a unit_note saying why.
"""

from __future__ import annotations

import re

from ..core.normalize import compact
from .amounts import NUM, rate, to_float
from .records import ExecutionRow, Level, Source

LABEL_RE = re.compile(r"年度财政资金总额|部门整体支出总额")
TOKEN_RE = re.compile(rf"(?<![\d.])(?P<num>{NUM})\s*(?P<unit>万元|万|元)?\s*(?P<pct>[%％])?")
CJK_WORD_RE = re.compile(r"[\u4e00-\u9fff]")


def _rest_after(raw: str, n_compact: int) -> str:
    """raw text after its first n_compact non-space characters."""
    k = 0
    for i, ch in enumerate(raw):
        if not ch.isspace():
            k += 1
            if k == n_compact:
                return raw[i + 1 :]
    return ""


def _figures(lines: list[tuple[str, str]], j: int, rest: str) -> tuple[list, list[str]]:
    """Numeric tokens after a label: on the rest of its line, else on the next lines of figures only."""
    toks: list = []
    used: list[str] = []
    chunks = [rest] + [lines[k][0] for k in range(j + 1, min(j + 4, len(lines)))]
    for n, chunk in enumerate(chunks):
        if n > 0 and CJK_WORD_RE.search(re.sub(r"[万元分]", "", chunk)):
            break  # a line of words: the figures are not there
        found = list(TOKEN_RE.finditer(chunk))
        if found:
            toks += found
            if n > 0:
                used.append(chunk.strip())
            break
    return toks, used


def _basis(doc_text: str) -> str:
    return "调整预算" if re.search(r"预算数为调整后", doc_text) else "全年预算"


def _yuan(values: list[float | None], dept_total: float | None) -> bool:
    vals = [v for v in values if v is not None]
    if not vals:
        return False
    ceiling = dept_total * 1.5 if dept_total else 50000.0
    return max(vals) > ceiling


def _unit_note(values, dept_total, what: str) -> str:
    big = max(v for v in values if v is not None)
    ref = f"the department's total spending of {dept_total:,.2f} 万元" if dept_total else "any plausible 万元 figure"
    return (
        f"{what} is headed 万元 but prints {big:,.2f}, more than {ref}: the figures are 元 and were divided by 10,000"
    )


def _label_end(squeezed: list[str], i: int, need: int) -> tuple[int, int]:
    """(line, characters into it) where a label starting on line i and `need` compact characters long ends."""
    j = i
    while need > len(squeezed[j]):
        need -= len(squeezed[j])
        j += 1
    return j, need


def _project_name(squeezed: list[str], i: int, last_label_line: int) -> str | None:
    """The 项目名称 printed above a 绩效自评表's figures (back to the previous table's label)."""
    for k in range(i, max(last_label_line, i - 40), -1):
        c = squeezed[k]
        if "项目名称" in c:
            name = re.split(r"主管部门", c.split("项目名称", 1)[1])[0].strip("：: ")
            if not name and k + 1 < len(squeezed):
                name = squeezed[k + 1]
            return name
    return None


def _selfeval_row(lines, squeezed, i: int, j: int, label: str, toks, used, last_label_line: int, ctx) -> ExecutionRow:
    """One 绩效自评表 row: budget, outturn and printed rate, in 万元 (figures plainly 元 converted)."""
    report_id, basis, dept_total = ctx
    nums = [t for t in toks if not t.group("pct")]
    pcts = [t for t in toks if t.group("pct")]
    budget, final = to_float(nums[0].group("num")), to_float(nums[1].group("num"))
    printed = to_float(pcts[0].group("num")) if pcts else None
    name: str | None
    if label == "部门整体支出总额":
        level, name = "overall", "部门整体支出总额"
    else:
        level, name = "project", _project_name(squeezed, i, last_label_line)
    unit_printed = unit_note = None
    if _yuan([budget, final], dept_total):
        unit_printed = "元"
        unit_note = _unit_note([budget, final], dept_total, "the 绩效自评表 预算执行情况 row")
        budget, final = budget / 10000, final / 10000
    text = " ".join([lines[i][0].strip()] + [u for u in used if u != lines[i][0].strip()])
    return ExecutionRow(
        report_id=report_id,
        level=Level(level),
        code=None,
        name=name,
        budget_basis=basis,
        budget_wan=round(budget, 6),
        final_wan=round(final, 6),
        rate_printed_pct=printed,
        rate_computed_pct=rate(final, budget),
        unit_printed=unit_printed,
        unit_note=unit_note,
        source_kind=Source.TABLE,
        source_ref=lines[j][1],
        source_text=re.sub(r"\s+", " ", text).strip(),
    )


def selfeval_rows(
    lines: list[tuple[str, str]], report_id: str, doc_text: str, dept_total: float | None
) -> list[ExecutionRow]:
    rows: list[ExecutionRow] = []
    squeezed = [compact(t) for t, _ in lines]
    ctx = (report_id, _basis(doc_text), dept_total)
    last_label_line = -1
    i = 0
    while i < len(lines):
        m = LABEL_RE.search("".join(squeezed[i : i + 4]))
        if not m or m.start() >= len(squeezed[i]):
            i += 1
            continue
        j, need = _label_end(squeezed, i, m.start() + len(m.group(0)))
        toks, used = _figures(lines, j, _rest_after(lines[j][0], need))
        if len([t for t in toks if not t.group("pct")]) >= 2:
            rows.append(_selfeval_row(lines, squeezed, i, j, m.group(0), toks, used, last_label_line, ctx))
        last_label_line = j
        i = j + 1
    return rows


HEADER_RE = re.compile(r"项目名称.*预算.*执行")


def _columns(header: list[str]) -> tuple[int, int, int] | None:
    """(name, budget, outturn) column of a project list's header, None when one is missing."""
    try:
        ni = next(k for k, c in enumerate(header) if "项目名称" in c)
        bi = next(k for k, c in enumerate(header) if "预算" in c)
        fi = next(k for k, c in enumerate(header) if "执行" in c)
    except StopIteration:
        return None
    return ni, bi, fi


def _list_body(lines: list[tuple[str, str]], k: int, cols: tuple[int, int, int]):
    """The tab-separated rows under a header from line k: (name, budget, outturn, ref, raw), and the line after."""
    ni, bi, fi = cols
    table: list[tuple[str, float | None, float | None, str, str]] = []
    while k < len(lines) and "\t" in lines[k][0]:
        cells = [c.strip() for c in lines[k][0].split("\t")]
        if len(cells) > max(bi, fi):
            name = re.sub(r"(?<=[\u4e00-\u9fff）)])\s+(?=[\u4e00-\u9fff（(])", "", cells[ni])
            try:
                b = to_float(cells[bi]) if cells[bi] else None
                f = to_float(cells[fi]) if cells[fi] else None
            except ValueError:
                b = f = None
            if name and (b is not None or f is not None):
                table.append((name, b, f, lines[k][1], lines[k][0]))
        k += 1
    return table, k


def _list_unit(table, headed_wan: bool, dept_total: float | None, project_total: float | None) -> str | None:
    """The unit note of a list headed 万元 whose figures are plainly 元 (None: the figures are 万元)."""
    values = [v for _, b, f, _, _ in table for v in (b, f)]
    if not (headed_wan and _yuan(values, dept_total)):
        return None
    note = _unit_note(values, dept_total, "the project table")
    total = next((b for n, b, _, _, _ in table if compact(n) == "合计"), None)
    if total is not None and project_total:
        note += (
            f"; its 合计 {total:,.2f} 元 = {total / 10000:,.2f} 万元, the 项目支出 of "
            f"{project_total:,.2f} 万元 stated in the narrative"
        )
    return note


def _list_row(report_id: str, name: str, b, f, ref: str, raw: str, note: str | None) -> ExecutionRow:
    if note is not None:  # the figures are 元
        b = b / 10000 if b is not None else None
        f = f / 10000 if f is not None else None
    return ExecutionRow(
        report_id=report_id,
        level=Level.PROJECT,
        code=None,
        name=compact(name) if compact(name) == "合计" else name,
        budget_basis="全年预算",
        budget_wan=None if b is None else round(b, 6),
        final_wan=None if f is None else round(f, 6),
        rate_printed_pct=None,
        rate_computed_pct=rate(f, b),
        unit_printed="元" if note is not None else None,
        unit_note=note,
        source_kind=Source.TABLE,
        source_ref=ref,
        source_text=re.sub(r"\t+", " | ", raw.strip("\t ")),
    )


def project_list_rows(
    lines: list[tuple[str, str]], report_id: str, dept_total: float | None, project_total: float | None
) -> list[ExecutionRow]:
    """Tab-separated project lists: 序号 | 项目名称 | 预算数 | 执行数 | …"""
    rows: list[ExecutionRow] = []
    i = 0
    while i < len(lines):
        t = lines[i][0]
        cols = _columns([c.strip() for c in t.split("\t")]) if "\t" in t and HEADER_RE.search(t) else None
        if cols is None or "绩效" in t:
            i += 1
            continue
        table, i = _list_body(lines, i + 1, cols)
        note = _list_unit(table, "万元" in t, dept_total, project_total)
        rows += [_list_row(report_id, name, b, f, ref, raw, note) for name, b, f, ref, raw in table]
    return rows
