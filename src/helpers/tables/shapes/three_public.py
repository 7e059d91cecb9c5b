"""三公 (T7): one row of up to twelve figures, 预算数 | 决算数 for 合计, 因公出国（境）, 公务用车 小计 /
购置 / 运行, 公务接待."""

from __future__ import annotations

from ...settings import SETTINGS
from ..reading import Reading

KIND = "three_public"


def settle_three_public(
    items: list[dict],
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
    if len(keep) == 1:
        reading.ambiguous = []
    reading.by_arithmetic = sum(1 for it in items if it["amount_wan"] is not None)
