"""Time within a department (issue 20, item 5): the prior-year figures the reports print give each
department a series, and the rename study uses them.

Read in the shipped reports (data/raw):
- 江汉 2022 (002_…txt) line 437 "…全年向宣恩县拨付区域协作结对帮扶资金2200万元，同比去年增加", continued on line 439
  "200 万元。"; restated at lines 529–531 (its 绩效自评 综述) and 583–585 (工作成效), and in the 绩效自评 table rows
  (lines 607, 967). So 江汉 paid 宣恩县 2,200 万元 in 2022 and 2,000 万元 in 2021.
- 洪山 2021 (000_…txt) line 416 "2021 年度收、支总计 3061.55 万元。与 2020 年度相比，收、支总计各增加 118.27 万元";
  line 501 "2021 年度“三公”经费财政拨款数为 83.75 万元；支出决算为 72.50 万元", line 519 "2021 年度“三公”经费财政拨款支出
  决算数比 2020 年度增加 45.12 万元".
- 汉阳 2024 (001_…txt) line 357 "机关运行经费支出 44.21 万元，比 2022 年度减少 13.12 万元" (2022, not 2023, as printed);
  T3 line 114 "2130599 其他巩固脱贫攻坚成果衔接乡村振兴支出 … 1,793.00".
- 洪山 2021 line 147 (表2) "21305 扶贫 300.00" (the pre-2021 name in a 2021 report).
- 社工部 2024 (PDF page 17) "收入支出总计 307.82 万元。与 2023 年度相比，收入支出总计增加 307.82 万元" (created in 2024).
- 江汉 2022 line 475 "…支出决算为6.07万元，完成预算的55.28%；较上年增加0.66万元": a change whose level is not the
  clause's subject gives no point.
"""

from __future__ import annotations

import json

import pytest

from helpers.core.paths import REPO_ROOT
from helpers.core.vocabulary import POVERTY_NEW_NAME, poverty_name, poverty_name_printed
from helpers.data.load import load
from helpers.studies import poverty as pov
from helpers.studies import quality

HONGSHAN = "000_5ae2df98b6bbde0e"
HANYANG = "001_87de7c93fc8d4773"
JIANGHAN = "002_e2b9b740b0f725e0"
SHEGONG = "中共上海市普陀区委社会工作部_2024_年度部门决算"
NAME_2024 = "巩固脱贫攻坚成果衔接乡村振兴"


@pytest.fixture(scope="module")
def corpus(processed_raw):
    return load(processed_raw)


def _one(df, **kw):
    for k, v in kw.items():
        df = df[df[k] == v]
    assert len(df) == 1, f"{kw}: {len(df)} rows"
    return df.iloc[0]


def test_jianghan_2021_transfer_to_xuanen_is_derived_from_the_2022_report(corpus):
    ds = corpus.department_series
    js = ds[(ds.report_id == JIANGHAN) & (ds.topic == "paired_assistance")]
    now = _one(js, fiscal_year=2022)
    before = _one(js, fiscal_year=2021)
    assert (now.amount_wan, now.basis, now.source_ref, now.recipient) == (2200.0, "printed", "line 437", "宣恩县")
    assert (before.amount_wan, before.basis, before.change_wan) == (2000.0, "derived", 200.0)
    assert before.source_ref == "line 439"  # the line printing "200 万元"
    assert before.department == "武汉市江汉区人民政府办公室" and before.report_year == 2022
    # the three restatements are one point each, the others named
    assert "line 531" in before.note and "line 585" in before.note


def test_narrative_facts_date_the_change(corpus):
    nf = corpus.narrative_facts
    r = _one(nf[nf.report_id == JIANGHAN], topic="paired_assistance", source_ref="line 437")
    assert (r.value, r.change_wan, r.compared_year, r.change_source_ref) == (2200.0, 200.0, 2021, "line 439")
    t = _one(nf[nf.report_id == HONGSHAN], topic="total", source_ref="line 416")
    assert (t.value, t.change_wan, t.compared_year) == (3061.55, 118.27, 2020)


def test_levels_and_prior_years_as_printed(corpus):
    ds = corpus.department_series
    hs = ds[(ds.report_id == HONGSHAN) & (ds.topic == "total")]
    assert _one(hs, fiscal_year=2021).amount_wan == 3061.55
    assert _one(hs, fiscal_year=2020).amount_wan == pytest.approx(3061.55 - 118.27)
    # 汉阳 compares its 机关运行经费 with 2022: dated as printed, and said so
    rc = _one(ds[(ds.report_id == HANYANG) & (ds.basis == "derived")], topic="running_cost")
    assert rc.fiscal_year == 2022 and rc.amount_wan == pytest.approx(44.21 + 13.12)
    assert "compares with 2022, not the year before (2023)" in rc.note
    # 三公: the level is the outturn the narrative states (line 501), the change another sentence's (line 519)
    tp = ds[(ds.report_id == HONGSHAN) & (ds.topic == "three_public_total")]
    assert (_one(tp, fiscal_year=2021).amount_wan, _one(tp, fiscal_year=2021).source_ref) == (72.50, "line 501")
    assert _one(tp, fiscal_year=2020).amount_wan == pytest.approx(72.50 - 45.12)
    assert _one(tp, fiscal_year=2020).source_ref == "line 519"
    # 社工部 was created in 2024: its 2023 level is 0
    sg = _one(ds[(ds.report_id == SHEGONG) & (ds.topic == "total")], basis="derived")
    assert (sg.fiscal_year, sg.amount_wan) == (2023, 0.0)
    # a change printed without its level gives no point
    assert not ((ds.report_id == JIANGHAN) & (ds.change_wan == 0.66)).any()


def test_one_department_per_series_and_money_labelled_nominal(corpus):
    ds = corpus.department_series
    reports = corpus.reports.set_index("report_id")
    assert (ds.department == ds.report_id.map(reports.department)).all()
    assert set(ds.basis) == {"printed", "derived"}
    assert ((ds.basis == "derived") == ds.change_wan.notna()).all()


def test_crosswalk_holds_the_2024_name():
    assert [poverty_name(y) for y in (2020, 2021, 2023, 2024)] == [
        "扶贫",
        POVERTY_NEW_NAME,
        POVERTY_NEW_NAME,
        NAME_2024,
    ]
    assert poverty_name_printed("其他巩固脱贫攻坚成果衔接乡村振兴支出") == (NAME_2024, POVERTY_NEW_NAME)


def test_rename_study_reads_names_through_the_crosswalk(corpus):
    fl = pov.function_lines(corpus).set_index("report_id")
    assert fl.name_crosswalk[HANYANG] == fl.name_expected[HANYANG] == NAME_2024
    assert fl.series_printed[HANYANG] == POVERTY_NEW_NAME and fl.name_matches_year[HANYANG]
    assert fl.name_crosswalk[HONGSHAN] == "扶贫" and not fl.name_matches_year[HONGSHAN]


@pytest.mark.usefixtures("english")
def test_rename_study_follows_jianghan_to_xuanen_across_years(corpus):
    c = quality.comparable(corpus)
    tt = pov.transfers_over_time(c)
    assert tt[["fiscal_year", "amount_wan", "basis"]].values.tolist() == [
        [2021, 2000.0, "derived"],
        [2022, 2200.0, "printed"],
    ]
    assert set(tt.recipient) == {"宣恩县"} and set(tt.name) == {POVERTY_NEW_NAME}
    sentence = next(s for s in pov.key_findings(c) if "followed across years" in s)
    assert "2021 2,000.00 万元" in sentence and "2022 2,200.00 万元" in sentence and "nominal" in sentence


def test_the_poverty_page_shows_the_series():
    d = json.loads((REPO_ROOT / "notebooks" / "poverty_transfers.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in d["cells"] if c["cell_type"] == "code")
    assert "transfers_over_time(" in code
