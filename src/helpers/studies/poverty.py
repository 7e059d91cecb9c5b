"""The 21305 series (扶贫 until 2020, 巩固脱贫衔接乡村振兴 from 2021) and paired-assistance money.

Function lines come from `poverty_transfers` (kind `function_line`): extraction writes every 21305
line of every table there, so the study does not read line_items for them again.
"""

from __future__ import annotations

import re

import pandas as pd

from .composition import basic_project
from .load import Corpus

CODE = "21305"
OLD, NEW = "扶贫", "巩固脱贫衔接乡村振兴"
RENAME_YEAR = 2021


def series_for_year(year) -> str | None:
    """The name the 2021 classification gives 21305 in a fiscal year (the crosswalk)."""
    if year is None or pd.isna(year):
        return None
    return OLD if int(year) < RENAME_YEAR else NEW


def printed_series(name) -> str | None:
    """Which of the two names a printed line label uses."""
    if name is None or pd.isna(name):
        return None
    s = str(name)
    if "乡村振兴" in s or "衔接" in s:
        return NEW
    if "扶贫" in s or "脱贫" in s:
        return OLD
    return None


def function_lines(corpus: Corpus) -> pd.DataFrame:
    """One row per report with 21305 money: amount (款 level, else Σ项), the printed name, its series."""
    years = corpus.reports.set_index("report_id").fiscal_year
    rows = []
    pt = corpus.poverty_transfers
    fl = pt[(pt.kind == "function_line") & pt.code.fillna("").str.startswith(CODE)] if len(pt) else pt
    for rid, g in (fl.groupby("report_id") if len(fl) else []):
        # The same line is printed in several tables (T2, T3, T5): one amount per code.
        g = g.drop_duplicates("code")
        k = g[g.code == CODE]
        part = k if len(k) else g[g.code.str.len() == 7]
        rows.append({"report_id": rid, "amount_wan": part.amount_wan.sum(min_count=1),
                     "name_printed": "、".join(dict.fromkeys(part.name.dropna())), "lines": len(part)})
    df = pd.DataFrame(rows, columns=["report_id", "amount_wan", "name_printed", "lines"])
    df["fiscal_year"] = df.report_id.map(years).astype("Int64")
    df["series_expected"] = df.fiscal_year.map(series_for_year)
    df["series_printed"] = df.name_printed.map(printed_series)
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
        rows.append({"report_id": r.report_id, "fiscal_year": r.fiscal_year, "amount_wan": amt,
                     "total_wan": total, "has_tables": pd.notna(total),
                     "share_pct": (amt / total * 100) if pd.notna(total) and total else float("nan")})
    return pd.DataFrame(rows, columns=["report_id", "fiscal_year", "amount_wan", "total_wan", "has_tables", "share_pct"])


def by_year(corpus: Corpus) -> pd.DataFrame:
    """21305 money per fiscal year and series name (expected from the year), with report counts."""
    fl = function_lines(corpus)
    if fl.empty:
        return pd.DataFrame(columns=["fiscal_year", "series", "amount_wan", "reports"])
    g = fl.groupby(["fiscal_year", "series_expected"]).agg(amount_wan=("amount_wan", "sum"),
                                                             reports=("report_id", "nunique")).reset_index()
    return g.rename(columns={"series_expected": "series"})


def normalise_place(name) -> str | None:
    """`恩施州宣恩县` → `宣恩县` (the prefecture prefix varies between mentions of one county)."""
    if name is None or pd.isna(name):
        return None
    return re.sub(r"^.{1,6}?(自治州|州|市)(?=.+[县区市旗])", "", str(name).strip())


def distinct_statements(corpus: Corpus) -> pd.DataFrame:
    """Project and narrative amounts of the department's own money, each stated once (reports
    restate a transfer in several sections; the repeats are dropped)."""
    pt = corpus.poverty_transfers
    if pt.empty:
        return pt.assign(place=pd.Series(dtype="object"))
    sub = pt[pt.kind != "function_line"]
    if "scope" in sub:
        sub = sub[sub.scope.fillna("department") == "department"]
    sub = sub.assign(place=sub.recipient.map(normalise_place), amt=sub.amount_wan.round(2))
    return sub.drop_duplicates(["report_id", "place", "amt", "name"]).drop(columns="amt")


def recipients(corpus: Corpus) -> pd.DataFrame:
    """Money to named recipients (counties, districts, towns), per recipient: the distinct amounts
    stated and the largest of them. Amounts are not summed: the same transfer is often stated
    both as a project and in a sentence, and a sentence may restate a project's total."""
    st = distinct_statements(corpus)
    st = st[st.place.notna()] if len(st) else st
    if st.empty:
        return pd.DataFrame(columns=["recipient", "largest_wan", "statements", "reports", "amounts"])
    g = st.groupby("place").agg(
        largest_wan=("amount_wan", "max"), statements=("amount_wan", "size"), reports=("report_id", "nunique"),
        amounts=("amount_wan", lambda s: "、".join(f"{v:,.2f}" for v in sorted(set(s.round(2)), reverse=True))))
    return g.sort_values("largest_wan", ascending=False).rename_axis("recipient").reset_index()
def transfers_table(corpus: Corpus) -> pd.DataFrame:
    """All poverty_transfers rows except function lines, with the report label."""
    pt = corpus.poverty_transfers
    sub = pt[pt.kind != "function_line"] if len(pt) else pt
    labels = corpus.labels()
    return sub.assign(report=sub.report_id.map(labels)).drop(columns=["report_id"]).reset_index(drop=True)
