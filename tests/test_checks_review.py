"""The reviewer's rules (checks/review.py): each on a real instance from the corpus (or a made-up one
where the corpus has none), on a made-up instance, and on a clean case."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.checks import RULES, run_checks
from helpers.core import schema
from helpers.core.paths import DATA_RAW
from helpers.data.extract import extract_report
from helpers.read.document import Document, text_lines

from .conftest import HANYANG, QINGSHAN

YICHUAN = DATA_RAW / "上海市普陀区人民政府宜川路街道办事处2025年度部门决算.txt"
WENLV = DATA_RAW / "上海市普陀区文化和旅游局2025年度部门决算.txt"


def doc_of(text: str) -> Document:
    return Document(Path("made-up.txt"), "text", "0" * 64, text_lines(text))


def run(text: str, rule: str, year: int = 2024, **frames) -> pd.DataFrame:
    ds = {"reports": schema.conform(pd.DataFrame([{"report_id": "m", "fiscal_year": year}]), "reports")}
    ds.update({k: schema.conform(pd.DataFrame(v), k) for k, v in frames.items()})
    c = run_checks(ds, rules=[RULES[rule]], doc=doc_of(text))
    return c


def fails(c: pd.DataFrame) -> pd.DataFrame:
    return c[c.outcome == "fail"]


@pytest.fixture(scope="module")
def real():
    return {p.name: extract_report(p)["checks"] for p in (YICHUAN, HANYANG, QINGSHAN)}


def real_fails(real, path, rule):
    c = real[path.name]
    return fails(c[c.rule_id == rule])


def test_rules_need_the_text():
    ds = {"reports": schema.conform(pd.DataFrame([{"report_id": "m", "fiscal_year": 2024}]), "reports")}
    c = run_checks(ds, rules=[RULES["R.years"], RULES["R.placeholders"]])
    assert set(c.outcome) == {"not_applicable"}


# --- words against numbers -------------------------------------------------------------------


def test_words_numbers_made_up():
    text = (
        "1、某项目（项）10.00 万元。年初预算为 10.00 万元，支出决算为 10.00 万元。决算数大于预算数。\n"
        "2、另一项目（项）50.11 万元。年初预算为 105.00 万元，支出决算为 50.11 万元。决算数大于预算数的主要原因：调减。\n"
        "3、再一项目（项）125.00 万元。年初预算为 0.00 万元，支出决算为 125.00 万元。决算数等于预算数。\n"
        "公务接待费支出决算减少为0.00万元，与2023年持平。\n"
        "机关运行经费比 2023 年度增加 5.00 万元，下降 10.00%。\n"
    )
    f = fails(run(text, "R.words_numbers"))
    assert len(f) == 5
    assert f.message.str.contains("“").all() and f.source_ref.str.startswith("narrative line").all()
    assert "持平" in " ".join(f.message) and "减少为 0.00" in " ".join(f.message)


def test_words_numbers_clean():
    text = (
        "年初预算为 10.00 万元，支出决算为 10.00 万元。决算数等于预算数。\n"
        "年初预算为 105.00 万元，支出决算为 50.11 万元。决算数小于预算数的主要原因：调减。\n"
        "“三公”经费支出决算数比 2023 年度减少 19.66 万元，下降 86.61%，其中：因公出国（境）费支出决算与 2023 年持平；\n"
    )
    c = run(text, "R.words_numbers")
    assert not len(fails(c)) and (c.outcome == "pass").sum() == 4


def test_words_numbers_real_report_is_clean(real):
    c = real[YICHUAN.name]
    c = c[c.rule_id == "R.words_numbers"]
    assert (c.outcome == "pass").sum() >= 30 and not len(fails(c))  # 35 items say 大于/小于/等于 rightly


# --- 增长 100% from zero ------------------------------------------------------------------------


def test_growth_from_zero_real(real):
    f = real_fails(real, YICHUAN, "R.growth_from_zero")
    assert len(f) == 1 and f.iloc[0].found == 100 and f.iloc[0].severity == "warning"


def test_growth_from_zero_made_up_and_clean():
    facts = [
        {
            "report_id": "m",
            "topic": "running_cost",
            "subject": "机关运行经费",
            "value": 10.23,
            "change_wan": 10.23,
            "change_pct_printed": 100.0,
            "source_ref": "line 1",
            "source_text": "机关运行经费 10.23 万元，增加 10.23 万元，增长 100%。",
        },
        {
            "report_id": "m",
            "topic": "total",
            "subject": "收支总计",
            "value": 20.0,
            "change_wan": 10.0,
            "change_pct_printed": 100.0,
            "source_ref": "line 2",
            "source_text": "收支总计 20 万元，增加 10 万元，增长 100%。",
        },
    ]
    c = run("", "R.growth_from_zero", narrative_facts=facts)
    assert list(c.outcome) == ["fail", "pass"] and c.iloc[0].expected == 0


# --- years ------------------------------------------------------------------------------------


def test_years_real(real):
    f = real_fails(real, HANYANG, "R.years")
    assert len(f) == 1 and f.iloc[0].found == 2022 and f.iloc[0].expected == 2023
    assert f.iloc[0].source_ref == "narrative line 357" and "比 2022 年度减少" in f.iloc[0].message


def test_years_made_up():
    text = (
        "某区某局 2024 年度部门决算\n目 录\n一、2023年度收入支出决算总表\n二、202 年度收入决算表\n"
        "一、收入支出决算总体情况说明\n本年收支总计 10 万元，与 2022 年度相比，增加 1 万元。\n"
        "2023 年，本部门开支财政拨款的公务用车保有量为 2 辆。\n"
    )
    f = fails(run(text, "R.years"))
    assert sorted(f.found) == [202.0, 2022.0, 2023.0, 2023.0]


def test_years_clean():
    text = (
        "某区某局 2024 年度部门决算\n2025 年 9 月 29 日\n目 录\n一、2024年度收入支出决算总表\n"
        "一、收入支出决算总体情况说明\n本年收支总计 10 万元，与 2023 年度相比，增加 1 万元。截至 2024 年 12 月 31 日，"
        "车辆 2 辆，其中 2019 年购置 1 辆。\n"
    )
    c = run(text, "R.years")
    assert not len(fails(c)) and c.iloc[-1].outcome == "pass"


# --- template leftovers -------------------------------------------------------------------------


def test_placeholders_real(real):
    assert list(real_fails(real, QINGSHAN, "R.placeholders").source_ref) == ["line 587"]  # （XX分）
    f = real_fails(real, HANYANG, "R.placeholders")
    assert list(f.source_ref) == ["narrative line 269"] and "收入万元" in f.iloc[0].message.replace(" ", "")


def test_placeholders_made_up_and_clean():
    text = "XX局2024年度部门决算\n一、收入支出决算总体情况\n本年收入合计万元。。其中（）为某某单位。\n"
    f = fails(run(text, "R.placeholders"))
    assert len(f) == 5  # XX, 。。, （）, 某某, 收入 … 万元 without its figure
    clean = run(
        "一、收入支出决算总体情况\n本年收入合计 10.00 万元，其中：财政拨款收入（类）10.00 万元。\n", "R.placeholders"
    )
    assert list(clean.outcome) == ["pass"]


# --- rates as printed ---------------------------------------------------------------------------


def test_share_percent_real(real):
    f = real_fails(real, YICHUAN, "R.share_percent")
    assert list(f.found) == [76.23] and list(f.source_ref) == ["narrative line 597"]


def test_share_percent_made_up_and_clean():
    assert list(fails(run("基本支出 5 万元，占 50.00；项目支出 5 万元，占 50.00%。\n", "R.share_percent")).found) == [
        50.0
    ]
    assert list(run("基本支出 5 万元，占 50.00%；占地面积 30 平方米。\n", "R.share_percent").outcome) == ["pass"]


def test_rate_truncated_made_up_and_clean():
    rows = [
        {
            "report_id": "m",
            "level": "overall",
            "name": "a",
            "budget_wan": 100.0,
            "final_wan": 98.69,
            "rate_printed_pct": 98.6,
            "source_ref": "line 1",
            "source_text": "完成年初预算的 98.6%",
        },
        {
            "report_id": "m",
            "level": "overall",
            "name": "b",
            "budget_wan": 100.0,
            "final_wan": 98.69,
            "rate_printed_pct": 98.7,
            "source_ref": "line 2",
            "source_text": "完成年初预算的 98.7%",
        },
    ]
    c = run("", "R.rate_truncated", budget_execution=rows)
    assert list(c.outcome) == ["fail", "pass"] and c.iloc[0].severity == "info"


# --- restated figures -----------------------------------------------------------------------------


def test_restated_real(real):
    f = real_fails(real, YICHUAN, "R.restated")
    assert sorted(f.found) == [135.0, 269.85]
    assert set(f[f.found == 135.0].source_ref) == {"narrative line 780; T8 line 556"}


def test_restated_made_up_and_clean():
    text = (
        "1、某类（类）某款（款）某项（项）269.85 万元，主要用于：缴费。年初预算为 285.33 万元，支出决算为 269.86 万元。\n"
        "2、某类（类）某款（款）另一项（项）4.9 万元。年初预算为 5 万元，支出决算为 4.89 万元。\n"
    )
    c = run(text, "R.restated")
    assert list(c.outcome) == ["fail", "pass"] and c.iloc[0].found == 269.85 and c.iloc[0].expected == 269.86


# --- required disclosures -------------------------------------------------------------------------


def _tp(reception, vehicle):
    return [
        {"report_id": "m", "item": "reception", "final_wan": reception, "source": "narrative", "source_ref": "line 2"},
        {
            "report_id": "m",
            "item": "vehicle_operation",
            "final_wan": vehicle,
            "source": "narrative",
            "source_ref": "line 2",
        },
    ]


def test_disclosures_made_up():
    text = (
        "七、财政拨款“三公”经费支出决算情况说明\n"
        "公务接待费支出 0.3 万元，其中：接待外宾 1 批次、5 人次。公务用车运行维护费支出 2.00 万元。\n"
    )
    f = fails(run(text, "R.disclosures", three_public=_tp(0.3, 2.0)))
    assert len(f) == 2 and "domestic 批次/人次 missing" in f.iloc[0].message and "保有量" in f.iloc[1].message


def test_disclosures_clean_and_real(real):
    text = (
        "七、财政拨款“三公”经费支出决算情况说明\n"
        "公务接待费支出 0.3 万元，国内公务接待 2 批次、24 人次，其中：接待外宾 0 批次、0 人次。"
        "公务用车运行维护费支出 2.00 万元，公务用车保有量为 4 辆。\n"
    )
    assert list(run(text, "R.disclosures", three_public=_tp(0.3, 2.0)).outcome) == ["pass", "pass"]
    c = real[YICHUAN.name]
    # 接待批次 1 次、15 人次; 9 辆; 816.16; 政府采购; 国有资产占用; 名词解释; T9 printed empty and said so
    assert list(c[c.rule_id == "R.disclosures"].outcome) == ["pass"] * 7


def test_disclosures_of_the_template_planted(tmp_path):
    """The template's other required parts: a copy of the 宜川路 report with its 名词解释 heading, every
    mention of 政府采购 and the sentence saying there was no 国有资本经营 money taken out."""
    import re as _re

    text = YICHUAN.read_text(encoding="utf-8")
    text = _re.sub(r"名\s*词\s*解\s*释", "附注", text)
    text = _re.sub(r"政\s*府\s*采\s*购", "采购", text)  # also where a line break splits the words
    text = _re.sub(r"[^\n]*没有国有资本经营预算财政拨款收入和支出[^\n]*", "", text)
    text = _re.sub(r"无国有\s*资本经营预算财政拨款收入和支出。", "", text)  # the narrative's sentence (lines 785-786)
    planted = tmp_path / YICHUAN.name
    planted.write_text(text, encoding="utf-8")
    c = extract_report(planted)["checks"]
    f = fails(c[c.rule_id == "R.disclosures"])
    said = " | ".join(f.message)
    assert "政府采购" in said and "名词解释" in said and (f.severity == "warning").all()


def test_disclosures_an_empty_fund_table_needs_its_sentence():
    """A fund table printed empty (its emptiness known from the page, e.g. a PDF's 合计 row with no
    figures) with no sentence saying there was no such money."""
    ds = {
        "reports": schema.conform(
            pd.DataFrame(
                [{"report_id": "m", "fiscal_year": 2024, "tables_empty": ["T9"], "template": "部门决算 (nine tables)"}]
            ),
            "reports",
        )
    }
    said = "政府采购支出 0 万元。国有资产占用情况：车辆 2 辆。名词解释。机关运行经费 10 万元。"
    c = run_checks(ds, rules=[RULES["R.disclosures"]], doc=doc_of(said))
    assert "T9 is printed empty but the report never says" in " ".join(fails(c).message)
    c = run_checks(
        ds, rules=[RULES["R.disclosures"]], doc=doc_of(said + "本年度无国有资本经营预算财政拨款收入和支出。")
    )
    assert not len(fails(c))


# --- a figure the narrative states and the table leaves blank ---------------------------------------


def test_table_blank_planted_and_clean(tmp_path):
    from .conftest import JIANGHAN

    lines = JIANGHAN.read_text(encoding="utf-8").split("\n")
    assert lines[371].startswith("10.98\t\t10.00\t\t10.00\t0.98\t6.07")  # 表9 预算数 … 公务接待费 0.98
    lines[371] = lines[371].replace("\t0.98\t6.07", "\t\t6.07")  # the 接待 预算数 deleted
    planted = tmp_path / JIANGHAN.name
    planted.write_text("\n".join(lines), encoding="utf-8")
    c = extract_report(planted)["checks"]
    f = fails(c[c.rule_id == "R.table_blank"])
    assert len(f) == 1 and f.iloc[0].expected == 0.98 and f.iloc[0].severity == "warning"
    assert f.iloc[0].source_ref == "narrative line 487; T7 line 372"
    clean = extract_report(JIANGHAN)["checks"]
    clean = clean[clean.rule_id == "R.table_blank"]
    assert set(clean.outcome) == {"pass"} and len(clean) == 7


def test_table_blank_in_a_single_space_copy(tmp_path):
    """宜川路's 三公 table is a single-space text copy (line 541: 8 figures for 12 cells, blanks leave no
    trace). With its 预算数 合计 31.47 deleted, the narrative's 年初预算为 31.47 万元 (line 753) is printed
    nowhere in the row: a blank cell. The unaltered copy prints every stated figure."""
    lines = YICHUAN.read_text(encoding="utf-8").split("\n")
    assert lines[540] == "31.47 19.86 30.67 19.56 30.67 19.56 0.80 0.30"
    lines[540] = "19.86 30.67 19.56 30.67 19.56 0.80 0.30"
    planted = tmp_path / YICHUAN.name
    planted.write_text("\n".join(lines), encoding="utf-8")
    c = extract_report(planted)["checks"]
    f = fails(c[c.rule_id == "R.table_blank"])
    assert len(f) == 1 and f.iloc[0].expected == 31.47 and f.iloc[0].severity == "warning"
    assert f.iloc[0].source_ref == "narrative line 753; T7 line 541" and "预算数" in f.iloc[0].message
    clean = extract_report(YICHUAN)["checks"]
    clean = clean[clean.rule_id == "R.table_blank"]
    assert set(clean.outcome) == {"pass"} and len(clean) == 5  # 31.47, 19.86, 19.56 twice, 0.3


def test_reception_counts_need_the_domestic_people(tmp_path):
    """文旅局's 三公 section states 公务接待 2 批次、24 人次 (line 609), then 接待外宾 0 批次、0 人次. With the
    24 人次 taken out, the only 人次 left are the foreign guests' and the 出国 团组's, which do not count."""
    lines = WENLV.read_text(encoding="utf-8").split("\n")
    assert "公务接待 2 批次、24 人次，其中：" in lines[608]
    lines[608] = lines[608].replace("2 批次、24 人次，", "2 批次，")
    planted = tmp_path / WENLV.name
    planted.write_text("\n".join(lines), encoding="utf-8")
    c = extract_report(planted)["checks"]
    f = fails(c[c.rule_id == "R.disclosures"])
    assert len(f) == 1 and "without their 人次" in f.iloc[0].message and f.iloc[0].severity == "warning"
    clean = extract_report(WENLV)["checks"]
    ok = clean[(clean.rule_id == "R.disclosures") & clean.message.str.contains("公务接待费")]
    assert list(ok.outcome) == ["pass"] and "2 批次, 24 人次" in ok.iloc[0].message


def test_reception_counts_made_up():
    head = "七、财政拨款“三公”经费支出决算情况说明\n公务接待费 0.38 万元。"
    cases = {
        # 陪同 (escorts) are not the reception's 人次
        "其中：外省市交流接待 0.38 万元，主要用于接待工作 5 批次(其中：陪同 9 人次)。": "fail",
        "其中：国际访问 0.00 万元，接待工作 0 批次 0 人次；外省市交流接待 0.38 万元，接待工作 5 批次 44 人次。": "pass",
        "其中：接待国（境）外来访团组 1 批次、6 人次。": "fail",  # foreign only
        "国内公务接待 0 批次、0 人次。": "fail",  # money spent, nothing received
    }
    for body, outcome in cases.items():
        c = run(head + body + "\n", "R.disclosures", three_public=_tp(0.38, 0.0))
        assert list(c.outcome) == [outcome], (body, c.message.tolist())


# --- a required table absent altogether ------------------------------------------------------------


def _yichuan_without_t7(tmp_path, keep_title: bool):
    """宜川路 with the page of its 三公 table (title, header, row, note) taken out, or its title kept alone."""
    text = YICHUAN.read_text(encoding="utf-8")
    a = text.index("\f财政拨款“三公”经费支出决算表")
    b = text.index("\f政府性基金预算财政拨款收入支出决算表")
    page = "\f财政拨款“三公”经费支出决算表\n单位：万元\n" if keep_title else ""
    out = tmp_path / ("title" if keep_title else "absent") / YICHUAN.name
    out.parent.mkdir()
    out.write_text(text[:a] + page + text[b:], encoding="utf-8")
    return out


def test_a_required_table_absent_altogether_is_a_defect(tmp_path):
    c = extract_report(_yichuan_without_t7(tmp_path, keep_title=False))["checks"]
    c = c[c.rule_id == "R.tables_absent"]
    f = fails(c)
    assert len(f) == 1 and f.iloc[0].severity == "error" and f.iloc[0].message.startswith("T7 ")
    assert "contents list it at line 15" in f.iloc[0].message and f.iloc[0].source_ref == "line 15"
    assert "8 of the 9 tables" in c[c.outcome == "pass"].iloc[0].message


def test_a_table_printed_but_not_read_is_not_a_missing_table(tmp_path):
    c = extract_report(_yichuan_without_t7(tmp_path, keep_title=True))["checks"]
    c = c[c.rule_id == "R.tables_absent"]
    assert not len(fails(c))
    t7 = c[c.message.str.startswith("T7 ")]
    assert list(t7.outcome) == ["insufficient_data"] and "printed but not read" in t7.iloc[0].message
    clean = extract_report(YICHUAN)["checks"]
    clean = clean[clean.rule_id == "R.tables_absent"]
    assert list(clean.outcome) == ["pass"] and "9 of the 9" in clean.iloc[0].message


def test_absent_tables_of_a_conversion_without_pages_are_not_blamed(real):
    """The Hanyang text (no page breaks) lost T1, T2, T7, T8 and T9 in conversion (data/raw/MANIFEST.md):
    each is reported as not readable or not decidable from this file, never as the report's defect."""
    c = real[HANYANG.name]
    c = c[c.rule_id == "R.tables_absent"]
    assert not len(fails(c)) and (c.outcome == "insufficient_data").sum() == 5


def test_tables_absent_decides_only_what_the_file_can_show():
    """A report whose T7 is absent, on made-up text: a fault of the report only where the file is whole
    (page breaks, no page without text, no table left unidentified, T7's note not printed)."""
    found = ["T1", "T2", "T3", "T4", "T5", "T6", "T8", "T9"]

    def outcome(text, **row):
        rep = {"report_id": "m", "fiscal_year": 2024, "template": "部门决算 (nine tables)", "tables_found": found}
        rep.update(row)
        ds = {"reports": schema.conform(pd.DataFrame([rep]), "reports")}
        c = run_checks(ds, rules=[RULES["R.tables_absent"]], doc=doc_of(text))
        return list(c[c.message.str.startswith("T7 ")].outcome)

    pages = "目录\n七、财政拨款“三公”经费支出决算表\n\f第一部分 部门概况\n\f收入支出决算总表\n单位：万元\n"
    assert outcome(pages) == ["fail"]
    assert outcome(pages.replace("\f", "\n")) == ["insufficient_data"]  # no page breaks: a page may be lost
    assert outcome(pages + "\f\n\f说明\n") == ["insufficient_data"]  # a page with no text (an image?)
    assert outcome(pages, tables_other=["X1"]) == ["insufficient_data"]  # a table we could not name
    assert outcome(pages + "注：本表反映部门本年度“三公”经费支出预决算情况。\n") == ["insufficient_data"]
    assert outcome(pages, notes=["T7: title printed, table contents not in the file"]) == ["insufficient_data"]
    assert outcome(pages + "\f“三公”经费支出情况表\n") == ["insufficient_data"]  # a title in other words
