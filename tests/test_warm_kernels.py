"""Warm kernels (helpers.run.notebook_exec): notebooks run one after another in one kernel see a clean
namespace, a kernel that dies or overruns is replaced, a cell error fails that page only, and a
report page built warm after other notebooks equals the page built in a fresh kernel. Also the
one-report reading of the processed datasets (`load_report`) and the page rendering without
nbconvert's BeautifulSoup pass, each against the way they replace."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.core import schema
from helpers.core.paths import NOTEBOOKS
from helpers.data.load import load, load_report
from helpers.run import notebook_exec, runner

from .conftest import HONGSHAN, JIANGHAN, QINGSHAN
from .test_notebooks import _job, _nb

PARAM = 'report_id = "x"'
PID = "import os; print('pid', os.getpid())"


def _stdout(nb_path: Path) -> str:
    nb = nbformat.read(str(nb_path), as_version=4)
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"
    )


def _pid(res) -> int:
    return int(re.search(r"pid (\d+)", _stdout(Path(res.job.output))).group(1))


def _run(jobs):
    """The jobs one after another in this process (so in one warm kernel), then its kernel stopped."""
    try:
        return [notebook_exec.execute(j, runner.STUDIES) for j in jobs]
    finally:
        notebook_exec.drop_warm_kernel()


@pytest.fixture(scope="module")
def kernel():
    return runner.ensure_kernel()


def test_next_notebook_does_not_see_the_previous_ones_namespace(tmp_path, kernel):
    other = tmp_path / "elsewhere"
    other.mkdir()
    dirty = _nb(
        tmp_path,
        "dirty.ipynb",
        [
            PID,
            "%matplotlib inline",
            "import json as j\nimport matplotlib, pandas as pd, warnings\nleak = 42",
            "matplotlib.rcParams['figure.dpi'] = 33\npd.options.display.max_rows = 3\n"
            "warnings.simplefilter('ignore')\nimport matplotlib.pyplot as plt; plt.figure()",
            f"os.chdir({str(other)!r})",
        ],
        PARAM,
    )
    clean = _nb(
        tmp_path,
        "clean.ipynb",
        [
            PID,
            "%matplotlib inline",
            "assert 'leak' not in globals() and 'j' not in globals() and 'pd' not in globals(), sorted(globals())",
            "import matplotlib, pandas as pd, warnings, matplotlib.pyplot as plt\n"
            "assert matplotlib.rcParams['figure.dpi'] != 33\n"
            "assert pd.options.display.max_rows == 60\n"
            "assert not plt.get_fignums(), plt.get_fignums()\n"
            "assert ('ignore', None, Warning, None, 0) not in warnings.filters, warnings.filters[:3]",
            f"assert os.getcwd() == {str(tmp_path)!r}, os.getcwd()",
            "assert report_id == '7', report_id",
        ],
        PARAM,
    )
    first, second = _run(
        [_job(tmp_path, dirty, {"report_id": "1"}, kernel), _job(tmp_path, clean, {"report_id": "7"}, kernel)]
    )
    assert first.ok, first.error
    assert second.ok, second.error
    assert _pid(first) == _pid(second), "not the same kernel: nothing was warm"
    counts = [c.execution_count for c in nbformat.read(second.job.output, as_version=4).cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), counts  # numbered as in a fresh kernel


def test_cell_error_fails_its_page_and_the_kernel_goes_on(tmp_path, kernel):
    bad = _nb(tmp_path, "bad.ipynb", [PID, 'raise ValueError("deliberate failure")'], PARAM)
    good = _nb(tmp_path, "good.ipynb", [PID, "print('fine')"], PARAM)
    r_bad, r_good = _run([_job(tmp_path, bad, {}, kernel), _job(tmp_path, good, {}, kernel)])
    assert not r_bad.ok and "deliberate failure" in r_bad.error
    page = Path(r_bad.job.html).read_text(encoding="utf-8")
    assert "本笔记本运行失败" in page and "ValueError" in page
    assert r_good.ok, r_good.error
    assert _pid(r_bad) == _pid(r_good)


def test_a_notebook_that_overruns_or_kills_its_kernel_gets_the_next_one_a_fresh_kernel(tmp_path, kernel):
    first = _nb(tmp_path, "first.ipynb", [PID], PARAM)
    slow = _nb(tmp_path, "slow.ipynb", [PID, "import time; time.sleep(60)"], PARAM)
    after_slow = _nb(tmp_path, "after_slow.ipynb", [PID], PARAM)
    dies = _nb(tmp_path, "dies.ipynb", [PID, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"], PARAM)
    after_death = _nb(tmp_path, "after_death.ipynb", [PID], PARAM)
    jobs = [_job(tmp_path, nb, {}, kernel) for nb in (first, slow, after_slow, dies, after_death)]
    jobs[1].timeout = 3
    r = _run(jobs)
    assert r[0].ok and r[2].ok and r[4].ok, [x.error for x in r]
    assert not r[1].ok and "Timeout" in r[1].error, r[1].error
    assert "pid" in _stdout(Path(jobs[1].output))  # what ran before the timeout is kept
    assert not r[3].ok and "DeadKernelError" in r[3].error, r[3].error
    assert _pid(r[0]) == _pid(r[1]) != _pid(r[2]) == _pid(r[3]) != _pid(r[4])


# --- the report page, warm vs cold ------------------------------------------------------------------


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    from helpers.run.pipeline import extract_and_write

    out = tmp_path_factory.mktemp("processed")
    extract_and_write([HONGSHAN, JIANGHAN, QINGSHAN], out)
    return out


def _report_job(root: Path, processed: Path, rid: str, kernel: str, tag: str, warm: bool):
    return notebook_exec.Job(
        kind="report",
        name=rid,
        notebook=str(NOTEBOOKS / "report.ipynb"),
        output=str(root / tag / f"{rid}.ipynb"),
        html=str(root / tag / f"{rid}.html"),
        parameters={"report_id": rid, "processed_dir": str(processed)},
        title=rid,
        kernel=kernel,
        cwd=str(root),
        warm=warm,
    )


def _content(page: Path) -> tuple[str, list[str]]:
    """A page's text and its figures, Styler's random table ids left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    text = re.sub(r"T_[0-9a-f]{5}", "T_", soup.get_text(" ", strip=True))
    return text, [img.get("src", "") for img in soup.find_all("img")]


def test_report_page_built_warm_after_other_notebooks_equals_the_cold_page(tmp_path, processed, kernel):
    ids = list(pd.read_parquet(processed / "reports.parquet").report_id)
    target, other = "002_e2b9b740b0f725e0", ids[0]
    assert target in ids and other != target
    # a notebook that changes what a report page depends on, if the reset missed it
    spoiler = _nb(
        tmp_path,
        "spoiler.ipynb",
        [
            "%matplotlib inline",
            "import matplotlib, pandas as pd, seaborn as sns\nsns.set_theme(context='poster')\n"
            "matplotlib.rcParams['figure.dpi'] = 40\npd.options.display.float_format = '{:.5f}'.format\n"
            f"label = 'WRONG'; one = None; processed_dir = '/nonexistent'; report_id = {other!r}",
        ],
        PARAM,
    )
    cold = notebook_exec.execute(_report_job(tmp_path, processed, target, kernel, "cold", warm=False), runner.STUDIES)
    assert cold.ok, cold.error
    warm = _run(
        [
            _report_job(tmp_path, processed, other, kernel, "warm", warm=True),
            _job(tmp_path, spoiler, {}, kernel),
            _report_job(tmp_path, processed, target, kernel, "warm", warm=True),
        ]
    )
    assert all(r.ok for r in warm), [r.error for r in warm]
    text_cold, figs_cold = _content(Path(cold.job.html))
    text_warm, figs_warm = _content(Path(warm[2].job.html))
    assert "4,199.36" in text_warm  # T1 总计 of the Jianghan report (line 120), as printed
    assert text_warm == text_cold
    # the spending figure (table coverage is a coloured table): the same PNG bytes, same style and size
    assert len(figs_cold) == 1 and figs_warm == figs_cold
    # the executed notebooks hold the same outputs with the same cell numbers
    a, b = (nbformat.read(r.job.output, as_version=4) for r in (cold, warm[2]))

    def strip(nb):  # Styler's random ids and the objects' addresses (`<Styler at 0x7f…>`) left out
        return [
            (
                c.execution_count,
                [re.sub(r"T_[0-9a-f]{5}|0x[0-9a-f]+", "", str(o.get("data", o.get("text", "")))) for o in c.outputs],
            )
            for c in nb.cells
            if c.cell_type == "code"
        ]

    for cell_a, cell_b in zip(strip(a), strip(b)):
        assert cell_a == cell_b


def test_fast_page_rendering_gives_nbconvert_own_page(tmp_path, processed, kernel):
    """The page without nbconvert's BeautifulSoup pass is, once parsed, exactly nbconvert's page."""
    from bs4 import BeautifulSoup

    from helpers.publish import pages

    job = _report_job(tmp_path, processed, "000_5ae2df98b6bbde0e", kernel, "r", warm=True)
    res = _run([job])[0]
    assert res.ok, res.error
    nb = nbformat.read(job.output, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell('<img src="data:image/png;base64,iVBORw0KGgo=">'))  # no alt
    resources = pages.page_resources(nb, "t", "report", job.name, runner.STUDIES)
    fast = pages.page_html(nb, dict(resources), fast=True)
    stock = pages.page_html(nb, dict(resources), fast=False)
    assert 'alt="No description has been provided for this image"' in fast and 'tabindex="0"' in fast
    assert str(BeautifulSoup(fast, features="html.parser")) == stock


# --- one report's rows --------------------------------------------------------------------------------


def test_load_report_reads_one_report_and_answers_as_the_whole_corpus_does(processed):
    whole = load(processed)
    rid = "002_e2b9b740b0f725e0"
    one = load_report(rid, processed)
    assert set(one.rows) == set(schema.DATASETS) - {"reports"}
    assert set(one.rows["line_items"].report_id) == {rid} and len(one.rows["line_items"]) > 100
    assert "line_items" not in one.frames._got  # not read whole until asked for
    for ds in schema.DATASETS:
        pd.testing.assert_frame_equal(one.of(ds, rid), whole.of(ds, rid), obj=ds)
        pd.testing.assert_frame_equal(one.only(rid)[ds], whole.only(rid)[ds], obj=ds)
    assert one.only(rid).labels().equals(whole.only(rid).labels())
    other = whole.report_ids[0]
    pd.testing.assert_frame_equal(one.of("checks", other), whole.of("checks", other))
    pd.testing.assert_frame_equal(one.line_items, whole.line_items)  # the whole dataset when asked for
    with pytest.raises(KeyError, match="nonexistent"):
        load_report("nonexistent", processed).report("nonexistent")
