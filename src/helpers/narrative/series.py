"""`department_series`: one department's figures year by year, from the prior-year changes its report prints.

A report prints this year's level and its change against an earlier year ("2022 年度财政拨款收、支总计
4,199.3 万元，比 2021 年增加了 2385.41 万元"; "全年向宣恩县拨付区域协作结对帮扶资金 2200 万元，同比去年增加
200 万元"). Each such pair gives two points of the department's series: this year's level as printed,
and the earlier year's derived as level − change, dated by the year the sentence names (上年/去年: the
report's year − 1). Read from the narrative facts (parsed once), never from other departments. A 三公
change ("“三公”经费财政拨款支出决算数比 2020 年度增加 45.12 万元") takes its level from the 三公 outturn the
narrative states for the same item. A change printed without any level, or only as a percentage, gives no point.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.vocabulary import THREE_PUBLIC_TOPIC_ITEMS
from .facts import Fact, FactUnit
from .poverty import places
from .records import Basis, SeriesPoint, Source, ThreePublicRow


def _key(r: SeriesPoint) -> tuple:
    return (r.topic, r.fiscal_year, round(float(r.amount_wan), 2), r.basis)


def _point(fact: Fact, who: dict, year: int, amount: float, basis: Basis) -> SeriesPoint:
    return SeriesPoint(
        report_id=fact.report_id,
        **who,
        fiscal_year=year,
        topic=fact.topic,
        subject=fact.subject,
        amount_wan=round(amount, 6),
        basis=basis,
        source_ref=fact.source_ref,
        source_text=fact.source_text,
        note=fact.note,
    )


def _prior_note(fact: Fact, year: int | None, compared: int) -> str:
    level_at = fact.source_ref
    change_at = fact.change_source_ref or level_at
    note = f"{fact.value:,.2f} ({level_at}) − change {fact.change_wan:+,.2f} ({change_at})"
    if year is not None and compared != year - 1:
        note += f"; the report compares with {compared}, not the year before ({year - 1}): dated as printed"
    return note


def _points(fact: Fact, who: dict, year: int | None) -> list[SeriesPoint]:
    """This year's printed level and the compared year's level − change, for one fact with both."""
    out = []
    value, change = float(fact.value or 0.0), float(fact.change_wan or 0.0)  # both present: see series_rows
    if year is not None:
        out.append(_point(fact, who, year, value, Basis.PRINTED))
    compared = fact.compared_year
    if compared is not None:
        prior = _point(fact, who, int(compared), value - change, Basis.DERIVED)
        prior.change_wan = fact.change_wan
        prior.source_ref = fact.change_source_ref or fact.source_ref
        prior.note = _join(_prior_note(fact, year, int(compared)), fact.note)
        out.append(prior)
    return out


def _join(*parts) -> str | None:
    return "; ".join(p for p in parts if p) or None


def _with_level(fact: Fact, three_public: dict[str, ThreePublicRow]) -> Fact | None:
    """The fact with its level: its own value, else (a 三公 change) the outturn the narrative states for the
    item; None when there is none."""
    if fact.value is not None:
        return fact
    tp = three_public.get(THREE_PUBLIC_TOPIC_ITEMS.get(fact.topic, ""))
    if tp is None or tp.final_wan is None or tp.source_ref is None:
        return None
    note = f"level: the 三公 outturn the narrative states at {tp.source_ref}"
    return replace(fact, value=tp.final_wan, source_ref=tp.source_ref, note=_join(note, fact.note))


def series_rows(
    facts: list[Fact],
    year: int | None,
    district: str | None,
    department: str | None,
    three_public_rows: list[ThreePublicRow] | None = None,
) -> list[SeriesPoint]:
    """The series points of one report (a restated point once, its other refs in `note`); a 三公 change
    takes its level from `three_public_rows` (the narrative's)."""
    who = {"district": district, "department": department, "report_year": year}
    tp = {r.item: r for r in three_public_rows or [] if r.source == Source.NARRATIVE}
    rows: dict[tuple, SeriesPoint] = {}
    for fact in facts:
        if fact.unit != FactUnit.WAN or fact.change_wan is None or fact.topic == "change":
            continue
        f = _with_level(fact, tp)
        if f is None:
            continue
        for r in _points(f, who, year):
            if r.topic == "paired_assistance":
                r.recipient = "、".join(places(r.subject or "", district)) or None
            k = _key(r)
            if k not in rows:
                rows[k] = r
            elif r.source_ref != rows[k].source_ref and r.source_ref not in rows[k].also:
                rows[k].also.append(r.source_ref)
    for r in rows.values():
        if r.also:
            r.note = _join(r.note, "also printed at " + ", ".join(r.also))
    return list(rows.values())
