"""Two-sided 总表 (T1, T4): income rows on the left, expenditure rows on the right, each a label and
its figures.

Whatever the layout, the shape is read the same way:
- the income side has one column (决算数); so has T1's expenditure side; T4's expenditure side has
  合计 | 一般公共预算 | 政府性基金 | 国有资本经营, named from each column's header where the layout knows
  the columns (`expenditure_measures`), else the template's order;
- the rows are `RowRecord`s with their side, built by the layout (which also decides the side when
  both sides share a line: `catalog.side_of_label`); the shape gives an expenditure row its function
  class (`catalog.function_class_code`) and every row its section (total, balance);
- figures whose columns are known are placed there; where the layout lost them, a one-column side
  keeps a row's first figure (more than one is doubtful), and T4's expenditure figures are placed
  by the arithmetic: the row identity (`catalog.ROW_IDENTITIES["T4"]`), the function classes summing
  to 本年支出合计, and no spending from a fund the income side shows nothing of.
"""

from __future__ import annotations

from ...core.catalog import ROW_IDENTITIES, TEMPLATE_MEASURES, function_class_code, two_sided_section
from ...core.normalize import parse_amount
from ...core.vocabulary import Table
from ..line_item import LineItem
from ..placement import Identity, place
from ..reading import Reading
from .records import RowRecord, item, items_by_arithmetic, items_by_position, measure_for

KIND = "two_sided"

TEMPLATE = list(TEMPLATE_MEASURES["T4_expenditure"])
ONE_COLUMN = ["final"]
# T4 expenditure columns and the income rows that fund them.
FUNDS = {"general_budget": "一般公共预算", "gov_fund": "政府性基金", "state_capital": "国有资本经营"}


def expenditure_measures(headers: list[str]) -> list[str]:
    """T4's expenditure columns from each column's header words; the template's order where the
    words name none."""
    measures = [measure_for(Table.T4, h, k) for k, h in enumerate(headers)]
    return [m if not m.startswith("col") else (TEMPLATE[k] if k < len(TEMPLATE) else m) for k, m in enumerate(measures)]


def side_measures(table: str, side: str | None, expenditure: list[str]) -> list[str]:
    """The columns of a side: one (决算数) but on T4's expenditure side."""
    return ONE_COLUMN if table == Table.T1 or side == "income" else expenditure


def line_items(
    table: str,
    rows: list[RowRecord],
    measures: list[str],
    unit: str,
    notes: list[str],
    reading: Reading | None = None,
    hints: dict | None = None,
) -> list[LineItem]:
    """Both sides' line_items, rows numbered per side. `measures`: T4's expenditure columns (the
    other sides have one). `reading` given: the layout lost the columns (see the module docstring)."""
    state: dict = {}
    orders = {"income": 0, "expenditure": 0}
    out: list[LineItem] = []
    placed_later: list[RowRecord] = []
    for r in rows:
        side = r.side or "income"
        r.code = function_class_code(r.label) if side == "expenditure" else None
        cols = side_measures(table, side, measures)
        if reading is not None and len(cols) > 1:
            placed_later.append(r)  # T4's expenditure side: placed together, by the arithmetic
            continue
        sec = two_sided_section(r.label, state, side)
        if reading is None:
            out += items_by_position(table, r, cols, orders[side], unit, notes, side=side, section=sec)
        else:
            out.append(_one_column(table, r, orders[side], unit, reading, side, sec))
        orders[side] += 1
    if placed_later and reading is not None:
        out += _by_arithmetic(table, rows, placed_later, measures, unit, reading)
    return out


def _one_column(
    table: str, r: RowRecord, order: int, unit: str, reading: Reading, side: str, sec: str | None
) -> LineItem:
    """A row of a one-column side whose figures lost their positions: its first figure."""
    v = [parse_amount(t) for t in r.texts]
    reading.rows += 1
    reading.by_position += 1 if v else 0
    if len(v) > 1:
        reading.unplaced.append(f"{r.ref}: {len(v)} figures for the {side} side's one column; first kept")
    it = item(
        table,
        "final",
        v[0] if v else None,
        label=r.label,
        code=r.code,
        side=side,
        section=sec,
        ref=r.at(r.figures[0]) if r.figures else r.ref,  # read where the figure is printed
        order=order,
        unit=unit,
    )
    it["doubtful"] = len(v) > 1 or r.doubt
    return it


def _by_arithmetic(
    table: str, rows: list[RowRecord], exp: list[RowRecord], measures: list[str], unit: str, reading: Reading
) -> list[LineItem]:
    col = {m: k for k, m in enumerate(measures)}
    idents = tuple(Identity(tuple(col[m] for m in l), tuple(col[m] for m in r)) for l, r in ROW_IDENTITIES[Table.T4])
    blocked = set()
    for m, word in FUNDS.items():
        got = [parse_amount(r.texts[0]) for r in rows if r.side == "income" and word in r.label and r.figures]
        if not any(g for g in got if g):
            blocked.add(col[m])  # no income and no carry-over of this fund: nothing to spend
    total_idx = next((i for i, r in enumerate(exp) if "本年支出合计" in r.label), None)
    prows = [r.place_row(len(measures), total_idx if r.code and total_idx is not None else None) for r in exp]
    res = place(prows, len(measures), idents, blocked=frozenset(blocked))
    state: dict = {}
    return items_by_arithmetic(
        table,
        exp,
        measures,
        res,
        unit,
        reading,
        side="expenditure",
        section_of=lambda r: two_sided_section(r.label, state, "expenditure"),
        record_failing=True,
    )


def check(items: list[LineItem], reading: Reading) -> None:
    """Nothing recorded on the reading: its totals (本年收入合计, 总计 …) are tested by the checks
    (`checks/tables.py`, T1.* and T4.*)."""
