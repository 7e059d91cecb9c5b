"""Jupyter kernels for the report notebooks: which kernelspec runs this interpreter, kernels over
IPC sockets, and a warm kernel that runs one notebook after another with a clean namespace.

A fresh kernel per notebook costs its start (~1 s) and the notebook's imports (pandas, matplotlib,
seaborn, helpers: ~2 s) before any report is computed. `WarmKernel` pays them once per worker
process: between two notebooks `reset()` puts the kernel back in the state a fresh one has after
importing the same modules — user namespace, In/Out history and execution counter cleared,
matplotlib figures closed and rcParams as at start, pandas options at their defaults, warning
filters as at start, the working directory the job's; what survives (modules, caches) is frozen
out of the garbage collector's passes (`gc.freeze`). Modules stay imported (that is the saving);
a notebook that changes a module's globals would leak that change, which none of ours does.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

logger = logging.getLogger(__name__)

KERNEL_NAME = "python3"
FALLBACK_KERNEL = "juesuan-python3"
LANGUAGE = "python"
START_TIMEOUT = 90


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
        raise RuntimeError(
            f"kernel {name!r} does not run {sys.executable}; install one with "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name {name}`"
        )
    logger.info("installed kernelspec %r for %s", name, sys.executable)
    return name


def ipc_manager_class():
    """AsyncKernelManager speaking over IPC sockets in a short private folder (parallel TCP
    kernels can race for ports)."""
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
# Inside the kernel: what a warm kernel restores between two notebooks. Called by code sent to
# the kernel that binds no name in the user namespace.

_START_STATE: dict = {}


def snapshot_start_state() -> None:
    """Record, in a fresh kernel, what `reset_namespace` restores (rcParams as matplotlib starts
    with them, the warning filters)."""
    import warnings

    import matplotlib

    _START_STATE["rc"] = dict(matplotlib.rcParams)
    _START_STATE["warnings"] = list(warnings.filters)


def reset_namespace(cwd: str) -> None:
    """Put this kernel back in a fresh kernel's state (see the module docstring)."""
    import warnings

    from IPython import get_ipython  # runs inside the kernel

    ip = get_ipython()
    ip.reset(new_session=False)
    ip.execution_count = 1  # the first cell of the next notebook is [1], as in a fresh kernel
    if "matplotlib" in sys.modules:
        import matplotlib
        import matplotlib.pyplot as plt

        plt.close("all")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.clear()
            matplotlib.rcParams.update(_START_STATE.get("rc") or matplotlib.rcParamsDefault)
    if "pandas" in sys.modules:
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
    warnings.resetwarnings()  # also forgets which warnings were already shown once
    warnings.filters.extend(_START_STATE.get("warnings", []))  # type: ignore[attr-defined]  # a list at run time
    os.chdir(cwd)
    # What is left is the kernel's own (modules, caches): set it aside from the garbage collector,
    # whose full passes would otherwise walk it again and again during every notebook.
    gc.collect()
    if "pyarrow" in sys.modules:  # what the last notebook freed goes back to the system, not into the next one's peak
        from ..data.database import give_back

        give_back()
    gc.freeze()


class KernelDied(RuntimeError):
    """The kernel's process ended while it was being prepared for a notebook."""


def _wait_msg(get, timeout: float, alive) -> dict:
    """The next message from `get` (a client's get_shell_msg), waiting at most `timeout` seconds but
    in slices of one: a kernel that died is noticed within a second, not at the end of the wait."""
    from queue import Empty

    from jupyter_core.utils import run_sync

    deadline = time.monotonic() + timeout
    while True:
        try:
            return run_sync(get)(timeout=max(0.01, min(1.0, deadline - time.monotonic())))
        except Empty:
            if alive is not None and not alive():
                raise KernelDied("kernel died (its process ended) before the notebook ran") from None
            if time.monotonic() >= deadline:
                raise


def _run_in_kernel(kc, code: str, timeout: float, alive=None) -> None:
    """Execute `code` silently (no execution count, no history) and wait for its reply; raise when
    it fails, KernelDied at once when `alive()` says the kernel is gone."""
    msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
    reply = _wait_msg(kc.get_shell_msg, timeout, alive)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = _wait_msg(kc.get_shell_msg, timeout, alive)
    content = reply["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"kernel setup failed: {content.get('ename')}: {content.get('evalue')}")
    # drain what the kernel published for it (status busy/idle), so the next notebook starts clean
    while True:
        try:
            msg = _wait_msg(kc.get_iopub_msg, timeout, alive)
        except KernelDied:
            raise
        except Exception:
            break
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"].get("execution_state") == "idle"
        ):
            break


class WarmKernel:
    """One kernel kept alive across notebooks (one per worker process). `km`/`kc` are handed to
    nbclient, which does not shut down a kernel it does not own."""

    def __init__(self, kernel_name: str, cwd: str | None = None):
        from jupyter_core.utils import run_sync

        self.kernel_name = kernel_name
        self.km = ipc_manager_class()(kernel_name=kernel_name)
        self.kc = None
        self.notebooks = 0
        try:
            # the history in memory, as nbclient starts its kernels (no sqlite file shared by kernels)
            run_sync(self.km.start_kernel)(
                extra_arguments=["--HistoryManager.hist_file=:memory:"], cwd=cwd or os.getcwd()
            )
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=START_TIMEOUT)
            self.kc.allow_stdin = False
            _run_in_kernel(
                self.kc,
                "__import__('helpers.run.kernels').run.kernels.snapshot_start_state()",
                START_TIMEOUT,
                self.alive,
            )
        except BaseException:
            self.shutdown()
            raise

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def reset(self, cwd: str, timeout: float = 60) -> None:
        """A clean namespace for the next notebook, in `cwd`."""
        if self.notebooks:
            code = f"__import__('helpers.run.kernels').run.kernels.reset_namespace({str(cwd)!r})"
        else:  # a fresh kernel: only the working directory
            code = f"__import__('os').chdir({str(cwd)!r})"
        _run_in_kernel(self.kc, code, timeout, self.alive)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            if self.kc is not None:
                self.kc.stop_channels()
        except Exception:
            pass
        try:
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:
            pass
        try:
            run_sync(self.km.cleanup_resources)()
        except Exception:
            pass
        self.kc = None
