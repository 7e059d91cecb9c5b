"""Amounts with their units, percentages and years in narrative text.

Rules: an amount is taken only with its unit (亿元 / 万元 / 元, or a bare 万 closed by punctuation, as
in "预算数为 10 万，执行数 10 万"); a number followed by 年 is a year, never an amount; values are
returned in 万元.
"""

from __future__ import annotations

import re
from typing import overload

from ..core.normalize import NUM

# A bare 万 counts as 万元 only when nothing but punctuation, space or the end follows (not 万件, 万人次).
UNIT = r"亿元|万余元|万元|元|万(?=[\s，,。；;、：:）)]|$)"
AMOUNT_RE = re.compile(rf"(?P<num>{NUM})\s*(?P<unit>{UNIT})")

_TO_WAN = {"亿元": 10000.0, "万余元": 1.0, "万元": 1.0, "万": 1.0, "元": 0.0001}


# A printed number always gives a float; only a missing one (None) gives None.
@overload
def to_float(s: str) -> float: ...
@overload
def to_float(s: None) -> None: ...
def to_float(s: str | None) -> float | None:
    if s is None:
        return None
    return float(s.replace(",", ""))


def to_wan(num: str, unit: str) -> float:
    return round(to_float(num) * _TO_WAN[unit], 6)


def find_amounts(text: str, start: int = 0, end: int | None = None):
    """(match, value_wan, unit) for every amount with a unit in text[start:end]."""
    end = len(text) if end is None else end
    out = []
    for m in AMOUNT_RE.finditer(text, start, end):
        out.append((m, to_wan(m.group("num"), m.group("unit")), m.group("unit")))
    return out


PERCENT_RE = re.compile(rf"({NUM})\s*[%％]")


def percents(text: str) -> list[str]:
    """The percentages printed in text, as printed (thousands separators dropped): '98.6' for 98.6%."""
    return PERCENT_RE.findall(text.replace(",", ""))


def pct(s: str | None) -> float | None:
    return to_float(s) if s is not None else None


def rate(final: float | None, budget: float | None) -> float | None:
    """final / budget × 100; None when the budget is 0 or missing (a rate against zero is undefined)."""
    if final is None or budget is None or budget == 0:
        return None
    return round(final / budget * 100, 2)
