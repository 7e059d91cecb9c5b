"""Instructions executed by a piece of work, counted by valgrind's callgrind: a cost that does not move
with the load of a shared machine, where CPU time moves by ±30% from one minute to the next.

    count(["benchmarks/bench_extract.py", "--count-worker", "pass", "2"]) → instructions

The command is run under callgrind with counting off; the worker runs its warm-up, then calls the
measured work through `operator.call`, and callgrind counts only inside that C function
(`--toggle-collect=_operator_call*`, CPython's own implementation of `operator.call`): imports and
warm-up are not counted. Instructions are not time (C code such as PDFium's runs more instructions a
cycle than the Python interpreter), so this is a second, steadier measure beside the CPU time, not a
replacement for it.
"""

from __future__ import annotations

import operator
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_COLLECTED = re.compile(r"Collected : (\d+)")


class NoValgrind(RuntimeError):
    pass


def measured(work: Callable[[], object]) -> None:
    """In the worker: run `work` where callgrind counts (inside operator.call)."""
    operator.call(work)


def count(args: list[str]) -> int:
    """Instructions executed inside `measured` by `python args…` (run from the project root)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise NoValgrind("valgrind is not installed: counting instructions needs it (apt-get install valgrind)")
    cmd = [
        valgrind,
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        "--collect-atstart=no",
        "--toggle-collect=_operator_call*",
        sys.executable,
        *args,
    ]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed under callgrind (exit {out.returncode}): {out.stderr[-2000:]}")
    m = _COLLECTED.search(out.stderr)
    if m is None or int(m.group(1)) == 0:
        raise NoValgrind(f"callgrind counted nothing inside operator.call (a stripped Python?): {out.stderr[-500:]}")
    return int(m.group(1))
