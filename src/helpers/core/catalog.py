"""The nine standard tables: how to recognise each by title and headers, and what its columns mean.

Reports number their tables differently, so a table is identified by content. A generic title
("支出决算表") is a substring of specific ones, so titles are tried most specific first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import compact
from .vocabulary import FUNCTION_CLASSES, TABLE_TITLES, THREE_PUBLIC_NAMES, THREE_PUBLIC_TEXT_WORDS, is_personnel

# Row identities, defined once: in every row, Σ left columns = Σ right columns (measure names). The
# spaced reader places figures by them, the checks test them (T2/T3/T4/T5.row_sum).
ROW_IDENTITIES: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = {
    "T2": ((("total",), ("fiscal", "upper_subsidy", "business", "operating", "subsidiary_remit", "other")),),
    "T3": ((("total",), ("basic", "project", "upper_remit", "operating", "subsidiary_subsidy")),),
    "T5": ((("total",), ("basic", "project")),),
    "T9": ((("total",), ("basic", "project")),),
    "T8": ((("total",), ("basic", "project")), (("carryover_begin", "income"), ("total", "carryover_end"))),
    "T4": ((("total",), ("general_budget", "gov_fund", "state_capital")),),
}


def row_parts(table: str) -> tuple[str, ...]:
    """The columns that add up to a row's 合计 (`total`) in `table`."""
    return next(right for left, right in ROW_IDENTITIES[table] if left == ("total",))


@dataclass(frozen=True)
class TableDef:
    code: str
    title: str
    kind: str  # "coded" | "two_sided" | "economic" | "three_public"
    title_re: re.Pattern
    header_keywords: tuple[tuple[str, ...], ...]  # any group fully present in the header identifies it


def _re(p: str) -> re.Pattern:
    return re.compile(p)


_TP_WORD = {item: word for word, item in THREE_PUBLIC_TEXT_WORDS}
TABLES: tuple[TableDef, ...] = (
    TableDef(
        "T1",
        TABLE_TITLES["T1"],
        "two_sided",
        _re(r"(?<!拨款)收入?支出?决算总表"),
        (("本年收入合计", "本年支出合计", "使用非财政拨款结余"), ("本年收入合计", "本年支出合计", "结余分配")),
    ),
    TableDef(
        "T2",
        TABLE_TITLES["T2"],
        "coded",
        _re(r"(?<!支出)收入决算表"),
        (("本年收入合计", "事业收入"), ("本年收入合计", "上级补助收入")),
    ),
    TableDef(
        "T3",
        TABLE_TITLES["T3"],
        "coded",
        _re(r"(?<![收入拨款])支出决算表"),
        (("本年支出合计", "基本支出", "上缴上级支出"), ("本年支出合计", "基本支出", "经营支出")),
    ),
    TableDef(
        "T4",
        TABLE_TITLES["T4"],
        "two_sided",
        _re(r"财政拨款收入?支出?决算总表"),
        (("年初财政拨款结转和结余", "本年支出合计"),),
    ),
    TableDef("T5", TABLE_TITLES["T5"], "coded", _re(re.escape(TABLE_TITLES["T5"])), ()),
    TableDef(
        "T6", TABLE_TITLES["T6"], "economic", _re(r"基本支出决算(明细)?表"), (("人员经费", "公用经费", "科目名称"),)
    ),
    TableDef(
        "T7",
        TABLE_TITLES["T7"],
        "three_public",
        _re(r"三公.{0,3}经费支出决算表"),
        ((_TP_WORD["overseas"], _TP_WORD["reception"]),),
    ),
    TableDef(
        "T8",
        TABLE_TITLES["T8"],
        "coded",
        _re(re.escape(TABLE_TITLES["T8"])),
        (("年初结转和结余", "本年收入", "年末结转和结余", "科目名称"),),
    ),
    TableDef("T9", TABLE_TITLES["T9"], "coded", _re(r"国有资本经营预算财政拨款(收入)?支出决算表"), ()),
)
# Tables of other templates, kept under codes of their own (never merged into a standard table).
# The university (高等学校) template has four tables: 收支决算总表 → T1, 收入决算表 → T2, 支出决算表 → T3,
# and 财政拨款支出决算表 → U4: all 财政拨款 (一般公共预算 and 政府性基金 together), so it is not T5.
OTHER_TABLES: tuple[TableDef, ...] = (
    TableDef(
        "U4", TABLE_TITLES["U4"], "coded", _re(r"(?<!一般公共预算)(?<!基金预算)(?<!经营预算)财政拨款支出决算表"), ()
    ),
)
BY_CODE = {t.code: t for t in TABLES + OTHER_TABLES}
TABLE_CODES = tuple(t.code for t in TABLES)
ALL_TABLE_CODES = TABLE_CODES + tuple(t.code for t in OTHER_TABLES)
# The templates the table reader knows (`reports.template`), and the tables each must print.
TEMPLATE_TABLES: dict[str, tuple[str, ...]] = {
    "部门决算 (nine tables)": TABLE_CODES,
    "高等学校 (university, four tables)": ("T1", "T2", "T3", "U4"),
}

# Most specific first: a title that matches T5's pattern also contains T3's.
MATCH_ORDER = ("T6", "T7", "T8", "T9", "T5", "U4", "T4", "T1", "T3", "T2")
# A title that names a 决算 table the catalog does not know: a table of its own, never a continuation.
ANY_TABLE_TITLE = re.compile(r"决算(总|明细)?表$")
# A part of the report (第二部分 …年度部门决算表): a heading over all its tables, not a table's title.
PART_HEADING = re.compile(r"^第[一二三四五六七八九十]+部分")


TOC_ENTRY = re.compile(r"^\s*[-•·*+]\s|[.…·．]{3,}\s*\d*\s*$|[）)]\s+\d{1,3}\s*$")


def clean_title(line: str) -> str:
    t = re.sub(r"<[^>]+>", "", line)
    t = re.sub(r"^[#\-\s*]+", "", t)
    t = compact(t)
    t = re.sub(r"^[一二三四五六七八九十]+、", "", t)
    t = re.sub(r"^(\d{4})年度?", "", t)
    t = re.sub(r"[“”\"'‘’]", "", t)
    t = re.sub(r"[（(]表\d*[）)]?$", "", t)
    t = re.sub(r"^表[\d一二三四五六七八九十]+[:：、.]?", "", t)  # `表 1：高等学校收支决算总表`
    return t


def other_table_title(line: str) -> bool:
    """Whether the line titles a 决算 table the catalog does not know (short, ending …决算表), not a part
    heading that ends the same way."""
    t = clean_title(line)
    return bool(ANY_TABLE_TITLE.search(t)) and len(t) <= 40 and not PART_HEADING.match(t)


def match_title(line: str) -> str | None:
    """The table code a title line names, or None. Long lines (sentences) never match, nor do
    table-of-contents entries (list bullets, dot leaders, a trailing page number)."""
    if TOC_ENTRY.search(line):
        return None
    t = clean_title(line)
    if not t or len(t) > 40 or t.endswith("说明") or "情况说明" in t or "。" in t or "，" in t:
        return None  # a narrative heading about the table (…决算表说明), not the table
    # A line naming a department plus title, e.g. "中共…2024年度部门决算表", is not a table title.
    for code in MATCH_ORDER:
        if BY_CODE[code].title_re.search(t):
            return code
    return None


def match_header(text: str) -> str | None:
    """Identify an untitled table by its header words (most specific first)."""
    t = compact(text)
    for code in MATCH_ORDER:
        for group in BY_CODE[code].header_keywords:
            if group and all(k in t for k in group):
                return code
    return None


# Tables that print the same header: only their titles tell them apart (政府性基金 and 国有资本经营).
SAME_HEADER: tuple[frozenset[str], ...] = (frozenset({"T8", "T9"}),)


def same_header(a: str, b: str) -> bool:
    return frozenset({a, b}) in SAME_HEADER


# ---------------------------------------------------------------------------------------------
# Column meanings. A measure column's header text (all header rows above it, joined) is matched
# against these keywords in order; the first hit names the measure.
COLUMN_KEYWORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "T2": (
        ("教育收费", "business_tuition"),
        ("其中：教育", "business_tuition"),
        ("财政拨款", "fiscal"),
        ("上级补助", "upper_subsidy"),
        ("事业收入", "business"),
        ("经营收入", "operating"),
        ("附属单位", "subsidiary_remit"),
        ("其他收入", "other"),
        ("合计", "total"),
        ("小计", "total"),
    ),
    "T3": (
        ("基本支出", "basic"),
        ("项目支出", "project"),
        ("上缴上级", "upper_remit"),
        ("经营支出", "operating"),
        ("对附属单位", "subsidiary_subsidy"),
        ("合计", "total"),
        ("小计", "total"),
    ),
    "T5": (("基本支出", "basic"), ("项目支出", "project"), ("合计", "total"), ("小计", "total"), ("本年支出", "total")),
    "T9": (
        ("基本支出", "basic"),
        ("项目支出", "project"),
        ("年初结转", "carryover_begin"),
        ("本年收入", "income"),
        ("年末结转", "carryover_end"),
        ("合计", "total"),
        ("小计", "total"),
        ("本年支出", "total"),
    ),
    "T8": (
        ("年初结转", "carryover_begin"),
        ("年末结转", "carryover_end"),
        ("本年收入", "income"),
        ("基本支出", "basic"),
        ("项目支出", "project"),
        ("合计", "total"),
        ("小计", "total"),
        ("本年支出", "total"),
    ),
    "T4": (
        ("一般公共预算", "general_budget"),
        ("政府性基金", "gov_fund"),
        ("国有资本经营", "state_capital"),
        ("合计", "total"),
        ("小计", "total"),
        ("决算数", "total"),
        ("金额", "total"),
    ),
    "U4": (
        ("基本建设", "project_capital_construction"),
        ("基本支出", "basic"),
        ("项目支出", "project"),
        ("合计", "total"),
        ("小计", "total"),
        ("本年支出", "total"),
    ),
}

# Template order, used when a header cannot be read (one-cell-per-line text loses positions).
TEMPLATE_MEASURES: dict[str, tuple[str, ...]] = {
    "T2": ("total", "fiscal", "upper_subsidy", "business", "operating", "subsidiary_remit", "other"),
    "T3": ("total", "basic", "project", "upper_remit", "operating", "subsidiary_subsidy"),
    "T5": ("total", "basic", "project"),
    "T8": ("carryover_begin", "income", "total", "basic", "project", "carryover_end"),
    "T9": ("total", "basic", "project"),
    "U4": ("total", "basic", "project", "project_capital_construction"),
    "T4_expenditure": ("total", "general_budget", "gov_fund", "state_capital"),
}

MEASURES_DOC: tuple[tuple[str, str, str], ...] = (
    ("T1", "final", "决算数 (both sides)"),
    ("T2", "total", "本年收入合计"),
    ("T2", "fiscal", "财政拨款收入"),
    ("T2", "upper_subsidy", "上级补助收入"),
    ("T2", "business", "事业收入"),
    ("T2", "business_tuition", "其中：教育收费 (part of 事业收入; university template)"),
    ("T2", "operating", "经营收入"),
    ("T2", "subsidiary_remit", "附属单位上缴收入"),
    ("T2", "other", "其他收入"),
    ("T3", "total", "本年支出合计"),
    ("T3", "basic", "基本支出"),
    ("T3", "project", "项目支出"),
    ("T3", "upper_remit", "上缴上级支出"),
    ("T3", "operating", "经营支出"),
    ("T3", "subsidiary_subsidy", "对附属单位补助支出"),
    ("T4", "final", "income side 决算数/金额"),
    ("T4", "total", "expenditure 合计/小计"),
    ("T4", "general_budget", "一般公共预算财政拨款"),
    ("T4", "gov_fund", "政府性基金预算财政拨款"),
    ("T4", "state_capital", "国有资本经营预算财政拨款"),
    ("T5", "total", "本年支出 小计/合计"),
    ("T5", "basic", "基本支出"),
    ("T5", "project", "项目支出"),
    ("T6", "final", "决算数"),
    (
        "T7",
        "budget_total … final_reception",
        f"预算数/决算数 × 合计, {THREE_PUBLIC_NAMES['overseas']}, {THREE_PUBLIC_NAMES['vehicle_total']} (小计, "
        f"购置费, 运行费), {THREE_PUBLIC_NAMES['reception']}",
    ),
    ("T8", "carryover_begin", "年初结转和结余"),
    ("T8", "income", "本年收入"),
    ("T8", "total", "本年支出 小计"),
    ("T8", "basic", "基本支出"),
    ("T8", "project", "项目支出"),
    ("T8", "carryover_end", "年末结转和结余"),
    ("T9", "total", "本年支出 合计"),
    ("T9", "basic", "基本支出"),
    ("T9", "project", "项目支出"),
    ("U4", "total", "本年支出 合计"),
    ("U4", "basic", "基本支出"),
    ("U4", "project", "项目支出 小计"),
    ("U4", "project_capital_construction", "其中：基本建设资金支出 (part of 项目支出)"),
)


def function_class_code(label: str) -> str | None:
    """Code of a T1/T4 expenditure row label such as "十二、农林水支出"."""
    name = re.sub(r"^[一二三四五六七八九十]+、", "", compact(label))
    name = re.sub(r"支出$", "", name)
    return FUNCTION_CLASSES.get(name)


def two_sided_section(label: str, state: dict, side: str) -> str | None:
    """Section of a T1/T4 row: `total` (本年收入合计, 本年支出合计, 总计), `balance` for the 结转/结余 rows
    and every row of the same side after them (their sub-rows), else None. `state` carries a side's
    balance block from row to row."""
    lab = compact(label)
    if "总计" in lab or "本年收入合计" in lab or "本年支出合计" in lab:
        return "total"
    if "结转" in lab or "结余" in lab:
        state[side] = "balance"
        return "balance"
    return state.get(side)


_NUMBERED_LABEL = re.compile(r"^[一二三四五六七八九十]+、")


def side_of_label(label: str, income_total_seen: bool) -> str:
    """Which side of a two-sided 总表 (T1, T4) a row belongs to when the layout lost its columns: a
    label naming spending (…支出…, a function class, 结余分配, 年末结转) is the expenditure side; 总计 /
    合计 is the income side's the first time and the expenditure side's after; anything else income.
    Defined once for every reader that needs it (one-cell-per-line and single-space text)."""
    lab = _NUMBERED_LABEL.sub("", label)
    if lab.startswith(("总计", "合计")):
        return "expenditure" if income_total_seen else "income"
    if (
        any(w in lab for w in ("结余分配", "年末"))
        or "支出" in lab  # 本年支出合计, 一般公共服务支出
        or lab.endswith("支")  # a label wrapped after 支 (`…应急管理支` / `出`)
        or function_class_code(label)
    ):
        return "expenditure"
    return "income"


def t6_section(code: str | None, label: str) -> str:
    """T6 block: `personnel` (人员经费: economic 类 301, 303) or `public` (公用经费: the others)."""
    if code:
        return "personnel" if is_personnel(code) else "public"
    return "personnel" if "人员" in label else "public"


def code_domain(code: str | None, table: str) -> str | None:
    if not code:
        return None
    return "economic" if table == "T6" else "function"


# A two-sided table's totals, per side: the subtotal under the year's lines, and the balance rows that
# with it make the side's 总计 (年初结转和结余 is printed as 上年结转和结余 too). The checks (checks/tables.py)
# and the OCR reading's identities (tables/identities.py) both take them from here.
SIDE_TOTALS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "T1": {
        "income": ("本年收入合计", ("使用非财政拨款结余", "年初结转和结余")),
        "expenditure": ("本年支出合计", ("结余分配", "年末结转和结余")),
    },
    "T4": {
        "income": ("本年收入合计", ("年初财政拨款结转和结余",)),
        "expenditure": ("本年支出合计", ("年末财政拨款结转和结余",)),
    },
}
# A balance row printed under another name in some reports: looked up by either.
BALANCE_NAMES = {"年初结转和结余": ("年初结转和结余", "上年结转和结余")}
