"""Executing one notebook with papermill and rendering its page, in a worker process.

A job is judged by the exception papermill raises, never by the notebook's recorded status (it says
"completed" after a timeout). Kernel name and language are explicit; parameters are passed as
strings (`0012` stays `0012`); the notebook must have a cell tagged `parameters` declaring every
parameter passed.

Two ways to run, same pages:
- warm (the default): each worker keeps one kernel (`kernels.WarmKernel`; one per thread of a
  Dask worker) and runs its notebooks in it one after another, with a clean namespace each time,
  through a papermill engine that hands the kernel to nbclient; the HTML exporter is also made once
  per worker. A kernel that dies or a notebook that overruns its time gets the next notebook a
  fresh kernel; a cell error fails that page only (the kernel is fine and is reset).
- cold (`warm=False`, `python -m helpers run --cold-kernels`): a fresh kernel per notebook, the
  reference the warm way is measured and tested against.
A kernel that dies before running a cell is retried once either way.
"""

from __future__ import annotations

import atexit
import html
import json
import logging
import os
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..core import faults
from ..core.paths import public_text
from ..data.storage import write_text_atomic
from ..publish.text import t
from .kernels import KERNEL_NAME, LANGUAGE, START_TIMEOUT, KernelDied, WarmKernel, ipc_manager_class

logger = logging.getLogger(__name__)
WARM_ENGINE = "juesuan-warm"


@dataclass
class Job:
    kind: str  # "report" | "study"
    name: str  # report id or study name
    notebook: str  # input notebook path
    output: str  # executed notebook path
    html: str  # rendered page path
    parameters: dict[str, str]
    title: str
    kernel: str = KERNEL_NAME
    cwd: str = ""
    timeout: int = 600
    warm: bool = True  # run in the worker's warm kernel (False: a fresh kernel for this notebook)
    lang: str = "zh"  # the page's language (helpers.publish.text); the notebook's `lang` parameter
    other_html: str = ""  # the same page in the other edition (linked from this one), if built


@dataclass
class Result:
    job: Job
    ok: bool
    error: str | None = None
    seconds: float = 0.0
    attempts: int = 0
    html_written: bool = False
    warnings: list[str] = field(default_factory=list)
    kept: bool = False  # not run: inputs unchanged since its last successful run (page kept)


# ---------------------------------------------------------------------------------------------
# Checks before running

_declared: dict[tuple[str, int], tuple[bool, set[str]]] = {}  # (path, mtime) → answer: a worker asks 200 times


def declared_parameters(notebook: Path) -> tuple[bool, set[str]]:
    """(has a cell tagged `parameters`, names it declares)."""
    import nbformat
    import papermill as pm

    key = (str(notebook), Path(notebook).stat().st_mtime_ns)
    if key not in _declared:
        nb = nbformat.read(str(notebook), as_version=4)
        tagged = any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells)
        names = set(pm.inspect_notebook(str(notebook)).keys()) if tagged else set()
        _declared[key] = (tagged, names)
    tagged, names = _declared[key]
    return tagged, set(names)


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


def kernel_died_at_start(exc: BaseException, output: Path) -> bool:
    """True when the kernel never ran a cell (port race, crash at start): worth one retry."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return False
    if isinstance(exc, KernelDied):  # died while being prepared: no cell of this notebook ran
        return True
    try:
        import nbformat

        nb = nbformat.read(str(output), as_version=4)
        if any(c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
            return False
    except Exception:
        pass
    text = f"{type(exc).__name__}: {exc}".lower()
    return any(k in text for k in ("dead", "died", "kernel_info", "didn't respond", "timeout", "zmq", "address"))


def describe(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}".strip()


# ---------------------------------------------------------------------------------------------
# The worker's warm kernel and the papermill engine that uses it

# One warm kernel (and one HTML exporter) per thread, not per process: a Dask worker runs as many
# tasks at once as it has threads (`--nthreads`), and two notebooks sent to one kernel would
# interleave their cells and reset each other's namespace; an nbconvert exporter is not reentrant
# either (its filters are re-registered for each page). A spawned local worker has one thread, so
# it keeps one kernel as before.
_local = threading.local()
_all_warm: set[WarmKernel] = set()  # every thread's, to shut down when the process leaves
_all_warm_lock = threading.Lock()
# papermill's cold run changes the process's working directory for the kernel it starts
# (`cwd=`): one cold notebook at a time per process, or a second thread would start its kernel in
# (and resolve relative paths against) the first one's folder.
_cold_lock = threading.Lock()


def _warm_kernel(name: str, cwd: str) -> WarmKernel:
    warm: WarmKernel | None = getattr(_local, "kernel", None)
    if warm is not None and (warm.kernel_name != name or not warm.alive()):
        drop_warm_kernel()
        warm = None
    if warm is None:
        warm = _local.kernel = WarmKernel(name, cwd=cwd)
        with _all_warm_lock:
            _all_warm.add(warm)
    return warm


def drop_warm_kernel() -> None:
    """Shut this thread's warm kernel down (a notebook overran its time, the kernel died, the
    worker is leaving); the next notebook starts a fresh one."""
    warm: WarmKernel | None = getattr(_local, "kernel", None)
    _local.kernel = None
    if warm is not None:
        with _all_warm_lock:
            _all_warm.discard(warm)
        warm.shutdown()


def drop_all_warm_kernels() -> None:
    """Shut every thread's warm kernel down."""
    with _all_warm_lock:
        kernels = list(_all_warm)
        _all_warm.clear()
    for warm in kernels:
        warm.shutdown()


atexit.register(drop_all_warm_kernels)


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(WARM_ENGINE)
        return  # registered already in this process
    except PapermillException:
        pass

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine, run in a kernel it is given (`warm=`) and does not own."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            warm=None,
            executing=None,
            **kwargs,
        ):
            kwargs = {k: v for k, v in kwargs.items() if k not in ("input_path", "timeout", "startup_timeout")}
            client = PapermillNotebookClient(
                nb_man,
                km=warm.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            client.kc = warm.kc  # nbclient then neither starts a client nor stops ours
            executing["nb"] = nb_man.nb  # for the caller to write, whatever happens
            return client.execute()

    papermill_engines.register(WARM_ENGINE, WarmEngine)


def localized(nb, lang: str):
    """The notebook in `lang`: each Markdown cell that names a catalogue key (`metadata.juesuan_text`: md.<key>)
    gets that key's text (helpers.publish.text; the notebook file holds the Chinese, for readers opening it)."""
    for cell in nb.cells:
        key = cell.get("metadata", {}).get("juesuan_text")
        if cell.cell_type == "markdown" and key:
            cell.source = t(f"md.{key}", lang)
    return nb


def _run_cold(job: Job):
    """papermill's own run in a fresh kernel (the reference for the warm one)."""
    import papermill as pm
    from papermill.iorw import load_notebook_node

    with _cold_lock:
        return pm.execute_notebook(
            localized(load_notebook_node(job.notebook), job.lang),
            job.output,
            parameters=dict(job.parameters),
            kernel_name=job.kernel,
            language=LANGUAGE,
            progress_bar=False,
            log_output=False,
            cwd=job.cwd or None,
            start_timeout=START_TIMEOUT,
            execution_timeout=job.timeout,
            kernel_manager_class=ipc_manager_class(),
        )


def _run_papermill(job: Job):
    """Execute the notebook into job.output; returns the executed notebook. Raises what papermill raises."""
    from papermill.iorw import load_notebook_node

    if not job.warm:
        return _run_cold(job)
    from papermill.engines import papermill_engines

    _register_engine()
    cwd = str(Path(job.cwd or ".").resolve())
    kernel = _warm_kernel(job.kernel, cwd)
    # papermill.execute_notebook's steps, except its writes: it writes the notebook before and after
    # every cell (~40 writes of a growing notebook a page). It is written here once, also when a
    # cell failed (with papermill's error marker) or the kernel died or overran (what ran before).
    from papermill.execute import prepare_notebook_metadata, raise_for_execution_errors, remove_error_markers
    from papermill.parameterize import parameterize_notebook

    executing: dict = {}
    try:
        kernel.reset(cwd)
        nb = parameterize_notebook(
            localized(load_notebook_node(job.notebook), job.lang),
            dict(job.parameters),
            kernel_name=job.kernel,
            language=LANGUAGE,
            engine_name=WARM_ENGINE,
        )
        nb = remove_error_markers(prepare_notebook_metadata(nb, job.notebook, job.output))
        for cell in nb.cells:  # papermill gives its cell a random id: a fixed one, so that the same
            if "injected-parameters" in cell.metadata.get("tags", []):  # inputs give the same page
                cell.id = "injected-parameters"
        nb = papermill_engines.execute_notebook_with_engine(
            WARM_ENGINE,
            nb,
            job.kernel,
            output_path=None,
            progress_bar=False,
            log_output=False,
            start_timeout=START_TIMEOUT,
            execution_timeout=job.timeout,
            warm=kernel,
            executing=executing,
        )
        raise_for_execution_errors(nb, None)
    except Exception as exc:
        from papermill.exceptions import PapermillExecutionError

        if not isinstance(exc, PapermillExecutionError):  # timeout, dead kernel: never reuse it
            drop_warm_kernel()
        if "nb" in executing:
            write_notebook(executing["nb"], job.output)
        raise
    finally:
        kernel.notebooks += 1
    write_notebook(nb, job.output)
    return nb


def write_notebook(nb, path: str | Path) -> None:
    """An executed notebook as nbformat writes it (transient output data dropped), but without its
    indentation, which sends json to its pure-Python encoder (~10x slower on a page of figures and
    tables); Jupyter and nbformat read it the same."""
    from nbformat.v4.rwbase import strip_transient

    nb.metadata.setdefault("papermill", {})["output_path"] = str(path)
    write_text_atomic(Path(path), json.dumps(strip_transient(nb), sort_keys=True, ensure_ascii=False))


def execute(job: Job, studies: tuple[str, ...] = ()) -> Result:
    """Run one notebook (with one retry for a kernel that dies at start), then render its page
    (`studies`: the study notebooks' names, for the navigation bar)."""
    t0 = time.perf_counter()
    res = Result(job=job, ok=False)
    nb = None
    problem = validate(job)
    if problem:
        res.error = problem
    else:
        Path(job.output).parent.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            res.attempts = attempt
            try:
                nb = _run_papermill(job)
                res.ok, res.error = True, None
                break
            except Exception as exc:  # judged by the exception, not by the notebook's status
                res.error = describe(exc)
                if attempt == 1 and kernel_died_at_start(exc, Path(job.output)):
                    res.warnings.append(f"kernel died at start ({type(exc).__name__}); retried once")
                    continue
                break
    res.seconds = time.perf_counter() - t0
    try:
        render(job, res, studies, nb=nb)
        res.html_written = True
    except Exception as exc:
        res.warnings.append(f"HTML not rendered: {describe(exc)}")
        res.ok = False
        res.error = res.error or f"HTML not rendered: {describe(exc)}"
    return res


def execute_safe(job_dict: dict, studies: tuple[str, ...] = ()) -> dict:
    """execute() for a worker process: a job as a dict in, its Result as a dict out, never raising."""
    job = Job(**job_dict)
    faults.point("notebook", job.name)
    try:
        res = execute(job, studies)
    except Exception as exc:  # never lose the other notebooks because of one
        res = Result(job=job, ok=False, error=f"runner error: {describe(exc)}\n{traceback.format_exc()}")
    d = asdict(res)
    d["job"] = asdict(res.job)
    return d


def result_from_dict(d: dict) -> Result:
    d = dict(d)
    job = Job(**d.pop("job"))
    return Result(job=job, **d)


def render(job: Job, res: Result, studies: tuple[str, ...], nb=None) -> None:
    """The executed notebook as HTML with the code hidden; a page with the error when it failed
    (what ran before the failure below it, or only the error when nothing was executed)."""
    import nbformat

    from ..publish import pages  # template without outside requests, navigation, alt text
    from ..publish.index_page import href

    out = Path(job.html)
    out.parent.mkdir(parents=True, exist_ok=True)
    nb_path = Path(job.output)
    banner = ""
    if not res.ok:
        said = t("site.failed_banner", job.lang, error=html.escape(res.error or "unknown error"))
        banner = f'<div style="border:2px solid #b00020;padding:8px;margin:8px 0;background:#fff0f0">{said}</div>'
    if nb is None and nb_path.exists():
        nb = nbformat.read(str(nb_path), as_version=4)
    if nb is None:
        nb = nbformat.v4.new_notebook()
        banner = f"<h1>{html.escape(job.title)}</h1>{banner}<p class='muted'>{t('site.no_notebook', job.lang)}</p>"
    other = href(os.path.relpath(job.other_html, out.parent)) if job.other_html else None
    resources = pages.page_resources(nb, job.title, job.kind, job.name, studies, job.lang, other)
    body = pages.page_html(nb, resources, fast=job.warm)
    if banner:
        i = body.find(">", body.find("<body")) + 1
        body = body[:i] + banner + body[i:]
    write_text_atomic(out, public_text(body))  # errors and tracebacks name files relative to the project
