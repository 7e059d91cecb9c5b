"""The published pages in a real headless browser (Debian's chromium, driven by playwright): every
page loads without console errors and without a request to any host but the local server that
serves it, has its navigation, opens with its summary (reports), key findings (studies) or the
trust table (index), and its tables sort when a heading is clicked — numbers as numbers. A missing
chromium fails the test: scripts/setup.sh installs it (tools may not download their own browsers).
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers.publish.text import t
from helpers.run import runner

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STUDIES = list(runner.STUDIES)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log in the test output
        pass


@contextlib.contextmanager
def _served(root: Path):
    """A folder served on loopback; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(published):
    """reports/ of the main job, served on loopback; yields (base URL, page paths)."""
    root = published["reports"]
    pages = (
        ["index.html"]
        + [f"studies/{s}.html" for s in STUDIES]
        + sorted(p.relative_to(root).as_posix() for p in (root / "reports").glob("*.html"))
    )
    with _served(root) as base:
        yield base, pages


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser test needs Debian's chromium; run scripts/setup.sh "
            "(or `apt-get install chromium`)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the Python package playwright is missing: pip install -e '.[test]' (never `playwright install`: "
            f"the test drives {CHROMIUM})",
            pytrace=False,
        )
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            accept_downloads=True,
        )
        try:
            yield ctx
        finally:
            ctx.close()


class Visit:
    """One page loaded with every request and console message recorded; requests to other hosts
    are recorded and aborted (the test must not depend on the network to fail)."""

    def __init__(self, ctx, base: str, path: str):
        self.base, self.requests, self.outside, self.errors = base, [], [], []
        self.page = ctx.new_page()
        self.page.on(
            "console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.route("**/*", self._route)
        self.page.goto(base + path, wait_until="load")

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.base) or urlsplit(url).scheme in ("data", "blob", "about"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


# A column of a visible, sortable table whose numbers sort differently as text (so a text sort
# would fail the test); read back after a click.
FIND_NUMERIC_COLUMN = """() => {
  const num = t => { const s = t.trim().replace(/,/g, "").replace(/\\s*(%|pp)$/, "").replace("\\u2212", "-");
                     return /^[+-]?\\d+(\\.\\d+)?$/.test(s) ? parseFloat(s) : null; };
  const tables = [...document.querySelectorAll("table")].filter(t => t.tHead && t.tBodies[0] && t.offsetParent !== null
      && t.tHead.rows.length === 1 && !t.tBodies[0].querySelector("[rowspan]") && t.tHead.rows[0].cells[0]
      && t.tHead.rows[0].cells[0].title);
  for (const pass of [1, 2])  // amounts or rates as printed ("1,234.56", "98.6%") first, then any numbers
  for (let ti = 0; ti < tables.length; ti++) {
    const t = tables[ti], rows = [...t.tBodies[0].rows];
    if (rows.length < 3) continue;
    for (let ci = 0; ci < t.tHead.rows[0].cells.length; ci++) {
      const texts = rows.map(r => r.cells[ci] ? r.cells[ci].textContent : "").filter(x => x.trim() !== "");
      const vals = texts.map(num);
      if (vals.some(v => v === null) || new Set(vals).size < 3) continue;
      if (pass === 1 && !texts.some(x => /[,%]/.test(x))) continue;
      const byText = [...texts].sort(), byNum = [...texts].sort((a, b) => num(a) - num(b));
      if (byText.join("|") === byNum.join("|")) continue;  // a text sort would pass too: not a proof
      t.setAttribute("data-test-table", "1");
      return {column: ci, texts: rows.map(r => r.cells[ci] ? r.cells[ci].textContent : "")};
    }
  }
  return null;
}"""


def _sorted_numbers(texts: list[str], reverse: bool = False) -> bool:
    """Numbers in order (blank cells last, whichever the direction)."""
    filled = [t for t in texts if t.strip()]
    if [t for t in texts if t.strip()] != texts[: len(filled)]:
        return False
    nums = [_number(t) for t in filled]
    return nums == sorted(nums, reverse=reverse)


def _number(text: str) -> float:
    s = re.sub(r"\s*(%|pp)$", "", text.strip().replace(",", "")).replace("\u2212", "-")
    return float(s)


def _column(page, column: int) -> list[str]:
    return page.evaluate(
        "c => [...document.querySelector('table[data-test-table]').tBodies[0].rows].map(r => r.cells[c].textContent)",
        column,
    )


def test_chromium_is_installed_by_setup():
    from helpers.core.paths import REPO_ROOT

    setup = (REPO_ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "need_apt+=(chromium)" in setup
    assert CHROMIUM.exists(), f"{CHROMIUM} missing: run scripts/setup.sh"


def test_every_page_loads_cleanly_with_navigation_and_its_summary_first(site, browser):
    base, pages = site
    assert len(pages) == 1 + len(STUDIES) + 10, pages
    for path in pages:
        v = Visit(browser, base, path)
        page = v.page
        try:
            assert not v.errors, f"{path}: {v.errors[:3]}"
            assert not v.outside, f"{path} asked other hosts for {v.outside[:3]}"
            assert v.requests and unquote(v.requests[0]) == base + path, v.requests[:1]
            nav = page.locator("nav.juesuan-nav")
            assert nav.count() == 1 and nav.is_visible(), f"{path}: no navigation bar"
            first = page.evaluate("() => { const h = document.querySelector('h2'); return h ? h.textContent : ''; }")
            if path == "index.html":
                assert first.startswith(t("index.reports_h", "zh")), f"{path}: opens with {first!r}"
                for s in STUDIES:
                    assert nav.locator(f'a[href="studies/{s}.html"]').count() == 1, f"index nav lacks {s}"
                continue
            assert nav.locator('a[href="../index.html"]').count() == 1, f"{path}: no link to the index"
            for s in STUDIES:
                assert path.endswith(f"{s}.html") or nav.locator(f'a[href="../studies/{s}.html"]').count() == 1
            if path.startswith("studies/"):
                assert first.startswith("主要发现"), f"{path}: opens with {first!r}"
            else:
                assert first.startswith("摘要"), f"{path}: opens with {first!r}"
                # the summary itself comes before any table of the page
                assert page.evaluate(
                    "() => { const s = document.querySelector('.juesuan-summary'), "
                    "t = document.querySelector('.jp-OutputArea-output table');"
                    "return !!s && !!t && !!(s.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING); }"
                ), path
        finally:
            page.close()


@pytest.mark.parametrize(
    "path", ["studies/budget_execution.html", "studies/spending_composition.html", "reports/002_e2b9b740b0f725e0.html"]
)
def test_clicking_a_heading_sorts_the_rows_numbers_as_numbers(site, browser, path):
    base, _ = site
    v = Visit(browser, base, path)
    page = v.page
    try:
        found = page.evaluate(FIND_NUMERIC_COLUMN)
        assert found, f"{path}: no visible sortable table with a numeric column"
        col = found["column"]
        head = page.locator("table[data-test-table] thead tr").first.locator("th").nth(col)
        head.click()
        up = _column(page, col)
        assert _sorted_numbers(up), f"{path}: column {col} after one click: {up[:10]}"
        assert head.get_attribute("aria-sort") == "ascending"
        head.click()
        down = _column(page, col)
        assert _sorted_numbers(down, reverse=True), f"{path}: column {col} after two clicks: {down[:10]}"
        assert sorted(_column(page, col)) == sorted(found["texts"]), "rows were lost or changed while sorting"
        assert not v.errors, v.errors[:3]
    finally:
        page.close()


def test_index_sorts_reports_by_verdict_rank(site, browser):
    base, _ = site
    v = Visit(browser, base, "index.html")
    page = v.page
    try:
        head = page.locator("#report-table thead th").first
        verdicts = lambda: page.evaluate(
            "() => [...document.querySelectorAll('#report-table tbody tr')].map(r => r.cells[0].textContent)"
        )
        rank = {"不可用": 0, "谨慎使用": 1, "可用": 2}  # the Chinese edition's words
        head.click()
        assert [rank[x] for x in verdicts()] == sorted(rank[x] for x in verdicts())
        head.click()
        assert verdicts()[0] == "可用" and verdicts()[-1] == "不可用", verdicts()
    finally:
        page.close()


def test_checks_disclosure_opens_and_figure_data_downloads_as_csv_with_bom(site, browser, tmp_path):
    base, _ = site
    v = Visit(browser, base, "reports/000_5ae2df98b6bbde0e.html")
    page = v.page
    try:
        details = page.locator("details.juesuan-checks", has=page.locator("summary", has_text="通过")).last
        assert details.get_attribute("open") is None and not details.locator("table").is_visible()
        details.locator("summary").click()
        assert details.get_attribute("open") is not None and details.locator("table").is_visible()
        rows = details.locator("tbody tr").count()
        assert rows > 300, rows  # 洪山 2021: hundreds of passing and not-applicable checks, one click away
        link = page.locator("p.juesuan-csv a").first
        with page.expect_download() as info:
            link.click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        data = saved.read_bytes()
        assert saved.suffix == ".csv" and data.startswith(b"\xef\xbb\xbf"), saved.name
        head, *rows = data.decode("utf-8-sig").splitlines()  # the spending figure's: function class, 万元
        assert head == "name,万元" and any(r.startswith("一般公共服务支出,") for r in rows), (head, rows[:3])
        assert not v.errors and not v.outside
    finally:
        page.close()


def test_long_tables_filter_by_text_and_chinese_text_reads_from_the_left(site, browser):
    base, _ = site
    v = Visit(browser, base, "studies/budget_execution.html")
    page = v.page
    try:
        box = page.locator(".juesuan-filter input").first
        assert box.is_visible(), "no filter box above a long table"
        table = box.locator("xpath=../following-sibling::table[1]")
        rows = table.locator("tbody tr")
        total = rows.count()
        assert total > 15
        visible = lambda: [r for r in rows.all() if r.is_visible()]
        word = "洪山"  # 洪山 2021's statements are among the corpus's; typing its name keeps only them
        box.fill(word)
        kept = visible()
        assert 0 < len(kept) < total and all(word in r.text_content() for r in kept), (len(kept), total)
        assert f"显示 {len(kept)}/{total} 行" in page.locator(".juesuan-filter-count").first.text_content()
        box.fill("")
        assert len(visible()) == total
        align = page.evaluate("""() => { const cells = [...document.querySelectorAll('.jp-OutputArea-output td')];
            const zh = cells.filter(td => /[\\u4e00-\\u9fff]/.test(td.textContent));
            const num = cells.filter(td => /^[+-]?[\\d,]+\\.\\d+$/.test(td.textContent.trim()));
            return {zh: [...new Set(zh.map(td => getComputedStyle(td).textAlign))],
                    num: [...new Set(num.map(td => getComputedStyle(td).textAlign))], n: [zh.length, num.length]}; }""")
        assert align["n"][0] > 20 and align["n"][1] > 20, align
        assert align["zh"] == ["left"], f"Chinese text not left-aligned: {align}"
        assert align["num"] == ["right"], f"amounts not right-aligned: {align}"
    finally:
        page.close()


LAPTOP = {"width": 1366, "height": 768}
ONE_LINE_PX = 48  # one line of the bar's 14 px text with its padding; it was 243 px at 1366×768 (issue 20)
BAR = """() => { const n = document.querySelector('nav.juesuan-nav'), r = n.getBoundingClientRect(),
    l = n.querySelector('.juesuan-nav-links');
    return {top: r.top, height: r.height, scrolled: window.scrollY, hidden: l ? l.scrollWidth - l.clientWidth : 0}; }"""


def _bar_is_one_line_and_its_sections_open_from_it(page, path: str) -> None:
    """At 1366×768, scrolled: the bar is pinned at the top, one line tall, every link in sight; its
    "On this page" list names the page's sections and a chosen section is not hidden under the bar."""
    page.set_viewport_size(LAPTOP)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight / 2)")
    bar = page.evaluate(BAR)
    assert bar["scrolled"] > 100, f"{path}: the page did not scroll ({bar})"
    assert bar["top"] == 0 and bar["height"] <= ONE_LINE_PX, f"{path}: the bar is {bar['height']:.0f} px tall ({bar})"
    assert bar["hidden"] <= 1, f"{path}: {bar['hidden']} px of the bar's links are out of sight at 1366 px"
    toc = page.locator("nav.juesuan-nav details.juesuan-toc")
    assert not toc.locator("ol").is_visible()
    toc.locator("summary").click()
    links = toc.locator("ol a")
    assert links.first.is_visible()
    h2 = page.evaluate("() => [...document.querySelectorAll('h2')].map(h => h.textContent.replace(/¶$/, '').trim())")
    assert [t.strip() for t in links.all_text_contents()] == h2, f"{path}: sections listed differ from the headings"
    links.last.click()
    assert not toc.locator("ol").is_visible(), f"{path}: the sections' list stays open over the text"
    landed = page.evaluate(
        # as the browser finds a fragment: the id as written (nbconvert percent-encodes Chinese ids), then decoded
        "() => { const f = location.hash.slice(1), h = document.getElementById(f) || "
        "document.getElementById(decodeURIComponent(f));"
        " return [h.getBoundingClientRect().top, document.querySelector('nav.juesuan-nav').getBoundingClientRect().bottom]; }"
    )
    assert landed[0] >= landed[1], f"{path}: the section's heading is under the bar ({landed})"
    assert page.evaluate(BAR)["height"] <= ONE_LINE_PX


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "studies/poverty_transfers.html",
        "reports/上海市普陀区人民政府宜川路街道办事处2025年度部门决算.html",  # the longest title
    ],
)
def test_page_bar_is_one_line_on_a_laptop_screen(site, browser, path):
    base, _ = site
    v = Visit(browser, base, path)
    try:
        _bar_is_one_line_and_its_sections_open_from_it(v.page, path)
        assert not v.errors and not v.outside, (v.errors[:3], v.outside[:3])
    finally:
        v.page.close()


def test_one_reports_page_by_the_readme_recipe_is_self_contained(published, browser, tmp_path):
    """README: papermill notebooks/report.ipynb out.ipynb …, then `python -m helpers page out.ipynb`
    (the main job's executed notebook stands in for papermill's output: the same notebook, run the same way)."""
    from helpers import cli
    from helpers.publish import pages

    executed = published["build"] / "reports" / "002_e2b9b740b0f725e0.ipynb"  # 江汉区人民政府办公室 2022
    out = tmp_path / "江汉 2022.html"
    assert cli.main(["page", str(executed), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert pages.outside_references(text) == [] and not re.search(r"<script[^>]+src=", text), pages.outside_references(
        text
    )[:3]
    assert "require.min.js" not in text and "mathjax" not in text.lower()
    assert cli.main(["page", str(tmp_path / "none.ipynb")]) == 1  # a missing notebook is named, not a traceback
    with _served(tmp_path) as base:
        v = Visit(browser, base, out.name)
        page = v.page
        try:
            assert not v.errors and not v.outside, (v.errors[:3], v.outside[:3])
            assert page.locator("nav.juesuan-nav a[href='../index.html']").count() == 0  # it stands alone
            # 表1 as printed (002 line 90): income and expenditure on one row
            row = page.locator("tr", has_text="一、一般公共预算财政拨款收入").first
            assert [c.strip() for c in row.locator("td").all_text_contents()] == [
                "一、一般公共预算财政拨款收入",
                "4,199.36",
                "一、一般公共服务支出",
                "976.10",
                "line 90",  # 收入·出处, then 支出·出处: where each side was read
                "line 90",
            ]
            _bar_is_one_line_and_its_sections_open_from_it(page, out.name)
        finally:
            page.close()


CJK = re.compile(r"[\u4e00-\u9fff]")
EDITION_PAGES = [
    ("index.html", "en/index.html", t("index.reports_h", "zh"), t("index.reports_h", "en")),
    ("studies/budget_execution.html", "en/studies/budget_execution.html", "主要发现", "Key findings"),
    ("reports/002_e2b9b740b0f725e0.html", "en/reports/002_e2b9b740b0f725e0.html", "摘要", "Summary"),
]
HEADINGS = "() => [...document.querySelectorAll('h1, h2')].map(h => h.textContent.replace(/¶$/, '').trim())"


@pytest.mark.parametrize("zh, en, zh_first, en_first", EDITION_PAGES)
def test_chinese_edition_links_to_the_english_one_and_back(site, browser, zh, en, zh_first, en_first):
    """The site is Chinese by default (lang zh-CN, Chinese headings, no slanted CJK); the English
    edition is a click away on every page, at the same place in reports/en/, and links back."""
    base, _ = site
    v = Visit(browser, base, zh)
    page = v.page
    try:
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN", zh
        heads = page.evaluate(HEADINGS)
        assert heads and all(CJK.search(h) for h in heads), f"{zh}: headings not in Chinese: {heads}"
        assert page.evaluate("() => document.querySelector('h2').textContent").startswith(zh_first), heads[:3]
        italic = page.evaluate(
            "() => { const e = document.createElement('em'); e.textContent = '中文'; document.body.appendChild(e);"
            " return getComputedStyle(e).fontStyle; }"
        )
        assert italic == "normal", f"{zh}: Chinese emphasis is slanted ({italic})"
        link = page.locator("nav.juesuan-nav a.juesuan-lang")
        assert link.count() == 1 and link.text_content() == "English", f"{zh}: no link to the English edition"
        link.click()
        page.wait_for_load_state("load")
        assert unquote(page.url) == base + en, page.url
        assert page.evaluate("() => document.documentElement.lang") == "en"
        first = page.evaluate("() => document.querySelector('h2').textContent")
        assert first.startswith(en_first), f"{en}: opens with {first!r}"
        back = page.locator("nav.juesuan-nav a.juesuan-lang")
        assert back.text_content() == "中文"
        back.click()
        page.wait_for_load_state("load")
        assert unquote(page.url) == base + zh, page.url
        assert not v.errors and not v.outside, (v.errors[:3], v.outside[:3])
    finally:
        page.close()
