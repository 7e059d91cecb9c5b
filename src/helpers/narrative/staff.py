"""Headcount as the report prints it in 部门人员构成 (part one, before the narrative proper):

- `staff_in_post`: 在职实有人数 (洪山 2021 line 106: "在职实有人数 54 人，其中：行政 45 人，事业 9 人")
- `staff_authorised`: 编制数 / 总编制人数 / 核定编制 (青山 2020 line 183: "总编制人数 30 个")
- `retirees`: 离退休人员 (洪山 2021 line 108: "离退休人员 18 人，其中：离休 0 人，退休 18 人")

Lines are joined before matching because copies wrap a figure onto the next line (硚口 2021, lines 89–91:
"…在职实有人数" / "22人，其中：行政 22 人。"). A breakdown (行政编制 26 人, 事业 9 人) is not a total and is not
taken. The first statement of each kind counts; table rows (tab-separated cells) are skipped.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..core.normalize import compact
from .facts import Fact, FactUnit
from .sentences import clean

_N = r"\s*(?:为|共|共有)?\s*(?P<n>\d+)\s*(?:人|名|个)"
STAFF_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    (
        "staff_in_post",
        re.compile(r"(?P<what>在职\s*实有\s*人\s*(?:数|员)|年末\s*实有\s*人\s*数|在职\s*(?:人员|职工))" + _N),
    ),
    ("staff_authorised", re.compile(r"(?P<what>总?\s*编\s*制\s*(?:人\s*)?数|核定\s*编制)" + _N)),
    ("retirees", re.compile(r"(?P<what>离\s*退\s*休\s*(?:人员|干部|职工))" + _N)),
)
SENT_END = "。；;\n"


def _joined(doc) -> tuple[str, list[int], list[str]]:
    """The document's lines that are not table rows, joined without separators, with each line's offset and ref."""
    text, starts, refs = "", [], []
    for ln in doc.lines:
        t = clean(ln.text)
        if not t or "\t" in t:
            continue
        starts.append(len(text))
        refs.append(ln.ref)
        text += t.strip()
    return text, starts, refs


def _sentence(text: str, a: int, b: int, line_start: int) -> str:
    """The sentence around text[a:b], from no earlier than the start of the line it begins on (the lines
    before a headcount are headings that end without punctuation)."""
    s, e = a, b
    while s > line_start and text[s - 1] not in SENT_END:
        s -= 1
    while e < len(text) and text[e] not in SENT_END:
        e += 1
    return text[s : e + 1].strip()


def staff_facts(doc, report_id: str) -> list[Fact]:
    """The report's headcounts (unit `count`), each with the line printing its figure."""
    text, starts, refs = _joined(doc)
    out: list[Fact] = []
    for topic, rx in STAFF_PATTERNS:
        m = rx.search(text)
        if m is None:
            continue
        ref = refs[bisect_right(starts, m.start("n")) - 1]
        line_start = starts[bisect_right(starts, m.start()) - 1]
        out.append(
            Fact(
                report_id=report_id,
                topic=topic,
                subject=compact(m.group("what")),
                value=float(m.group("n")),
                unit=FactUnit.COUNT,
                source_ref=ref,
                source_text=_sentence(text, m.start(), m.end(), line_start),
                note=None,
            )
        )
    return out
