"""Command line: `python -m helpers <command>` (also installed as `juesuan`)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from . import paths

# The longest a report has taken is a few seconds (a 49-page PDF: ~4 s); ten minutes means stuck.
FILE_TIMEOUT = 600.0

SCHEDULER_HELP = ("run extraction (and notebook) tasks on the Dask distributed scheduler at ADDRESS, e.g. "
                  "tcp://10.0.0.5:8786 (default: the variable DASK_SCHEDULER_ADDRESS if set, else worker processes here; "
                  "'local' forces those); workers must see the same paths")

EXIT_CODES = """exit codes: 0 every file read (and every notebook ran); 1 nothing could be read; 2 another run
holds the output folder's lock; 3 some files or notebooks failed (named at the end of the log)."""


def _use_scheduler(args) -> None:
    """--scheduler ADDRESS (else DASK_SCHEDULER_ADDRESS): run the tasks on that Dask cluster."""
    from . import workers

    if getattr(args, "scheduler", None) is not None:
        workers.use_scheduler(args.scheduler)


def cmd_extract(args) -> int:
    _use_scheduler(args)
    from .lock import LockHeld, folder_lock
    from .pipeline import extract_and_write, log
    from .runner import EXIT_BUSY, EXIT_NOTHING, EXIT_OK, EXIT_SOME_FAILED, failure_summary

    try:
        with folder_lock(Path(args.out), "extract"):
            result = extract_and_write([Path(f) for f in args.files], Path(args.out), pdf_engine=args.engine,
                                       jobs=args.jobs, timeout=args.file_timeout)
    except LockHeld as exc:
        log(str(exc))
        return EXIT_BUSY
    summary = failure_summary(result, [])
    for line in summary:
        log(line)
    if result["read"] == 0:
        return EXIT_NOTHING
    return EXIT_SOME_FAILED if summary else EXIT_OK


def cmd_run(args) -> int:
    _use_scheduler(args)
    from .runner import main_job

    return main_job(jobs=args.jobs, pdf_engine=args.engine, force=args.force, notebooks=not args.no_notebooks,
                    file_timeout=args.file_timeout)


def cmd_dictionary(args) -> int:
    from .schema import dictionary_markdown

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dictionary_markdown(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def cmd_checks_doc(args) -> int:
    from .checks.doc import checks_markdown
    from .pipeline import extract_many, log

    files = paths.raw_files(Path(args.raw))
    datasets, messages = extract_many(files, jobs=args.jobs, progress=log)
    for m in messages:
        log(m)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(checks_markdown(datasets["checks"], datasets["reports"]), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m helpers", description=__doc__, epilog=EXIT_CODES)
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("extract", help="extract raw reports into Parquet datasets in --out (data/processed is not touched)")
    e.add_argument("files", nargs="+", help="raw report files (.txt text conversions or .pdf)")
    e.add_argument("--out", required=True, help="output folder for <dataset>.parquet")
    e.add_argument("--engine", default="pdfplumber", choices=["pdfplumber", "tabula"], help="PDF table engine")
    e.add_argument("--jobs", type=int, default=1, help="worker processes (spawned) for many files")
    e.add_argument("--file-timeout", type=float, default=FILE_TIMEOUT,
                   help=f"with --jobs > 1, seconds one file may take before it is stopped and failed (default {FILE_TIMEOUT:g})")
    e.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    e.set_defaults(func=cmd_extract)

    r = sub.add_parser("run", help="the main job: extract what changed in data/raw, check, execute notebooks, render reports/")
    r.add_argument("--jobs", type=int, default=2, help="parallel workers for extraction and notebooks (default 2)")
    r.add_argument("--engine", default="pdfplumber", choices=["pdfplumber", "tabula"], help="PDF table engine (default pdfplumber)")
    r.add_argument("--force", action="store_true", help="re-extract every file and re-run every notebook even if unchanged")
    r.add_argument("--no-notebooks", action="store_true", help="stop after writing data/processed")
    r.add_argument("--file-timeout", type=float, default=FILE_TIMEOUT,
                   help=f"with --jobs > 1, seconds one file may take before it is stopped and failed (default {FILE_TIMEOUT:g})")
    r.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("dictionary", help="write the data dictionary generated from the schema")
    d.add_argument("--out", default=str(paths.REPO_ROOT / "docs" / "DATA_DICTIONARY.md"))
    d.set_defaults(func=cmd_dictionary)

    c = sub.add_parser("checks-doc", help="write docs/CHECKS.md: every rule and what it finds on the raw corpus")
    c.add_argument("--raw", default=str(paths.DATA_RAW), help="folder of raw reports to extract and check")
    c.add_argument("--out", default=str(paths.REPO_ROOT / "docs" / "CHECKS.md"))
    c.add_argument("--jobs", type=int, default=2)
    c.set_defaults(func=cmd_checks_doc)
    return p


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so workers are stopped and temporary folders removed on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
