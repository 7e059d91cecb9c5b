"""What a reviewer reads in the text besides the figures of narrative_facts: comparisons in words, years,
template leftovers, shares without %, restated items, and the 三公 section's disclosures.

Each statement is a typed record with the quote and the place it was read (`Where`); the reviewer's
rules (checks/review.py) only judge them. Patterns read one sentence (or one line) at a time, so a figure
is never paired across sentences or sections:
- words against numbers: 决算数大于/小于/等于预算数 with the last budget printed before it and the first
  outturn after that budget; 比预算增加/减少 X 万元 likewise within its sentence; 增加 X 万元，增长 Y%;
  持平 with the changes stated in its own clause (back to the last 其中 / ：);
- years: a year cut short (“202 年度”), years in titles and headings (after 比/与/较 the year before), the
  year of a comparison (比 2023 年…增加), the year-end (截至…年12月31日) and the vehicles' year;
- leftovers: XX / ×× / 某某, doubled punctuation, empty brackets, a label and unit without a figure;
- restated items: …（项）x 万元 and its own 支出决算为 y; the 政府性基金 / 国有资本经营 sections' items and income;
- 三公 disclosures: reception counts (批次, 人次, foreign or domestic), the number of vehicles, and the
  template's required parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ..core.normalize import NUM, compact
from .amounts import to_float
from .sentences import Para

# ---------------------------------------------------------------------------------------------
# Where a statement was read


@dataclass(frozen=True)
class Where:
    """The quote of a statement and its place (`narrative line 12`, or a line's own ref)."""

    quote: str
    ref: str
    reassociated: bool = False  # its paragraph's figures were put back from a separate PDF line by us


@dataclass(frozen=True)
class Printed:
    """A number as printed (its decimals matter) and where."""

    text: str
    ref: str

    @property
    def value(self) -> float:
        return to_float(self.text)


def quote(text: str, a: int = 0, b: int | None = None, n: int = 40) -> str:
    """A quote of text[a:b] with a little context, spaces squeezed."""
    b = len(text) if b is None else b
    s, e = max(0, a - n // 2), min(len(text), b + n // 2)
    t = re.sub(r"\s+", " ", text[s:e]).strip()
    return ("…" if s > 0 else "") + t + ("…" if e < len(text) else "")


def ref(p: Para, off: int) -> str:
    return f"narrative {p.ref_at(off)}"


def _where(p: Para, q: str, off: int) -> Where:
    return Where(q, ref(p, off), p.reassociated)


def clauses(p: Para, seps: str = "。；;") -> list[tuple[int, int]]:
    """(start, end) of each sentence or clause of a paragraph, up to and including its separator."""
    out, s = [], 0
    for i, ch in enumerate(p.text):
        if ch in seps:
            out.append((s, i + 1))
            s = i + 1
    if s < len(p.text):
        out.append((s, len(p.text)))
    return out


def has_running_text(paras: list[Para]) -> bool:
    """Whether the file prints running text beyond titles, 单位 lines and table notes."""
    return any(
        "。" in p.text and "本表" not in p.text and not compact(p.text).startswith(("注", "说明", "备注"))
        for p in paras
    )  # a table's own notes (注：本表反映…, 说明：…故本表无数据) are not the narrative


# ---------------------------------------------------------------------------------------------
# Words against numbers

_BASIS = r"(?:年初|全年|调整后?|调整)?"
BUDGET_RE = re.compile(rf"{_BASIS}预算(?:数)?\s*(?:为|是)?\s*(?P<num>{NUM})\s*(?P<unit>万元|元)?")
FINAL_RE = re.compile(rf"决算(?:数)?\s*(?:为|是)?\s*(?P<num>{NUM})\s*(?P<unit>万元|元)?")
CMP_RE = re.compile(rf"决算数?\s*(?P<word>大于|小于|等于|高于|低于|超过|超出|少于|多于)\s*{_BASIS}预算数?")
VS_BUDGET_RE = re.compile(
    rf"比{_BASIS}预算(?:数)?\s*(?P<word>增加|减少|超支|超出|节约|节省|多支出|少支出)\s*(?P<num>{NUM})\s*万元"
)
PAIR_RE = re.compile(
    rf"(?P<w1>增加|减少)\s*(?P<n1>{NUM})\s*万元?\s*[，,、]\s*(?:同比)?(?P<w2>增长|下降|上升|降低|减少|增加)\s*(?P<n2>{NUM})\s*[%％]"
)
FLAT_CHANGE_RE = re.compile(rf"(?P<word>增加|减少|增长|下降)\s*(?P<to>为)?\s*(?P<num>{NUM})\s*(?P<unit>万元|万|%|％)?")


@dataclass(frozen=True)
class BudgetWords:
    """决算数大于预算数, 比预算节约 X 万元 …: a word comparing an outturn with its budget (both in 万元)."""

    word: str
    budget: float
    final: float
    budget_text: str  # as printed
    final_text: str
    at: Where


@dataclass(frozen=True)
class ChangeWords:
    """增加 X 万元，增长 Y%: an amount and a rate of one change, each with its word."""

    amount_word: str
    amount_text: str
    rate_word: str
    rate_text: str
    at: Where

    @property
    def amount(self) -> float:
        return to_float(self.amount_text)

    @property
    def rate(self) -> float:
        return to_float(self.rate_text)


@dataclass(frozen=True)
class StatedChange:
    """A change (增加 X 万元, 下降 Y%) or a level reached by one (减少为 X) in a 持平 clause."""

    word: str
    num_text: str
    unit: str | None
    reached: bool  # 增加为 / 减少为: a level, not an amount of change

    @property
    def value(self) -> float:
        return to_float(self.num_text)


@dataclass(frozen=True)
class Unchanged:
    """持平, with the changes stated in its own clause."""

    changes: tuple[StatedChange, ...]
    at: Where


def _pair(region: str) -> tuple[re.Match, re.Match] | None:
    """The last budget figure in region and the first outturn figure after it (a budget is never paired
    with an outturn printed before it, nor with a later item's)."""
    for b in reversed(list(BUDGET_RE.finditer(region))):
        f = FINAL_RE.search(region, b.end())
        if f:
            return b, f
    return None


def _outturn_vs_budget(p: Para) -> list[BudgetWords]:
    """决算数大于/小于/等于预算数, each with the figures printed since the previous such words."""
    t, out, last = p.text, [], 0
    for m in CMP_RE.finditer(t):
        region = t[last : m.start()]
        last = m.end()
        pr = _pair(region)
        if not pr:
            continue
        b, f = pr
        bv, fv = to_float(b.group("num")), to_float(f.group("num"))
        if b.group("unit") == "元" and f.group("unit") != "元":
            bv /= 10000
        if f.group("unit") == "元" and b.group("unit") != "元":
            fv /= 10000
        a0 = b.start() + (m.start() - len(region))
        at = _where(p, quote(t, a0, m.end(), 10), a0)
        out.append(BudgetWords(m.group("word"), bv, fv, b.group("num"), f.group("num"), at))
    return out


def _against_budget(p: Para, s: int, sent: str) -> list[BudgetWords]:
    """比预算增加/减少/节约 X 万元 with the budget and outturn printed before it in the sentence."""
    out = []
    for m in VS_BUDGET_RE.finditer(sent):
        pr = _pair(sent[: m.start()])
        if not pr:
            continue
        b, f = pr
        at = _where(p, quote(sent, b.start(), m.end(), 10), s + b.start())
        out.append(
            BudgetWords(m.group("word"), to_float(b.group("num")), to_float(f.group("num")), b["num"], f["num"], at)
        )
    return out


def _change_pairs(p: Para, s: int, sent: str) -> list[ChangeWords]:
    return [
        ChangeWords(
            m.group("w1"),
            m.group("n1"),
            m.group("w2"),
            m.group("n2"),
            _where(p, quote(sent, m.start(), m.end(), 16), s + m.start()),
        )
        for m in PAIR_RE.finditer(sent)
    ]


def _unchanged(p: Para, s: int, sent: str) -> list[Unchanged]:
    out = []
    for fm in re.finditer("持平", sent):
        # the clause 持平 belongs to: back to the last 其中 / ： (a new subject), never past the sentence
        k = max(sent.rfind(x, 0, fm.start()) for x in ("：", ":", "其中"))
        seg0 = k + 1 if k >= 0 else 0
        seg = sent[seg0 : fm.end()]
        changes = tuple(
            StatedChange(c.group("word"), c.group("num"), c.group("unit"), bool(c.group("to")))
            for c in FLAT_CHANGE_RE.finditer(seg)
            if not re.match(r"\s*年", seg[c.end() : c.end() + 2])  # 增加 2023 年…: a year, not a change
        )
        out.append(Unchanged(changes, _where(p, quote(seg, 0, len(seg), 0), s + seg0)))
    return out


def word_statements(paras: list[Para]) -> list[BudgetWords | ChangeWords | Unchanged]:
    """Every comparison in words, paragraph by paragraph: 决算数…预算数 first, then per sentence 比预算…,
    增加…增长 and 持平."""
    out: list[BudgetWords | ChangeWords | Unchanged] = []
    for p in paras:
        out += _outturn_vs_budget(p)
        for s, e in clauses(p):
            sent = p.text[s:e]
            out += _against_budget(p, s, sent)
            out += _change_pairs(p, s, sent)
            out += _unchanged(p, s, sent)
    return out


def growth_quote(text: str) -> str:
    """The clause of a sentence stating 增加 …，增长 100% (else the sentence's start)."""
    qm = re.search(r"[^，,；;。：]*增加[^，,；;。]*[，,]\s*增长\s*100(?:\.0+)?\s*[%％]", text)
    return qm.group(0).strip() if qm else text[:90]


# ---------------------------------------------------------------------------------------------
# Years

YEAR_RE = re.compile(r"(?<![\d.])(20\d{2})\s*年(?!\s*\d{1,2}\s*月)")
CUT_YEAR_RE = re.compile(r"(?<![\d.,])(20\d?|2)\s*年度")
TITLE_WORDS = re.compile(r"决算|预算|情况说明|部门概况|概况|目\s*录")
PRIOR_RE = re.compile(r"(?:比|与|较|同比|上年|上一年|相比|对比)\s*$")
COMPARED_RE = re.compile(r"(?:比|与|较)\s*(20\d{2})\s*年")
COMPARED_TAIL_RE = re.compile(
    r"\s*度?\s*(?:相比|持平|增加|减少|增长|下降|同期|基本持平|末|度末|度决算|度支出|度\S{0,6}(?:增加|减少))"
)
DATED_END_RE = re.compile(r"(?:截至|截止|截止到|截至到)\s*(20\d{2})\s*年\s*12\s*月\s*31\s*日")
DATED_VEHICLE_RE = re.compile(r"(?<![\d.])(20\d{2})\s*年\s*[，,][^。；]{0,60}?公务用车(?:保有量|购置)")
HEAD_START = re.compile(
    r"^#*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
)


class YearKind(StrEnum):
    CUT = "cut"  # “202 年度”
    TITLE = "title"  # a cover, contents, heading or title line
    COMPARISON = "comparison"  # 比/与/较 2023 年 … 增加
    YEAR_END = "year_end"  # 截至 2024 年 12 月 31 日
    VEHICLES = "vehicles"  # 2024 年，…公务用车保有量


@dataclass(frozen=True)
class YearMention:
    kind: YearKind
    printed: str  # the year as printed (“202” for a cut year)
    at: Where
    prior: bool = False  # a title's year after 比/与/较: the year before is meant

    @property
    def year(self) -> int:
        return int(self.printed)


def title_like(text: str) -> bool:
    """A cover line, contents line, heading or table title: short, no sentence punctuation, and 决算/预算/
    情况说明/概况 words or a heading's numbering (第二部分 …, 三、…)."""
    t = compact(text)
    return len(t) <= 60 and not re.search(r"[，。；,;]", t) and bool(TITLE_WORDS.search(t) or HEAD_START.match(t))


def line_years(lines: list[tuple[str, str]]) -> list[YearMention]:
    """Per line: years cut short, then the years of a title-like line."""
    out = []
    for text, lref in lines:
        for m in CUT_YEAR_RE.finditer(text):
            if not re.search(r"\d\s*$", text[: m.start()]):
                out.append(YearMention(YearKind.CUT, m.group(1), Where(quote(text, m.start(), m.end()), lref)))
        if not title_like(text):
            continue
        for m in YEAR_RE.finditer(text):
            prior = bool(PRIOR_RE.search(text[: m.start()]))
            out.append(YearMention(YearKind.TITLE, m.group(1), Where(quote(text, m.start(), m.end()), lref), prior))
    return out


def _compared_years(p: Para) -> list[YearMention]:
    out = []
    for m in COMPARED_RE.finditer(p.text):
        tail = p.text[m.end() : m.end() + 12]
        if not COMPARED_TAIL_RE.match(tail) and "相比" not in tail:
            continue
        if re.match(r"\s*度?\s*末", tail):  # 比 2023 年末: a date, not the year compared
            continue
        out.append(
            YearMention(YearKind.COMPARISON, m.group(1), _where(p, quote(p.text, m.start(), m.end(), 30), m.start()))
        )
    return out


def narrative_years(paras: list[Para]) -> list[YearMention]:
    """Per paragraph: the years compared with, then the year-end and the vehicles' year."""
    out = []
    for p in paras:
        out += _compared_years(p)
        for rx, kind in ((DATED_END_RE, YearKind.YEAR_END), (DATED_VEHICLE_RE, YearKind.VEHICLES)):
            for m in rx.finditer(p.text):
                out.append(YearMention(kind, m.group(1), _where(p, quote(p.text, m.start(), m.end(), 10), m.start())))
    return out


# ---------------------------------------------------------------------------------------------
# Template leftovers

PLACEHOLDER_RE = re.compile(r"X{2,}|Ｘ{2,}|×{2,}|x{2,}(?=[\u4e00-\u9fff])|某某|XX")
DOUBLE_PUNCT_RE = re.compile(r"。\s*。|，\s*，|；\s*；|、\s*、")
# Empty quotes are not counted: PDF text layers (and text copies made from them) print the quotes of
# “三公” apart from the word.
EMPTY_BRACKET_RE = re.compile(r"（\s*）|\(\s*\)|【\s*】|《\s*》")
NO_FIGURE_RE = re.compile(
    r"(?P<label>收入|支出|合计|总计|决算|预算|经费|费用|资金|金额)(?:数)?\s*(?:为|是|共计|共|合计)?\s*(?P<unit>万元|元)(?=[，。；、,;）)]|$)"
)


class LeftoverKind(StrEnum):
    PLACEHOLDER = "a placeholder left from the template"
    DOUBLE_PUNCT = "doubled punctuation"
    EMPTY_BRACKETS = "empty brackets (something left out)"


@dataclass(frozen=True)
class Leftover:
    kind: LeftoverKind
    at: Where


@dataclass(frozen=True)
class NoFigure:
    """A label and its unit printed without the figure (“收入万元”)."""

    label: str
    unit: str
    at: Where


def line_leftovers(lines: list[tuple[str, str]]) -> list[Leftover]:
    out = []
    for text, lref in lines:
        for rx, kind in (
            (PLACEHOLDER_RE, LeftoverKind.PLACEHOLDER),
            (DOUBLE_PUNCT_RE, LeftoverKind.DOUBLE_PUNCT),
            (EMPTY_BRACKET_RE, LeftoverKind.EMPTY_BRACKETS),
        ):
            out += [Leftover(kind, Where(quote(text, m.start(), m.end()), lref)) for m in rx.finditer(text)]
    return out


def no_figures(paras: list[Para]) -> list[NoFigure]:
    out = []
    for p in paras:
        for m in NO_FIGURE_RE.finditer(p.text):
            if re.search(r"[\d.]", p.text[max(0, m.start("unit") - 1) : m.start("unit")]):
                continue
            out.append(
                NoFigure(m.group("label"), m.group("unit"), _where(p, quote(p.text, m.start(), m.end()), m.start()))
            )
    return out


# ---------------------------------------------------------------------------------------------
# Shares without %

SHARE_NO_PCT_RE = re.compile(
    rf"占(?:比|本年\S{{0,8}}?的|\S{{0,10}}?的比重为|\S{{0,10}}?的)?\s*(?P<num>{NUM})(?=\s*[;；，,。]|\s*$)"
)
SHARE_PCT_RE = re.compile(rf"占\S{{0,12}}?{NUM}\s*[%％]")


@dataclass(frozen=True)
class BareShare:
    """占 76.23: a share (at most 100) printed without its %."""

    num_text: str
    at: Where

    @property
    def value(self) -> float:
        return to_float(self.num_text)


def shares(paras: list[Para]) -> tuple[int, list[BareShare]]:
    """(how many shares are printed with %, the shares printed without)."""
    n_ok, bare = 0, []
    for p in paras:
        n_ok += len(SHARE_PCT_RE.findall(p.text))
        for m in SHARE_NO_PCT_RE.finditer(p.text):
            if to_float(m.group("num")) <= 100:
                bare.append(BareShare(m.group("num"), _where(p, quote(p.text, m.start(), m.end()), m.start())))
    return n_ok, bare


# ---------------------------------------------------------------------------------------------
# Restated figures

ITEM_AMOUNT_RE = re.compile(rf"[（(]项[)）]\s*(?P<num>{NUM})\s*万元")
ITEM_FINAL_RE = re.compile(rf"支出决算(?:数)?\s*(?:为|是)?\s*(?P<num>{NUM})\s*(?:万元)?")
FUND_ITEM_RE = re.compile(rf"(?P<name>[^（()）、，。；]+)[（(]项[)）]\s*(?P<num>{NUM})\s*万元")


@dataclass(frozen=True)
class ItemRestated:
    """…（项）x 万元 … 支出决算为 y: a numbered item's amount and its own outturn."""

    amount: Printed
    final: Printed
    at: Where


class FundKind(StrEnum):
    ITEM = "item"  # …（项）x 万元
    ITEM_FINAL = "item_final"  # the 项's own 支出决算为 y, where y is printed otherwise than x
    INCOME = "income"  # …预算财政拨款收入 x 万元


@dataclass(frozen=True)
class FundFigure:
    """A figure of the 政府性基金 / 国有资本经营 section: a 项 amount or outturn (with the 项's name), or the income."""

    kind: FundKind
    name: str | None  # the 项's name; None for the income
    amount: Printed
    at: Where


def restated_items(paras: list[Para]) -> list[ItemRestated]:
    out = []
    for p in paras:
        t = p.text
        for m in ITEM_AMOUNT_RE.finditer(t):
            f = ITEM_FINAL_RE.search(t, m.end())
            nxt = ITEM_AMOUNT_RE.search(t, m.end())
            if not f or (nxt and nxt.start() < f.start()):
                continue  # no outturn of its own before the next item
            out.append(
                ItemRestated(
                    Printed(m.group("num"), ref(p, m.start())),
                    Printed(f.group("num"), ref(p, f.start())),
                    _where(p, quote(t, m.start() - 12, f.end(), 8), m.start()),
                )
            )
    return out


def _fund_items(p: Para) -> list[FundFigure]:
    """Each 项 amount, then its own 支出决算 where it prints another figure."""
    t, out = p.text, []
    for m in FUND_ITEM_RE.finditer(t):
        name = m.group("name")
        at = _where(p, quote(t, m.start(), m.end(), 10), m.start())
        out.append(FundFigure(FundKind.ITEM, name, Printed(m.group("num"), ref(p, m.start())), at))
        f = ITEM_FINAL_RE.search(t, m.end())
        if f and f.group("num") != m.group("num"):
            at = _where(p, quote(t, f.start(), f.end(), 10), f.start())
            out.append(FundFigure(FundKind.ITEM_FINAL, name, Printed(f.group("num"), ref(p, f.start())), at))
    return out


def fund_figures(paras: list[Para], fund: str) -> list[FundFigure]:
    """The figures of the section on one fund (政府性基金 / 国有资本经营), outside the tables and 名词解释."""
    out = []
    for p in paras:
        if fund not in p.section or "决算表" in p.section or "名词解释" in p.part:
            continue
        out += _fund_items(p)
        for m in re.finditer(rf"{fund}预算财政拨款收入\s*(?P<num>{NUM})\s*万元", p.text):
            at = _where(p, quote(p.text, m.start(), m.end(), 6), m.start())
            out.append(FundFigure(FundKind.INCOME, None, Printed(m.group("num"), ref(p, m.start())), at))
    return out


# ---------------------------------------------------------------------------------------------
# Required disclosures

# 国内公务接待 批次 and 人次: `2 批次、24 人次`, `接待批次 1 次、接待 15 人次`. The people of a count are the
# first 人次 after its 批次 (before the next 批次), never the 陪同 (escorts) nor the 出国 团组's 人次.
BATCH_RE = re.compile(r"(?<![\d.])(?P<n>\d+)\s*批次?|批次\s*(?P<m>\d+)\s*次")
PEOPLE_RE = re.compile(r"(?<![\d.])(?<!陪同)(?<!陪同\s)(?P<n>\d+)\s*人次")
FOREIGN_RE = re.compile(r"外宾|外事|外国|国际|境外|国[（(]境[)）]外")
VEHICLE_COUNT_RE = re.compile(r"保有量|公务用车\S{0,6}\d+\s*辆")
# The template's other required parts (shared/corpus/reference), in the whole text.
REQUIRED_PARTS = (
    ("政府采购支出", r"政府采购"),
    ("国有资产占用情况 (车辆、设备)", r"国有资产|资产占用|车辆\d|\d+辆"),
    ("名词解释", r"名词解释"),
)


@dataclass(frozen=True)
class ReceptionCount:
    """A count of receptions: 批次, the 人次 after it (None when not stated), foreign or domestic."""

    batches: int
    people: int | None
    foreign: bool
    quote: str


def three_public_text(paras: list[Para]) -> str:
    """The 三公 section's running text (no 名词解释, no definitions)."""
    return "".join(p.text for p in paras if "三公" in p.section and "名词解释" not in p.part and "：指" not in p.text)


def reception_counts(text: str) -> list[ReceptionCount]:
    """Counts read clause by clause (a sentence up to 。/；); a count is foreign when its clause, from its
    start or its last 其中/含, names 外宾 / 外事 / 国际 / 国（境）外."""
    out = []
    for seg in re.split(r"(?<=[。；;])", text):
        batches = list(BATCH_RE.finditer(seg))
        for k, b in enumerate(batches):
            end = batches[k + 1].start() if k + 1 < len(batches) else len(seg)
            people = PEOPLE_RE.search(seg, b.end(), end)
            start = max(seg.rfind("其中", 0, b.start()), seg.rfind("含", 0, b.start()), 0)
            out.append(
                ReceptionCount(
                    int(b.group("n") or b.group("m")),
                    int(people.group("n")) if people else None,
                    bool(FOREIGN_RE.search(seg[start : b.start()])),
                    quote(seg, b.start(), people.end() if people else b.end(), 16),
                )
            )
    return out


def vehicle_count_stated(text: str) -> bool:
    return bool(VEHICLE_COUNT_RE.search(text))


def required_parts(whole: str) -> list[tuple[str, bool]]:
    """(part, stated?) for the template's 政府采购, 国有资产占用 and 名词解释, in the compacted whole text."""
    return [(what, bool(re.search(pattern, whole))) for what, pattern in REQUIRED_PARTS]


def says_no_fund(whole: str, fund: str) -> bool:
    """A sentence that there was no money of a fund (本单位无政府性基金…, 故本表无数据)."""
    return bool(re.search(rf"(无|没有|未)[^。]{{0,12}}{fund}", whole)) or "本表无数据" in whole or "故本表" in whole
