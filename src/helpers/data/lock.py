"""One run at a time per output folder.

The lock is `flock` on `.<folder name>.lock` beside the folder (`data/.processed.lock` for
`data/processed`): outside the folder it protects, so deleting the folder during a run does not
delete the lock and let a second run in. The kernel holds the flock for the process and releases it
when the process ends however it ends, so a crashed or killed run never leaves a stale lock behind
(the file it leaves is not a lock; the next run takes it over). The file says who holds it, for the
message a second run prints. Re-entrant within a process (the main job holds it while the
extraction it calls takes it again).

The lock file is never a way to write elsewhere: it is opened with O_NOFOLLOW (a planted symbolic
link is refused, never followed) and used only if it is a regular file of this user with one name
(a planted hard link to another file is refused); it is written only after the flock is held.
When the folder's parent cannot take a file (read-only), the lock goes inside the folder.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import socket
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

_held: dict[str, int] = {}


class LockHeld(RuntimeError):
    pass


class LockUnsafe(LockHeld):
    """The lock file's path holds something that is not our lock file (a link, another user's file)."""


def lock_path(folder: Path) -> Path:
    """Where the lock of `folder` lives: beside it, named after it."""
    folder = Path(folder).resolve()
    return folder.parent / f".{folder.name}.lock"


def _open_lock(path: Path) -> int:
    """The lock file opened for writing, created if missing; LockUnsafe for anything but our own
    regular file (never followed, never truncated)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LockUnsafe(
                f"{path} is a symbolic link (to {os.readlink(path)}); a lock file is never followed. "
                "Remove the link and start again; nothing was written."
            ) from None
        raise
    st = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(st.st_mode):
        problem = "is not a regular file"
    elif st.st_nlink != 1:
        problem = f"is a hard link ({st.st_nlink} names for one file)"
    elif st.st_uid != os.getuid():
        problem = f"belongs to another user (uid {st.st_uid})"
    if problem:
        os.close(fd)
        raise LockUnsafe(f"{path} {problem}, so it is not used as a lock; remove it and start again. Nothing written.")
    return fd


@contextmanager
def folder_lock(folder: Path, what: str = "run"):
    folder = Path(folder)
    path = lock_path(folder)
    key = str(path)
    if key in _held:
        _held[key] += 1
        try:
            yield path
        finally:
            _held[key] -= 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open_lock(path)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        folder.mkdir(parents=True, exist_ok=True)  # the parent takes no file: the lock goes inside
        path = folder.resolve() / ".lock"
        fd = _open_lock(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise LockHeld(
            f"{folder} is in use by another run ({holder}); this {what} did not start. "
            "Wait for that run to finish and start again."
        ) from None
    try:
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)  # our own lock file (checked above), held by us
        os.pwrite(
            fd,
            f"pid {os.getpid()} on {socket.gethostname()}, started {started}: {' '.join(sys.argv[:4])}\n".encode(),
            0,
        )
        _held[key] = 1
        folder.mkdir(parents=True, exist_ok=True)
        yield path
    finally:
        _held.pop(key, None)
        os.close(fd)  # releases the flock
