"""A reviewer's rules: what a person reading the report writes up besides arithmetic.

They read the text itself (the report's `Document`, passed to `run_checks`), not only the datasets:
- words against numbers: 大于/小于/等于 预算数, 比预算增加/减少/节约/超出, 增加…增长/减少…下降 and 持平 agree
  with the figures of their own sentence; a 增长 100% from a zero prior year is undefined (warning);
- years: the years in the cover, contents, headings and table titles are the fiscal year, comparisons
  (比/与/较 …年) name the year before; a year cut short ("202 年度") is reported;
- template leftovers: XX / ×× / 某某 in a title or sentence, a label and its unit with no figure
  ("收入万元"), doubled punctuation ("。。"), empty brackets;
- rates as printed: a share without its % ("占 76.23"), a rate cut instead of rounded (info);
- restated figures: a numbered item's amount against its own 支出决算为 (269.85 vs 269.86), and the
  政府性基金 / 国有资本经营 sentences against T8 / T9 (135.00 where T8 prints 105.00);
- required disclosures: the domestic 公务接待 批次 and 人次, vehicles, the nine-table template's parts;
  every table of the template printed (one absent altogether is an error; one printed but not read, or
  absent from a conversion that may have lost pages, is not the report's defect); a 三公 figure the
  narrative states and T7 leaves blank (in a single-space copy: printed nowhere in T7's row).

Every finding quotes the text and names the line or page (`source_ref`). A rule reads only what is
printed in one sentence or one line, so a figure is never paired across sentences or sections.
Where our own reading could have made the finding (figures the PDF text layer printed on a line of
their own and that we put back into the words; table cells placed by arithmetic), the outcome is
`uncertain`, never `fail`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re

from ..core.catalog import BY_CODE, TEMPLATE_TABLES, clean_title, match_title
from ..core.normalize import NUM, amount_of, compact, is_amount
from ..core.settings import SETTINGS
from ..core.vocabulary import (
    TABLE_TITLES,
    THREE_PUBLIC_COLUMNS,
    THREE_PUBLIC_NAMES,
    THREE_PUBLIC_PARTS,
    THREE_PUBLIC_TOPIC_ITEMS,
)
from ..narrative.amounts import to_float
from ..narrative.sentences import Para, paragraphs
from ..tables.reading import POSITIONAL_LAYOUTS
from ..tables.text_tables import contents_end
from .common import rows_of, t7_figs, total_row
from .rules import (
    TRUNCATION_SEVERITY,
    Fig,
    Report,
    Result,
    equal_check,
    guard_reading,
    half_unit,
    insufficient,
    not_applicable,
    printed_decimals,
    rule,
    sval,
    val,
)

# ---------------------------------------------------------------------------------------------
# The text


def _reads_text(func):
    """A rule that reads the report's text yields `not_applicable` alone when the run has none
    (checks run on datasets only)."""

    @functools.wraps(func)
    def run(report: Report):
        if report.doc is None:
            yield not_applicable("the report's text is not available to this run (checks run on datasets only)")
            return
        yield from func(report)

    return run


def _has_narrative(report: Report) -> bool:
    """Whether the file prints running text beyond titles, 单位 lines and table notes: a workbook of the
    nine tables has none, and nothing it leaves unsaid can be blamed on the report."""
    sentences = [
        p.text
        for p in _paras(report)
        if "。" in p.text and "本表" not in p.text and not compact(p.text).startswith(("注", "说明", "备注"))
    ]  # a table's own notes (注：本表反映…, 说明：…故本表无数据) are not the narrative
    return bool(sentences)


def _paras(report: Report) -> list[Para]:
    if "paras" not in report._cache:
        report._cache["paras"] = [p for p in paragraphs(report.doc) if not p.is_row]
    return report._cache["paras"]


def _lines(report: Report) -> list[tuple[str, str]]:
    if "lines" not in report._cache:
        doc = report.doc
        assert doc is not None, "_lines is read only by rules under @_reads_text"
        report._cache["lines"] = [(ln.text, ln.ref) for ln in doc.lines if ln.text.strip()]
    return report._cache["lines"]


def _fy(report: Report) -> int | None:
    row = report.reports_row
    v = val(row.get("fiscal_year")) if row else None
    return int(v) if v is not None else None


def _q(text: str, a: int = 0, b: int | None = None, n: int = 40) -> str:
    """A quote of text[a:b] with a little context, spaces squeezed."""
    b = len(text) if b is None else b
    s, e = max(0, a - n // 2), min(len(text), b + n // 2)
    t = re.sub(r"\s+", " ", text[s:e]).strip()
    return ("…" if s > 0 else "") + t + ("…" if e < len(text) else "")


def _ref(p: Para, off: int) -> str:
    return f"narrative {p.ref_at(off)}"


def _sentences(p: Para, seps: str = "。；;") -> list[tuple[int, int]]:
    out, s = [], 0
    for i, ch in enumerate(p.text):
        if ch in seps:
            out.append((s, i + 1))
            s = i + 1
    if s < len(p.text):
        out.append((s, len(p.text)))
    return out


def _reassociated(p: Para) -> bool:
    return any("re-associated" in n for n in p.notes)


def _guard_text(res: Result, p: Para) -> Result:
    """A finding in a paragraph whose figures we put back from a separate PDF line may be ours."""
    if res.outcome != "fail" or not _reassociated(p):
        return res
    return Result(
        "uncertain",
        f"{res.message}. But the figures of this paragraph were printed on a separate line of the "
        "PDF text layer and put back into the words by us, so the finding may be ours; check the page",
        res.expected,
        res.found,
        res.source_ref,
        severity="warning",
    )


def _num(m: re.Match[str], name: str = "num") -> float:
    """The number a pattern's group holds (groups read this way are required by their pattern)."""
    v = to_float(m.group(name))
    assert v is not None, f"group {name} did not match in {m.group(0)!r}"
    return v


def _decimals(tok: str) -> int:
    return len(tok.split(".")[1]) if "." in tok else 0


# ---------------------------------------------------------------------------------------------
# Words against numbers

_BASIS = r"(?:年初|全年|调整后?|调整)?"
BUDGET_RE = re.compile(rf"{_BASIS}预算(?:数)?\s*(?:为|是)?\s*(?P<num>{NUM})\s*(?P<unit>万元|元)?")
FINAL_RE = re.compile(rf"决算(?:数)?\s*(?:为|是)?\s*(?P<num>{NUM})\s*(?P<unit>万元|元)?")
CMP_RE = re.compile(rf"决算数?\s*(?P<word>大于|小于|等于|高于|低于|超过|超出|少于|多于)\s*{_BASIS}预算数?")
VS_BUDGET_RE = re.compile(
    rf"比{_BASIS}预算(?:数)?\s*(?P<word>增加|减少|超支|超出|节约|节省|多支出|少支出)\s*(?P<num>{NUM})\s*万元"
)
UP = {"大于", "高于", "超过", "超出", "多于", "增加", "超支", "多支出", "增长", "上升"}
DOWN = {"小于", "低于", "少于", "减少", "节约", "节省", "少支出", "下降", "降低"}
PAIR_RE = re.compile(
    rf"(?P<w1>增加|减少)\s*(?P<n1>{NUM})\s*万元?\s*[，,、]\s*(?:同比)?(?P<w2>增长|下降|上升|降低|减少|增加)\s*(?P<n2>{NUM})\s*[%％]"
)
FLAT_CHANGE_RE = re.compile(rf"(?P<word>增加|减少|增长|下降)\s*(?P<to>为)?\s*(?P<num>{NUM})\s*(?P<unit>万元|万|%|％)?")


def _pair(region: str) -> tuple[re.Match, re.Match] | None:
    """The last budget figure in region and the first outturn figure after it (a budget is never paired
    with an outturn printed before it, nor with a later item's)."""
    buds = [m for m in BUDGET_RE.finditer(region)]
    for b in reversed(buds):
        f = FINAL_RE.search(region, b.end())
        if f:
            return b, f
    return None


def _word_result(word: str, b: float, f: float, bt: str, ft: str, quote: str, ref: str) -> Result:
    diff = f - b
    if word in UP:
        ok, rel = diff > SETTINGS.eps, "larger than"
    elif word in DOWN:
        ok, rel = diff < -SETTINGS.eps, "smaller than"
    else:  # 等于
        ok, rel = abs(diff) <= SETTINGS.eps, "equal to"
    what = f"“{quote}”: 决算 {ft} against 预算 {bt}: the words say the outturn is {rel} the budget ({word})"
    if ok:
        return Result("pass", f"{what}, and it is", b, f, ref)
    actual = "equal to" if abs(diff) <= SETTINGS.eps else ("larger than" if diff > 0 else "smaller than")
    return Result("fail", f"{what}, but {ft} is {actual} {bt}", b, f, ref)


@rule(
    "R.words_numbers",
    "Words of comparison agree with their own figures: 决算数大于/小于/等于预算数 with the budget and outturn printed "
    "just before; 比预算增加/减少/超出/节约 with the sign of outturn − budget; 增加 … 增长 x% and 减少 … 下降 x% "
    "(never 增加 … 下降); 持平 never beside a change or a level reached by 增加/减少.",
    family="review",
    needs="the report's text (sentences of the narrative)",
)
@_reads_text
def r_words_numbers(report: Report):
    n = 0
    for p in _paras(report):
        t = p.text
        last = 0
        for m in CMP_RE.finditer(t):
            region = t[last : m.start()]
            last = m.end()
            pr = _pair(region)
            if not pr:
                continue
            b, f = pr
            bv, fv = _num(b), _num(f)
            if b.group("unit") == "元" and f.group("unit") != "元":
                bv /= 10000
            if f.group("unit") == "元" and b.group("unit") != "元":
                fv /= 10000
            a0 = b.start() + (m.start() - len(region))
            n += 1
            yield _guard_text(
                _word_result(
                    m.group("word"), bv, fv, b.group("num"), f.group("num"), _q(t, a0, m.end(), 10), _ref(p, a0)
                ),
                p,
            )
        for s, e in _sentences(p, "。；;"):
            sent = t[s:e]
            for m in VS_BUDGET_RE.finditer(sent):
                pr = _pair(sent[: m.start()])
                if not pr:
                    continue
                b, f = pr
                n += 1
                yield _guard_text(
                    _word_result(
                        m.group("word"),
                        _num(b),
                        _num(f),
                        b.group("num"),
                        f.group("num"),
                        _q(sent, b.start(), m.end(), 10),
                        _ref(p, s + b.start()),
                    ),
                    p,
                )
            for m in PAIR_RE.finditer(sent):
                n1, n2 = _num(m, "n1"), _num(m, "n2")
                if n1 < SETTINGS.eps or n2 < SETTINGS.eps:
                    continue
                n += 1
                up1, up2 = m.group("w1") in UP, m.group("w2") in UP
                quote, ref = _q(sent, m.start(), m.end(), 16), _ref(p, s + m.start())
                signed = n2 if up2 else -n2
                if up1 == up2:
                    yield Result(
                        "pass", f"“{quote}”: {m.group('w1')} and {m.group('w2')} go the same way", signed, signed, ref
                    )
                else:
                    yield _guard_text(
                        Result(
                            "fail",
                            f"“{quote}”: the amount {m.group('w1')} {m.group('n1')} 万元 but the rate "
                            f"{m.group('w2')} {m.group('n2')}%: the words contradict each other",
                            -signed,
                            signed,
                            ref,
                        ),
                        p,
                    )
            for fm in re.finditer("持平", sent):
                # the clause 持平 belongs to: back to the last 其中 / ： (a new subject), never past the sentence
                k = max(sent.rfind(x, 0, fm.start()) for x in ("：", ":", "其中"))
                seg0 = k + 1 if k >= 0 else 0
                seg = sent[seg0 : fm.end()]
                changes = [c for c in FLAT_CHANGE_RE.finditer(seg) if c.group("to") or _num(c) > SETTINGS.eps]
                changes = [c for c in changes if not re.match(r"\s*年", seg[c.end() : c.end() + 2])]
                n += 1
                quote, ref = _q(seg, 0, len(seg), 0), _ref(p, s + seg0)
                if changes:
                    c = changes[0]
                    what = (
                        f"{c.group('word')}为 {c.group('num')} (a level reached by a change)"
                        if c.group("to")
                        else f"a change of {c.group('word')} {c.group('num')}{c.group('unit') or ''}"
                    )
                    yield _guard_text(
                        Result(
                            "fail",
                            f"“{quote[:120]}”: 持平 (no change) beside {what}",
                            0.0,
                            to_float(c.group("num")),
                            ref,
                        ),
                        p,
                    )
                else:
                    yield Result("pass", f"“{quote[:80]}”: 持平 with no change stated beside it", 0.0, 0.0, ref)
    if not n:
        yield not_applicable(
            "no sentence compares its own figures in words (大于/小于/等于 预算数, 比预算增加/减少, 增加…增长, 持平)"
        )


# ---------------------------------------------------------------------------------------------
# 增长 100% from a zero base


@rule(
    "R.growth_from_zero",
    "A year-on-year rate is not printed against a zero prior year: 增加 x 万元, 增长 100% where this "
    "year's level is x (the prior year was 0) states a rate that is undefined.",
    severity="warning",
    family="review",
    needs="narrative_facts (value, change_wan, change_pct_printed); three_public for 三公 levels",
)
def r_growth_from_zero(report: Report):
    facts = report.frame("narrative_facts")
    rows = facts[facts["change_pct_printed"].notna() & facts["change_wan"].notna()] if len(facts) else facts
    if not len(rows):
        yield not_applicable("no year-on-year rate printed with its change")
        return
    tp = report.frame("three_public")
    nar = tp[tp["source"] == "narrative"] if len(tp) else tp
    for r in rows.itertuples(index=False):
        level = val(r.value)
        if level is None and (item := THREE_PUBLIC_TOPIC_ITEMS.get(str(r.topic))) and len(nar):
            hit = nar[nar["item"] == item]
            level = val(hit["final_wan"].iloc[0]) if len(hit) else None
        ch, pct = float(r.change_wan), float(r.change_pct_printed)
        text = sval(r.source_text) or ""
        qm = re.search(r"[^，,；;。：]*增加[^，,；;。]*[，,]\s*增长\s*100(?:\.0+)?\s*[%％]", text)
        ref, quote = f"narrative {sval(r.source_ref)}", (qm.group(0).strip() if qm else text[:90])
        if level is None:
            yield not_applicable(
                f"{sval(r.subject) or r.topic}: this year's level is not stated, so the prior year is unknown", ref
            )
            continue
        prior = level - ch
        if abs(prior) <= SETTINGS.zero_prior_wan + SETTINGS.eps and ch > SETTINGS.eps:
            yield Result(
                "fail",
                f"{sval(r.subject) or r.topic}: this year {level:.2f}, 增加 {ch:.2f}, so the prior year was 0 "
                f"and a change rate is undefined, yet {pct:g}% is printed (“{quote}”)",
                round(prior, 2),
                pct,
                ref,
            )
        else:
            yield Result(
                "pass",
                f"{sval(r.subject) or r.topic}: prior year {prior:.2f} is not 0 (rate {pct:g}% printed)",
                round(prior, 2),
                pct,
                ref,
            )


# ---------------------------------------------------------------------------------------------
# Years

YEAR_RE = re.compile(r"(?<![\d.])(20\d{2})\s*年(?!\s*\d{1,2}\s*月)")
CUT_YEAR_RE = re.compile(r"(?<![\d.,])(20\d?|2)\s*年度")
TITLE_WORDS = re.compile(r"决算|预算|情况说明|部门概况|概况|目\s*录")
PRIOR_RE = re.compile(r"(?:比|与|较|同比|上年|上一年|相比|对比)\s*$")


DATED_END_RE = re.compile(r"(?:截至|截止|截止到|截至到)\s*(20\d{2})\s*年\s*12\s*月\s*31\s*日")
DATED_VEHICLE_RE = re.compile(r"(?<![\d.])(20\d{2})\s*年\s*[，,][^。；]{0,60}?公务用车(?:保有量|购置)")
HEAD_START = re.compile(
    r"^#*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
)


def _title_like(text: str) -> bool:
    """A cover line, contents line, heading or table title: short, no sentence punctuation, and 决算/预算/
    情况说明/概况 words or a heading's numbering (第二部分 …, 三、…)."""
    t = compact(text)
    return len(t) <= 60 and not re.search(r"[，。；,;]", t) and bool(TITLE_WORDS.search(t) or HEAD_START.match(t))


@rule(
    "R.years",
    "The years a report prints agree with its fiscal year: cover, contents, headings and table titles name the fiscal "
    "year; a comparison (比/与/较 … 年) names the year before; the year-end (截至…年12月31日) and the year of the "
    "vehicles (…年，…公务用车保有量) are the fiscal year; no year is cut short (“202 年度”).",
    family="review",
    needs="the report's text (every line; narrative sentences); reports.fiscal_year",
)
@_reads_text
def r_years(report: Report):
    fy = _fy(report)
    if fy is None:
        yield not_applicable("the fiscal year was not read, so printed years cannot be judged")
        return
    n_ok = 0
    for text, ref in _lines(report):
        for m in CUT_YEAR_RE.finditer(text):
            if re.search(r"\d\s*$", text[: m.start()]):
                continue
            yield Result(
                "fail",
                f"“{_q(text, m.start(), m.end())}”: the year is cut short ({m.group(1)} 年度 for {fy} 年度)",
                float(fy),
                float(m.group(1)),
                ref,
            )
        if not _title_like(text):
            continue
        for m in YEAR_RE.finditer(text):
            y = int(m.group(1))
            allowed = {fy - 1} if PRIOR_RE.search(text[: m.start()]) else {fy}
            if y in allowed:
                n_ok += 1
                continue
            yield Result(
                "fail",
                f"“{_q(text, m.start(), m.end())}”: a title or heading names {y}, but the report covers {fy}",
                float(min(allowed)),
                float(y),
                ref,
            )
    for p in _paras(report):
        for m in re.finditer(r"(?:比|与|较)\s*(20\d{2})\s*年", p.text):
            y = int(m.group(1))
            tail = p.text[m.end() : m.end() + 12]
            if (
                not re.match(
                    r"\s*度?\s*(?:相比|持平|增加|减少|增长|下降|同期|基本持平|末|度末|度决算|度支出|度\S{0,6}(?:增加|减少))",
                    tail,
                )
                and "相比" not in tail
            ):
                continue
            if re.match(r"\s*度?\s*末", tail):
                continue
            if y == fy - 1:
                n_ok += 1
                continue
            yield _guard_text(
                Result(
                    "fail",
                    f"“{_q(p.text, m.start(), m.end(), 30)}”: the comparison names {y}, but the "
                    f"year before {fy} is {fy - 1}",
                    float(fy - 1),
                    float(y),
                    _ref(p, m.start()),
                ),
                p,
            )
        # the year-end state (截至 …年12月31日) and the year of the vehicles (…年，…公务用车保有量/购置)
        # is the fiscal year
        for rx in (DATED_END_RE, DATED_VEHICLE_RE):
            for m in rx.finditer(p.text):
                y = int(m.group(1))
                if y == fy:
                    n_ok += 1
                    continue
                yield _guard_text(
                    Result(
                        "fail",
                        f"“{_q(p.text, m.start(), m.end(), 10)}”: dated {y}, but the report covers {fy}",
                        float(fy),
                        float(y),
                        _ref(p, m.start()),
                    ),
                    p,
                )
    yield Result(
        "pass",
        f"{n_ok} years in titles, headings, comparisons and year-end statements agree with fiscal year {fy}",
        float(fy),
        float(fy),
    )


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


@rule(
    "R.placeholders",
    "No template leftovers: no XX / ×× / 某某 in place of a name, no label and unit printed without its "
    "figure (“收入万元”), no doubled punctuation (“。。”), no empty brackets.",
    family="review",
    needs="the report's text (every line; narrative sentences)",
)
@_reads_text
def r_placeholders(report: Report):
    n = 0
    pdf = getattr(report.doc, "source_format", None) == "pdf"
    for text, ref in _lines(report):
        for rx, what in (
            (PLACEHOLDER_RE, "a placeholder left from the template"),
            (DOUBLE_PUNCT_RE, "doubled punctuation"),
            (EMPTY_BRACKET_RE, "empty brackets (something left out)"),
        ):
            for m in rx.finditer(text):
                if rx is EMPTY_BRACKET_RE and pdf:
                    # PDF text layers can drop what a bracket holds (an image, a figure on another line)
                    yield Result(
                        "uncertain",
                        f"“{_q(text, m.start(), m.end())}”: {what}; in a PDF text layer the contents "
                        "may sit on another line, check the page",
                        None,
                        None,
                        ref,
                        severity="warning",
                    )
                    continue
                n += 1
                yield Result("fail", f"“{_q(text, m.start(), m.end())}”: {what}", None, None, ref)
    missing = []
    for p in _paras(report):
        for m in NO_FIGURE_RE.finditer(p.text):
            before = p.text[max(0, m.start("unit") - 1) : m.start("unit")]
            if re.search(r"[\d.]", before):
                continue
            missing.append(
                Result(
                    "fail",
                    f"“{_q(p.text, m.start(), m.end())}”: {m.group('label')} and its unit "
                    f"{m.group('unit')} are printed but the figure is not",
                    None,
                    None,
                    _ref(p, m.start()),
                )
            )
    # Many amounts without their figures are a layout, not slips: a PDF text layer (or a text copy of
    # one) prints the figures on lines of their own.
    layout = pdf or len(missing) > 2
    for res in missing:
        n += 1
        if layout:
            res = Result(
                "uncertain",
                f"{res.message}; but "
                f"{'in a PDF text layer' if pdf else f'{len(missing)} amounts in this text lack their figures:'} "
                "the figures may be printed on lines of their own, check the page",
                None,
                None,
                res.source_ref,
                severity="warning",
            )
        yield res
    if not n:
        yield Result(
            "pass",
            f"no placeholder, doubled punctuation, empty brackets or figure-less amount in {len(_lines(report))} lines",
        )


# ---------------------------------------------------------------------------------------------
# Rates as printed

SHARE_NO_PCT_RE = re.compile(
    rf"占(?:比|本年\S{{0,8}}?的|\S{{0,10}}?的比重为|\S{{0,10}}?的)?\s*(?P<num>{NUM})(?=\s*[;；，,。]|\s*$)"
)


@rule(
    "R.share_percent",
    "A share is printed with its unit: 占 x% (or 占 x 万元), never a bare 占 76.23.",
    severity="warning",
    family="review",
    needs="the report's text (narrative sentences)",
)
@_reads_text
def r_share_percent(report: Report):
    n_ok = n_bad = 0
    for p in _paras(report):
        n_ok += len(re.findall(rf"占\S{{0,12}}?{NUM}\s*[%％]", p.text))
        for m in SHARE_NO_PCT_RE.finditer(p.text):
            v = _num(m)
            if v > 100:
                continue
            n_bad += 1
            yield _guard_text(
                Result(
                    "fail",
                    f"“{_q(p.text, m.start(), m.end())}”: a share printed without % (read as {m.group('num')}%)",
                    v,
                    v,
                    _ref(p, m.start()),
                ),
                p,
            )
    if not n_bad:
        yield Result("pass", f"{n_ok} shares printed with %" if n_ok else "no share printed", None, None)


@rule(
    "R.rate_truncated",
    "A printed completion rate is the rounding of outturn ÷ budget, not its truncation (98.69% printed "
    "98.6%): reported for information, as the difference is below a unit of the last printed digit (the "
    "same severity as every other rule gives a truncation).",
    severity=TRUNCATION_SEVERITY,
    family="review",
    needs="budget_execution (budget, outturn, printed rate, source_text)",
)
def r_rate_truncated(report: Report):
    be = report.frame("budget_execution")
    rows = be[be["rate_printed_pct"].notna() & be["budget_wan"].notna() & be["final_wan"].notna()] if len(be) else be
    if not len(rows):
        yield not_applicable("no completion rate printed with its budget and outturn")
        return
    for r in rows.itertuples(index=False):
        b, f, pr = float(r.budget_wan), float(r.final_wan), float(r.rate_printed_pct)
        if b <= 0:
            yield not_applicable(
                f"{sval(r.name)}: budget {b:g}; a rate against it is undefined", f"narrative {sval(r.source_ref)}"
            )
            continue
        text = sval(r.source_text) or ""
        toks = [
            t
            for t in re.findall(rf"({NUM})\s*[%％]", text.replace(",", ""))
            if abs(float(t) - pr) < SETTINGS.same_number
        ]
        d = max((_decimals(t) for t in toks), default=2)
        exact = f / b * 100
        rounded = round(exact + SETTINGS.same_number, d)
        cut = math.floor(exact * 10**d + SETTINGS.same_number) / 10**d
        ref = f"narrative {sval(r.source_ref)}"
        if abs(pr - rounded) < SETTINGS.same_number:
            yield Result("pass", f"{sval(r.name)}: {pr:g}% is {exact:.4f}% rounded", round(exact, 4), pr, ref)
        elif abs(pr - cut) < SETTINGS.same_number and abs(rounded - cut) > SETTINGS.same_number:
            yield Result(
                "fail",
                f"{sval(r.name)}: {pr:g}% printed where {f:g} ÷ {b:g} = {exact:.4f}% rounds to {rounded:g}%: "
                f"cut, not rounded (“{text[:70]}”)",
                rounded,
                pr,
                ref,
            )
        else:
            yield not_applicable(
                f"{sval(r.name)}: {pr:g}% is neither the rounding nor the truncation of {exact:.4f}% "
                "(N.rate_completion judges it)",
                ref,
            )


# ---------------------------------------------------------------------------------------------
# Restated figures

ITEM_AMOUNT_RE = re.compile(rf"[（(]项[)）]\s*(?P<num>{NUM})\s*万元")
ITEM_FINAL_RE = re.compile(rf"支出决算(?:数)?\s*(?:为|是)?\s*(?P<num>{NUM})\s*(?:万元)?")
FUND_SECTIONS = {"T8": "政府性基金", "T9": "国有资本经营"}


def _nfig(tok: str, ref: str, label: str) -> Fig:
    return Fig(to_float(tok), ref, label, half_unit(_decimals(tok)))


def restate_check(a: Fig, b: Fig, *, what: str, refs: str | None = None) -> Result:
    """One figure printed twice: with the same decimals the two must be the same number (269.85 restating
    269.86 is not rounding, it is another number); printed more coarsely, it must be the rounding of the
    finer one (4.9 for 4.89)."""
    if a.blank or b.blank:
        return equal_check(a, b, what=what, refs=refs)
    half = max(a.half, b.half) if abs(a.half - b.half) > SETTINGS.eps else 0.0
    res = equal_check(a, b, what=what, refs=refs)
    if res.outcome == "pass" and abs(a.amount - b.amount) > half + SETTINGS.eps:
        res = guard_reading(
            Result(
                "fail",
                f"{what}: {a.label} is printed as {a.value:,.2f}, but {b.label} is {b.value:,.2f} (difference "
                f"{a.amount - b.amount:+.2f}; one figure restated with the same decimals must be the same number)",
                b.value,
                a.value,
                res.source_ref,
            ),
            [a, b],
        )
    return res


def _settled(row):
    """A row whose printed figures are all one value (`105.00 105.00 105.00`) gives that value to its 合计
    whichever columns the figures were placed in: its cells are not in doubt for a comparison."""
    vals = {v for v in row.cells.values() if v is not None}
    if len(vals) == 1 and not row.doubtful:
        return dataclasses.replace(row, inferred=set())
    return row


@rule(
    "R.restated",
    "A figure restated in the narrative is the same figure: a numbered item's amount (…（项）x 万元) equals its "
    "own 支出决算为 x; the 政府性基金 and 国有资本经营 sections' 项 amounts and income equal T8 / T9.",
    family="review",
    needs="the report's text (narrative items); line_items T8, T9",
)
@_reads_text
def r_restated(report: Report):
    n = 0
    for p in _paras(report):
        t = p.text
        for m in ITEM_AMOUNT_RE.finditer(t):
            f = ITEM_FINAL_RE.search(t, m.end())
            nxt = ITEM_AMOUNT_RE.search(t, m.end())
            if not f or (nxt and nxt.start() < f.start()):
                continue
            a = _nfig(m.group("num"), _ref(p, m.start()), "the item's amount")
            b = _nfig(f.group("num"), _ref(p, f.start()), "its 支出决算")
            n += 1
            res = restate_check(a, b, what=f"“{_q(t, m.start() - 12, f.end(), 8)}”", refs=_ref(p, m.start()))
            yield _guard_text(res, p)
    for table, word in FUND_SECTIONS.items():
        state = report.table_state(table)
        rows = rows_of(report, table) if state == "data" else []
        items = {compact(r.label): r for r in rows if r.level == "项"}
        total = total_row(rows)
        for p in _paras(report):
            if word not in p.section or "决算表" in p.section or "名词解释" in p.part:
                continue
            t = p.text
            for m in re.finditer(rf"(?P<name>[^（()）、，。；]+)[（(]项[)）]\s*(?P<num>{NUM})\s*万元", t):
                row = items.get(compact(m.group("name")))
                if row is None or not row.has("total"):
                    continue
                row = _settled(row)
                n += 1
                yield _guard_text(
                    restate_check(
                        _nfig(m.group("num"), _ref(p, m.start()), f"the narrative's {m.group('name')}"),
                        row.fig(table, "total", f"{table} {row.name} 支出"),
                        what=f"{word} “{_q(t, m.start(), m.end(), 10)}” against {table}",
                    ),
                    p,
                )
                f = ITEM_FINAL_RE.search(t, m.end())
                if f and f.group("num") != m.group("num"):
                    n += 1
                    yield _guard_text(
                        restate_check(
                            _nfig(f.group("num"), _ref(p, f.start()), "its 支出决算"),
                            row.fig(table, "total", f"{table} {row.name} 支出"),
                            what=f"{word} “{_q(t, f.start(), f.end(), 10)}” against {table}",
                        ),
                        p,
                    )
            for m in re.finditer(rf"{word}预算财政拨款收入\s*(?P<num>{NUM})\s*万元", t):
                if total is None or total.cells.get("income") is None:
                    continue
                n += 1
                yield _guard_text(
                    restate_check(
                        _nfig(m.group("num"), _ref(p, m.start()), "the narrative's income"),
                        total.fig(table, "income", f"{table} 合计 本年收入"),
                        what=f"{word} “{_q(t, m.start(), m.end(), 6)}” against {table}",
                    ),
                    p,
                )
    if not n:
        yield not_applicable(
            "no numbered item restating its amount, and no 政府性基金/国有资本经营 figure matched to T8/T9"
        )


# ---------------------------------------------------------------------------------------------
# Required disclosures


def _three_public_text(report: Report) -> str:
    return "".join(
        p.text for p in _paras(report) if "三公" in p.section and "名词解释" not in p.part and "：指" not in p.text
    )


def _tp_final(report: Report, *items: str) -> float | None:
    tp = report.frame("three_public")
    if not len(tp):
        return None
    read = [val(v) for v in tp[tp["item"].isin(items)]["final_wan"]]
    vals = [v for v in read if v is not None]
    return max(vals) if vals else None


# 国内公务接待 批次 and 人次: `2 批次、24 人次`, `接待批次 1 次、接待 15 人次`. The people of a count are the
# first 人次 after its 批次 (before the next 批次), never the 陪同 (escorts) nor the 出国 团组's 人次.
BATCH_RE = re.compile(r"(?<![\d.])(?P<n>\d+)\s*批次?|批次\s*(?P<m>\d+)\s*次")
PEOPLE_RE = re.compile(r"(?<![\d.])(?<!陪同)(?<!陪同\s)(?P<n>\d+)\s*人次")
FOREIGN_RE = re.compile(r"外宾|外事|外国|国际|境外|国[（(]境[)）]外")


def _reception_counts(text: str, reception: float) -> Result:
    """Does the 三公 text give the 批次 and 人次 of domestic receptions? Counts are read clause by clause
    (a sentence up to 。/；); a count is foreign when its clause, from its start or its last 其中/含, names
    外宾 / 外事 / 国际 / 国（境）外."""
    domestic, foreign, half = [], [], []
    for seg in re.split(r"(?<=[。；;])", text):
        batches = list(BATCH_RE.finditer(seg))
        for k, b in enumerate(batches):
            end = batches[k + 1].start() if k + 1 < len(batches) else len(seg)
            people = PEOPLE_RE.search(seg, b.end(), end)
            start = max(seg.rfind("其中", 0, b.start()), seg.rfind("含", 0, b.start()), 0)
            count = (int(b.group("n") or b.group("m")), int(people.group("n")) if people else None)
            quote = _q(seg, b.start(), people.end() if people else b.end(), 16)
            if FOREIGN_RE.search(seg[start : b.start()]):
                foreign.append((count, quote))
            elif people is None:
                half.append((count, quote))
            else:
                domestic.append((count, quote))
    what = f"公务接待费 {reception:g} 万元 was spent"
    if any(c[0] > 0 for c, _ in domestic):
        (nb, npl), quote = next((c, q) for c, q in domestic if c[0] > 0)
        return Result(
            "pass", f"{what}, with its domestic 批次 and 人次 ({nb} 批次, {npl} 人次: “{quote}”)", None, reception
        )
    if domestic and not any(c[0] > 0 for c, _ in foreign):
        quote = domestic[0][1]
        return Result(
            "fail",
            f"{what}, but the only receptions counted are 0 批次 (“{quote}”): the money and the count disagree",
            None,
            reception,
            None,
        )
    if domestic:
        return Result(
            "pass", f"{what}: foreign receptions only, domestic counted as 0 (“{domestic[0][1]}”)", None, reception
        )
    if half:
        return Result(
            "fail",
            f"{what}, but the 三公 section gives the 批次 of the domestic receptions without their 人次 "
            f"(“{half[0][1]}”)",
            None,
            reception,
            None,
        )
    if foreign:
        return Result(
            "fail",
            f"{what}, but only 外宾 receptions are counted (“{foreign[0][1]}”): domestic 批次/人次 missing",
            None,
            reception,
            None,
        )
    return Result(
        "fail",
        f"{what}, but the 三公 section states no count of the domestic receptions (批次 and 人次)",
        None,
        reception,
        None,
    )


@rule(
    "R.disclosures",
    "What a 部门决算 must say is said: with 公务接待费 spent, the 批次 and 人次 of domestic receptions, read "
    "clause by clause (the 人次 after the same 批次; not 陪同, not 外宾 or 出国 counts; 0 批次 with money spent "
    "disagrees); with 公务用车 money spent, the number of vehicles (保有量); in the nine-table template, 机关运行经费, "
    "政府采购, 国有资产占用 (vehicles, equipment), 名词解释, and a sentence for each fund table printed empty.",
    severity="warning",
    family="review",
    needs="the report's text (三公 section); three_public; narrative_facts; reports.template",
)
@_reads_text
def r_disclosures(report: Report):
    if not _has_narrative(report):
        yield not_applicable(
            "the file holds the tables and no narrative (a workbook of the 公开表, say); what the narrative must "
            "disclose is judged where the narrative is published"
        )
        return
    text = _three_public_text(report)
    n = 0
    reception = _tp_final(report, "reception")
    if reception is not None and reception > SETTINGS.eps:
        n += 1
        yield _reception_counts(text, reception)
    vehicles = _tp_final(report, "vehicle_total", "vehicle_operation", "vehicle_purchase")
    if vehicles is not None and vehicles > SETTINGS.eps:
        n += 1
        if re.search(r"保有量|公务用车\S{0,6}\d+\s*辆", text):
            yield Result("pass", f"公务用车 {vehicles:g} 万元 with the number of vehicles", None, vehicles)
        else:
            yield Result(
                "fail",
                f"公务用车 {vehicles:g} 万元 was spent, but the 三公 section does not state how many vehicles (保有量)",
                None,
                vehicles,
                None,
            )
    row = report.reports_row or {}
    if "nine" in str(row.get("template") or ""):
        body = "".join(p.text for p in _paras(report) if "名词解释" not in p.part)
        whole = compact(report.doc.text) if report.doc is not None else body  # wrapped lines joined
        facts = report.frame("narrative_facts")
        n += 1
        stated = len(facts) and (facts["topic"] == "running_cost").any()
        if stated or "机关运行经费" in body:
            yield Result("pass", "机关运行经费 is stated")
        else:
            yield Result(
                "fail", "the narrative says nothing of 机关运行经费 (a required part of a 部门决算)", None, None, None
            )
        # The template's other required parts (shared/corpus/reference): 政府采购, 国有资产占用, 名词解释, and a
        # word for each table printed empty (政府性基金 / 国有资本经营: 本单位无…).
        for what, pattern in (
            ("政府采购支出", r"政府采购"),
            ("国有资产占用情况 (车辆、设备)", r"国有资产|资产占用|车辆\d|\d+辆"),
            ("名词解释", r"名词解释"),
        ):
            n += 1
            if re.search(pattern, whole):
                yield Result("pass", f"{what} is stated")
            else:
                yield Result(
                    "fail", f"the report says nothing of {what} (a required part of a 部门决算)", None, None, None
                )
        for code, fund in (("T8", "政府性基金"), ("T9", "国有资本经营")):
            if code in list(row.get("tables_empty") or []):
                n += 1
                if re.search(rf"(无|没有|未)[^。]{{0,12}}{fund}", whole) or "本表无数据" in whole or "故本表" in whole:
                    yield Result("pass", f"{code} is printed empty and the report says there was no {fund} money")
                else:
                    yield Result(
                        "fail",
                        f"{code} is printed empty but the report never says there was no {fund} "
                        "money (the template asks for a sentence)",
                        None,
                        None,
                        None,
                    )
    if not n:
        yield not_applicable("no 公务接待 or 公务用车 money spent and not the nine-table template")


# ---------------------------------------------------------------------------------------------
# A required table absent altogether

# Each table's printed note (注：本表反映…): a table whose note is printed was printed, title or not.
TABLE_NOTES = {
    "T1": r"本表反映[^。]{0,12}总收支和年末结转结余",
    "T2": r"本表反映[^。]{0,12}取得的各项收入",
    "T3": r"本表反映[^。]{0,12}各项支出情况",
    "T4": r"本表反映[^。]{0,12}财政拨款[^。]{0,60}总收?支",
    "T5": r"本表反映[^。]{0,12}一般公共预算财政拨款支出情况",
    "T6": r"本表反映[^。]{0,12}基本支出明细",
    "T7": r"本表反映[^。]{0,12}三公[^。]{0,2}经费",
    "T8": r"本表反映[^。]{0,12}政府性基金预算财政拨款收入",
    "T9": r"本表反映[^。]{0,12}国有资本经营预算财政拨款",
}
NOT_READ_NOTES = ("title printed", "present but not read", "no ruled table found")
# Words of each table's title in any wording: a short line outside the contents holding them and 表, which the
# catalog did not take for a title, may be the table's title in words we do not know.
TABLE_TITLE_WORDS = {
    "T1": r"收入?支出?决算总表",
    "T2": r"收入决算",
    "T3": r"支出决算",
    "T4": r"财政拨款收入?支出?决算总",
    "T5": r"一般公共预算财政拨款支出",
    "T6": r"基本支出",
    "T7": r"三公",
    "T8": r"政府性基金",
    "T9": r"国有资本经营",
}
SKIPPED_NOTE = "no recognisable title or header was skipped"


def _title_in_other_words(report: Report, code: str) -> str | None:
    """A short line after the contents that may be the table's title in other words (`line 530`)."""
    doc = report.doc
    assert doc is not None, "_title_in_other_words is read only by rules under @_reads_text"
    for ln in doc.lines[contents_end(doc.lines) :]:
        t = compact(ln.text)
        if len(t) <= 40 and "表" in t and not re.search(r"[，。；]", t) and re.search(TABLE_TITLE_WORDS[code], t):
            if match_title(ln.text) is None:
                return ln.ref
    return None


def _contents_entry(report: Report, code: str) -> str | None:
    """Where the report's contents (目录) list a table, e.g. `line 15`."""
    doc = report.doc
    assert doc is not None, "_contents_entry is read only by rules under @_reads_text"
    end = contents_end(doc.lines) or min(len(doc.lines), 80)
    pattern = BY_CODE[code].title_re
    for ln in doc.lines[:end]:
        t = clean_title(re.sub(r"[.…·．]{3,}\s*\d*\s*$", "", ln.text))
        if len(t) <= 40 and pattern.search(t) and match_title(ln.text) in (code, None):
            return ln.ref
    return None


@rule(
    "R.tables_absent",
    "Every table of the report's template is printed (with figures, or empty with a note such as 本单位无…): a "
    "table whose title and body are both absent from the report is a missing disclosure. A table whose title is "
    "printed but which could not be read is not a defect of the report (`insufficient_data`), nor is a table "
    "absent from a text copy that may have lost pages in conversion.",
    family="review",
    needs="reports (template, tables_found, tables_missing, notes); the report's text (contents, page breaks, notes)",
)
@_reads_text
def r_tables_absent(report: Report):
    row = report.reports_row or {}
    template = sval(row.get("template"))
    required = TEMPLATE_TABLES.get(template or "")
    if not required:
        yield not_applicable(f"no known template ({template or 'none'}): nothing to require")
        return
    doc = report.doc
    assert doc is not None
    found = [c for c in required if c in list(row.get("tables_found") or [])]
    missing = [c for c in required if c not in found]
    notes = [str(n) for n in list(row.get("notes") or [])]
    empty = [c for c in found if c in list(row.get("tables_empty") or [])]
    if found:
        yield Result(
            "pass",
            f"{len(found)} of the {len(required)} tables of the template printed: {', '.join(found)}"
            + (f" ({', '.join(empty)} printed empty)" if empty else ""),
        )
    if not missing:
        return
    whole = compact(doc.text)
    paged = any(ln.page is not None for ln in doc.lines)
    pages = {ln.page for ln in doc.lines if ln.page is not None}
    last_page = max(doc.n_pages or 0, max(pages, default=0))  # a PDF page without text has no lines at all
    blank_pages = [p for p in range(1, last_page + 1) if not any(ln.text.strip() for ln in doc.lines if ln.page == p)]
    unknown = [c for c in list(row.get("tables_other") or []) if str(c).startswith("X")]
    unknown += ["a ruled table skipped (see notes)" for n in notes if SKIPPED_NOTE in n][:1]
    for code in missing:
        name = f"{code} {TABLE_TITLES.get(code, code)}"
        not_read = [
            n.split(": ", 1)[1] for n in notes if n.startswith(f"{code}: ") and any(w in n for w in NOT_READ_NOTES)
        ]
        listed = _contents_entry(report, code)
        listed_txt = f" (the contents list it at {listed})" if listed else ""
        if not_read:
            yield insufficient(f"{name}: printed but not read ({not_read[0]}): a reading problem, not a missing table")
            continue
        if code in TABLE_NOTES and re.search(TABLE_NOTES[code], whole):
            yield insufficient(
                f"{name}: its note (注：本表反映…) is printed but neither its title nor its table was read: the table "
                "is there in some form, not absent"
            )
            continue
        why = None
        if code in TABLE_TITLE_WORDS and (maybe := _title_in_other_words(report, code)):
            why = f"{maybe} may be its title in other words (not recognised as one); check the page"
        elif not paged:
            why = (
                "this text copy has no page breaks, so a page lost in its conversion cannot be told from a table "
                "never published; check the published PDF"
            )
        elif blank_pages:
            why = f"page(s) {', '.join(map(str, blank_pages[:5]))} have no text (images?); the table may be there"
        elif unknown:
            why = f"the report prints tables this project could not identify ({', '.join(unknown)}); one may be it"
        elif len(missing) > len(required) // 2:
            why = f"{len(missing)} of the {len(required)} tables are absent: a fragment, or another template"
        if why:
            yield insufficient(f"{name}: neither its title nor its table is in the file{listed_txt}; {why}")
            continue
        yield Result(
            "fail",
            f"{name} is absent: neither its title nor its table is printed{listed_txt}, while the template requires "
            "every table (one with nothing to report is printed empty, with a note such as 本单位无…)",
            None,
            None,
            listed,
            from_text=True,
        )


# ---------------------------------------------------------------------------------------------
# A figure the narrative states and the table leaves blank

# Layouts whose blank cells are printed blanks: every one that keeps cell positions (a PDF's ruled
# tables, a workbook, Word, a web page; tables.reading), but not OCR, which may have missed a figure.
POSITIONAL = tuple(layout for layout in POSITIONAL_LAYOUTS if layout != "OCR")


def _t7_row_figures(report: Report) -> tuple[list[tuple[str, float]], str] | None:
    """The figures T7's one row prints, in order, as the text shows them (a single-space text copy keeps no
    column positions: a blank cell leaves no trace), with the row's line; None when the row is not on
    one line of the text."""
    t7 = report.table("T7")
    refs = {sval(r) for r in t7["source_ref"]} if len(t7) else set()
    if len(refs) != 1 or report.doc is None:
        return None
    ref = refs.pop()
    toks = [t for ln in report.doc.lines if ln.ref == ref for t in ln.text.split()]
    figs = [(t, amount_of(t)) for t in toks if is_amount(t)]
    if not figs or len(figs) < len(toks) - 1:  # words among the figures: not the row alone
        return None
    return figs, f"T7 {ref}"


def _printed_in(v: float, text: str | None, figs: list[tuple[str, float]]) -> bool:
    """Is the narrative's figure v (printed with its own decimals) one of the row's figures?"""
    half = half_unit(printed_decimals(v, text))
    return any(abs(f - v) <= half + half_unit(_decimals(t)) + SETTINGS.eps for t, f in figs)


def _table_blank_unpositioned(nar, figs: list[tuple[str, float]], ref: str):
    """R.table_blank where the text kept no column positions: a stated figure printed nowhere in T7's row,
    in a row that leaves cells blank, is a blank cell (or a figure printed in its place is not the
    narrative's: either way the table does not show it)."""
    width = len(THREE_PUBLIC_COLUMNS)
    shown = " ".join(t for t, _ in figs)
    n = 0
    for r in nar.itertuples(index=False):
        for col, v in (("budget", val(r.budget_wan)), ("final", val(r.final_wan))):
            if v is None or abs(v) < SETTINGS.eps:
                continue
            what = f"{THREE_PUBLIC_NAMES.get(r.item, r.item)} {'预算数' if col == 'budget' else '决算数'}"
            where = f"narrative {sval(r.source_ref)}; {ref}"
            n += 1
            if _printed_in(v, sval(r.source_text), figs):
                yield Result(
                    "pass", f"{what}: stated {v:g} in the narrative, printed in T7's row ({shown})", v, v, where
                )
            elif len(figs) >= width:
                yield not_applicable(
                    f"{what}: stated {v:g}, not among T7's figures, but the row prints all {width} cells: a "
                    "different figure, not a blank (the narrative-against-table checks judge it)",
                    where,
                )
            else:
                yield Result(
                    "fail",
                    f"{what}: the narrative states {v:g} 万元 (“{(sval(r.source_text) or '')[:60]}”), but T7's row "
                    f"prints {len(figs)} of its {width} cells ({shown}) and no {v:g} among them: the cell is "
                    "left blank, which reads as no such money",
                    v,
                    0.0,
                    where,
                    from_text=True,
                )
    if not n:
        yield not_applicable("no non-zero 三公 figure stated in the narrative")


@rule(
    "R.table_blank",
    "A 三公 figure the narrative states (non-zero) is printed in T7 too: a T7 cell left blank where the "
    "narrative gives the figure reads as “no such money” (a 预算数 deleted from its table). Where the text kept "
    "no column positions (single-space copies), the figure must be among the figures T7's row prints.",
    severity="warning",
    family="review",
    needs="three_public (narrative), line_items T7, table_readings (layout); the report's text for a row without "
    "positions",
)
def r_table_blank(report: Report):

    tp = report.frame("three_public")
    nar = tp[tp["source"] == "narrative"] if len(tp) else tp
    if not len(nar):
        yield not_applicable("the narrative states no 三公 figure")
        return
    tr = report.frame("table_readings")
    layout = str(tr[tr["table"] == "T7"]["layout"].iloc[0]) if len(tr) and (tr["table"] == "T7").any() else ""
    row = _t7_row_figures(report) if layout and not layout.startswith(POSITIONAL) else None
    if row is not None:  # figures not placed leave cells blank in line_items: the row's own text decides
        yield from _table_blank_unpositioned(nar, *row)
        return
    if report.table_state("T7") != "data":
        yield not_applicable(f"T7 is {report.table_state('T7')}")
        return
    if not layout.startswith(POSITIONAL):
        yield not_applicable(
            f"T7 was read from a layout that keeps no column positions ({layout or 'unknown'}) and its row is "
            "not on one line of the text: a blank there may be ours"
        )
        return
    figs, t7ref = t7_figs(report)
    n = 0
    for r in nar.itertuples(index=False):
        for col, v in (("budget", val(r.budget_wan)), ("final", val(r.final_wan))):
            if (
                v is None
                or abs(v) < SETTINGS.eps
                or f"{col}_{r.item}" not in figs
                and r.item in THREE_PUBLIC_PARTS["vehicle_total"]
            ):
                continue
            cell = figs.get(f"{col}_{r.item}")
            what = f"{THREE_PUBLIC_NAMES.get(r.item, r.item)} {'预算数' if col == 'budget' else '决算数'}"
            ref = f"narrative {sval(r.source_ref)}; {cell.ref if cell else t7ref}"
            n += 1
            if cell is None or cell.blank:
                if cell is not None and cell.doubtful:
                    continue
                yield Result(
                    "fail",
                    f"{what}: the narrative states {v:g} 万元 (“{(sval(r.source_text) or '')[:60]}”), but T7 "
                    "leaves the cell blank, which reads as no such money",
                    v,
                    0.0,
                    ref,
                )
            else:
                yield Result(
                    "pass", f"{what}: stated {v:g} in the narrative, printed {cell.value:g} in T7", v, cell.value, ref
                )
    if not n:
        yield not_applicable("no non-zero 三公 figure stated in the narrative")
