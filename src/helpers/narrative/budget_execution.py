"""Budget against outturn: the overall sentence, each 类/款/项 paragraph, project self-evaluations.

Narrative forms handled (units required on every amount):
- 年初预算为 X 万元，支出决算为 Y 万元，完成年初预算的 Z%         (overall, 类/款/项; 为 may be left out)
- 年初预算为 0 万元，全年预算为 X 万元，支出决算为 Y 万元，…     (two statements, one per basis)
- 项目全年预算数为 X 万(元)，执行数(为) Y 万(元)，完成预算的 Z%  (project)
- 调整后预算 X 万元 … 支出决算数 Y 万元, 预算执行率为 Z%           (overall, 调整预算)
The subject carries through its paragraph: "1. 一般公共服务支出(类)。年初预算为 …".
Each statement carries the reason printed after it (决算数小于预算数的主要原因：…), cited, and its kind.
"""

from __future__ import annotations

import re

from ..core.normalize import compact
from ..core.vocabulary import REASON_KINDS
from .amounts import NUM, UNIT, rate, to_float, to_wan
from .records import ExecutionRow, Level, Source
from .sentences import ITEM_RE, Para
from .subjects import CodeBook, resolve

A = rf"(?P<{{n}}>{NUM})\s*(?P<{{n}}u>{UNIT})"


def _amt(n: str) -> str:
    return A.replace("{n}", n)


BASIS = r"年初预算|全年预算|调整后预算|调整预算|预算"
STATEMENT_RE = re.compile(
    rf"(?P<b1basis>{BASIS})(?:数)?为?\s*{_amt('b1')}\s*[，,；;]\s*"
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


# The reason a report gives for a deviation from the budget, right after the statement:
# "决算数小于预算数的主要原因：…", "支出决算数大于年初预算数的主要原因是…", "决算数与全年预算数持平。".
# Year-on-year reasons ("较上年减少的主要原因", "与 2023 年度相比 … 主要原因") do not match: they name no 预算.
REASON_RE = re.compile(
    r"(?:支出)?决算数?[^。，,；;：:\d]{0,14}?预算数?(?:的)?\s*主要原因|(?:支出)?决算数?与[^。，,]{0,6}预算数?(?:基本)?持平"
)
# What a reason says happened, in order of precedence (the first that applies is `reason_kind`):
# - moved: money moved to or from another fund, line (function code) or unit ("调整至政府性基金预算",
#   "功能科目代码从…调整至…", "预算调整至街镇使用", "化工区划转…");
# - mid_year: the budget was changed during the year (年中增加, 追加, 调增/调减 of a budget or project,
#   money not in the 年初 budget, a transfer received from above);
# - spending: anything else the report gives (staff changes, savings, contributions paid as due, delays):
#   the outturn itself was above or below the budget;
# - on_budget: the report says outturn and budget are equal (持平).
_KIND_RES = {  # the kinds read from the words; `spending` is what is left, `on_budget` the 持平 sentence
    "moved": re.compile(r"调整至|调至|划转|科目(?:代码)?[^。]{0,30}调整|从[^。]{0,30}调(?:整)?[至到]"),
    "mid_year": re.compile(
        r"年中|追加|(?:项目|服务|经费|预算|资金)[^。，,；]{0,6}调[增减]|调[增减][^。，,；]{0,10}(?:经费|预算|资金)"
        r"|不在年初|年初不做预算|未在年初|转移支付|新增项目|新增[^。，,；]{0,20}预算|(?:是|：|:|^)增加[^。，,；]{0,30}经费"
    ),
}


def reason_kinds(text) -> list[str]:
    """Every kind of cause a reason sentence gives (see REASON_KINDS), in order of precedence; [] for none
    (also for a null read back from the data)."""
    if not isinstance(text, str):
        return []
    if "主要原因" not in text:
        return ["on_budget"] if "持平" in text else []
    why = text.split("主要原因", 1)[1]
    kinds = [k for k in REASON_KINDS if k in _KIND_RES and _KIND_RES[k].search(why)]
    return kinds or ["spending"]


def _reason(p: Para, m: re.Match) -> dict:
    s, e = p.sentence_bounds(m.start())
    text = p.text[max(s, m.start()) : e].strip()
    kinds = reason_kinds(text)
    return {"reason_kind": kinds[0] if kinds else None, "reason_text": text, "reason_ref": p.ref_at(m.start())}


def reason_after(paras: list[Para], i: int, start: int, end: int | None = None) -> dict:
    """The reason printed for the statement ending at paras[i].text[start]: the first reason sentence
    before the paragraph's next statement (`end`), or, when the statement closes its paragraph, a reason
    opening the next one (社工部 2024 prints "决算数小于预算数的主要原因：…" on a line of its own). {} if none."""
    p = paras[i]
    m = REASON_RE.search(p.text, start, len(p.text) if end is None else end)
    if m:
        return _reason(p, m)
    nxt = next((q for q in paras[i + 1 :] if not q.is_row), None)
    if end is None and nxt is not None:
        lead = len(nxt.text) - len(nxt.text.lstrip())
        m = REASON_RE.match(nxt.text, lead)  # only a reason that opens the paragraph
        if m:
            return _reason(nxt, m)
    return {}


def _row(**kw) -> ExecutionRow:
    kw["level"] = Level(kw["level"])
    kw["rate_computed_pct"] = rate(kw.get("final_wan"), kw.get("budget_wan"))
    return ExecutionRow(source_kind=Source.NARRATIVE, **kw)


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


def _statement_rows(p: Para, m: re.Match, sub: tuple, report_id: str, reason: dict) -> list[ExecutionRow]:
    """The rows of one budget-vs-outturn statement: one per budget it prints (年初 and 全年 apart)."""
    level, name, code, code_note = sub
    text, ref = p.sentence(m.start(), m.end())
    final = to_wan(m.group("f"), m.group("fu"))
    rbasis = basis_of(m.group("rbasis"))
    rate_printed = to_float(m.group("rate"))
    pairs = [(m.group("b1basis"), m.group("b1"), m.group("b1u"))]
    if m.group("b2"):
        pairs.append((m.group("b2basis"), m.group("b2"), m.group("b2u")))
    rows = []
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
                **reason,
            )
        )
    return rows


def _adjusted_rows(p: Para, report_id: str) -> list[ExecutionRow]:
    """The 绩效 form "调整后预算 X 万元 … 决算数 Y 万元, 预算执行率为 Z%" (overall, 调整预算)."""
    rows = []
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


def narrative_statements(paras: list[Para], report_id: str, book: CodeBook) -> list[ExecutionRow]:
    """Every budget-vs-outturn statement of the narrative, each with the reason the report gives for
    its deviation (`reason_kind`, `reason_text`, `reason_ref`; see `reason_after`)."""
    rows: list[ExecutionRow] = []
    carried: str | None = None
    section = None
    for i, p in enumerate(paras):
        if p.is_row:
            continue
        if p.section != section:
            section, carried = p.section, None
        if ITEM_RE.match(p.text):
            carried = p.text
        found = list(STATEMENT_RE.finditer(p.text))
        for k, m in enumerate(found):
            sub = _subject(p, m.start(), book, carried)
            if sub is None:
                continue
            end = found[k + 1].start() if k + 1 < len(found) else None
            rows += _statement_rows(p, m, sub, report_id, reason_after(paras, i, m.end(), end))
        rows += _adjusted_rows(p, report_id)
    return rows
