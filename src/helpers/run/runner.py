"""The main job: extract what changed → execute the notebooks (papermill) → HTML (nbconvert) → index.

    python -m helpers run [--jobs N] [--engine pdfium|pdfplumber|tabula] [--force] [--no-notebooks] [--cold-kernels]
                          [--lang zh|en] [--one-edition]

1. Incremental extraction of `data/raw/` into `data/processed/` (pipeline.extract_many with the
   previous run of the same extractor version; all-or-nothing write).
2. One `notebooks/report.ipynb` run per report plus the three studies, in parallel in the spawned
   worker processes of `workers.run_isolated` (or on a Dask cluster: `--scheduler`). Each worker
   keeps one warm kernel and renders its pages itself (helpers.run.notebook_exec; kernelspecs in
   helpers.run.kernels); `--cold-kernels` starts a fresh kernel per notebook instead (the reference).
   Incremental (helpers.run.incremental): a notebook whose inputs (its report's rows, or the processed
   generation for a study; the notebook; the code of `src/helpers`) are those of its last successful
   run is not run again and its page is kept; `--force` runs them all.
3. Executed notebooks go to `build/notebooks/` (never back into `notebooks/`); each is rendered to
   HTML with the code hidden (`exclude_input`) into `reports/reports/<report_id>.html` and
   `reports/studies/<name>.html`. A failing notebook keeps its partial output and its page shows
   the error; the other notebooks go on.
4. `reports/index.html` links every page with a one-line summary.
5. Two editions (helpers.publish.text): the pages in Chinese (`--lang`, default zh) in `reports/`, and in
   English in `reports/en/` (executed notebooks in `build/en/`), each page linking to its
   counterpart; `--one-edition` builds the first only.

Exit codes: 0 all read and ran; 1 nothing read; 2 another run holds the lock on the processed
folder; 3 some files or notebooks failed (named in a summary at the end of the log).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path

from ..core import paths
from ..core.errors import Failure
from ..core.progress import Progress
from ..data.lock import folder_lock
from ..data.storage import clean_page_leftovers
from ..publish.index_page import STUDIES, write_index
from ..publish.text import DEFAULT as DEFAULT_LANG
from ..publish.text import LANGS, check_lang, t
from ..read.engines import DEFAULT_PDF_ENGINE
from . import notebook_exec
from .kernels import KERNEL_NAME, ensure_kernel  # noqa: F401 - public here too (tests, scripts)
from .notebook_exec import Job, Result, declared_parameters, validate  # noqa: F401 - public here too
from .notebook_exec import kernel_died_at_start as _kernel_died_at_start  # noqa: F401
from .workers import run_isolated, scheduler_address

logger = logging.getLogger(__name__)

REPORT_NOTEBOOK = "report.ipynb"
BUILD = paths.REPO_ROOT / "build"


# ---------------------------------------------------------------------------------------------
# Executing the jobs (in a worker: helpers.run.notebook_exec, with this job's navigation)


def execute(job: Job) -> Result:
    """Run one notebook and render its page (in this process)."""
    return notebook_exec.execute(job, STUDIES)


def _execute_safe(job_dict: dict) -> dict:
    return notebook_exec.execute_safe(job_dict, STUDIES)


def extract_step(
    raw_dir: Path, processed: Path, *, jobs: int, pdf_engine: str, force: bool, file_timeout: float | None = None
) -> dict:
    from .pipeline import extract_and_write

    files, ignored = paths.raw_listing(raw_dir) if raw_dir.is_dir() else ([], [])
    for name, why in ignored:
        logger.info(f"ignored {paths.display_path(raw_dir / name)}: {why}")
    if not files:
        logger.info(f"no report files in {raw_dir}")
        return {"read": 0, "files": 0, "messages": [f"no report files in {raw_dir}"], "summary": "nothing to read"}
    logger.info(
        f"extracting {len(files)} files from {paths.display_path(raw_dir)}"
        f"{' (forced: every file read again)' if force else ''}"
    )
    return extract_and_write(
        files, processed, pdf_engine=pdf_engine, jobs=jobs, incremental=not force, timeout=file_timeout
    )


def page_stem(report_id: str, limit: int = 200) -> str:
    """The file name (without .html / .ipynb) of a report's page and executed notebook: the report
    id, or for an id too long for a file name (a folder entry holds 255 bytes) its start and a short
    hash of it, so every report read gets a page whatever its file was called."""
    raw = os.fsencode(report_id)
    if len(raw) <= limit:
        return report_id
    head = raw[: limit - 13].decode("utf-8", errors="ignore")
    return f"{head}-{hashlib.sha256(raw).hexdigest()[:12]}"


def editions(lang: str = DEFAULT_LANG, both: bool = True) -> list[str]:
    """The site's editions, `lang` first: it goes to `reports/`, the other to `reports/<other>/`."""
    lang = check_lang(lang)
    return [lang] + ([x for x in LANGS if x != lang] if both else [])


def edition_dir(root: Path, lang: str, langs: list[str]) -> Path:
    """Where an edition's pages (or executed notebooks) go: the first edition at `root`, another in `root/<lang>`."""
    return Path(root) if lang == langs[0] else Path(root) / lang


def plan(
    report_ids: list[str],
    *,
    notebooks_dir: Path,
    build_dir: Path,
    reports_dir: Path,
    processed: Path,
    kernel: str,
    timeout: int = 600,
    warm: bool = True,
    langs: list[str] | None = None,
) -> list[Job]:
    """One report notebook per report, then the studies (`warm`: in the workers' warm kernels), for
    each edition of `langs` (default: Chinese at reports/, English at reports/en/); each page
    links to its counterpart in the other edition."""
    from ..data.load import report_labels

    langs = langs or editions()
    labels = report_labels(processed)
    proc = str(processed.resolve())
    # absolute: the jobs may run in processes with another working directory (Dask workers)
    notebooks_dir, build_dir, reports_dir = (Path(d).absolute() for d in (notebooks_dir, build_dir, reports_dir))

    def page(lang: str, sub: str, stem: str) -> str:
        return str(edition_dir(reports_dir, lang, langs) / sub / f"{stem}.html")

    def job(lang: str, kind: str, name: str, notebook: str, stem: str, title: str, parameters: dict) -> Job:
        sub = "studies" if kind == "study" else "reports"
        other = next((x for x in langs if x != lang), None)
        return Job(
            kind=kind,
            name=name,
            notebook=str(notebooks_dir / notebook),
            output=str(edition_dir(build_dir, lang, langs) / sub / f"{stem}.ipynb"),
            html=page(lang, sub, stem),
            parameters={**parameters, "processed_dir": proc, "lang": lang},
            title=title,
            kernel=kernel,
            cwd=str(build_dir),
            timeout=timeout,
            warm=warm,
            lang=lang,
            other_html="" if other is None else page(other, sub, stem),
        )

    jobs = []
    for lang in langs:
        jobs += [
            job(lang, "study", name, f"{name}.ipynb", name, t(f"study.{name}.title", lang), {}) for name in STUDIES
        ]
        for rid in sorted(report_ids):
            title = t("site.report_title", lang, label=labels.get(rid, rid))
            jobs.append(job(lang, "report", rid, REPORT_NOTEBOOK, page_stem(rid), title, {"report_id": str(rid)}))
    return jobs


def run_notebooks(jobs_list: list[Job], jobs: int = 2) -> list[Result]:
    """Execute and render every job in `jobs` spawned workers, or on the Dask cluster when one is
    set (workers.use_scheduler; `jobs` is then the cluster's business); progress on stderr. The
    workers write each executed notebook and page to the job's paths themselves: on a cluster
    those must be on a file system the workers share with this process."""
    results: list[Result] = []
    t0 = time.perf_counter()
    n = len(jobs_list)
    counter = itertools.count(1)

    bar = Progress(n, "notebooks", logger.info)

    def note(res: Result) -> None:
        k = next(counter)
        state = "ok" if res.ok else f"FAILED ({(res.error or '').splitlines()[0][:160]})"
        extra = f" [{'; '.join(res.warnings)}]" if res.warnings else ""
        bar.step(
            k,
            f"[{k}/{n}] {res.job.kind} {res.job.name}: {state} {res.seconds:.1f}s (elapsed "
            f"{time.perf_counter() - t0:.0f}s){extra}",
        )

    if (jobs <= 1 or n <= 1) and not scheduler_address():
        try:
            for j in jobs_list:
                res = notebook_exec.result_from_dict(_execute_safe(asdict(j)))
                note(res)
                results.append(res)
        finally:
            notebook_exec.drop_warm_kernel()  # this thread's: workers' kernels go with their worker
        return results

    def finished(i: int, d: dict | None, why: Failure | None) -> None:
        if d is not None:
            res = notebook_exec.result_from_dict(d)
        else:  # the worker died (killed, out of memory): this page alone shows it
            res = Result(job=jobs_list[i], ok=False, error=f"worker died: {why}")
            try:
                notebook_exec.render(jobs_list[i], res, STUDIES)
                res.html_written = True
            except Exception:
                pass
        note(res)
        results.append(res)

    run_isolated(_execute_safe, [asdict(j) for j in jobs_list], min(jobs, n), on_done=finished)
    by_name = {(j.kind, j.name, j.lang): k for k, j in enumerate(jobs_list)}
    return sorted(results, key=lambda r: by_name[(r.job.kind, r.job.name, r.job.lang)])


def _run_changed(job_list: list[Job], *, processed: Path, build_dir: Path, jobs: int, force: bool) -> list[Result]:
    """Run the jobs whose inputs changed (all with `force`), keep the others' pages; record the
    keys of the successful runs in the state file (helpers.run.incremental)."""
    from ..data.load import report_labels
    from . import incremental as inc

    code = inc.code_version()
    labels = report_labels(processed)
    per_report = inc.report_versions(processed, labels)
    corpus = inc.corpus_version(processed)
    keys = {
        inc.state_name(j): inc.job_key(j, per_report.get(j.name, "") if j.kind == "report" else corpus, code)
        for j in job_list
    }
    state = {"jobs": {}} if force else inc.load_state(build_dir)
    kept: list[Result] = []
    todo: list[Job] = []
    for j in job_list:
        entry = inc.unchanged(j, keys[inc.state_name(j)], state)
        if entry is None:
            todo.append(j)
        else:
            kept.append(Result(job=j, ok=True, seconds=float(entry.get("seconds", 0.0)), kept=True, html_written=True))
    ran: list[Result] = []
    if todo:
        kernel = ensure_kernel()
        for j in todo:
            j.kernel = kernel
        where = f"on the Dask cluster at {address}" if (address := scheduler_address()) else None
        logger.info(
            f"executing {len(todo)} of {len(job_list)} notebooks with kernel {kernel!r} "
            + (where or f"in {min(jobs, len(todo))} workers")
            + (f" ({len(kept)} kept: inputs unchanged)" if kept else "")
            + (" (forced)" if force else "")
        )
        ran = run_notebooks(todo, jobs=jobs)
    else:
        logger.info(f"all {len(job_list)} notebooks kept: inputs unchanged since their last run (--force re-runs them)")
    entries = {}
    for r in kept + ran:
        name = inc.state_name(r.job)
        if r.ok:
            entries[name] = {"key": keys[name], "ok": True, "seconds": round(r.seconds, 2)}
    inc.save_state(build_dir, entries)
    order = {(j.kind, j.name, j.lang): k for k, j in enumerate(job_list)}
    return sorted(kept + ran, key=lambda r: order[(r.job.kind, r.job.name, r.job.lang)])


def _prune(folder: Path, keep: set[Path], pattern: str = "*.html") -> None:
    """Pages (or executed notebooks) of reports no longer in data/raw."""
    if folder.is_dir():
        for p in folder.glob(pattern):
            if p.resolve() not in keep:
                p.unlink()


# Exit codes of the main job (and of `extract`): a script can tell "some files failed" from
# "nothing could be done" and from "another run is busy".
EXIT_OK, EXIT_NOTHING, EXIT_BUSY, EXIT_SOME_FAILED = 0, 1, 2, 3


def main_job(
    jobs: int = 2,
    pdf_engine: str = DEFAULT_PDF_ENGINE,
    force: bool = False,
    notebooks: bool = True,
    *,
    raw_dir: Path | None = None,
    processed_dir: Path | None = None,
    reports_dir: Path | None = None,
    build_dir: Path | None = None,
    notebooks_dir: Path | None = None,
    timeout: int = 600,
    file_timeout: float | None = None,
    cold_kernels: bool = False,
    lang: str = DEFAULT_LANG,
    both_editions: bool = True,
) -> int:
    """Extract → notebooks → HTML → index, holding the lock on the processed folder throughout
    (`cold_kernels`: a fresh kernel per notebook, the reference for the warm ones). The site in
    `lang` (default Chinese) goes to `reports/`; with `both_editions` the other language's edition
    goes to `reports/<other>/`, every page linking to its counterpart.
    0 when every file was read and every notebook ran; 1 when nothing could be read; 2 when
    another run holds the lock; 3 when some files or notebooks failed (named in a summary)."""
    from ..data.lock import LockHeld
    from ..data.storage import NotOurFolder

    processed = Path(processed_dir or paths.DATA_PROCESSED)
    try:
        with folder_lock(processed, "main job"):
            return _main_job(
                jobs,
                pdf_engine,
                force,
                notebooks,
                raw_dir=raw_dir,
                processed=processed,
                reports_dir=reports_dir,
                build_dir=build_dir,
                notebooks_dir=notebooks_dir,
                timeout=timeout,
                file_timeout=file_timeout,
                cold_kernels=cold_kernels,
                langs=editions(lang, both_editions),
            )
    except LockHeld as exc:
        logger.warning(str(exc))
        return EXIT_BUSY
    except NotOurFolder as exc:
        logger.warning(str(exc))
        return EXIT_NOTHING


def failure_summary(extraction: dict, failed_notebooks: list[Result]) -> list[str]:
    """One line per failed file and notebook, for the end of the log."""
    lines = []
    files = extraction.get("failed", [])
    if files:
        lines.append(f"{len(files)} of {extraction.get('files', '?')} files failed:")
        # the reason names its file already (ReportError's message starts with the path): not twice
        lines += [f"  {why}" if str(why).startswith(f"{f}:") else f"  {f}: {why}" for f, why in files]
    if failed_notebooks:
        lines.append(f"{len(failed_notebooks)} notebooks failed:")
        lines += [f"  {r.job.kind} {r.job.name}: {(r.error or '').splitlines()[0][:200]}" for r in failed_notebooks]
    return lines


def _notebooks_step(
    extraction: dict,
    langs: list[str],
    *,
    processed: Path,
    reports_dir: Path,
    build_dir: Path,
    notebooks_dir: Path,
    jobs: int,
    force: bool,
    timeout: int,
    cold_kernels: bool,
) -> list[Result]:
    """Every edition's pages (those whose inputs changed), old pages pruned, one index per edition."""
    for lang in langs:
        for sub in ("reports", "studies"):
            (edition_dir(build_dir, lang, langs) / sub).mkdir(parents=True, exist_ok=True)
            (edition_dir(reports_dir, lang, langs) / sub).mkdir(parents=True, exist_ok=True)
        clean_page_leftovers(edition_dir(reports_dir, lang, langs))  # half-written pages of a run that was killed
    job_list = plan(
        extraction["report_ids"],
        notebooks_dir=notebooks_dir,
        build_dir=build_dir,
        reports_dir=reports_dir,
        processed=processed,
        kernel=KERNEL_NAME,
        timeout=timeout,
        warm=not cold_kernels,
        langs=langs,
    )
    results = _run_changed(job_list, processed=processed, build_dir=build_dir, jobs=jobs, force=force)
    for lang in langs:
        mine = [r for r in results if r.job.lang == lang]
        pages, build = edition_dir(reports_dir, lang, langs), edition_dir(build_dir, lang, langs)
        for sub in ("reports", "studies"):
            _prune(pages / sub, {Path(r.job.html).resolve() for r in mine})
            _prune(build / sub, {Path(r.job.output).resolve() for r in mine}, "*.ipynb")
        other = next((edition_dir(reports_dir, x, langs) for x in langs if x != lang), None)
        write_index(mine, pages, processed, extraction, lang, other)
    return results


def _main_job(
    jobs,
    pdf_engine,
    force,
    notebooks,
    *,
    raw_dir,
    processed,
    reports_dir,
    build_dir,
    notebooks_dir,
    timeout,
    file_timeout,
    cold_kernels=False,
    langs=None,
) -> int:
    raw_dir = Path(raw_dir or paths.DATA_RAW)
    reports_dir = Path(reports_dir or paths.REPORTS)
    build_dir = Path(build_dir or BUILD)
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS)
    t0 = time.perf_counter()
    extraction = extract_step(
        raw_dir, processed, jobs=jobs, pdf_engine=pdf_engine, force=force, file_timeout=file_timeout
    )
    if extraction["read"] == 0:
        logger.info("extraction read nothing: see the messages above")
    results: list[Result] = []
    if notebooks and extraction.get("report_ids"):
        langs = langs or editions()
        results = _notebooks_step(
            extraction,
            langs,
            processed=processed,
            reports_dir=reports_dir,
            build_dir=build_dir,
            notebooks_dir=notebooks_dir,
            jobs=jobs,
            force=force,
            timeout=timeout,
            cold_kernels=cold_kernels,
        )
        n_failed = sum(not r.ok for r in results)
        n_kept = sum(r.kept for r in results)
        logger.info(
            f"wrote {len(langs)} edition(s) of the site ({', '.join(langs)}) in {paths.display_path(reports_dir)}: "
            f"{len(results) - n_failed - n_kept} of {len(results)} notebooks ran, "
            f"{n_kept} kept (inputs unchanged), {n_failed} failed ({time.perf_counter() - t0:.1f}s in all)"
        )
        for r in results:
            if not r.ok:
                logger.warning(
                    f"FAILED {r.job.kind} {r.job.name} ({r.job.lang}): {r.error} (page: "
                    f"{paths.display_path(Path(r.job.html))}, notebook: {paths.display_path(Path(r.job.output))})"
                )
    summary = failure_summary(extraction, [r for r in results if not r.ok])
    for line in summary:
        logger.warning(line)
    if extraction["read"] == 0:
        return EXIT_NOTHING
    return EXIT_SOME_FAILED if summary else EXIT_OK
