"""The 21305 series (扶贫 until 2020, 巩固脱贫衔接乡村振兴 from 2021) and paired-assistance money.

Function lines come from `poverty_transfers` (kind `function_line`): extraction writes every 21305
line of every table there, so the study does not read line_items for them again.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..core.vocabulary import POVERTY_CODE as CODE
from ..core.vocabulary import POVERTY_NEW_NAME as NEW
from ..core.vocabulary import POVERTY_OLD_NAME as OLD
from ..core.vocabulary import poverty_name, poverty_name_printed  # the crosswalk of 21305's names
from ..core.vocabulary import poverty_series as series_for_year  # the series (side of the 2021 rename) of a year
from ..data.load import Corpus, short_department
from ..publish.text import sep, t, tn
from . import quality
from .composition import basic_project
from .narrate import listing, value_word, wan


def printed_series(name) -> str | None:
    """Which series a printed line label belongs to, by the crosswalk's names (the 2024 name
    巩固脱贫攻坚成果衔接乡村振兴 continues 巩固脱贫衔接乡村振兴)."""
    hit = poverty_name_printed(name)
    return hit[1] if hit else None


def crosswalk_name(name) -> str | None:
    """The crosswalk name a printed label uses (`其他扶贫支出` → 扶贫)."""
    hit = poverty_name_printed(name)
    return hit[0] if hit else None


def function_lines(corpus: Corpus) -> pd.DataFrame:
    """One row per report with 21305 money: amount (款 level, else Σ项), the printed name, its series."""
    years = corpus.reports.set_index("report_id").fiscal_year
    rows = []
    pt = corpus.poverty_transfers
    fl = pt[(pt.kind == "function_line") & pt.code.fillna("").str.startswith(CODE)] if len(pt) else pt
    # The same line is printed in several tables (T2, T3, T5): one amount per code. The lines are then
    # taken per report as plain records (a groupby with frame ops per report cost ~1 ms a report).
    by_report: dict[str, list[tuple]] = {}
    if len(fl):
        fl = fl.drop_duplicates(["report_id", "code"])
        cols = [fl[c].astype("object").tolist() for c in ("report_id", "code", "name", "amount_wan")]
        for rid, *rec in zip(*cols):
            if not pd.isna(rid):
                by_report.setdefault(rid, []).append(tuple(rec))
    for rid in sorted(by_report):
        g = by_report[rid]
        part = [r for r in g if r[0] == CODE] or [r for r in g if len(r[0]) == 7]
        amounts = np.array([r[2] for r in part], dtype="float64")
        nan = np.isnan(amounts)
        rows.append(
            {
                "report_id": rid,
                # as Series.sum(min_count=1): null when no amount, else the sum with nulls as 0
                "amount_wan": np.where(nan, 0.0, amounts).sum() if (~nan).sum() >= 1 else np.nan,
                "name_printed": "、".join(dict.fromkeys(r[1] for r in part if not pd.isna(r[1]))),
                "lines": len(part),
            }
        )
    df = pd.DataFrame(rows, columns=["report_id", "amount_wan", "name_printed", "lines"])
    df["fiscal_year"] = df.report_id.map(years).astype("Int64")
    df["series_expected"] = df.fiscal_year.map(series_for_year)
    df["series_printed"] = df.name_printed.map(printed_series)
    df["name_expected"] = df.fiscal_year.map(poverty_name)
    df["name_crosswalk"] = df.name_printed.map(crosswalk_name)
    df["name_matches_year"] = df.series_printed.isna() | (df.series_printed == df.series_expected)
    return df


def share_of_spending(corpus: Corpus) -> pd.DataFrame:
    """21305 amount as a share of each readable report's total spending (0 where no 21305 line)."""
    lines = function_lines(corpus).set_index("report_id")
    totals = basic_project(corpus).set_index("report_id")
    rows = []
    for r in corpus.readable.itertuples():
        total = totals.total_wan.get(r.report_id)
        amt = lines.amount_wan.get(r.report_id, 0.0)
        rows.append(
            {
                "report_id": r.report_id,
                "fiscal_year": r.fiscal_year,
                "amount_wan": amt,
                "total_wan": total,
                "has_tables": pd.notna(total),
                "share_pct": (amt / total * 100) if pd.notna(total) and total else float("nan"),
            }
        )
    return pd.DataFrame(
        rows, columns=["report_id", "fiscal_year", "amount_wan", "total_wan", "has_tables", "share_pct"]
    )


POVERTY_PROJECT = r"扶贫|脱贫|乡村振兴|帮扶"
SERIES_COLUMNS = ["report_id", "report", "fiscal_year", "series", "amount_wan", "source", "source_detail"]


def _poverty_projects(corpus: Corpus) -> tuple[pd.DataFrame, dict[str, list]]:
    """The department's own poverty projects, and each report's (their index labels), grouped once
    instead of a frame filter per report."""
    pt = corpus.poverty_transfers
    if not len(pt):
        return pt, {}
    proj = pt[
        (pt.kind == "project")
        & pt.name.fillna("").str.contains(POVERTY_PROJECT)
        & (pt.scope.fillna("department") == "department")
    ]
    projects: dict[str, list] = {}
    for k, rid in zip(proj.index, proj.report_id.astype("object").tolist()):
        projects.setdefault(rid, []).append(k)
    return proj, projects


def _series_row(r, label: str, fl: pd.DataFrame, proj: pd.DataFrame, projects: dict[str, list]) -> dict:
    """One report's point: its 21305 line, else (tables not read) its largest poverty project."""
    row = dict(zip(SERIES_COLUMNS, [r.report_id, label, r.fiscal_year, series_for_year(r.fiscal_year)]))
    row.update(amount_wan=float("nan"), source="", source_detail="")
    if r.report_id in fl.index and pd.notna(fl.amount_wan.get(r.report_id)):
        row.update(
            amount_wan=float(fl.amount_wan[r.report_id]),
            source="21305 line in the tables",
            source_detail=str(fl.name_printed[r.report_id]),
        )
        return row
    mine = projects.get(r.report_id)
    tables_read = len(r.tables_found) > 0 if r.tables_found is not None else False
    if mine is not None and not tables_read:
        top = proj.loc[mine].sort_values("amount_wan", ascending=False).iloc[0]
        row.update(
            amount_wan=float(top.amount_wan),
            source="poverty project (tables not read)",
            source_detail=f"{top['name']} ({top.source_ref})",
        )
    return row


def _checked_flags(df: pd.DataFrame, corpus: Corpus) -> dict[str, str]:
    """report_id → the flag of a failing or uncertain check printing the amount shown (the rows
    stating the very amount: the same money restated, not another project)."""
    pt = corpus.poverty_transfers
    checked: dict[str, str] = {}
    if not len(pt) or not len(df):
        return checked
    amount = dict(zip(df.report_id, df.amount_wan))
    rows = pt[pt.report_id.isin(list(df.report_id)) & pt.kind.isin(["function_line", "project"])]
    rows = rows[[quality.same_figure(a, amount.get(r)) for r, a in zip(rows.report_id, rows.amount_wan)]]
    if len(rows):
        for rid, f in zip(rows.report_id, quality.flag_rows(rows, corpus, ["amount_wan"]).flag):
            if f and checked.get(rid) != quality.FLAG_FAIL:
                checked[rid] = f
    return checked


def _flags(df: pd.DataFrame, corpus: Corpus) -> list[str]:
    """A failing/uncertain check's flag, else `doubtful reading` for a 21305 cell read with doubt (a
    text copy without column positions), else ""."""
    doubt = corpus.doubtful_rows("line_items", code=CODE)  # asked of the files: no other line item is needed here
    doubtful = set(doubt.report_id.astype("object").tolist()) if len(doubt) else set()
    checked = _checked_flags(df, corpus)
    return [
        checked.get(rid) or ("doubtful reading" if (s_.startswith(CODE) and rid in doubtful) else "")
        for rid, s_ in zip(df.report_id, df.source)
    ]


def series_by_report(corpus: Corpus) -> pd.DataFrame:
    """One row per readable report: the 21305 amount from its tables where printed; else, for a
    report whose tables were not read, the largest poverty project it states (绩效自评, e.g. 青山
    2020's 精准扶贫经费), marked as such. Never summed across departments: each row is one
    department's money in one year, labelled by report (district, department, year)."""
    labels = corpus.labels()
    fl = function_lines(corpus).set_index("report_id")
    proj, projects = _poverty_projects(corpus)
    rows = [
        _series_row(r, labels.get(r.report_id, r.report_id), fl, proj, projects) for r in corpus.readable.itertuples()
    ]
    rows = [r for r in rows if r["source"]]
    df = pd.DataFrame(rows, columns=SERIES_COLUMNS).sort_values(["fiscal_year", "report"]).reset_index(drop=True)
    df["flag"] = _flags(df, corpus)
    return df


def by_year(corpus: Corpus) -> pd.DataFrame:
    """21305 money per report, ordered by fiscal year, with the series name the year gives it;
    `bar` labels each bar with its report and year (one department per bar, never a sum)."""
    sr = series_by_report(corpus)
    if sr.empty:
        return sr.assign(bar=pd.Series(dtype="object"))
    return sr.assign(bar=sr.report)


def transfers_over_time(corpus: Corpus) -> pd.DataFrame:
    """Money one department passes to a paired place, year by year, from `department_series`
    (topic `paired_assistance`): the level its report prints for its own year and the earlier year's
    derived as level − the printed change (e.g. 江汉 2022: 2,200 万元 to 宣恩县, 同比去年增加 200 → 2021:
    2,000). `name` is the crosswalk's name of 21305 in that year. Nominal 万元; one department per
    row, never summed across departments."""
    ds = corpus.department_series
    cols = ["department", "recipient", "fiscal_year", "name", "amount_wan", "basis", "report", "source_ref", "note"]
    if ds.empty:
        return pd.DataFrame(columns=cols)
    sub = ds[ds.topic == "paired_assistance"]
    labels = corpus.labels()
    city = dict(zip(corpus.reports.report_id, corpus.reports.city))
    out = sub.assign(
        department=[
            f"{d or ''} {short_department(dep, city.get(rid), d)}".strip()
            for rid, d, dep in zip(sub.report_id, sub.district.astype("object"), sub.department)
        ],
        name=sub.fiscal_year.map(poverty_name),
        report=sub.report_id.map(labels),
    )
    return out.sort_values(["department", "recipient", "fiscal_year"])[cols].reset_index(drop=True)


def _point(r) -> str:
    how = t("pov.derived", note=r.note.split(";")[0]) if r.basis == "derived" else t("pov.printed", ref=r.source_ref)
    return t("pov.point", year=int(r.fiscal_year), amount=wan(r.amount_wan), how=how, name=r.name)


def _continuity(corpus: Corpus) -> str | None:
    """The sentence on one department's transfer followed across years, or None."""
    tt = transfers_over_time(corpus)
    if tt.empty:
        return None
    parts = []
    for (dept, place), g in tt.groupby(["department", "recipient"], sort=False, dropna=False):
        if g.fiscal_year.nunique() < 2:
            continue
        place = place if isinstance(place, str) else t("pov.a_paired_place")
        points = sep()["comma"].join(_point(r) for r in g.itertuples())
        parts.append(t("pov.to_place", department=dept, place=place, points=points))
    return t("pov.continuity", parts=listing(parts, joiner=sep()["semi"])) if parts else None


def normalise_place(name) -> str | None:
    """`恩施州宣恩县` → `宣恩县` (the prefecture prefix varies between mentions of one county)."""
    if name is None or pd.isna(name):
        return None
    return re.sub(r"^.{1,6}?(自治州|州|市)(?=.+[县区市旗])", "", str(name).strip())


def split_places(recipient) -> list[str]:
    """`恩施州来凤县、江夏区山坡街丰收村` → [`来凤县`, `江夏区山坡街丰收村`]."""
    if recipient is None or pd.isna(recipient):
        return []
    return [p for p in (normalise_place(x) for x in re.split(r"[、，,和及与]", str(recipient))) if p]


def _stem(place: str) -> str:
    return re.sub(r"(自治县|县|区|市|旗)$", "", place)


def attributed_place(row) -> str | None:
    """The one place an amount is stated as going to, or None. A project's total is not a
    transfer to the first place its description names: a project counts only when its own name
    names the place (`恩施州来凤县结对帮扶经费`); a sentence counts when it names the place (the
    amount's own words, e.g. 向宣恩县拨付, or its sentence with a single recipient). An amount
    shared by several places (`对口帮扶恩施州来凤县和江夏区…`) goes to none of them."""
    places = split_places(row.recipient)
    if not places:
        return None
    name = "" if row.name is None or pd.isna(row.name) else str(row.name)
    named = [p for p in places if _stem(p) and _stem(p) in name]
    if len(named) == 1:
        return named[0]
    if row.kind == "project" or len(places) != 1:
        return None
    text = "" if row.source_text is None or pd.isna(row.source_text) else str(row.source_text)
    return places[0] if _stem(places[0]) in text else None


def distinct_statements(corpus: Corpus) -> pd.DataFrame:
    """Project and narrative amounts of the department's own money, each stated once (reports
    restate a transfer in several sections; the repeats are dropped). `place` is the one place the
    amount is stated as going to (`attributed_place`), null when none is."""
    pt = corpus.poverty_transfers
    if pt.empty:
        return pt.assign(place=pd.Series(dtype="object"))
    sub = pt[pt.kind != "function_line"]
    if "scope" in sub:
        sub = sub[sub.scope.fillna("department") == "department"]
    sub = sub.assign(place=[attributed_place(r) for r in sub.itertuples()], amt=sub.amount_wan.round(2))
    return sub.drop_duplicates(["report_id", "place", "amt", "name"]).drop(columns="amt")


def recipients(corpus: Corpus) -> pd.DataFrame:
    """Money to named recipients (counties, districts, towns): one row per report and recipient,
    with the distinct amounts stated as going there and the largest of them. The same transfer
    is often stated both as a project and in a sentence, so amounts are not summed; amounts that
    only a project's total or a sentence about several places mention are not attributed
    (`unattributed` lists them)."""
    st = distinct_statements(corpus)
    st = st[st.place.notna()] if len(st) else st
    cols = ["recipient", "report", "largest_wan", "statements", "amounts"]
    if st.empty:
        return pd.DataFrame(columns=cols)
    labels = corpus.labels()
    st = st.assign(amt=st.amount_wan.round(2))
    g = (
        st.groupby(["place", "report_id"])
        .agg(
            largest_wan=("amount_wan", "max"),
            statements=("amt", "nunique"),
            amounts=("amt", lambda s: "、".join(f"{v:,.2f}" for v in sorted(set(s), reverse=True))),
        )
        .reset_index()
    )
    g["report"] = g.report_id.map(labels)
    g = g.rename(columns={"place": "recipient"}).sort_values("largest_wan", ascending=False)
    return g[cols].reset_index(drop=True)


def unattributed(corpus: Corpus) -> pd.DataFrame:
    """Amounts whose wording names recipients but does not say how much went to which (a
    project's total, money shared by several places)."""
    pt = corpus.poverty_transfers
    if pt.empty:
        return pd.DataFrame(columns=["report", "kind", "name", "amount_wan", "recipient", "source_ref"])
    st = distinct_statements(corpus)
    st = st[st.place.isna() & st.recipient.notna()]
    st = st.drop_duplicates(["report_id", "name", "amount_wan"])
    return st.assign(report=st.report_id.map(corpus.labels()))[
        ["report", "kind", "name", "amount_wan", "recipient", "source_ref"]
    ].reset_index(drop=True)


def transfers_table(corpus: Corpus) -> pd.DataFrame:
    """All poverty_transfers rows except function lines, with the report label."""
    pt = corpus.poverty_transfers
    sub = pt[pt.kind != "function_line"] if len(pt) else pt
    labels = corpus.labels()
    return sub.assign(report=sub.report_id.map(labels)).drop(columns=["report_id"]).reset_index(drop=True)


def _stating(sr: pd.DataFrame) -> str:
    return tn("pov.stating", len(sr))


def _rename(sr: pd.DataFrame) -> str:
    return t("pov.rename", old=int((sr.series == OLD).sum()), new=int((sr.series == NEW).sum()))


def _series_finding(sr: pd.DataFrame, corpus: Corpus) -> str:
    parts = [
        t("pov.amount", report=r.report, amount=wan(r.amount_wan))
        + (t("pov.project_only") if r.source.startswith("poverty project") else "")
        + (t("pov.not_a_finding", flag=value_word(r.flag)) if r.flag else "")
        for r in sr.itertuples()
    ]
    said = t("pov.series", stating=_stating(sr), parts=listing(parts, joiner=sep()["semi"]))
    return said + quality.sensitivity(sr, corpus, _stating)


def _old_name_finding(corpus: Corpus) -> list[str]:
    fl = function_lines(corpus)
    odd = fl[~fl.name_matches_year]
    if not len(odd):
        return []
    labels = corpus.labels()
    items = [
        t("pov.old_name_item", report=labels.get(r.report_id, r.report_id), name=r.name_printed, year=r.fiscal_year)
        for r in odd.itertuples()
    ]
    return [t("pov.old_name", items=listing(items, joiner=sep()["semi"]))]


def _places_findings(corpus: Corpus) -> list[str]:
    out = []
    rc = recipients(corpus)
    if len(rc):
        top = rc.iloc[0]
        out.append(t("pov.recipients", n=len(rc), amount=wan(top.largest_wan), place=top.recipient, report=top.report))
    un = unattributed(corpus)
    if len(un):
        first = un.iloc[0]
        out.append(
            t("pov.unattributed", n=len(un), name=first["name"], amount=wan(first.amount_wan), report=first.report)
        )
    return out


def key_findings(corpus: Corpus) -> list[str]:
    """A few sentences with numbers: the series report by report (never summed across
    departments), the rename, and money stated as going to named places. The index's verdict
    decides: no figure or count rests on a report it marks `do not use` (said once), and each count
    has its sensitivity line (without the reports to `use with care`)."""
    corpus = quality.comparable(corpus)
    sr = series_by_report(corpus)
    left = quality.left_out_sentence(corpus)
    if sr.empty:
        return [t("pov.nothing")] + ([left] if left else [])
    out = [_series_finding(sr, corpus)]
    said = _rename(sr)
    out.append(t("pov.rename_head", said=said[:1].upper() + said[1:]) + quality.sensitivity(sr, corpus, _rename))
    out += _old_name_finding(corpus)
    over_time = _continuity(corpus)
    if over_time:
        out.append(over_time)
    out += _places_findings(corpus)
    if left:
        out.append(left)
    return out
