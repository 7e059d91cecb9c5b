"""Where things live. One place, so notebooks, tests and runners agree."""

from __future__ import annotations

import os
from pathlib import Path

# src/helpers/paths.py -> repository root is three levels up.
REPO_ROOT = Path(os.environ.get("JUESUAN_ROOT", Path(__file__).resolve().parents[2]))
DATA_RAW = REPO_ROOT / "data" / "raw"
DATA_PROCESSED = REPO_ROOT / "data" / "processed"
REPORTS = REPO_ROOT / "reports"
NOTEBOOKS = REPO_ROOT / "notebooks"
STATE = REPO_ROOT / ".state"

RAW_SUFFIXES = (".txt", ".pdf", ".md", ".text")


def raw_files(folder: Path = DATA_RAW) -> list[Path]:
    """The report files in a raw folder, sorted by name (manifests and notes excluded)."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in RAW_SUFFIXES and p.name.upper() != "MANIFEST.MD"
    )


def display_path(path: Path) -> str:
    """Path relative to the repository root when inside it, else absolute (for source_file)."""
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
