"""Text and number normalisation for what PDFs and converters garble.

- Kangxi radicals (U+2F00–U+2FDF) and CJK radical supplements (U+2E80–U+2EFF) that some PDFs emit
  instead of ordinary ideographs (⾏ for 行) are mapped back.
- Full-width digits and signs become ASCII so amounts parse; other full-width punctuation is kept
  (row labels stay as printed).
- Amounts: thousands separators, `-`/`—` for zero, blanks as None.
"""

from __future__ import annotations

import re
import unicodedata

# CJK radicals supplement characters without a compatibility decomposition: the common ones seen
# in government PDFs, mapped by hand to the ordinary ideograph.
_RADICAL_SUPPLEMENT = {
    "\u2e84": "乙",
    "\u2e85": "亻",
    "\u2e86": "冂",
    "\u2e87": "几",
    "\u2e88": "刀",
    "\u2e89": "刂",
    "\u2e8a": "卜",
    "\u2e8b": "卩",
    "\u2e8c": "小",
    "\u2e8d": "小",
    "\u2e8e": "兀",
    "\u2e8f": "尢",
    "\u2e90": "尢",
    "\u2e91": "尢",
    "\u2e92": "巳",
    "\u2e93": "幺",
    "\u2e94": "彑",
    "\u2e95": "彐",
    "\u2e96": "忄",
    "\u2e97": "心",
    "\u2e98": "扌",
    "\u2e99": "攵",
    "\u2e9b": "旡",
    "\u2e9c": "日",
    "\u2e9d": "月",
    "\u2e9e": "歹",
    "\u2e9f": "母",
    "\u2ea0": "民",
    "\u2ea1": "氵",
    "\u2ea2": "氺",
    "\u2ea3": "灬",
    "\u2ea4": "爫",
    "\u2ea5": "爫",
    "\u2ea6": "丬",
    "\u2ea7": "牛",
    "\u2ea8": "犭",
    "\u2ea9": "王",
    "\u2eaa": "疋",
    "\u2eab": "目",
    "\u2eac": "示",
    "\u2ead": "礻",
    "\u2eae": "竹",
    "\u2eaf": "糹",
    "\u2eb0": "纟",
    "\u2eb1": "罒",
    "\u2eb2": "罒",
    "\u2eb3": "罒",
    "\u2eb4": "罒",
    "\u2eb5": "罒",
    "\u2eb6": "羊",
    "\u2eb7": "羊",
    "\u2eb8": "羊",
    "\u2eb9": "老",
    "\u2eba": "肀",
    "\u2ebb": "肀",
    "\u2ebc": "月",
    "\u2ebd": "臼",
    "\u2ebe": "艹",
    "\u2ebf": "艹",
    "\u2ec0": "艹",
    "\u2ec1": "虎",
    "\u2ec2": "衤",
    "\u2ec3": "覀",
    "\u2ec4": "西",
    "\u2ec5": "见",
    "\u2ec6": "角",
    "\u2ec7": "角",
    "\u2ec8": "讠",
    "\u2ec9": "贝",
    "\u2eca": "足",
    "\u2ecb": "车",
    "\u2ecc": "辶",
    "\u2ecd": "辶",
    "\u2ece": "辶",
    "\u2ecf": "阝",
    "\u2ed0": "钅",
    "\u2ed1": "长",
    "\u2ed2": "长",
    "\u2ed3": "长",
    "\u2ed4": "门",
    "\u2ed5": "阜",
    "\u2ed6": "阝",
    "\u2ed7": "雨",
    "\u2ed8": "青",
    "\u2ed9": "韦",
    "\u2eda": "页",
    "\u2edb": "风",
    "\u2edc": "飞",
    "\u2edd": "食",
    "\u2ede": "食",
    "\u2edf": "饣",
    "\u2ee0": "饣",
    "\u2ee1": "首",
    "\u2ee2": "马",
    "\u2ee3": "骨",
    "\u2ee4": "鬼",
    "\u2ee5": "鱼",
    "\u2ee6": "鸟",
    "\u2ee7": "卤",
    "\u2ee8": "麦",
    "\u2ee9": "黄",
    "\u2eea": "黾",
    "\u2eeb": "齐",
    "\u2eec": "齐",
    "\u2eed": "齿",
    "\u2eee": "齿",
    "\u2eef": "龙",
    "\u2ef0": "龙",
    "\u2ef1": "龟",
    "\u2ef2": "龟",
    "\u2ef3": "龟",
}

_FULLWIDTH_NUMERIC = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．－＋％"}
_FULLWIDTH_NUMERIC[ord("，")] = ord("，")  # a full-width comma is punctuation, not a separator
CID_RE = re.compile(r"\(cid:\d+\)")


_RADICAL_RE = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")


def normalize_text(text: str) -> str:
    """Map Kangxi/radical code points to ideographs and full-width digits to ASCII."""
    if not text:
        return text
    if _RADICAL_RE.search(text) is None:  # most text has no radical: no walk character by character
        return text.translate(_FULLWIDTH_NUMERIC).replace("\u00a0", " ").replace("\u3000", " ")
    out = []
    for ch in text:
        o = ord(ch)
        if 0x2F00 <= o <= 0x2FDF:
            out.append(unicodedata.normalize("NFKC", ch))
        elif 0x2E80 <= o <= 0x2EFF:
            out.append(_RADICAL_SUPPLEMENT.get(ch, unicodedata.normalize("NFKC", ch)))
        else:
            out.append(ch)
    return "".join(out).translate(_FULLWIDTH_NUMERIC).replace("\u00a0", " ").replace("\u3000", " ")


def compact(text: str) -> str:
    """Text with every whitespace character removed: labels and titles are compared this way, since
    converters put spaces inside words (`合 计`, `人员 经费`)."""
    return _WHITESPACE.sub("", text)


_WHITESPACE = re.compile(r"\s+")


def cid_ratio(text: str) -> float:
    """Share of characters that belong to `(cid:NNN)` glyph references (a missing ToUnicode map)."""
    if not text:
        return 0.0
    return sum(len(m) for m in CID_RE.findall(text)) / len(text)


# A printed number: thousands-separated or plain, with decimals (the one pattern the project uses).
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
SIGNED_NUM = rf"[-−]?(?:{NUM})"
AMOUNT_RE = re.compile(rf"^(?:{SIGNED_NUM})$")
_ZERO_MARKS = {"-", "—", "–", "－", "——", "--", "/"}


# Thousands separated by full-width commas (`2，940.05`, typed with a Chinese input method into a cell).
_FULLWIDTH_GROUPS = re.compile(r"[-−]?\d{1,3}(?:，\d{3})+(?:\.\d+)?")


def _groups(s: str) -> str:
    """A cell's figure with full-width thousands separators made commas (only a whole-cell figure: in a
    sentence `，` is punctuation)."""
    return s.replace("，", ",") if "，" in s and _FULLWIDTH_GROUPS.fullmatch(s) else s


def is_amount(cell: str | None) -> bool:
    """True for a printed amount (`1,234.56`, `0`, `-12.3`, `2，940.05`) or a zero mark (`-`)."""
    if cell is None:
        return False
    s = _groups(cell.strip().replace(" ", ""))
    return bool(s) and (s in _ZERO_MARKS or bool(AMOUNT_RE.match(s)))


def parse_amount(cell: str | None) -> float | None:
    """A printed amount as float; a blank cell is None (never 0); `-` is 0.

    Raises ValueError for text that is neither blank nor an amount.
    """
    if cell is None:
        return None
    s = _groups(normalize_text(cell).strip().replace(" ", ""))
    if not s:
        return None
    if s in _ZERO_MARKS:
        return 0.0
    if not AMOUNT_RE.match(s):
        raise ValueError(f"not an amount: {cell!r}")
    return float(s.replace(",", "").replace("−", "-"))


def amount_of(tok: str) -> float:
    """`parse_amount` of a token already known to be an amount (`is_amount`): never blank, so never None."""
    v = parse_amount(tok)
    if v is None:
        raise ValueError(f"not an amount: {tok!r}")
    return v
