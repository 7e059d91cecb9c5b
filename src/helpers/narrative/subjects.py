"""Subjects of budget statements: 类/款/项 names and their function codes.

A name is looked up in the report's own line_items first (its tables print the names the narrative
uses), then, for classes, in the catalog's FUNCTION_CLASSES. Names are compared without spaces,
brackets and the 支出 suffix; a near miss (资源探勘 for 资源勘探) is accepted for classes only.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from ..core.settings import SETTINGS
from ..core.vocabulary import FUNCTION_CLASSES, LEVEL_LENGTHS, code_level

LEVEL_RE = re.compile(r"([^（()）。；：:\d、.．，,]+?)[（(](类|款|项)(?:级)?[)）]")


def norm_name(name: str) -> str:
    n = re.sub(r"[\s“”\"（）()]", "", name or "")
    n = re.sub(r"^[一二三四五六七八九十]+、", "", n)
    n = re.sub(r"支出$", "", n)
    return n


class CodeBook:
    """Function codes of one report, by level and normalised name."""

    def __init__(self, line_items: pd.DataFrame | None):
        self.by_level: dict[str, dict[str, set[str]]] = {"类": {}, "款": {}, "项": {}}
        if line_items is not None and len(line_items):
            li = line_items[
                (line_items["code_domain"].fillna("") == "function").astype(bool)
                & line_items["code"].notna().astype(bool)
            ]
            for code, label in li[["code", "row_label"]].drop_duplicates().itertuples(index=False):
                lvl = code_level(code)
                if lvl:
                    self.by_level[lvl].setdefault(norm_name(label), set()).add(code)
        for name, code in FUNCTION_CLASSES.items():
            self.by_level["类"].setdefault(norm_name(name), set()).add(code)

    def class_code(self, name: str) -> str | None:
        n = norm_name(name)
        codes = self.by_level["类"].get(n)
        if not codes:
            close = difflib.get_close_matches(n, list(self.by_level["类"]), n=1, cutoff=SETTINGS.name_match_cutoff)
            codes = self.by_level["类"].get(close[0]) if close else None
        return sorted(codes)[0] if codes and len(codes) == 1 else None

    def close_code(self, level: str, name: str, parent: str) -> str | None:
        """A unique code under parent whose name is close to name (difflib ratio ≥ 0.8)."""
        n = norm_name(name)
        cands = {nm: codes for nm, codes in self.by_level[level].items() if any(c.startswith(parent) for c in codes)}
        close = difflib.get_close_matches(n, list(cands), n=2, cutoff=SETTINGS.name_match_cutoff)
        if len(close) != 1:
            return None
        codes = {c for c in cands[close[0]] if c.startswith(parent)}
        return sorted(codes)[0] if len(codes) == 1 else None

    def code(self, level: str, name: str, parent: str | None = None) -> str | None:
        """Code of a 款 or 项 name, constrained to the parent's code when known; None when ambiguous."""
        if level == "类":
            return self.class_code(name)
        codes = self.by_level[level].get(norm_name(name), set())
        if parent:
            codes = {c for c in codes if c.startswith(parent)}
        return sorted(codes)[0] if len(codes) == 1 else None


def parse_levels(text: str) -> list[tuple[str, str]]:
    """[(level, name)] for "一般公共服务支出(类)财政事务（款）行政运行（项）"."""
    return [(m.group(2), m.group(1).strip()) for m in LEVEL_RE.finditer(text)]


def resolve(book: CodeBook, head: str) -> tuple[str, str, str | None, str | None] | None:
    """(level, name, code, note) of the deepest 类/款/项 named in a paragraph head, or None.

    The chain is followed from the class down; a 款 or 项 whose name is not in the report's tables is
    looked for among the codes under the nearest mapped parent (a unique exact, else a unique close
    name), and the note says so.
    """
    levels = parse_levels(head)
    if not levels:
        m = re.match(r"^\s*(?:\d{1,2}\s*[.、．]\s*)?([\u4e00-\u9fff]+?)支出中", head)
        if m and book.class_code(m.group(1)):
            return "类", m.group(1), book.class_code(m.group(1)), None
        return None
    parent: str | None = None
    code = None
    notes = []
    for lvl, nm in levels:
        code = book.code(lvl, nm, parent)
        if code is None and lvl != "类" and parent:
            code = book.close_code(lvl, nm, parent)
            if code:
                notes.append(
                    f"{lvl} name “{nm}” matched to {code} under {parent} by a similar name in the report's tables"
                )
        if code is None and lvl != levels[-1][0]:
            notes.append(f"{lvl} name “{nm}” not found in the report's tables")
            continue  # keep the last mapped parent
        if code is None:
            break
        parent = code
    level, name = levels[-1]
    if code is not None and len(code) != LEVEL_LENGTHS[level]:
        code = None
    return level, name, code, "; ".join(notes) or None
