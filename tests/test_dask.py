"""Extraction on a real Dask distributed cluster: a scheduler and two workers started as separate
processes on loopback (random ports), the same datasets as a run on this machine, and failures
reported per file. Everything is torn down, also when a test fails."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from helpers import workers
from helpers.extract import report_id_for
from helpers.paths import raw_files
from helpers.pipeline import extract_and_write, read_datasets

from .conftest import HONGSHAN, JIANGHAN

pytest.importorskip("distributed", reason="dask[distributed] is a dependency: pip install -e '.[test]'")

# Workers die at these files (helpers.faults, read by the worker processes from their environment).
WORKER_FAULTS = "extract@deathtrap=kill;extract@raisetrap=raise;extract@sleeptrap=sleep:60"


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
    assert sorted(Path(f).name for f, _ in result["failed"]) == ["deathtrap.txt", "raisetrap.txt", "sleeptrap.txt"]
    # the dead worker's nanny started another: the cluster is whole for the next run
    from distributed import Client

    with Client(cluster, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)


def test_scheduler_from_the_environment(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    workers.use_scheduler(None)
    assert workers.scheduler_address() == "tcp://127.0.0.1:1"
    workers.use_scheduler("local")  # the flag wins over the variable
    assert workers.scheduler_address() is None
    workers.use_scheduler(None)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    assert workers.scheduler_address() is None
