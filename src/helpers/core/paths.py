"""Where things live. One place, so notebooks, tests and runners agree."""

from __future__ import annotations

import os
import re
from pathlib import Path

# src/helpers/core/paths.py -> the repository root is four levels up.
REPO_ROOT = Path(os.environ.get("JUESUAN_ROOT", Path(__file__).resolve().parents[3]))
DATA_RAW = REPO_ROOT / "data" / "raw"
DATA_PROCESSED = REPO_ROOT / "data" / "processed"
REPORTS = REPO_ROOT / "reports"
NOTEBOOKS = REPO_ROOT / "notebooks"

RAW_SUFFIXES = (
    ".txt",
    ".pdf",
    ".md",
    ".text",
    *(".xlsx", ".xls", ".docx", ".doc", ".wps", ".html", ".htm", ".mht", ".mhtml"),  # read/containers.py
    *(".jpg", ".jpeg", ".png", ".tif", ".tiff"),  # a report's single page image
)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")


def raw_listing(folder: Path = DATA_RAW) -> tuple[list[Path], list[tuple[str, str]]]:
    """(the report files in a raw folder sorted by name, [(name, why ignored)]).

    A report is any entry with a report suffix, whatever kind of entry it is: a dangling link, a
    named pipe or a folder named `x.txt` is kept here so that the extraction names it as a failed
    file instead of dropping it silently. Ignored by rule: hidden names (`.x`), and documentation
    whose name is written in capitals (MANIFEST.md, NOTES.md, README.txt), which reports never are.
    """
    files, ignored = [], []
    for p in sorted(Path(folder).iterdir()):
        if p.is_dir() and not p.name.startswith(".") and _holds_images(p):
            files.append(p)  # a folder of page images is one report (read by OCR)
            continue
        if p.suffix.lower() not in RAW_SUFFIXES:
            continue
        if p.name.startswith("."):
            ignored.append((p.name, "hidden file"))
        elif re.fullmatch(r"[A-Z][A-Z0-9_-]*", p.stem):
            ignored.append((p.name, "documentation by name (capitalised), not a report"))
        else:
            files.append(p)
    return files, ignored


def _holds_images(folder: Path) -> bool:
    try:
        return any(q.suffix.lower() in IMAGE_SUFFIXES for q in folder.iterdir())
    except OSError:
        return False


def raw_files(folder: Path = DATA_RAW) -> list[Path]:
    """The report files in a raw folder, sorted by name (manifests, notes and hidden files excluded)."""
    return raw_listing(folder)[0]


def public_text(text: str) -> str:
    """Text for a published page: paths under the project root made relative to it, and the home
    folder written `~`, so no page shows where on which machine the project lives (a user name)."""
    root = str(REPO_ROOT.resolve())
    text = text.replace(root + os.sep, "").replace(root, ".")
    home = os.path.expanduser("~")
    if home not in ("", "/", "~"):
        text = text.replace(home + os.sep, "~" + os.sep)
    return text


def display_path(path: Path) -> str:
    """Path relative to the repository root when inside it, else absolute (for source_file)."""
    try:
        path = Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop: the path as given
        path = Path(os.path.abspath(path))
    try:
        return path.relative_to(REPO_ROOT.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
