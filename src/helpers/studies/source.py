"""Any report file in, a `Corpus` out: the notebooks' way to read a file that is not in data/raw.

`extract_file` runs the main job's extraction (`extract.extract_report`: the same datasets, checks,
quality flags and table readings) on one file and keeps the result in a cache keyed by the file's
SHA-256 and the extractor version, so a second run on the same bytes reads Parquet instead of the
report. data/raw and data/processed are never written; `out_dir` writes the report's datasets into
a folder of the caller's choosing (all-or-nothing, like `python -m helpers extract --out`).

The cache is `cache_dir`, else `$JUESUAN_CACHE`, else `build/cache/` in the repository (or
`~/.cache/juesuan` when that is not writable). One folder per extractor version and file:
`<cache>/<version>/<sha256>[-tabula]/<dataset>.parquet`. It can be deleted at any time.

A file that cannot be read raises `ReportFileError` whose message is the one `extract` prints
(`FAILED <file>: <what is wrong>`); nothing is cached or written for it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core import paths, schema
from ..core.errors import ErrorCode
from ..data.datasets import extractor_version, write_datasets
from ..data.extract import DEFAULT_PDF_ENGINE, extract_report, failed_row, report_id_for
from ..data.load import Corpus, NoProcessedData, load, load_report
from ..read.document import folder_pages, sha256_of
from .lean import open_corpus
from .narrate import show


class ReportFileError(Exception):
    """A report file that could not be read; the message names the file and what is wrong, `code` why."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = ErrorCode(code) if isinstance(code, str) else ErrorCode.INTERNAL_ERROR


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """Where extracted files are kept: the argument, $JUESUAN_CACHE, build/cache or ~/.cache/juesuan."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    if os.environ.get("JUESUAN_CACHE"):
        return Path(os.environ["JUESUAN_CACHE"]).expanduser()
    build = paths.REPO_ROOT / "build"
    if os.access(build if build.exists() else paths.REPO_ROOT, os.W_OK):
        return build / "cache"
    return Path.home() / ".cache" / "juesuan"


@dataclass
class Extracted:
    """One file's datasets as a one-report `Corpus`, and how they were obtained."""

    corpus: Corpus
    report_id: str
    path: Path
    cache: Path | None  # the cache folder holding its datasets (None for a failed file)
    reused: bool  # read from the cache rather than from the file
    seconds: float
    written: list[Path] = field(default_factory=list)  # files written into out_dir

    @property
    def status(self) -> str:
        return str(self.corpus.reports.status.iloc[0])

    @property
    def error(self) -> str | None:
        e = self.corpus.reports.error.iloc[0]
        return None if pd.isna(e) else str(e)

    def summary(self) -> str:
        """A Markdown sentence for the top of a notebook: which file, extracted or reused, where kept."""
        how = (
            f"reused the extraction of the same bytes from the cache (`{self.cache}`)"
            if self.reused
            else f"extracted in {self.seconds:.1f} s and cached in `{self.cache}`"
        )
        s = f"Read `{self.path}` (report id `{self.report_id}`): {how}."
        if self.written:
            s += f" Its datasets were written into `{self.written[0].parent}`."
        return s


def _version() -> str:
    return extractor_version()


def _cached(folder: Path, version: str) -> bool:
    vf = folder / "VERSION"
    return (folder / "reports.parquet").exists() and vf.exists() and vf.read_text().strip() == version


def _store(datasets: dict[str, pd.DataFrame], folder: Path, version: str) -> None:
    """Write datasets into `folder` atomically: into a sibling first, then renamed into place (two
    runs on the same bytes at once both succeed; the second's copy is dropped)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder.parent))
    try:
        write_datasets(datasets, tmp, version)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not _cached(folder, version):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _relabel(frames: dict[str, pd.DataFrame], report_id: str, path: Path) -> dict[str, pd.DataFrame]:
    """Rows cached for the same bytes under another name carry this file's id and path."""
    out = {}
    for ds, df in frames.items():
        if len(df) and "report_id" in df and (df.report_id != report_id).any():
            df = df.assign(report_id=report_id)
        if ds == "reports" and len(df):
            df = df.assign(source_file=paths.display_path(path))
        out[ds] = schema.conform(df, ds) if len(df) else df
    return out


def _cache_folder(path: Path, engine: str, version: str, cache_dir: str | Path | None) -> Path | None:
    """Where this file's extraction is cached: by its bytes' SHA-256 (and a PDF's engine when not the
    default); None when the file cannot be hashed (extract_report then says why)."""
    try:
        # a file, or a folder of page images (read by OCR as one report)
        sha = sha256_of(path) if path.is_file() or path.is_dir() and folder_pages(path) else None
    except OSError:
        sha = None  # unreadable: extract_report says why
    if sha is None:
        return None
    is_pdf = False
    if path.is_file():
        with open(path, "rb") as fh:
            is_pdf = fh.read(1024).lstrip().startswith(b"%PDF")
    return cache_root(cache_dir) / version / (sha + (f"-{engine}" if is_pdf and engine != DEFAULT_PDF_ENGINE else ""))


def extract_file(
    source: str | Path,
    *,
    report_id: str | None = None,
    cache_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    pdf_engine: str | None = None,
) -> Extracted:
    """One report file, extracted as the main job does (or reused from the cache), as a Corpus.

    Raises ReportFileError (message as `extract` prints it) when the file cannot be read, and
    ValueError when `out_dir` is the project's data/processed (one report there would replace the
    corpus: put the file in data/raw and run the main job instead)."""
    t0 = time.perf_counter()
    path = Path(str(source)).expanduser()
    engine = pdf_engine or DEFAULT_PDF_ENGINE
    rid = report_id or report_id_for(path)
    out = Path(str(out_dir)).expanduser() if out_dir else None
    if out is not None and out.resolve() == paths.DATA_PROCESSED.resolve():
        raise ValueError(
            f"out_dir {out} is the main job's data/processed: writing one report there would replace the corpus's "
            "datasets. Put the file in data/raw and run `python -m helpers run`, or choose another folder."
        )
    version = _version()
    folder = _cache_folder(path, engine, version, cache_dir)
    reused = folder is not None and _cached(folder, version)
    if reused:
        frames = dict(load(folder).frames)
    else:
        datasets = extract_report(path, report_id=rid, pdf_engine=engine)
        failed = datasets["reports"].status.iloc[0] == "failed"
        if failed or folder is None:
            raise ReportFileError(str(datasets["reports"].error.iloc[0]), datasets["reports"].error_code.iloc[0])
        _store({ds: datasets.get(ds, schema.empty(ds)) for ds in schema.DATASETS}, folder, version)
        frames = dict(load(folder).frames)  # as the notebooks read the main job's datasets: from Parquet
    frames = _relabel(frames, rid, path)
    written = []
    if out is not None:
        written = write_datasets(frames, out, version)
    assert folder is not None  # reused only from a cache folder; a fresh extraction without one raised above
    return Extracted(
        corpus=Corpus(folder=folder, frames=frames),
        report_id=rid,
        path=path,
        cache=folder,
        reused=reused,
        seconds=time.perf_counter() - t0,
        written=written,
    )


def open_report(
    *,
    report_id: str = "",
    processed_dir: str = "",
    source: str = "",
    out_dir: str = "",
    cache_dir: str = "",
    pdf_engine: str = "",
) -> tuple[Corpus, str]:
    """What notebooks/report.ipynb shows: `source` (any report file, extracted here) when given, else
    `report_id` in the processed datasets. Says in the notebook which file was read and how; for a
    file that cannot be read, prints the message `extract` prints and raises ReportFileError."""
    if source is None or str(source).strip() in ("", "None"):
        # that report's rows read with a filter: a page costs one report whatever the corpus's size
        return load_report(str(report_id), processed_dir or None), str(report_id)
    try:
        one = extract_file(
            str(source), cache_dir=cache_dir or None, out_dir=out_dir or None, pdf_engine=pdf_engine or None
        )
    except ReportFileError as exc:
        print(f"FAILED {exc}")  # what `python -m helpers extract` prints for this file
        raise
    show(one.summary())
    return one.corpus, one.report_id


def corpus_of_files(files, *, cache_dir: str | Path | None = None, pdf_engine: str | None = None) -> Corpus:
    """Several report files as one Corpus, each extracted once and cached (a file that cannot be
    read becomes a `failed` row of `reports`, as in the main job). Ids as the main job gives them."""
    parts: list[dict[str, pd.DataFrame]] = []
    seen: set[str] = set()
    root = cache_root(cache_dir)
    for f in files:
        rid, base, k = report_id_for(Path(f)), report_id_for(Path(f)), 2
        while rid in seen:
            rid, k = f"{base}_{k}", k + 1
        seen.add(rid)
        try:
            parts.append(dict(extract_file(f, report_id=rid, cache_dir=root, pdf_engine=pdf_engine).corpus.frames))
        except ReportFileError as exc:
            parts.append(failed_row(Path(f), rid, str(exc), exc.code))
    frames = {}
    for ds in schema.DATASETS:
        got = [p[ds] for p in parts if ds in p and len(p[ds])]
        frames[ds] = schema.conform(pd.concat(got, ignore_index=True), ds) if got else schema.empty(ds)
    return Corpus(folder=root, frames=frames)


def processed_or_raw(
    processed_dir: str | Path | None = None, *, raw_dir: str | Path | None = None, cache_dir: str | Path | None = None
) -> tuple[Corpus, str]:
    """The processed datasets read out of core (`lean.open_corpus`: the rows the studies read as frames,
    `corpus.sql()` for any other question), or — when that folder holds none yet (a fresh clone) — the
    files of data/raw read through the cache, in memory. Returns the corpus and a sentence saying which."""
    try:
        # out of core: frames of the rows the studies read, and corpus.sql() over every row, in place
        corpus: Corpus = open_corpus(processed_dir or None)
        return corpus, f"Read {len(corpus.reports)} reports from `{paths.display_path(corpus.folder)}`."
    except NoProcessedData:
        pass  # a fresh clone: nothing processed yet
    raw = Path(raw_dir) if raw_dir else paths.DATA_RAW
    files = paths.raw_files(raw) if raw.is_dir() else []
    t0 = time.perf_counter()
    corpus = corpus_of_files(files, cache_dir=cache_dir)
    return corpus, (
        f"`{paths.display_path(Path(processed_dir or paths.DATA_PROCESSED))}` holds no datasets yet "
        f"(the main job writes them), so the {len(files)} files of `{paths.display_path(raw)}` were read "
        f"directly (cached in `{corpus.folder}`; {time.perf_counter() - t0:.1f} s)."
    )
