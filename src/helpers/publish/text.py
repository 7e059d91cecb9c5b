"""The site's words in Chinese and English: one message catalogue (`messages.toml`, key → zh / en).

Every heading, sentence, figure title, axis label and table header of the published pages comes
from here; numbers are filled in by the caller (`t("key", n=3)` is `str.format`), never typed into
the catalogue. Chinese (`zh`) is the default: the readers are Chinese-speaking researchers,
journalists and officials; English (`en`) is the second edition.

The language of a notebook's sentences is set once at its start (`set_lang`, from its `lang`
parameter): the study modules build their sentences with `t()` without passing a language
through every function. The index page passes its language explicitly.
"""

from __future__ import annotations

import tomllib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("messages.toml")
LANGS = ("zh", "en")
DEFAULT = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}  # the html element's lang attribute
_current = DEFAULT


class UnknownLanguage(ValueError):
    def __init__(self, lang: str):
        super().__init__(f"unknown language {lang!r}: the site is written in {' and '.join(LANGS)}")


def check_lang(lang: str | None) -> str:
    """`lang` if the site is written in it (empty: the default); else UnknownLanguage."""
    lang = (lang or DEFAULT).strip().lower()
    if lang not in LANGS:
        raise UnknownLanguage(lang)
    return lang


def set_lang(lang: str | None) -> str:
    """The language of the sentences built from now on in this process (a notebook's kernel)."""
    global _current
    _current = check_lang(lang)
    return _current


def lang() -> str:
    return _current


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """key → {zh: …, en: …}; a key missing either language is a fault of the catalogue, named."""
    with CATALOGUE.open("rb") as f:
        raw = tomllib.load(f)
    out: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict) -> None:
        if set(node) <= set(LANGS) and node and all(isinstance(v, str) for v in node.values()):
            missing = [x for x in LANGS if x not in node]
            if missing:
                raise ValueError(f"{CATALOGUE}: {prefix} has no {', '.join(missing)} text")
            out[prefix] = node
            return
        for k, v in node.items():
            if not isinstance(v, dict):
                raise ValueError(f"{CATALOGUE}: {prefix}.{k} is not a zh/en pair")
            walk(f"{prefix}.{k}" if prefix else k, v)

    walk("", raw)
    return out


def t(key: str, lang: str | None = None, /, **values) -> str:
    """The text of `key` in `lang` (default: the current language), with `values` filled in."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"{key!r} is not in {CATALOGUE.name}")
    text = entry[lang or _current]
    return text.format(**values) if values else text


def tn(key: str, n: int, lang: str | None = None, /, **values) -> str:
    """`t` for a sentence about `n` things: the key's `_one` variant when `n` is 1 and the catalogue
    has one (English says "1 report remains", Chinese needs no variant)."""
    one = f"{key}_one"
    return t(one if n == 1 and has(one) and (lang or _current) == "en" else key, lang, n=n, **values)


def has(key: str) -> bool:
    return key in catalogue()


def both(key: str, **values) -> dict[str, str]:
    return {x: t(key, x, **values) for x in LANGS}


def sep(lang: str | None = None) -> dict[str, str]:
    """Punctuation that differs: Chinese sentences use full-width marks."""
    if (lang or _current) == "zh":
        return {"comma": "，", "semi": "；", "colon": "：", "stop": "。", "open": "（", "close": "）", "list": "、"}
    return {"comma": ", ", "semi": "; ", "colon": ": ", "stop": ".", "open": " (", "close": ")", "list": ", "}


def column(name) -> str | None:
    """A table heading for a dataset column in the current language, or None when it has none."""
    if not isinstance(name, str):
        return None
    for key in (f"col.{name}", f"colx.{name}"):
        if has(key):
            return t(key)
    if "·" in name:  # a two-sided table's `收入·出处 where`: the side as printed, the rest translated
        head, _, rest = name.partition("·")
        said = column(rest)
        return f"{head}·{said}" if said is not None else None
    return None


@contextmanager
def using(lang: str):
    """Sentences in `lang` inside the block, the previous language after it (tests, scripts)."""
    before = _current
    set_lang(lang)
    try:
        yield
    finally:
        set_lang(before)
