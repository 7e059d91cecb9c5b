"""Why outturn differs from budget: each deviation from the 年初预算 split into the parts the report
itself accounts for, with the sentences cited.

For one statement (overall, 类, 款 or 项) against its 年初预算, the deviation 决算 − 年初预算 is split into:
- `mid_year_wan`: the budget changed during the year, where the report prints the changed budget (全年预算 /
  调整预算) for the same spending (洪山 2021: 年初 2,514.68, 调整后 3,061.94 万元, so +547.26);
- `moved_wan`: money the report says was moved to or from another fund, function code or unit, with the amount
  it prints or the outturn of the line the money went to (文旅 2025: 2,000.00 万元 of 真如海心剧院 moved from the
  一般公共预算 to the 政府性基金);
- `rest_wan`: what is left, with the causes the report's 原因 sentence gives for it (`rest_reason`): against a
  printed adjusted budget the rest is spending itself above or below the budget.
Lines with no 年初 budget (0, outturn > 0) have no rate and are not overruns: `zero_budget_lines` lists them apart.
Works on `execution.rates(...)` (statements counted once, with the quality flag); nothing is added across reports.
"""

from __future__ import annotations

import re

import pandas as pd

from ..core.settings import SETTINGS
from ..narrative.amounts import find_amounts
from ..narrative.budget_execution import reason_kinds
from ..publish.text import sep, t
from .narrate import listing, pct, wan

LINE_LEVELS = ["overall", "类", "款", "项"]
SAME_FIGURE_WAN = SETTINGS.unit_wan + SETTINGS.rounding_wan
# An adjusted budget belongs to an overall 年初 statement when both state the same outturn (within 0.5%:
# 洪山's 绩效 text gives 3,061.94 where its 决算 says 3,061.55 万元).
SAME_OUTTURN_SHARE = 0.005
# Money moved out of (or into) the 一般公共预算 into another fund: counted in the overall statement's deviation.
OUT_OF_GENERAL = re.compile(r"从一般公共预算[^。；]{0,20}调整至(?:政府性基金|国有资本经营)")
INTO_GENERAL = re.compile(r"从(?:政府性基金|国有资本经营)[^。；]{0,20}调整至一般公共预算")
NEW_UNIT = re.compile(r"(?:20\d\d\s*年\s*)?新成立|于\s*20\d\d\s*年\s*成立")
MIN_SHARED_CHARS = 6  # two 原因 sentences about the same money share a name this long (真如海心剧院精装修工程)
KINDS = ["moved", "mid_year", "spending", "on_budget"]


def kind_word(kind: str) -> str:
    """A reason kind (narrative.budget_execution.REASON_KINDS, `none`: no reason printed) in the page's words."""
    return t(f"reasons.kind_{kind}")


COLUMNS = [
    "report_id",
    "report",
    "level",
    "code",
    "name",
    "budget_basis",
    "budget_wan",
    "final_wan",
    "deviation_wan",
    "rate",
    "adjusted_basis",
    "adjusted_budget_wan",
    "adjusted_rate",
    "mid_year_wan",
    "moved_wan",
    "rest_wan",
    "rest_reason",
    "reason_kind",
    "reason_text",
    "reason_ref",
    "adjusted_ref",
    "moved_ref",
    "source_ref",
    "flag",
]


def _why(text) -> str:
    return str(text).split("主要原因", 1)[-1] if isinstance(text, str) else ""


def _shared(a: str, b: str, n: int = MIN_SHARED_CHARS) -> bool:
    """Whether a and b share a run of n characters (the name of the money both sentences are about)."""
    return any(a[i : i + n] in b for i in range(len(a) - n + 1))


def _lines(be: pd.DataFrame) -> pd.DataFrame:
    """The spending statements of overall, 类, 款 and 项 (not projects, not 三公), one per statement."""
    if be.empty:
        return be
    d = be[be.level.astype(str).isin(LINE_LEVELS)]
    if "subject" in d:
        d = d[d.subject.fillna("spending") == "spending"]
    return d.reset_index(drop=True)


def _same_spending(a, b) -> bool:
    """Whether two statements of one report are about the same spending (b states an adjusted budget for a)."""
    if str(a.level) != str(b.level):
        return False
    if str(a.level) == "overall":
        return abs(a.final_wan - b.final_wan) <= SAME_OUTTURN_SHARE * max(abs(a.final_wan), SAME_FIGURE_WAN)
    if pd.notna(a.code) and pd.notna(b.code):
        return a.code == b.code
    return a.name == b.name


def _key(r) -> tuple:
    return (r.report_id, str(r.level), r.code if pd.notna(r.code) else r.name)


def _rows_by_report(lines: pd.DataFrame) -> dict[str, list]:
    """report_id → its statements as named tuples, in order: the frame walked once, not once per report
    (a pandas call per report and per row was most of the study's time at 200 reports)."""
    by: dict[str, list] = {}
    for r in lines.itertuples():
        by.setdefault(r.report_id, []).append(r)
    return by


def adjusted_budgets(by_report: dict[str, list]) -> dict:
    """index of a 年初 statement → (basis, budget, ref) of the 全年/调整预算 the report prints for the same
    spending (the first printed)."""
    out: dict = {}
    for rows in by_report.values():
        later = [b for b in rows if str(b.budget_basis) in ("全年预算", "调整预算") and pd.notna(b.budget_wan)]
        for a in rows:
            if str(a.budget_basis) != "年初预算":
                continue
            hit = next((b for b in later if _same_spending(a, b)), None)
            if hit is not None:
                out[a.Index] = (hit.budget_basis, hit.budget_wan, hit.source_ref)
    return out


def _printed_amount(text) -> float | None:
    amounts = find_amounts(_why(text))
    return amounts[0][1] if amounts else None


def _moved_sources(rows: list) -> list[tuple[str, float | None, str]]:
    """(reason words, amount, ref) of each reason of one report that says money was moved: the amount it
    prints, else the outturn of a line that had no 年初 budget (the whole line came from elsewhere)."""
    out = []
    for r in rows:
        if "moved" not in reason_kinds(r.reason_text):
            continue
        amount = _printed_amount(r.reason_text)
        if amount is None and r.budget_wan == 0:
            amount = r.final_wan
        out.append((_why(r.reason_text), amount, r.reason_ref))
    return out


def _moved_overall(sources) -> tuple[float | None, str]:
    """Money the report says went out of (−) or into (+) the 一般公共预算 from another fund."""
    total, refs = 0.0, []
    for why, amount, ref in sources:
        sign = -1 if OUT_OF_GENERAL.search(why) else 1 if INTO_GENERAL.search(why) else 0
        if sign and amount is not None:
            total += sign * amount
            refs.append(ref)
    return (total, "; ".join(refs)) if refs else (None, "")


def _moved_line(r, sources) -> tuple[float | None, str]:
    """Money moved into (+) or out of (−) one line: the amount its own reason prints, the outturn of a line
    with no 年初 budget, or the amount of another reason about the same money (they share its name)."""
    if "moved" not in reason_kinds(r.reason_text):
        return None, ""
    sign = 1 if r.final_wan >= r.budget_wan else -1
    own = _printed_amount(r.reason_text)
    if own is None and r.budget_wan == 0:
        own = r.final_wan
    if own is not None:
        return sign * own, r.reason_ref
    why = _why(r.reason_text)
    for other, amount, ref in sources:
        if ref != r.reason_ref and amount is not None and _shared(why, other):
            return sign * amount, ref
    return None, ""


def _rest_reason(r, mid_year, rest) -> str:
    """The cause of what is left, in the page's words (reason.* of the catalogue)."""
    if abs(rest) <= SAME_FIGURE_WAN:
        return t("reasons.none_left")
    if pd.notna(mid_year):
        return t("reasons.against_adjusted")
    kinds = [k for k in reason_kinds(r.reason_text) if k != "moved"]
    if not kinds:
        return t("reasons.not_separated") if "moved" in reason_kinds(r.reason_text) else t("reasons.no_reason")
    return sep()["semi"].join(kind_word(k) for k in kinds) + t("reasons.amount_not_printed") * (kinds != ["spending"])


def _decompose(r, adjusted, sources) -> dict:
    basis, adj, adj_ref = adjusted if adjusted else (None, float("nan"), "")
    mid_year = adj - r.budget_wan if adjusted else float("nan")
    if str(r.level) == "overall":
        moved, moved_ref = _moved_overall(sources)
    else:
        moved, moved_ref = _moved_line(r, sources)
    moved = float("nan") if moved is None else moved
    deviation = r.final_wan - r.budget_wan
    rest = deviation - (0 if pd.isna(mid_year) else mid_year) - (0 if pd.isna(moved) else moved)
    return {
        "deviation_wan": deviation,
        "adjusted_basis": basis,
        "adjusted_budget_wan": adj,
        "adjusted_rate": r.final_wan / adj * 100 if adjusted and adj else float("nan"),
        "adjusted_ref": adj_ref,
        "mid_year_wan": mid_year,
        "moved_wan": moved,
        "moved_ref": moved_ref,
        "rest_wan": rest,
        "rest_reason": _rest_reason(r, mid_year, rest),
    }


def _typed(parts: list[dict], index: pd.Index) -> dict[str, pd.Series]:
    """The split's columns, typed rather than inferred: a part of the reports with no adjusted budget at
    all (a column of None) gives the type the whole corpus gives, so that parts join as the whole."""
    return {
        k: pd.Series([p[k] for p in parts], index=index, dtype="float64" if k.endswith(("_wan", "_rate")) else "str")
        for k in parts[0]
    }


def _with_parts(lines: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    by_report = _rows_by_report(lines)
    adjusted = adjusted_budgets(by_report)
    sources = {rid: _moved_sources(rows) for rid, rows in by_report.items()}
    parts = [_decompose(r, adjusted.get(r.Index), sources.get(r.report_id, [])) for r in rows.itertuples()]
    out = rows.assign(**_typed(parts, rows.index)) if parts else rows
    for c in COLUMNS:
        if c not in out:
            out = out.assign(**{c: pd.Series(dtype="object")})
    return out[COLUMNS].reset_index(drop=True)


def deviations(be: pd.DataFrame) -> pd.DataFrame:
    """One row per statement against its 年初预算 (overall, 类, 款, 项) whose outturn differs from a non-zero
    budget beyond rounding, the deviation split into mid-year change, money moved and the rest (see the
    module's docstring), with the report's reason and where it is printed. A report that prints only a 全年预算
    for a line (社工部 2024) gives its rows against that budget (`budget_basis` says which)."""
    lines = _lines(be)
    if lines.empty:
        return pd.DataFrame(columns=COLUMNS)
    key = pd.Series([_key(r) for r in lines.itertuples()], index=lines.index, dtype="object")
    start = lines.budget_basis == "年初预算"
    # a line stated only against a later budget: its rows against that budget
    only_later = ~start & lines.level.astype(str).isin(["类", "款", "项"]) & ~key.isin(set(key[start]))
    rows = lines[start | only_later]
    rows = rows[(rows.budget_wan.fillna(0) != 0) & rows.final_wan.notna()]
    rows = rows[(rows.final_wan - rows.budget_wan).abs() > SAME_FIGURE_WAN]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    return _with_parts(lines, rows)


def zero_budget_lines(be: pd.DataFrame) -> pd.DataFrame:
    """Statements with no 年初 budget (0) and an outturn: no rate, and not overruns. With the same split
    as `deviations` (the whole outturn is the deviation), and `new_unit`: where the report says the unit was
    created that year (社工部 2024: "单位 2024 年新成立"), the sentence's place."""
    lines = _lines(be)
    if lines.empty:
        return pd.DataFrame(columns=[*COLUMNS, "new_unit"])
    rows = lines[(lines.budget_wan == 0) & (lines.final_wan.fillna(0) > 0)]
    if rows.empty:
        return pd.DataFrame(columns=[*COLUMNS, "new_unit"])
    out = _with_parts(lines, rows)
    # each report's first sentence saying so (one pass over the frame, not a filter per report)
    hit = lines[lines.reason_text.fillna("").str.contains(NEW_UNIT)].drop_duplicates("report_id")
    new = dict(zip(hit.report_id, hit.reason_ref))
    # a list, not Series.map: with no new unit in the corpus map() gives an all-NaN float column
    return out.assign(new_unit=[new.get(r, "") for r in out.report_id])


# ---------------------------------------------------------------------------------------------
# Sentences (the page's and the key findings'; every number computed here)


def usable(d: pd.DataFrame) -> pd.DataFrame:
    """The rows no failing or uncertain check implicates: the sentences and the page's tables use these."""
    return d[d.flag.fillna("") == ""].reset_index(drop=True) if len(d) else d


def _mid_year_phrase(r) -> str:
    if r.mid_year_wan == 0:
        return t("reasons.mid_year_same", basis=r.adjusted_basis, ref=r.adjusted_ref)
    return t(
        "reasons.mid_year_added" if r.mid_year_wan > 0 else "reasons.mid_year_cut",
        amount=wan(abs(r.mid_year_wan)),
        basis=r.adjusted_basis,
        adjusted=wan(r.adjusted_budget_wan),
        ref=r.adjusted_ref,
        rate=pct(r.adjusted_rate, 2),
    )


def _moved_phrase(r) -> str:
    return t(
        "reasons.moved_out" if r.moved_wan < 0 else "reasons.moved_in", amount=wan(abs(r.moved_wan)), ref=r.moved_ref
    )


def _rest_phrase(r) -> str:
    cited = t("reasons.cited", ref=r.reason_ref) if isinstance(r.reason_ref, str) and r.reason_ref else ""
    return t("reasons.rest", amount=wan(r.rest_wan), reason=r.rest_reason, cited=cited)


def overall_phrase(r) -> str:
    """One report's overall deviation from its 年初预算 in words, each part with where the report says it."""
    head = t("reasons.head", report=r.report, rate=pct(r.rate, 2), budget=wan(r.budget_wan), final=wan(r.final_wan))
    parts = []
    if pd.notna(r.mid_year_wan):
        parts.append(_mid_year_phrase(r))
    if pd.notna(r.moved_wan):
        parts.append(_moved_phrase(r))
    if abs(r.rest_wan) > SAME_FIGURE_WAN:
        parts.append(_rest_phrase(r))
    return sep()["semi"].join([head, *parts])


def zero_overall_phrase(r) -> str:
    """An overall statement with no 年初 budget: the report's own account (a unit set up during the year)."""
    s = t("reasons.zero_head", report=r.report)
    if r.new_unit:
        s += t("reasons.new_unit", ref=r.new_unit)
    if pd.notna(r.adjusted_budget_wan):
        s += t(
            "reasons.zero_adjusted",
            basis=r.adjusted_basis,
            adjusted=wan(r.adjusted_budget_wan),
            ref=r.adjusted_ref,
            rate=pct(r.adjusted_rate, 2),
        )
    return s


def overall_reasons(dev: pd.DataFrame, zero: pd.DataFrame) -> str:
    """Each report's overall deviation from its 年初预算 split into the parts the report accounts for."""
    ov = usable(dev)
    ov = ov[ov.level.astype(str) == "overall"]
    zo = usable(zero)
    zo = zo[zo.level.astype(str) == "overall"]
    said = [overall_phrase(r) for r in ov.itertuples()] + [zero_overall_phrase(r) for r in zo.itertuples()]
    return listing(said, joiner=sep()["semi"], empty="")


def reason_counts(dev: pd.DataFrame, zero: pd.DataFrame) -> str:
    """How many deviations the reports explain, and how: the kinds of the reasons printed."""
    d = usable(dev)
    kinds = d.reason_kind.fillna("none").astype(str).value_counts()
    by_kind = sep()["list"].join(
        t("ex.n_statements", n=int(kinds[k]), what=kind_word(k)) for k in [*KINDS, "none"] if k in kinds
    )
    n_reports = d.report_id.nunique()
    s = t("reasons.counts_one" if n_reports == 1 else "reasons.counts", n=len(d), n_reports=n_reports, by_kind=by_kind)
    z = usable(zero)
    if len(z):
        s += t("reasons.zero_counts", n=len(z), n_reports=z.report_id.nunique())
    return s
