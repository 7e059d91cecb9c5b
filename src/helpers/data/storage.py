"""Publishing files so that a reader sees the old version or the new one, never a mix or a half.

Datasets: a run writes every file into a temporary folder `.writing-*`, which becomes a generation
folder `.gen-*`; one atomic rename of the symlink `current` then switches all datasets at once.
`<name>.parquet` in the folder (a file, or a folder of files: partitioned.py) is a symlink through
`current`, so existing paths keep working and change together. A crash before the switch leaves
the previous generation published and a `.writing-*`/`.gen-*` folder that no reader looks at; the
next publication removes it. The generation before the current one is kept until the next
publication, for readers still on it.

A folder is written only if it is this project's: empty or new (data/processed: but for the files
the repository keeps there), or carrying the marker file
`.juesuan-datasets` (written on the first run, before anything else), or published by an earlier
version (`current` → `.gen-*` with a VERSION). Any other folder that holds files is refused before
anything is written (`claim_folder`), and leftovers are removed only under the exact names this
module gives them, so a user's own `.gen-mine/` or `reports.parquet/` is never touched.

Pages: written to a hidden temporary file beside the target, then renamed over it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..core import faults
from ..core.paths import DATA_PROCESSED

CURRENT = "current"
MARKER = ".juesuan-datasets"
MARKER_TEXT = (
    "This folder holds datasets written by `python -m helpers` (extract / run). The project writes,\n"
    "links and removes its own files here (current, .gen-*, .parts, <dataset>.parquet); keep other files elsewhere.\n"
)
# The exact names of what this module creates (mkdtemp's 8 characters; see publish_generation).
_WRITING = re.compile(r"\.writing-[a-z0-9_]{8}")
_GEN = re.compile(r"\.gen-\d{8}T\d{6}-\d+-[a-z0-9_]{6}")
_LINK_TMP = re.compile(r"\..+\.link-\d+")


# What the repository itself keeps in data/processed (committed; no run writes them).
SHIPPED_IN_PROCESSED = (".gitkeep", "README.md")


class NotOurFolder(ValueError):
    """An output folder that holds files this project did not write: nothing is written into it."""


def claim_folder(folder: Path) -> None:
    """Make sure `folder` is this project's before anything is written into it (NotOurFolder if not),
    and mark it so. Call it with the folder's lock held."""
    folder = Path(folder)
    if folder.is_symlink() and not folder.is_dir():
        raise NotOurFolder(f"{folder} is a link to something that is not a folder; nothing was written")
    if folder.exists() and not folder.is_dir():
        raise NotOurFolder(f"{folder} is a file, not a folder; choose a folder for the datasets. Nothing was written")
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / MARKER).is_file():
        return
    names = sorted(os.listdir(folder))
    if folder.resolve() == DATA_PROCESSED.resolve():  # the repository ships its placeholder files there
        names = [n for n in names if n not in SHIPPED_IN_PROCESSED]
    gen = folder / CURRENT
    legacy = gen.is_symlink() and _GEN.fullmatch(os.readlink(gen)) and (folder / os.readlink(gen) / "VERSION").is_file()
    if names and not legacy:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise NotOurFolder(
            f"{folder} already holds files this project did not write ({shown}); nothing was written. "
            "Give --out a new or empty folder, or one that `extract` wrote before."
        )
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


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
        if _WRITING.fullmatch(p.name) and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    for p in folder.glob(".gen-*"):
        if _GEN.fullmatch(p.name) and not p.is_symlink() and p.resolve() not in live:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    for p in folder.glob(".*.link-*"):
        if _LINK_TMP.fullmatch(p.name) and p.is_symlink():
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
    # a dataset's name taken by a folder or link of someone else's: say so before the switch, not after
    taken = [n for n in os.listdir(gen) if (folder / n).is_dir() and not (folder / n).is_symlink()]
    if taken:
        shutil.rmtree(gen, ignore_errors=True)
        raise NotOurFolder(
            f"{folder}: {', '.join(sorted(taken))} is a folder this project did not write; nothing was published"
        )
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


def _short(name: str, limit: int = 120) -> str:
    """A name for a temporary file beside `name`: the name itself, or for a long one (a file name
    may take the 255 bytes a folder entry holds) its start and a short hash, so that prefix and
    suffix still fit."""
    if len(os.fsencode(name)) <= limit:
        return name
    import hashlib

    head = os.fsencode(name)[:40].decode("utf-8", errors="ignore")
    return f"{head}-{hashlib.sha256(os.fsencode(name)).hexdigest()[:12]}"


def write_text_atomic(path: Path, text: str) -> None:
    """Write a page: a temporary file beside it, then a rename over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{_short(path.name)}.", suffix=".tmp", dir=path.parent)
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
