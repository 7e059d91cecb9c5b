"""Tables whose conversion put one cell per line (the Qiaokou shape): names wrapped over several
lines, a row's numbers spread over lines, blank cells gone.

The block is read as a stream of tokens (text fragments and amounts, each with its line). Rows are
rebuilt from the table's grammar: coded tables are `code name… amount…`, the 基本支出 table is
`code name… amount` three times a printed row, two-sided tables are `label… 行次 amount…`.
Because blank cells leave no trace, amounts fill a row's columns from the left, the template's
order; the choice is flagged `column_inferred` whenever a row printed fewer amounts than the table
has columns, and checked against the table's own totals (`_repair_basic_project`).
"""

from __future__ import annotations

import re

from ..document import Line
from ..normalize import is_amount, parse_amount
from ..settings import SETTINGS
from ..vocabulary import THREE_PUBLIC_COLUMNS
from .catalog import BY_CODE, TEMPLATE_MEASURES, function_class_code, side_of_label, t6_section, two_sided_section
from .grid import item

FUNC_CODE = re.compile(r"^(\d{3}|\d{5}|\d{7})$")
ECON_CODE = re.compile(r"^3\d{2}(\d{2})?$")
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


def interpret_tokens(table: str, lines: list[Line], unit: str, notes: list[str]) -> list[dict]:
    toks = _tokens(lines)
    kind = BY_CODE[table].kind
    if kind == "coded":
        return _coded(table, toks, unit, notes)
    if kind == "two_sided":
        return _two_sided(table, toks, unit, notes)
    if kind == "economic":
        return _economic(toks, unit)
    return _three_public(toks, unit)


def _coded(table: str, toks, unit, notes) -> list[dict]:
    measures = TEMPLATE_MEASURES[table]
    start = _header_end(toks)
    rows: list[dict] = []  # {code, label, values, ref}
    cur = None
    for tok, ref in toks[start:]:
        if FUNC_CODE.match(tok) and (cur is None or cur["values"]):
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
    out = []
    order = 0
    for r in rows:
        label = "合计" if re.fullmatch(r"合计|总计", r["label"]) else r["label"]
        if not label and not r["code"]:
            continue
        if r["code"] is None and not r["values"] and label != "合计":
            continue
        vals = r["values"][: len(measures)]
        if len(r["values"]) > len(measures):
            notes.append(f"{r['ref']}: {len(r['values'])} amounts for {len(measures)} columns; extra ignored")
        inferred = 0 < len(vals) < len(measures)
        for k, m in enumerate(measures):
            v = parse_amount(vals[k]) if k < len(vals) else None
            ref = r["refs"][k] if k < len(vals) else r["ref"]
            out.append(
                item(
                    table,
                    m,
                    v,
                    label=label,
                    code=r["code"],
                    ref=ref,
                    order=order,
                    unit=unit,
                    inferred=inferred and k > 0,
                )
            )
        order += 1
    if table in ("T3", "T5"):
        _repair_basic_project(out, notes)
    return out


def _repair_basic_project(items: list[dict], notes: list[str]) -> None:
    """A row that printed `total x` and one more `x` was filled as basic; if the 合计 row's basic
    and project do not then add up over the classes, move single-valued classes (and their
    sub-rows) to project until they do."""
    by_row: dict[int, dict[str, dict]] = {}
    for it in items:
        by_row.setdefault(it["row_order"], {})[it["measure"]] = it
    total = next((r for r in by_row.values() if r["total"]["row_label"] == "合计"), None)
    classes = [r for r in by_row.values() if r["total"]["level"] == "类"]
    if not total or not classes or total["basic"]["amount_wan"] is None:
        return
    basic_sum = sum(r["basic"]["amount_wan"] or 0 for r in classes)
    gap = round(basic_sum - total["basic"]["amount_wan"], 2)
    if abs(gap) < SETTINGS.unit_wan * (len(classes) + 1):
        return
    movable = [r for r in classes if r["basic"]["column_inferred"] and r["project"]["amount_wan"] is None]
    for r in movable:
        if abs(round(r["basic"]["amount_wan"] - gap, 2)) < SETTINGS.unit_wan:
            code = r["total"]["code"]
            for rr in by_row.values():
                c = rr["total"]["code"] or ""
                if c.startswith(code) and rr["project"]["amount_wan"] is None and rr["basic"]["column_inferred"]:
                    rr["project"]["amount_wan"], rr["basic"]["amount_wan"] = rr["basic"]["amount_wan"], None
                    rr["project"]["column_inferred"] = True
            notes.append(f"class {code}: single amount moved from 基本支出 to 项目支出 so that 合计 = Σ类")
            return


def _two_sided(table: str, toks, unit, notes) -> list[dict]:
    start = _header_end(toks)
    seq = toks[start:]
    out = []
    label, label_ref = "", None
    orders = {"income": 0, "expenditure": 0}
    seen_total = {"income": False}
    state: dict[str, str] = {}  # side -> "balance" once its 结转和结余 row is passed
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
            lab = label
            side = side_of_label(lab, seen_total["income"])
            if lab.startswith(("总计", "合计")):
                seen_total["income"] = True
            if table == "T1" or side == "income":
                measures = ["final"]
            else:
                measures = list(TEMPLATE_MEASURES["T4_expenditure"])
            code = function_class_code(lab) if side == "expenditure" else None
            sec = two_sided_section(lab, state, side)
            inferred = 0 < len(vals) < len(measures)
            for k, m in enumerate(measures):
                v = parse_amount(vals[k]) if k < len(vals) else None
                out.append(
                    item(
                        table,
                        m,
                        v,
                        label=lab,
                        code=code,
                        side=side,
                        section=sec,
                        ref=val_refs[k] if k < len(vals) else label_ref,
                        order=orders[side],
                        unit=unit,
                        inferred=inferred and k > 0,
                    )
                )
            orders[side] += 1
            label = ""
            continue
        i += 1  # a stray number (page number, blank row's 行次)
    return out


def _economic(toks, unit) -> list[dict]:
    start = next((i for i, (t, _) in enumerate(toks) if ECON_CODE.match(t)), len(toks))
    out: list[dict] = []
    cur = None
    order = 0

    def flush():
        nonlocal order, cur
        if cur:
            code = cur["code"]
            out.append(
                item(
                    "T6",
                    "final",
                    cur["value"],
                    label=cur["label"],
                    code=code,
                    section=t6_section(code, cur["label"]),
                    ref=cur.get("value_ref") or cur["ref"],
                    order=order,
                    unit=unit,
                )
            )
            order += 1
        cur = None

    for tok, ref in toks[start:]:
        if ECON_CODE.match(tok) and (cur is None or cur["done"]):
            flush()
            cur = {"code": tok, "label": "", "value": None, "done": False, "ref": ref}
        elif is_amount(tok):
            if cur is not None and not cur["done"]:
                cur["value"] = parse_amount(tok)
                cur["value_ref"] = ref
                cur["done"] = True
        else:
            if cur is not None and cur["done"]:
                flush()
            if cur is None:
                cur = {"code": None, "label": "", "value": None, "done": False, "ref": ref}
            cur["label"] += tok
    flush()
    return out


def _three_public(toks, unit) -> list[dict]:
    for i in range(len(toks) - 11):
        if [t for t, _ in toks[i : i + 12]] == [str(k) for k in range(1, 13)]:
            vals = toks[i + 12 : i + 24]
            out = []
            for k, (tok, ref) in enumerate(vals):
                if not is_amount(tok):
                    break
                out.append(
                    item("T7", THREE_PUBLIC_COLUMNS[k], parse_amount(tok), label="合计", ref=ref, order=0, unit=unit)
                )
            return out
    return []
