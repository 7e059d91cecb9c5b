"""The narrative as paragraphs of joined lines, each remembering the ref of every line it was built from.

- The narrative starts at the last heading "一、收入支出决算总体情况" (earlier ones are the table of contents)
  and runs to the end of the file (appendices hold the 绩效自评 tables).
- Wrapped lines are joined into paragraphs: a line continues the paragraph unless the previous line
  closed a sentence (。！？) or the line itself starts a new item (1. / （一） / 一、 / headings), or is a
  table row (tab-separated cells).
- PDF text layers sometimes print the figures on their own line after the words ("机关运行经费支出 万元，
  比 年度增加 万元" then "184.65 2023 2.55 1.40%"). Such number lines are put back, in order, into the gaps
  of the text line above (extra leading figures go to the start of that line, which continues the
  previous one); the paragraph records a note saying so.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from .amounts import NUM

START_RE = re.compile(r"一、\s*收入支出决算总体情况")
HEADING_RE = re.compile(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*、)")
ITEM_RE = re.compile(
    r"^(?:\d{1,2}\s*[.、．](?!\d)|[（(]\s*\d{1,2}\s*[)）]|[（(]\s*[一二三四五六七八九十]+\s*[)）]|"
    r"[一二三四五六七八九十]+\s*、|第[一二三四五六七八九十]+部分|图\s*\d|[①②③④⑤⑥⑦⑧⑨⑩]|年度目标|序号)"
)
SENT_END = "。！？"
_TOKEN = rf"(?:{NUM})%?|[“”\"]"
NUMBER_LINE_RE = re.compile(rf"^\s*(?:{_TOKEN})(?:\s+(?:{_TOKEN}))*\s*$")
_GAP_RE = re.compile(r"(?<=\S) (?=\S)")


@dataclass
class Para:
    text: str
    starts: list[tuple[int, str]]  # (offset in text, ref of the line starting there)
    section: str = ""  # the current top-level heading (一、… 十三、…)
    part: str = ""  # the current 第X部分 heading
    is_row: bool = False  # a tab-separated table row, kept as one line
    notes: list[str] = field(default_factory=list)
    index: int = 0
    reassociated: bool = False  # some of its figures were printed on a separate PDF line and put back by us

    def ref_at(self, off: int) -> str:
        i = bisect_right([s for s, _ in self.starts], off) - 1
        return self.starts[max(i, 0)][1]

    def sentence_bounds(self, a: int, b: int | None = None, seps: str = SENT_END) -> tuple[int, int]:
        """Start and end of the sentence(s) spanning text[a:b] (ends at 。 or the paragraph's end)."""
        b = a if b is None else b
        s = a
        while s > 0 and self.text[s - 1] not in seps:
            s -= 1
        e = b
        while e < len(self.text) and self.text[e] not in seps:
            e += 1
        if e < len(self.text):
            e += 1
        while s < e and self.text[s] == " ":
            s += 1
        return s, e

    def sentence(self, a: int, b: int | None = None, seps: str = SENT_END) -> tuple[str, str]:
        """(source_text, source_ref): the sentence around text[a:b] and the ref of its first line."""
        s, e = self.sentence_bounds(a, b, seps)
        return self.text[s:e].strip(), self.ref_at(s)

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) if self.notes else None


_MD = re.compile(r"</?[a-zA-Z][^>]*>|\*\*|^#+\s*|^-\s+|\\(?=\*)")


def clean(text: str) -> str:
    m = re.match(r"^[ \u3000]*(\t*)", text)
    assert m is not None  # the pattern matches any text (possibly empty)
    lead = m.group(1)  # leading tabs are empty cells: keep them
    t = _MD.sub("", text.strip())
    t = _MD.sub("", t.strip())
    t = t.replace("\u00a0", " ").strip()
    return lead + t if t else ""


def _gap_score(tok: str, text: str, pos: int) -> int:
    """How well a figure fits the gap at text[pos] (a space)."""
    after = text[pos + 1 : pos + 3]
    before = text[pos - 1] if pos > 0 else ""
    if tok in '“”"':
        return 2 if after[:1] in ("三", "优", "良", "合", "不") or before in ("无", "有") else 0
    if tok.endswith("%"):
        return (
            2
            if (after[:1] in "，。；,;） " or before in "占的长降为比") and not after.startswith(("万", "元", "年"))
            else -1
        )
    if re.fullmatch(r"(19|20)\d\d", tok):
        return 2 if after.startswith("年") else (-1 if after.startswith(("万", "元")) else 0)
    if after.startswith(("万", "元", "辆", "台", "个", "分", "年", "月", "日")):
        return 2
    return -1 if after[:1] in "，。；" and before in "占的" else 0


def fill_gaps(text: str, tokens: list[str]) -> str:
    """Put the figures of a number line back into the gaps (single spaces) of the text line above."""
    gaps = [m.start() for m in _GAP_RE.finditer(text)]
    n, g = len(tokens), len(gaps)
    lead: list[str] = []
    if n > g:  # the first figures belong before this line (to the end of the line it continues)
        lead, tokens = tokens[: n - g], tokens[n - g :]
        chosen = gaps
    else:  # choose which gaps get the figures, in order, by how well each fits (small DP)
        best: dict[tuple[int, int], tuple[int, list[int]]] = {}

        def go(i: int, j: int) -> tuple[int, list[int]]:
            if i == n:
                return 0, []
            if g - j < n - i:
                return -(10**6), []
            if (i, j) in best:
                return best[(i, j)]
            take_s, take_l = go(i + 1, j + 1)
            take = (take_s + _gap_score(tokens[i], text, gaps[j]), [gaps[j]] + take_l)
            skip = go(i, j + 1)
            best[(i, j)] = take if take[0] >= skip[0] else skip
            return best[(i, j)]

        chosen = go(0, 0)[1]
    out, last = [], 0
    for pos, tok in zip(chosen, tokens):
        out.append(text[last:pos])
        out.append(f" {tok} ")
        last = pos + 1
    out.append(text[last:])
    body = "".join(out)
    return (" ".join(lead) + " " + body) if lead else body


def narrative_lines(doc) -> list[tuple[str, str, bool]]:
    """(cleaned text, ref, reassociated?) of the narrative's lines, number-only PDF lines merged back."""
    lines = doc.lines
    start = 0
    for i, ln in enumerate(lines):
        if START_RE.search(ln.text.replace(" ", "")) or START_RE.search(ln.text):
            start = i
    out: list[tuple[str, str, bool]] = []
    pdf = doc.source_format == "pdf"
    for ln in lines[start:]:
        t = clean(ln.text)
        if not t:
            continue
        if pdf and out and NUMBER_LINE_RE.match(t) and not out[-1][2] and not NUMBER_LINE_RE.match(out[-1][0]):
            prev, ref, _ = out[-1]
            out[-1] = (fill_gaps(prev, t.split()), ref, True)
            continue
        out.append((t, ln.ref, False))
    return out


def _is_row(t: str) -> bool:
    return "\t" in t


def paragraphs(doc) -> list[Para]:
    """The narrative's paragraphs (joined wrapped lines), with section headings and line refs."""
    paras: list[Para] = []
    section = part = ""
    cur: Para | None = None
    prev_text = ""
    for t, ref, reassoc in narrative_lines(doc):
        flat = t.replace("\t", " ").strip() if not _is_row(t) else t
        if not flat.strip():
            continue
        heading = bool(HEADING_RE.match(flat)) and len(flat) < 60 and not _is_row(t)
        new = (
            cur is None
            or cur.is_row
            or _is_row(t)
            or heading
            or bool(ITEM_RE.match(flat))
            or (prev_text and prev_text[-1] in SENT_END)
        )
        if heading:
            if flat.startswith("第"):
                part, section = flat, flat
            else:
                section = flat
        if new:
            cur = Para(text="", starts=[], section=section, part=part, is_row=_is_row(t), index=len(paras))
            paras.append(cur)
        else:
            assert cur is not None  # `new` holds while there is no paragraph yet
            # join a wrapped line; keep a space only between two ASCII characters
            if cur.text and cur.text[-1].isascii() and flat[0].isascii() and cur.text[-1] != " ":
                cur.text += " "
        cur.starts.append((len(cur.text), ref))
        cur.text += flat
        if reassoc:
            cur.reassociated = True
            page = ref
            msg = (
                f"figures printed on a separate line of the PDF text layer ({page}) were re-associated "
                "in order with the words"
            )
            if msg not in cur.notes:
                cur.notes.append(msg)
        prev_text = "。" if heading else flat.rstrip()  # a heading stands alone
    return paras


def compact_lines(doc) -> list[tuple[str, str]]:
    """(text, ref) of the narrative's cleaned lines, for table-like parsing."""
    return [(t, ref) for t, ref, _ in narrative_lines(doc)]
