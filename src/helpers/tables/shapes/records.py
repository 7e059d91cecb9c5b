"""What every table shape is read into, whatever the layout: a line_items row (`item`) and a printed
cell's amount (`cell_amount`)."""

from __future__ import annotations

import re

from ...normalize import parse_amount
from ...vocabulary import code_level
from ..catalog import code_domain


def clean_cell(c: str | None) -> str:
    if c is None:
        return ""
    c = re.sub(r"<[^>]+>", "", c)
    return re.sub(r"\s+", " ", c.replace("\n", " ")).strip()


def item(
    table,
    measure,
    value,
    *,
    label,
    code=None,
    side=None,
    section=None,
    ref,
    order,
    unit="万元",
    inferred=False,
    confidence: float | None = None,
) -> dict:
    factor = 1e-4 if unit == "元" else 1.0
    out = {
        "table": table,
        "side": side,
        "section": section,
        "row_label": label,
        "code": code,
        "code_domain": code_domain(code, table),
        "level": code_level(code) if code else None,
        "measure": measure,
        "amount_wan": None if value is None else round(value * factor, 6),
        "unit_printed": None if unit == "万元" else unit,
        "column_inferred": inferred,
        "row_order": order,
        "source_ref": ref,
    }
    if confidence is not None:  # OCR'd: how sure the recogniser was of the printed figure
        out["ocr_confidence"] = confidence
    return out


def cell_amount(cell: str | None, ref: str, notes: list[str]) -> float | None:
    c = clean_cell(cell)
    try:
        return parse_amount(c)
    except ValueError:
        notes.append(f"{ref}: cell {c!r} in an amount column is not a number; kept as blank")
        return None
