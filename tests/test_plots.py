"""Chinese renders in figures: the CJK font is found and registered from its file, and a figure with
Chinese labels draws and saves without a single "Glyph … missing from font" warning (pyproject's
filterwarnings turns those into errors; the test also makes that explicit)."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.publish import fonts, plots  # noqa: E402

CHINESE = "一般公共服务支出 农林水支出 巩固脱贫衔接乡村振兴 人员经费 公用经费 “三公”经费 硚口区"


@pytest.fixture(autouse=True)
def _fresh_font_lookup():
    fonts.register_cjk_font.cache_clear()
    yield
    fonts.register_cjk_font.cache_clear()
    plt.close("all")


def test_cjk_font_is_registered_from_a_file():
    from matplotlib import font_manager as fm

    family, path = fonts.register_cjk_font()
    assert Path(path).is_file()
    assert family in {f.name for f in fm.fontManager.ttflist}
    assert "CJK" in family or "SC" in family or "Han" in family or "WenQuanYi" in family


def test_set_style_puts_the_cjk_font_first():
    family = plots.set_style()
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]


def _draw_every_helper(tmp_path: Path) -> list[Path]:
    shares = pd.DataFrame(
        {"一般公共服务支出": [60.0, 23.2], "农林水支出": [9.8, 69.2], "住房保障支出": [30.2, 7.6]},
        index=["洪山区 人民政府办公室 2021", "江汉区 人民政府办公室 2022"],
    )
    figs = [
        plots.stacked_shares(shares, title="支出功能分类构成", n_reports=2, total=7),
        plots.barh(
            pd.Series([1857.73, 300.0], index=["一般公共服务支出", "巩固脱贫衔接乡村振兴"]), title=CHINESE, n_reports=1
        ),
        plots.budget_vs_outturn(
            pd.DataFrame(
                {"budget_wan": [10.0, 35.2], "final_wan": [6.07, 72.13], "item": ["公务接待费", "公务用车运行费"]}
            ),
            hue="item",
            label="item",
            title="三公经费 预算与决算",
            n_reports=2,
        ),
        plots.coverage_grid(
            pd.DataFrame([["found", "empty", "missing"]], columns=["T1", "T2", "T3"], index=["青山区 2020"]),
            title="表格覆盖",
            n_reports=1,
        ),
        plots.grouped_bars(
            pd.DataFrame({"年度": ["2020", "2021"], "万元": [1.0, 2.0], "名称": ["扶贫", "巩固脱贫衔接乡村振兴"]}),
            x="年度",
            y="万元",
            hue="名称",
            title="21305 支出",
            n_reports=2,
        ),
        plots.rate_spread(
            pd.DataFrame({"rate": [95.0, 100.0, 120.0], "level": ["类", "项", "项"]}), title="完成率", n_reports=1
        ),
    ]
    out = []
    for k, fig in enumerate(figs):
        p = tmp_path / f"fig{k}.png"
        fig.savefig(p)
        out.append(p)
    return out


def test_chinese_figures_have_no_missing_glyphs(tmp_path):
    plots.set_style()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        saved = _draw_every_helper(tmp_path)
    assert all(p.stat().st_size > 5000 for p in saved)


def test_the_glyph_check_would_catch_tofu(tmp_path):
    """Control: without the CJK font the same drawing does warn, so the test above is meaningful."""
    with matplotlib.rc_context({"font.family": ["sans-serif"], "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title(CHINESE)
        with pytest.warns(UserWarning, match=r"Glyph .* missing from font"):
            fig.savefig(tmp_path / "tofu.png")


def test_env_var_naming_a_missing_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "nope.ttc"))
    with pytest.raises(fonts.CJKFontNotFound, match="fonts-noto-cjk"):
        fonts.register_cjk_font()


def test_env_var_override_is_used(monkeypatch):
    _, path = fonts.register_cjk_font()
    fonts.register_cjk_font.cache_clear()
    monkeypatch.setenv(fonts.ENV_VAR, path)
    assert fonts.candidate_files()[0] == Path(path)
    assert fonts.register_cjk_font()[1] == path


def test_no_font_anywhere_says_what_to_install(monkeypatch):
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    monkeypatch.setattr(fonts, "candidate_files", lambda: [])
    monkeypatch.setattr(fonts, "PREFERRED_FAMILIES", ("No Such Font Family",))
    with pytest.raises(fonts.CJKFontNotFound) as e:
        fonts.register_cjk_font()
    msg = str(e.value)
    assert "fonts-noto-cjk" in msg and fonts.ENV_VAR in msg


def test_short_department_names():
    from helpers.data.load import short_department

    assert short_department("武汉市洪山区人民政府办公室", "武汉市", "洪山区") == "人民政府办公室"
    assert short_department("中共上海市普陀区委社会工作部", "上海市", "普陀区") == "区委社会工作部"
    assert short_department("中国共产党武汉市硚口区委员会办公室", "武汉市", "硚口区") == "区委办公室"
    assert short_department("上海市普陀区财政局", "上海市", "普陀区") == "财政局"
    assert short_department("某某单位", None, None) == "某某单位"


def test_rate_spread_is_the_same_bytes_every_run_and_leaves_numpys_generator_alone():
    import io

    import numpy as np

    plots.set_style()
    rates = pd.DataFrame({"rate": [98.2, 101.5, 87.0, 99.9, 100.0, 64.3], "level": ["类"] * 3 + ["款"] * 3})

    def png() -> bytes:
        fig = plots.rate_spread(rates, title="完成率", n_reports=2)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return buf.getvalue()

    np.random.seed(7)
    expected_next = np.random.uniform()
    np.random.seed(7)
    first = png()
    assert np.random.uniform() == expected_next  # the caller's random state is put back
    assert png() == first  # seaborn's jitter no longer differs between runs


def test_inline_png_of_a_figure_that_fits_is_not_cropped_and_one_that_does_not_is(english, ipython_shell):
    """In a notebook a figure laid out to fit is printed at its own size (no second layout for the
    tight crop); one that tight_layout cannot fit (a title wider than the figure) is still cropped
    to everything it holds, so nothing is cut off."""
    import base64
    import io

    from PIL import Image

    shell = ipython_shell
    shell.run_line_magic("matplotlib", "inline")
    plots.set_style()
    fmt = shell.display_formatter.formatters["image/png"]

    def png_size(fig) -> tuple[int, int]:
        data, meta = fmt(fig)
        raw = base64.b64decode(data) if isinstance(data, str) else data
        assert meta["alt"].startswith("Figure: ")
        return Image.open(io.BytesIO(raw)).size

    values = pd.Series([976.10, 121.11, 72.69], index=["一般公共服务支出", "社会保障和就业支出", "卫生健康支出"])
    fits = plots.barh(values, title="支出功能分类", n_reports=1)
    assert fits._juesuan_fits
    w, h = fits.get_size_inches() * fits.dpi
    assert png_size(fits) == (round(w), round(h))
    plt.close(fits)
    wide = plots.barh(values, title="支出功能分类 " * 40, n_reports=1)  # far wider than the figure
    assert not wide._juesuan_fits
    assert png_size(wide)[0] > round(wide.get_size_inches()[0] * wide.dpi)  # cropped out to the whole title
    plt.close(wide)


def test_figures_of_a_large_corpus_show_the_first_rows_and_keep_every_row_in_their_data(english):
    """A province's corpus: one bar or grid row per report would make a figure metres tall that takes
    minutes to draw. Past plots.MAX_ROWS a figure shows the first rows and says so; its CSV data
    keeps every report."""
    plots.set_style()
    n = plots.MAX_ROWS + 40
    totals = pd.Series(range(n, 0, -1), index=[f"区{k} 财政局 2024" for k in range(n)], dtype=float)
    fig = plots.barh(totals, title="支出合计 total spending by report", n_reports=n)
    assert len(fig.axes[0].patches) == plots.MAX_ROWS
    assert f"the first {plots.MAX_ROWS} of {n} bars shown, all in the CSV" in fig.axes[0].get_title(loc="left")
    assert len(fig._juesuan_data) == n
    plt.close(fig)
    states = ["found"] * 7 + ["empty", "missing"]
    grid = pd.DataFrame([states] * n, index=totals.index, columns=[f"T{k}" for k in range(1, 10)])
    fig = plots.coverage_grid(grid, title="表格覆盖", n_reports=n)
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert len(widths) == 27 and sum(widths) == 9 * n  # table × state counts, every report counted once per table
    assert fig._juesuan_data.shape == (n, 9)
    plt.close(fig)
    small = plots.barh(totals.head(5), title="支出合计", n_reports=5)
    assert "shown" not in small.axes[0].get_title(loc="left") and len(small.axes[0].patches) == 5
    plt.close(small)


def test_reports_whose_labels_agree_in_their_first_characters_keep_a_bar_each():
    """Labels are cut to 24 characters on the axis: one department's reports of two years (or a report
    and its copy) then read alike. Each still gets its own bar at its own row, its value label on it;
    as matplotlib categories they were one row, the bars drawn over each other."""
    plots.set_style()
    long = "上海市普陀区人民政府宜川路街道办事处（本级） {} [report-{}]"
    labels = [long.format(2023, "a"), long.format(2024, "b"), long.format(2024, "c")]
    assert len({plots._short(x) for x in labels}) == 1  # the case: alike once cut
    fig = plots.barh(pd.Series([30.0, 20.0, 10.0], index=labels), title="支出合计", n_reports=3)
    ax = fig.axes[0]
    assert sorted(round(p.get_y() + p.get_height() / 2) for p in ax.patches) == [0, 1, 2]
    assert [t.get_position()[1] for t in ax.texts] == [0, 1, 2]
    assert len(ax.get_yticklabels()) == 3
    plt.close(fig)
    shares = pd.DataFrame({"人员经费": [60.0, 70.0, 80.0], "公用经费": [40.0, 30.0, 20.0]}, index=labels)
    fig = plots.stacked_shares(shares, title="人员与公用", n_reports=3)
    rows = sorted({round(p.get_y() + p.get_height() / 2) for p in fig.axes[0].patches})
    assert rows == [0, 1, 2] and len(fig.axes[0].patches) == 6
    plt.close(fig)


def test_a_figures_csv_can_carry_the_rows_behind_it():
    """Issue 20 item 6: a share figure's CSV carries the amounts, basis (table), report id and source
    reference, not only the shares drawn; without `data` it holds what is plotted."""
    plots.set_style()
    rows = pd.DataFrame(
        {
            "report_id": ["000_5ae2df98b6bbde0e"],
            "basic_wan": [1867.39],
            "project_wan": [1194.16],
            "table": ["T3"],
            "source_ref": ["T3 line 174"],
        }
    )
    shares = pd.DataFrame({"基本": [61.0], "项目": [39.0]}, index=["洪山区 人民政府办公室 2021"])
    fig = plots.stacked_shares(shares, title="基本支出与项目支出", n_reports=1, data=rows)
    assert plots.csv_bytes(fig._juesuan_data).decode("utf-8-sig").splitlines() == [
        "report_id,basic_wan,project_wan,table,source_ref",
        "000_5ae2df98b6bbde0e,1867.39,1194.16,T3,T3 line 174",
    ]
    plt.close(fig)
    fig = plots.stacked_shares(shares, title="基本支出与项目支出", n_reports=1)
    assert fig._juesuan_data is shares
    plt.close(fig)
    bars = plots.barh(pd.Series([3061.55], index=["洪山"]), title="支出合计", n_reports=1, data=rows)
    assert fig is not bars and bars._juesuan_data is rows
    plt.close(bars)


def test_a_scatter_or_spread_keeps_in_its_csv_what_names_a_point_and_what_is_plotted():
    """The rates' frame carries its sources' text and the checks' messages: a figure's CSV holds what names
    each point (report, level, code, name, source_ref …) and the plotted columns, not those (at 10,000 reports
    the whole frame made an 80 MB download inside the budget page)."""
    plots.set_style()
    be = pd.DataFrame(
        {
            "report_id": ["000_5ae2df98b6bbde0e", "000_5ae2df98b6bbde0e"],
            "report": ["洪山区 人民政府办公室 2021"] * 2,
            "level": ["类", "款"],
            "code": ["201", "20101"],
            "name": ["一般公共服务支出", "人大事务"],
            "budget_wan": [2514.68, 120.0],
            "final_wan": [3061.55, 118.2],
            "rate": [121.75, 98.5],
            "source_text": ["决算数为3,061.55万元，完成年初预算的121.75%……"] * 2,
            "flag_message": ["", ""],
        }
    )
    fig = plots.budget_vs_outturn(be, hue="level", title="预算与决算", n_reports=1)
    csv = plots.csv_bytes(fig._juesuan_data)
    assert csv.startswith("\ufeff".encode())  # the BOM: Excel then opens the Chinese intact
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0] == "report,report_id,level,code,name,budget_wan,final_wan"
    assert lines[1] == "洪山区 人民政府办公室 2021,000_5ae2df98b6bbde0e,类,201,一般公共服务支出,2514.68,3061.55"
    plt.close(fig)
    fig = plots.rate_spread(be.assign(group=be.level), y="group", title="完成率", n_reports=1)
    assert list(fig._juesuan_data.columns) == ["report", "report_id", "level", "code", "name", "group", "rate"]
    assert fig._juesuan_data.rate.tolist() == [121.75, 98.5]
    plt.close(fig)


def test_a_figures_csv_too_large_for_its_page_is_not_embedded_and_the_page_says_so(monkeypatch, english, ipython_shell):
    """Past FIGURE_CSV_MAX_BYTES (a figure of every statement of 10,000 reports: 36 MB) the CSV is not put in the
    page as a download; the page says how many rows it holds and where to get them. Below it, the download."""
    import base64

    from matplotlib.figure import Figure

    shell = ipython_shell
    # the PNG printer the inline backend would register (matplotlib keeps the backend across shells:
    # a second `%matplotlib inline` in this process does not register it again), wrapped by set_style
    fmt = shell.display_formatter.formatters["image/png"]
    fmt.for_type(Figure, lambda fig, *args, **kwargs: b"\x89PNG")
    plots.set_style()
    values = pd.Series([976.10, 121.11, 72.69], index=["一般公共服务支出", "社会保障和就业支出", "卫生健康支出"])
    fig = plots.barh(values, title="支出功能分类", n_reports=1)
    _, meta = fmt(fig)
    assert base64.b64decode(meta["juesuan_csv"]).decode("utf-8-sig").splitlines()[1] == "一般公共服务支出,976.1"
    assert "juesuan_csv_note" not in meta
    monkeypatch.setattr(plots, "FIGURE_CSV_MAX_BYTES", 20)
    _, meta = fmt(fig)
    assert "juesuan_csv" not in meta
    assert meta["juesuan_csv_note"].startswith(
        "The figure's data, 3 rows (a CSV of more than 1.91e-05 MB), is too large"
    )
    # written up to the limit only, to learn it is too large; whole below it
    assert plots.csv_bytes(values, cap=20) is None and plots.csv_bytes(values, cap=200).startswith(b"\xef\xbb\xbf")
    plt.close(fig)
