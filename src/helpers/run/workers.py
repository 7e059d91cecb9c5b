"""Worker processes that fail alone.

`run_isolated` runs tasks in spawned worker processes (never forked: a fork of a process that
started tabula's JVM hangs), one task at a time per worker, so the parent always knows which task a
worker is on. A worker that dies (killed, out of memory, a crash in native code) or overruns its
time fails only that task, with the reason, and is replaced; the other tasks go on. Workers die
with the parent: on Linux the kernel kills them when it goes (PR_SET_PDEATHSIG), elsewhere they
notice within a second that their parent changed. Notebook kernels started by a worker watch
their own parent the same way (ipykernel's parent poller).

On a Dask distributed cluster instead (`use_scheduler(address)`, set by `--scheduler`, or the
standard variable DASK_SCHEDULER_ADDRESS): each task is a Dask task, with the same on_done
contract. The workers import this package and open the task's paths themselves, so they need the
same code and the same paths (a shared file system, same repository root: `source_file` is written
relative to it). A task that raises reports its exception; one whose worker dies is retried by Dask
on another worker and reported (KilledWorker) after repeated deaths; one that overruns the timeout
is reported and released (Dask cannot stop a running task; its result is dropped).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from ..core.errors import ErrorCode, Failure

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
_scheduler: str | None = None


def use_scheduler(address: str | None) -> None:
    """Run tasks on the Dask cluster at `address` (e.g. tcp://10.0.0.5:8786); None: the variable
    DASK_SCHEDULER_ADDRESS decides; "" or "none": worker processes on this machine (the command
    line's `--scheduler local` starts a LocalCluster and passes its address here)."""
    global _scheduler
    _scheduler = address


def scheduler_address() -> str | None:
    """The Dask scheduler tasks go to, or None for worker processes on this machine."""
    address = _scheduler if _scheduler is not None else os.environ.get(SCHEDULER_ENV, "")
    return None if address in ("", "none") else address


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:  # also covers the parent dying before prctl took effect
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, daemon=True).start()


# A worker that passes its memory limit ends itself with this code; the parent names the reason.
EXIT_MEMORY = 86


def _watch_memory(limit_mb: float) -> None:
    """Stop this worker (exit EXIT_MEMORY) as soon as its resident memory passes limit_mb: checked
    every 50 ms from a thread, so a file that balloons is stopped within a few hundred MB of it."""
    statm = "/proc/self/statm"
    if not os.path.exists(statm):
        return  # not Linux: the time limit still bounds the file
    page = os.sysconf("SC_PAGE_SIZE")
    limit = limit_mb * (1 << 20)

    def watch() -> None:
        with open(statm, "rb") as fh:
            while True:
                fh.seek(0)
                if int(fh.read().split()[1]) * page > limit:
                    os._exit(EXIT_MEMORY)
                time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()


def _serve(conn, func: Callable, parent_pid: int, memory_mb: float | None = None) -> None:
    _die_with_parent(parent_pid)
    if memory_mb:
        _watch_memory(memory_mb)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    conn.send(None)  # ready: imports done, so a task's time limit counts the task alone
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        idx, task = msg
        try:
            conn.send((idx, True, func(task)))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
            conn.send((idx, False, f"{type(exc).__name__}: {exc}"))


def death_reason(exitcode: int | None, memory_mb: float | None = None) -> str:
    if exitcode == EXIT_MEMORY and memory_mb:
        return f"exceeds the memory limit for one file ({memory_mb:g} MB, settings.file_memory_mb); stopped"
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


class _Worker:
    def __init__(self, ctx, func: Callable, memory_mb: float | None = None):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, func, os.getpid(), memory_mb), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.ready = False
        self.restarts = 0

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_isolated(
    func: Callable[[Any], Any],
    tasks: list,
    jobs: int,
    *,
    on_done: Callable[[int, Any, Failure | None], None],
    timeout: float | None = None,
    memory_mb: float | None = None,
) -> None:
    """Run func(task) for every task in `jobs` workers; on_done(index, result, None) for each
    result, on_done(index, None, why) for a task whose worker raised, died, overran `timeout`
    seconds or passed `memory_mb` of resident memory (`why` a Failure: a code and a message).
    Returns when every task is done; workers are stopped (killed if need be) on the way out. On a
    Dask cluster (scheduler_address()) `jobs` is the cluster's business and is ignored (and so is
    `memory_mb`: Dask has its own memory limits)."""
    if address := scheduler_address():
        return _DaskRun(address, func, tasks, on_done, timeout).run()
    return _Pool(func, tasks, jobs, on_done, timeout, memory_mb).run()


class _Pool:
    """run_isolated on local spawned workers: tasks handed to idle workers, a dead, stuck or starved
    worker replaced, each task reported once."""

    def __init__(self, func, tasks: list, jobs: int, on_done, timeout: float | None, memory_mb: float | None):
        self.ctx = mp.get_context("spawn")
        self.func, self.tasks, self.jobs, self.on_done = func, tasks, jobs, on_done
        self.timeout, self.memory_mb = timeout, memory_mb
        self.pending = list(range(len(tasks)))[::-1]
        self.workers: list[_Worker] = []

    def _new(self) -> _Worker:
        return _Worker(self.ctx, self.func, self.memory_mb)

    def run(self) -> None:
        try:
            self.workers = [self._new() for _ in range(min(self.jobs, len(self.tasks)))]
            while True:
                self._dispatch()
                busy = [w for w in self.workers if w.task is not None or (not w.ready and w.proc.exitcode is None)]
                if not busy:
                    return
                ready = set(wait([x for w in busy for x in (w.conn, w.proc.sentinel)], timeout=self._wait_for(busy)))
                for k, w in enumerate(self.workers):
                    if w in busy:
                        self._settle(k, w, ready)
        finally:
            for w in self.workers:
                if w.proc.is_alive():
                    w.stop()

    def _dispatch(self) -> None:
        for k, w in enumerate(self.workers):
            if w.ready and w.task is None and self.pending:
                try:
                    w.conn.send((self.pending[-1], self.tasks[self.pending[-1]]))
                except OSError:  # died between two tasks: nothing lost, replace it
                    w.proc.kill()
                    w.stop()
                    self.workers[k] = self._new()
                    continue
                w.task, w.started = self.pending.pop(), time.monotonic()

    def _wait_for(self, busy: list[_Worker]) -> float | None:
        timed = [w.started + self.timeout for w in busy if w.task is not None] if self.timeout else []
        return max(0.05, min(timed) - time.monotonic()) if timed else None

    def _settle(self, k: int, w: _Worker, ready: set) -> None:
        """What the wait said about worker k: a message, a death, an overrun, or nothing yet."""
        if (w.conn in ready or (w.proc.sentinel in ready and w.conn.poll())) and self._receive(w):
            return
        if w.task is None:  # died while starting, before any task: start another
            self._restart_starting(k, w, ready)
            return
        why = self._failure(w, ready)
        if why:
            idx = w.task
            w.task = None
            w.proc.kill()
            w.stop()
            self.workers[k] = self._new() if self.pending else w
            self.on_done(idx, None, why)

    def _receive(self, w: _Worker) -> bool:
        """The worker's message, handled (it is ready, or a task's result); False when the pipe closed."""
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):  # the pipe closed: the worker is going
            w.proc.join(timeout=5)
            return False
        if msg is None:
            w.ready = True
            return True
        idx, ok, payload = msg
        w.task = None
        self.on_done(idx, payload if ok else None, None if ok else Failure(ErrorCode.INTERNAL_ERROR, payload))
        return True

    def _restart_starting(self, k: int, w: _Worker, ready: set) -> None:
        if w.proc.sentinel in ready or not w.proc.is_alive():
            w.stop()
            # a worker that cannot even start would be replaced forever: give up
            if w.restarts >= 3:
                raise RuntimeError(f"worker processes cannot start ({death_reason(w.proc.exitcode)})")
            self.workers[k] = self._new()
            self.workers[k].restarts = w.restarts + 1

    def _failure(self, w: _Worker, ready: set) -> Failure | None:
        """Why the worker's task failed (it died, or overran the timeout), or None while it runs."""
        if w.proc.sentinel in ready or not w.proc.is_alive():
            w.proc.join()
            if w.proc.exitcode == EXIT_MEMORY and self.memory_mb:
                return Failure(ErrorCode.MEMORY_LIMIT, death_reason(w.proc.exitcode, self.memory_mb))
            return Failure(ErrorCode.WORKER_DIED, f"worker process died ({death_reason(w.proc.exitcode)})")
        if self.timeout and time.monotonic() - w.started > self.timeout:
            return Failure(ErrorCode.TIMEOUT, f"took longer than {self.timeout:g} s; its worker was stopped")
        return None


class _DaskRun:
    """run_isolated's contract on a Dask distributed cluster. Tasks are handed to the cluster as
    threads free up (no more in flight than the cluster has threads), so a worker that dies takes
    only the tasks it was running. A task's time counts from when a worker starts executing it, not
    while it waits for a worker that died to be replaced or behind another task on its worker.
    Results are handed over as they come and released at once (the parent holds one at a time)."""

    def __init__(self, address: str, func, tasks: list, on_done, timeout: float | None):
        self.address, self.func, self.tasks, self.on_done, self.timeout = address, func, tasks, on_done, timeout
        self.queue = list(range(len(tasks)))[::-1]
        self.running: dict[Any, int] = {}  # future -> task index
        self.started: dict[Any, float] = {}  # future -> when it was first seen executing on a worker

    def run(self) -> None:
        from distributed import Client, wait

        if not self.tasks:
            return
        with Client(self.address, timeout="30s") as client:
            run = f"{getattr(self.func, '__name__', 'task')}-{os.getpid()}-{time.time_ns()}"
            while self.queue or self.running:
                slots = max(1, sum(client.nthreads().values()))  # workers may join or leave during a run
                while self.queue and len(self.running) < slots:
                    i = self.queue.pop()
                    self.running[client.submit(self.func, self.tasks[i], pure=False, key=f"{run}-{i}")] = i
                wait_for = self._wait_for(client) if self.timeout else None
                try:
                    done, _ = wait(list(self.running), timeout=wait_for, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                self._hand_over(done)
                if self.timeout:
                    self._cancel_overdue(self.timeout)

    def _wait_for(self, client) -> float:
        """Until the first running task's deadline; polled while some task waits for a worker (its
        clock starts when it gets one)."""
        on_workers = {k for keys in client.run(_executing, on_error="ignore").values() for k in keys}
        now = time.monotonic()
        for f in self.running:
            if f not in self.started and f.key in on_workers:
                self.started[f] = now
        ends = [self.started[f] + (self.timeout or 0) for f in self.running if f in self.started]
        wait_for = max(0.1, min(ends, default=now + 1.0) - now)
        return min(wait_for, 1.0) if len(ends) < len(self.running) else wait_for

    def _hand_over(self, done) -> None:
        for f in done:
            i = self.running.pop(f)
            self.started.pop(f, None)
            try:
                result = f.result()
            except BaseException as exc:  # noqa: BLE001 - the task raised, or its worker died (KilledWorker)
                self.on_done(i, None, _dask_reason(exc))
            else:
                self.on_done(i, result, None)
            f.release()

    def _cancel_overdue(self, timeout: float) -> None:
        for f, i in list(self.running.items()):
            if f in self.started and time.monotonic() - self.started[f] > timeout and not f.done():
                self.running.pop(f)
                self.started.pop(f)
                f.cancel()  # Dask cannot stop a running task: it is released and its result dropped
                why = Failure(ErrorCode.TIMEOUT, f"took longer than {timeout:g} s on the Dask cluster; cancelled")
                self.on_done(i, None, why)


def _executing(dask_worker) -> list:
    """Run on each worker (Client.run): the keys of the tasks it is executing now."""
    return [ts.key for ts in dask_worker.state.executing]


def _dask_reason(exc: BaseException) -> Failure:
    if type(exc).__name__ == "KilledWorker":
        return Failure(ErrorCode.WORKER_DIED, f"worker process died on the Dask cluster ({exc})")
    return Failure(ErrorCode.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
