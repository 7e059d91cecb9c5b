"""三公 (T7): one row of up to twelve figures, 预算数 | 决算数 for 合计, 因公出国（境）, 公务用车 小计 /
购置 / 运行, 公务接待.

Whatever the layout, the shape is read the same way:
- the header names the columns: the 栏次 numbers 1..12 (`NUMBERED`), or an item header (合计, 因公出国…)
  over a 预算数 | 决算数 pair (`pair_measure`); a layout that lost the columns has the printed order
  (`PRINTED`: each item's 预算数 then 决算数);
- the row is one `RowRecord` (`合计`) built by the layout;
- figures whose columns are known are placed there; figures whose columns were lost are placed by
  the table's arithmetic (`vocabulary.THREE_PUBLIC_PARTS`: 合计 = 出国 + 公务用车 + 接待, 公务用车 = 购置 +
  运行, for 预算数 and 决算数);
  a placement the arithmetic leaves open is settled later by the narrative (`settle_three_public`).
"""

from __future__ import annotations

from ...core.normalize import compact
from ...core.settings import SETTINGS
from ...core.vocabulary import (
    THREE_PUBLIC_BASES,
    THREE_PUBLIC_COLUMNS,
    THREE_PUBLIC_HEADER_WORDS,
    THREE_PUBLIC_ITEMS,
    THREE_PUBLIC_PARTS,
)
from ..line_item import LineItem
from ..placement import Identity, place
from ..reading import Reading
from .records import RowRecord, items_by_arithmetic, items_by_position

KIND = "three_public"

NUMBERED = list(THREE_PUBLIC_COLUMNS)  # the column numbered k in the 栏次 row is NUMBERED[k - 1]
PRINTED = [f"{side}_{it}" for it in THREE_PUBLIC_ITEMS for side in THREE_PUBLIC_BASES]  # as printed


def item_of_header(text: str) -> str | None:
    """The 三公 item a header cell names (`因公出国（境）费` → overseas); None for other words and for the
    table's title-like cells (`…及…`)."""
    t = compact(text)
    if not t or "及" in t:
        return None
    return next((it for kw, it in THREE_PUBLIC_HEADER_WORDS if kw in t), None)


def pair_measure(word: str, item: str) -> str | None:
    """The measure of a 预算数 / 决算数 cell under an item's header; None for any other word."""
    if word not in ("预算数", "决算数"):
        return None
    return ("budget_" if word == "预算数" else "final_") + item


def _identities(measures: list[str]) -> tuple[Identity, ...]:
    """The sums of `vocabulary.THREE_PUBLIC_PARTS`, for 预算数 and 决算数 each."""
    col = {m: k for k, m in enumerate(measures)}
    return tuple(
        Identity((col[f"{side}_{whole}"],), tuple(col[f"{side}_{p}"] for p in parts))
        for side in THREE_PUBLIC_BASES
        for whole, parts in THREE_PUBLIC_PARTS.items()
    )


def line_items(
    table: str,
    rows: list[RowRecord],
    measures: list[str],
    unit: str,
    notes: list[str],
    reading: Reading | None = None,
    hints: dict | None = None,
) -> list[LineItem]:
    """The 合计 row's line_items. `reading` given: the layout lost the columns (`measures` is then
    `PRINTED`, the figures placed by the arithmetic); else every figure carries its column."""
    if reading is None:
        return [it for r in rows for it in items_by_position(table, r, measures, 0, unit, notes)]
    res = place([r.place_row(len(measures)) for r in rows], len(measures), _identities(measures))
    items = items_by_arithmetic(table, rows, measures, res, unit, reading, record_failing=True)
    order = {m: k for k, m in enumerate(THREE_PUBLIC_COLUMNS)}
    return sorted(items, key=lambda it: order.get(it["measure"], 99))


def settle_three_public(
    items: list[LineItem],
    reading: Reading,
    stated: dict[str, tuple[float | None, float | None]],
    stated_ref: dict[str, str],
) -> None:
    """A 三公 row whose figures fit several columns (公务用车购置费 or 运行费?) is settled when the
    narrative states the items: keep the placements that agree with every statement.
    `stated`: item → (budget, outturn) as the narrative gives them."""
    if not reading.alternatives:
        return
    order, options = reading.alternatives[0]

    def agrees(opt: dict[str, float]) -> bool:
        for what, (budget, final) in stated.items():
            for side, v in (("budget", budget), ("final", final)):
                m = f"{side}_{what}"
                if v is None or not any(m in o for o in options):
                    continue  # the statement does not bear on the choice
                if abs((opt.get(m) or 0.0) - v) > SETTINGS.rounding_wan + SETTINGS.same_number:
                    return False
        return True

    keep = [o for o in options if agrees(o)]
    if not keep or len(keep) == len(options):
        return
    # Cells on which every remaining placement agrees are settled; the others stay blank and doubtful.
    measures = {m for o in options for m in o}
    open_cells = []
    for it in items:
        if it["row_order"] != order or it["measure"] not in measures | {m for o in keep for m in o}:
            continue
        values = {o.get(it["measure"]) for o in keep}
        if len(values) == 1:
            it["amount_wan"], it["doubtful"] = values.pop(), False
            it["column_inferred"] = it["amount_wan"] is not None
        else:
            it["amount_wan"], it["doubtful"] = None, True
            open_cells.append(it["measure"])
    refs = ", ".join(sorted({stated_ref[i] for i in stated if i in stated_ref}))
    reading.resolved.append(
        f"T7 placements narrowed by the narrative's 三公 statements ({refs})"
        + (f"; still open: {', '.join(open_cells)}" if open_cells else "")
    )
    reading.alternatives = [(order, keep)] if len(keep) > 1 else []
    still = [p for p in reading.complete if all(agrees(cells) for _, cells in p)]
    reading.complete = still if len(still) > 1 else []
    if len(keep) == 1:
        reading.ambiguous = []
    reading.by_arithmetic = sum(1 for it in items if it["amount_wan"] is not None)


def check(items: list[LineItem], reading: Reading) -> None:
    """Nothing recorded on the reading: its sums are tested by the checks (`checks/tables.py`,
    T7.total and T7.vehicle_subtotal)."""
