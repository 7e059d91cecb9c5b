"""Poverty-alleviation, rural-revitalisation and paired-assistance money.

- function_line: every 21305xx line of any table (line_items), one row per table line with its `total`
  (or only) amount; `series` names the one 21305 series as the report's year calls it (扶贫 until 2020,
  巩固脱贫衔接乡村振兴 from 2021).
- project: budget_execution project rows whose name is about 扶贫/帮扶/乡村振兴 (self-evaluations, project
  lists, project statements), amount = outturn, budget_wan = budget.
- narrative: every other amount (with its unit, not a change) in a sentence about 扶贫, 脱贫, 乡村振兴,
  对口帮扶, 结对帮扶, 对口支援, 驻村 …, with the receiving place when named. A figure the district as a
  whole reports (全区/我区 …, or money the department only 协调s) is scope='district'; else 'department'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..core.normalize import compact
from ..core.settings import SETTINGS
from ..core.vocabulary import POVERTY_CODE, POVERTY_NEW_NAME, POVERTY_OLD_NAME, poverty_series
from .amounts import NUM, UNIT, find_amounts, to_wan
from .records import ExecutionRow, Level, PovertyKind, PovertyRow, Scope
from .sentences import Para

KEYWORD_RE = re.compile(r"扶贫|脱贫|乡村振兴|帮扶(?!慰问)|对口支援|驻村|驻点村|区域协作")
PROJECT_RE = re.compile(r"扶贫|脱贫|乡村振兴|帮扶|对口支援|驻村")
CHANGE_BEFORE_RE = re.compile(r"(增加|减少|增长|下降|同比|比上年|较上年)\s*$")
DISTRICT_RE = re.compile(r"全区|我区|本区|协调")
# A figure covering several years ("在前三年组织拨付帮扶资金 5230 万元"), not this year's money.
MULTI_YEAR_RE = re.compile(
    r"前[一二三两四五六七八九十\d]+年|近[一二三两四五六七八九十\d]+年|[一二三两四五六七八九十\d]+年来|历年|累计"
)
PROJECT_NAME_RE = re.compile(r"(?:项目|经费|工作|资金)$")
NOT_PROJECT_RE = re.compile(r"拨付|落实|投入|交易额|采购|安排")
BUDGET_BEFORE_RE = re.compile(r"预算(?:数)?为\s*$")
BUDGET_IN_SENT_RE = re.compile(rf"预算(?:数)?为\s*(?P<num>{NUM})\s*(?P<unit>{UNIT})")
PLACE_RE = re.compile(
    r"(?:恩施州)?(?P<county>[\u4e00-\u9fff]{2}(?:县|区))(?:(?P<street>[\u4e00-\u9fff]{2,3}街道?)(?P<village>[\u4e00-\u9fff]{2,3}村))?"
)
PRE_OK = re.compile(r"(?:帮扶|支援|对口|结对|向|援助|赴|到|协助|支持|采购|为|和|与|及|、|州|，|,|：|\s)$|^$")
NOT_PLACE = re.compile(
    r"^[与于我全本辖该各两这其拨付]|^(?:我区|全区|本区|辖区|城区|地区|该区|市区|各区|两区|山区|园区|社区|片区|景区|驻区|来区|区县|市县|各县|全县|本县|示范区|新区|区区)$|^[区县]"
)
SKIP_SECTIONS = re.compile(r"三公|机关运行|政府采购|国有资产|名词解释")


def series_for(year: int | None, label: str) -> str:
    """The year's name for 21305; without a year, the name the line prints."""
    return poverty_series(year) or (POVERTY_OLD_NAME if POVERTY_OLD_NAME in label else POVERTY_NEW_NAME)


def function_lines(line_items: pd.DataFrame, report_id: str, year: int | None) -> list[PovertyRow]:
    """The 21305 function lines of the report's tables (each line once, by its 合计 column)."""
    if line_items is None or not len(line_items):
        return []
    li = line_items[
        line_items["code"].fillna("").astype(str).str.startswith(POVERTY_CODE).astype(bool)
        & (line_items["code_domain"].fillna("") == "function")
    ]
    rows = []
    for (table, code, label), g in li.groupby(["table", "code", "row_label"], sort=False):
        pick = g[g["measure"] == "total"]
        if pick.empty:
            pick = g[g["amount_wan"].notna()]
        if pick.empty:
            continue
        r = pick.iloc[0]
        rows.append(
            PovertyRow(
                report_id=report_id,
                kind=PovertyKind.FUNCTION_LINE,
                code=code,
                name=label,
                amount_wan=float(r["amount_wan"]) if pd.notna(r["amount_wan"]) else None,
                series=series_for(year, label),
                source_ref=r["source_ref"],
                source_text=f"{table} {code} {label} {r['measure']} {r['amount_wan']}",
            )
        )
    return rows


def places(text: str, own_district: str | None) -> list[str]:
    out: list[str] = []
    for m in PLACE_RE.finditer(text):
        county = m.group("county")
        if NOT_PLACE.search(county) or (own_district and county == own_district):
            continue
        if not PRE_OK.search(text[max(0, m.start() - 2) : m.start()]) and not PRE_OK.search(
            text[max(0, m.start() - 1) : m.start()]
        ):
            continue
        name = m.group(0)
        if not any(county in o for o in out):  # "恩施州宣恩县" and "宣恩县" are one place
            out.append(name)
    return out


def project_rows(be_rows: list[ExecutionRow], own_district: str | None) -> list[PovertyRow]:
    """The poverty/paired-assistance projects among budget_execution's project rows."""
    rows = []
    for r in be_rows:
        if r.level != Level.PROJECT or not r.name or not PROJECT_RE.search(r.name):
            continue
        pl = places(r.name + (r.source_text or ""), own_district)
        rows.append(
            PovertyRow(
                report_id=r.report_id,
                kind=PovertyKind.PROJECT,
                name=r.name,
                amount_wan=r.final_wan,
                budget_wan=r.budget_wan,
                recipient="、".join(pl) or None,
                source_ref=r.source_ref,
                source_text=r.source_text,
                note=r.unit_note or r.note,
            )
        )
    return rows


def _one_purpose_among_many(sent: str) -> bool:
    """The poverty words only name one of several purposes listed after 用于 (A、B、C…): the amount is
    not poverty money as such."""
    use = sent.find("用于")
    if use < 0:
        return False
    if KEYWORD_RE.search(sent[:use]):
        return False
    return sent[use:].count("、") >= 2


def _clause_subject(text: str, start: int) -> str | None:
    s = start
    while s > 0 and text[s - 1] not in "，,；;。：:\t":
        s -= 1
    return compact(text[s:start]).strip() or None


def _poverty_sentence(p: Para, m: re.Match) -> tuple[int, int, str] | None:
    """(start, end, text) of the sentence about poverty money holding the amount at m, or None."""
    text = p.text
    s, e = (0, len(text)) if p.is_row else p.sentence_bounds(m.start(), m.end(), seps="。；;")
    sent = text[s:e]
    if not KEYWORD_RE.search(sent):
        # "农林水支出（类）1793 万元，占 62.69%。主要是用于对口帮扶来凤县…": the purpose follows
        nxt = text[e : p.sentence_bounds(min(e, len(text) - 1))[1]] if e < len(text) else ""
        if not (re.match(r"\s*(?:主要)?(?:是)?用于", nxt) and KEYWORD_RE.search(nxt)):
            return None
        sent = text[s:e] + nxt
    if CHANGE_BEFORE_RE.search(text[s : m.start()]):
        return None  # a change, not an amount
    if _one_purpose_among_many(sent):
        return None  # "专项经费 965.49 万元，用于纾困贷款贴息、…、精准扶贫对口帮扶、老旧小区改造等工作"
    if re.search(r"占\s*$", text[max(s, m.start() - 3) : m.start()]):
        return None
    return s, e, sent


def _name_and_kind(text: str, m: re.Match, before: str) -> tuple[str | None, float | None, PovertyKind]:
    """(name, budget 万元, kind) of a poverty amount: a 决算数 takes its paragraph's heading as name and the
    budget printed before it; a clause subject ending 项目/经费/工作/资金 makes it a project."""
    name = _clause_subject(text, m.start())
    if name and re.search(r"决算(?:数)?为$", name):
        bm = BUDGET_IN_SENT_RE.search(before)
        budget = to_wan(bm.group("num"), bm.group("unit")) if bm else None
        head = re.split(r"[。：:]", text, maxsplit=1)[0]
        name = re.sub(r"^\s*(?:\d{1,2}\s*[.、．]|[（(]\d{1,2}[)）])\s*", "", head).strip() or name
        return name, budget, PovertyKind.NARRATIVE
    if name:
        name = re.sub(r"^(?:\d{1,2}[.、．]|[（(]\d{1,2}[)）])", "", name)
        if PROJECT_NAME_RE.search(name) and not NOT_PROJECT_RE.search(name):
            return name, None, PovertyKind.PROJECT
    return name, None, PovertyKind.NARRATIVE


def _narrative_row(
    p: Para, m: re.Match, value: float, unit: str, report_id: str, own_district: str | None
) -> tuple[tuple[str, float], PovertyRow] | None:
    """(key, row) of one poverty amount; None when it is not one (its key is in `seen` or `skip`)."""
    text = p.text
    hit = _poverty_sentence(p, m)
    if hit is None:
        return None
    s, _, sent = hit
    ref = p.ref_at(s)
    before = text[p.sentence_bounds(m.start(), seps="。；;\t")[0] : m.start()] if p.is_row else text[s : m.start()]
    if BUDGET_BEFORE_RE.search(before):
        return None  # the budget goes with its outturn below
    name, budget, kind = _name_and_kind(text, m, before)
    pl = places(sent, own_district)
    if DISTRICT_RE.search(before):
        scope = Scope.DISTRICT
    else:
        scope = Scope.MULTI_YEAR if MULTI_YEAR_RE.search(name or "") else Scope.DEPARTMENT
    row = PovertyRow(
        report_id=report_id,
        kind=kind,
        name=name,
        amount_wan=value,
        budget_wan=budget,
        recipient="、".join(pl) or None,
        scope=scope,
        unit_printed=None if unit in ("万元", "万") else unit,
        source_ref=ref,
        source_text=sent.strip().replace("\t", " | "),
        note=p.note,
    )
    return (ref, value), row


def narrative_rows(
    paras: list[Para], report_id: str, own_district: str | None, skip_spans: set[tuple[str | None, float]]
) -> list[PovertyRow]:
    """Amounts in sentences about poverty/paired assistance (clauses split at 。；)."""
    rows = []
    seen: set[tuple[str, float]] = set()
    for p in paras:
        if SKIP_SECTIONS.search(p.section) or "名词解释" in p.part:
            continue
        for m, value, unit in find_amounts(p.text):
            hit = _narrative_row(p, m, value, unit, report_id, own_district)
            if hit is None or hit[0] in seen or hit[0] in skip_spans:
                continue
            seen.add(hit[0])
            rows.append(hit[1])
    return rows


# -- one row per transfer ------------------------------------------------------------------------
# A report states the same money many times: the 21305 款 and its 项 in 表2, 表3 and 表5, the project
# in the project list and again in its 绩效自评, the narrative's class total and the sentences about
# it. Rows of one report are linked into transfers, so that summing `amount_wan` over the rows with
# `restates` false counts each transfer once.

KIND_RANK = {PovertyKind.FUNCTION_LINE: 0, PovertyKind.PROJECT: 1, PovertyKind.NARRATIVE: 2}


@dataclass(eq=False)  # a group is itself: two groups stating one amount are still two
class _Group:
    """Rows of one report stating the same amount within a scope (indices into the rows, counted row first)."""

    amount: float | None
    scope: str
    rows: list[int]


def _same(a: float, b: float, n: int = 1) -> bool:
    # within a whole unit of the last digit: 2,907.924883 (a 元 table converted) and 2,907.92 are one amount
    return abs(a - b) <= SETTINGS.unit_wan * n + SETTINGS.same_number


def _subset_summing_to(groups: list[_Group], target: float, max_size: int = 4) -> list[_Group] | None:
    """A set of 2..max_size groups whose amounts add up to `target` (the parts of one project)."""
    from itertools import combinations

    for k in range(2, min(max_size, len(groups)) + 1):
        for combo in combinations(groups, k):
            if _same(sum(g.amount or 0.0 for g in combo), target, k):
                return list(combo)
    return None


def _group_by_amount(rows: list[PovertyRow]) -> list[_Group]:
    """Rows stating the same amount within a scope, as groups (amount, scope, row indices with the
    counted row first: function line of the shortest code, else project, else sentence)."""
    order = sorted(
        range(len(rows)),
        key=lambda i: (KIND_RANK.get(rows[i].kind, 3), len(rows[i].code or "x" * 9), i),
    )
    groups: list[_Group] = []
    for i in order:
        r = rows[i]
        amt = r.amount_wan
        scope = r.scope or Scope.DEPARTMENT
        g = None
        if amt is not None and not pd.isna(amt):
            g = next((g for g in groups if g.scope == scope and g.amount is not None and _same(g.amount, amt)), None)
        if g is None:
            groups.append(_Group(None if amt is None or pd.isna(amt) else float(amt), scope, [i]))
        else:
            g.rows.append(i)
    return groups


def _kinds(rows: list[PovertyRow], g: _Group) -> set[str]:
    return {rows[i].kind for i in g.rows}


def _amount(g: _Group) -> float:
    return g.amount if g.amount is not None else 0.0  # the groups weighed here all state an amount


def _container(rows: list[PovertyRow], own: list[_Group]) -> _Group | None:
    """The transfer holding the 21305 款, else its largest 21305 项, else the largest amount stated."""

    def codes(g: _Group) -> set[str]:
        return {rows[i].code or "" for i in g.rows if rows[i].kind == PovertyKind.FUNCTION_LINE}

    return (
        next((g for g in own if any(len(c) == 5 for c in codes(g))), None)
        or max((g for g in own if PovertyKind.FUNCTION_LINE in _kinds(rows, g)), key=_amount, default=None)
        or max(own, key=_amount, default=None)
    )


def _parts(rows: list[PovertyRow], own: list[_Group], container: _Group) -> set[int]:
    """ids of the groups that are parts of the container: 21305 项 lines and narrative amounts not larger
    than it, and projects that fit in it (or, when a project restates it, that add up exactly to it)."""
    parts: set[int] = set()
    rest = sorted((g for g in own if g is not container), key=lambda g: -_amount(g))
    top = _amount(container)
    fl_room = top
    for g in rest:
        if PovertyKind.FUNCTION_LINE in _kinds(rows, g) and _amount(g) <= fl_room + SETTINGS.unit_wan:
            parts.add(id(g))
            fl_room -= _amount(g)
    projects = [
        g
        for g in rest
        if id(g) not in parts
        and PovertyKind.PROJECT in _kinds(rows, g)
        and PovertyKind.FUNCTION_LINE not in _kinds(rows, g)
    ]
    if PovertyKind.PROJECT in _kinds(rows, container):
        # a project restates the whole: other projects are its parts only if they add up
        parts.update(id(g) for g in (_subset_summing_to(projects, top) or []))
    else:
        room = top
        for g in projects:
            if _amount(g) <= room + SETTINGS.unit_wan:
                parts.add(id(g))
                room -= _amount(g)
    for g in rest:
        if id(g) not in parts and _kinds(rows, g) == {PovertyKind.NARRATIVE} and _amount(g) <= top + SETTINGS.unit_wan:
            parts.add(id(g))
    return parts


def link_transfers(rows: list[PovertyRow], report_id: str) -> list[PovertyRow]:
    """Set `transfer_id`, `restates` and `link` on one report's poverty rows (in place; returned).

    Within a scope, rows stating the same amount are one transfer (`link` `same`). Among the
    department's own money, the transfer that holds the 21305 款 (else its largest 21305 项, else the
    largest amount stated) contains the rest where they fit: other 21305 项 lines and narrative
    amounts not larger than it, and projects that fit in it (when a project restates the whole
    transfer, only projects adding up exactly to it are its parts: 汉阳 2024's 1,790 + 3 = 1,793);
    those rows are `part`. The counted row of a transfer is its function line of the shortest code,
    else its project, else its sentence, first in the report's order."""
    if not rows:
        return rows
    groups = _group_by_amount(rows)
    own = [g for g in groups if g.scope == Scope.DEPARTMENT and g.amount is not None]
    container = _container(rows, own)
    parts = _parts(rows, own, container) if container is not None else set()
    # transfer numbers in the report's order of their first statement; parts take their container's
    counted = [g for g in groups if id(g) not in parts]
    counted.sort(key=lambda g: min(g.rows))
    number = {id(g): k for k, g in enumerate(counted, start=1)}
    for g in groups:
        is_part = id(g) in parts
        tid = f"{report_id}:{number[id(container if is_part else g)]}"
        for j, i in enumerate(g.rows):
            rows[i].transfer_id = tid
            rows[i].restates = is_part or j > 0
            rows[i].link = "part" if is_part else ("same" if j > 0 else None)
    return rows
