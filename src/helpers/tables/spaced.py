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
- the rows go to the interpreter of the table's shape (`tables/shapes/`) with their columns lost:
  it places the amounts by `placement.place` (a row printing every column by position, a shorter
  row by the table's arithmetic); a value with two possible columns is not placed and the table is
  reported doubtful.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.catalog import side_of_label, t6_section
from ..core.normalize import is_amount
from ..core.vocabulary import FUNCTION_CLASSES
from ..read.document import Line
from . import shapes
from .line_item import LineItem
from .reading import Positions, Reading
from .shapes import coded, economic, kind_of, three_public, two_sided
from .shapes.records import Figure, RowRecord

Read = tuple[list[LineItem], Reading]  # a table's line_items and its reading record

GLUED_CODE = re.compile(r"^(\d{3}(?:\d{2}){0,2})([^\d\s,.].*)$")
NOTE = re.compile(r"^(注|说明)\s*[:：\d]")
HEADER_WORD = re.compile(
    r"^(项目|功能分类|经济分类|科目编码|科目名称|科目|编码|名称|码|类|款|项|栏次|单位[:：].*|金额单位.*|"
    r"合计|小计|本年收入合计|本年支出合计|本年收入|本年支出|基本支出|项目支出|决算数|预算数|"
    r".*收入|.*支出|.*结余|.*结转和|附属单位.*|上缴.*|对附属单位.*|助支出|补助支出|其中.*)$"
)


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
        n_amt = sum(1 for t in toks if is_amount(t) and not coded.CODE.match(t))
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
    return is_amount(tok) and not (coded.CODE.match(tok) or economic.CODE.match(tok))


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
    if toks and coded.CODE.match(toks[0]):
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
        elif code is None and coded.CODE.match(t) and len(t) in (5, 7):
            code = t  # a code standing between the halves of a wrapped label
        else:
            label.append(t)
    return code, label, amounts, trailing


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
            if (ends_page or (ln.page is None and decimals >= 3)) and not _class_code_alone(ln, nxt):
                continue
        kept.append(ln)
    return kept


CLASS_CODES = frozenset(FUNCTION_CLASSES.values())


def _class_code_alone(ln: Line, nxt: Line | None) -> bool:
    """A function class's code (`206`) printed on a line of its own, its name and figures on the next line
    of the same page (`科学技术支出 1,178.72 1,178.72`): a code, not a page number, though it looks like one."""
    if ln.text.strip() not in CLASS_CODES or nxt is None or nxt.page != ln.page:
        return False
    code, label, amounts, _ = _split_line(nxt.text)
    return code is None and bool(label) and bool(amounts) and not coded.TOTAL_LABEL.match("".join(label))


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
    return bool(code) or (bool(coded.TOTAL_LABEL.match(lab)) and bool(amounts))


def read_coded(table: str, lines: list[Line], unit: str, hints: dict | None = None) -> Read:
    """A coded table (T2, T3, T5, T8, T9): rows of `code label amounts`."""
    header, body = _header_and_body(lines, _coded_row_line)
    reading = Reading(table, "spaced text", Positions.LOST)
    # Header words can share a line with the 合计 row (T8/T9: `合计 0 2002.80 合计 基本支出 项目支出 0`).
    shared = [t for ln in body[:2] for t in _split_line(ln.text)[3] if HEADER_WORD.match(t)]
    measures = coded.measures_from_words(table, " ".join(ln.text for ln in header) + " " + " ".join(shared))
    rows, broken = _coded_rows(header, body, reading)
    records = [
        RowRecord(
            r.code,
            r.full_label or r.label,
            [Figure(a, ref=r.ref) for a in r.amounts],
            r.ref,
            total=r.label == "合计" and not r.code,
            doubt=r.doubt,
            printed=r.label,
            words_at=r.n_before if r.markers else None,
        )
        for r in rows
    ]
    items = shapes.line_items(table, records, measures, unit, [], reading, hints or {})
    suspect = {k for b in broken for k in (b - 1, b)}
    for it in items:
        if it["row_order"] in suspect:
            it["doubtful"] = True
    return items, reading


def _coded_rows(header: list[Line], body: list[Line], reading: Reading) -> tuple[list[SpacedRow], list[int]]:
    """The body's rows, label fragments assigned, and the row indexes before which a figures-only
    line stood (a row broken across lines: the rows around it are doubtful)."""
    rows: list[SpacedRow] = []
    gaps: list[list[tuple[str, bool]]] = [[]]
    # A fragment right above the first row belongs to it when that row prints no words.
    if header and body:
        _, first_label, _, _ = _split_line(body[0].text)
        last = header[-1].text.strip()
        if not first_label and not HEADER_WORD.match(last.replace(" ", "")):
            gaps[0].append((last, False))
    broken: list[int] = []
    for ln, text, starts_page in _table_lines(body, stop_at_sentences=True):
        code, label, amounts, trailing = _split_line(text)
        lab = "".join(label)
        if not (code or amounts or coded.TOTAL_LABEL.match(lab)):
            gaps[-1].append((text.replace(" ", ""), starts_page))
            continue
        loose = not code and not coded.TOTAL_LABEL.match(lab) and bool(amounts)  # figures with no code
        if loose and _continues_row(rows, gaps, lab, amounts, trailing):
            continue
        if loose and not lab:
            reading.unplaced.append(
                f"{ln.ref}: figures {' '.join(amounts)} on a line of their own (row broken "
                "across lines); the rows around it are doubtful"
            )
            broken.append(len(rows))
            continue
        rows.append(_coded_row(ln, code, lab, amounts, trailing, reading))
        gaps.append([])
    _assign_fragments(rows, gaps)
    return rows, broken


def _continues_row(
    rows: list[SpacedRow], gaps: list[list[tuple[str, bool]]], lab: str, amounts: list[str], trailing: list[str]
) -> bool:
    """Figures printed on the line below a row that has none, nothing between: the row's figures;
    with a name, below a code printed on a line of its own: the code's name and figures."""
    if not rows or rows[-1].amounts or gaps[-1]:
        return False
    last = rows[-1]
    if not lab:
        last.amounts = amounts
        return True
    if not trailing and last.code and not last.label:
        last.label, last.amounts = lab, amounts
        last.n_before = len(amounts)
        return True
    return False


def _coded_row(
    ln: Line, code: str | None, lab: str, amounts: list[str], trailing: list[str], reading: Reading
) -> SpacedRow:
    """A row from its line; header words among the trailing tokens (T8/T9's 合计 row) are kept as
    markers, figures after them count, anything else after the figures is recorded unplaced."""
    markers = [t for t in trailing if HEADER_WORD.match(t)]
    after = [t for t in trailing if t not in markers and is_amount(t)] if markers else []
    for t in trailing:
        if t not in markers and t not in after:
            reading.unplaced.append(f"{ln.ref}: {t!r} after the figures")
    row = SpacedRow(code, coded.row_label(lab), amounts + after, ln.ref, ln.page, markers=markers)
    row.n_before = len(amounts)
    return row


# ---------------------------------------------------------------------------------------------
# Two-sided tables (T1, T4): `income label amount  expenditure label amounts…` on one line.

_NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")
_STARTERS = ("本年", "使用", "年初", "年末", "结余分配", "总计", "合计", "上年", "其中")


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


def read_two_sided(table: str, lines: list[Line], unit: str, hints: dict | None = None) -> Read:
    reading = Reading(table, "spaced text", Positions.LOST)
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
    records = [
        RowRecord(None, r.full_label, [Figure(a) for a in r.amounts], r.ref, side=side, doubt=r.doubt, printed=r.label)
        for side in ("income", "expenditure")
        for r in rows[side]
    ]
    return shapes.line_items(table, records, list(two_sided.TEMPLATE), unit, [], reading), reading


# ---------------------------------------------------------------------------------------------
# T6: two blocks side by side, `code label amount  code label amount`.


def read_economic(table: str, lines: list[Line], unit: str, hints: dict | None = None) -> Read:
    reading = Reading(table, "spaced text", Positions.LOST)
    start = next((i for i, ln in enumerate(lines) if ln.text.split() and economic.CODE.match(ln.text.split()[0])), None)
    if start is None:
        reading.unplaced.append("no economic codes (301, 30101 …) found: not read")
        return [], reading
    totals: list[tuple[str, str | None, str]] = []
    seq: list = []  # ("row", block, SpacedRow) or ("frag", text, starts_page)
    for ln, text, starts_page in _table_lines(lines[start:]):
        toks = _join_split_codes(text.split())
        if any("合计" in t for t in toks) and not any(economic.CODE.match(t) for t in toks):
            totals += [(lab, amt, ln.ref) for lab, amt in _total_labels(toks)]
            continue
        segs = _economic_segments(toks)
        if all(s[0] is None for s in segs):
            seq.append(("frag", text.replace(" ", ""), starts_page))
            continue
        for code, lab, amts in segs:
            if code is None:
                reading.unplaced.append(f"{ln.ref}: {''.join(lab)} {' '.join(amts)} before any code")
                continue
            seq.append(("row", t6_section(code, ""), SpacedRow(code, "".join(lab), amts, ln.ref, ln.page)))
    records: list[RowRecord] = []
    for rows in _economic_blocks(seq):
        records += [RowRecord(r.code, r.full_label, [Figure(a) for a in r.amounts], r.ref) for r in rows]
    for lab, amt, ref in totals:
        records.append(RowRecord(None, lab, [Figure(amt)] if amt else [], ref, total=True))
    return shapes.line_items(table, records, economic.ONE_COLUMN, unit, [], reading), reading


def _join_split_codes(toks: list[str]) -> list[str]:
    """`301 01` printed over 类/款 columns is the code 30101."""
    joined: list[str] = []
    for t in toks:
        if joined and re.fullmatch(r"3\d{2}", joined[-1]) and re.fullmatch(r"\d{2}", t):
            joined[-1] += t
        else:
            joined.append(t)
    return joined


def _total_labels(toks: list[str]) -> list[tuple[str, str | None]]:
    """(label, figure) of a line of 合计 rows (人员经费合计 1.00 公用经费合计 …); a label with no figure
    after it keeps None."""
    out: list[tuple[str, str | None]] = []
    lab = None
    for t in toks:
        if is_amount(t) and lab:
            out.append((lab, t))
            lab = None
        elif not is_amount(t):
            if lab:
                out.append((lab, None))
            lab = t
    if lab:
        out.append((lab, None))
    return out


def _economic_segments(toks: list[str]) -> list[list]:
    """[code, label words, figures] per row printed on the line (two blocks side by side); words
    before any code form a segment with code None."""
    segs: list[list] = []
    for t in toks:
        m = GLUED_CODE.match(t)
        if economic.CODE.match(t):
            segs.append([t, [], []])
        elif m and economic.CODE.match(m.group(1)):
            segs.append([m.group(1), [m.group(2)], []])
        elif not segs:
            segs.append([None, [t], []])
        elif is_amount(t):
            segs[-1][2].append(t)
        else:
            segs[-1][1].append(t)
    return segs


def _economic_blocks(seq: list) -> list[list[SpacedRow]]:
    """The personnel and public blocks' rows, each label fragment joined to its block's rows: a
    fragment belongs to the block whose neighbouring row printed no words (else the left block)."""
    blocks: dict[str, list[SpacedRow]] = {"personnel": [], "public": []}
    gaps: dict[str, list[list[tuple[str, bool]]]] = {"personnel": [[]], "public": [[]]}
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
    for blk in ("personnel", "public"):
        _assign_fragments(blocks[blk], gaps[blk])
    return [blocks["personnel"], blocks["public"]]


# ---------------------------------------------------------------------------------------------
# T7: one row of up to twelve figures (预算数, 决算数 for 合计, 出国, 小计, 购置, 运行, 接待).


def read_three_public(table: str, lines: list[Line], unit: str, hints: dict | None = None) -> Read:
    reading = Reading(table, "spaced text", Positions.LOST)
    hdr = next((i for i, ln in enumerate(lines) if ln.text.count("预算数") + ln.text.count("决算数") >= 4), None)
    if hdr is None:
        reading.unplaced.append("no 预算数/决算数 header row: not read")
        return [], reading
    row = next((ln for ln in lines[hdr + 1 :] if ln.text.split() and all(is_amount(t) for t in ln.text.split())), None)
    # The figures' columns are lost: the shape places them by its arithmetic (a line with no figures:
    # a 合计 row printed blank, its cells under the header's line).
    rec = RowRecord(None, "合计", [Figure(t) for t in row.text.split()], row.ref) if row else None
    rec = rec or RowRecord(None, "合计", [], lines[hdr].ref)
    return shapes.line_items(table, [rec], three_public.PRINTED, unit, [], reading), reading


# How single-space text is read into each shape's records (catalog `TableDef.kind`).
READERS_BY_KIND = {
    "coded": read_coded,
    "two_sided": read_two_sided,
    "economic": read_economic,
    "three_public": read_three_public,
}


def read_spaced(table: str, lines: list[Line], unit: str, hints: dict | None = None) -> Read:
    """A single-space table's line_items and reading, by the reader of its shape."""
    return READERS_BY_KIND[kind_of(table)](table, lines, unit, hints)
