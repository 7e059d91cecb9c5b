"""Spending composition across reports: function class, basic vs project, personnel vs public,
economic class. Used by `notebooks/spending_composition.ipynb` and the per-report page.

Sources, in order of preference (each row says which one it used):
- function classes: T3 支出决算表 (all funds), else T5 (general budget), else T4's expenditure side;
  a class missing as a 类 row is rolled up from its 款 rows, or from its 项 rows, never both.
- basic vs project: the 合计 row of T3, else T5, else the sum of the class rows.
- personnel vs public and economic classes: T6 (general budget basic spending only).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..core.vocabulary import CLASS_NAMES as _CLASS_NAMES
from ..core.vocabulary import CODE_LEVELS, ECONOMIC_NAMES, POVERTY_CODE
from ..core.vocabulary import PERSONNEL_CLASSES as PERSONNEL_CODES
from ..data.load import Corpus
from ..publish.text import lang, sep, t, tn
from . import quality
from .batches import by_report, per_report
from .narrate import listing

CLASS_NAMES: dict[str, str] = {code: name + "支出" for code, name in _CLASS_NAMES.items()}  # as T1/T4 print them

FUNCTION_TABLES = ("T3", "T5", "T4")


def _sum(amounts: list[float], min_count: int = 0) -> float:
    """`pd.Series(amounts).sum(min_count=...)` without building a Series: NaN skipped, the rest added
    by numpy in the same order (so the same float to the last bit)."""
    arr = np.asarray(amounts, dtype="float64")
    nan = np.isnan(arr)
    if len(arr) - int(nan.sum()) < min_count:
        return np.nan
    return np.where(nan, 0.0, arr).sum() if nan.any() else arr.sum()  # as pandas: NaN read as 0, not dropped


def _refs(table: str, refs) -> str:
    """`T3 line 175, line 180`: where the rows a figure rests on are printed (each place once)."""
    places = [str(r) for r in dict.fromkeys(refs) if r is not None and r == r]
    return f"{table} " + ", ".join(places) if places else ""


def _rollup(
    codes: list[str], amounts: list[float], doubts: list[bool], refs: list | None = None, prefix_len: int = 3
) -> list[dict]:
    """Amounts per class (first `prefix_len` digits) from the most aggregated rows printed, classes
    in code order, with the places of the rows summed (`refs`). Rows are plain lists (codes not null):
    this runs once per report and table, where a pandas groupby per call cost more than everything
    else the study does."""
    by_class: dict[str, dict[int, list[tuple[float, bool, object]]]] = {}
    for code, amount, doubt, ref in zip(codes, amounts, doubts, refs or [None] * len(codes)):
        by_class.setdefault(code[:prefix_len], {}).setdefault(len(code), []).append((amount, doubt, ref))
    out = []
    for cls in sorted(by_class):
        levels = by_class[cls]
        for n, lvl in CODE_LEVELS.items():
            sub = levels.get(n)
            if sub and any(a == a for a, _, _ in sub):  # a == a: not NaN
                out.append(
                    {
                        "code": cls,
                        "amount_wan": _sum([a for a, _, _ in sub], min_count=1),
                        "rolled_up_from": lvl,
                        "doubtful": any(d for _, d, _ in sub),
                        "refs": [r for _, _, r in sub],
                    }
                )
                break
    return out


def _records(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    """The rows of `df` as plain tuples of `cols`: a missing float as NaN, any other missing value as None."""
    return list(
        zip(
            *(
                df[c].tolist()
                if df[c].dtype.kind == "f"
                else df[c].astype("object").where(df[c].notna(), None).tolist()
                for c in cols
            )
        )
    )


def _first_label(rows: list[tuple], level: str) -> dict[str, str | None]:
    """code → the row_label of its first row printed at `level` (rows: code, level, row_label)."""
    out: dict[str, str | None] = {}
    for code, lvl, label in rows:
        if lvl == level and code is not None and code not in out:
            out[code] = label
    return out


@per_report()
def function_classes(corpus: Corpus) -> pd.DataFrame:
    """report_id · code · name · amount_wan · share_pct · table · rolled_up_from · doubtful
    (`doubtful`: the class amount rests on a cell whose reading is in doubt, or a failing or
    uncertain check about its table prints it)."""
    cols = ["report_id", "code", "name", "amount_wan", "share_pct", "table", "rolled_up_from", "doubtful", "source_ref"]
    li = corpus.line_items
    li = li[(li.code_domain == "function") & (li.measure == "total") & li.table.isin(FUNCTION_TABLES)]
    # T4 holds revenue and expenditure: its expenditure side only (a row without a side counts as one)
    li = li[(li.table != "T4") | (li.side.fillna("expenditure") == "expenditure")]
    by_table: dict[tuple[str, str], list[tuple]] = {}
    for rec in _records(
        li.assign(doubtful=li.doubtful.fillna(False).astype(bool)),
        ["report_id", "table", "code", "amount_wan", "doubtful", "level", "row_label", "source_ref"],
    ):
        by_table.setdefault((rec[0], rec[1]), []).append(rec[2:])
    records = []
    for rid in corpus.report_ids:
        for table in FUNCTION_TABLES:
            rows = by_table.get((rid, table), [])
            if not any(a == a for _, a, *_ in rows):  # no amount printed in this table
                continue
            coded = [r for r in rows if r[0] is not None]
            classes = _rollup(
                [r[0] for r in coded], [r[1] for r in coded], [r[2] for r in coded], [r[5] for r in coded]
            )
            if classes:
                names = _first_label([(r[0], r[3], r[4]) for r in rows], "类")
                for c in classes:
                    c["name"] = CLASS_NAMES.get(c["code"]) or names.get(c["code"], c["code"])
                    c["report_id"], c["table"], c["source_ref"] = rid, table, _refs(table, c.pop("refs"))
                records.extend(classes)
                break
    if not records:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(records)
    df = df[df.amount_wan.fillna(0) != 0]
    tot = df.groupby("report_id").amount_wan.transform("sum")
    df["share_pct"] = df.amount_wan / tot * 100
    df["doubtful"] = df.doubtful.astype(bool) | _implicated(corpus, df, "amount_wan")
    return df[cols].reset_index(drop=True)


def _implicated(corpus: Corpus, df: pd.DataFrame, value_col: str) -> pd.Series:
    """True where a failing or uncertain check about the same report and table prints the value
    (as the figure it doubts or the one it expects): such a share is treated like a doubtful one.
    The problem checks are taken per report as plain records once, not filtered per row."""
    probs = quality.problems(corpus)
    if probs.empty or df.empty:
        return pd.Series(False, index=df.index)
    by_report = {
        rid: [(ref if isinstance(ref, str) else "", f, e) for ref, f, e in recs]
        for rid, recs in quality.by_report(probs, ("source_ref", "found", "expected")).items()
    }
    hit = []
    for rid, table, value in zip(df.report_id, df.table, df[value_col]):
        where = f"{table} "
        hit.append(
            any(
                where in ref and (quality.same_figure(value, f) or quality.same_figure(value, e))
                for ref, f, e in by_report.get(rid, ())
            )
        )
    return pd.Series(hit, index=df.index, dtype=bool)


@per_report()
def basic_project(corpus: Corpus) -> pd.DataFrame:
    """report_id · basic_wan · project_wan · total_wan · table · doubtful · source_ref (the rows read) ·
    basic_share_pct · project_share_pct."""
    li = corpus.line_items
    li = li[li.table.isin(["T3", "T5"])]
    li = li.assign(
        total_row=li.code.isna() & li.row_label.str.contains("合计|总计", na=False),
        class_row=(li.level == "类").fillna(False),
        doubtful=li.doubtful.fillna(False).astype(bool),
    )
    by_table: dict[tuple[str, str], list[tuple]] = {}
    for rec in _records(
        li, ["report_id", "table", "total_row", "class_row", "measure", "amount_wan", "doubtful", "source_ref"]
    ):
        by_table.setdefault((rec[0], rec[1]), []).append(rec[2:])
    rows = []
    for rid in corpus.report_ids:
        for table in ("T3", "T5"):
            t = by_table.get((rid, table), [])
            # the 合计/总计 row, else the class rows
            tot = [r for r in t if r[0]] or [r for r in t if r[1]]
            vals = {
                m: _sum([a for _, _, me, a, *_ in tot if me == m], min_count=1) for m in ("basic", "project", "total")
            }
            if pd.notna(vals["total"]) or pd.notna(vals["basic"]):
                basic, project = vals["basic"], vals["project"]
                total = vals["total"] if pd.notna(vals["total"]) else (basic or 0) + (project or 0)
                rows.append(
                    {
                        "report_id": rid,
                        "basic_wan": basic,
                        "project_wan": project,
                        "total_wan": total,
                        "table": table,
                        "doubtful": any(r[4] for r in tot),
                        "source_ref": _refs(table, [r[5] for r in tot]),
                    }
                )
                break
    df = pd.DataFrame(
        rows, columns=["report_id", "basic_wan", "project_wan", "total_wan", "table", "doubtful", "source_ref"]
    )
    if len(df):
        df["doubtful"] = df.doubtful.astype(bool) | _implicated(corpus, df, "total_wan")
        both = df.basic_wan.fillna(0) + df.project_wan.fillna(0)
        df["basic_share_pct"] = df.basic_wan.fillna(0) / both.where(both != 0) * 100
        df["project_share_pct"] = df.project_wan.fillna(0) / both.where(both != 0) * 100
    else:
        df["basic_share_pct"] = pd.Series(dtype="float64")
        df["project_share_pct"] = pd.Series(dtype="float64")
    return df


# Function codes whose project money a department passes on to other places (对口帮扶, 结对帮扶):
# counted as passed on only where the report names a recipient place for that money.
PASS_THROUGH_CODES = {POVERTY_CODE: "扶贫 / 巩固脱贫衔接乡村振兴 (对口帮扶)"}


def pass_through(corpus: Corpus) -> pd.DataFrame:
    """Per report, the project money passed on to other places: the 款 amount of a PASS_THROUGH_CODES
    code in T3 (else T5), read from `function_rollup` (so 汉阳 2024, which prints only its 项 row
    2130599, is found) — one figure per report however often the tables, the project and the narrative
    restate it (the `poverty_transfers` rows sharing its `transfer_id`), and only where those rows name
    a recipient place (`passed_to`, with the lines that name it)."""
    cols = ["report_id", "code", "pass_through_wan", "table", "derived", "source_ref", "passed_to", "named_at"]
    fr = corpus.function_rollup
    pt = corpus.poverty_transfers
    if fr.empty or pt.empty:
        return pd.DataFrame(columns=cols)
    fr = fr[fr.code.isin(list(PASS_THROUGH_CODES)) & fr.table.isin(["T3", "T5"]) & (fr.measure == "project")]
    rows = []
    for (rid, code), g in fr.groupby(["report_id", "code"], sort=True):
        g = g[g.amount_wan.notna()].sort_values("table")  # T3 (all funds) before T5
        if g.empty:
            continue
        r = g.iloc[0]
        # the transfer this table line belongs to, and every restatement of it that names a place
        mine = pt[(pt.report_id == rid) & pt.code.fillna("").str.startswith(code)]
        ids = set(mine.transfer_id.dropna())
        named = pt[(pt.report_id == rid) & pt.transfer_id.isin(list(ids)) & pt.recipient.notna()]
        places: list[str] = []
        for rec in named.recipient.astype(str):
            for place in re.split(r"[、，,]", rec):
                if place and place not in places:
                    places.append(place)
        if not places:
            continue
        rows.append(
            {
                "report_id": rid,
                "code": code,
                "pass_through_wan": float(r.amount_wan),
                "table": r.table,
                "derived": bool(r.derived),
                "source_ref": r.source_ref,
                "passed_to": "、".join(places),
                "named_at": ", ".join(dict.fromkeys(named.source_ref.astype(str))),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def with_pass_through(bp: pd.DataFrame, corpus: Corpus) -> pd.DataFrame:
    """`basic_project` with the project money passed on to other places taken apart: `pass_through_wan`
    (0 where none), `own_project_wan`, and `own_project_share_pct`, the project share of the spending
    left once the money passed on is taken out of both project and total."""
    pt = pass_through(corpus)
    amount = dict(zip(pt.report_id, pt.pass_through_wan))
    to = dict(zip(pt.report_id, pt.passed_to))
    out = bp.assign(
        pass_through_wan=bp.report_id.map(amount).fillna(0.0).astype("float64"),
        passed_to=bp.report_id.map(to).fillna("").astype("object"),
    )
    out["own_project_wan"] = out.project_wan - out.pass_through_wan
    both = out.basic_wan.fillna(0) + out.own_project_wan.fillna(0)
    out["own_project_share_pct"] = out.own_project_wan.fillna(0) / both.where(both != 0) * 100
    return out


@per_report(finish=by_report)
def economic_classes(corpus: Corpus) -> pd.DataFrame:
    """T6 by economic class (301, 302, 303, 310 …): report_id · code · name · section · amount_wan · share_pct."""
    cols = [
        "report_id",
        "code",
        "name",
        "section",
        "amount_wan",
        "share_pct",
        "rolled_up_from",
        "doubtful",
        "source_ref",
    ]
    li = corpus.line_items
    t6 = li[(li.table == "T6") & (li.code_domain == "economic") & (li.measure == "final")]
    if t6.empty:
        return pd.DataFrame(columns=cols)
    by_report: dict[str, list[tuple]] = {}
    for rec in _records(
        t6.assign(doubtful=t6.doubtful.fillna(False).astype(bool)),
        ["report_id", "code", "amount_wan", "doubtful", "level", "row_label", "section", "source_ref"],
    ):
        by_report.setdefault(rec[0], []).append(rec[1:])
    records = []
    for rid in sorted(by_report):
        rows = by_report[rid]
        coded = [r for r in rows if r[0] is not None]
        classes = _rollup([r[0] for r in coded], [r[1] for r in coded], [r[2] for r in coded], [r[6] for r in coded])
        if not classes:
            continue
        sec: dict[str, str] = {}  # class → the section its first row with one names
        for code, *_, section, _ref in coded:
            if section is not None:
                sec.setdefault(code[:3], section)
        printed = _first_label([(r[0], r[3], r[4]) for r in rows], "类")
        for c in classes:
            code = c["code"]
            c["report_id"], c["source_ref"] = rid, _refs("T6", c.pop("refs"))
            c["section"] = sec.get(code, "personnel" if code in PERSONNEL_CODES else "public")
            c["name"] = ECONOMIC_NAMES.get(code) or printed.get(code, code)
        records.extend(classes)
    if not records:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(records)
    df = df[df.amount_wan.fillna(0) != 0]
    df["share_pct"] = df.amount_wan / df.groupby("report_id").amount_wan.transform("sum") * 100
    # a class a failing or uncertain check prints (宜川路 2025's 302 商品和服务支出 1,844.57, which
    # T6.class_sum rejects) is doubtful here as in every study
    df["doubtful"] = df.doubtful.astype(bool) | _implicated(corpus, df.assign(table="T6"), "amount_wan")
    return df[cols].reset_index(drop=True)


def _table_rows_first(df: pd.DataFrame) -> pd.DataFrame:
    """personnel_public's order: the reports read from T6, then those from the narrative, each by report_id."""
    ordered = df.assign(_n=df.source.eq("narrative")).sort_values(["_n", "report_id"], kind="stable")
    return ordered.drop(columns="_n").reset_index(drop=True)


@per_report(finish=_table_rows_first)
def personnel_public(corpus: Corpus) -> pd.DataFrame:
    """人员经费 (301+303) vs 公用经费 (302+310+…) per report from T6; where T6 is missing, the
    narrative's personnel_cost / public_cost figures (source column says which). `doubtful`: a class
    summed is doubtful or a failing or uncertain check prints it (or the narrative figure)."""
    eco = economic_classes(corpus)
    rows = []
    if len(eco):
        split: dict[str, tuple[list[float], list[float], list[bool], list[str]]] = {}
        for rid, section, amount, doubt, ref in zip(
            eco.report_id, eco.section, eco.amount_wan, eco.doubtful, eco.source_ref
        ):
            parts = split.setdefault(rid, ([], [], [], []))
            parts[0 if section == "personnel" else 1].append(amount)
            parts[2].append(bool(doubt))
            parts[3].append(ref.removeprefix("T6 "))
        for rid in sorted(split):
            pers, pub, doubts, refs = split[rid]
            rows.append(
                {
                    "report_id": rid,
                    "personnel_wan": _sum(pers),
                    "public_wan": _sum(pub),
                    "source": "T6",
                    "doubtful": any(doubts),
                    "source_ref": _refs("T6", refs),
                }
            )
    have = {r["report_id"] for r in rows}
    nf = corpus.narrative_facts
    if len(nf):
        topics = {"personnel_cost": "personnel_wan", "public_cost": "public_wan"}
        sub = nf[nf.topic.isin(list(topics)) & (nf.unit == "万元") & ~nf.report_id.isin(have)]
        sub = quality.flag_rows(sub, corpus, ["value"]) if len(sub) else sub.assign(flag="")
        for rid, g in sub.groupby("report_id"):
            row = {"report_id": rid, "source": "narrative", "doubtful": False, "source_ref": ""}
            for topic, col in topics.items():
                v = g[g.topic == topic]
                row[col] = float(v.value.iloc[0]) if len(v) else float("nan")
                row["doubtful"] = row["doubtful"] or bool(len(v) and v.flag.iloc[0])
                row["source_ref"] = "; ".join(
                    x for x in (row["source_ref"], v.source_ref.iloc[0] if len(v) else "") if x
                )
            rows.append(row)
    df = pd.DataFrame(rows, columns=["report_id", "personnel_wan", "public_wan", "source", "doubtful", "source_ref"])
    df["doubtful"] = df.doubtful.astype(bool)
    both = df.personnel_wan.fillna(0) + df.public_wan.fillna(0)
    df["personnel_share_pct"] = df.personnel_wan / both.where(both != 0) * 100
    return df


# ---------------------------------------------------------------------------------------------
# Per staff member, where the report prints its headcount (部门人员构成)

STAFF_COLUMNS = [
    "report_id",
    "comparison_group",
    "staff_in_post",
    "retirees",
    "staff_ref",
    "personnel_wan",
    "personnel_per_staff_wan",
    "basic_wan",
    "basic_per_staff_wan",
    "doubtful",
]


def headcounts(corpus: Corpus) -> pd.DataFrame:
    """report_id · staff_in_post (在职实有人数) · staff_authorised (编制数) · retirees (离退休人员) · staff_ref:
    the narrative facts of unit `count` the report prints in 部门人员构成 (narrative/staff.py)."""
    cols = ["report_id", "staff_in_post", "staff_authorised", "retirees", "staff_ref"]
    nf = corpus.narrative_facts
    if nf.empty:
        return pd.DataFrame(columns=cols)
    nf = nf[nf.topic.isin(["staff_in_post", "staff_authorised", "retirees"]) & (nf.unit == "count")]
    rows = []
    for rid, g in nf.groupby("report_id", sort=True):
        first = g.drop_duplicates("topic").set_index("topic")
        row: dict[str, object] = {c: float(first.value[c]) if c in first.index else np.nan for c in cols[1:4]}
        row["staff_ref"] = first.source_ref["staff_in_post"] if "staff_in_post" in first.index else None
        rows.append({"report_id": rid, **row})
    return pd.DataFrame(rows, columns=cols)


def comparison_group(corpus: Corpus) -> dict[str, str]:
    """report_id → its comparison group as shown on a figure: department kind · level of government · year."""
    d = design(corpus)
    return {
        rid: f"{kind.split(' ')[-1]} · {t('comp.district') if district else t('comp.other')} · {year}"
        for rid, kind, district, year in zip(d.report_id, d.department_type, d.district, d.fiscal_year)
    }


def per_staff(corpus: Corpus) -> pd.DataFrame:
    """Per report the index does not mark `do not use`: its comparison group, the headcount it prints
    (NaN where it prints none), 人员经费 (T6, else the narrative) and 基本支出 (T3, else T5) per staff member
    in post (万元/人). An amount that is doubtful or that a failing or uncertain check prints is not divided
    (`doubtful`). Nothing is averaged or summed across reports."""
    groups = comparison_group(corpus)
    hc = headcounts(corpus).set_index("report_id")
    pp = personnel_public(corpus).set_index("report_id")
    bp = basic_project(corpus).set_index("report_id")
    rows = []
    for rid in groups:
        staff = hc.staff_in_post.get(rid, np.nan)
        pers = pp.personnel_wan.get(rid, np.nan)
        basic = bp.basic_wan.get(rid, np.nan)
        doubtful = bool(pp.doubtful.get(rid, False)) or bool(bp.doubtful.get(rid, False))
        ok = staff == staff and staff > 0 and not doubtful
        rows.append(
            {
                "report_id": rid,
                "comparison_group": groups[rid],
                "staff_in_post": staff,
                "retirees": hc.retirees.get(rid, np.nan),
                "staff_ref": hc.staff_ref.get(rid),
                "personnel_wan": pers,
                "personnel_per_staff_wan": pers / staff if ok else np.nan,
                "basic_wan": basic,
                "basic_per_staff_wan": basic / staff if ok else np.nan,
                "doubtful": doubtful,
            }
        )
    return pd.DataFrame(rows, columns=STAFF_COLUMNS)


def _per_staff_items(ps: pd.DataFrame, labels: pd.Series) -> str:
    return listing(
        (
            t(
                "comp.per_staff_item",
                report=labels.get(r.report_id, r.report_id),
                group=r.comparison_group,
                staff=int(r.staff_in_post),
                ref=r.staff_ref,
                personnel=f"{r.personnel_per_staff_wan:,.2f}",
                basic=f"{r.basic_per_staff_wan:,.2f}",
            )
            for r in ps.itertuples()
        ),
        joiner=sep()["semi"],
    )


def _per_staff_groups(ps: pd.DataFrame) -> str:
    """Ranges within a comparison group of two reports or more; else that no two are comparable."""
    said = [
        t(
            "comp.per_staff_group_range",
            group=group,
            n=len(g),
            lo=f"{g.personnel_per_staff_wan.min():,.2f}",
            hi=f"{g.personnel_per_staff_wan.max():,.2f}",
        )
        for group, g in ps.groupby("comparison_group", sort=True)
        if len(g) > 1
    ]
    return sep()["semi"].join(said) if said else t("comp.per_staff_no_pair")


def per_staff_sentence(corpus: Corpus) -> str:
    """The per-staff headline: each report printing its headcount with its group, the ranges within a group
    (never across groups), the reports printing none, and the sensitivity line."""
    corpus = quality.comparable(corpus)
    labels = corpus.labels()
    ps = per_staff(corpus)
    printed = ps[ps.staff_in_post.notna()]
    rated = printed[printed.personnel_per_staff_wan.notna()]
    none = ps[ps.staff_in_post.isna()]
    if rated.empty:
        return t("comp.per_staff_none", reports=listing_labels(none.report_id, labels))

    def describe(d: pd.DataFrame) -> str:
        return t("comp.per_staff_rests", items=_per_staff_items(d, labels))

    s = tn("comp.per_staff", len(rated), items=_per_staff_items(rated, labels)) + t(
        "comp.per_staff_tail", groups=_per_staff_groups(rated)
    )
    if len(left := printed[printed.personnel_per_staff_wan.isna()]):
        s += t("comp.per_staff_doubtful", reports=listing_labels(left.report_id, labels))
    if len(none):
        s += tn("comp.per_staff_without", len(none), reports=listing_labels(none.report_id, labels))
    return s + _stop() + quality.sensitivity(rated, corpus, describe)


def share_matrix(df: pd.DataFrame, labels: pd.Series, column: str = "name", value: str = "share_pct") -> pd.DataFrame:
    """report label × category shares (percent), categories ordered by their mean share."""
    if df.empty:
        return pd.DataFrame()
    m = df.pivot_table(index="report_id", columns=column, values=value, aggfunc="sum").fillna(0)
    m = m[m.mean().sort_values(ascending=False).index]
    m.index = pd.Index([labels.get(r, r) for r in m.index], name="report")
    m.columns.name = None
    return m


def dominant(df: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Per report, the category with the largest share."""
    if df.empty:
        return pd.DataFrame(columns=["report", "name", "share_pct"])
    top = df.sort_values("share_pct", ascending=False).drop_duplicates("report_id")
    return pd.DataFrame(
        {
            "report": [labels.get(r, r) for r in top.report_id],
            "name": top.name.values,
            "share_pct": top.share_pct.values,
        }
    ).reset_index(drop=True)


def spread(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per category: min, max and range of shares across reports, largest range first."""
    if matrix.empty:
        return pd.DataFrame(columns=["min_pct", "max_pct", "range_pp", "reports_with_it"])
    out = pd.DataFrame(
        {
            "min_pct": matrix.min(),
            "max_pct": matrix.max(),
            "range_pp": matrix.max() - matrix.min(),
            "reports_with_it": (matrix > 0).sum(),
        }
    )
    return out.sort_values("range_pp", ascending=False)


# ---------------------------------------------------------------------------------------------
# What the corpus can and cannot separate

DEPARTMENT_TYPES = [
    (r"大学|学院", "university 高校"),
    (r"街道|镇人民政府|乡人民政府", "sub-district office 街道"),
    (r"人民政府办公室|政府办公厅", "government office 政府办公室"),
    (r"委.*办公室|委员会办公室", "party committee office 党委办公室"),
    (r"委.*部$|工作部|组织部|宣传部", "party department 党委部门"),
    (r"局$|委员会$|厅$", "bureau 局/委"),
]


def department_type(department) -> str:
    d = "" if department is None or pd.isna(department) else str(department)
    for pattern, name in DEPARTMENT_TYPES:
        if re.search(pattern, d):
            return name
    return "other 其他"


def design(corpus: Corpus) -> pd.DataFrame:
    """One row per readable report the index does not mark `do not use`: city, district, department
    type, fiscal year."""
    r = quality.usable_rows(corpus.readable, corpus)
    labels = corpus.labels()
    return pd.DataFrame(
        {
            "report_id": r.report_id.values,
            "report": [labels.get(x, x) for x in r.report_id],
            "city": r.city.fillna("").values,
            "district": r.district.fillna("").values,
            "department_type": [department_type(d) for d in r.department],
            "department": r.department.fillna("").values,
            "fiscal_year": r.fiscal_year.values,
        }
    )


def group_note(corpus: Corpus, report_ids, money: bool = True) -> str:
    """The comparison group a figure rests on, for its title line: department kinds, level of
    government, fiscal years, and (for amounts) that 万元 of different years are nominal."""
    d = design(corpus)
    d = d[d.report_id.isin(set(report_ids))]
    if d.empty:
        return ""
    kinds = d.department_type.map(lambda k: k.split(" ")[-1]).value_counts()
    level = d.district.map(lambda x: t("comp.district") if x else t("comp.other")).value_counts()
    years = sorted(int(y) for y in d.fiscal_year.dropna())
    comma = "、" if lang() == "zh" else ", "
    said = t(
        "comp.group",
        kinds=comma.join(f"{k} {n}" for k, n in kinds.items()),
        levels=comma.join(f"{k} {n}" for k, n in level.items()),
        years=(f"{years[0]}" if years[0] == years[-1] else f"{years[0]}–{years[-1]}") if years else t("comp.no_year"),
    )
    if money and len(set(years)) > 1:
        said += sep()["semi"] + t("comp.nominal")
    return said


def _varies(d: pd.DataFrame, within: list[str], col: str) -> bool:
    return bool(len(d)) and any(g[col].nunique(dropna=False) > 1 for _, g in d.groupby(within, dropna=False))


def separable(d: pd.DataFrame) -> dict[str, bool]:
    """Per factor: is there a pair of reports that differ in it and in nothing else that matters?
    - place: the same department type in the same year in two places;
    - department type: two types in the same place and year;
    - year: the same department (city, district, department) in two years.
    Without such a pair, differences attributed to the factor are equally differences of the others."""
    d = d.assign(place=d.city.astype(str) + "|" + d.district.astype(str))
    return {
        "place": _varies(d, ["department_type", "fiscal_year"], "place"),
        "department type": _varies(d, ["place", "fiscal_year"], "department_type"),
        "year": _varies(d, ["place", "department"], "fiscal_year"),
    }


def design_caveat(d: pd.DataFrame) -> str:
    """The sentence the composition page must state about what its comparisons can tell apart."""
    if d.empty:
        return t("comp.nothing")
    sep = separable(d)
    head = t(
        "comp.head",
        n=len(d),
        cities=tn("comp.cities", d.city.replace("", pd.NA).dropna().nunique()),
        places=d.drop_duplicates(["city", "district"]).shape[0],
        types=d.department_type.nunique(),
        years=d.fiscal_year.nunique(),
    )
    cannot = [f for f, ok in sep.items() if not ok]
    key = {"place": "place", "department type": "type", "year": "year"}
    if cannot:
        zh = lang() == "zh"
        why = ("；" if zh else "; ").join(t(f"comp.why_{key[f]}") for f in cannot)
        effects = [t(f"comp.effect_{key[f]}") for f in cannot]
        return head + t(
            "comp.cannot",
            why=why if zh else _cap(why),
            effects=("和" if zh else " and ").join(effects),
            effects_or=("或" if zh else " or ").join(effects),
        )
    return head + t("comp.each_varies")


def _largest_class(fc: pd.DataFrame, labels: pd.Series) -> str:
    dom = dominant(fc, labels)
    counts = dom.name.value_counts()
    top = dom.iloc[0]
    return t(
        "comp.largest_class",
        name=counts.index[0],
        count=counts.iloc[0],
        n=len(dom),
        top=top["name"],
        share=f"{top.share_pct:.1f}%",
        report=top.report,
    )


def _project_share(bp: pd.DataFrame) -> str:
    printed, own = bp.project_share_pct, bp.own_project_share_pct
    return t(
        "comp.project_share",
        majority=int((printed > 50).sum()),
        own_majority=int((own > 50).sum()),
        n=len(bp),
        lo=f"{printed.min():.1f}%",
        hi=f"{printed.max():.1f}%",
        median=f"{printed.median():.1f}%",
        own_lo=f"{own.min():.1f}%",
        own_hi=f"{own.max():.1f}%",
        own_median=f"{own.median():.1f}%",
    )


def _passed_on(bp: pd.DataFrame, labels: pd.Series) -> str:
    p = bp[bp.pass_through_wan > 0].sort_values("pass_through_wan", ascending=False)
    return listing(
        (
            t(
                "comp.passed_on_one",
                report=labels.get(r.report_id, r.report_id),
                amount=f"{r.pass_through_wan:,.2f}",
                to=r.passed_to,
                with_=f"{r.project_share_pct:.1f}%",
                without=f"{r.own_project_share_pct:.1f}%",
            )
            for r in p.itertuples()
        ),
        joiner=sep()["semi"],
        empty="",
    )


def _personnel_share(pp: pd.DataFrame) -> str:
    share = pp.personnel_share_pct
    return t("comp.personnel", lo=f"{share.min():.1f}%", hi=f"{share.max():.1f}%", n=share.notna().sum())


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _stop() -> str:
    """The end of a sentence followed by another: 。 in Chinese, ". " in English."""
    return "。" if lang() == "zh" else ". "


def _economic_top(eco: pd.DataFrame) -> str:
    mean = eco.pivot_table(index="report_id", columns="name", values="share_pct", aggfunc="sum").fillna(0).mean()
    return t("comp.economic_top", top=mean.idxmax(), share=f"{mean.max():.1f}%")


def sensitivity_line(corpus: Corpus, section: str, df: pd.DataFrame) -> str:
    """The sensitivity line beside a page section's headline number (`section`: classes, project, personnel,
    economic): the same figure again without the reports the index marks `use with care`. `df` holds the
    rows the section's figure rests on (for `project`, `with_pass_through`'s)."""
    labels = corpus.labels()
    describe = {
        "classes": lambda d: _largest_class(d, labels),
        "project": _project_share,
        "personnel": _personnel_share,
        "economic": _economic_top,
    }[section]
    return quality.sensitivity(df, corpus, describe)


def key_findings(corpus: Corpus) -> list[str]:
    """A few sentences with numbers, the design caveat first. The index's verdict decides: reports it
    marks `do not use` are in no figure (said once), shares resting on doubtful cells or on figures a
    failing or uncertain check prints are left out, and each headline number has its sensitivity line
    (the same number without the reports to `use with care`)."""
    corpus = quality.comparable(corpus)
    labels = corpus.labels()
    out = [design_caveat(design(corpus))]
    fc = function_classes(corpus)
    if len(fc):
        bad = fc[fc.doubtful].report_id.unique()
        fc = fc[~fc.report_id.isin(bad)]
        if len(fc):
            out.append(
                _cap(_largest_class(fc, labels))
                + _stop()
                + quality.sensitivity(fc, corpus, lambda d: _largest_class(d, labels))
            )
    bp = basic_project(corpus)
    if len(bp):
        bp = with_pass_through(bp[~bp.doubtful.astype(bool)], corpus)
        if len(bp):
            s = _cap(_project_share(bp)) + _stop()
            if (bp.pass_through_wan > 0).any():
                s += t("comp.passed_on", items=_passed_on(bp, labels))
            out.append(s + ("" if lang() == "zh" else " ") + quality.sensitivity(bp, corpus, _project_share))
    pp = personnel_public(corpus)
    if len(pp):
        left = pp[pp.doubtful & pp.personnel_share_pct.notna()]
        pp = pp[~pp.doubtful & pp.personnel_share_pct.notna()]
        if len(pp):
            out.append(
                _cap(_personnel_share(pp))
                + (t("comp.personnel_left", reports=listing_labels(left.report_id, labels)) if len(left) else "")
                + _stop()
                + quality.sensitivity(pp, corpus, _personnel_share)
            )
    if corpus.size("narrative_facts")[0]:  # the whole dataset's rows (a corpus read out of core holds a few topics)
        out.append(per_staff_sentence(corpus))
    if said := quality.left_out_sentence(corpus):
        out.append(said)
    return out


def listing_labels(report_ids, labels: pd.Series) -> str:
    return listing((labels.get(r, r) for r in report_ids), empty="")
