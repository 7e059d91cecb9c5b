"""Rules on the narrative (情况说明): its figures against the tables, and its printed rates recomputed.

Reads budget_execution, three_public and narrative_facts (see schema.py) plus line_items. A
narrative figure is compared at the precision it was printed with (`4.9` restating a table's
`4.89` is a pass); the printed precision is read from the sentence (`source_text`).

Rates are recomputed from the printed amounts:
- completion (完成预算 x%): final / budget; a zero budget makes the rate undefined (not_applicable);
- year-on-year change (增长/下降 x%): prior = current − change, rate = change / prior;
- share (占 x%): part / whole.
The printed amounts allow a range of rates (each amount ± half a unit of its last printed digit);
the printed rate passes when it lies in that range widened by its own rounding.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from ..core.normalize import compact
from ..core.settings import SETTINGS
from ..core.vocabulary import (
    CLASS_NAMES,
    T6_SUBTOTALS,
    THREE_PUBLIC_NAMES,
    THREE_PUBLIC_TEXT_WORDS,
    THREE_PUBLIC_TOPIC_ITEMS,
    Table,
)
from ..narrative.amounts import percents
from ..narrative.facts import Fact, continues_previous, lead_total, share_words, stated_finals
from .common import (
    find_row,
    rows_of,
    side_rows,
    t5_class_amounts,
    t6_rows,
    t7_cell,
    t7_figs,
    table_unavailable,
    total_row,
)
from .rules import (
    TRUNCATION_SEVERITY,
    Fig,
    Report,
    Result,
    equal_check,
    fmt,
    fmt_pct,
    half_unit,
    insufficient,
    join_refs,
    narrative_fig,
    not_applicable,
    printed_decimals,
    rate_check,
    ratio_interval,
    rule,
    sum_check,
    sval,
    val,
)


def _nref(ref: str | None) -> str | None:
    return f"narrative {ref}" if ref else None


def _pct_fig(value: float, text: str | None) -> float:
    """Half-unit of a printed percentage (100% → 0.5, 99.3% → 0.05, 90.66% → 0.005)."""
    d = None
    if text:
        for tok in percents(str(text)):
            if abs(float(tok) - abs(value)) < SETTINGS.same_number:
                dd = len(tok.split(".")[1]) if "." in tok else 0
                d = dd if d is None else max(d, dd)
    if d is None:
        d = printed_decimals(abs(value), None)
    return half_unit(d)


def _short(text: str | None, n: int = 70) -> str:
    t = compact(str(text or ""))
    return t if len(t) <= n else t[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Completion rates (budget_execution)


@rule(
    "N.rate_completion",
    "Every printed completion rate (完成年初预算/全年预算的 x%) equals final ÷ budget as printed, within the rounding "
    "of the three figures; undefined against a zero budget.",
    family="within-narrative",
    needs="budget_execution",
)
def n_rate_completion(report: Report):
    be = report.frame("budget_execution")
    rows = be[be["rate_printed_pct"].notna()] if len(be) else be
    if not len(rows):
        yield not_applicable("no completion rate printed (budget_execution has no rate_printed_pct)")
        return
    for r in rows.itertuples(index=False):
        text = sval(r.source_text)
        where = f"{_subject(r)} ({sval(r.budget_basis) or '预算'}; “{_short(text)}”)"
        ref = _nref(sval(r.source_ref))
        printed = float(r.rate_printed_pct)
        b, f = val(r.budget_wan), val(r.final_wan)
        if b is None or f is None:
            yield insufficient(
                f"{where}: rate {fmt_pct(printed)} printed but the {'budget' if b is None else 'outturn'} "
                "was not read, so it cannot be recomputed",
                ref,
            )
            continue
        scale = 10000.0 if sval(getattr(r, "unit_printed", None)) == "元" else 1.0
        bf = narrative_fig(b * scale, text, ref, "budget")
        ff = narrative_fig(f * scale, text, ref, "final")
        if abs(b) < SETTINGS.eps:
            yield not_applicable(f"{where}: budget 0, a completion rate is undefined (printed {fmt_pct(printed)})", ref)
            continue
        iv = ratio_interval(ff, bf)
        if iv is None:
            yield not_applicable(f"{where}: budget {fmt(b)} too small for its rounding; rate undefined", ref)
            continue
        central = 100 * f / b
        res = rate_check(
            printed,
            _pct_fig(printed, text),
            iv[0],
            iv[1],
            central,
            what=f"completion rate of {where}: final {fmt(f)} ÷ budget {fmt(b)}",
            refs=ref,
        )
        yield res


def _subject(r) -> str:
    code, name, level = sval(getattr(r, "code", None)), sval(getattr(r, "name", None)), sval(getattr(r, "level", None))
    s = " ".join(x for x in (code, name) if x) or (level or "figure")
    return f"{level} {s}" if level and level not in ("overall",) and not s.startswith(level) else s


# ---------------------------------------------------------------------------------------------
# Class / item amounts in the narrative against T5 (T4, T1 where T5 is missing)


def _t5_code_fig(report: Report, code: str) -> Fig | None:
    """T5 amount for a function code: the 类 amounts (Σ lower rows where no 类 row), else the row."""
    if len(code) == 3:
        return t5_class_amounts(report).get(code)
    for r in rows_of(report, Table.T5):
        if r.code == code:
            return r.fig(Table.T5, "total", f"T5 {code} {r.label}")
    return None


def _class_fallback(report: Report, code: str) -> Fig | None:
    for t, m in ((Table.T4, "general_budget"), (Table.T1, "final")):
        if report.table_state(t) != "data":
            continue
        for r in side_rows(rows_of(report, t), "expenditure"):
            if r.code == code:
                return r.fig(t, m, f"{t} {r.label}")
    return None


@rule(
    "NX.class_amount",
    "Every 类/款/项 outturn the narrative states (支出决算为 x 万元) equals the table's: T5 for the code (T4 or T1 "
    "class line where T5 is missing).",
    family="narrative-vs-table",
    needs="budget_execution (level 类/款/项 with code), line_items T5/T4/T1",
)
def nx_class_amount(report: Report):
    be = report.frame("budget_execution")
    rows = be[be["level"].isin(["类", "款", "项"]) & be["final_wan"].notna()] if len(be) else be
    if not len(rows):
        yield not_applicable("the narrative states no class/item outturn (budget_execution has no 类/款/项 rows)")
        return
    for r in rows.itertuples(index=False):
        code, text, ref = sval(r.code), sval(r.source_text), _nref(sval(r.source_ref))
        nf = narrative_fig(
            float(r.final_wan),
            text,
            ref,
            f"narrative {r.level} {code or ''} {sval(r.name) or ''} outturn".replace("  ", " "),
        )
        if not code:
            yield insufficient(
                f"narrative {r.level} “{sval(r.name)}” {fmt(nf.value)}: its function code could not be "
                "resolved from the name, so it cannot be matched to a table row",
                ref,
            )
            continue
        tf = _t5_code_fig(report, code) if report.table_state(Table.T5) == "data" else None
        if tf is None and len(code) == 3:
            tf = _class_fallback(report, code)
        if tf is None:
            why = report.missing_msg(Table.T5) or f"no T5 row for {code}"
            yield insufficient(f"narrative {code} {sval(r.name)} {fmt(nf.value)}: {why}", ref)
            continue
        res = equal_check(
            nf,
            tf,
            what=f"{r.level} {code} {CLASS_NAMES.get(code, sval(r.name) or '')} outturn, narrative against table",
            refs=join_refs(ref, tf.ref),
        )
        if res.outcome == "fail":
            res = _explain_amount(report, res, nf, tf, code)
        yield res


def _explain_amount(report: Report, res: Result, nf: Fig, tf: Fig, code: str) -> Result:
    """Name a likely cause: transposed digits, or the sum of same-named rows."""
    a = f"{nf.value:.2f}".replace(".", "")
    b = f"{tf.value:.2f}".replace(".", "")
    if len(a) == len(b) and sorted(a) == sorted(b) and sum(x != y for x, y in zip(a, b)) == 2:
        res.message += " — the same digits transposed, a typing error in the narrative"
        return res
    if len(code) == 7 and report.table_state(Table.T5) == "data":
        rows = rows_of(report, Table.T5)
        me = next((r for r in rows if r.code == code), None)
        if me is not None:
            same = [
                r
                for r in rows
                if r.code and len(r.code) == 7 and r.label == me.label and r.cells.get("total") is not None
            ]
            s = sum(r.cells["total"] for r in same)
            if len(same) > 1 and abs(s - nf.value) <= nf.half + SETTINGS.rounding_wan * len(same) + SETTINGS.eps:
                parts = " + ".join(f"{r.code} {fmt(r.cells['total'])}" for r in same)
                res.message += (
                    f" — it equals the sum of the same-named 项 {parts} = {fmt(s)}: "
                    f"the narrative attributes both to {code}"
                )
                res.severity = "warning"
    return res


# ---------------------------------------------------------------------------------------------
# 三公 in the narrative


def _tp(report: Report, source: str) -> dict[str, tuple[Fig, Fig]]:
    tp = report.frame("three_public")
    out: dict[str, tuple[Fig, Fig]] = {}
    if not len(tp):
        return out
    for r in tp[tp["source"] == source].itertuples(index=False):
        item = sval(r.item)
        assert item is not None, "three_public.item is one of THREE_PUBLIC_ITEMS, never null (DATA_CONTRACT)"
        if item in out:
            continue
        text, ref = sval(r.source_text), sval(r.source_ref)
        ref = _nref(ref) if source == "narrative" else (f"T7 {ref}" if ref and not ref.startswith("T") else ref)
        label = f"{'narrative' if source == 'narrative' else 'T7'} {THREE_PUBLIC_NAMES.get(item, item)}"
        mk = (
            narrative_fig
            if source == "narrative"
            else (lambda v, t, rf, lb: Fig(None if v is None or pd.isna(v) else float(v), rf, lb))
        )
        out[item] = (
            mk(val(r.budget_wan), text, ref, f"{label} budget"),
            mk(val(r.final_wan), text, ref, f"{label} outturn"),
        )
    return out


def _t7_pairs(report: Report) -> dict[str, tuple[Fig, Fig]]:
    figs, _ = t7_figs(report)
    return {
        item: (
            t7_cell(figs, "budget", item, f"T7 {THREE_PUBLIC_NAMES[item]} 预算数"),
            t7_cell(figs, "final", item, f"T7 {THREE_PUBLIC_NAMES[item]} 决算数"),
        )
        for item in THREE_PUBLIC_NAMES
    }


@rule(
    "NX.three_public",
    "The 三公 figures the narrative states (budget and outturn of 合计, 出国, 公务用车 and its 购置/运行, 接待) equal "
    "T7's.",
    family="narrative-vs-table",
    needs="three_public (source narrative), line_items T7",
)
def nx_three_public(report: Report):
    nar = _tp(report, "narrative")
    if not nar:
        yield not_applicable("the narrative states no 三公 figure (three_public has no narrative rows)")
        return
    bad = table_unavailable(report, Table.T7)
    if bad:
        yield bad
        return
    tab = _t7_pairs(report)
    for item, (nb, nf) in nar.items():
        tb, tf = tab.get(item, (None, None))
        for n, t, what in ((nb, tb, "budget"), (nf, tf, "outturn")):
            if n.blank or t is None:
                continue
            yield equal_check(
                n,
                t,
                what=f"三公 {THREE_PUBLIC_NAMES.get(item, item)} {what}, narrative against T7",
                refs=join_refs(n.ref, t.ref),
            )


@rule(
    "N.three_public_sum",
    "In the narrative, the 三公 合计 = 出国 + 公务用车 + 接待 and 公务用车 = 购置 + 运行, for budget and outturn "
    "where all are stated.",
    family="within-narrative",
    needs="three_public (source narrative)",
)
def n_three_public_sum(report: Report):
    nar = _tp(report, "narrative")
    if not nar:
        yield not_applicable("the narrative states no 三公 figure")
        return

    def stated(*figs):
        return all(x is not None and not x.blank for x in figs)

    ran = False
    for k, word in ((0, "budget"), (1, "outturn")):

        def g(item):
            return nar[item][k] if item in nar else None

        tot, ov, vt, rc = g("total"), g("overseas"), g("vehicle_total"), g("reception")
        if stated(tot, ov, vt, rc):
            ran = True
            yield sum_check(tot, [ov, vt, rc], what=f"narrative 三公 {word}: 合计 = 出国 + 公务用车 + 接待")
        vp, vo = g("vehicle_purchase"), g("vehicle_operation")
        if stated(vt, vp, vo):
            ran = True
            yield sum_check(vt, [vp, vo], what=f"narrative 三公 {word}: 公务用车 = 购置 + 运行")
    if not ran:
        yield not_applicable("the narrative does not state every part of a 三公 sum")


# ---------------------------------------------------------------------------------------------
# narrative_facts against the tables


def _tcell(report: Report, table: str, side: str | None, keys: tuple[str, ...], measure: str, label: str) -> Fig | None:
    if report.table_state(table) != "data":
        return None
    rows = rows_of(report, table)
    if side:
        rows = side_rows(rows, side)
    r = total_row(rows) if keys == ("合计",) else find_row(rows, *keys)
    if r is None or measure not in r.cells:
        return None
    return r.fig(table, measure, label)


def _t6_total(report: Report, which: str) -> Fig | None:
    if report.table_state(Table.T6) != "data":
        return None
    _, pers, pub, _ = t6_rows(report)
    r = pers if which == "personnel" else pub
    return r.fig(Table.T6, "final", f"T6 {T6_SUBTOTALS[which]}") if r else None


# topic -> the table cells the sentence restates (any one of them; listed in order of preference)
FACT_TARGETS = {
    "grand_total": lambda R: [_tcell(R, Table.T1, "income", ("总计",), "final", "T1 总计")],
    "income_total": lambda R: [
        _tcell(R, Table.T1, "income", ("本年收入合计",), "final", "T1 本年收入合计"),
        _tcell(R, Table.T2, None, ("合计",), "total", "T2 合计"),
    ],
    "expenditure_total": lambda R: [
        _tcell(R, Table.T1, "expenditure", ("本年支出合计",), "final", "T1 本年支出合计"),
        _tcell(R, Table.T3, None, ("合计",), "total", "T3 合计"),
    ],
    "fiscal_income": lambda R: [
        _tcell(R, Table.T2, None, ("合计",), "fiscal", "T2 合计 财政拨款收入"),
        _tcell(R, Table.T4, "income", ("本年收入合计",), "final", "T4 本年收入合计"),
    ],
    "fiscal_grand_total": lambda R: [_tcell(R, Table.T4, "income", ("总计",), "final", "T4 总计")],
    "general_budget_expenditure": lambda R: [
        _tcell(R, Table.T5, None, ("合计",), "total", "T5 合计"),
        _tcell(R, Table.T4, "expenditure", ("本年支出合计",), "general_budget", "T4 本年支出合计 一般公共预算"),
        _tcell(R, Table.U4, None, ("合计",), "total", "U4 合计"),
    ],
    "basic_expenditure": lambda R: [
        _tcell(R, Table.T3, None, ("合计",), "basic", "T3 合计 基本支出"),
        _tcell(R, Table.T5, None, ("合计",), "basic", "T5 合计 基本支出"),
        _tcell(R, Table.U4, None, ("合计",), "basic", "U4 合计 基本支出"),
    ],
    "project_expenditure": lambda R: [
        _tcell(R, Table.T3, None, ("合计",), "project", "T3 合计 项目支出"),
        _tcell(R, Table.T5, None, ("合计",), "project", "T5 合计 项目支出"),
        _tcell(R, Table.U4, None, ("合计",), "project", "U4 合计 项目支出"),
    ],
    "personnel_cost": lambda R: [_t6_total(R, "personnel")],
    "public_cost": lambda R: [_t6_total(R, "public")],
}
# names the narrative parser may use for the same topics
TOPIC_ALIASES = {
    "total": "grand_total",
    "grand_total": "grand_total",
    "income_expenditure_total": "grand_total",
    "income_total": "income_total",
    "expenditure_total": "expenditure_total",
    "fiscal_income": "fiscal_income",
    "fiscal_appropriation_income": "fiscal_income",
    "fiscal_total": "fiscal_grand_total",
    "fiscal_grand_total": "fiscal_grand_total",
    "general_budget_expenditure": "general_budget_expenditure",
    "general_budget_total": "general_budget_expenditure",
    "fiscal_expenditure": "general_budget_expenditure",
    "basic_expenditure": "basic_expenditure",
    "project_expenditure": "project_expenditure",
    "personnel_cost": "personnel_cost",
    "personnel_expenditure": "personnel_cost",
    "public_cost": "public_cost",
    "public_expenditure": "public_cost",
    "office_cost": "public_cost",
}


def _facts_all(report: Report) -> pd.DataFrame:
    return report.frame("narrative_facts")


def _facts(report: Report) -> pd.DataFrame:
    nf = report.frame("narrative_facts")
    if not len(nf):
        return nf
    return nf[nf["value"].notna()]


# the words that name each total; a subject naming another total's words last is not this total
TOPIC_WORDS = {
    "grand_total": ("总计",),
    "income_total": ("收入合计",),
    "expenditure_total": ("支出合计",),
    "fiscal_income": ("财政拨款收入",),
    "fiscal_grand_total": ("总计",),
    "general_budget_expenditure": ("财政拨款支出",),
    "basic_expenditure": ("基本支出",),
    "project_expenditure": ("项目支出",),
    "personnel_cost": ("人员经费",),
    "public_cost": ("公用经费",),
}
_ALL_WORDS = sorted({w for ws in TOPIC_WORDS.values() for w in ws}, key=len, reverse=True)


def _subject_is_topic(canon: str, subject: str | None) -> bool:
    """The subject names this total: the last total-word it contains is the topic's, and it does not
    name a use of the money (项目支出主要用于X 79.31 is X, not 项目支出)."""
    s = compact(subject or "")
    if not s:
        return True
    if "用于" in s:
        return False
    last = None
    pos = -1
    for w in _ALL_WORDS:
        i = s.rfind(w)
        if i > pos or (i == pos and last is not None and len(w) > len(last)):
            pos, last = i, w
    return last is None or last in TOPIC_WORDS[canon] or any(last in w or w in last for w in TOPIC_WORDS[canon])


def _canon(topic: str | None) -> str | None:
    return TOPIC_ALIASES.get(str(topic)) if topic else None


@rule(
    "NX.totals",
    "Totals the narrative states (收支总计, 收入合计, 支出合计, 财政拨款收入/收支总计, 一般公共预算财政拨款支出, "
    "基本支出, 项目支出, 人员经费, 公用经费) equal the table cell they restate.",
    family="narrative-vs-table",
    needs="narrative_facts, line_items T1–T6",
)
def nx_totals(report: Report):
    facts = _facts(report)
    facts = (
        facts[facts["topic"].map(_canon).notna() & (facts["unit"].fillna("万元") == "万元")] if len(facts) else facts
    )
    if not len(facts):
        yield not_applicable("the narrative states none of these totals (no matching narrative_facts)")
        return
    for r in facts.itertuples(index=False):
        topic = _canon(r.topic)
        assert topic is not None, "facts were filtered above to topics _canon knows"
        text, ref = sval(r.source_text), _nref(sval(r.source_ref))
        if not _subject_is_topic(topic, sval(r.subject)):
            continue  # the amount belongs to another subject named in the same phrase
        nf = narrative_fig(float(r.value), text, ref, f"narrative {sval(r.subject) or topic}")
        cands = [c for c in FACT_TARGETS[topic](report) if c is not None]
        if not cands:
            yield insufficient(
                f"narrative {sval(r.subject) or topic} {fmt(nf.value)} (“{_short(text)}”): "
                f"the table it restates was not read",
                ref,
            )
            continue
        results = [
            equal_check(
                nf, c, what=f"{sval(r.subject) or topic}, narrative against {c.label}", refs=join_refs(ref, c.ref)
            )
            for c in cands
        ]
        ok = [x for x in results if x.outcome == "pass"]
        if ok:
            yield ok[0]
            continue
        best = min(results, key=lambda x: abs((x.found or 0) - (x.expected or 0)))
        if best.outcome == "fail" and best.expected is not None:
            d = printed_decimals(nf.value, text)
            if d < 2 and abs(math.floor(best.expected * 10**d) / 10**d - nf.value) < SETTINGS.same_number:
                best.message += f" — the table's figure cut to {d} decimal{'s' if d != 1 else ''} instead of rounded"
                best.severity = TRUNCATION_SEVERITY
        if len(cands) > 1:
            others = ", ".join(c.label + " " + fmt(c.value) for c in cands if c.label not in best.message)
            best.message += f" (also compared with {others})"
        yield best


# ---------------------------------------------------------------------------------------------
# Year-on-year change rates


def _three_public_current(report: Report, item: str) -> Fig | None:
    """This year's outturn of a 三公 item: the narrative's own figure, else T7's."""
    nar = _tp(report, "narrative")
    if item in nar and not nar[item][1].blank:
        return nar[item][1]
    if report.table_state(Table.T7) == "data":
        f = _t7_pairs(report).get(item)
        if f is not None and not f[1].blank:
            return f[1]
    return None


def _line_no(ref: str | None) -> int | None:
    m = re.search(r"line (\d+)", ref or "")
    return int(m.group(1)) if m else None


def _tp_item_named(subject: str | None, text: str | None) -> str | None:
    """The 三公 item a change statement is about, from its subject (else the start of its sentence)."""
    for src in (subject or "", (text or "")[:40]):
        src = compact(src)
        for word, item in THREE_PUBLIC_TEXT_WORDS:
            if word in src:
                return item
    return None


def _current_level(report: Report, r: Fact, facts: pd.DataFrame) -> tuple[Fig | None, str]:
    """This year's level a change rate refers to, when the fact itself does not carry it:
    (figure or None, where it was found / why not). In order: the outturn stated in the same
    sentence; the 三公 item's outturn; the same total stated elsewhere (or the table)."""
    topic = sval(r.topic)
    ref = sval(r.source_ref)
    text = sval(r.source_text) or ""
    subject = sval(r.subject)
    finals = stated_finals(text)
    if len(finals) == 1:
        v = finals.pop()
        return narrative_fig(
            float(v.replace(",", "")), text, _nref(ref), "current"
        ), "the outturn stated in the same sentence"
    n = _line_no(ref)
    if continues_previous(text):
        tp = report.frame("three_public")
        tp = tp[(tp["source"] == "narrative") & tp["final_wan"].notna()] if len(tp) else tp
        near = [
            t
            for t in tp.itertuples(index=False)
            if n is not None and (_line_no(sval(t.source_ref)) or -99) in range(n - 3, n)
        ]
        if len(near) == 1:
            t = near[0]
            t_item = sval(t.item)
            t_name = THREE_PUBLIC_NAMES.get(t_item, t_item) if t_item is not None else None
            return (
                narrative_fig(
                    float(t.final_wan), sval(t.source_text), _nref(sval(t.source_ref)), f"narrative {t_name} outturn"
                ),
                "the 三公 statement just before",
            )
        return None, "the sentence (“较上年…”) does not say what changed"
    item = (THREE_PUBLIC_TOPIC_ITEMS.get(topic) if topic is not None else None) or _tp_item_named(subject, text)
    if item:
        f = _three_public_current(report, item)
        return (
            (f, f"this year's 三公 {THREE_PUBLIC_NAMES[item]} outturn")
            if f
            else (None, "the 三公 item's outturn is stated nowhere")
        )
    canon = _canon(topic)
    if canon and _subject_is_topic(canon, subject):
        same = facts[(facts["topic"].map(_canon) == canon) & facts["value"].notna()]
        if len(same):
            w = same.iloc[0]
            return narrative_fig(
                float(w.value), sval(w.source_text), _nref(sval(w.source_ref)), f"narrative {sval(w.subject) or canon}"
            ), "the same total stated elsewhere"
        cands = [c for c in FACT_TARGETS[canon](report) if c is not None and not c.blank]
        if cands:
            return cands[0], "the table"
    return None, "the sentence does not state this year's level"


@rule(
    "N.rate_change",
    "Every printed year-on-year rate (增长/下降 x%) equals change ÷ prior year, with prior = current − change as "
    "printed.",
    family="within-narrative",
    needs="narrative_facts (value, change_wan, change_pct_printed); three_public for 三公 levels",
)
def n_rate_change(report: Report):
    facts = _facts_all(report)
    rows = facts[facts["change_pct_printed"].notna()] if len(facts) else facts
    if not len(rows):
        yield not_applicable("no year-on-year rate printed (narrative_facts has no change_pct_printed)")
        return
    for r in _change_statements(rows, facts):
        yield _rate_change(report, Fact.from_row(r), facts)


def _change_statements(rows: pd.DataFrame, facts: pd.DataFrame):
    """Each printed change rate once: a change-only fact restating a level's change is the same statement."""
    seen = set()
    for r in rows.itertuples(index=False):
        key = (sval(r.source_ref), val(r.change_wan), float(r.change_pct_printed))
        if val(r.value) is None:
            dup = facts[
                (facts["source_ref"] == r.source_ref)
                & facts["value"].notna()
                & (facts["change_wan"] == r.change_wan)
                & (facts["change_pct_printed"] == r.change_pct_printed)
            ]
            if len(dup) or key in seen:
                continue  # the same statement, already checked with its level
        if key in seen:
            continue
        seen.add(key)
        yield r


def _rate_change(report: Report, r: Fact, facts: pd.DataFrame) -> Result:
    """One printed change rate against change ÷ (this year's level − change)."""
    text, ref = sval(r.source_text), _nref(sval(r.source_ref))
    printed = r.change_pct_printed
    assert printed is not None, "the facts were filtered on a printed rate"
    where = f"{sval(r.subject) or sval(r.topic)} (“{_short(text)}”)"
    if r.change_wan is None:
        return insufficient(
            f"{where}: change rate {fmt_pct(printed)} printed without the change amount, "
            "so the prior year cannot be derived",
            ref,
        )
    ch = narrative_fig(r.change_wan, text, ref, "change")
    cur: Fig | None
    if r.value is not None:
        cur, how = narrative_fig(r.value, text, ref, "current"), ""
    else:
        cur, how = _current_level(report, r, facts)
        if cur is None:
            return insufficient(
                f"{where}: change {fmt(ch.value)} and rate {fmt_pct(printed)} printed, but {how}, "
                "so the prior year cannot be derived",
                ref,
            )
        how = f"; this year's level {fmt(cur.value)} from {how}"
    # both printed: ch from a non-null change_wan, cur from a value or _current_level's printed figure
    prior = cur.amount - ch.amount
    prior_half = cur.half + ch.half
    refs = join_refs(ref, cur.ref)
    if prior - prior_half <= 0:
        return not_applicable(
            f"{where}: the prior year {fmt(prior)} is 0 or negative; a change rate is undefined "
            f"(printed {fmt_pct(printed)}){how}",
            refs,
        )
    iv = ratio_interval(ch, Fig(prior, ref, "prior", prior_half))
    assert iv is not None, "prior - prior_half > 0 was checked above"
    res = rate_check(
        printed,
        _pct_fig(printed, text),
        iv[0],
        iv[1],
        100 * ch.amount / prior,
        what=f"change rate of {where}: change {fmt(ch.value)} ÷ prior {fmt(prior)} (= {fmt(cur.value)} − "
        f"{fmt(ch.value)}){how}",
        refs=refs,
    )
    if res.outcome == "fail":
        res.message += _why_rate(printed, _pct_fig(printed, text), ch.amount, cur.amount, prior)
    return res


def _why_rate(printed: float, half: float, change: float, current: float, prior: float) -> str:
    """A likely cause of a wrong change rate."""
    if current and abs(abs(printed) - abs(100 * change / current)) <= half + SETTINGS.rate_wrong_base_pct:
        return (
            f" — the printed rate is change ÷ this year's {fmt(current)} ({100 * change / current:.2f}%): "
            "computed on the wrong base"
        )
    if prior and abs(abs(printed) - abs(change / prior)) <= half + SETTINGS.rate_equal_pct:
        return f" — the printed figure is the ratio {change / prior:.4f} written with a % sign"
    return ""


# ---------------------------------------------------------------------------------------------
# Shares


def _fact_fig(report: Report, *topics: str) -> Fig | None:
    facts = _facts(report)
    if not len(facts):
        return None
    for t in topics:
        hit = facts[(facts["topic"] == t) | (facts["topic"].map(_canon) == t)]
        hit = hit[hit["subject"].map(lambda x: _subject_is_topic(_canon(t) or t, sval(x)) if _canon(t) else True)]
        if len(hit):
            w = hit.iloc[0]
            return narrative_fig(
                float(w.value), sval(w.source_text), _nref(sval(w.source_ref)), f"narrative {sval(w.subject) or t}"
            )
    return None


# what a share is of, from the words after 占: (label, narrative topics, table cells)
SHARE_WHOLES = [
    (
        re.compile(r"^本年收入"),
        "本年收入合计",
        ("income_total",),
        [
            lambda R: _tcell(R, Table.T1, "income", ("本年收入合计",), "final", "T1 本年收入合计"),
            lambda R: _tcell(R, Table.T2, None, ("合计",), "total", "T2 合计"),
        ],
    ),
    (
        re.compile(r"^本年支出"),
        "本年支出合计",
        ("expenditure_total",),
        [
            lambda R: _tcell(R, Table.T1, "expenditure", ("本年支出合计",), "final", "T1 本年支出合计"),
            lambda R: _tcell(R, Table.T3, None, ("合计",), "total", "T3 合计"),
        ],
    ),
    (re.compile(r"^政府采购支出总额"), "政府采购支出总额", ("procurement_total",), []),
    (re.compile(r"^授予中小企业合同金额"), "授予中小企业合同金额", ("procurement_sme",), []),
    (
        re.compile(r"^一般公共预算项目支出总额"),
        "一般公共预算项目支出总额",
        (),
        [lambda R: _tcell(R, Table.T5, None, ("合计",), "project", "T5 合计 项目支出")],
    ),
    (
        re.compile(r"^$"),
        "一般公共预算财政拨款支出",
        ("general_budget_expenditure",),
        [lambda R: _tcell(R, Table.T5, None, ("合计",), "total", "T5 合计")],
    ),
]


def _lead_total(text: str | None, part: float, ref: str | None) -> Fig | None:
    """For a bare 占 (其中：X 万元，占 y%), the whole is the amount the sentence opens with, when it is
    not the part itself (“本年收入合计 2946.25 万元，其中：财政拨款收入 2940.05 万元，占 99.79%”). The
    part may equal the whole (“本年收入合计 20323.21 万元，其中：财政拨款收入 20323.21 万元，占 100%”)."""
    v = lead_total(text, part, SETTINGS.same_number)
    return None if v is None else narrative_fig(v, text, ref, "the total the sentence opens with")


def _three_public_total(report: Report) -> Fig | None:
    """The 三公 total outturn, for a bare 占 in a sentence about “三公”经费 (its items' shares)."""
    for source in ("narrative", "table"):
        fig = _tp(report, source).get("total")
        if fig is not None and not fig[1].blank:
            return Fig(fig[1].value, fig[1].ref, "“三公”经费 total outturn", fig[1].half)
    return None


def _share_words(value: float, text: str | None, printed: float) -> str | None:
    """The words between 占 and the printed share that follows the amount (e.g. 本年支出), '' for a bare 占."""
    return share_words(text, value, printed, SETTINGS.same_number)


@rule(
    "N.rate_share",
    "Every printed share (占 x%) equals the part ÷ the whole it names (本年收入, 本年支出, 一般公共预算财政拨款支出, "
    "政府采购支出总额 …), within "
    "rounding; a share adjusted by one last-digit unit so that the sentence's shares add up to 100% is rounding.",
    family="within-narrative",
    needs="narrative_facts (value, share_pct_printed); the whole from narrative_facts or the tables",
)
def n_rate_share(report: Report):
    facts = _facts(report)
    rows = facts[facts["share_pct_printed"].notna() & (facts["unit"].fillna("万元") == "万元")] if len(facts) else facts
    if not len(rows):
        yield not_applicable("no share of a stated amount printed (narrative_facts has no share_pct_printed in 万元)")
        return
    for r in rows.itertuples(index=False):
        res = _share(report, Fact.from_row(r))
        if res.outcome == "fail":
            _rounding_to_100(res, r, rows[(rows["source_ref"] == r.source_ref)])
        yield res


def _share_whole(report: Report, r: Fact, words: str, spec) -> tuple[Fig | None, str]:
    """The whole a share is of, and its label: the amount the sentence opens with (bare 占), the 三公 total
    (bare 占 in a 三公 sentence), the narrative's own figure for it, else the table's."""
    _, label, topics, table_fns = spec
    text, ref = sval(r.source_text), _nref(sval(r.source_ref))
    assert r.value is not None, "the facts were filtered on a stated value"
    whole = _lead_total(text, r.value, ref) if words == "" else None
    if whole is None and words == "" and "三公" in (text or ""):
        whole = _three_public_total(report)
        label = "“三公”经费支出决算"
    if whole is None:
        whole = _fact_fig(report, *topics) if topics else None
    for fn in table_fns:
        if whole is not None:
            break
        whole = fn(report)
    return whole, label


def _share(report: Report, r: Fact) -> Result:
    """One printed share against part ÷ the whole its words name."""
    text, ref = sval(r.source_text), _nref(sval(r.source_ref))
    subj = sval(r.subject) or sval(r.topic)
    printed, value = r.share_pct_printed, r.value
    assert printed is not None and value is not None, "the facts were filtered on a stated value and share"
    where = f"{subj} (“{_short(text)}”)"
    words = _share_words(value, text, printed)
    spec = next((w for w in SHARE_WHOLES if words is not None and w[0].search(words)), None)
    if spec is None:
        return insufficient(
            f"{where}: share {fmt_pct(printed)} printed, but the whole it is a share of "
            f"({'“' + words + '”' if words else 'not found in the sentence'}) is not one the rule knows",
            ref,
        )
    assert words is not None, "a known whole was named by the sentence's words"
    whole, label = _share_whole(report, r, words, spec)
    if whole is None or whole.blank:
        return insufficient(f"{where}: the whole ({label}) is stated neither in the narrative nor in a table read", ref)
    part = narrative_fig(value, text, ref, subj)
    refs = join_refs(ref, whole.ref)
    if abs(whole.amount) < SETTINGS.eps:
        return not_applicable(
            f"{where}: the whole ({label}) is 0; a share of it is undefined (printed {fmt_pct(printed)})", refs
        )
    iv = ratio_interval(part, whole)
    if iv is None:  # a whole within its rounding of 0 (or below it): as for a completion rate, undefined
        return not_applicable(
            f"{where}: the whole ({label}) {fmt(whole.value)} is too small for its rounding; "
            f"a share of it is undefined (printed {fmt_pct(printed)})",
            refs,
        )
    return rate_check(
        printed,
        _pct_fig(printed, text),
        iv[0],
        iv[1],
        100 * part.amount / whole.amount,
        what=f"share of {where}: {fmt(part.value)} ÷ {whole.label} ({label}) {fmt(whole.value)}",
        refs=refs,
    )


def _rounding_to_100(res: Result, r, group: pd.DataFrame) -> None:
    """Shares printed together that add up to 100%: one last-digit unit of adjustment is rounding."""
    # a fail here is rate_check's, which sets both the recomputed (expected) and printed (found) rates
    assert res.found is not None and res.expected is not None
    unit = 2 * _pct_fig(float(r.share_pct_printed), sval(r.source_text))
    total = float(group["share_pct_printed"].sum())
    if (
        len(group) > 1
        and abs(total - 100) <= 0.5 * unit * len(group) + SETTINGS.eps
        and abs(res.found - res.expected) <= unit + unit * 0.5 + SETTINGS.eps
    ):
        res.outcome, res.severity = "pass", None
        res.message = (
            f"rounding: {res.message.split(': printed')[0]}: printed {fmt_pct(res.found)}, recomputed "
            f"{fmt_pct(res.expected)}; the {len(group)} shares printed together add up to {total:.2f}%, "
            "so one was adjusted by a last-digit unit to make 100%"
        )


# ---------------------------------------------------------------------------------------------
# Units of project tables


@rule(
    "NX.project_unit",
    "Amounts in a table headed 万元 are in 万元: a 绩效/project table whose figures are plainly 元 under a 万元 "
    "heading is reported.",
    severity="warning",
    family="narrative-vs-table",
    needs="budget_execution (unit_note), line_items T3/T5 项目支出",
)
def nx_project_unit(report: Report):
    be = report.frame("budget_execution")
    rows = be[be["unit_note"].notna()] if len(be) else be
    if not len(be):
        yield not_applicable("no budget statements read")
        return
    if not len(rows):
        yield Result("pass", "no table's figures contradict its printed unit")
        return
    proj = _tcell(report, Table.T5, None, ("合计",), "project", "T5 合计 项目支出") or _tcell(
        report, Table.T3, None, ("合计",), "project", "T3 合计 项目支出"
    )
    fin = rows["final_wan"].dropna()
    # the table's own total row if the parser kept it, else the sum of its rows
    tot_rows = rows[rows["name"].fillna("").str.replace(" ", "").str.contains("合计")]
    conv = (
        float(tot_rows["final_wan"].iloc[0])
        if len(tot_rows) and pd.notna(tot_rows["final_wan"].iloc[0])
        else float(fin.sum())
    )
    printed = conv * 10000
    refs = join_refs(
        *[_nref(x) for x in rows["source_ref"].dropna().astype(str).head(1)],
        *[_nref(x) for x in rows["source_ref"].dropna().astype(str).tail(1)],
        proj.ref if proj else None,
    )
    note = sval(rows["unit_note"].iloc[0])
    msg = (
        f"a table headed 万元 prints {len(rows)} figures that are 元 ({note}): its total reads {printed:,.2f} “万元”, "
        f"i.e. {conv:,.2f} 万元"
    )
    if proj is not None and not proj.blank:
        msg += f"; {proj.label} is {fmt(proj.value)}"
    yield Result("fail", msg, proj.value if proj is not None and not proj.blank else conv, printed, refs)
