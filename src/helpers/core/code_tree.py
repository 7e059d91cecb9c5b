"""The code tree of a coded table (合计 = Σ类, 类 = Σ款, 款 = Σ项), defined once for the reader's
placement (`placement.place`), its own sums (`shapes.coded.check_hierarchy`) and the checks
(`checks/tables.py`, T2/T3/T5/U4 .total_sum / .class_sum / .kuan_sum).

Each printed code hangs from its nearest printed ancestor: a 项 from its 款, or from its 类 when the
款 is not printed; a 款 from its 类. A code none of whose ancestors is printed (an orphan: its 类 not
printed) hangs from the 合计 row, since the 合计 counts it all the same.
"""

from __future__ import annotations

from collections.abc import Container

TOTAL = "合计"  # the root's key in `children`


def parent_code(code: str, printed: Container[str]) -> str | None:
    """The nearest printed ancestor of `code` (its 款, else its 类); None: it hangs from the 合计 row."""
    for plen in (5, 3):
        if len(code) > plen and code[:plen] in printed:
            return code[:plen]
    return None


def code_parents(codes: list[str | None], total_index: int | None) -> list[int | None]:
    """Parent row of each row: the row of its nearest printed ancestor code, the 合计 row (`total_index`)
    for the top level and for orphans. Rows without a code (and the 合计 row itself) hang from nothing."""
    where: dict[str, int] = {}
    for i, c in enumerate(codes):
        if c and c not in where:
            where[c] = i
    out: list[int | None] = []
    for i, c in enumerate(codes):
        if i == total_index or not c:
            out.append(None)
            continue
        p = parent_code(c, where)
        out.append(total_index if p is None else where[p])
    return out


def children(codes: list[str]) -> dict[str, list[str]]:
    """Each printed code's printed sub-codes, and under `TOTAL` the codes that hang from the 合计 row
    (each code once, in printed order)."""
    printed = dict.fromkeys(codes)
    kids: dict[str, list[str]] = {}
    for c in printed:
        kids.setdefault(parent_code(c, printed) or TOTAL, []).append(c)
    return kids
