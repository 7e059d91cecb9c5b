"""Tables whose conversion put one cell per line (the Qiaokou shape): names wrapped over several
lines, a row's numbers spread over lines, blank cells gone.

The block is read as a stream of tokens (text fragments and amounts, each with its line). Rows are
rebuilt from the table's grammar: coded tables are `code name… amount…`, the 基本支出 table is
`code name… amount` three times a printed row, two-sided tables are `label… 行次 amount…`.
Because blank cells leave no trace, a row that prints fewer amounts than the table has columns is
placed like single-space text: by the table's arithmetic (`placement.place`: row identities, the
code tree, what the report's other tables show), flagged `column_inferred`, and left blank and
doubtful where two placements both add up.
"""

from __future__ import annotations

import re

from ..core.catalog import side_of_label
from ..core.normalize import is_amount
from ..read.document import Line
from . import shapes
from .line_item import LineItem
from .reading import Positions, Reading
from .shapes import coded, economic, kind_of, three_public, two_sided
from .shapes.records import Figure, RowRecord

PAGE_NO = re.compile(r"[1-9]\d{0,2}")
NOISE = re.compile(r"^(部门|单位)[:：]|^单位[:：]|金额单位|^注[:：]|^注\d")


def _tokens(lines: list[Line]) -> list[tuple[str, str]]:
    out = []
    for ln in lines:
        if NOISE.search(ln.text.strip()):
            continue
        for tok in ln.text.split():
            out.append((tok, ln.ref))
    return out


def _is_text(tok: str) -> bool:
    return not is_amount(tok)


def _header_end(toks: list[tuple[str, str]]) -> int:
    """Index after the 栏次 numbering (`栏次 1 2 3 …`, `类 款 项 栏 次 1 2 …`)."""
    for i, (tok, _) in enumerate(toks):
        if tok in ("栏次", "次") or tok.endswith("栏次"):
            j = i + 1
            while j < len(toks) and (re.fullmatch(r"\d{1,2}", toks[j][0]) or toks[j][0] in ("栏次", "栏", "次")):
                j += 1
            if j > i + 1:
                return j
    return 0


LAYOUT = "one cell per line"


def interpret_tokens(
    table: str, lines: list[Line], unit: str, notes: list[str], hints: dict | None = None
) -> tuple[list[LineItem], Reading | None]:
    """The table's line_items, and the reading record when figures were placed by the arithmetic
    (coded and two-sided tables; the others keep the printed order: one column, or 栏次 numbers)."""
    toks = _tokens(lines)
    kind = kind_of(table)
    if kind in PLACED_BY_KIND:
        reading = Reading(table, LAYOUT, Positions.LOST)
        return PLACED_BY_KIND[kind](table, toks, unit, notes, reading, hints or {}), reading
    return ROWS_BY_KIND[kind](table, toks, unit, notes), None


def _coded_rows(toks: list[tuple[str, str]]) -> list[dict]:
    """The stream cut into rows `code label… amount…` ({code, label, values, refs, ref})."""
    rows: list[dict] = []
    cur: dict | None = None
    for tok, ref in toks[_header_end(toks) :]:
        if coded.CODE.match(tok) and (cur is None or cur["values"]):
            cur = {"code": tok, "label": "", "values": [], "ref": ref}
            rows.append(cur)
        elif is_amount(tok):
            if cur is None:
                continue
            if cur["values"] and ref != cur["refs"][-1] and PAGE_NO.fullmatch(tok):
                continue  # a bare integer on a later line than the row's amounts: a page number
            cur["values"].append(tok)
            cur.setdefault("refs", []).append(ref)  # a cell is read where its amount is printed
        else:
            if cur is None or cur["values"]:
                cur = {"code": None, "label": tok, "values": [], "ref": ref}
                rows.append(cur)
            else:
                cur["label"] += tok
    return rows


def _coded(table: str, toks, unit, notes, reading: Reading, hints: dict) -> list[LineItem]:
    measures = coded.template(table)
    records: list[RowRecord] = []
    for r in _coded_rows(toks):
        label = coded.row_label(r["label"])
        if not label and not r["code"]:
            continue
        if r["code"] is None and not r["values"] and label != "合计":
            continue
        vals = r["values"][: len(measures)]
        if len(r["values"]) > len(measures):
            notes.append(f"{r['ref']}: {len(r['values'])} amounts for {len(measures)} columns; extra ignored")
        records.append(RowRecord(r["code"], label, _figures(vals, r.get("refs", [])), r["ref"], total=label == "合计"))
    return shapes.line_items(table, records, measures, unit, notes, reading, hints)


def _figures(vals: list[str], refs: list[str]) -> list[Figure]:
    """A row's printed figures, each where it was printed; their columns are left to the placement
    (a row printing every column is placed by position there)."""
    return [Figure(v, None, ref) for v, ref in zip(vals, refs)]


def _two_sided(table: str, toks, unit, notes, reading: Reading, hints: dict) -> list[LineItem]:
    start = _header_end(toks)
    seq = toks[start:]
    records: list[RowRecord] = []
    label, label_ref = "", None
    seen_total = {"income": False}
    i = 0
    while i < len(seq):
        tok, ref = seq[i]
        if _is_text(tok):
            if not label:
                label_ref = ref
            label += tok
            i += 1
            continue
        if label and re.fullmatch(r"\d{1,2}", tok):  # 行次 after a label
            i += 1
            vals: list[str] = []
            val_refs: list[str] = []
            while i < len(seq) and is_amount(seq[i][0]):
                tok_i = seq[i][0]
                if re.fullmatch(r"[1-9]\d?", tok_i) and i + 1 < len(seq) and _is_text(seq[i + 1][0]):
                    break  # the next row's 行次 (a blank income row), not an amount
                if vals and seq[i][1] != val_refs[-1] and PAGE_NO.fullmatch(tok_i):
                    break  # a bare integer on a later line: a page number (Qiaokou line 698), not an amount
                vals.append(tok_i)
                val_refs.append(seq[i][1])
                i += 1
            side = side_of_label(label, seen_total["income"])
            if label.startswith(("总计", "合计")):
                seen_total["income"] = True
            records.append(RowRecord(None, label, _figures(vals, val_refs), label_ref or ref, side=side))
            label = ""
            continue
        i += 1  # a stray number (page number, blank row's 行次)
    return shapes.line_items(table, records, list(two_sided.TEMPLATE), unit, notes, reading, hints)


def _economic(table: str, toks, unit, notes) -> list[LineItem]:
    start = next((i for i, (t, _) in enumerate(toks) if economic.CODE.match(t)), len(toks))
    records: list[RowRecord] = []
    cur: dict | None = None

    def flush():
        nonlocal cur
        if cur:
            fig = Figure(cur["value"], 0, cur.get("value_ref") or cur["ref"])
            records.append(RowRecord(cur["code"], cur["label"], [fig], cur["ref"]))
        cur = None

    for tok, ref in toks[start:]:
        if economic.CODE.match(tok) and (cur is None or cur["done"]):
            flush()
            cur = {"code": tok, "label": "", "value": None, "done": False, "ref": ref}
        elif is_amount(tok):
            if cur is not None and not cur["done"]:
                cur["value"] = tok
                cur["value_ref"] = ref
                cur["done"] = True
        else:
            if cur is not None and cur["done"]:
                flush()
            if cur is None:
                cur = {"code": None, "label": "", "value": None, "done": False, "ref": ref}
            cur["label"] += tok
    flush()
    return shapes.line_items(table, records, economic.ONE_COLUMN, unit, notes)


def _three_public(table: str, toks, unit, notes) -> list[LineItem]:
    for i in range(len(toks) - 11):
        if [t for t, _ in toks[i : i + 12]] == [str(k) for k in range(1, 13)]:
            figures = []
            for k, (tok, ref) in enumerate(toks[i + 12 : i + 24]):
                if not is_amount(tok):
                    break
                figures.append(Figure(tok, k, ref))  # the 栏次 numbers' order
            row = RowRecord(None, "合计", figures, toks[i][1])
            return shapes.line_items(table, [row], three_public.NUMBERED, unit, notes)
    return []


# How a stream of cells is read into each shape's records (catalog `TableDef.kind`).
# Shapes whose short rows are placed by the arithmetic (`Reading` kept), and those in printed order.
PLACED_BY_KIND = {"coded": _coded, "two_sided": _two_sided}
ROWS_BY_KIND = {"economic": _economic, "three_public": _three_public}
