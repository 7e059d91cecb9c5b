"""A table's sums over its own line_items, for every shape, and what an OCR'd reading makes of them.

An OCR'd digit read wrong looks exactly like the report's own slip, and the table's arithmetic is
the only witness. So in an OCR'd table every figure that takes part in a failing identity is marked
`doubtful`, whatever the table's shape, and the reading names the identity (`Reading.misread`):

- `coded` (T2, T3, T5, T8, T9, U4): every row, 合计 = Σ its parts (`catalog.ROW_IDENTITIES`); the code
  tree (合计 = Σ类, 类 = Σ款 …) is judged by `coded.check_hierarchy`;
- `two_sided` (T1, T4): each side, 本年收入合计 / 本年支出合计 = Σ the lines above it and 总计 = that
  subtotal + the balance rows; income 总计 = expenditure 总计; T4's expenditure rows, 合计 = Σ the funds;
- `economic` (T6): `economic.check_economic` (类 = Σ款, 人员经费 / 公用经费合计 = Σ类);
- `three_public` (T7): `vocabulary.THREE_PUBLIC_PARTS` (合计 = 出国 + 车购置 + 车运行 + 接待, 车小计
  when 购置 and 运行 are not printed; 车小计 = 购置 + 运行), 预算数 and 决算数 separately.

The checks (`checks/tables.py`) test the same sums on the datasets; a text layer's reading is not
judged here (a positional text table whose sums fail is the report's inconsistency).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..core.catalog import BALANCE_NAMES, BY_CODE, ROW_IDENTITIES, SIDE_TOTALS
from ..core.normalize import compact
from ..core.settings import SETTINGS
from ..core.vocabulary import THREE_PUBLIC_BASES, THREE_PUBLIC_PARTS
from .line_item import LineItem
from .reading import Reading


@dataclass
class Sum:
    """One identity on a table's cells: Σ `total` = Σ `parts` (line_items rows)."""

    name: str
    total: list[LineItem]
    parts: list[LineItem]

    def fails(self) -> bool:
        """True when the printed total differs from its printed parts beyond their rounding (as the
        checks' `sum_check`); a blank total, or parts all blank, cannot be checked."""
        printed = [it for it in self.parts if it["amount_wan"] is not None]
        if not self.total or not printed or any(it["amount_wan"] is None for it in self.total):
            return False
        left = sum(it["amount_wan"] or 0.0 for it in self.total)  # none blank: see above
        right = sum(it["amount_wan"] or 0.0 for it in printed)
        tol = SETTINGS.rounding_wan * (len(printed) + len(self.total)) + SETTINGS.sum_slack
        return abs(left - right) > tol

    def describe(self) -> str:
        left = sum(it["amount_wan"] or 0.0 for it in self.total)
        right = sum(it["amount_wan"] or 0.0 for it in self.parts)
        return f"{self.name}: {left:,.2f} printed, its parts add up to {right:,.2f}"


# ---------------------------------------------------------------------------------------------
# The identities of each shape


def _rows(items: list[LineItem], side: str | None = None) -> dict[int, dict[str, LineItem]]:
    """row_order → measure → item, of one side."""
    out: dict[int, dict[str, LineItem]] = {}
    for it in items:
        if side is None or it["side"] == side:
            out.setdefault(it["row_order"], {}).setdefault(it["measure"], it)
    return out


def _label(row: dict[str, LineItem]) -> str:
    return compact(next(iter(row.values()))["row_label"] or "")


def _coded_rows(table: str, items: list[LineItem]) -> Iterator[Sum]:
    for _order, row in sorted(_rows(items).items()):
        name = next(iter(row.values()))["code"] or _label(row)
        for left, right in ROW_IDENTITIES.get(table, ()):
            if all(m in row for m in left) and any(m in row for m in right):
                yield Sum(
                    f"{table} row {name}: {' + '.join(left)} = {' + '.join(right)}",
                    [row[m] for m in left],
                    [row[m] for m in right if m in row],
                )


# side → its subtotal row, the rows its 总计 adds to the subtotal (T1, T4; as checks/tables.py)


def _find(rows: dict[int, dict[str, LineItem]], word: str) -> int | None:
    return next((k for k, r in sorted(rows.items()) if word in _label(r)), None)


def _grand(rows: dict[int, dict[str, LineItem]]) -> int | None:
    return next((k for k, r in sorted(rows.items()) if _label(r).endswith("总计") or _label(r) == "合计"), None)


def _line(label: str) -> bool:
    """A line a subtotal adds up: not a `其中：` line (part of the line above it) nor a blank row."""
    return not label.startswith(("(行次", "其中", "（行次")) and label not in ("", "(blank)")


def _side_sums(table: str, rows: dict[int, dict[str, LineItem]], side: str) -> Iterator[Sum]:
    sub_word, extra = SIDE_TOTALS[table][side]
    sub, grand = _find(rows, sub_word), _grand(rows)
    if sub is None:
        return
    lines = [k for k in rows if k < sub and _line(_label(rows[k]))]
    for m in rows[sub]:
        yield Sum(
            f"{table} {side} side {m}: {sub_word} = Σ the lines above it",
            [rows[sub][m]],
            [rows[k][m] for k in lines if m in rows[k]],
        )
        if grand is not None and grand > sub and m in rows[grand]:
            parts, words = [rows[sub][m]], [sub_word]
            for word in extra:
                k = next((f for name in BALANCE_NAMES.get(word, (word,)) if (f := _find(rows, name)) is not None), None)
                if k is not None and k > sub and m in rows[k]:
                    parts.append(rows[k][m])
                    words.append(word)
            yield Sum(f"{table} {side} side {m}: 总计 = {' + '.join(words)}", [rows[grand][m]], parts)


def _two_sided(table: str, items: list[LineItem]) -> Iterator[Sum]:
    income, spending = _rows(items, "income"), _rows(items, "expenditure")
    yield from _side_sums(table, income, "income")
    yield from _side_sums(table, spending, "expenditure")
    a, b = _grand(income), _grand(spending)
    if a is not None and b is not None:
        m = "final" if "final" in spending[b] else "total"
        if "final" in income[a] and m in spending[b]:
            yield Sum(f"{table}: income 总计 = expenditure 总计", [income[a]["final"]], [spending[b][m]])
    if table == "T4":
        yield from _coded_rows("T4", [it for it in items if it["side"] == "expenditure"])


def _t7_cells(row: dict[str, LineItem], side: str, *names: str) -> list[LineItem]:
    return [row[f"{side}_{n}"] for n in names if f"{side}_{n}" in row]


def _three_public(items: list[LineItem]) -> Iterator[Sum]:
    """`vocabulary.THREE_PUBLIC_PARTS` for 预算数 and 决算数: an item with parts counts by them in the
    合计 (购置 + 运行), its 小计 standing for them where they are not printed (as `checks` T7.total)."""
    for row in _rows(items).values():
        for side in THREE_PUBLIC_BASES:
            for whole, names in THREE_PUBLIC_PARTS.items():
                parts: list[LineItem] = []
                for name in names:
                    sub = _t7_cells(row, side, *THREE_PUBLIC_PARTS.get(name, ()))
                    printed = any(it["amount_wan"] is not None for it in sub)
                    parts += sub if printed or whole != "total" else _t7_cells(row, side, name)
                words = " + ".join(names)
                yield Sum(f"T7 {side}: {whole} = {words}", _t7_cells(row, side, whole), parts)


def sums(table: str, items: list[LineItem]) -> list[Sum]:
    """The identities of `table` that this module judges (see the module docstring)."""
    kind = BY_CODE[table].kind if table in BY_CODE else "generic"
    if kind == "coded":
        return list(_coded_rows(table, items))
    if kind == "two_sided":
        return list(_two_sided(table, items))
    if kind == "three_public":
        return list(_three_public(items))
    return []


# ---------------------------------------------------------------------------------------------
# OCR'd readings


def _cell(it: LineItem) -> str:
    where = it["code"] or it["row_label"] or ""
    return f"{where} {it['measure']} ({it['source_ref']})"


def judge_ocr(table: str, items: list[LineItem], reading: Reading) -> None:
    """An OCR'd table: each failing identity is recorded on the reading, and every OCR'd figure in it
    is marked doubtful with the identity named (`Reading.misread`)."""
    if not reading.ocr:
        return
    for s in sums(table, items):
        if not s.fails():
            continue
        if s.describe() not in reading.failing_sums:
            reading.failing_sums.append(s.describe())
        mark(s.name, s.total + s.parts, reading)


def mark(identity: str, cells: list[LineItem], reading: Reading) -> None:
    """Mark the OCR'd figures among `cells` doubtful, naming `identity` on the reading."""
    hit = [it for it in cells if it["amount_wan"] is not None and it.get("ocr_confidence") is not None]
    for it in hit:
        it["doubtful"] = True
    if hit:
        reading.misread.append(f"{identity}: {', '.join(_cell(it) for it in hit)}")
