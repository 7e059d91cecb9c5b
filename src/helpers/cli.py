"""Command line: `python -m helpers <command>` (also installed as `juesuan`)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from .core import paths
from .core.settings import SETTINGS
from .read.engines import DEFAULT_PDF_ENGINE, ENGINE_NAMES

FILE_TIMEOUT = SETTINGS.file_timeout_s

SCHEDULER_HELP = (
    "run extraction (and notebook) tasks on the Dask distributed scheduler at ADDRESS, e.g. "
    "tcp://10.0.0.5:8786 (default: the variable DASK_SCHEDULER_ADDRESS if set, else worker processes here); "
    "'local' starts a Dask LocalCluster of --jobs workers here for the run; 'none' forces this machine's worker "
    "processes; workers must see the same paths"
)

EXIT_CODES = """exit codes: 0 every file read (and every notebook ran); 1 nothing could be read, or the output
folder holds files this project did not write, or the disk takes no more writes (one line says which); 2 another run
holds the output folder's lock (or its lock file is unsafe: a link, another user's file); 3 some files
or notebooks failed (named at the end of the log)."""


# Each command imports what it needs inside its function: `extract` (and the worker processes it
# spawns, which import this module again) never loads the notebook stack that `run` needs.


@contextlib.contextmanager
def _scheduler(args) -> Iterator[None]:
    """--scheduler ADDRESS (else DASK_SCHEDULER_ADDRESS): run the tasks on that Dask cluster;
    `--scheduler local`: on a Dask LocalCluster started here (--jobs workers of one thread each, its
    dashboard address logged) and shut down when the command ends; `--scheduler none`: this
    machine's own worker processes, whatever the variable says."""
    from .run import workers

    address = getattr(args, "scheduler", None)
    if address != "local":
        if address is not None:
            workers.use_scheduler(address)
        yield
        return
    from distributed import LocalCluster

    from .run.pipeline import log

    n = max(1, getattr(args, "jobs", 1) or 1)
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") as cluster:
        log(f"Dask LocalCluster: {n} worker(s) at {cluster.scheduler_address}; dashboard {cluster.dashboard_link}")
        workers.use_scheduler(cluster.scheduler_address)
        try:
            yield
        finally:
            workers.use_scheduler(None)


def cmd_extract(args) -> int:
    with _scheduler(args):
        return _extract(args)


def _extract(args) -> int:
    from .data.lock import LockHeld, folder_lock
    from .data.storage import NotOurFolder
    from .run.pipeline import extract_and_write, log
    from .run.runner import EXIT_BUSY, EXIT_NOTHING, EXIT_OK, EXIT_SOME_FAILED, failure_summary

    try:
        with folder_lock(Path(args.out), "extract"):
            result = extract_and_write(
                [Path(f) for f in args.files],
                Path(args.out),
                pdf_engine=args.engine,
                jobs=args.jobs,
                timeout=args.file_timeout,
            )
    except LockHeld as exc:
        log(str(exc))
        return EXIT_BUSY
    except NotOurFolder as exc:
        log(str(exc))
        return EXIT_NOTHING
    summary = failure_summary(result, [])
    for line in summary:
        log(line)
    if result["read"] == 0:
        return EXIT_NOTHING
    return EXIT_SOME_FAILED if summary else EXIT_OK


def cmd_run(args) -> int:
    with _scheduler(args):
        return _run(args)


def _run(args) -> int:
    from .run.runner import main_job

    return main_job(
        jobs=args.jobs,
        pdf_engine=args.engine,
        force=args.force,
        notebooks=not args.no_notebooks,
        file_timeout=args.file_timeout,
        cold_kernels=args.cold_kernels,
        lang=args.lang,
        both_editions=not args.one_edition,
    )


def cmd_export(args) -> int:
    from .data.export import ExportError, export
    from .data.load import NoProcessedData

    try:
        written = export(args.format, Path(args.out), args.processed)
    except (NoProcessedData, ExportError) as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    for p in written:
        print(f"wrote {p}")
    return 0


def cmd_debug_table(args) -> int:
    from .read.document import ReportError
    from .tables.debug_table import PageOutOfRange, debug_table

    try:
        picture = debug_table(Path(args.file), args.page, args.out, resolution=args.resolution)
    except (ReportError, PageOutOfRange) as exc:
        print(f"debug-table: {exc}", file=sys.stderr)
        return 1
    print(picture.summary())
    return 0


def cmd_page(args) -> int:
    from .publish.pages import PageError, render_page

    try:
        out = render_page(Path(args.notebook), Path(args.out) if args.out else None, args.title)
    except PageError as exc:
        print(f"page: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


def cmd_dictionary(args) -> int:
    from .core.schema import dictionary_markdown

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dictionary_markdown(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def cmd_checks_doc(args) -> int:
    from .checks.doc import checks_markdown
    from .run.pipeline import extract_many, log

    files = paths.raw_files(Path(args.raw))
    datasets, messages = extract_many(files, jobs=args.jobs, progress=log)
    for m in messages:
        log(m)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(checks_markdown(datasets["checks"], datasets["reports"]), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _engine_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        "--pdf-engine",
        dest="engine",
        default=DEFAULT_PDF_ENGINE,
        choices=ENGINE_NAMES,
        help=f"PDF engine (default {DEFAULT_PDF_ENGINE})",
    )


def _timeout_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file-timeout",
        type=float,
        default=FILE_TIMEOUT,
        help=f"with --jobs > 1, seconds one file may take before it is stopped and failed (default {FILE_TIMEOUT:g})",
    )


def _add_extract(sub) -> None:
    e = sub.add_parser(
        "extract", help="extract raw reports into Parquet datasets in --out (data/processed is not touched)"
    )
    e.add_argument("files", nargs="+", help="raw report files (.txt text conversions or .pdf)")
    e.add_argument("--out", required=True, help="output folder for <dataset>.parquet")
    _engine_argument(e)
    e.add_argument("--jobs", type=int, default=1, help="worker processes (spawned) for many files")
    _timeout_argument(e)
    e.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    e.set_defaults(func=cmd_extract)


def _add_run(sub) -> None:
    r = sub.add_parser(
        "run", help="the main job: extract what changed in data/raw, check, execute notebooks, render reports/"
    )
    r.add_argument("--jobs", type=int, default=2, help="parallel workers for extraction and notebooks (default 2)")
    _engine_argument(r)
    r.add_argument(
        "--force", action="store_true", help="re-extract every file and re-run every notebook even if unchanged"
    )
    r.add_argument("--no-notebooks", action="store_true", help="stop after writing data/processed")
    _timeout_argument(r)
    r.add_argument(
        "--cold-kernels",
        action="store_true",
        help="a fresh kernel per notebook (the reference) instead of one warm kernel per worker",
    )
    r.add_argument(
        "--lang",
        choices=["zh", "en"],
        default="zh",
        help="the site's language at reports/ (default zh, 中文); the other edition goes to reports/<other>/",
    )
    r.add_argument("--one-edition", action="store_true", help="build only the --lang edition (half the notebook runs)")
    r.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    r.set_defaults(func=cmd_run)


def _add_documents(sub) -> None:
    """The commands that write one document: a page, the data dictionary, the checks' catalogue."""
    g = sub.add_parser(
        "page",
        help="write an executed notebook (e.g. papermill's output of notebooks/report.ipynb) as one self-contained "
        "HTML page: the project's page template, code hidden, nothing fetched from another server",
    )
    g.add_argument("notebook", help="an executed .ipynb")
    g.add_argument("--out", default=None, help="HTML file to write (default: the notebook's name with .html)")
    g.add_argument("--title", default=None, help="the page's title (default: the notebook's file name)")
    g.set_defaults(func=cmd_page)

    d = sub.add_parser("dictionary", help="write the data dictionary generated from the schema")
    d.add_argument("--out", default=str(paths.REPO_ROOT / "docs" / "DATA_DICTIONARY.md"))
    d.set_defaults(func=cmd_dictionary)

    c = sub.add_parser("checks-doc", help="write docs/CHECKS.md: every rule and what it finds on the raw corpus")
    c.add_argument("--raw", default=str(paths.DATA_RAW), help="folder of raw reports to extract and check")
    c.add_argument("--out", default=str(paths.REPO_ROOT / "docs" / "CHECKS.md"))
    c.add_argument("--jobs", type=int, default=2)
    c.set_defaults(func=cmd_checks_doc)


def _add_export(sub) -> None:
    from .data.export_formats import FORMATS  # not .export: printing --help must not import pandas

    x = sub.add_parser(
        "export",
        help="write the datasets as CSV (UTF-8 with BOM, for Excel), one Excel workbook, "
        "Stata .dta or Parquet into --out, with a datapackage.json for CSV",
    )
    x.add_argument("--format", required=True, choices=FORMATS)
    x.add_argument("--out", required=True, help="folder to write into (created if missing)")
    x.add_argument("--processed", default=None, help=f"processed folder to read (default {paths.DATA_PROCESSED})")
    x.set_defaults(func=cmd_export)


def _add_debug_table(sub) -> None:
    t = sub.add_parser(
        "debug-table", help="draw what the PDF table finder saw on one page (lines, intersections, cells) into a PNG"
    )
    t.add_argument("file", help="a PDF report")
    t.add_argument("--page", type=int, required=True, help="page number, 1-based")
    t.add_argument("--out", default=None, help="PNG to write (default <file stem>-page<N>-tables.png here)")
    t.add_argument("--resolution", type=int, default=100, help="pixels per inch of the picture (default 100)")
    t.set_defaults(func=cmd_debug_table)


def build_parser() -> argparse.ArgumentParser:
    """The command line; building it imports no data library (pandas, pyarrow): each command
    imports what it needs when it runs."""
    p = argparse.ArgumentParser(prog="python -m helpers", description=__doc__, epilog=EXIT_CODES)
    sub = p.add_subparsers(dest="command", required=True)
    _add_extract(sub)
    _add_run(sub)
    _add_documents(sub)
    _add_export(sub)
    _add_debug_table(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so workers are stopped and temporary folders removed on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = build_parser().parse_args(argv)
    _log_to_stderr()
    try:
        return args.func(args)
    except OSError as exc:
        if exc.errno not in DISK_ADVICE:
            raise
        # a full or read-only disk is the user's to fix, not a bug: one line, no traceback
        where = exc.filename or getattr(args, "out", None) or paths.DATA_PROCESSED
        print(
            f"{args.command}: cannot write {paths.display_path(Path(str(where)))}: {exc.strerror}. "
            f"{DISK_ADVICE[exc.errno]}",
            file=sys.stderr,
        )
        return 1


# What to do about the errors of a disk that takes no more writes. Publication is all-or-nothing,
# so the data published before are intact.
DISK_ADVICE = {
    errno.ENOSPC: "The disk is full: free some space and run again; the data published before are intact.",
    errno.EDQUOT: "Your disk quota is used up: free some space and run again; the data published before are intact.",
    errno.EROFS: "That file system is read-only: choose a writable folder (--out), or remount it writable.",
    errno.EACCES: "No permission to write there: choose a folder you can write (--out), or fix its permissions.",
    errno.EPERM: "No permission to write there: choose a folder you can write (--out), or fix its permissions.",
}


class _LineHandler(logging.StreamHandler):
    """Plain lines on stderr, each on a line of its own even while a progress bar is drawn."""

    def emit(self, record: logging.LogRecord) -> None:
        from .core.progress import clear_line

        clear_line()
        super().emit(record)


def _log_to_stderr() -> None:
    """Messages of the `helpers` modules' loggers as plain lines on stderr (stdout stays clean)."""

    root = logging.getLogger("helpers")
    if not root.handlers:
        handler = _LineHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)


if __name__ == "__main__":
    sys.exit(main())
