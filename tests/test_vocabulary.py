"""The domain's words and the tolerances are defined once (helpers/vocabulary.py, helpers/settings.py)
and imported everywhere else; the printed variants map to the canonical terms.

The "defined once" tests read the source: a term counts as defined where it is a value of its own (a
string or number standing alone, or an element of a tuple, list, set or dict literal), not where it is
part of a sentence (a message, a rule's description, a docstring).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

import helpers
from helpers.core import vocabulary as V
from helpers.core.normalize import compact
from helpers.core.settings import SETTINGS

SRC = Path(helpers.__file__).parent
# Modules other developers own: studies/ may keep page-specific wording (their vocabulary is imported
# already); runner/pages/storage/workers hold no domain terms.
NOT_SCANNED = {"core/vocabulary.py", "core/settings.py"}


def _modules() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).as_posix() not in NOT_SCANNED]


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _standalone_constants(tree: ast.AST) -> list[ast.Constant]:
    """Constants that are values of their own: not docstrings, not parts of f-strings or of a `+`."""
    inside: set[int] = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside |= {id(v) for v in ast.walk(node) if isinstance(v, ast.Constant)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in inside]


def _collections(tree: ast.AST) -> list[list[object]]:
    """The constant elements (keys and values) of every tuple, list, set and dict literal."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            elts = node.elts
        elif isinstance(node, ast.Dict):
            elts = [k for k in node.keys if k is not None] + node.values
        else:
            continue
        out.append([e.value for e in elts if isinstance(e, ast.Constant)])
    return out


def _where(pred) -> list[str]:
    """`path:line value` of every standalone constant outside vocabulary/settings for which pred holds."""
    hits = []
    for p in _modules():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        hits += [f"{p.relative_to(SRC)}:{c.lineno} {c.value!r}" for c in _standalone_constants(tree) if pred(c.value)]
    return hits


def _collections_where(pred) -> list[str]:
    hits = []
    for p in _modules():
        for elts in _collections(ast.parse(p.read_text(encoding="utf-8"))):
            if pred(elts):
                hits.append(f"{p.relative_to(SRC)}: {elts[:8]}")
    return hits


def test_three_public_items_are_listed_only_in_the_vocabulary():
    """The 三公 items (keys or names, （境） or (境)) are listed nowhere else: no tuple, list or dict
    outside vocabulary.py holds three of them (or the two vehicle parts), and no name stands alone
    anywhere else (合计, T7's total column, is everyone's word and not counted)."""
    keys = set(V.THREE_PUBLIC_ITEMS)
    names = set(V.THREE_PUBLIC_NAMES.values()) | set(V.THREE_PUBLIC_COLUMN_LABELS.values())
    names |= {n.replace("（", "(").replace("）", ")") for n in names}
    names.discard("合计")
    assert (
        _collections_where(
            lambda elts: (
                len(keys & {e for e in elts if isinstance(e, str)}) >= 3
                or set(V.THREE_PUBLIC_PARTS["vehicle_total"]) <= set(elts)
            )
        )
        == []
    )
    assert _where(lambda v: isinstance(v, str) and v in names) == []
    # the words a header or a sentence prints for an item, and their regular expressions
    words = {w for w, _ in V.THREE_PUBLIC_TEXT_WORDS if len(w) > 2} | {p for _, p in V.THREE_PUBLIC_PATTERNS}
    assert _where(lambda v: isinstance(v, str) and v in words) == []


def test_titles_class_names_levels_and_codes_are_defined_once():
    titles = set(V.TABLE_TITLES.values())
    assert _where(lambda v: isinstance(v, str) and v in titles) == []
    # the class-name lookup, the economic names, the T6 subtotals
    assert _where(lambda v: isinstance(v, str) and v in V.FUNCTION_CLASSES) == []
    assert _where(lambda v: isinstance(v, str) and v in set(V.ECONOMIC_NAMES.values())) == []
    assert _where(lambda v: isinstance(v, str) and v in set(V.T6_SUBTOTALS.values())) == []
    # 301/303 are personnel; the level of a 3/5/7-digit code; the 21305 rename
    assert _collections_where(lambda elts: {"301", "303"} <= set(elts)) == []
    assert _collections_where(lambda elts: {"类", "款", "项"} <= set(elts) and {3, 5, 7} <= set(elts)) == []
    assert _where(lambda v: v in (V.POVERTY_CODE, V.POVERTY_OLD_NAME, V.POVERTY_NEW_NAME)) == []
    # measure names for messages
    assert (
        _collections_where(lambda elts: {"fiscal", "财政拨款收入", "upper_subsidy", "上级补助收入"} <= set(elts)) == []
    )


def test_whitespace_and_number_patterns_live_in_normalize():
    """One helper removes whitespace (normalize.compact) and one pattern reads a printed number
    (normalize.NUM): no module retypes either."""
    hits = []
    for p in _modules():
        if p.name == "normalize.py":
            continue
        text = p.read_text(encoding="utf-8")
        for pat in (r're.sub(r"\s+", "",', r're.sub(r"\s", "",', r"\d{1,3}(?:,\d{3})+", r"(\d+(?:\.\d+)?)"):
            hits += [f"{p.relative_to(SRC)}: {pat}"] * text.count(pat)
    assert hits == []
    assert compact(" 合 计\u3000\t人员\n经费 ") == "合计人员经费"


def test_printed_variants_map_to_the_canonical_items():
    """As printed in the corpus: T7 headers use full-width brackets (因公出国（境）费, Hongshan line 366),
    sentences ASCII ones (因公出国(境)费支出决算为 0.00 万元, line 503), and Jianghan's T7 prints
    公务用车购置及运行维护费 (line 369)."""
    pats = [(item, re.compile(p)) for item, p in V.THREE_PUBLIC_PATTERNS]

    def item_of(text: str) -> str | None:
        return next((item for item, rx in pats if rx.search(text)), None)

    assert item_of("因公出国（境）费") == item_of("1. 因公出国(境)费支出决算为 0.00 万元") == "overseas"
    assert (
        item_of("公务用车购置及运行维护费") == item_of("公务用车购置及运行费支出决算为 72.13 万元") == "vehicle_total"
    )
    assert item_of("3. 公务接待费支出决算为 0.38 万元") == "reception"
    assert item_of("本年度无购置（更新）公务用车") == "vehicle_purchase"
    header = {
        "因公出国（境）费": "overseas",
        "小计": "vehicle_total",
        "购置费": "vehicle_purchase",
        "运行费": "vehicle_operation",
        "公务接待费": "reception",
        "合计": "total",
    }
    for cell, item in header.items():
        assert next(it for w, it in V.THREE_PUBLIC_HEADER_WORDS if w in cell) == item
    assert V.THREE_PUBLIC_COLUMNS[:2] == ("budget_total", "budget_overseas") and len(V.THREE_PUBLIC_COLUMNS) == 12
    assert set(V.THREE_PUBLIC_NAMES) == set(V.THREE_PUBLIC_ITEMS) == set(V.THREE_PUBLIC_COLUMN_LABELS)


def test_code_words():
    assert [V.code_level(c) for c in ("201", "20101", "2010101", "2010", None)] == ["类", "款", "项", None, None]
    assert V.is_personnel("30101") and V.is_personnel("303") and not V.is_personnel("30201")
    assert V.CLASS_NAMES["207"] == "文化旅游体育与传媒" and V.FUNCTION_CLASSES["文化体育与传媒"] == "207"
    assert [V.poverty_series(y) for y in (2020, 2021, None, float("nan"))] == [
        "扶贫",
        "巩固脱贫衔接乡村振兴",
        None,
        None,
    ]


def test_catalog_takes_its_titles_from_the_vocabulary():
    from helpers.core.catalog import BY_CODE, match_title

    assert {c: t.title for c, t in BY_CODE.items()} == V.TABLE_TITLES
    # T6 is printed both ways; the canonical title is the template's
    assert match_title("一般公共预算财政拨款基本支出决算明细表") == match_title(V.TABLE_TITLES["T6"]) == "T6"


def test_settings_are_frozen_and_their_literals_gone():
    """Tolerances are read from SETTINGS: the object cannot be changed in place, and the literals it
    replaced no longer stand in the extraction modules (studies and the runner are other modules' work)."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        SETTINGS.rounding_wan = 0.01  # type: ignore[misc]
    values = {
        SETTINGS.rounding_wan,
        SETTINGS.eps,
        SETTINGS.sum_slack,
        SETTINGS.same_number,
        SETTINGS.placement_max_states,
        SETTINGS.max_amount_wan,
        SETTINGS.max_line_chars,
        SETTINGS.file_timeout_s,
    }
    from helpers.data.datasets import extraction_modules

    hits = []
    for p in extraction_modules():
        if p.name == "settings.py":
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        hits += [
            f"{p.relative_to(SRC)}:{c.lineno} {c.value!r}"
            for c in _standalone_constants(tree)
            if type(c.value) in (int, float) and c.value in values and c.value not in (0, 1)
        ]
    assert hits == []
