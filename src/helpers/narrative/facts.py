"""Figures the narrative restates in words: totals, shares, classes, 人员/公用经费, 机关运行经费, 政府采购,
vehicles, and every year-on-year change (增加/减少 X 万元, 增长/下降 Y%).

Each amount with its unit is classified by the words just before it (its clause subject); a printed
share (占 x%) or change that follows it in the same sentence stays on the same row. A change stated in
its own clause ("与 2020 年度相比，收、支总计各增加 118.27 万元，增长 4.02%") goes to the latest row of the
same topic in the paragraph, or becomes a change-only row (value null). Changes against a budget
(比年初预算增加) are not year-on-year and are not taken here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum

import pandas as pd

from ..core.normalize import compact
from ..core.vocabulary import THREE_PUBLIC_PARTS, THREE_PUBLIC_TEXT_WORDS, THREE_PUBLIC_TOPICS
from .amounts import NUM, UNIT, to_float, to_wan
from .poverty import MULTI_YEAR_RE
from .sentences import Para
from .subjects import CodeBook

AMT = rf"(?P<num>{NUM})\s*(?P<unit>{UNIT})"
TOPICS: list[tuple[str, re.Pattern]] = [
    (t, re.compile(p))
    for t, p in [
        ("fiscal_total", r"财政拨款收[、,，]?支总计|财政拨款收入支出总计"),
        ("total", r"收[、,，]?支(?:决算)?总计|收入支出总计"),
        ("general_budget_income", r"一般公共预算财政拨款收入"),
        ("fiscal_income", r"财政拨款收入"),
        ("income_item", r"上级补助收入|事业收入|经营收入|其他收入|附属单位上缴收入"),
        ("income_total", r"收入合计"),
        ("expenditure_total", r"支出合计"),
        ("expenditure_item", r"上缴上级支出|经营支出|对附属单位补助支出"),
        ("running_cost", r"机关运行经费"),
        ("procurement_sme_goods", r"货物采购授予中小企业合同金额"),
        ("procurement_sme_works", r"工程采购授予中小企业合同金额"),
        ("procurement_sme_services", r"服务采购授予中小企业合同金额"),
        ("procurement_micro", r"授予小微企业合同金额|小微企业供应商中标或成交的，?采购金额"),
        ("procurement_sme", r"授予中小企业合同金额|中小企业供应商中标或成交的，?采购金额"),
        ("procurement_sme_reserved", r"面向中小企业预留政府采购项目预算金额"),
        ("procurement_micro_reserved", r"面向小微企业预留政府采购项目预算金额"),
        ("procurement_goods", r"政府采购货物支出|货物采购(?:支出|金额)"),
        ("procurement_works", r"政府采购工程支出|工程采购(?:支出|金额)"),
        ("procurement_services", r"政府采购服务支出|服务采购(?:支出|金额)"),
        ("procurement_total", r"政府采购(?:支出总额|金额)"),
        # money passed to a paired place ("全年向宣恩县拨付区域协作结对帮扶资金 2200 万元")
        ("paired_assistance", r"(?:帮扶|扶贫|支援|协作)资金"),
        ("basic_expenditure", r"基本支出"),
        ("project_expenditure", r"项目支出"),
        ("personnel_cost", r"人员经费"),
        ("public_cost", r"公用经费"),
        *((topic, words) for topic, _, words in THREE_PUBLIC_TOPICS),
        ("general_budget_expenditure", r"一般公共预算财政拨款支出"),
        ("fiscal_expenditure", r"财政拨款支出"),
    ]
]
CLASS_RE = re.compile(r"([\u4e00-\u9fff]+?)(?:支出)?\s*[（(]类[)）]\s*(?:支出)?\s*$|^([\u4e00-\u9fff]+?)支出\s*$")
SHARE_RE = re.compile(rf"\s*[，,]?\s*占[^，,；;。\d]*?(?P<share>{NUM})\s*[%％]")
CHANGE_RE = re.compile(
    rf"(?P<dir>增加|减少)了?\s*(?P<num>{NUM})\s*(?P<unit>{UNIT})(?:\s*[，,、]?\s*(?:各)?(?P<pdir>增长|下降|减少)\s*(?P<pct>{NUM})\s*[%％])?"
)
VEHICLE_RE = re.compile(r"(?P<what>共有车辆|公务用车保有量)(?:为)?\s*(?P<n>\d+)\s*辆")
SME_SHARE_RE = re.compile(rf"(?P<what>货物|工程|服务)采购授予中小企业合同金额占[^。；;]*?的\s*(?P<pct>{NUM})\s*[%％]")
# a 三公 item other than the total named in a subject (因公出国|公务用车|公务接待)
TP_PART_RE = re.compile("|".join(w for w, item in THREE_PUBLIC_TEXT_WORDS if item in THREE_PUBLIC_PARTS["total"]))
# a comparison with a year: 比 2020 年度, 与 2023 年度相比, 较上年, 同比去年 (y: the year when printed)
YEAR_CTX_RE = re.compile(r"(?:比|较|与)\s*(?:(?P<y>\d{4})\s*年度?|上年|去年|上一年)")
LEVEL_RATE_RE = re.compile(rf"{AMT}\s*[，,]\s*各?(?P<pdir>增加|减少|增长|下降)\s*(?P<pct>{NUM})\s*[%％]")


def _subject(text: str, start: int) -> str:
    s = start
    while s > 0 and (text[s - 1] not in "，,；;。：:、" or (text[s - 1] == "、" and text[s - 2 : s - 1] == "收")):
        s -= 1
    subj = text[s:start]
    subj = re.sub(r"^\s*(?:其中|主要用于以下方面)\s*", "", subj)
    return compact(subj)


def _topic(subject: str, book: CodeBook) -> tuple[str, str] | None:
    subj = re.sub(r"^\d{4}年度?", "", subject)
    subj = re.sub(r"[（(][^）)]*[）)]", "", subj) if not re.search(r"[（(]类[)）]", subj) else subj
    if "三公" in subj and not TP_PART_RE.search(subj):
        return "three_public_total", subject
    m = CLASS_RE.search(subj)
    if m:
        name = m.group(1) or m.group(2)
        name = re.sub(r"^\d+[.、．]?", "", name)
        if book.class_code(name):
            return "class_expenditure", name
    for topic, rx in TOPICS:
        ms = list(rx.finditer(subj))
        # the keyword must close the subject (a few words such as 支出/为/总额 may follow)
        if ms and len(subj) - ms[-1].end() <= 6:
            return topic, subj
    return None


def _latest_topic(prefix: str) -> tuple[str, str] | None:
    """The topic named last in the text before a change whose own clause names none."""
    best = None
    for topic, rx in TOPICS:
        for m in rx.finditer(prefix):
            if best is None or m.end() > best[0]:
                best = (m.end(), topic, m.group(0))
    return (best[1], best[2]) if best else None


class FactUnit(StrEnum):
    """What a fact's value counts (narrative_facts.unit)."""

    WAN = "万元"
    COUNT = "count"
    PERCENT = "percent"


@dataclass
class Fact:
    """One figure the narrative states: a row of narrative_facts, plus where it sits in its paragraph."""

    report_id: str
    topic: str
    subject: str | None
    value: float | None
    unit: FactUnit
    source_ref: str
    source_text: str
    note: str | None
    change_wan: float | None = None
    change_pct_printed: float | None = None
    compared_year: int | None = None  # the year a change is against (上年/去年: the report's year − 1)
    change_source_ref: str | None = None  # the line or page printing the change's figure
    share_pct_printed: float | None = None
    pos: int = 0  # offset in the paragraph: a change attaches to the latest fact before it

    def row(self) -> dict:
        """The narrative_facts row (without the offset)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "pos"}
        out["unit"] = self.unit.value
        return out

    @classmethod
    def from_row(cls, row) -> Fact:
        """A narrative_facts row (a record of `itertuples`) back as a Fact; a missing unit reads as 万元."""

        def get(name: str):
            v = getattr(row, name, None)
            return None if v is None or pd.isna(v) else v

        def num(name: str) -> float | None:
            v = get(name)
            return None if v is None else float(v)

        return cls(
            report_id=str(get("report_id") or ""),
            topic=str(get("topic") or ""),
            subject=get("subject"),
            value=num("value"),
            unit=FactUnit(get("unit") or FactUnit.WAN),
            source_ref=str(get("source_ref") or ""),
            source_text=str(get("source_text") or ""),
            note=get("note"),
            change_wan=num("change_wan"),
            change_pct_printed=num("change_pct_printed"),
            compared_year=None if get("compared_year") is None else int(get("compared_year")),
            change_source_ref=get("change_source_ref"),
            share_pct_printed=num("share_pct_printed"),
        )


@dataclass(frozen=True)
class _Change:
    """A year-on-year change found in a paragraph: where, the amount (万元, signed), the printed rate, the
    year it is against and the ref of the line printing its figure."""

    pos: int
    wan: float
    pct: float | None
    year: int | None = None
    ref: str | None = None


def _compared_year(pre: str, year: int | None) -> int | None:
    """The year a change is against: the one printed (与 2020 年度相比), else the report's year − 1
    for 上年/去年; None when neither is known."""
    ms = list(YEAR_CTX_RE.finditer(pre))
    if not ms:
        return None
    y = ms[-1].group("y")
    if y:
        return int(y)
    return year - 1 if year is not None else None


def _fact(p: Para, report_id: str, pos: int, **values) -> Fact:
    sent, ref = p.sentence(pos)
    return Fact(report_id=report_id, source_ref=ref, source_text=sent, note=p.note, pos=pos, **values)


def _yoy_changes(p: Para, used: set[int], year: int | None) -> list[_Change]:
    """增加/减少 X 万元(, 增长/下降 Y%) against a named earlier year (never against a budget)."""
    text, out = p.text, []
    for m in CHANGE_RE.finditer(text):
        pre = text[p.sentence_bounds(m.start())[0] : m.start()]
        # "比年初预算增加 X" compares with the budget, not the previous year
        if re.search(r"(?:比|较)\s*(?:年初|全年|调整后)?预算(?:数)?\s*$", pre) or not YEAR_CTX_RE.search(pre):
            continue
        sign = 1 if m.group("dir") == "增加" else -1
        psign = -1 if m.group("pdir") in ("下降", "减少") else 1
        pct = psign * to_float(m.group("pct")) if m.group("pct") else None
        change = sign * to_wan(m.group("num"), m.group("unit"))
        out.append(_Change(m.start(), change, pct, _compared_year(pre, year), p.ref_at(m.start("num"))))
        used.add(m.start("num"))
    return out


def _level_then_rate_changes(p: Para, used: set[int], year: int | None) -> list[_Change]:
    """Qiaokou form: "与 2020 年度相比，财政拨款收、支总计 787.24 万元，各减少 33.4%"."""
    text, out = p.text, []
    for m in LEVEL_RATE_RE.finditer(text):
        if m.start("num") in used:
            continue
        pre = text[p.sentence_bounds(m.start())[0] : m.start()]
        if YEAR_CTX_RE.search(pre) and "相比" in pre:
            sign = 1 if m.group("pdir") in ("增加", "增长") else -1
            change, pct = sign * to_wan(m.group("num"), m.group("unit")), sign * to_float(m.group("pct"))
            out.append(_Change(m.start(), change, pct, _compared_year(pre, year), p.ref_at(m.start("pct"))))
            used.add(m.start("num"))
    return out


def _level_topic(text: str, at: int, book: CodeBook) -> tuple[str, str] | None:
    """(topic, subject) of the amount at text[at], from the words before it; None when it is no level."""
    subj = _subject(text, at)
    if re.search(r"预算(?:数)?为?$|决算(?:数)?为$|比$", subj) or YEAR_CTX_RE.search(subj):
        return None
    if re.search(r"(?:增加|减少|增长|下降)了?$", subj):
        # "财政拨款收入增加 14,458.07 万元": a change whose year is named a sentence earlier, not a level
        return None
    t = _topic(subj, book)
    if not t and len(subj) <= 6:  # "由中小企业供应商中标或成交的，采购金额 …": the subject spans two clauses
        c = at
        while c > 0 and text[c - 1] not in "，,；;。：:、":
            c -= 1
        t = _topic(_subject(text, max(0, c - 1)) + "，" + subj, book)
    if t and t[0] == "paired_assistance" and MULTI_YEAR_RE.search(t[1]):
        return None  # "在前三年组织拨付帮扶资金 5230 万元" covers several years, not the report's
    return t


def _levels(p: Para, report_id: str, book: CodeBook, used: set[int]) -> list[Fact]:
    """Every amount whose subject names a topic, with the share (占 x%) printed right after it."""
    text, out = p.text, []
    for m in re.finditer(AMT, text):
        if m.start("num") in used or re.match(r"\s*年", text[m.end("num") :]):
            continue
        t = _level_topic(text, m.start(), book)
        if not t:
            continue
        share = SHARE_RE.match(text, m.end())
        out.append(
            _fact(
                p,
                report_id,
                m.start(),
                topic=t[0],
                subject=t[1],
                value=to_wan(m.group("num"), m.group("unit")),
                unit=FactUnit.WAN,
                share_pct_printed=to_float(share.group("share")) if share else None,
            )
        )
    return out


def _change_topic(p: Para, pos: int, book: CodeBook) -> tuple[tuple[str, str] | None, str]:
    """(topic, subject) a change is about: its own clause's subject, else the topic named last before it."""
    text = p.text
    subj = _subject(text, pos)
    subj = re.sub(r"(?:与\d{4}年度?相比|比\d{4}年度?(?:决算数)?|较上年|同?比(?:去|上)年)", "", subj)
    t = _topic(subj, book) if subj else None
    s0 = p.sentence_bounds(pos)[0]
    if t is None:
        t = _latest_topic(text[s0:pos]) or _latest_topic(text[:s0])
        if t:
            subj = subj or t[1]
    return t, subj


def _change_target(p: Para, pos: int, t: tuple[str, str] | None, levels: list[Fact]) -> Fact | None:
    """The latest fact before the change of its topic (with no topic: of its sentence, else of the paragraph)."""
    s0 = p.sentence_bounds(pos)[0]
    for r in reversed(levels):
        if r.pos < pos and r.change_wan is None and ((t and r.topic == t[0]) or (not t and r.pos >= s0 - 1)):
            return r
    if not t:
        # same clause as a level in an earlier sentence of the paragraph ("… 万元。较上年减少 …")
        prior = [r for r in levels if r.pos < pos and r.change_wan is None]
        return prior[-1] if prior else None
    return None


def _attach_changes(p: Para, report_id: str, book: CodeBook, changes: list[_Change], rows: list[Fact]) -> None:
    """Each change goes to the latest fact of its topic before it, else becomes a change-only fact."""
    for ch in changes:
        t, subj = _change_topic(p, ch.pos, book)
        target = _change_target(p, ch.pos, t, rows)
        if target is not None:
            target.change_wan, target.change_pct_printed = ch.wan, ch.pct
            target.compared_year, target.change_source_ref = ch.year, ch.ref
            continue
        rows.append(
            _fact(
                p,
                report_id,
                ch.pos,
                topic=(t[0] if t else "change"),
                subject=subj or None,
                value=None,
                unit=FactUnit.WAN,
                change_wan=ch.wan,
                change_pct_printed=ch.pct,
                compared_year=ch.year,
                change_source_ref=ch.ref,
            )
        )


def _counts(p: Para, report_id: str) -> list[Fact]:
    """Vehicles (共有车辆 n 辆) and the procurement shares awarded to SMEs (…授予中小企业合同金额占…的 x%)."""
    out = []
    for m in VEHICLE_RE.finditer(p.text):
        topic = "vehicles" if m.group("what") == "共有车辆" else "vehicles_fiscal"
        out.append(
            _fact(
                p,
                report_id,
                m.start(),
                topic=topic,
                subject=m.group("what"),
                value=float(m.group("n")),
                unit=FactUnit.COUNT,
            )
        )
    for m in SME_SHARE_RE.finditer(p.text):
        what = {"货物": "goods", "工程": "works", "服务": "services"}[m.group("what")]
        out.append(
            _fact(
                p,
                report_id,
                m.start(),
                topic=f"procurement_sme_{what}_share",
                subject=m.group(0).split("的")[0],
                value=to_float(m.group("pct")),
                unit=FactUnit.PERCENT,
                share_pct_printed=to_float(m.group("pct")),
            )
        )
    return out


def facts(paras: list[Para], report_id: str, book: CodeBook, year: int | None = None) -> list[Fact]:
    """The figures of the narrative's paragraphs (not of table rows, 名词解释 or definitions); `year` (the
    report's) dates the changes against 上年/去年."""
    rows: list[Fact] = []
    for p in paras:
        if p.is_row or "名词解释" in p.part or "：指" in p.text[:40]:
            continue
        used: set[int] = set()
        changes = _yoy_changes(p, used, year) + _level_then_rate_changes(p, used, year)
        para_rows = _levels(p, report_id, book, used)
        _attach_changes(p, report_id, book, changes, para_rows)
        rows += para_rows + _counts(p, report_id)
    return rows


def dept_total(rows: list[Fact]) -> float | None:
    for topic in ("total", "expenditure_total", "income_total", "fiscal_total"):
        vals = [r.value for r in rows if r.topic == topic and r.value]
        if vals:
            return max(vals)
    return None


def project_total(rows: list[Fact]) -> float | None:
    vals = [r.value for r in rows if r.topic == "project_expenditure" and r.value]
    return vals[0] if vals else None


# ---------------------------------------------------------------------------------------------
# A fact's sentence read again by the rules that recompute its rates (checks/narrative.py)

FINAL_IN_TEXT_RE = re.compile(rf"(?:支出)?决算(?:数)?为\s*({NUM})\s*万元")
SHARE_WORDS_RE = re.compile(rf"({NUM})万元[，,]?(?:占|，占)(.{{0,20}}?)的?({NUM})%")
LEAD_TOTAL_RE = re.compile(rf"({NUM})万元[，。]?(?:其中|主要用于)")


def stated_finals(text: str) -> set[str]:
    """The outturns (支出决算为 x 万元) a sentence states, as printed."""
    return {m.group(1) for m in FINAL_IN_TEXT_RE.finditer(text)}


def continues_previous(text: str) -> bool:
    """A sentence that names nothing (“较上年…”) continues the statement before it."""
    return bool(re.match(r"^\s*较上年", text))


def share_words(text: str | None, value: float, printed: float, same: float) -> str | None:
    """The words between 占 and the printed share that follows the amount `value` (e.g. 本年支出), '' for a
    bare 占; None when the sentence does not print that amount with that share (within `same`)."""
    t = compact(text or "").replace(",", "")
    for m in SHARE_WORDS_RE.finditer(t):
        if abs(float(m.group(1)) - value) < same and abs(float(m.group(3)) - printed) < same:
            return re.sub(r"的$", "", m.group(2))
    return None


def lead_total(text: str | None, part: float, same: float) -> float | None:
    """For a bare 占 (其中：X 万元，占 y%), the amount the sentence opens with, when it is not the part itself
    (“本年收入合计 2946.25 万元，其中：财政拨款收入 2940.05 万元，占 99.79%”). The part may equal the whole
    (“本年收入合计 20323.21 万元，其中：财政拨款收入 20323.21 万元，占 100%”)."""
    t = compact(text or "").replace(",", "")
    m = LEAD_TOTAL_RE.search(t)
    if not m:
        return None
    v = float(m.group(1))
    own = re.search(rf"(?<![\d.]){re.escape(m.group(1))}万元[，]?占", t)
    if abs(v - part) < same and (own is None or own.start() == m.start()):
        return None  # the sentence opens with the part itself
    return v
