"""Which notebooks of the main job must run again: a page is kept when its inputs did not change.

A job's inputs, hashed into one key:
- a report page: that report's row identity (report id, source file, the bytes' SHA-256, status,
  readable label and, for a PDF, the engine that read it) and the extractor version that produced its rows;
- a study: the content of the published processed generation (the bytes of its Parquet files);
- both: the notebook file, the code it imports (every file of `src/helpers`, templates included),
  the parameters and the page title.

The state (job → key of its last successful run) is a small JSON file in the build folder, written
atomically after the notebooks ran. A job is kept only when its key matches, its last run succeeded
and both its executed notebook and its page still exist; a failed run is never recorded, so it runs
again next time. `--force` ignores the state.

A report page shows its own report's rows only (numbered within the report, an empty section
said so without corpus-wide counts), so a kept page is the page a clean run would write (tested by
adding a report and comparing with a clean run).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from ..data.storage import current_generation, write_text_atomic

STATE_FILE = "notebook-state.json"
STATE_FORMAT = 1
_PACKAGE = Path(__file__).parents[1]  # the package


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def code_version(root: Path = _PACKAGE) -> str:
    """Hash of the package the notebooks import (sources and page templates; caches left out)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix in {".pyc", ".pyo"}:
            continue
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def corpus_version(processed: Path) -> str:
    """Hash of the published generation's files (the Parquet writes are deterministic: the same
    rows give the same bytes)."""
    folder = current_generation(processed) or Path(processed)
    parts: list[str | bytes] = []
    # a partitioned folder's MANIFEST.json names each report's part by a content key
    for p in sorted(folder.glob("*.parquet")) + [folder / "VERSION", folder / "MANIFEST.json"]:
        if p.is_file():
            parts += [p.name, p.read_bytes()]
    return _sha(*parts)[:16]


def report_versions(processed: Path, labels: pd.Series) -> dict[str, str]:
    """report id → hash of what decides its rows: id, file, bytes, status, label, extractor version
    (and a PDF's engine; text rows hash as before, so their pages are kept)."""
    folder = current_generation(processed) or Path(processed)
    vf = folder / "VERSION"
    version = vf.read_text().strip() if vf.exists() else ""
    reps = pd.read_parquet(
        folder / "reports.parquet", columns=["report_id", "source_file", "source_sha256", "status", "pdf_engine"]
    )
    return {
        r.report_id: _sha(
            version,
            str(r.report_id),
            str(r.source_file),
            str(r.source_sha256),
            str(r.status),
            str(labels.get(r.report_id, r.report_id)),
            # a PDF read again with another --engine has other rows under the same bytes
            *([str(r.pdf_engine)] if isinstance(r.pdf_engine, str) else []),
        )[:16]
        for r in reps.itertuples()
    }


def job_key(job, inputs: str, code: str) -> str:
    nb = Path(job.notebook)
    nb_bytes = nb.read_bytes() if nb.exists() else b""
    params = json.dumps(job.parameters, sort_keys=True, ensure_ascii=False)
    return _sha(job.kind, job.name, nb_bytes, code, inputs, params, job.title)[:16]


def load_state(build_dir: Path) -> dict:
    try:
        state = json.loads((Path(build_dir) / STATE_FILE).read_text())
        if state.get("format") == STATE_FORMAT and isinstance(state.get("jobs"), dict):
            return state
    except (OSError, ValueError):
        pass
    return {"format": STATE_FORMAT, "jobs": {}}


def save_state(build_dir: Path, jobs: dict[str, dict]) -> None:
    write_text_atomic(
        Path(build_dir) / STATE_FILE,
        json.dumps({"format": STATE_FORMAT, "jobs": jobs}, ensure_ascii=False, indent=1, sort_keys=True),
    )


def state_name(job) -> str:
    lang = getattr(job, "lang", "zh")  # one entry per edition of a page
    return f"{job.kind}:{job.name}" + ("" if lang == "zh" else f":{lang}")


def unchanged(job, key: str, state: dict) -> dict | None:
    """The recorded entry when the job can be kept (same key, last run ok, outputs present), else None."""
    entry = state.get("jobs", {}).get(state_name(job))
    if not entry or entry.get("key") != key or not entry.get("ok"):
        return None
    if not (Path(job.output).is_file() and Path(job.html).is_file()):
        return None
    return entry
