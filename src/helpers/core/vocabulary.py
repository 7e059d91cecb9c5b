"""The domain's words, defined once: tables and their titles, measures, the 三公 items, function
classes, economic codes, code levels and the 21305 rename.

Everything that reads, checks or shows a report imports its terms from here. Where reports print one
term several ways, the canonical name comes first and the printed variants that map to it follow.
Nothing here reads data or depends on another module of the project.
"""

from __future__ import annotations

from enum import StrEnum

import pandas as pd

# ---------------------------------------------------------------------------------------------
# Tables. Codes T1..T9 are the nine standard tables of a 部门决算; U4 the university template's
# 财政拨款 table (all 财政拨款 together, so not T5). How each is recognised is in core/catalog.py.
TABLE_TITLES: dict[str, str] = {
    "T1": "收入支出决算总表",
    "T2": "收入决算表",
    "T3": "支出决算表",
    "T4": "财政拨款收入支出决算总表",
    "T5": "一般公共预算财政拨款支出决算表",
    "T6": "一般公共预算财政拨款基本支出决算表",  # some reports print …基本支出决算明细表
    "T7": "“三公”经费支出决算表",
    "T8": "政府性基金预算财政拨款收入支出决算表",
    "T9": "国有资本经营预算财政拨款支出决算表",
    "U4": "高等学校财政拨款支出决算表",
}


class Table(StrEnum):
    """A table's code. A member equals its code as a string (`Table.T7 == "T7"`), so datasets keep plain codes."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"
    T6 = "T6"
    T7 = "T7"
    T8 = "T8"
    T9 = "T9"
    U4 = "U4"


# ---------------------------------------------------------------------------------------------
# Measures (the column a figure was printed in). A measure's name in check messages, and its printed
# column per table (the data dictionary and the report page).
MEASURE_NAMES: dict[str, str] = {
    "total": "合计",
    "basic": "基本支出",
    "project": "项目支出",
    "upper_remit": "上缴上级支出",
    "operating": "经营",
    "subsidiary_subsidy": "对附属单位补助支出",
    "fiscal": "财政拨款收入",
    "upper_subsidy": "上级补助收入",
    "business": "事业收入",
    "subsidiary_remit": "附属单位上缴收入",
    "other": "其他收入",
    "general_budget": "一般公共预算财政拨款",
    "gov_fund": "政府性基金预算财政拨款",
    "state_capital": "国有资本经营预算财政拨款",
    "final": "决算数",
}

# ---------------------------------------------------------------------------------------------
# 三公 (T7 and the narrative's 三公 section). Items in their printed order.
THREE_PUBLIC_ITEMS: tuple[str, ...] = (
    "total",
    "overseas",
    "vehicle_total",
    "vehicle_purchase",
    "vehicle_operation",
    "reception",
)
# Canonical names (full-width brackets, as the template prints them).
THREE_PUBLIC_NAMES: dict[str, str] = {
    "total": "“三公”经费合计",
    "overseas": "因公出国（境）费",
    "vehicle_total": "公务用车购置及运行费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行费",
    "reception": "公务接待费",
}
# T7's column heads: the total column is 合计 and the vehicle group's total its 小计.
THREE_PUBLIC_COLUMN_LABELS: dict[str, str] = {
    **THREE_PUBLIC_NAMES,
    "total": "合计",
    "vehicle_total": THREE_PUBLIC_NAMES["vehicle_total"] + " 小计",
}
# The sums T7 prints: the total of its three items, the vehicle total of its two parts.
THREE_PUBLIC_PARTS: dict[str, tuple[str, ...]] = {
    "total": ("overseas", "vehicle_total", "reception"),
    "vehicle_total": ("vehicle_purchase", "vehicle_operation"),
}
THREE_PUBLIC_BASES = ("budget", "final")  # T7's two column groups: 预算数, 决算数
THREE_PUBLIC_COLUMNS: tuple[str, ...] = tuple(f"{b}_{i}" for b in THREE_PUBLIC_BASES for i in THREE_PUBLIC_ITEMS)
# Printed variants. Words that name an item where the name is cut short: a T7 header cell (a cell
# starts its item's columns; the group 购置及运行 is no item) …
THREE_PUBLIC_HEADER_WORDS: tuple[tuple[str, str], ...] = (
    ("合计", "total"),
    ("出国", "overseas"),
    ("小计", "vehicle_total"),
    ("购置", "vehicle_purchase"),
    ("运行", "vehicle_operation"),
    ("接待", "reception"),
)
# … or a sentence (most specific first: 公务用车购置费 before 公务用车).
THREE_PUBLIC_TEXT_WORDS: tuple[tuple[str, str], ...] = (
    ("因公出国", "overseas"),
    ("公务用车购置费", "vehicle_purchase"),
    ("公务用车运行", "vehicle_operation"),
    ("公务用车", "vehicle_total"),
    ("公务接待", "reception"),
    ("三公", "total"),
)
# Names as sentences print them, as regular expressions (（境） or (境), 运行维护费, 购置(更新)公务用车 …);
# tried in this order, so the vehicle total comes before its parts.
_Q = r"[“”\"\s]*"
THREE_PUBLIC_PATTERNS: tuple[tuple[str, str], ...] = (
    ("vehicle_total", r"公务用车购置及运行(?:维护)?费"),
    ("vehicle_purchase", r"公务用车购置(?:费|支出)|购置\s*(?:[（(]更新[)）])?\s*公务用车(?!购置及)"),
    ("vehicle_operation", r"公务用车运行(?:维护)?(?:费|支出)"),
    ("overseas", r"因公出国\s*[（(]境[)）]\s*(?:费|支出)?"),
    ("reception", r"公务接待费?"),
    ("total", rf"三公{_Q}经费"),
)
# narrative_facts topics of the 三公 section: (topic, the item it is about, the words that name it).
THREE_PUBLIC_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("three_public_total", "total", r"三公[”\"]?经费"),
    ("three_public_overseas", "overseas", r"因公出国"),
    ("three_public_vehicle", "vehicle_total", r"公务用车购置及运行"),
    ("three_public_reception", "reception", r"公务接待"),
)
THREE_PUBLIC_TOPIC_ITEMS: dict[str, str] = {topic: item for topic, item, _ in THREE_PUBLIC_TOPICS}

# ---------------------------------------------------------------------------------------------
# Function classification: classes (类) by name, to code T1/T4 expenditure rows that print names only.
# Old names (before a reclassification) map to the same code.
FUNCTION_CLASSES: dict[str, str] = {
    "一般公共服务": "201",
    "外交": "202",
    "国防": "203",
    "公共安全": "204",
    "教育": "205",
    "科学技术": "206",
    "文化旅游体育与传媒": "207",
    "文化体育与传媒": "207",
    "社会保障和就业": "208",
    "社会保险基金": "209",
    "卫生健康": "210",
    "医疗卫生与计划生育": "210",
    "节能环保": "211",
    "城乡社区": "212",
    "农林水": "213",
    "交通运输": "214",
    "资源勘探工业信息等": "215",
    "资源勘探信息等": "215",
    "商业服务业等": "216",
    "金融": "217",
    "援助其他地区": "219",
    "自然资源海洋气象等": "220",
    "国土海洋气象等": "220",
    "住房保障": "221",
    "粮油物资储备": "222",
    "国有资本经营预算": "223",
    "灾害防治及应急管理": "224",
    "预备费": "227",
    "其他": "229",
    "转移性": "230",
    "债务还本": "231",
    "债务付息": "232",
    "债务发行费用": "233",
    "抗疫特别国债安排的": "234",
}
# A class's name by code (the current name: the first listed).
CLASS_NAMES: dict[str, str] = {}
for _name, _code in FUNCTION_CLASSES.items():
    CLASS_NAMES.setdefault(_code, _name)
del _name, _code

# Economic classification (T6): 类 names, and which 类 are 人员经费 (the rest are 公用经费).
ECONOMIC_NAMES: dict[str, str] = {
    "301": "工资福利支出",
    "302": "商品和服务支出",
    "303": "对个人和家庭的补助",
    "310": "资本性支出",
    "307": "债务利息及费用支出",
    "309": "资本性支出(基本建设)",
    "399": "其他支出",
}
PERSONNEL_CLASSES: tuple[str, ...] = ("301", "303")
T6_SUBTOTALS: dict[str, str] = {"personnel": "人员经费合计", "public": "公用经费合计"}


def is_personnel(code: str | None) -> bool:
    """True for an economic code under 301 or 303 (人员经费)."""
    return bool(code and code[:3] in PERSONNEL_CLASSES)


# ---------------------------------------------------------------------------------------------
# Code levels: a function code's length says its level.
CODE_LEVELS: dict[int, str] = {3: "类", 5: "款", 7: "项"}
LEVEL_LENGTHS: dict[str, int] = {lvl: n for n, lvl in CODE_LEVELS.items()}


def code_level(code: str | None) -> str | None:
    """`类`, `款` or `项` for a 3-, 5- or 7-digit code; None otherwise."""
    return CODE_LEVELS.get(len(code)) if code else None


# ---------------------------------------------------------------------------------------------
# 21305: the function 款 for poverty alleviation, renamed by the 2021 classification.
POVERTY_CODE = "21305"
POVERTY_OLD_NAME, POVERTY_NEW_NAME = "扶贫", "巩固脱贫衔接乡村振兴"
POVERTY_RENAME_YEAR = 2021
# The crosswalk: every name 21305 is printed under, with the first fiscal year that uses it and the
# series it belongs to. One code, one money through the names: 扶贫 until 2020; 巩固脱贫衔接乡村振兴
# from 2021; 巩固脱贫攻坚成果衔接乡村振兴 in the 2024 reports (汉阳 2024 T3: 2130599
# 其他巩固脱贫攻坚成果衔接乡村振兴支出), the same series as 2021's name.
POVERTY_NAMES: tuple[tuple[int, str, str], ...] = (
    (0, "扶贫", POVERTY_OLD_NAME),
    (POVERTY_RENAME_YEAR, "巩固脱贫衔接乡村振兴", POVERTY_NEW_NAME),
    (2024, "巩固脱贫攻坚成果衔接乡村振兴", POVERTY_NEW_NAME),
)


def poverty_name(year) -> str | None:
    """The name the crosswalk gives 21305 in a fiscal year (扶贫 in 2020, 巩固脱贫攻坚成果衔接乡村振兴 in 2024)."""
    if year is None or pd.isna(year):
        return None
    return [name for first, name, _ in POVERTY_NAMES if int(year) >= first][-1]


def poverty_name_printed(label) -> tuple[str, str] | None:
    """(crosswalk name, series) of a printed 21305 line label as line_items holds it
    (`其他巩固脱贫攻坚成果衔接乡村振兴支出` → the 2024 name, series 巩固脱贫衔接乡村振兴); None when the label uses
    none of the names."""
    if label is None or pd.isna(label):
        return None
    found = [(name, series) for _, name, series in POVERTY_NAMES if name in str(label)]
    return max(found, key=lambda f: len(f[0])) if found else None


def poverty_series(year) -> str | None:
    """The name the classification gives 21305 in a fiscal year (扶贫 until 2020)."""
    if year is None or pd.isna(year):
        return None
    return POVERTY_OLD_NAME if int(year) < POVERTY_RENAME_YEAR else POVERTY_NEW_NAME


# What the reason a report prints for a deviation from its budget says happened (budget_execution.reason_kind),
# in order of precedence: moved (to or from another fund, function code or unit), mid_year (the budget changed
# during the year), spending (the outturn itself above or below the budget), on_budget (持平).
REASON_KINDS = ("moved", "mid_year", "spending", "on_budget")
