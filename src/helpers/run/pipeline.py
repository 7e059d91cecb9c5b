"""Batch extraction: many raw files in, one folder of Parquet files per dataset out.

- Each file is processed on its own: a bad file becomes a `failed` row and the rest go on.
- Each report's rows are written as soon as it is read (partitioned.py), so memory does not grow
  with the corpus and a killed run resumes where it stopped.
- Output is published all-or-nothing: one switch publishes every dataset of a run together, so
  `data/processed/` never shows a half-written run; unchanged reports' files are linked, not rewritten.
- Incremental: a file whose bytes (SHA-256), path and extractor version (and, for a PDF, the
  `--engine` that read it) match a written part reuses its rows; only new or changed files, and
  PDFs asked for with another engine, are read again.
- Many files run in worker processes started with the `spawn` method (a forked child of a process
  that started tabula's JVM hangs), or on a Dask cluster (workers.use_scheduler).
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..core import faults, schema, settings
from ..core.errors import ErrorCode, Failure
from ..core.paths import display_path
from ..core.progress import Progress, clear_line
from ..data import partitioned
from ..data.datasets import (
    ALL_DATASETS,
    extractor_version,
    key_of,
    keyed_version,
)
from ..data.extract import DEFAULT_PDF_ENGINE, extract_report, report_id_for
from ..data.extract import failed_row as _failed
from ..data.lock import folder_lock
from ..data.storage import claim_folder
from ..read.document import ReportError, check_input, sha256_of
from . import workers
from .workers import run_isolated

logger = logging.getLogger(__name__)


def _assign_ids(files: list[Path]) -> tuple[list[tuple[str, Path]], list[str]]:
    """report ids per file; the same path twice is processed once, with a message."""
    seen: dict[Path, str] = {}
    ids: set[str] = set()
    out, messages = [], []
    for f in files:
        try:
            rp = Path(f).resolve()
        except (OSError, RuntimeError):  # a symlink loop: read_document says so for this file alone
            rp = Path(os.path.abspath(f))
        if rp in seen:
            messages.append(f"{f}: given twice; processed once (as {seen[rp]})")
            continue
        rid = report_id_for(f)
        base, k = rid, 2
        while rid in ids:
            rid = f"{base}_{k}"
            k += 1
        ids.add(rid)
        seen[rp] = rid
        out.append((rid, Path(f)))
    return out, messages


def _run_one(args) -> dict[str, pd.DataFrame]:
    rid, path, engine, in_force = args  # the settings in force where the run began: a worker has its own
    faults.point("extract", f"{rid} {path}")
    return extract_report(path, report_id=rid, pdf_engine=engine, settings=in_force)


def _is_pdf(path: Path) -> bool:
    """Whether read_document reads this file as a PDF (a `%PDF` header, or the name says so and it
    fails as one): its rows then depend on the PDF engine, a text file's do not."""
    if path.suffix.lower() == ".pdf":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(1024).lstrip().startswith(b"%PDF")
    except OSError:
        return False


def _reusable(
    prev_reports: pd.DataFrame | None, rid: str, path: Path, sha: str | None, pdf_engine: str = DEFAULT_PDF_ENGINE
) -> bool:
    """True when the previous run read these very bytes under this id and path (a PDF: with this
    engine). A row without a checksum (the file could not be opened, or its worker died) is never
    reused: it is read again."""
    if sha is None or prev_reports is None or not len(prev_reports):
        return False
    hit = prev_reports[(prev_reports.report_id == rid) & (prev_reports.source_file == display_path(path))]
    if not len(hit):
        return False
    old = hit.iloc[0]
    engine = old.get("pdf_engine")  # null for text, and for a PDF that failed: read again
    # a text-layer PDF's rows depend on the engine; a scanned one's (OCR'd, `pdf_scan`) do not
    if (
        _is_pdf(path)
        and old.get("source_format") != "pdf_scan"
        and not (isinstance(engine, str) and engine == pdf_engine)
    ):
        return False
    return isinstance(old["source_sha256"], str) and old["source_sha256"] == sha


def _to_read(
    pairs: list[tuple[str, Path]],
    pdf_engine: str,
    progress: Callable[[str], None],
    reuse: Callable[[str, Path, str | None], bool],
    sink: Callable[[str, Path, dict[str, pd.DataFrame]], None],
    messages: list[str],
) -> tuple[list[tuple], list[str | None]]:
    """The files to read (as _run_one's tasks) and the checksum the reuse decision saw for each; a
    file refused before opening is sunk as failed, a reused one skipped, duplicate bytes noted."""
    todo: list[tuple] = []
    sha_before: list[str | None] = []
    first_with: dict[str, Path] = {}  # sha256 -> the first file with those bytes
    for rid, path in pairs:
        try:
            check_input(path)  # before opening: a named pipe would block, a loop would raise
            sha = sha256_of(path)
        except ReportError as exc:
            sink(rid, path, _failed(path, rid, str(exc), exc.code))
            progress(f"{rid}: failed ({exc.problem})")
            continue
        except OSError:
            sha = None  # unreadable: extract_report says why
        if reuse(rid, path, sha):
            progress(f"{rid}: unchanged since the last run, reused")
            continue
        if sha is not None:
            if sha in first_with:  # duplicate content under another name: say so, keep both rows
                messages.append(f"{path}: same bytes as {first_with[sha]}; extracted again under report id {rid}")
            first_with.setdefault(sha, path)
        todo.append((rid, path, pdf_engine, settings.current()))
        sha_before.append(sha)
    return todo, sha_before


def _each(
    files: list[Path],
    *,
    pdf_engine: str,
    jobs: int,
    timeout: float | None,
    progress: Callable[[str], None],
    reuse: Callable[[str, Path, str | None], bool],
    sink: Callable[[str, Path, dict[str, pd.DataFrame]], None],
) -> tuple[list[str], list[str]]:
    """Extract every file whose rows `reuse(rid, path, sha)` does not already have, handing each
    result to `sink(rid, path, frames)` as soon as it is there (whatever finishes first; frames are
    not kept here). Returns (report ids in input order, messages)."""
    pairs, messages = _assign_ids(files)
    todo, sha_before = _to_read(pairs, pdf_engine, progress, reuse, sink, messages)
    t0 = time.perf_counter()
    done = itertools.count(1)
    bar = Progress(len(todo), "extracting", progress)

    def finished(i: int, res: dict | None, why: Failure | None) -> None:
        rid, path = todo[i][:2]
        if res is None:  # the worker died, raised or overran: this file alone fails, read again next run
            why = why or Failure(ErrorCode.INTERNAL_ERROR, "no result")
            res = _failed(path, rid, f"{path}: {why.message}", why.code)
        read_sha = res["reports"]["source_sha256"].iloc[0]
        if isinstance(read_sha, str) and sha_before[i] is not None and read_sha != sha_before[i]:
            # the rows are those of the bytes read (their checksum is stored); the next run sees the
            # file's bytes differ from them and reads it again
            messages.append(
                f"{path}: changed during this run; its rows are those of the bytes that were read "
                f"(SHA-256 {read_sha[:12]}…, stored with them), so a later change is read again next run"
            )
        sink(rid, path, res)
        k = next(done)
        bar.step(k, _line(k, len(todo), res, t0))

    if (jobs > 1 or workers.scheduler_address()) and len(todo) > 1:
        from ..core.settings import SETTINGS

        # bounded work per file: a worker past its memory limit is stopped and its file alone fails
        run_isolated(_run_one, todo, jobs, on_done=finished, timeout=timeout, memory_mb=SETTINGS.file_memory_mb)
    else:
        for i, a in enumerate(todo):
            finished(i, _run_one(a), None)
    return [rid for rid, _ in pairs], messages


def _failures(reports: pd.DataFrame) -> list[str]:
    return [f"FAILED {r.error}" for r in reports.itertuples() if r.status == "failed"]  # the error names the file


def extract_many(
    files: list[Path],
    *,
    pdf_engine: str = DEFAULT_PDF_ENGINE,
    jobs: int = 1,
    previous: dict[str, pd.DataFrame] | None = None,
    progress: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Datasets for all files, in memory (concatenated in the order of `files`, whatever finishes
    first), and messages for the person running it. `previous` (a run of this extractor version,
    see previous_run) supplies the rows of unchanged files. With jobs > 1 each file is read in a
    worker process: one that dies or overruns `timeout` seconds fails that file alone. For a
    corpus, extract_and_write writes each report's rows as it finishes instead of holding them."""
    results: dict[str, dict[str, pd.DataFrame]] = {}
    prev_reports = previous.get("reports") if previous else None

    def reuse(rid: str, path: Path, sha: str | None) -> bool:
        if not _reusable(prev_reports, rid, path, sha, pdf_engine):
            return False
        assert previous is not None  # _reusable is False without a previous run
        results[rid] = {ds: df[df.report_id == rid] for ds, df in previous.items()}
        return True

    def sink(rid: str, path: Path, res: dict) -> None:
        results[rid] = res

    order, messages = _each(
        files,
        pdf_engine=pdf_engine,
        jobs=jobs,
        timeout=timeout,
        progress=progress or (lambda s: None),
        reuse=reuse,
        sink=sink,
    )
    ordered = [results[rid] for rid in order if rid in results]  # input order: same rows for any --jobs
    combined = {}
    for ds in ALL_DATASETS:
        frames = [r[ds] for r in ordered if ds in r and len(r[ds])]
        combined[ds] = schema.conform(pd.concat(frames, ignore_index=True), ds) if frames else schema.empty(ds)
    return combined, messages + _failures(combined["reports"])


def _line(k: int, n: int, res: dict[str, pd.DataFrame], t0: float) -> str:
    r = res["reports"].iloc[0]
    tables = ",".join(r["tables_found"]) or "none"
    return (
        f"[{k}/{n}] {r['report_id']}: {r['status']} (tables {tables}; {r['line_items']} cells); "
        f"{time.perf_counter() - t0:.1f}s elapsed"
    )


def log(msg: str) -> None:
    """Progress and messages for the person running a command: through `logging` (the `helpers`
    logger) when the application configured it, as the CLI does; otherwise on stderr, so a
    researcher calling the pipeline from a notebook or a script still sees them (stdout stays clean)."""
    if logging.getLogger("helpers").handlers:
        logger.info(msg)
        return
    clear_line()  # a progress bar being drawn: the message goes on a line of its own
    print(msg, file=sys.stderr, flush=True)


class _PartWriter:
    """extract_and_write's bookkeeping: which reports' rows a written part already holds (`reuse`),
    and each new report's rows written as its part under the key they are looked up by (`sink`)."""

    def __init__(self, out_dir: Path, version: str, pdf_engine: str, have: set[str]):
        self.out_dir, self.version, self.pdf_engine, self.have = out_dir, version, pdf_engine, have
        self.keys: dict[str, str] = {}
        self.engine_of: dict[str, str | None] = {}  # report id -> the PDF engine its rows depend on (None: text)

    def reuse(self, rid: str, path: Path, sha: str | None) -> bool:
        self.engine_of[rid] = self.pdf_engine if _is_pdf(path) else None
        key = partitioned.part_key(keyed_version(self.version, self.engine_of[rid]), rid, display_path(path), sha)
        if key in self.have:
            self.keys[rid] = key
            return True
        return False

    def sink(self, rid: str, path: Path, res: dict) -> None:
        row = res["reports"].iloc[0]
        # keyed as reuse() looked it up (the same sniff of the file, also for a PDF that failed)
        engine = self.engine_of.get(rid, self.pdf_engine if row["source_format"] == "pdf" else None)
        self.keys[rid] = key_of(keyed_version(self.version, engine), row)
        partitioned.write_part(self.out_dir, self.keys[rid], res)
        faults.point("part", rid)


def extract_and_write(
    files: list[Path],
    out_dir: Path,
    *,
    pdf_engine: str = DEFAULT_PDF_ENGINE,
    jobs: int = 1,
    incremental: bool = False,
    timeout: float | None = None,
) -> dict:
    """Extract files into out_dir (all-or-nothing), logging progress and messages. Each report's
    rows are written (partitioned.write_part) as soon as it is read, so the parent holds one
    report's frames at a time and a run that is killed resumes where it stopped: the next run reuses
    every part written for the same bytes by this extractor version. `incremental` also reuses the
    rows of the published run (unchanged files are not read again, nor their rows rewritten).
    Returns counts and the report ids for the caller."""
    out_dir = Path(out_dir)
    version = extractor_version()
    t0 = time.perf_counter()
    with folder_lock(out_dir, "extract"):
        claim_folder(out_dir)  # a folder of someone else's files is refused before anything is written
        have = partitioned.available_parts(out_dir)  # finished by a run that did not get to publish
        if incremental:
            have |= partitioned.published_keys(out_dir)
        parts = _PartWriter(out_dir, version, pdf_engine, have)
        order, messages = _each(
            files, pdf_engine=pdf_engine, jobs=jobs, timeout=timeout, progress=log, reuse=parts.reuse, sink=parts.sink
        )
        written = partitioned.publish(out_dir, [(rid, parts.keys[rid]) for rid in order], version)
    result = _outcome(out_dir, messages, t0)
    return {**result, "previous": incremental and bool(have), "written": written}


def _outcome(out_dir: Path, messages: list[str], t0: float) -> dict:
    """What the published run holds, logged for the person running it and returned to the caller."""
    reps = partitioned.read_dataset(partitioned.resolve(out_dir), "reports")
    if reps is None:  # nothing published
        reps = schema.empty("reports")
    messages += _failures(reps)
    for m in messages:
        log(m)
    read = int((reps.status != "failed").sum())
    seconds = time.perf_counter() - t0
    summary = f"{len(reps)} files, {read} read, {len(reps) - read} failed, {seconds:.1f}s"
    log(f"wrote {len(ALL_DATASETS)} datasets into {display_path(out_dir)}: {summary}")
    failed = [(r.source_file, r.error) for r in reps.itertuples() if r.status == "failed"]
    return {
        "read": read,
        "files": len(reps),
        "messages": messages,
        "summary": summary,
        "seconds": seconds,  # the index page says it in its own language (the summary is the log's)
        "failed": failed,
        "report_ids": list(reps.report_id),
    }
