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

import pandas as pd

from ..vocabulary import CLASS_NAMES as _CLASS_NAMES
from ..vocabulary import CODE_LEVELS, ECONOMIC_NAMES
from ..vocabulary import PERSONNEL_CLASSES as PERSONNEL_CODES
from . import quality
from .load import Corpus

CLASS_NAMES: dict[str, str] = {code: name + "支出" for code, name in _CLASS_NAMES.items()}  # as T1/T4 print them

FUNCTION_TABLES = ("T3", "T5", "T4")


def _rollup(rows: pd.DataFrame, prefix_len: int = 3) -> pd.DataFrame:
    """Amounts per class (first `prefix_len` digits) from the most aggregated rows printed."""
    rows = rows[rows.code.notna()]
    if rows.empty:
        return pd.DataFrame(columns=["code", "amount_wan", "rolled_up_from", "doubtful"])
    rows = rows.assign(cls=rows.code.str[:prefix_len], n=rows.code.str.len())
    out = []
    for cls, g in rows.groupby("cls"):
        for n, lvl in CODE_LEVELS.items():
            sub = g[g.n == n]
            if len(sub) and sub.amount_wan.notna().any():
                doubt = bool(sub.doubtful.fillna(False).astype(bool).any()) if "doubtful" in sub else False
                out.append(
                    {
                        "code": cls,
                        "amount_wan": sub.amount_wan.sum(min_count=1),
                        "rolled_up_from": lvl,
                        "doubtful": doubt,
                    }
                )
                break
    return pd.DataFrame(out)


def function_classes(corpus: Corpus) -> pd.DataFrame:
    """report_id · code · name · amount_wan · share_pct · table · rolled_up_from · doubtful
    (`doubtful`: the class amount rests on a cell whose reading is in doubt, or a failing or
    uncertain check about its table prints it)."""
    li = corpus.line_items
    frames = []
    for rid in corpus.report_ids:
        mine = li[(li.report_id == rid) & (li.code_domain == "function")]
        for table in FUNCTION_TABLES:
            measure = "total"
            t = mine[(mine.table == table) & (mine.measure == measure)]
            if table == "T4":
                t = t[t.side.fillna("expenditure") == "expenditure"]
            if t.amount_wan.notna().any():
                r = _rollup(t)
                if len(r):
                    names = t[t.level == "类"].drop_duplicates("code").set_index("code").row_label
                    r["name"] = [CLASS_NAMES.get(c) or names.get(c, c) for c in r.code]
                    r["report_id"], r["table"] = rid, table
                    frames.append(r)
                    break
    if not frames:
        return pd.DataFrame(
            columns=["report_id", "code", "name", "amount_wan", "share_pct", "table", "rolled_up_from", "doubtful"]
        )
    df = pd.concat(frames, ignore_index=True)
    df = df[df.amount_wan.fillna(0) != 0]
    tot = df.groupby("report_id").amount_wan.transform("sum")
    df["share_pct"] = df.amount_wan / tot * 100
    df["doubtful"] = df.doubtful.astype(bool) | _implicated(corpus, df, "amount_wan")
    return df[
        ["report_id", "code", "name", "amount_wan", "share_pct", "table", "rolled_up_from", "doubtful"]
    ].reset_index(drop=True)


def _implicated(corpus: Corpus, df: pd.DataFrame, value_col: str) -> pd.Series:
    """True where a failing or uncertain check about the same report and table prints the value
    (as the figure it doubts or the one it expects): such a share is treated like a doubtful one."""
    probs = quality.problems(corpus)
    out = pd.Series(False, index=df.index)
    if probs.empty or df.empty:
        return out
    for k, r in df.iterrows():
        mine = probs[
            (probs.report_id == r.report_id) & probs.source_ref.fillna("").str.contains(f"{r.table} ", regex=False)
        ]
        if len(mine) and any(
            quality._close(r[value_col], f) or quality._close(r[value_col], e)
            for f, e in zip(mine.found, mine.expected)
        ):
            out[k] = True
    return out


def basic_project(corpus: Corpus) -> pd.DataFrame:
    """report_id · basic_wan · project_wan · total_wan · basic_share_pct · table."""
    li = corpus.line_items
    rows = []
    for rid in corpus.report_ids:
        mine = li[li.report_id == rid]
        for table in ("T3", "T5"):
            t = mine[mine.table == table]
            tot = t[t.code.isna() & t.row_label.str.contains("合计|总计", na=False)]
            if tot.empty:
                tot = t[t.level == "类"]
            vals = {m: tot[tot.measure == m].amount_wan.sum(min_count=1) for m in ("basic", "project", "total")}
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
                        "doubtful": bool(tot.doubtful.fillna(False).astype(bool).any()),
                    }
                )
                break
    df = pd.DataFrame(rows, columns=["report_id", "basic_wan", "project_wan", "total_wan", "table", "doubtful"])
    if len(df):
        df["doubtful"] = df.doubtful.astype(bool) | _implicated(corpus, df, "total_wan")
        both = df.basic_wan.fillna(0) + df.project_wan.fillna(0)
        df["basic_share_pct"] = df.basic_wan.fillna(0) / both.where(both != 0) * 100
        df["project_share_pct"] = df.project_wan.fillna(0) / both.where(both != 0) * 100
    else:
        df["basic_share_pct"] = pd.Series(dtype="float64")
        df["project_share_pct"] = pd.Series(dtype="float64")
    return df


def economic_classes(corpus: Corpus) -> pd.DataFrame:
    """T6 by economic class (301, 302, 303, 310 …): report_id · code · name · section · amount_wan · share_pct."""
    li = corpus.line_items
    t6 = li[(li.table == "T6") & (li.code_domain == "economic") & (li.measure == "final")]
    if t6.empty:
        return pd.DataFrame(
            columns=["report_id", "code", "name", "section", "amount_wan", "share_pct", "rolled_up_from", "doubtful"]
        )
    frames = []
    for rid, g in t6.groupby("report_id"):
        r = _rollup(g)
        if r.empty:
            continue
        r["report_id"] = rid
        sec = g.assign(cls=g.code.str[:3]).dropna(subset=["section"]).drop_duplicates("cls").set_index("cls").section
        printed = g[g.level == "类"].drop_duplicates("code").set_index("code").row_label
        r["section"] = [sec.get(c, "personnel" if c in PERSONNEL_CODES else "public") for c in r.code]
        r["name"] = [ECONOMIC_NAMES.get(c) or printed.get(c, c) for c in r.code]
        frames.append(r)
    df = pd.concat(frames, ignore_index=True)
    df = df[df.amount_wan.fillna(0) != 0]
    df["share_pct"] = df.amount_wan / df.groupby("report_id").amount_wan.transform("sum") * 100
    df["doubtful"] = df.doubtful.astype(bool)
    return df[
        ["report_id", "code", "name", "section", "amount_wan", "share_pct", "rolled_up_from", "doubtful"]
    ].reset_index(drop=True)


def personnel_public(corpus: Corpus) -> pd.DataFrame:
    """人员经费 (301+303) vs 公用经费 (302+310+…) per report from T6; where T6 is missing, the
    narrative's personnel_cost / public_cost figures (source column says which)."""
    eco = economic_classes(corpus)
    rows = []
    if len(eco):
        for rid, g in eco.groupby("report_id"):
            pers = g[g.section == "personnel"].amount_wan.sum()
            pub = g[g.section != "personnel"].amount_wan.sum()
            rows.append({"report_id": rid, "personnel_wan": pers, "public_wan": pub, "source": "T6"})
    have = {r["report_id"] for r in rows}
    nf = corpus.narrative_facts
    if len(nf):
        topics = {"personnel_cost": "personnel_wan", "public_cost": "public_wan"}
        sub = nf[nf.topic.isin(list(topics)) & (nf.unit == "万元") & ~nf.report_id.isin(have)]
        for rid, g in sub.groupby("report_id"):
            row = {"report_id": rid, "source": "narrative"}
            for topic, col in topics.items():
                v = g[g.topic == topic].value
                row[col] = float(v.iloc[0]) if len(v) else float("nan")
            rows.append(row)
    df = pd.DataFrame(rows, columns=["report_id", "personnel_wan", "public_wan", "source"])
    both = df.personnel_wan.fillna(0) + df.public_wan.fillna(0)
    df["personnel_share_pct"] = df.personnel_wan / both.where(both != 0) * 100
    return df


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
    """One row per readable report: city, district, department type, fiscal year."""
    r = corpus.readable
    return pd.DataFrame(
        {
            "report_id": r.report_id.values,
            "report": [corpus.label(x) for x in r.report_id],
            "city": r.city.fillna("").values,
            "district": r.district.fillna("").values,
            "department_type": [department_type(d) for d in r.department],
            "department": r.department.fillna("").values,
            "fiscal_year": r.fiscal_year.values,
        }
    )


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
        return "No readable report: nothing to compare."
    sep = separable(d)
    cities = d.city.replace("", pd.NA).dropna().nunique()
    head = (
        f"The {len(d)} readable reports come from {cities} cit{'y' if cities == 1 else 'ies'}, "
        f"{d.drop_duplicates(['city', 'district']).shape[0]} places (district or institution), "
        f"{d.department_type.nunique()} department types and {d.fiscal_year.nunique()} fiscal years. "
    )
    cannot = [f for f, ok in sep.items() if not ok]
    why = {
        "place": "no department type appears in two places in the same year",
        "department type": "no place has two department types in the same year",
        "year": "no department appears in two years",
    }
    if cannot:
        return head + (
            "; ".join(why[f] for f in cannot).capitalize()
            + ", so "
            + " and ".join(f"{f} effects" for f in cannot)
            + " cannot be told apart from department effects: the differences below are differences "
            "between particular departments, not " + " or ".join(f"{f} effects" for f in cannot) + "."
        )
    return head + "Each factor varies on its own between some pair of reports."


def key_findings(corpus: Corpus) -> list[str]:
    """A few sentences with numbers, the design caveat first; shares resting on doubtful cells left out."""
    labels = corpus.labels()
    out = [design_caveat(design(corpus))]
    fc = function_classes(corpus)
    if len(fc):
        bad = fc[fc.doubtful].report_id.unique()
        fc = fc[~fc.report_id.isin(bad)]
        dom = dominant(fc, labels)
        if len(dom):
            counts = dom.name.value_counts()
            out.append(
                f"The largest function class is {counts.index[0]} in {counts.iloc[0]} of {len(dom)} reports; "
                f"the largest single share is {dom.iloc[0]['name']} at {dom.iloc[0].share_pct:.1f}% "
                f"({dom.iloc[0].report})."
            )
    bp = basic_project(corpus)
    if len(bp):
        bp = bp[~bp.doubtful.astype(bool)]
        if len(bp):
            out.append(
                f"Project money is the larger part of spending in {int((bp.project_share_pct > 50).sum())} of "
                f"{len(bp)} reports; the project share runs from {bp.project_share_pct.min():.1f}% to "
                f"{bp.project_share_pct.max():.1f}% (median {bp.project_share_pct.median():.1f}%)."
            )
    pp = personnel_public(corpus)
    if len(pp) and pp.personnel_share_pct.notna().any():
        out.append(
            f"Personnel costs (人员经费) take {pp.personnel_share_pct.min():.1f}% to "
            f"{pp.personnel_share_pct.max():.1f}% of basic spending in {pp.personnel_share_pct.notna().sum()} reports."
        )
    return out
