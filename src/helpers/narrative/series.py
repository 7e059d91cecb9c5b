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

from ..core.vocabulary import THREE_PUBLIC_TOPIC_ITEMS
from .poverty import places
from .records import Source, ThreePublicRow


def _key(r: dict) -> tuple:
    return (r["topic"], r["fiscal_year"], round(float(r["amount_wan"]), 2), r["basis"])


def _point(fact: dict, who: dict, year: int, amount: float, basis: str) -> dict:
    return {
        "report_id": fact["report_id"],
        **who,
        "fiscal_year": year,
        "topic": fact["topic"],
        "subject": fact.get("subject"),
        "amount_wan": round(amount, 6),
        "basis": basis,
        "source_ref": fact["source_ref"],
        "source_text": fact.get("source_text"),
        "note": fact.get("note"),
    }


def _prior_note(fact: dict, year: int | None, compared: int) -> str:
    level_at = fact["source_ref"]
    change_at = fact.get("change_source_ref") or level_at
    note = f"{fact['value']:,.2f} ({level_at}) − change {fact['change_wan']:+,.2f} ({change_at})"
    if year is not None and compared != year - 1:
        note += f"; the report compares with {compared}, not the year before ({year - 1}): dated as printed"
    return note


def _points(fact: dict, who: dict, year: int | None) -> list[dict]:
    """This year's printed level and the compared year's level − change, for one fact with both."""
    out = []
    if year is not None:
        out.append(_point(fact, who, year, float(fact["value"]), "printed"))
    compared = fact.get("compared_year")
    if compared is not None:
        prior = _point(fact, who, int(compared), float(fact["value"]) - float(fact["change_wan"]), "derived")
        prior["change_wan"] = fact["change_wan"]
        prior["source_ref"] = fact.get("change_source_ref") or fact["source_ref"]
        prior["note"] = _join(_prior_note(fact, year, int(compared)), fact.get("note"))
        out.append(prior)
    return out


def _join(*parts) -> str | None:
    return "; ".join(p for p in parts if p) or None


def _with_level(fact: dict, three_public: dict[str, ThreePublicRow]) -> dict | None:
    """The fact with its level: its own value, else (a 三公 change) the outturn the narrative states for the
    item; None when there is none."""
    if fact.get("value") is not None:
        return fact
    tp = three_public.get(THREE_PUBLIC_TOPIC_ITEMS.get(fact["topic"], ""))
    if tp is None or tp.final_wan is None:
        return None
    note = f"level: the 三公 outturn the narrative states at {tp.source_ref}"
    return {**fact, "value": tp.final_wan, "source_ref": tp.source_ref, "note": _join(note, fact.get("note"))}


def series_rows(
    fact_rows: list[dict],
    year: int | None,
    district: str | None,
    department: str | None,
    three_public_rows: list[ThreePublicRow] | None = None,
) -> list[dict]:
    """The series points of one report (a restated point once, its other refs in `note`); a 三公 change
    takes its level from `three_public_rows` (the narrative's)."""
    who = {"district": district, "department": department, "report_year": year}
    tp = {r.item: r for r in three_public_rows or [] if r.source == Source.NARRATIVE}
    rows: dict[tuple, dict] = {}
    for fact in fact_rows:
        if fact.get("unit") != "万元" or fact.get("change_wan") is None or fact["topic"] == "change":
            continue
        f = _with_level(fact, tp)
        if f is None:
            continue
        for r in _points(f, who, year):
            if r["topic"] == "paired_assistance":
                r["recipient"] = "、".join(places(r["subject"] or "", district)) or None
            k = _key(r)
            if k in rows:
                seen = rows[k]
                if r["source_ref"] != seen["source_ref"] and r["source_ref"] not in (seen.get("_also") or []):
                    seen.setdefault("_also", []).append(r["source_ref"])
                continue
            rows[k] = r
    out = []
    for r in rows.values():
        also = r.pop("_also", None)
        if also:
            r["note"] = _join(r.get("note"), "also printed at " + ", ".join(also))
        out.append(r)
    return out
