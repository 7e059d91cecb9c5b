"""Tables in text copies whose cells are separated by single spaces (pdfplumber's `extract_text`).

A row keeps its line (`2080505 518.69 518.69 0.00`), but a blank cell leaves no trace and a label
that wraps puts its pieces on the lines around the row's numbers:

    机关事业单位基本养老        <- first half of 2080505's label
    2080505 518.69 518.69 0.00
    保险缴费支出                <- second half

The reader works from the table's own header and arithmetic, not from the layouts seen so far:

- the header lines (above the first row with figures) name the measures; their order is the
  national template's for that table (a wrapped header word such as 附属单位/上缴收入 has no reliable
  position in the text);
- a row is `code? label? amounts…`; a 3/5/7-digit code is never an amount, wherever it stands;
- label fragments on lines of their own are given to the row above or below so that each row's
  label wraps evenly around its numbers (the numbers line is vertically centred in the PDF);
- amounts are placed under columns by `placement.place`: a row printing every column is placed by
  position, a shorter row by the table's arithmetic; a value with two possible columns is not
  placed and the table is reported doubtful.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document import Line
from ..normalize import amount_of, compact, is_amount, parse_amount
from ..settings import SETTINGS
from ..vocabulary import THREE_PUBLIC_BASES, THREE_PUBLIC_COLUMNS, THREE_PUBLIC_ITEMS
from .catalog import (
    COLUMN_KEYWORDS,
    ROW_IDENTITIES,
    TEMPLATE_MEASURES,
    function_class_code,
    side_of_label,
    t6_section,
    two_sided_section,
)
from .grid import item
from .placement import Identity, PlaceRow, code_parents, place
from .reading import Reading

FUNC_CODE = re.compile(r"^(\d{3}|\d{5}|\d{7})$")
ECON_CODE = re.compile(r"^3\d{2}(\d{2})?$")
GLUED_CODE = re.compile(r"^(\d{3}(?:\d{2}){0,2})([^\d\s,.].*)$")
TOTAL_LABEL = re.compile(r"^(合\s*计|总\s*计)$")
NOTE = re.compile(r"^(注|说明)\s*[:：\d]")
HEADER_WORD = re.compile(
    r"^(项目|功能分类|经济分类|科目编码|科目名称|科目|编码|名称|码|类|款|项|栏次|单位[:：].*|金额单位.*|"
    r"合计|小计|本年收入合计|本年支出合计|本年收入|本年支出|基本支出|项目支出|决算数|预算数|"
    r".*收入|.*支出|.*结余|.*结转和|附属单位.*|上缴.*|对附属单位.*|助支出|补助支出|其中.*)$"
)

IDENTITIES = ROW_IDENTITIES  # which columns add up: defined once, in the catalog
# Columns a department seldom uses: a value goes there only when the arithmetic cannot hold without them.
RARE = {
    "T2": ("upper_subsidy", "operating", "subsidiary_remit", "business_tuition"),
    "T3": ("upper_remit", "operating", "subsidiary_subsidy"),
}


@dataclass
class SpacedRow:
    code: str | None
    label: str
    amounts: list[str]
    ref: str
    page: int | None
    prefix: list[str] = field(default_factory=list)
    suffix: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)  # header words printed among the row's figures
    n_before: int = 0  # figures printed before the header words (when there are any)
    doubt: bool = False  # figures could not be tied to this row with confidence

    @property
    def full_label(self) -> str:
        return "".join(self.prefix) + self.label + "".join(self.suffix)


def looks_spaced(lines: list[Line], min_rows: int = 2, kind: str = "coded") -> bool:
    """True when rows keep their figures on their own line (`code label figures…`); for a two-sided
    table, when both sides' labels share lines (`一、…收入 一、…支出`), figures on the line or below."""
    if kind == "two_sided":
        if any("行次" in ln.text.replace(" ", "") for ln in lines[:12]):
            return False  # 行次 numbers among the figures: the cell-stream reader knows them
        return any(sum(1 for t in ln.text.split() if _NUMBERED.match(t)) >= 2 for ln in lines)
    hits = orphans = 0
    for ln in lines:
        toks = ln.text.split()
        n_amt = sum(1 for t in toks if is_amount(t) and not FUNC_CODE.match(t))
        orphans += n_amt > 0 and n_amt == len(toks)
        hits += 0 < n_amt < len(toks)  # a code or label with its figures on one line
    # The premise of this reader is that a row's figures stand on the row's line. Text whose figures
    # often stand on lines of their own (one cell per line, rows broken across lines) is a stream of
    # cells, read by `tokens.py`. (A 三公 table is one row of figures under its header.)
    if min_rows > 1 and orphans > 0.25 * hits:
        return False
    return hits >= min_rows or (min_rows == 1 and orphans >= 1)


def _is_value(tok: str) -> bool:
    """An amount token that is not a bare code (codes are integers of 3, 5 or 7 digits)."""
    return is_amount(tok) and not (FUNC_CODE.match(tok) or ECON_CODE.match(tok))


def _join_split_code(toks: list[str]) -> list[str]:
    """`201 06 01` (a code printed over 类/款/项 columns) → `2010601`: the 款 and 项 numbers are
    parts of the code, never amounts."""
    if len(toks) >= 2 and re.fullmatch(r"\d{3}", toks[0]) and re.fullmatch(r"\d{2}", toks[1]):
        n = 3 if len(toks) >= 3 and re.fullmatch(r"\d{2}", toks[2]) else 2
        return ["".join(toks[:n])] + toks[n:]
    return toks


def _split_line(text: str) -> tuple[str | None, list[str], list[str], list[str]]:
    """`code label… amounts… trailing…` of one line of a coded table."""
    toks = _join_split_code(text.split())
    code = None
    if toks and FUNC_CODE.match(toks[0]):
        code, toks = toks[0], toks[1:]
    elif toks and (m := GLUED_CODE.match(toks[0])) and len(m.group(1)) in (3, 5, 7):
        code, toks = m.group(1), [m.group(2)] + toks[1:]
    label: list[str] = []
    amounts: list[str] = []
    trailing: list[str] = []
    for t in toks:
        if trailing:
            trailing.append(t)
        elif _is_value(t) or (is_amount(t) and amounts):
            amounts.append(t)
        elif amounts:
            trailing.append(t)
        elif code is None and FUNC_CODE.match(t) and len(t) in (5, 7):
            code = t  # a code standing between the halves of a wrapped label
        else:
            label.append(t)
    return code, label, amounts, trailing


# Tables whose every template column is kept even when the header's words come out broken
# (`其他收` / `入` on two lines): their rare columns are used only when the arithmetic needs them.
FULL_TEMPLATE = ("T2", "T3")
# Sub-columns kept only when the header names them, printed right after their parent column
# (事业收入 | 其中：教育收费 in the university template).
OPTIONAL_COLUMNS = {"business_tuition": "business"}
PAGE_NUMBER = re.compile(r"^\d{1,3}$")


def drop_page_numbers(lines: list[Line]) -> list[Line]:
    """Without the page-number lines: a bare integer of one to three digits that ends its page (or,
    where the text has no page breaks, stands alone on a line while the table prints its figures
    with decimals). A page number read as a figure would be a number the report never printed."""
    kept = []
    decimals = sum(1 for ln in lines for t in ln.text.split() if "." in t and is_amount(t))
    for k, ln in enumerate(lines):
        t = ln.text.strip()
        if PAGE_NUMBER.match(t):
            nxt = next((x for x in lines[k + 1 :] if x.text.strip()), None)
            ends_page = ln.page is not None and (nxt is None or nxt.page != ln.page)
            if ends_page or (ln.page is None and decimals >= 3):
                continue
        kept.append(ln)
    return kept


def _measures(table: str, header: str) -> list[str]:
    """Measures named in the header, in the template's column order. A header word may be cut by
    a line break inside its cell, so a keyword is also recognised by its first three characters."""
    h = compact(header)
    found = []
    for kw, m in COLUMN_KEYWORDS.get(table, ()):
        if (kw in h or (len(kw) >= 3 and kw[:3] in h)) and m not in found:
            found.append(m)
    template = list(TEMPLATE_MEASURES.get(table, ()))
    if table in FULL_TEMPLATE:
        found += [m for m in template if m not in found and m not in OPTIONAL_COLUMNS]
    ordered = [m for m in template if m in found]
    for sub, parent in OPTIONAL_COLUMNS.items():
        if sub in found and parent in ordered:
            ordered.insert(ordered.index(parent) + 1, sub)
    ordered += [m for m in found if m not in ordered]
    return ordered or template


def _assign_fragments(rows: list[SpacedRow], gaps: list[list[tuple[str, bool]]]) -> None:
    """Give label fragments between rows to the row above (suffix) or below (prefix) so that each
    row's label wraps evenly around its numbers. gaps[i] lies between rows[i-1] and rows[i]
    (gaps[0] before the first row, gaps[n] after the last); each fragment is (text, starts_page)."""
    n = len(rows)
    if not n:
        return
    rows[0].prefix = [t for t, _ in gaps[0]]
    # best[p] = (cost, splits) with p = prefix count of the current row
    best: dict[int, tuple[float, list[int]]] = {len(gaps[0]): (0.0, [])}
    for i in range(n):
        gap = gaps[i + 1]
        k = len(gap)
        nxt: dict[int, tuple[float, list[int]]] = {}
        for p, (cost, splits) in best.items():
            for t in range(k + 1) if i < n - 1 else [k]:
                s = t
                c: float = abs(p - s)
                if not rows[i].label and p + s == 0:
                    c += 2  # a code line with no words has its label around it
                if t >= 1 and gap[0][1]:
                    c -= 0.5  # a fragment opening a page usually ends the previous page's last row
                total = cost + c
                pn = k - t
                if pn not in nxt or total < nxt[pn][0]:
                    nxt[pn] = (total, splits + [t])
        best = nxt
    _, splits = min(best.values(), key=lambda x: x[0])
    for i, t in enumerate(splits):
        gap = gaps[i + 1]
        rows[i].suffix = [x for x, _ in gap[:t]]
        if i + 1 < n:
            rows[i + 1].prefix = [x for x, _ in gap[t:]]


def _table_lines(lines: list[Line], stop_at_sentences: bool = False):
    """(line, text, starts_page) for each non-blank line of a table body, up to its note (注：/说明：)
    or, when asked, the first sentence of the narrative."""
    prev_page = None
    for ln in lines:
        text = ln.text.strip()
        if not text:
            continue
        if NOTE.match(text) or (stop_at_sentences and re.search(r"[，。；]", text)):
            return
        yield ln, text, ln.page is not None and prev_page is not None and ln.page != prev_page
        prev_page = ln.page


def _header_and_body(lines: list[Line], is_row) -> tuple[list[Line], list[Line]]:
    start = next((i for i, ln in enumerate(lines) if is_row(ln.text)), len(lines))
    return lines[:start], lines[start:]


def _coded_row_line(text: str) -> bool:
    code, label, amounts, _ = _split_line(text)
    lab = "".join(label)
    return bool(code) or (bool(TOTAL_LABEL.match(lab)) and bool(amounts))


def read_coded(table: str, lines: list[Line], unit: str, hints: dict | None = None) -> tuple[list[dict], Reading]:
    """A coded table (T2, T3, T5, T8, T9): rows of `code label amounts`."""
    hints = hints or {}
    header, body = _header_and_body(lines, _coded_row_line)
    reading = Reading(table, layout="spaced text")
    # Header words can share a line with the 合计 row (T8/T9: `合计 0 2002.80 合计 基本支出 项目支出 0`).
    shared = [t for ln in body[:2] for t in _split_line(ln.text)[3] if HEADER_WORD.match(t)]
    measures = _measures(table, " ".join(ln.text for ln in header) + " " + " ".join(shared))
    rows: list[SpacedRow] = []
    gaps: list[list[tuple[str, bool]]] = [[]]
    # A fragment right above the first row belongs to it when that row prints no words.
    if header and body:
        c, first_label, _, _ = _split_line(body[0].text)
        last = header[-1].text.strip()
        if not first_label and not HEADER_WORD.match(last.replace(" ", "")):
            gaps[0].append((last, False))
    broken: list[int] = []  # row indexes before which a figures-only line stood
    for ln, text, starts_page in _table_lines(body, stop_at_sentences=True):
        code, label, amounts, trailing = _split_line(text)
        lab = "".join(label)
        if code or amounts or TOTAL_LABEL.match(lab):
            if (
                not code
                and not TOTAL_LABEL.match(lab)
                and amounts
                and not lab
                and rows
                and not rows[-1].amounts
                and not gaps[-1]
            ):
                rows[-1].amounts = amounts  # a row's figures printed on the line below it, nothing between
                continue
            if not code and not TOTAL_LABEL.match(lab) and amounts and not lab:
                # a row broken across lines: its figures may belong to the row above or below
                reading.unplaced.append(
                    f"{ln.ref}: figures {' '.join(amounts)} on a line of their own (row broken "
                    "across lines); the rows around it are doubtful"
                )
                broken.append(len(rows))
                continue
            markers = [t for t in trailing if HEADER_WORD.match(t)]
            after = [t for t in trailing if t not in markers and is_amount(t)] if markers else []
            for t in trailing:
                if t not in markers and t not in after:
                    reading.unplaced.append(f"{ln.ref}: {t!r} after the figures")
            row = SpacedRow(
                code, "合计" if TOTAL_LABEL.match(lab) else lab, amounts + after, ln.ref, ln.page, markers=markers
            )
            row.n_before = len(amounts)
            rows.append(row)
            gaps.append([])
        else:
            gaps[-1].append((text.replace(" ", ""), starts_page))
    _assign_fragments(rows, gaps)
    items = _place_coded(table, rows, measures, unit, reading, hints)
    suspect = {k for b in broken for k in (b - 1, b)}
    for it in items:
        if it["row_order"] in suspect:
            it["doubtful"] = True
    return items, reading


def _place_coded(
    table: str, rows: list[SpacedRow], measures: list[str], unit: str, reading: Reading, hints: dict
) -> list[dict]:
    col = {m: k for k, m in enumerate(measures)}
    idents = tuple(
        Identity(tuple(col[m] for m in l if m in col), tuple(col[m] for m in r if m in col))
        for l, r in IDENTITIES.get(table, ())
        if all(m in col for m in l)
    )
    rare = frozenset(col[m] for m in RARE.get(table, ()) if m in col)
    total_idx = next((i for i, r in enumerate(rows) if r.label == "合计" and not r.code), None)
    parents = code_parents([r.code for r in rows], total_idx)
    prows = []
    row_blocked = hints.get("blocked", {})  # code -> measures known blank from another table
    for i, r in enumerate(rows):
        vals = [amount_of(a) for a in r.amounts]
        known_blank = set(row_blocked.get(r.code or r.label, ())) | set(row_blocked.get("*", ()))
        pr = PlaceRow(vals, parents[i], blocked=frozenset(col[m] for m in known_blank if m in col))
        if r.markers and table in ("T8", "T9") and "total" in col:
            # 合计 row sharing its line with the 本年支出 sub-header: figures before the words sit
            # left of 本年支出, figures after them right of it; the words' columns are not printed.
            lo, hi = col["total"], max(col.get("project", col["total"]), col.get("basic", col["total"]))
            n_before = r.n_before
            pr.ranges = [(0, lo - 1)] * n_before + [(hi + 1, len(measures) - 1)] * (len(vals) - n_before)
            pr.unknown = frozenset(range(lo, hi + 1))
        if len(vals) == len(measures):
            pr.fixed = tuple(range(len(measures)))
        prows.append(pr)
    rare = rare - frozenset(col[m] for m in hints.get("used", ()) if m in col)  # another table shows them used
    res = place(prows, len(measures), idents, rare=rare)
    return _items_from_placement(table, rows, measures, res, unit, reading, record_failing=True)


def _items_from_placement(
    table, rows, measures, res, unit, reading: Reading, side=None, section_of=None, record_failing: bool = False
) -> list[dict]:
    out: list[dict] = []
    failing = set(res.failing_groups)
    for order, (r, rp) in enumerate(zip(rows, res.rows)):
        label = r.full_label or r.label
        placed: dict[int, tuple[float, bool]] = {}
        for v_tok, c in zip(r.amounts, rp.columns):
            if c is not None:
                placed[c] = (amount_of(v_tok), rp.inferred)
        reading.rows += 1
        if rp.too_many:
            reading.unplaced.append(f"{r.ref}: {len(r.amounts)} figures for {len(measures)} columns; none placed")
        elif rp.impossible:
            reading.unplaced.append(f"{r.ref}: figures {' '.join(r.amounts)} fit no column placement that adds up")
        elif rp.ambiguous:
            opts = sorted({tuple(measures[c] for c in o) for o in rp.options})
            reading.ambiguous.append(
                f"{r.ref} {r.code or label}: {' '.join(r.amounts)} could be " + " or ".join("/".join(o) for o in opts)
            )
            values = [amount_of(a) for a in r.amounts]
            reading.alternatives.append((order, [{measures[c]: v for c, v in zip(o, values)} for o in rp.options]))
        row_doubt = rp.ambiguous or rp.too_many or rp.impossible or r.doubt
        for k, m in enumerate(measures):
            v, inf = placed.get(k, (None, False))
            if v is not None:
                if inf:
                    reading.by_arithmetic += 1
                else:
                    reading.by_position += 1
            sec = section_of(r) if section_of else None
            it = item(
                table,
                m,
                v,
                label=label,
                code=r.code,
                side=side,
                section=sec,
                ref=r.ref,
                order=order,
                unit=unit,
                inferred=inf and v is not None,
            )
            it["doubtful"] = bool(row_doubt and (v is None or inf))
            out.append(it)
    if record_failing:  # keyed like check_hierarchy's, which then does not repeat them
        for g in failing:
            r = rows[g]
            key = r.code or r.label
            if key not in reading.failing_codes:
                reading.failing_codes.append(key)
                reading.failing_sums.append(f"{key}: the rows under it do not add up to it ({r.ref})")
    return out


# ---------------------------------------------------------------------------------------------
# Two-sided tables (T1, T4): `income label amount  expenditure label amounts…` on one line.

_NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")
_STARTERS = ("本年", "使用", "年初", "年末", "结余分配", "总计", "合计", "上年", "其中")
_INCOME_WORDS = ("收入", "财政拨款", "使用非财政拨款结余", "年初", "上年结转")
_EXPEND_WORDS = ("支出", "结余分配", "年末")


def _segments(text: str) -> list[tuple[str, list[str]]]:
    """(label, amounts) pieces of a two-sided line, left to right."""
    segs: list[tuple[str, list[str]]] = []
    for t in text.split():
        if _is_value(t) or is_amount(t) and segs:
            if segs:
                segs[-1][1].append(t)
            continue
        new = not segs or segs[-1][1] or _NUMBERED.match(t) or t.startswith(_STARTERS)
        if new:
            segs.append((t, []))
        else:
            segs[-1] = (segs[-1][0] + t, segs[-1][1])
    return segs


_COMPLETE = ("收入", "支出", "拨款", "结余", "合计", "总计", "分配")


def _wrapped_owner(fragment: str, candidates: list[SpacedRow]) -> SpacedRow:
    """Which label of the line above a wrapped fragment completes: `收`+`入`, `支`+`出`, else the one
    label that does not end as a label ends; the last one when nothing tells."""
    for end, start in (("收", "入"), ("支", "出")):
        if fragment.startswith(start):
            hit = [r for r in candidates if r.full_label.endswith(end)]
            if hit:
                return hit[-1]
    open_ = [r for r in candidates if not r.full_label.endswith(_COMPLETE)]
    return open_[-1] if len(open_) == 1 else candidates[-1]


def read_two_sided(table: str, lines: list[Line], unit: str) -> tuple[list[dict], Reading]:
    reading = Reading(table, layout="spaced text")
    start = next(
        (
            i
            for i, ln in enumerate(lines)
            if any(_NUMBERED.match(t) or t.startswith("本年收入合计") for t in ln.text.split()[:1])
        ),
        None,
    )
    if start is None:
        reading.unplaced.append("no row labels (一、… / 本年收入合计) under the header: not read")
        return [], reading
    rows: dict[str, list[SpacedRow]] = {"income": [], "expenditure": []}
    last: SpacedRow | None = None
    line_rows: list[SpacedRow] = []
    for ln, text, _ in _table_lines(lines[start:]):
        toks = text.split()
        if toks and all(is_amount(t) for t in toks):
            waiting = [r for r in line_rows if not r.amounts]
            if len(waiting) == len(toks):
                for r, t in zip(waiting, toks):  # one figure per label, in order: positions agree
                    r.amounts.append(t)
            elif len(waiting) == 1:
                waiting[0].amounts += toks  # the one label above without figures takes them all
            else:
                reading.unplaced.append(
                    f"{ln.ref}: figures {text} on a line of their own do not match the "
                    f"{len(waiting)} label(s) above them"
                )
                for r in waiting:
                    r.doubt = True
            continue
        segs = _segments(text)
        if (
            len(segs) == 1
            and not segs[0][1]
            and not _NUMBERED.match(segs[0][0])
            and not segs[0][0].startswith(_STARTERS)
            and last is not None
        ):
            # the rest of a wrapped label (`二十二、灾害防治及应急管理支` / `出`): it belongs to the label
            # on the line above that it completes
            _wrapped_owner(segs[0][0], line_rows or [last]).suffix.append(segs[0][0])
            continue
        line_rows = []
        for k, (lab, amts) in enumerate(segs):
            if len(segs) >= 2:
                side = "income" if k == 0 else "expenditure"
            else:
                side = side_of_label(lab, any(r.label.startswith(("总计", "合计")) for r in rows["income"]))
            last = SpacedRow(None, lab, amts, ln.ref, ln.page)
            rows[side].append(last)
            line_rows.append(last)
    out: list[dict] = []
    state: dict = {}
    for r in rows["income"]:
        v = [parse_amount(a) for a in r.amounts]
        if len(v) > 1:
            reading.unplaced.append(f"{r.ref}: {len(v)} figures for the income side's one column; first kept")
        reading.rows += 1
        reading.by_position += 1 if v else 0
        label = r.full_label
        it = item(
            table,
            "final",
            v[0] if v else None,
            label=label,
            side="income",
            section=two_sided_section(label, state, "income"),
            ref=r.ref,
            order=len(out),
            unit=unit,
        )
        it["doubtful"] = len(v) > 1 or r.doubt
        out.append(it)
    exp = rows["expenditure"]
    if table == "T1":
        for order, r in enumerate(exp):
            v = [parse_amount(a) for a in r.amounts]
            reading.rows += 1
            reading.by_position += 1 if v else 0
            if len(v) > 1:
                reading.unplaced.append(f"{r.ref}: {len(v)} figures for the expenditure side's one column; first kept")
            label = r.full_label
            it = item(
                table,
                "final",
                v[0] if v else None,
                label=label,
                code=function_class_code(label),
                side="expenditure",
                section=two_sided_section(label, state, "expenditure"),
                ref=r.ref,
                order=order,
                unit=unit,
            )
            it["doubtful"] = len(v) > 1 or r.doubt
            out.append(it)
        return out, reading
    # T4 expenditure: 合计 | 一般公共预算 | 政府性基金 | 国有资本经营, placed by the arithmetic.
    measures = list(TEMPLATE_MEASURES["T4_expenditure"])
    funds = {"general_budget": "一般公共预算", "gov_fund": "政府性基金", "state_capital": "国有资本经营"}
    blocked = set()
    for m, word in funds.items():
        got = [parse_amount(r.amounts[0]) for r in rows["income"] if word in r.full_label and r.amounts]
        if not any(g for g in got if g):
            blocked.add(measures.index(m))  # no income and no carry-over of this fund: nothing to spend
    total_idx = next((i for i, r in enumerate(exp) if "本年支出合计" in r.full_label), None)
    prows = []
    for r in exp:
        r.code = function_class_code(r.full_label)
        parent = total_idx if r.code and total_idx is not None else None
        vals = [amount_of(a) for a in r.amounts]
        prows.append(PlaceRow(vals, parent, fixed=tuple(range(4)) if len(vals) == 4 else None))
    idents = (Identity((0,), (1, 2, 3)),)
    res = place(prows, 4, idents, blocked=frozenset(blocked))
    exp_state: dict = {}

    def section_of(r):
        return two_sided_section(r.full_label, exp_state, "expenditure")

    out += _items_from_placement(
        table, exp, measures, res, unit, reading, side="expenditure", section_of=section_of, record_failing=True
    )
    return out, reading


# ---------------------------------------------------------------------------------------------
# T6: two blocks side by side, `code label amount  code label amount`.


def read_economic(lines: list[Line], unit: str) -> tuple[list[dict], Reading]:
    reading = Reading("T6", layout="spaced text")
    start = next((i for i, ln in enumerate(lines) if ln.text.split() and ECON_CODE.match(ln.text.split()[0])), None)
    if start is None:
        reading.unplaced.append("no economic codes (301, 30101 …) found: not read")
        return [], reading
    blocks: dict[str, list[SpacedRow]] = {"personnel": [], "public": []}
    gaps: dict[str, list[list[tuple[str, bool]]]] = {"personnel": [[]], "public": [[]]}
    totals: list[tuple[str, str | None, str]] = []
    seq: list = []  # ("row", block, SpacedRow) or ("frag", text, starts_page)
    for ln, text, starts_page in _table_lines(lines[start:]):
        toks = text.split()
        joined: list[str] = []
        for t in toks:  # `301 01` printed over 类/款 columns is the code 30101
            if joined and re.fullmatch(r"3\d{2}", joined[-1]) and re.fullmatch(r"\d{2}", t):
                joined[-1] += t
            else:
                joined.append(t)
        toks = joined
        if any("合计" in t for t in toks) and not any(ECON_CODE.match(t) for t in toks):
            lab = None
            for t in toks:
                if is_amount(t) and lab:
                    totals.append((lab, t, ln.ref))
                    lab = None
                elif not is_amount(t):
                    if lab:
                        totals.append((lab, None, ln.ref))
                    lab = t
            if lab:
                totals.append((lab, None, ln.ref))
            continue
        segs: list[list] = []
        for t in toks:
            m = GLUED_CODE.match(t)
            if ECON_CODE.match(t):
                segs.append([t, [], []])
            elif m and ECON_CODE.match(m.group(1)):
                segs.append([m.group(1), [m.group(2)], []])
            elif not segs:
                segs.append([None, [t], []])
            elif is_amount(t):
                segs[-1][2].append(t)
            else:
                segs[-1][1].append(t)
        if all(s[0] is None for s in segs):
            seq.append(("frag", text.replace(" ", ""), starts_page))
            continue
        for code, lab, amts in segs:
            if code is None:
                reading.unplaced.append(f"{ln.ref}: {''.join(lab)} {' '.join(amts)} before any code")
                continue
            blk = t6_section(code, "")
            seq.append(("row", blk, SpacedRow(code, "".join(lab), amts, ln.ref, ln.page)))
    # A fragment belongs to the block whose neighbouring row printed no words (else the left block).
    for k, entry in enumerate(seq):
        if entry[0] != "frag":
            continue
        near = [e for e in seq[max(0, k - 2) : k + 3] if e[0] == "row"]
        seq[k] = ("frag", entry[1], entry[2], next((e[1] for e in near if not e[2].label), "personnel"))
    for entry in seq:
        if entry[0] == "row":
            blocks[entry[1]].append(entry[2])
            gaps[entry[1]].append([])
        else:
            gaps[entry[3]][-1].append((entry[1], entry[2]))
    out: list[dict] = []
    order = 0
    for blk in ("personnel", "public"):
        _assign_fragments(blocks[blk], gaps[blk])
        for r in blocks[blk]:
            reading.rows += 1
            if len(r.amounts) > 1:
                reading.unplaced.append(f"{r.ref}: {r.code} prints {len(r.amounts)} figures for one column; none kept")
            v = parse_amount(r.amounts[0]) if len(r.amounts) == 1 else None
            reading.by_position += 1 if v is not None else 0
            it = item(
                "T6",
                "final",
                v,
                label=r.full_label,
                code=r.code,
                section=t6_section(r.code, r.full_label),
                ref=r.ref,
                order=order,
                unit=unit,
            )
            it["doubtful"] = len(r.amounts) > 1
            out.append(it)
            order += 1
    for lab, amt, ref in totals:
        v = parse_amount(amt) if amt else None
        reading.rows += 1
        it = item("T6", "final", v, label=lab, section=t6_section(None, lab), ref=ref, order=order, unit=unit)
        it["doubtful"] = False
        out.append(it)
        order += 1
    return out, reading


# ---------------------------------------------------------------------------------------------
# T7: one row of up to twelve figures (预算数, 决算数 for 合计, 出国, 小计, 购置, 运行, 接待).


def read_three_public(lines: list[Line], unit: str) -> tuple[list[dict], Reading]:
    reading = Reading("T7", layout="spaced text")
    hdr = next((i for i, ln in enumerate(lines) if ln.text.count("预算数") + ln.text.count("决算数") >= 4), None)
    if hdr is None:
        reading.unplaced.append("no 预算数/决算数 header row: not read")
        return [], reading
    row = next((ln for ln in lines[hdr + 1 :] if ln.text.split() and all(is_amount(t) for t in ln.text.split())), None)
    if row is None:
        reading.rows = 0
        return [
            item("T7", m, None, label="合计", ref=lines[hdr].ref, order=0, unit=unit) | {"doubtful": False}
            for m in THREE_PUBLIC_COLUMNS
        ], reading
    toks = row.text.split()
    # Columns as printed: 合计, 出国, 小计, 购置, 运行, 接待, each a 预算数|决算数 pair.
    measures = [f"{side}_{it}" for it in THREE_PUBLIC_ITEMS for side in THREE_PUBLIC_BASES]
    col = {m: k for k, m in enumerate(measures)}
    idents = []
    for side in ("budget", "final"):
        idents.append(
            Identity(
                (col[f"{side}_total"],),
                (col[f"{side}_overseas"], col[f"{side}_vehicle_total"], col[f"{side}_reception"]),
            )
        )
        idents.append(
            Identity(
                (col[f"{side}_vehicle_total"],), (col[f"{side}_vehicle_purchase"], col[f"{side}_vehicle_operation"])
            )
        )
    vals = [amount_of(t) for t in toks]
    pr = PlaceRow(vals, None, fixed=tuple(range(12)) if len(vals) == 12 else None)
    res = place([pr], 12, tuple(idents))
    srow = SpacedRow(None, "合计", toks, row.ref, row.page)
    items = _items_from_placement("T7", [srow], measures, res, unit, reading, record_failing=True)
    order = {m: k for k, m in enumerate(THREE_PUBLIC_COLUMNS)}
    return sorted(items, key=lambda it: order.get(it["measure"], 99)), reading


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
