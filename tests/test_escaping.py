"""Whatever a report prints reaches the pages only as text: a department name, a row label and a
file name carrying markup go through the real main job, and no page holds a script or an event
handler from them (they are shown, escaped)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers.run import runner
from helpers.studies.narrate import markdown_html

from .conftest import HONGSHAN

DEPT = "<script>xss_dept()</script>"
LABEL = "<svg/onload=xss_label()>"  # no spaces: labels are compacted
FILE = "<img src=x onerror=xss_file()>"


class _Scan(HTMLParser):
    """Markup that would run: event-handler attributes, and script bodies, naming a payload."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for k, v in attrs:
            if k.startswith("on") or (v or "").lower().startswith("javascript:"):
                if "xss_" in (v or ""):
                    self.live.append(f"<{tag} {k}={v!r}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "xss_" in data:
            self.live.append(f"<script>{data[:60]}")
        elif not self._in_script:
            self.text.append(data)


def scan(text: str) -> _Scan:
    s = _Scan()
    s.feed(text)
    return s


def test_markdown_sentences_escape_raw_html_and_harmful_links():
    out = markdown_html(f"## {DEPT}\n\n**read** from `{FILE}` [x](javascript:xss_link()) > {LABEL}")
    s = scan(out)
    assert not s.live, s.live
    assert "<h2>" in out and "<strong>read</strong>" in out  # Markdown still works
    assert DEPT in "".join(s.text) and FILE in "".join(s.text)  # shown as text


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    raw = root / "raw"
    raw.mkdir()
    text = HONGSHAN.read_text(encoding="utf-8")
    assert "武汉市洪山区人民政府办公室" in text.splitlines()[2] and "\t行政运行\t" in text
    text = text.replace("人民政府办公室 部门决算", f"人民政府{DEPT}办公室 部门决算", 1)
    text = text.replace("\t行政运行\t", f"\t行政运行{LABEL}\t", 1)
    (raw / f"{FILE}.txt").write_text(text, encoding="utf-8")
    rc = runner.main_job(
        jobs=2, raw_dir=raw, processed_dir=root / "processed", reports_dir=root / "reports", build_dir=root / "build"
    )
    return rc, root / "reports"


def test_hostile_report_reaches_every_page_only_as_text(hostile_site):
    rc, reports = hostile_site
    pages = sorted(reports.rglob("*.html"))
    assert len(pages) == 2 * (1 + len(runner.STUDIES) + 1), pages  # index, studies, the one report; both editions
    for page in pages:
        s = scan(page.read_text(encoding="utf-8"))
        assert not s.live, f"{page.name}: {s.live}"
    report_page = next(p for p in pages if p.parent == reports / "reports")
    shown = "".join(scan(report_page.read_text(encoding="utf-8")).text)
    assert DEPT in shown and FILE in shown  # the printed text is there, escaped
    # (the table reader drops tags from grid cells itself, so LABEL is a second line of defence)
    # the index links the page by its percent-encoded name, which resolves to the file
    index = (reports / "index.html").read_text(encoding="utf-8")
    hrefs = [h for h in re.findall(r'href="([^"]+)"', index) if h.startswith("reports/")]
    assert hrefs and all("<" not in h and " " not in h for h in hrefs), hrefs
    assert (reports / unquote(hrefs[0])).exists()
    assert rc == 0


def test_published_pages_name_files_relative_to_the_project_never_by_absolute_path(tmp_path):
    """An empty report file inside the project fails; its error (with the file's path) is shown on
    the index and on a failed notebook's page, relative to the project root."""
    import tempfile

    from helpers.core.paths import REPO_ROOT
    from helpers.publish.index_page import write_index
    from helpers.run import runner
    from helpers.run.notebook_exec import render
    from helpers.run.pipeline import extract_and_write

    from .conftest import HONGSHAN

    (REPO_ROOT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=REPO_ROOT / "build") as d:
        empty = Path(d) / "empty.txt"
        empty.write_bytes(b"")
        extraction = extract_and_write([empty, HONGSHAN], tmp_path / "processed")
        rel = empty.relative_to(REPO_ROOT).as_posix()
        job = runner.Job(
            kind="report",
            name="empty",
            notebook=str(tmp_path / "report.ipynb"),
            output=str(tmp_path / "build" / "empty.ipynb"),
            html=str(tmp_path / "reports" / "reports" / "empty.html"),
            parameters={},
            title="empty",
        )
        res = runner.Result(job=job, ok=False, error=f"cell 3 raised ReportError: {empty}: the file is empty")
        render(job, res, {})
        index = write_index([res], tmp_path / "reports", tmp_path / "processed", extraction)
    for page in (Path(job.html), index):
        text = page.read_text(encoding="utf-8")
        assert f"{rel}: the file is empty" in text
        assert str(REPO_ROOT) not in text, page
