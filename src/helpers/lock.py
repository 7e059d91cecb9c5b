"""One run at a time per output folder.

The lock is `flock` on `<folder>/.lock`: the kernel holds it for the process and releases it when
the process ends however it ends, so a crashed or killed run never leaves a stale lock behind (the
file it leaves is not a lock; the next run takes it over). The file says who holds it, for the
message a second run prints. Re-entrant within a process (the main job holds it while the
extraction it calls takes it again).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
import sys
from contextlib import contextmanager
from pathlib import Path

_held: dict[str, int] = {}


class LockHeld(RuntimeError):
    pass


@contextmanager
def folder_lock(folder: Path, what: str = "run"):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".lock"
    key = str(path.resolve())
    if key in _held:
        _held[key] += 1
        try:
            yield path
        finally:
            _held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = Path(path).read_text(errors="replace").strip() or "another process"
        os.close(fd)
        raise LockHeld(
            f"{folder} is in use by another run ({holder}); this {what} did not start. "
            "Wait for that run to finish and start again."
        ) from None
    try:
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.write(
            fd, f"pid {os.getpid()} on {socket.gethostname()}, started {started}: {' '.join(sys.argv[:4])}\n".encode()
        )
        _held[key] = 1
        yield path
    finally:
        _held.pop(key, None)
        os.close(fd)  # releases the flock
