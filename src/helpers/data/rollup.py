"""`function_rollup`: every function code of every table at every level (类, 款, 项), printed or computed.

A report need not print the 款 and 类 rows above its 项 rows (汉阳 2024's 表3 prints only 项 rows,
among them 2130599 其他巩固脱贫攻坚成果衔接乡村振兴支出 1,793.00 万元 and no 21305 or 213 row), so
`line_items[code == "21305"]` misses its money. Here a 款 the table does not print is the sum of its
printed 项 rows, and a 类 it does not print the sum of its 款 (printed or so computed), each marked
`derived` and pointing to the rows summed. Printed rows are kept as printed (a printed 类 that does not
equal the sum of its items is the checks' business, not corrected here); nothing is computed downward.
"""

from __future__ import annotations

import pandas as pd

from ..core import schema
from ..core.vocabulary import CLASS_NAMES, CODE_LEVELS

KEYS = ["table", "side", "code", "measure"]


def _refs(refs) -> str:
    """`line 106, line 107`: the distinct places of the rows summed, in their order."""
    return ", ".join(dict.fromkeys(str(r) for r in refs if r is not None and not pd.isna(r)))


def function_rollup(line_items: pd.DataFrame | None, report_id: str) -> pd.DataFrame:
    """The roll-up of one report's function rows (line_items with code_domain `function`)."""
    if line_items is None or line_items.empty:
        return schema.empty("function_rollup")
    li = line_items[
        (line_items["code_domain"] == "function").fillna(False).astype(bool)
        & line_items["code"].fillna("").str.len().isin(list(CODE_LEVELS)).astype(bool)
    ]
    if li.empty:
        return schema.empty("function_rollup")
    li = li.assign(side=li["side"].astype("object"), doubtful=li["doubtful"].fillna(False).astype(bool))
    rows = _printed_rows(li, report_id)
    have = {(r["table"], r["side"], r["code"], r["measure"]) for r in rows}
    # 款 from printed 项, then 类 from 款 (printed or computed): the shorter code is the parent's
    for child_len, parent_len in ((7, 5), (5, 3)):
        rows += _derived_parents(rows, have, child_len, parent_len, report_id)
    df = pd.DataFrame(rows)
    # table order as read, then code order: 类 before its 款 before its 项
    first = {t: i for i, t in enumerate(dict.fromkeys(li["table"]))}
    df = df.assign(_t=df["table"].map(first)).sort_values(["_t", "side", "code"], kind="stable", na_position="first")
    return schema.conform(df.drop(columns="_t"), "function_rollup")


def _printed_rows(li: pd.DataFrame, report_id: str) -> list[dict]:
    """One row per table, side, code and measure as printed (the first, should a table repeat a code)."""
    return [
        {
            "report_id": report_id,
            "table": r.table,
            "side": r.side,
            "code": r.code,
            "level": CODE_LEVELS[len(r.code)],
            "name": r.row_label,
            "measure": r.measure,
            "amount_wan": r.amount_wan,
            "derived": False,
            "rows_summed": None,
            "doubtful": bool(r.doubtful),
            "source_ref": r.source_ref,
        }
        for r in li.drop_duplicates(KEYS).itertuples()
    ]


def _derived_parents(rows: list[dict], have: set, child_len: int, parent_len: int, report_id: str) -> list[dict]:
    """The parents (codes of `parent_len`) no table prints, summed from their children; `have` gains them."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if len(r["code"]) == child_len:
            key = (r["table"], r["side"], r["code"][:parent_len], r["measure"])
            if key not in have:
                groups.setdefault(key, []).append(r)
    out = []
    for (table, side, code, measure), g in groups.items():
        amounts = pd.Series([r["amount_wan"] for r in g], dtype="float64")
        out.append(
            {
                "report_id": report_id,
                "table": table,
                "side": side,
                "code": code,
                "level": CODE_LEVELS[parent_len],
                "name": CLASS_NAMES.get(code) if parent_len == 3 else None,
                "measure": measure,
                "amount_wan": amounts.sum(min_count=1),  # blank when every item is blank
                "derived": True,
                "rows_summed": sum(r["rows_summed"] or 1 for r in g),
                "doubtful": any(r["doubtful"] for r in g),
                "source_ref": _refs(ref for r in g for ref in str(r["source_ref"]).split(", ")),
            }
        )
        have.add((table, side, code, measure))
    return out
