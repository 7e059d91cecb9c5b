"""Extraction and report notebooks on a real Dask distributed cluster: a scheduler and two workers
started as separate processes on loopback (random ports), the same datasets and the same report
pages as a run on this machine, and failures reported per file and per page. Also two notebooks at
once in the threads of one process (as a Dask worker with --nthreads 2 runs them). Everything is
torn down, also when a test fails."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.paths import NOTEBOOKS, raw_files
from helpers.data.datasets import read_datasets
from helpers.data.extract import report_id_for
from helpers.run import notebook_exec, runner, workers
from helpers.run.pipeline import extract_and_write

from .conftest import HONGSHAN, JIANGHAN
from .test_container_ocr import FORMATS
from .test_notebooks import _job, _nb
from .test_warm_kernels import _content, _stdout

pytest.importorskip("distributed", reason="dask[distributed] is a dependency: pip install -e '.[test]'")

# Workers die at these files (helpers.core.faults, read by the worker processes from their environment).
WORKER_FAULTS = "extract@deathtrap=kill;extract@raisetrap=raise;extract@sleeptrap=sleep:60;notebook@deathtrap=kill"


def _start(args: list[str], log: Path, env: dict) -> subprocess.Popen:
    # its own process group: a nanny and its worker go down together
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """tcp://127.0.0.1:<port> of a scheduler with two single-threaded workers."""
    from distributed import Client

    tmp = tmp_path_factory.mktemp("dask")
    env = {
        **os.environ,
        "JUESUAN_FAULT": WORKER_FAULTS,
        # a task whose worker died once is reported at once (Dask's default retries it 3 times)
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
        # a worker is sent a task only when a thread is free, so a dying worker takes only its own task
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    }
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    sfile = tmp / "scheduler.json"
    procs = [
        _start(
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(sfile)],
            tmp / "scheduler.log",
            env,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not sfile.exists() and time.monotonic() < deadline and procs[0].poll() is None:
            time.sleep(0.2)
        assert sfile.exists(), (tmp / "scheduler.log").read_text()
        address = json.loads(sfile.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in range(2):
            procs.append(
                _start(
                    ["worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard", "--name", f"w{k}"],
                    tmp / f"worker{k}.log",
                    env,
                )
            )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)
        workers.use_scheduler(None)


def test_corpus_on_the_cluster_gives_the_datasets_of_a_local_run(cluster, tmp_path):
    """The shipped corpus (data/raw: text copies and PDFs) through the CLI's --scheduler."""
    files = raw_files()
    assert len(files) >= 7
    local = tmp_path / "local"
    extract_and_write(files, local, jobs=1)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers",
            "extract",
            *map(str, files),
            "--out",
            str(tmp_path / "dask"),
            "--scheduler",
            cluster,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "JUESUAN_FAULT": ""},
    )
    assert r.returncode in (0, 3), r.stderr
    a, b = read_datasets(local), read_datasets(tmp_path / "dask")
    assert b["reports"].report_id.tolist() == [report_id_for(f) for f in files]
    for ds in a:
        pd.testing.assert_frame_equal(
            a[ds].drop(columns="extracted_at", errors="ignore"),
            b[ds].drop(columns="extracted_at", errors="ignore"),
            obj=ds,
        )
    assert len(b["line_items"]) > 1000


def test_a_task_that_raises_kills_its_worker_or_overruns_fails_that_file_alone(cluster, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    files = [
        raw / HONGSHAN.name,
        raw / "deathtrap.txt",
        raw / "raisetrap.txt",
        raw / "sleeptrap.txt",
        raw / JIANGHAN.name,
    ]
    for dst, src in zip(files, [HONGSHAN, HONGSHAN, JIANGHAN, JIANGHAN, JIANGHAN]):
        shutil.copy(src, dst)
    workers.use_scheduler(cluster)
    try:
        t0 = time.monotonic()
        result = extract_and_write(files, tmp_path / "out", jobs=2, timeout=5)
        assert time.monotonic() - t0 < 45
    finally:
        workers.use_scheduler(None)
    reps = read_datasets(tmp_path / "out")["reports"].set_index("report_id")
    assert reps.loc[HONGSHAN.stem, "status"] != "failed" and reps.loc[JIANGHAN.stem, "status"] != "failed"
    assert "worker process died on the Dask cluster" in reps.loc["deathtrap", "error"]
    assert "deathtrap.txt" in reps.loc["deathtrap", "error"]
    assert "OSError: simulated failure at extract" in reps.loc["raisetrap", "error"]
    assert "took longer than 5 s on the Dask cluster" in reps.loc["sleeptrap", "error"]
    codes = reps.loc[["deathtrap", "raisetrap", "sleeptrap"], "error_code"].tolist()
    assert codes == ["worker_died", "internal_error", "timeout"]
    assert sorted(Path(f).name for f, _ in result["failed"]) == ["deathtrap.txt", "raisetrap.txt", "sleeptrap.txt"]
    # the dead worker's nanny started another: the cluster is whole for the next run
    from distributed import Client

    with Client(cluster, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)


def test_a_scanned_reports_pages_are_read_as_tasks_of_their_own_on_the_cluster(cluster, tmp_path):
    """Issue 22: on a cluster the OCR of a report's page images is spread page by page (each page a task
    of its own, `read_page-…`), not read one after another on the worker its report landed on; the
    datasets are those of a run in this process."""
    from distributed import Client, get_task_stream

    scans = tmp_path / "raw" / "社会工作部决算图片"
    scans.mkdir(parents=True)
    for name in ("第07页.jpg", "第08页.jpg"):
        shutil.copy(FORMATS / "社会工作部决算图片" / name, scans / name)
    files = [scans, HONGSHAN]
    extract_and_write(files, tmp_path / "here", jobs=1)
    workers.use_scheduler(cluster)
    try:
        with Client(cluster, timeout="30s") as client, get_task_stream(client) as stream:
            extract_and_write(files, tmp_path / "dask", jobs=2)
    finally:
        workers.use_scheduler(None)
    pages = [t for t in stream.data if str(t["key"]).startswith("read_page-")]
    assert len(pages) == 2
    a, b = read_datasets(tmp_path / "here"), read_datasets(tmp_path / "dask")
    assert b["reports"].set_index("report_id").loc["社会工作部决算图片", "source_format"] == "images"
    for ds in a:
        pd.testing.assert_frame_equal(
            a[ds].drop(columns="extracted_at", errors="ignore"), b[ds].drop(columns="extracted_at", errors="ignore")
        )
    assert (b["line_items"].report_id == "社会工作部决算图片").sum() > 20  # the two pages' tables were read


def test_scheduler_local_is_a_dask_local_cluster(tmp_path):
    """`--scheduler local` runs the tasks on a Dask LocalCluster started for the run (its dashboard
    logged), with the datasets of a run in this process."""
    files = [HONGSHAN, JIANGHAN]
    extract_and_write(files, tmp_path / "here", jobs=1)
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "extract", *map(str, files), "--out", str(tmp_path / "lc")]
        + ["--scheduler", "local", "--jobs", "2"],
        capture_output=True,
        text=True,
        env={**env, "JUESUAN_FAULT": ""},
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "Dask LocalCluster: 2 worker(s) at tcp://127.0.0.1:" in r.stderr and "dashboard http" in r.stderr
    a, b = read_datasets(tmp_path / "here"), read_datasets(tmp_path / "lc")
    for ds in a:
        pd.testing.assert_frame_equal(
            a[ds].drop(columns="extracted_at", errors="ignore"), b[ds].drop(columns="extracted_at", errors="ignore")
        )


def test_scheduler_from_the_environment(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    workers.use_scheduler(None)
    assert workers.scheduler_address() == "tcp://127.0.0.1:1"
    workers.use_scheduler("none")  # the flag wins over the variable
    assert workers.scheduler_address() is None
    workers.use_scheduler(None)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    assert workers.scheduler_address() is None


# --- the notebook phase -----------------------------------------------------------------------------


def _report_jobs(root: Path, processed: Path, ids: list[str], kernel: str) -> list[notebook_exec.Job]:
    """The main job's report jobs (runner.plan), writing under `root`: the Chinese edition only (the
    English one runs the same notebooks again)."""
    planned = runner.plan(
        ids,
        notebooks_dir=NOTEBOOKS,
        build_dir=root / "build",
        reports_dir=root / "reports",
        processed=processed,
        kernel=kernel,
        langs=["zh"],
    )
    return [j for j in planned if j.kind == "report"]


def test_report_pages_on_the_cluster_equal_a_local_run_and_a_failing_notebook_fails_its_page_alone(cluster, tmp_path):
    """Two report pages through runner.plan/run_notebooks on the cluster equal a local run's; a
    notebook that fails (unknown report id) and one whose worker is killed fail their page alone."""
    from distributed import Client, get_task_stream

    processed = tmp_path / "processed"
    extract_and_write([HONGSHAN, JIANGHAN], processed)
    ids = [report_id_for(HONGSHAN), report_id_for(JIANGHAN)]
    kernel = runner.ensure_kernel()
    local = runner.run_notebooks(_report_jobs(tmp_path / "local", processed, ids, kernel), jobs=1)
    assert all(r.ok for r in local), [r.error for r in local]
    with Client(cluster, timeout="30s") as client:
        # fresh workers: an earlier test's overrunning task (released, but Dask cannot stop it) may
        # still hold a worker's only thread
        client.restart(timeout="120s")
    workers.use_scheduler(cluster)
    try:
        with Client(cluster, timeout="30s") as client, get_task_stream(client=client) as stream:
            remote = runner.run_notebooks(
                _report_jobs(tmp_path / "dask", processed, [*ids, "no_such_report", "deathtrap"], kernel), jobs=1
            )
    finally:
        workers.use_scheduler(None)
    ran_on_workers = [t for t in stream.data if str(t["key"]).startswith("_execute_safe-")]
    # jobs=1 and yet the notebooks went to the cluster (all but the one whose worker was killed finished there)
    assert len(ran_on_workers) == 3, [t["key"] for t in ran_on_workers]
    by_id = {r.job.name: r for r in remote}
    assert sorted(by_id) == sorted([*ids, "no_such_report", "deathtrap"])
    for a in local:
        b = by_id[a.job.name]
        assert b.ok and b.html_written, b.error
        assert Path(b.job.output).is_file()  # the executed notebook, written by the worker to the job's path
        text_local, figs_local = _content(Path(a.job.html))
        text_dask, figs_dask = _content(Path(b.job.html))
        assert text_dask == text_local
        assert figs_dask == figs_local and len(figs_local) >= 1
    assert "4,199.36" in _content(Path(by_id[report_id_for(JIANGHAN)].job.html))[0]  # T1 总计, line 120 of the file
    bad = by_id["no_such_report"]
    assert not bad.ok and "no_such_report" in bad.error, bad.error
    page = Path(bad.job.html).read_text(encoding="utf-8")
    assert "本笔记本运行失败" in page and "no_such_report" in page
    # a worker killed while on a notebook (helpers.core.faults): that page alone, written by this process
    dead = by_id["deathtrap"]
    assert not dead.ok and "worker process died on the Dask cluster" in dead.error, dead.error
    assert "worker process died on the Dask cluster" in Path(dead.job.html).read_text(encoding="utf-8")


def test_two_notebooks_at_once_in_one_process_get_a_kernel_each(tmp_path):
    """What a Dask worker with two threads does: once a thread has a warm kernel, the next two
    notebooks run at the same time, each in its own thread's kernel, neither seeing the other's
    namespace."""
    kernel = runner.ensure_kernel()
    cells = [
        "import os, time; print('pid', os.getpid()); mine = report_id",
        "a = time.time(); time.sleep(3); print('window', a, time.time())",  # both kernels busy at once
        "assert mine == report_id, (mine, report_id); print('done', mine)",
    ]
    nb = _nb(tmp_path, "slow.ipynb", cells, 'report_id = "x"')
    first = _nb(tmp_path, "first.ipynb", ["import os; print('pid', os.getpid())"], 'report_id = "x"')
    jobs = []
    for k in range(2):
        (tmp_path / f"t{k}").mkdir()
        jobs.append(_job(tmp_path / f"t{k}", nb, {"report_id": f"r{k}"}, kernel))
    try:
        with ThreadPoolExecutor(2) as pool:
            warmup = pool.submit(notebook_exec.execute, _job(tmp_path, first, {}, kernel), runner.STUDIES).result()
            results = list(pool.map(lambda j: notebook_exec.execute(j, runner.STUDIES), jobs))
    finally:
        notebook_exec.drop_all_warm_kernels()
    assert warmup.ok and all(r.ok for r in results), [r.error for r in [warmup, *results]]
    stdout = [_stdout(Path(r.job.output)) for r in results]
    assert "done r0" in stdout[0] and "done r1" in stdout[1]
    (s0, e0), (s1, e1) = ([float(x) for x in s.split("window ", 1)[1].split()[:2]] for s in stdout)
    assert max(s0, s1) < min(e0, e1), "the two notebooks did not run at the same time: nothing was tested"
    pids = [int(s.split("pid ", 1)[1].split()[0]) for s in stdout]
    assert pids[0] != pids[1], "both threads ran in one kernel"
    assert _stdout(Path(warmup.job.output)).split()[1] in map(str, pids)  # its thread's kernel stayed warm
    for r in results:
        assert "done " in Path(r.job.html).read_text(encoding="utf-8")
