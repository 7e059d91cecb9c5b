"""Budget against outturn: the overall sentence, each 类/款/项 paragraph, project self-evaluations.

Narrative forms handled (units required on every amount):
- 年初预算为 X 万元，支出决算为 Y 万元，完成年初预算的 Z%         (overall, 类/款/项)
- 年初预算为 0 万元，全年预算为 X 万元，支出决算为 Y 万元，…     (two statements, one per basis)
- 项目全年预算数为 X 万(元)，执行数(为) Y 万(元)，完成预算的 Z%  (project)
- 调整后预算 X 万元 … 支出决算数 Y 万元, 预算执行率为 Z%           (overall, 调整预算)
The subject carries through its paragraph: "1. 一般公共服务支出(类)。年初预算为 …".
"""

from __future__ import annotations

import re

from ..core.normalize import compact
from .amounts import NUM, UNIT, rate, to_float, to_wan
from .sentences import ITEM_RE, Para
from .subjects import CodeBook, resolve

A = rf"(?P<{{n}}>{NUM})\s*(?P<{{n}}u>{UNIT})"


def _amt(n: str) -> str:
    return A.replace("{n}", n)


BASIS = r"年初预算|全年预算|调整后预算|调整预算|预算"
STATEMENT_RE = re.compile(
    rf"(?P<b1basis>{BASIS})(?:数)?为\s*{_amt('b1')}\s*[，,；;]\s*"
    rf"(?:(?P<b2basis>全年预算|调整后预算|调整预算)(?:数)?为\s*{_amt('b2')}\s*[，,；;]\s*)?"
    rf"(?:支出)?(?:决算|执行)(?:数)?(?:为)?\s*{_amt('f')}"
    rf"(?:\s*[，,。；;]?\s*完成(?P<rbasis>年初预算|全年预算|调整预算|预算)(?:数)?的\s*(?P<rate>{NUM})\s*[%％])?"
)
ADJUSTED_RE = re.compile(
    rf"调整后预算\s*{_amt('b1')}\s*[。，,；;]\s*[^。]*?决算数\s*{_amt('f')}\s*[，,]\s*预算执行率为\s*(?P<rate>{NUM})\s*[%％]"
)
PROJECT_HEAD_RE = re.compile(
    r"(?:^|[。；])\s*(?:\d{1,2}\s*[.、．，,]\s*)?(?:\d{4}\s*年度)?\s*(?P<name>[^。；：:]+?)(?:项目)?绩效自评(?:综合)*综述[：:]\s*项目$"
)


def basis_of(word: str | None) -> str | None:
    if not word:
        return None
    if word.startswith("年初"):
        return "年初预算"
    if word.startswith("全年"):
        return "全年预算"
    if word.startswith("调整"):
        return "调整预算"
    return None


def _row(**kw) -> dict:
    kw.setdefault("source_kind", "narrative")
    kw["rate_computed_pct"] = rate(kw.get("final_wan"), kw.get("budget_wan"))
    return kw


def _subject(p: Para, start: int, book: CodeBook, carried: str | None = None):
    """(level, name, code) of the statement at p.text[start]."""
    pre = p.text[:start]
    tail = compact(pre[-30:])
    if re.search(r"项目(全年)?$", tail):
        m = PROJECT_HEAD_RE.search(pre)
        name = m.group("name").strip() if m else None
        if name:
            name = re.sub(r"^\d{1,2}\s*[.、．，,]\s*", "", name)
        if not name or name == "项目":
            name = "项目绩效自评综述"  # the statement covers all projects
        return "project", name, None, None
    if re.search(r"三公", tail):
        return None  # 三公 statements are read by three_public
    if re.search(r"(一般公共预算)?财政拨款支出$", tail):
        return "overall", "一般公共预算财政拨款支出", None, None
    head = pre.split("。")[0] if "。" in pre else pre
    sub = resolve(book, head) or resolve(book, pre)
    if sub:
        return sub
    if carried and not ITEM_RE.match(p.text):
        return resolve(book, carried)  # the subject carries from the item's first paragraph
    return None


def narrative_statements(paras: list[Para], report_id: str, book: CodeBook) -> list[dict]:
    rows: list[dict] = []
    carried: str | None = None
    section = None
    for p in paras:
        if p.is_row:
            continue
        if p.section != section:
            section, carried = p.section, None
        if ITEM_RE.match(p.text):
            carried = p.text
        for m in STATEMENT_RE.finditer(p.text):
            sub = _subject(p, m.start(), book, carried)
            if sub is None:
                continue
            level, name, code, code_note = sub
            text, ref = p.sentence(m.start(), m.end())
            final = to_wan(m.group("f"), m.group("fu"))
            rbasis = basis_of(m.group("rbasis"))
            rate_printed = to_float(m.group("rate"))
            pairs = [(m.group("b1basis"), m.group("b1"), m.group("b1u"))]
            if m.group("b2"):
                pairs.append((m.group("b2basis"), m.group("b2"), m.group("b2u")))
            for word, num, unit in pairs:
                basis = basis_of(word) or rbasis or ("全年预算" if level == "project" else "年初预算")
                # the printed rate belongs to the basis it names ("完成年初预算的"), or to the only budget
                own_rate = rate_printed if (len(pairs) == 1 or rbasis == basis) else None
                rows.append(
                    _row(
                        report_id=report_id,
                        level=level,
                        code=code,
                        name=name,
                        budget_basis=basis,
                        budget_wan=to_wan(num, unit),
                        final_wan=final,
                        rate_printed_pct=own_rate,
                        unit_printed=None if unit.startswith("万") else unit,
                        source_ref=ref,
                        source_text=text,
                        note="; ".join(x for x in (p.note, code_note) if x) or None,
                    )
                )
        for m in ADJUSTED_RE.finditer(p.text):
            text, ref = p.sentence(m.start(), m.end())
            rows.append(
                _row(
                    report_id=report_id,
                    level="overall",
                    code=None,
                    name="一般公共预算支出",
                    budget_basis="调整预算",
                    budget_wan=to_wan(m.group("b1"), m.group("b1u")),
                    final_wan=to_wan(m.group("f"), m.group("fu")),
                    rate_printed_pct=to_float(m.group("rate")),
                    source_ref=ref,
                    source_text=text,
                    note=p.note,
                )
            )
    return rows
