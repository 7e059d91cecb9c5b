"""The rule registry, the rounding envelope, and how one comparison becomes a `checks` row.

A rule is a function over one report's datasets (`Report`) that yields `Result`s; it is
registered with an id (`T5.class_sum`), a one-line statement of what must hold, a family and
the severity a failure carries. `run_checks` runs every registered rule and turns the results
into rows of the `checks` dataset.

Tolerance. Every printed figure is a rounding of a true value: a figure printed with d decimals
is within half a unit (0.5·10^-d) of it. Comparing a printed total with the sum of n printed
parts therefore allows the sum of the half-units involved — (n+1)×0.005 万元 for a two-decimal
table. A rate is recomputed as the interval the printed amounts allow (each ± its half-unit),
widened by the printed rate's own half-unit. A difference inside the envelope is a pass with
severity `info` and message "rounding"; it is never an error.

Blanks. A blank cell is not 0. A sum whose blank parts are needed to close the gap is
`insufficient_data` (the message names the blank cells); when the printed parts already give the
total, the blanks are shown to be 0 and the check passes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core import schema
from ..core.normalize import SIGNED_NUM
from ..core.settings import SETTINGS

if TYPE_CHECKING:
    from ..read.document import Document


class Outcome(StrEnum):
    """A check's outcome (checks.outcome). A member equals its name as a string (`Outcome.FAIL == "fail"`)."""

    PASS = "pass"
    FAIL = "fail"
    UNCERTAIN = "uncertain"  # the figures disagree, but the difference may be our reading's
    INSUFFICIENT_DATA = "insufficient_data"
    NOT_APPLICABLE = "not_applicable"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITIES = tuple(s.value for s in Severity)
OUTCOMES = tuple(o.value for o in Outcome)
FAMILIES = {
    "within-table": "Within one table",
    "across-tables": "Across tables",
    "narrative-vs-table": "Narrative against the tables",
    "within-narrative": "Within the narrative",
    "review": "A reviewer's reading of the text (years, words against numbers, template leftovers, rates and figures "
    "as printed)",
}


# ---------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    severity: str
    family: str
    func: Callable[[Report], Iterable[Result]]
    needs: str = ""  # what the rule reads, for the generated document

    def run(self, report: Report) -> Iterator[Result]:
        yield from self.func(report)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, statement: str, *, severity: str = "error", family: str, needs: str = ""):
    """Register a rule function under an id."""
    if severity not in SEVERITIES:
        raise ValueError(f"{rule_id}: unknown severity {severity}")
    if family not in FAMILIES:
        raise ValueError(f"{rule_id}: unknown family {family}")

    def deco(func):
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, statement, severity, family, func, needs)
        return func

    return deco


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Result:
    outcome: str
    message: str
    expected: float | None = None
    found: float | None = None
    source_ref: str | None = None
    severity: str | None = None  # None: `info` unless the outcome is a failure (then the rule's)
    # The finding rests on the printed text itself (figures of a line, words), not on where we placed
    # cells: a doubtful reading of the table it names does not make it ours.
    from_text: bool = False

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome}")
        if self.severity is not None and self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity}")
        # rules pass the words; the record holds the enums (equal to the words)
        self.outcome = Outcome(self.outcome)
        self.severity = Severity(self.severity) if self.severity is not None else None


def insufficient(message: str, source_ref: str | None = None) -> Result:
    return Result("insufficient_data", message, source_ref=source_ref)


def not_applicable(message: str, source_ref: str | None = None) -> Result:
    return Result("not_applicable", message, source_ref=source_ref)


# ---------------------------------------------------------------------------------------------
# Printed figures


@dataclass
class Fig:
    """A printed figure: value (None for a blank), where it was read, what it is, its half-unit."""

    value: float | None
    ref: str | None
    label: str
    half: float = field(default_factory=lambda: SETTINGS.rounding_wan)  # the settings in force
    inferred: bool = False  # the cell's column was inferred (source lost positions)
    doubtful: bool = False  # the cell's reading is in doubt (line_items.doubtful)

    @property
    def blank(self) -> bool:
        return self.value is None

    @property
    def amount(self) -> float:
        """The value of a figure the caller has already found printed (not `blank`)."""
        assert self.value is not None, f"{self.label}: a blank figure used as a number"
        return self.value


def fmt(v: float | None) -> str:
    if v is None:
        return "blank"
    if abs(v - round(v)) < SETTINGS.same_number and abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def fmt_pct(v: float | None) -> str:
    return "blank" if v is None else f"{v:.2f}%"


def join_refs(*refs: str | None) -> str | None:
    """Both sides' places, e.g. "T5 line 275; T6 line 355"; many cells of one table are shown as
    the first and the last ("T4 lines 215…240, 26 cells")."""
    out: list[str] = []
    for r in refs:
        if not r:
            continue
        for part in str(r).split("; "):
            if part and part not in out:
                out.append(part)
    if not out:
        return None
    groups: dict[str, list[str]] = {}
    for part in out:
        m = re.match(r"^(T\d)\s+(?:line|page)s?\s+(\d+)$", part)
        key = m.group(1) if m else part
        groups.setdefault(key, []).append(part)
    pieces = []
    for key, parts in groups.items():
        if len(parts) <= 3:
            pieces += parts
        else:
            # more than one part under a key only when they matched `T<n> line <k>` above
            nums = [_last_number(p) for p in parts]
            unit = "lines" if "line" in parts[0] else "pages"
            pieces.append(f"{parts[0]}; {key} {unit} {nums[1]}…{nums[-1]} ({len(parts) - 1} cells)")
    return "; ".join(pieces)


def _last_number(ref: str) -> str:
    m = re.search(r"(\d+)$", ref)
    assert m is not None, f"{ref}: no line or page number at its end"
    return m.group(1)


def _parts_text(parts: list[Fig]) -> str:
    """`a 1.00 + b 2.00`; long lists keep the printed non-zero parts and count the rest."""
    if len(parts) <= 6:
        return " + ".join(f"{p.label} {fmt(p.value)}" for p in parts)
    shown = [p for p in parts if p.value not in (None, 0.0)]
    zero = sum(1 for p in parts if p.value == 0.0)
    blank = sum(1 for p in parts if p.value is None)
    txt = " + ".join(f"{p.label} {fmt(p.value)}" for p in shown) or "(none printed)"
    notes = [f"{zero} printed 0" if zero else "", f"{blank} blank" if blank else ""]
    rest = ", ".join(x for x in notes if x)
    return f"{txt}{f' (other lines: {rest})' if rest else ''}"


def guard_reading(res: Result, figs: list[Fig]) -> Result:
    """A failure resting on cells whose column was inferred, or whose reading is doubtful, cannot be
    trusted to be the report's: it becomes `uncertain` (never an error)."""
    if res.outcome != "fail":
        return res
    inf = [f.label for f in figs if f.inferred and not f.blank and not f.doubtful]
    doubt = [f.label for f in figs if f.doubtful]
    if not inf and not doubt:
        return res
    why = []
    if doubt:
        why.append(f"the reading of {', '.join(doubt)} is doubtful (see table_readings)")
    if inf:
        why.append(f"the source lost the columns of {', '.join(inf)} (placed by the table's arithmetic)")
    return Result(
        "uncertain",
        f"{res.message}. But {' and '.join(why)}, so the difference may be ours, not the report's; check the page",
        res.expected,
        res.found,
        res.source_ref,
        severity="warning",
    )


def tref(table: str, ref: str | None) -> str | None:
    """`T5 line 275` from a table code and a cell's source_ref."""
    return f"{table} {ref}" if ref else None


def sum_check(total: Fig, parts: list[Fig], *, what: str, refs: str | None = None) -> Result:
    """Does a printed total equal the sum of its printed parts, within the rounding envelope?"""
    refs = refs or join_refs(total.ref, *[p.ref for p in parts])
    printed = [p for p in parts if not p.blank]
    blanks = [p for p in parts if p.blank]
    expr = _parts_text(parts)
    if total.blank:
        if not printed:
            return not_applicable(f"{what}: total and parts all blank; nothing printed to compare", refs)
        if all(abs(p.amount) < SETTINGS.eps for p in printed):
            return not_applicable(f"{what}: total blank and every printed part 0", refs)
        return insufficient(
            f"{what}: {total.label} is blank while its parts are printed ({expr}); "
            "a blank is not 0, so the total cannot be checked",
            refs,
        )
    if not printed:
        if abs(total.amount) < SETTINGS.eps:
            return Result("pass", f"{what}: {total.label} 0 and every part blank", 0.0, total.value, refs)
        return insufficient(
            f"{what}: {total.label} {fmt(total.value)} but every part is blank "
            f"({', '.join(p.label for p in parts)}); the parts cannot be checked",
            refs,
        )
    s = sum(p.amount for p in printed)
    diff = total.amount - s
    env = total.half + sum(p.half for p in printed)
    blank_note = f"; blank {', '.join(p.label for p in blanks)} shown to be 0 by the sum" if blanks else ""
    if abs(diff) <= env + SETTINGS.eps:
        if abs(diff) < SETTINGS.eps:
            return Result(
                "pass", f"{what}: {total.label} {fmt(total.value)} = {expr}{blank_note}", s, total.value, refs
            )
        return Result(
            "pass",
            f"rounding: {what}: {total.label} {fmt(total.value)} vs {expr} = {fmt(s)} "
            f"(difference {diff:+.2f} within the ±{env:.3f} rounding envelope){blank_note}",
            s,
            total.value,
            refs,
        )
    if blanks and diff > 0:
        return insufficient(
            f"{what}: {total.label} {fmt(total.value)} exceeds the printed parts {expr} = {fmt(s)} by {diff:.2f}; the "
            f"blank cells ({', '.join(p.label for p in blanks)}) could hold it (a blank is not 0)",
            refs,
        )
    return guard_reading(
        Result(
            "fail",
            f"{what}: {total.label} is printed as {fmt(total.value)}, but {expr} = {fmt(s)} "
            f"(difference {diff:+.2f}, beyond the ±{env:.3f} rounding envelope)",
            s,
            total.value,
            refs,
        ),
        [total, *parts],
    )


def equal_check(found: Fig, expected: Fig, *, what: str, refs: str | None = None) -> Result:
    """Does a figure restate another (each a rounding of the same value)?"""
    refs = refs or join_refs(found.ref, expected.ref)
    if found.blank and expected.blank:
        return not_applicable(f"{what}: both blank", refs)
    if found.blank or expected.blank:
        blank, other = (found, expected) if found.blank else (expected, found)
        if abs(other.amount) < SETTINGS.eps:
            return not_applicable(f"{what}: {blank.label} blank, {other.label} 0", refs)
        return insufficient(
            f"{what}: {blank.label} is blank while {other.label} is {fmt(other.value)}; "
            "a blank is not 0, so they cannot be compared",
            refs,
        )
    diff = found.amount - expected.amount
    env = found.half + expected.half
    if abs(diff) <= env + SETTINGS.eps:
        if abs(diff) < SETTINGS.eps:
            return Result(
                "pass",
                f"{what}: {found.label} {fmt(found.value)} = {expected.label} {fmt(expected.value)}",
                expected.value,
                found.value,
                refs,
            )
        return Result(
            "pass",
            f"rounding: {what}: {found.label} {fmt(found.value)} vs {expected.label} "
            f"{fmt(expected.value)} (difference {diff:+.2f} within ±{env:.3f})",
            expected.value,
            found.value,
            refs,
        )
    return guard_reading(
        Result(
            "fail",
            f"{what}: {found.label} is printed as {fmt(found.value)}, but {expected.label} is "
            f"{fmt(expected.value)} (difference {diff:+.2f}, beyond ±{env:.3f})",
            expected.value,
            found.value,
            refs,
        ),
        [found, expected],
    )


# ---------------------------------------------------------------------------------------------
# Printed precision of narrative figures

_NUM_RE = re.compile(SIGNED_NUM)


def printed_decimals(value: float | None, text: str | None) -> int:
    """Decimals the figure was printed with: found in its sentence when possible, else from the
    value itself (a conservative guess: `300.00` read as 300 is treated as printed `300`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 2
    best = None
    if text:
        for m in _NUM_RE.finditer(str(text).replace(" ", "")):
            tok = m.group(0).replace(",", "").replace("−", "-")
            try:
                v = float(tok)
            except ValueError:
                continue
            if abs(abs(v) - abs(value)) < SETTINGS.same_number:
                d = len(tok.split(".")[1]) if "." in tok else 0
                best = d if best is None else max(best, d)
    if best is not None:
        return best
    for d in range(0, 7):
        if abs(round(value, d) - value) < SETTINGS.same_number:
            return d
    return 6


def half_unit(decimals: int) -> float:
    return 0.5 * 10 ** (-decimals)


def narrative_fig(value, text, ref, label) -> Fig:
    v = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    return Fig(v, ref, label, half_unit(printed_decimals(v, text)) if v is not None else SETTINGS.rounding_wan)


# ---------------------------------------------------------------------------------------------
# Rates


def ratio_interval(num: Fig, den: Fig) -> tuple[float, float] | None:
    """Range of 100·num/den when each is anywhere within its rounding (den must stay > 0)."""
    lo_d, hi_d = den.amount - den.half, den.amount + den.half
    if lo_d <= 0:
        return None
    lo_n, hi_n = num.amount - num.half, num.amount + num.half
    cands = [100 * a / b for a in (lo_n, hi_n) for b in (lo_d, hi_d)]
    return min(cands), max(cands)


# A figure cut in its last printed digit instead of rounded (95.4572% printed 95.45%, 4,199.36 printed
# 4,199.3) is a slip of presentation, not a contradiction: every rule that recognises one reports it at
# this severity (N.rate_completion, N.rate_change, N.rate_share, R.rate_truncated, NX.totals), so no page
# calls it an error where another calls it information, and it never lowers a report's verdict.
TRUNCATION_SEVERITY = "info"


def truncation_of(printed: float, lo: float, hi: float, decimals: int) -> bool:
    """True when `printed` (with `decimals` decimals) is some value in [lo, hi] cut, not rounded, to
    those decimals (towards zero, as a cut does for a negative rate too)."""
    unit = 10.0 ** (-decimals)
    if printed < 0 or (printed == 0 and hi <= 0):
        printed, lo, hi = -printed, -hi, -lo
    return lo < printed + unit - SETTINGS.eps and printed <= hi + SETTINGS.eps


def _decimals_of_half(half: float) -> int:
    return max(0, round(-math.log10(2 * half))) if half > 0 else 2


def rate_check(
    printed_pct: float, pct_half: float, lo: float, hi: float, central: float, *, what: str, refs: str | None
) -> Result:
    """A printed rate against the range the printed amounts allow; a rate outside it that is the range
    cut in its last digit is a failure of severity TRUNCATION_SEVERITY."""
    if lo - pct_half - SETTINGS.eps <= printed_pct <= hi + pct_half + SETTINGS.eps:
        if (
            abs(printed_pct - central) < max(pct_half, SETTINGS.rate_equal_pct) + SETTINGS.eps
            and abs(round(central, 2) - printed_pct) < SETTINGS.eps
        ):
            return Result(
                "pass",
                f"{what}: printed {fmt_pct(printed_pct)} = recomputed {fmt_pct(central)}",
                central,
                printed_pct,
                refs,
            )
        return Result(
            "pass",
            f"rounding: {what}: printed {fmt_pct(printed_pct)}, recomputed {fmt_pct(central)} "
            f"(the printed amounts allow {lo:.2f}%–{hi:.2f}%)",
            central,
            printed_pct,
            refs,
        )
    res = Result(
        "fail",
        f"{what}: printed {fmt_pct(printed_pct)}, but the printed amounts give {fmt_pct(central)} "
        f"(range {lo:.2f}%–{hi:.2f}% allowing for rounding)",
        central,
        printed_pct,
        refs,
    )
    d = _decimals_of_half(pct_half)
    if truncation_of(printed_pct, lo, hi, d):
        res.message += f" — the rate cut to {d} decimal{'s' if d != 1 else ''} instead of rounded, not a contradiction"
        res.severity = TRUNCATION_SEVERITY
    return res


# ---------------------------------------------------------------------------------------------
# One report's datasets


def _isnull(v) -> bool:
    return (
        v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or (not isinstance(v, str) and pd.isna(v))
    )


def val(v) -> float | None:
    return None if _isnull(v) else float(v)


def sval(v) -> str | None:
    return None if _isnull(v) else str(v)


@dataclass
class Report:
    datasets: dict[str, pd.DataFrame]
    report_id: str | None = None
    _cache: dict = field(default_factory=dict)
    doc: Document | None = None  # the Document (lines with refs) for rules that read the text itself

    def cached(self, key: Hashable, make: Callable[[], object]) -> Any:
        """What `make` gives, computed once per report (paragraphs, lines, statements read from the text)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def frame(self, name: str) -> pd.DataFrame:
        df = self.datasets.get(name)
        if df is None:
            return schema.empty(name)
        return df

    @property
    def reports_row(self) -> dict | None:
        """The report's row of `reports` (read, never changed, by the rules: built once, not once per rule)."""

        def row() -> dict | None:
            r = self.frame("reports")
            return r.iloc[0].to_dict() if len(r) else None

        return self.cached(("reports_row",), row)

    def table(self, code: str) -> pd.DataFrame:
        if code not in self._cache:
            li = self.frame("line_items")
            self._cache[code] = li[li["table"] == code] if len(li) else li
        return self._cache[code]

    def has_table(self, code: str) -> bool:
        return len(self.table(code)) > 0

    def table_state(self, code: str) -> str:
        """`data`, `empty` (printed with no rows), or `missing`."""
        return self.cached(("table_state", code), lambda: self._table_state(code))

    def _table_state(self, code: str) -> str:
        row = self.reports_row
        if row is not None:
            empty = list(row.get("tables_empty") or [])
            if code in empty:
                return "empty"
        if self.has_table(code):
            t = self.table(code)
            return "data" if t["amount_wan"].notna().any() else "empty"
        return "missing"

    def missing_msg(self, *codes: str) -> str:
        miss = [c for c in codes if self.table_state(c) == "missing"]
        return f"{', '.join(miss)} not found in the file (lost in conversion or not published)" if miss else ""
