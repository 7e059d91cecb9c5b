"""The notebooks and the main job: committed notebooks carry no outputs; the runner checks
parameters, keeps a failing notebook without stopping the others; and the whole job on the
shipped corpus (run once per session into a temporary folder) publishes every page with figures,
no code, no tracebacks and no missing-glyph warnings, linked from index.html."""

from __future__ import annotations

import html
import itertools
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.core.paths import DATA_RAW, NOTEBOOKS, raw_files
from helpers.run import runner

from .conftest import digest as _digest

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
STUDIES = list(runner.STUDIES)


# --- committed notebooks -------------------------------------------------------------------------


def test_expected_notebooks_exist():
    names = {p.stem for p in NOTEBOOK_FILES}
    assert {"report", *STUDIES} <= names


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has outputs; clear them before committing"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"
    assert "papermill" not in nb.metadata, f"{path.name} is an executed papermill output, not a source notebook"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebook_declares_its_parameters(path):
    tagged, names = runner.declared_parameters(path)
    assert tagged, f"{path.name} has no cell tagged `parameters`"
    assert "processed_dir" in names
    if path.stem == "report":
        assert {"report_id", "source", "out_dir", "cache_dir"} <= names


# --- runner units (small throwaway notebooks) ----------------------------------------------------


def _nb(tmp_path: Path, name: str, cells: list[str], param_cell: str | None) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    out = []
    if param_cell is not None:
        c = new_code_cell(param_cell)
        c.metadata["tags"] = ["parameters"]
        out.append(c)
    out += [new_code_cell(s) for s in cells]
    nb.cells = out
    p = tmp_path / name
    nbformat.write(nb, str(p))
    return p


def _job(tmp_path, nb: Path, params: dict, kernel: str) -> runner.Job:
    return runner.Job(
        kind="study",
        name=nb.stem,
        notebook=str(nb),
        output=str(tmp_path / "build" / nb.name),
        html=str(tmp_path / "pages" / f"{nb.stem}.html"),
        parameters=params,
        title=nb.stem,
        kernel=kernel,
        cwd=str(tmp_path),
    )


def test_validate_rejects_missing_parameters_cell_and_unknown_parameters(tmp_path):
    no_cell = _nb(tmp_path, "nocell.ipynb", ["x = 1"], None)
    assert "no cell tagged `parameters`" in runner.validate(_job(tmp_path, no_cell, {"report_id": "1"}, "python3"))
    ok = _nb(tmp_path, "ok.ipynb", ["x = 1"], 'report_id = "x"')
    assert "reprot_id" in runner.validate(_job(tmp_path, ok, {"reprot_id": "1"}, "python3"))
    assert runner.validate(_job(tmp_path, ok, {"report_id": "1"}, "python3")) is None


def test_kernel_death_at_start_is_retried_but_cell_errors_are_not(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    missing = tmp_path / "none.ipynb"
    assert runner._kernel_died_at_start(RuntimeError("Kernel died before replying to kernel_info"), missing)
    err = PapermillExecutionError(0, 1, "boom", "ValueError", "boom", [])
    assert not runner._kernel_died_at_start(err, missing)


def test_failing_notebook_is_kept_and_others_go_on_and_ids_stay_strings(tmp_path):
    kernel = runner.ensure_kernel()
    good = _nb(
        tmp_path,
        "good.ipynb",
        ['assert isinstance(report_id, str) and report_id == "0012", repr(report_id)', 'print("id", report_id)'],
        'report_id = "x"',
    )
    bad = _nb(
        tmp_path,
        "bad.ipynb",
        ['print("before the failure")', 'raise ValueError("deliberate failure")'],
        'report_id = "x"',
    )
    jobs = [_job(tmp_path, bad, {"report_id": "0012"}, kernel), _job(tmp_path, good, {"report_id": "0012"}, kernel)]
    results = {r.job.name: r for r in runner.run_notebooks(jobs, jobs=2)}
    assert results["good"].ok, results["good"].error
    assert not results["bad"].ok and "deliberate failure" in results["bad"].error
    bad_html = Path(results["bad"].job.html).read_text(encoding="utf-8")
    assert "本笔记本运行失败" in bad_html and "before the failure" in bad_html and "ValueError" in bad_html
    assert Path(results["bad"].job.output).exists()  # the partial executed notebook is kept


def test_main_job_without_raw_files_is_non_zero(tmp_path):
    (tmp_path / "raw").mkdir()
    assert (
        runner.main_job(
            notebooks=False,
            raw_dir=tmp_path / "raw",
            processed_dir=tmp_path / "p",
            reports_dir=tmp_path / "r",
            build_dir=tmp_path / "b",
        )
        == 1
    )


# --- the main job on the shipped corpus ----------------------------------------------------------

# `published` (conftest): main_job on data/raw into a temporary tree, once per session.


def _report_ids() -> list[str]:
    from helpers.data.extract import report_id_for

    return [report_id_for(p) for p in raw_files()]


def _pages(published, editions=("reports", "en")) -> list[Path]:
    """Every study and report page of both editions (Chinese in reports/, English in reports/en/)."""
    out = []
    for e in editions:
        rep = published[e]
        out += [rep / "studies" / f"{s}.html" for s in STUDIES] + [rep / "reports" / f"{r}.html" for r in _report_ids()]
    return out


def test_main_job_succeeds_and_leaves_notebooks_clean(published):
    assert published["rc"] == 0
    assert published["notebooks_untouched"], "the runner wrote into notebooks/"
    assert (published["root"] / "processed" / "reports.parquet").exists()
    executed = list((published["build"]).rglob("*.ipynb"))
    assert len(executed) == 2 * (len(STUDIES) + len(_report_ids()))  # both editions


def test_every_page_exists_with_figures_and_without_code(published):
    for page in _pages(published):
        assert page.exists(), page
        text = page.read_text(encoding="utf-8")
        body = text[text.find("<body") :]
        if page.stem == "003_80cf7104083c8073":  # 青山 2020: no table was read, so nothing to plot, and it says why
            said = (
                "Nothing in <code>line_items</code> for an expenditure table"
                if "/en/" in str(page)
                else "<code>line_items</code> 中没有本报告的支出表"
            )
            assert "<img" not in body and said in body
        else:
            assert "<img" in body, f"{page.name}: no figure"
        # Code cells render their source in a CodeMirror editor with `highlight` markup; none may be left.
        assert 'class="jp-CodeMirrorEditor' not in body and 'class="highlight' not in body, (
            f"{page.name}: code is shown"
        )
        assert "plots.set_style" not in body and "from helpers" not in body, f"{page.name}: source code leaked"


def test_no_page_has_tracebacks_warnings_or_stderr(published):
    for page in _pages(published):
        full = page.read_text(encoding="utf-8")
        text = full[full.find("<body") :]
        assert "Traceback" not in text, page.name
        assert "This notebook failed" not in text and "本笔记本运行失败" not in text, page.name
        assert not re.search(r"Glyph \d+ .*missing from font", text), f"{page.name}: missing glyph (tofu) warning"
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in text, (
            f"{page.name}: a cell wrote to stderr (warning?)"
        )


def test_executed_notebooks_are_judged_by_their_content_too(published):
    for nb_path in published["build"].rglob("*.ipynb"):
        nb = nbformat.read(str(nb_path), as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{nb_path.name}: {errors[0].ename}: {errors[0].evalue}"


def test_report_pages_say_what_was_read(published):
    import pandas as pd

    reps = pd.read_parquet(published["root"] / "processed" / "reports.parquet")
    for r in reps.itertuples():
        text = (published["en"] / "reports" / f"{r.report_id}.html").read_text(encoding="utf-8")
        assert "Coverage" in text and "Consistency checks" in text
        zh = (published["reports"] / "reports" / f"{r.report_id}.html").read_text(encoding="utf-8")
        assert "覆盖情况" in zh and "一致性校验" in zh
        if r.department is not None and not pd.isna(r.department):
            assert str(r.department) in text


def test_index_links_every_page_with_a_summary(published):
    index = (published["reports"] / "index.html").read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="([^"]+)"', index))
    for s in STUDIES:
        assert f"studies/{s}.html" in hrefs
    ids = _report_ids()
    assert len(ids) == len(raw_files()) == 10  # 5 Wuhan texts, 2 Putuo texts, 3 PDFs
    for rid in ids:
        assert f"reports/{rid}.html" in hrefs, rid
    for href in hrefs - {"data:,"}:  # data:, is the empty favicon (no request for /favicon.ico)
        if href.startswith("#"):  # the navigation bar's links to the page's own sections
            assert f'id="{href[1:]}"' in index, href
        else:
            assert (published["reports"] / href).exists(), href


def _index_row(index: str, rid: str) -> str:
    """The text of the index's table row that links report `rid`."""
    row = next(r for r in index.split("<tr>") if f"reports/{rid}.html" in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row[: row.find("</tr>")]))


def test_index_says_which_reports_to_trust_and_why(published):
    index = (published["en"] / "index.html").read_text(encoding="utf-8")  # the English edition's words
    legend = index[index.find('<dl class="legend">') : index.find("</dl>")]
    for v in ("usable", "use with care", "do not use"):
        assert f">{v}<" in legend, f"legend does not explain {v!r}"
    # 青山 2020's text copy lists the nine tables in its contents (lines 23-41) but prints none of them
    qingshan = _index_row(index, "003_80cf7104083c8073")
    assert "do not use" in qingshan and "0 / 9" in qingshan and "no tables to check" in qingshan, qingshan
    assert "0 failing" not in qingshan and "checks failed 0" not in qingshan
    # 洪山 2021: no T1 in the file; T7 prints 公务用车 小计 35.20 where 48.55 + 35.20 = 83.75 (line 369)
    hongshan = _index_row(index, "000_5ae2df98b6bbde0e")
    assert "use with care" in hongshan and "T1 missing" in hongshan and "T7.vehicle_subtotal" in hongshan, hongshan
    # 西南大学 follows the university template: its four tables, all read, and no check against them
    swu = _index_row(index, "西南大学2023年度部门决算")
    assert "usable" in swu and "use with care" not in swu and "4 / 4" in swu, swu
    # the reports table sorts by a click (script inlined) and the verdict column sorts by rank
    assert 'class="sortable"' in index and "juesuanSort.attach" in index and 'data-sort="0"' in index


# --- report.ipynb on any file given by path (not by id); start_here.ipynb ------------------------

JIANGHAN_REL = "data/raw/002_e2b9b740b0f725e0.txt"
PUTUO_PDF = DATA_RAW / "中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"


def _papermill(*args, cache: Path) -> subprocess.CompletedProcess:
    """The papermill command line as a user types it, from the repository root."""
    import os
    import subprocess
    import sys

    from helpers.core.paths import REPO_ROOT

    env = {**os.environ, "JUESUAN_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "papermill", "-k", runner.ensure_kernel(), *map(str, args)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _outputs(nb_path: Path) -> list:
    nb = nbformat.read(str(nb_path), as_version=4)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    return output.get("data", {}).get("text/markdown", "") or output.get("data", {}).get("text/plain", "")


def _assert_same_numbers(mine: Path, main: Path, rid: str, *, ignore=("extracted_at",), relabel: str | None = None):
    """Every dataset written by the notebook equals the main job's rows for report `rid`."""
    import pandas as pd

    from helpers.core import schema

    for ds in schema.DATASETS:
        a = pd.read_parquet(mine / f"{ds}.parquet")
        b = pd.read_parquet(main / f"{ds}.parquet")
        b = b[b.report_id == rid]
        if relabel is not None:
            assert set(a.report_id) <= {relabel}, ds
            a = a.assign(report_id=pd.Series(rid, index=a.index, dtype=b.report_id.dtype))
        drop = [c for c in ignore if c in a.columns]
        # A column null in every row may come back with another dtype from a one-report file (an
        # all-null date reads as datetime64): null on both sides is the same value.
        drop += [
            c
            for c in a.columns
            if c in b.columns and a[c].isna().all() and b[c].isna().all() and a[c].dtype != b[c].dtype
        ]
        a, b = a.drop(columns=drop).reset_index(drop=True), b.drop(columns=drop).reset_index(drop=True)
        assert len(a) == len(b), f"{ds}: {len(a)} rows from the notebook, {len(b)} from the main job"
        pd.testing.assert_frame_equal(a, b, obj=ds)


def test_report_notebook_on_a_corpus_file_by_path_matches_the_main_job(published, tmp_path):
    from helpers.core.paths import DATA_PROCESSED

    raw_before, processed_before = _digest(DATA_RAW), _digest(DATA_PROCESSED)
    out = tmp_path / "out.ipynb"
    r = _papermill(
        "notebooks/report.ipynb",
        out,
        "-p",
        "source",
        JIANGHAN_REL,
        "-p",
        "out_dir",
        tmp_path / "data",
        cache=tmp_path / "cache",
    )
    assert r.returncode == 0, r.stderr[-2000:]
    outputs = _outputs(out)
    assert not [o for o in outputs if o.output_type == "error"]
    assert "extracted in" in _text(outputs[0]) and "002_e2b9b740b0f725e0" in _text(outputs[0])
    _assert_same_numbers(tmp_path / "data", published["root"] / "processed", "002_e2b9b740b0f725e0")
    shown = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs if o.output_type == "display_data")
    assert "4,199.36" in shown  # T1 总计, line 120, as on the main job's page
    assert _digest(DATA_RAW) == raw_before and _digest(DATA_PROCESSED) == processed_before
    assert list((tmp_path / "cache").glob("*/*/reports.parquet")), "nothing cached"


def test_report_notebook_on_a_copy_outside_the_repository_then_reused(published, tmp_path):
    import shutil
    import time

    import papermill as pm

    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    copy = downloads / PUTUO_PDF.name  # same name (so the same report id), spaces included
    shutil.copy(PUTUO_PDF, copy)
    rid = "中共上海市普陀区委社会工作部_2024_年度部门决算"
    kernel, cache = runner.ensure_kernel(), tmp_path / "cache"
    t0 = time.perf_counter()
    pm.execute_notebook(
        str(NOTEBOOKS / "report.ipynb"),
        str(tmp_path / "a.ipynb"),
        kernel_name=kernel,
        parameters={"source": str(copy), "out_dir": str(tmp_path / "a"), "cache_dir": str(cache)},
        cwd=str(tmp_path),
        progress_bar=False,
    )
    first = time.perf_counter() - t0
    _assert_same_numbers(tmp_path / "a", published["root"] / "processed", rid, ignore=("extracted_at", "source_file"))
    import pandas as pd

    assert pd.read_parquet(tmp_path / "a" / "reports.parquet").source_file.tolist() == [copy.as_posix()]
    # The same bytes under another name: read from the cache, shown under the new file's id.
    renamed = downloads / "某局2024年度部门决算.pdf"
    shutil.copy(PUTUO_PDF, renamed)
    t0 = time.perf_counter()
    pm.execute_notebook(
        str(NOTEBOOKS / "report.ipynb"),
        str(tmp_path / "b.ipynb"),
        kernel_name=kernel,
        parameters={"source": str(renamed), "out_dir": str(tmp_path / "b"), "cache_dir": str(cache)},
        cwd=str(tmp_path),
        progress_bar=False,
    )
    second = time.perf_counter() - t0
    said = _text(_outputs(tmp_path / "b.ipynb")[0])
    assert "reused" in said and "某局2024年度部门决算" in said, said
    _assert_same_numbers(
        tmp_path / "b",
        published["root"] / "processed",
        rid,
        ignore=("extracted_at", "source_file"),
        relabel="某局2024年度部门决算",
    )
    assert len(list(cache.glob("*/*/reports.parquet"))) == 1
    print(f"report notebook on a PDF: {first:.1f}s extracting, {second:.1f}s reusing the cache")


def test_report_notebook_on_a_bad_file_fails_with_the_extract_message(tmp_path):
    from helpers.data.extract import extract_report

    bad = tmp_path / "某局2024年度部门决算.pdf"
    bad.write_bytes(PUTUO_PDF.read_bytes()[:4000])  # a download cut short
    expected = extract_report(bad)["reports"].error.iloc[0]
    out = tmp_path / "out.ipynb"
    r = _papermill("notebooks/report.ipynb", out, "-p", "source", bad, cache=tmp_path / "cache")
    assert r.returncode != 0
    assert expected in r.stderr  # papermill's own error names it too
    outputs = _outputs(out)
    assert outputs[0].output_type == "stream" and outputs[0].text.strip() == f"FAILED {expected}"
    assert outputs[1].output_type == "error" and outputs[1].ename == "ReportFileError" and outputs[1].evalue == expected
    assert not list((tmp_path / "cache").glob("*/*/reports.parquet")), "a failed file was cached"


def test_start_here_runs_on_the_corpus_and_exports(published, tmp_path):
    import papermill as pm

    out = tmp_path / "start_here.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS / "start_here.ipynb"),
        str(out),
        kernel_name=runner.ensure_kernel(),
        parameters={
            "processed_dir": str(published["root"] / "processed"),
            "export_dir": str(tmp_path / "exports"),
            "cache_dir": str(tmp_path / "cache"),
            "lang": "en",  # the English words this test reads
        },
        cwd=str(tmp_path),
        progress_bar=False,
    )
    outputs = _outputs(out)
    assert not [o for o in outputs if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    text = "\n".join(_text(o) for o in outputs)
    assert "Read 10 reports" in text and "reports are usable as read" in text
    # the index's verdicts in the index's words (社工部 2024 fails 4 warning checks: `use with care`
    # on the index, which start_here once called "trusted")
    assert "trusted" not in text
    from helpers import load
    from helpers.publish.index_page import verdict

    corpus = load(published["root"] / "processed")
    q = corpus.quality.set_index("report_id")
    html = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs if o.output_type == "display_data")
    for _, rep in corpus.reports.iterrows():
        v = verdict(rep, q.loc[rep.report_id] if rep.report_id in q.index else None)
        assert f'<td class="l">{corpus.label(rep.report_id)}</td><td class="l">{v.verdict}</td>' in html
    # the filtered load and the SQL cells: the two reports of 2025 (宜川路街道, 文化和旅游局: their covers)
    assert "`load(years=[2025], tables=['T5'], ...)`" in text and "of the 2 reports of 2025." in text
    assert '<th class="l">Year</th><th>Reports</th>' in html
    sgb = next(rid for rid in corpus.reports.report_id if "社会工作部" in rid)
    assert verdict(corpus.reports.set_index("report_id").loc[sgb], q.loc[sgb]).verdict == "use with care"
    try:
        import openpyxl  # noqa: F401
    except ImportError:  # an environment set up before openpyxl was a dependency: CSV instead
        assert len(list((tmp_path / "exports" / "start_here").glob("*.csv"))) == 3
    else:
        import pandas as pd

        sheets = pd.read_excel(tmp_path / "exports" / "start_here.xlsx", sheet_name=None, engine="openpyxl")
        assert set(sheets) == {"three_public_totals", "quality", "line_items_usable"}
        assert len(sheets["quality"]) == 10 and len(sheets["line_items_usable"]) > 0
    assert not list((tmp_path / "cache").glob("*")), "the processed datasets were there: nothing to read directly"


# --- pages for readers (issue 10): self-contained, navigable, key findings first -------------------


def test_no_page_fetches_anything_from_another_server(published):
    from helpers.publish import pages

    assert pages.outside_references('<script src="https://cdn.example/x.js"></script>')  # the test can fail
    assert pages.outside_references("<link rel=stylesheet href='//fonts.example/f.css'>")
    for page in _pages(published) + [published["reports"] / "index.html", published["en"] / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert pages.outside_references(text) == [], f"{page.name}: {pages.outside_references(text)[:3]}"
        assert "require.min.js" not in text and "mathjax" not in text.lower() and "mermaid.esm" not in text, page.name


def test_every_page_has_navigation_and_studies_open_with_key_findings(published):
    for page in _pages(published):
        text = page.read_text(encoding="utf-8")
        m = re.search(r"<nav[^>]*juesuan-nav[^>]*>", text)
        assert m, f"{page.name}: no navigation bar"
        nav = text[m.start() : text.find("</nav>", m.start())]
        assert 'href="../index.html"' in nav, f"{page.name}: no link to the index"
        for s in STUDIES:
            assert f"../studies/{s}.html" in nav or page.stem == s, f"{page.name}: no link to {s}"
        contents = "On this page" if "/en/" in str(page) else "本页目录"
        assert contents in nav and 'href="#' in nav, f"{page.name}: no table of contents"
        assert "No description has been provided" not in text, f"{page.name}: figure without alt text"
    for s, (edition, first) in itertools.product(STUDIES, (("reports", "主要发现"), ("en", "Key findings"))):
        text = (published[edition] / "studies" / f"{s}.html").read_text(encoding="utf-8")
        body = html.unescape(text[text.find("</nav>") :])  # nbconvert writes Chinese headings as character references
        h2 = re.findall(r"<h2[^>]*>(.*?)<", body)
        assert h2 and h2[0].startswith(first), f"{s}: first section is {h2[:1]}"
        findings = body[body.find(first) : body.find("<h2", body.find(first) + 20)]
        assert re.search(r"\d", re.sub(r"<[^>]+>", "", findings)), f"{s}: key findings without numbers"


def test_study_tables_are_for_readers(published):
    for s, edition in itertools.product(STUDIES, ("reports", "en")):
        text = (published[edition] / "studies" / f"{s}.html").read_text(encoding="utf-8")
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", text)
        headers = re.findall(r"<th[^>]*>([^<]*)</th>", text)
        raw = [c for c in headers if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", c.strip())]
        assert not raw, f"{s}: raw column names {raw[:5]}"
        assert not [c for c in cells if c.strip() in ("True", "False", "-0.00", "nan", "<NA>")], s
    be = (published["en"] / "studies" / "budget_execution.html").read_text(encoding="utf-8")
    assert re.search(r"\d+ differs", be) and "Rate printed (%)" in be and "%</td>" in be
    comp = (published["en"] / "studies" / "spending_composition.html").read_text(encoding="utf-8")
    assert "cannot be told apart" in comp


def test_study_on_an_empty_processed_folder_fails_loudly(tmp_path):
    kernel = runner.ensure_kernel()
    empty = tmp_path / "empty"
    empty.mkdir()
    nb = NOTEBOOKS / "poverty_transfers.ipynb"
    job = runner.Job(
        kind="study",
        name="poverty_transfers",
        notebook=str(nb),
        output=str(tmp_path / "out.ipynb"),
        html=str(tmp_path / "out.html"),
        parameters={"processed_dir": str(empty)},
        title="t",
        kernel=kernel,
        cwd=str(tmp_path),
    )
    res = runner.execute(job)
    assert not res.ok and "NoProcessedData" in res.error and "reports.parquet" in res.error
    assert "The corpus holds 0" not in Path(job.html).read_text(encoding="utf-8") and "语料共有 0" not in Path(
        job.html
    ).read_text(encoding="utf-8")


def test_report_pages_open_with_a_summary_and_keep_passing_checks_behind_a_disclosure(published):
    for rid in _report_ids():
        text = (published["en"] / "reports" / f"{rid}.html").read_text(encoding="utf-8")
        body = text[text.find("</nav>") :]
        h2 = re.findall(r"<h2[^>]*>(.*?)<", body)
        assert h2[:2] == ["Summary", "The tables as printed"], f"{rid}: sections open with {h2[:3]}"
        summary = body[body.find('class="juesuan-summary"') : body.find("<h2", body.find('class="juesuan-summary"'))]
        assert "Verdict:" in summary and "Checks:" in summary and "<table" not in summary, rid
        checks = body[re.search(r'<h2 id="Consistency-checks', body).start() :]
        assert re.search(r"<details[^>]*><summary>[\d,]+ pass", checks), f"{rid}: passing checks not collapsed"
        assert ">pass</td>" not in checks[: checks.find("<details")], (
            f"{rid}: passing checks listed outside the disclosure"
        )
    hongshan = (published["en"] / "reports" / "000_5ae2df98b6bbde0e.html").read_text(encoding="utf-8")
    body = hongshan[hongshan.find("</nav>") :]
    summary = body[body.find('class="juesuan-summary"') : body.find("The tables as printed")]
    # the failing checks are in the summary with their messages: T7 line 369 prints 35.20 for 48.55 + 35.20
    assert "T7.vehicle_subtotal" in summary and "35.20" in summary and "83.75" in summary and "use with care" in summary


def test_every_figure_has_its_data_as_a_csv_download(published):
    import base64
    import io

    import pandas as pd

    link = re.compile(r'<a download="([^"]+\.csv)" href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)"')
    for page in _pages(published):
        text = page.read_text(encoding="utf-8")
        assert len(link.findall(text)) == text.count("<img"), f"{page.name}: a figure without its CSV"
    jianghan = (published["reports"] / "reports" / "002_e2b9b740b0f725e0.html").read_text(encoding="utf-8")
    files = dict(link.findall(jianghan))
    name = next(n for n in files if n.startswith("支出功能分类"))
    raw = base64.b64decode(files[name])
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would garble the Chinese"
    data = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", index_col=0).iloc[:, 0]
    # 江汉 2022 T3 (支出决算表), lines 178 and 192: 201 一般公共服务支出 976.10, 213 农林水支出 2,907.92
    assert data["一般公共服务支出"] == pytest.approx(976.10) and data["农林水支出"] == pytest.approx(2907.92)
