"""基本支出 by economic class (T6): two blocks side by side, 人员经费 and 公用经费, each printed as
`code label figure`, and a 合计 per block.

Whatever the layout, the shape is read the same way: one column (决算数); the rows are `RowRecord`s
(economic code, label, one figure) built by the layout, in the order it read them; each row's block
comes from its code (301, 303: 人员经费) or, for a 合计 row, its label (`catalog.t6_section`). Where
the layout lost the column, a row printing more than one figure keeps none and is doubtful. Its own
sums on every reading: `check_economic` (each 类 = Σ its 款, each block's 合计 = Σ its 类).
"""

from __future__ import annotations

import re

from ...core.catalog import t6_section
from ...core.normalize import parse_amount
from ...core.settings import SETTINGS
from ...core.vocabulary import PERSONNEL_CLASSES
from ..identities import mark
from ..line_item import LineItem
from ..reading import Reading
from .records import RowRecord, item, items_by_position

KIND = "economic"

CODE = re.compile(r"^3\d{2}(\d{2})?$")  # an economic-class code: 类 (301), 款 (30101)

ONE_COLUMN = ["final"]


def line_items(
    table: str,
    rows: list[RowRecord],
    measures: list[str],
    unit: str,
    notes: list[str],
    reading: Reading | None = None,
    hints: dict | None = None,
) -> list[LineItem]:
    """The table's line_items, one per row. `reading` given: the layout lost the column."""
    out: list[LineItem] = []
    for order, r in enumerate(rows):
        sec = t6_section(r.code, r.label)
        if reading is None:
            out += items_by_position(table, r, ONE_COLUMN, order, unit, notes, section=sec)
            continue
        texts = r.texts
        reading.rows += 1
        if len(texts) > 1:
            reading.unplaced.append(f"{r.ref}: {r.code} prints {len(texts)} figures for one column; none kept")
        v = parse_amount(texts[0]) if len(texts) == 1 else None
        if not r.total:  # (the 合计 rows have never been counted among the figures placed)
            reading.by_position += 1 if v is not None else 0
        it = item(table, "final", v, label=r.label, code=r.code, section=sec, ref=r.ref, order=order, unit=unit)
        it["doubtful"] = len(texts) > 1 or r.doubt
        out.append(it)
    return out


def check_economic(items: list[LineItem], reading: Reading) -> None:
    """T6: each economic 类 = Σ its 款, and 人员经费 / 公用经费 合计 = Σ their 类. Where the text kept no
    positions and these fail, the cells involved are marked doubtful (see `check_hierarchy`)."""
    val = {}
    for it in items:
        key = it["code"] or it["row_label"]
        if key and key not in val:
            val[key] = it["amount_wan"]
    groups: list[tuple[str, list[str]]] = []
    classes = [c for c in val if c and len(c) == 3 and c.isdigit()]
    for c in classes:
        kids = [k for k in val if k and len(k) == 5 and k.isdigit() and k.startswith(c)]
        if kids:
            groups.append((c, kids))
    for label, section in (("人员经费", "personnel"), ("公用经费", "public")):
        total = next((k for k in val if k and not k.isdigit() and label in k and "合计" in k), None)
        if total:
            groups.append((total, [c for c in classes if (c in PERSONNEL_CLASSES) == (section == "personnel")]))
    failing = []
    for parent, kids in groups:
        pv = val.get(parent)
        if pv is None or not kids:
            continue
        s = sum(val[k] or 0.0 for k in kids)
        if abs(pv - s) > SETTINGS.rounding_wan * (len(kids) + 1) + SETTINGS.sum_slack:
            failing.append((parent, kids))
            reading.failing_sums.append(f"{parent}: the rows under it add up to {s:,.2f}, not {pv:,.2f}")
    if not reading.doubtful:
        return
    suspect = {k for p, kids in failing for k in (p, *kids)}
    # a row that lost its code (a label with figures) takes part in no sum: nothing can confirm it either
    checked = {k for p, kids in groups for k in (p, *kids)}
    for it in items:
        key = it["code"] or it["row_label"]
        if it["amount_wan"] is not None and (key in suspect or (not it["code"] and key not in checked)):
            it["doubtful"] = True
    if reading.ocr:  # name the sums on the reading
        for p, kids in failing:
            cells = [it for it in items if (it["code"] or it["row_label"]) in (p, *kids)]
            mark(f"{p} = Σ the rows under it", cells, reading)


check = check_economic  # the shape's own sums, recorded on every reading (`found.assess`)
