"""Publishing files so that a reader sees the old version or the new one, never a mix or a half.

Datasets: a run writes every file into a temporary folder `.writing-*`, which becomes a generation
folder `.gen-*`; one atomic rename of the symlink `current` then switches all datasets at once.
`<name>.parquet` in the folder (a file, or a folder of files: partitioned.py) is a symlink through
`current`, so existing paths keep working and change together. A crash before the switch leaves
the previous generation published and a `.writing-*`/`.gen-*` folder that no reader looks at; the
next publication removes it. The generation before the current one is kept until the next
publication, for readers still on it.

Pages: written to a hidden temporary file beside the target, then renamed over it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from . import faults

CURRENT = "current"


def _fsync_dir(folder: Path) -> None:
    """fsync a folder's entries (or a file's data): os.open works for both."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _replace_symlink(target: str, link: Path) -> None:
    tmp = link.parent / f".{link.name}.link-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def current_generation(folder: Path) -> Path | None:
    link = Path(folder) / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def clean_leftovers(folder: Path, keep: Path | None = None) -> list[str]:
    """Remove temporary and unpublished generation folders (of a run that crashed or was killed)
    and old generations, except the current one and `keep`. Call it with the folder's lock held,
    so no run is writing them."""
    folder = Path(folder)
    live = {g.resolve() for g in (current_generation(folder), keep) if g is not None}
    removed = []
    for p in folder.glob(".writing-*"):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    for p in folder.glob(".gen-*"):
        if p.resolve() not in live:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    for p in folder.glob(".*.link-*"):
        p.unlink(missing_ok=True)
    return removed


def publish_generation(folder: Path, fill: Callable[[Path], None]) -> list[Path]:
    """fill(tmp) writes the files of a new generation; they are published together or not at all.
    Returns the published paths (`folder/<name>`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clean_leftovers(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder))
    try:
        fill(tmp)
        for sub, _, names in os.walk(tmp):  # files (and the folders of a dataset) on disk before the switch
            for name in names:
                _fsync_dir(Path(sub) / name)
            _fsync_dir(Path(sub))
        faults.point("publish", "filled")
        gen = folder / f".gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{tmp.name[-6:]}"
        os.chmod(tmp, 0o755)  # mkdtemp made it private; the data is for every reader
        os.rename(tmp, gen)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(folder)
    previous = current_generation(folder)
    _replace_symlink(gen.name, folder / CURRENT)  # the one switch
    _fsync_dir(folder)
    faults.point("publish", "switched")
    names = sorted(p.name for p in gen.iterdir())
    for name in names:  # stable paths through `current`; the first run replaces plain files once
        link = folder / name
        if not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
            _replace_symlink(f"{CURRENT}/{name}", link)
    for link in folder.iterdir():  # links to files this generation no longer has
        if link.is_symlink() and os.readlink(link).startswith(f"{CURRENT}/") and link.name not in names:
            link.unlink()
    clean_leftovers(folder, keep=previous)  # the previous generation stays for readers still on it
    return [folder / n for n in names]


def write_text_atomic(path: Path, text: str) -> None:
    """Write a page: a temporary file beside it, then a rename over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            faults.point("page", path.name)
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clean_page_leftovers(folder: Path) -> None:
    """Temporary page files of a run that was killed while writing them."""
    for p in Path(folder).rglob(".*.tmp"):
        p.unlink(missing_ok=True)
