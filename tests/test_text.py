"""The message catalogue (helpers.publish.text, messages.toml): every key in both languages with the same
values to fill in, Chinese sentences with Chinese punctuation and no italics, and the notebooks'
Markdown cells taken from it (no copy in a notebook drifting from the catalogue)."""

from __future__ import annotations

import json
import re
import string

import pytest

from helpers.core.paths import NOTEBOOKS
from helpers.publish import text

CJK = r"[\u4e00-\u9fff]"
# Chinese needs no word here: the column heading says 百分点, the count says 项
SAID_BY_THE_HEADING = {"narrate.pp", "plot.bars", "plot.rows", "plot.categories"}
PUBLISHED = ("report", "spending_composition", "poverty_transfers", "budget_execution")


def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_every_key_has_both_languages_with_the_same_values_to_fill_in():
    cat = text.catalogue()
    assert len(cat) > 300
    for key, entry in cat.items():
        assert entry["en"].strip() and (entry["zh"].strip() or key in SAID_BY_THE_HEADING), key
        assert _fields(entry["zh"]) <= _fields(entry["en"]) | {"n"}, key  # no value only Chinese would show
        assert _fields(entry["en"]) <= _fields(entry["zh"]) | {"n"}, key


def test_chinese_text_uses_chinese_punctuation_and_no_italics():
    for key, entry in text.catalogue().items():
        zh = re.sub(r"`[^`]*`|<[^>]+>|\{[^}]*\}", "", entry["zh"])  # code, markup and fields aside
        assert not re.search(CJK + r"[,;:?!]\s|" + CJK + r"\.(\s|$)|" + CJK + r" \(", zh), (key, zh)
        assert not re.search(r"(?<![*\w])\*[^*\s][^*]*\*(?!\*)", zh), f"{key}: italics in Chinese: {zh}"


def test_a_missing_key_or_language_is_named():
    with pytest.raises(KeyError, match="no.such.key"):
        text.t("no.such.key")
    with pytest.raises(text.UnknownLanguage, match="'fr'"):
        text.set_lang("fr")
    assert text.lang() == "zh"


def test_words_follow_the_language_set_and_english_plurals():
    assert text.t("verdict.no") == "不可用"  # Chinese by default
    with text.using("en"):
        assert text.t("verdict.no") == "do not use"
        assert text.tn("quality.remain", 1, said="x") == "1 report remains; x."
        assert text.tn("quality.remain", 3, said="x") == "3 reports remain; x."
    assert text.tn("quality.remain", 1, said="x") == "剩余 1 份；x。"
    assert text.column("budget_wan") == "预算（万元）" and text.column("收入·出处 where") == "收入·出处"
    assert text.column("no_such_column") is None


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_notebooks_take_their_markdown_and_lang_from_the_catalogue(name):
    from helpers.run.notebook_exec import localized

    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    md = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert md and all(c["metadata"].get("juesuan_text") for c in md), f"{name}: a Markdown cell has no catalogue key"
    for c in md:  # the file holds the Chinese, as the catalogue says it
        assert "".join(c["source"]) == text.t(f"md.{c['metadata']['juesuan_text']}", "zh"), c["metadata"]
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert 'lang = "zh"' in "".join(params["source"])
    import nbformat

    en = localized(nbformat.reads(json.dumps(nb), as_version=4), "en")
    heads = [str(c.source).splitlines()[0] for c in en.cells if c.cell_type == "markdown"]
    assert heads[0].startswith("# ") and not re.search(CJK + "{4}", heads[0].split("(")[0]), heads[0]


def test_every_consistency_rule_is_described_in_both_languages_and_named_so_on_chinese_pages():
    """The Chinese pages show a check by its rule's description (`rule.*`); the English text is the rule's own
    statement (docs/CHECKS.md), so the two cannot drift; `checks.message` stays English in the data."""
    from helpers.checks.rules import RULES
    from helpers.studies.narrate import checks_said

    for r in RULES.values():
        assert text.t(f"rule.{r.id}", "en") == r.statement, r.id
        assert re.search(CJK + "{4}", text.t(f"rule.{r.id}", "zh")), r.id
    flag = "T7.vehicle_subtotal (fail): 预算数 公务用车购置及运行费 小计 is printed as 35.20, but … = 83.75"
    assert checks_said(flag).startswith("T7.vehicle_subtotal（未通过）：T7“三公”经费支出决算表")
    assert "is printed as" not in checks_said(flag)
    with text.using("en"):
        assert checks_said(flag) == flag
