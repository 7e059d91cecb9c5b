"""The main job: extract what changed → execute the notebooks (papermill) → HTML (nbconvert) → index.

    python -m helpers run [--jobs N] [--engine pdfium|pdfplumber|tabula] [--force] [--no-notebooks]

1. Incremental extraction of `data/raw/` into `data/processed/` (pipeline.extract_many with the
   previous run of the same extractor version; all-or-nothing write).
2. One `notebooks/report.ipynb` run per report plus the three studies, in parallel (spawned worker
   processes, one kernel each). Kernel name and language are explicit; parameters are passed as
   strings (`0012` stays `0012`); the notebook must have a cell tagged `parameters` declaring
   every parameter passed. A run is judged by the exception papermill raises, never by the
   notebook's recorded status (it says "completed" after a timeout). Kernels talk over IPC sockets
   (parallel TCP kernels can race for ports) and a kernel that dies before running a cell is
   retried once.
   Incremental (helpers.incremental): a notebook whose inputs (its report's rows, or the processed
   generation for a study; the notebook; the code of `src/helpers`) are those of its last successful
   run is not run again and its page is kept; `--force` runs them all.
3. Executed notebooks go to `build/notebooks/` (never back into `notebooks/`); each is rendered to
   HTML with the code hidden (`exclude_input`) into `reports/reports/<report_id>.html` and
   `reports/studies/<name>.html`. A failing notebook keeps its partial output and its page shows
   the error; the other notebooks go on.
4. `reports/index.html` links every page with a one-line summary.

Exit codes: 0 all read and ran; 1 nothing read; 2 another run holds the lock on the processed
folder; 3 some files or notebooks failed (named in a summary at the end of the log).
"""

from __future__ import annotations

import html
import itertools
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import faults, paths
from .lock import folder_lock
from .pipeline import log
from .storage import clean_page_leftovers, write_text_atomic
from .tables.engines import DEFAULT_PDF_ENGINE
from .workers import run_isolated
from .index_page import PAGE_CSS as _PAGE_CSS, write_index

REPORT_NOTEBOOK = "report.ipynb"
STUDIES: dict[str, tuple[str, str]] = {
    "spending_composition": ("Spending composition 支出结构",
                             "function classes, basic vs project, personnel vs public, economic classes: shares per department, and what the corpus can and cannot compare"),
    "poverty_transfers": ("Poverty and rural-revitalisation money 扶贫 → 乡村振兴",
                          "the 21305 series through the 2021 rename, its share of spending, money to recipient places"),
    "budget_execution": ("Budget execution 预算执行",
                         "completion rates by level, item and project; spread and outliers; 三公 budget vs outturn; printed vs recomputed rates"),
}
KERNEL_NAME = "python3"
FALLBACK_KERNEL = "juesuan-python3"
LANGUAGE = "python"
BUILD = paths.REPO_ROOT / "build"


# ---------------------------------------------------------------------------------------------
# Kernel

def _spec_runs_this_python(spec) -> bool:
    argv0 = spec.argv[0] if spec.argv else ""
    # jupyter_client swaps a bare `python`/`python3` for the running interpreter.
    if argv0 in {"python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"}:
        return True
    try:
        # not resolve(): every venv's python is a symlink to the same base interpreter
        return Path(argv0).absolute() == Path(sys.executable).absolute()
    except OSError:
        return False


def ensure_kernel() -> str:
    """A kernelspec that runs this interpreter (with `helpers` importable): `python3` when it does,
    else a `juesuan-python3` spec installed into this environment. Returns its name."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    ksm = KernelSpecManager()
    for name in (KERNEL_NAME, FALLBACK_KERNEL):
        try:
            if _spec_runs_this_python(ksm.get_kernel_spec(name)):
                return name
        except NoSuchKernel:
            pass
    from ipykernel.kernelspec import install

    try:
        ksm.get_kernel_spec(KERNEL_NAME)
        name = FALLBACK_KERNEL  # a `python3` for another interpreter (user-level) would shadow ours
    except NoSuchKernel:
        name = KERNEL_NAME
    install(kernel_name=name, prefix=sys.prefix, display_name=f"Python 3 ({Path(sys.prefix).name})")
    if not _spec_runs_this_python(KernelSpecManager().get_kernel_spec(name)):
        raise RuntimeError(f"kernel {name!r} does not run {sys.executable}; install one with "
                           f"`{sys.executable} -m ipykernel install --sys-prefix --name {name}`")
    return name


def _ipc_manager_class():
    """AsyncKernelManager speaking over IPC sockets in a short private folder."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        def _ip_default(self) -> str:
            base = tempfile.mkdtemp(prefix="jk-", dir="/tmp" if os.path.isdir("/tmp") else None)
            self._ipc_dir = base
            return os.path.join(base, "k")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and getattr(self, "_ipc_dir", None):
                shutil.rmtree(self._ipc_dir, ignore_errors=True)

    return IPCKernelManager


# ---------------------------------------------------------------------------------------------
# Jobs

@dataclass
class Job:
    kind: str            # "report" | "study"
    name: str            # report id or study name
    notebook: str        # input notebook path
    output: str          # executed notebook path
    html: str            # rendered page path
    parameters: dict[str, str]
    title: str
    kernel: str = KERNEL_NAME
    cwd: str = ""
    timeout: int = 600


@dataclass
class Result:
    job: Job
    ok: bool
    error: str | None = None
    seconds: float = 0.0
    attempts: int = 0
    html_written: bool = False
    warnings: list[str] = field(default_factory=list)
    kept: bool = False   # not run: inputs unchanged since its last successful run (page kept)


def declared_parameters(notebook: Path) -> tuple[bool, set[str]]:
    """(has a cell tagged `parameters`, names it declares)."""
    import nbformat
    import papermill as pm

    nb = nbformat.read(str(notebook), as_version=4)
    tagged = any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells)
    names = set(pm.inspect_notebook(str(notebook)).keys()) if tagged else set()
    return tagged, names


def validate(job: Job) -> str | None:
    """Why the job cannot run as asked (no parameters cell, parameter not declared), or None."""
    nb = Path(job.notebook)
    if not nb.exists():
        return f"{nb}: notebook not found"
    tagged, names = declared_parameters(nb)
    if not tagged:
        return f"{nb.name} has no cell tagged `parameters`: papermill would silently run it with its defaults"
    unknown = sorted(set(job.parameters) - names)
    if unknown:
        return f"{nb.name} does not declare parameter(s) {unknown} in its `parameters` cell (declares {sorted(names)})"
    return None


def _kernel_died_at_start(exc: BaseException, output: Path) -> bool:
    """True when the kernel never ran a cell (port race, crash at start): worth one retry."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return False
    try:
        import nbformat

        nb = nbformat.read(str(output), as_version=4)
        if any(c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
            return False
    except Exception:
        pass
    text = f"{type(exc).__name__}: {exc}".lower()
    return any(k in text for k in ("dead", "died", "kernel_info", "didn't respond", "timeout", "zmq", "address"))


def execute(job: Job) -> Result:
    """Run one notebook (with one retry for a kernel that dies at start), then render its page."""
    import papermill as pm

    t0 = time.perf_counter()
    res = Result(job=job, ok=False)
    problem = validate(job)
    if problem:
        res.error = problem
    else:
        Path(job.output).parent.mkdir(parents=True, exist_ok=True)
        manager = _ipc_manager_class()
        for attempt in (1, 2):
            res.attempts = attempt
            try:
                pm.execute_notebook(
                    job.notebook, job.output, parameters=dict(job.parameters), kernel_name=job.kernel,
                    language=LANGUAGE, progress_bar=False, log_output=False, cwd=job.cwd or None,
                    start_timeout=90, execution_timeout=job.timeout, kernel_manager_class=manager,
                )
                res.ok, res.error = True, None
                break
            except Exception as exc:  # judged by the exception, not by the notebook's status
                res.error = _describe(exc)
                if attempt == 1 and _kernel_died_at_start(exc, Path(job.output)):
                    res.warnings.append(f"kernel died at start ({type(exc).__name__}); retried once")
                    continue
                break
    res.seconds = time.perf_counter() - t0
    try:
        render(job, res)
        res.html_written = True
    except Exception as exc:
        res.warnings.append(f"HTML not rendered: {_describe(exc)}")
        res.ok = False
        res.error = res.error or f"HTML not rendered: {_describe(exc)}"
    return res


def _describe(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}".strip()


def _execute_safe(job_dict: dict) -> dict:
    job = Job(**job_dict)
    faults.point("notebook", job.name)
    try:
        res = execute(job)
    except Exception as exc:  # never lose the other notebooks because of one
        res = Result(job=job, ok=False, error=f"runner error: {_describe(exc)}\n{traceback.format_exc()}")
    d = asdict(res)
    d["job"] = asdict(res.job)
    return d


# ---------------------------------------------------------------------------------------------
# HTML

def render(job: Job, res: Result) -> None:
    """The executed notebook as HTML with the code hidden; a page with the error when it failed."""
    out = Path(job.html)
    out.parent.mkdir(parents=True, exist_ok=True)
    nb_path = Path(job.output)
    banner = ""
    if not res.ok:
        banner = (f'<div style="border:2px solid #b00020;padding:8px;margin:8px 0;background:#fff0f0">'
                  f'<b>This notebook failed:</b> {html.escape(res.error or "unknown error")}. '
                  f'What ran before the failure is shown below.</div>')
    if nb_path.exists():
        import nbformat

        from . import pages  # template without outside requests, navigation, alt text

        nb = nbformat.read(str(nb_path), as_version=4)
        body, _ = pages.exporter().from_notebook_node(
            nb, resources=pages.page_resources(nb, job.title, job.kind, job.name, STUDIES))
        if banner:
            i = body.find(">", body.find("<body")) + 1
            body = body[:i] + banner + body[i:]
        write_text_atomic(out, body)
    else:
        write_text_atomic(out, f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(job.title)}</title>"
                               f"<style>{_PAGE_CSS}</style></head><body><h1>{html.escape(job.title)}</h1>{banner}"
                               f"<p class='muted'>No executed notebook was produced.</p></body></html>")


# ---------------------------------------------------------------------------------------------
# Main job

def extract_step(raw_dir: Path, processed: Path, *, jobs: int, pdf_engine: str, force: bool,
                 file_timeout: float | None = None) -> dict:
    from .pipeline import extract_and_write

    files, ignored = paths.raw_listing(raw_dir) if raw_dir.is_dir() else ([], [])
    for name, why in ignored:
        log(f"ignored {paths.display_path(raw_dir / name)}: {why}")
    if not files:
        log(f"no report files in {raw_dir}")
        return {"read": 0, "files": 0, "messages": [f"no report files in {raw_dir}"], "summary": "nothing to read"}
    log(f"extracting {len(files)} files from {paths.display_path(raw_dir)}"
        f"{' (forced: every file read again)' if force else ''}")
    return extract_and_write(files, processed, pdf_engine=pdf_engine, jobs=jobs, incremental=not force,
                             timeout=file_timeout)


def plan(report_ids: list[str], *, notebooks_dir: Path, build_dir: Path, reports_dir: Path, processed: Path,
         kernel: str, timeout: int = 600) -> list[Job]:
    """One report notebook per report, then the studies."""
    from .studies.load import load

    labels = load(processed).labels()
    proc = str(processed.resolve())
    jobs = [Job(kind="study", name=name, notebook=str(notebooks_dir / f"{name}.ipynb"),
                output=str(build_dir / "studies" / f"{name}.ipynb"), html=str(reports_dir / "studies" / f"{name}.html"),
                parameters={"processed_dir": proc}, title=title, kernel=kernel, cwd=str(build_dir), timeout=timeout)
            for name, (title, _) in STUDIES.items()]
    for rid in sorted(report_ids):
        jobs.append(Job(kind="report", name=rid, notebook=str(notebooks_dir / REPORT_NOTEBOOK),
                        output=str(build_dir / "reports" / f"{rid}.ipynb"), html=str(reports_dir / "reports" / f"{rid}.html"),
                        parameters={"report_id": str(rid), "processed_dir": proc},
                        title=f"{labels.get(rid, rid)} — 部门决算 extraction", kernel=kernel, cwd=str(build_dir),
                        timeout=timeout))
    return jobs


def run_notebooks(jobs_list: list[Job], jobs: int = 2) -> list[Result]:
    """Execute and render every job in `jobs` spawned workers; progress on stderr."""
    results: list[Result] = []
    t0 = time.perf_counter()
    n = len(jobs_list)
    counter = itertools.count(1)

    def note(res: Result) -> None:
        k = next(counter)
        state = "ok" if res.ok else f"FAILED ({(res.error or '').splitlines()[0][:160]})"
        extra = f" [{'; '.join(res.warnings)}]" if res.warnings else ""
        log(f"[{k}/{n}] {res.job.kind} {res.job.name}: {state} {res.seconds:.1f}s (elapsed {time.perf_counter() - t0:.0f}s){extra}")

    if jobs <= 1 or n <= 1:
        for j in jobs_list:
            res = _from_dict(_execute_safe(asdict(j)))
            note(res)
            results.append(res)
        return results
    def finished(i: int, d: dict | None, why: str | None) -> None:
        if d is not None:
            res = _from_dict(d)
        else:  # the worker died (killed, out of memory): this page alone shows it
            res = Result(job=jobs_list[i], ok=False, error=f"worker died: {why}")
            try:
                render(jobs_list[i], res)
                res.html_written = True
            except Exception:
                pass
        note(res)
        results.append(res)

    run_isolated(_execute_safe, [asdict(j) for j in jobs_list], min(jobs, n), on_done=finished)
    by_name = {(j.kind, j.name): k for k, j in enumerate(jobs_list)}
    return sorted(results, key=lambda r: by_name[(r.job.kind, r.job.name)])


def _from_dict(d: dict) -> Result:
    d = dict(d)
    job = Job(**d.pop("job"))
    return Result(job=job, **d)


def _run_changed(job_list: list[Job], *, processed: Path, build_dir: Path, jobs: int, force: bool) -> list[Result]:
    """Run the jobs whose inputs changed (all with `force`), keep the others' pages; record the
    keys of the successful runs in the state file (helpers.incremental)."""
    from . import incremental as inc
    from .studies.load import load

    code = inc.code_version()
    labels = load(processed).labels()
    per_report = inc.report_versions(processed, labels)
    corpus = inc.corpus_version(processed)
    keys = {inc.state_name(j): inc.job_key(j, per_report.get(j.name, "") if j.kind == "report" else corpus, code)
            for j in job_list}
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
        log(f"executing {len(todo)} of {len(job_list)} notebooks with kernel {kernel!r} in {min(jobs, len(todo))} workers"
            + (f" ({len(kept)} kept: inputs unchanged)" if kept else "") + (" (forced)" if force else ""))
        ran = run_notebooks(todo, jobs=jobs)
    else:
        log(f"all {len(job_list)} notebooks kept: inputs unchanged since their last run (--force re-runs them)")
    entries = {}
    for r in kept + ran:
        name = inc.state_name(r.job)
        if r.ok:
            entries[name] = {"key": keys[name], "ok": True, "seconds": round(r.seconds, 2)}
    inc.save_state(build_dir, entries)
    order = {(j.kind, j.name): k for k, j in enumerate(job_list)}
    return sorted(kept + ran, key=lambda r: order[(r.job.kind, r.job.name)])


def _prune(folder: Path, keep: set[Path], pattern: str = "*.html") -> None:
    """Pages (or executed notebooks) of reports no longer in data/raw."""
    if folder.is_dir():
        for p in folder.glob(pattern):
            if p.resolve() not in keep:
                p.unlink()


# Exit codes of the main job (and of `extract`): a script can tell "some files failed" from
# "nothing could be done" and from "another run is busy".
EXIT_OK, EXIT_NOTHING, EXIT_BUSY, EXIT_SOME_FAILED = 0, 1, 2, 3


def main_job(jobs: int = 2, pdf_engine: str = DEFAULT_PDF_ENGINE, force: bool = False, notebooks: bool = True, *,
             raw_dir: Path | None = None, processed_dir: Path | None = None, reports_dir: Path | None = None,
             build_dir: Path | None = None, notebooks_dir: Path | None = None, timeout: int = 600,
             file_timeout: float | None = None) -> int:
    """Extract → notebooks → HTML → index, holding the lock on the processed folder throughout.
    0 when every file was read and every notebook ran; 1 when nothing could be read; 2 when
    another run holds the lock; 3 when some files or notebooks failed (named in a summary)."""
    from .lock import LockHeld

    processed = Path(processed_dir or paths.DATA_PROCESSED)
    try:
        with folder_lock(processed, "main job"):
            return _main_job(jobs, pdf_engine, force, notebooks, raw_dir=raw_dir, processed=processed,
                             reports_dir=reports_dir, build_dir=build_dir, notebooks_dir=notebooks_dir,
                             timeout=timeout, file_timeout=file_timeout)
    except LockHeld as exc:
        log(str(exc))
        return EXIT_BUSY


def failure_summary(extraction: dict, failed_notebooks: list[Result]) -> list[str]:
    """One line per failed file and notebook, for the end of the log."""
    lines = []
    files = extraction.get("failed", [])
    if files:
        lines.append(f"{len(files)} of {extraction.get('files', '?')} files failed:")
        lines += [f"  {f}: {why}" for f, why in files]
    if failed_notebooks:
        lines.append(f"{len(failed_notebooks)} notebooks failed:")
        lines += [f"  {r.job.kind} {r.job.name}: {(r.error or '').splitlines()[0][:200]}" for r in failed_notebooks]
    return lines


def _main_job(jobs, pdf_engine, force, notebooks, *, raw_dir, processed, reports_dir, build_dir, notebooks_dir,
              timeout, file_timeout) -> int:
    raw_dir = Path(raw_dir or paths.DATA_RAW)
    reports_dir = Path(reports_dir or paths.REPORTS)
    build_dir = Path(build_dir or BUILD)
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS)
    t0 = time.perf_counter()
    extraction = extract_step(raw_dir, processed, jobs=jobs, pdf_engine=pdf_engine, force=force,
                              file_timeout=file_timeout)
    if extraction["read"] == 0:
        log("extraction read nothing: see the messages above")
    results: list[Result] = []
    if notebooks and extraction.get("report_ids"):
        for sub in ("reports", "studies"):
            (build_dir / sub).mkdir(parents=True, exist_ok=True)
            (reports_dir / sub).mkdir(parents=True, exist_ok=True)
        clean_page_leftovers(reports_dir)  # half-written pages of a run that was killed
        job_list = plan(extraction["report_ids"], notebooks_dir=notebooks_dir, build_dir=build_dir,
                        reports_dir=reports_dir, processed=processed, kernel=KERNEL_NAME, timeout=timeout)
        results = _run_changed(job_list, processed=processed, build_dir=build_dir, jobs=jobs, force=force)
        for sub in ("reports", "studies"):
            _prune(reports_dir / sub, {Path(r.job.html).resolve() for r in results})
            _prune(build_dir / sub, {Path(r.job.output).resolve() for r in results}, "*.ipynb")
        index = write_index(results, reports_dir, processed, extraction)
        n_failed = sum(not r.ok for r in results)
        n_kept = sum(r.kept for r in results)
        log(f"wrote {paths.display_path(index)}: {len(results) - n_failed - n_kept} of {len(results)} notebooks ran, "
            f"{n_kept} kept (inputs unchanged), {n_failed} failed ({time.perf_counter() - t0:.1f}s in all)")
        for r in results:
            if not r.ok:
                log(f"FAILED {r.job.kind} {r.job.name}: {r.error} (page: {paths.display_path(Path(r.job.html))}, "
                    f"notebook: {paths.display_path(Path(r.job.output))})")
    summary = failure_summary(extraction, [r for r in results if not r.ok])
    for line in summary:
        log(line)
    if extraction["read"] == 0:
        return EXIT_NOTHING
    return EXIT_SOME_FAILED if summary else EXIT_OK
