"""Scale benchmark of extraction: N distinct reports into partitioned datasets, against the previous way.

    .venv/bin/python benchmarks/bench_scale.py --quick            # N = 20
    .venv/bin/python benchmarks/bench_scale.py --n 100 300 1000   # the issue's sizes (1000: about an hour on 2 cores)
    .venv/bin/python benchmarks/bench_scale.py --n 1000 --no-previous   # this way only
    .venv/bin/python benchmarks/bench_scale.py --quick --record   # write benchmarks/results/scale.md (README)
    .venv/bin/python benchmarks/bench_scale.py --phases --n 200 2000 10000 --replicate-from 200 --record
        # every phase (extraction, studies the old and the new way, study pages, main job): scale_phases.py,
        # written to benchmarks/results/scale_phases.md

- Corpus: N copies of the shipped reports (every file of data/raw: text copies and PDFs, cycled),
  each with a comment line appended (`# …` to a text file, `%…` after a PDF's end) so that every
  copy has its own bytes (its own SHA-256, report id, rows) and the same content. Written into a
  temporary folder; data/ and reports/ are not touched.
- This way (pipeline.extract_and_write): each report's rows are written to its own Parquet files
  as it finishes, the run is published by hard links and one switch.
  Previous way (the code before, rebuilt here from the same parts): every report's frames are held
  in the parent (pipeline.extract_many), and every dataset is rewritten as one Parquet file per run;
  an incremental run first reads the whole previous run back.
- Per way and N, each in a fresh process (so its peak memory is its own): a first extraction
  (nothing to reuse), the same again with nothing changed, and again after one report changed.
  Printed: reports/s, PDF pages/s, peak RSS of the parent and of the largest worker, bytes
  written by the one-report change, load() time, and the ratios previous / this.
The notebook phase is measured by benchmarks/bench_notebooks.py.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmarks.record import Run  # noqa: E402
from helpers.core.paths import DATA_RAW, raw_files  # noqa: E402


@contextlib.contextmanager
def scratch(prefix: str, keep: bool) -> Iterator[Path]:
    """A temporary folder for one benchmark size, removed after it unless `keep`."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        if keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def make_corpus(n: int, folder: Path, text_only: bool = False) -> list[Path]:
    sources = [p for p in raw_files(DATA_RAW) if not text_only or p.suffix.lower() == ".txt"]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        src = sources[k % len(sources)]
        stem = src.stem.replace(" ", "_")
        dst = folder / f"{stem}__copy{k:05d}{src.suffix}"
        mark = f"\n%bench_scale copy {k}\n" if src.suffix.lower() == ".pdf" else f"\n# bench_scale copy {k}\n"
        dst.write_bytes(src.read_bytes() + mark.encode())
        out.append(dst)
    return out


def change_one(files: list[Path]) -> None:
    """A new edition of one report: its bytes change (a line appended), the rest stay."""
    f = files[len(files) // 2]
    mark = "\n%changed\n" if f.suffix.lower() == ".pdf" else "\n# changed\n"
    f.write_bytes(f.read_bytes() + mark.encode())


# --- the previous way: everything in the parent, whole files rewritten ---------------------------


def previous_way(files: list[Path], out: Path, jobs: int, incremental: bool) -> None:
    import pandas as pd

    from helpers.core import schema
    from helpers.data.datasets import extractor_version
    from helpers.data.lock import folder_lock
    from helpers.data.storage import current_generation, publish_generation
    from helpers.run.pipeline import extract_many

    version = extractor_version()
    previous = None
    gen = current_generation(out)
    if incremental and gen is not None and (gen / "VERSION").read_text().strip() == version:
        previous = {ds: pd.read_parquet(gen / f"{ds}.parquet") for ds in schema.DATASETS}
    datasets, _ = extract_many(files, jobs=jobs, previous=previous)

    def fill(tmp: Path) -> None:
        for ds, df in datasets.items():
            schema.conform(df, ds).to_parquet(tmp / f"{ds}.parquet", index=False)
        (tmp / "VERSION").write_text(version + "\n")

    with folder_lock(out, "write"):
        publish_generation(out, fill)


def this_way(files: list[Path], out: Path, jobs: int, incremental: bool) -> None:
    from helpers.run import pipeline

    pipeline.log = lambda msg: None  # progress lines: one per report, not what is measured
    pipeline.extract_and_write(files, out, jobs=jobs, incremental=incremental)


def _inodes(out: Path) -> dict[int, int]:
    gen = (out / "current").resolve()
    return {p.stat().st_ino: p.stat().st_size for p in gen.rglob("*.parquet") if p.is_file()}


def _phase(way: str, files: list[str], out: str, jobs: int, incremental: bool, q) -> None:
    """One run in this fresh process: wall time, peak RSS of this process and of its largest worker."""
    run = this_way if way == "this" else previous_way
    before = _inodes(Path(out)) if (Path(out) / "current").exists() else {}
    t0 = time.perf_counter()
    run([Path(f) for f in files], Path(out), jobs, incremental)
    seconds = time.perf_counter() - t0
    after = _inodes(Path(out))
    written = sum(size for ino, size in after.items() if ino not in before)
    q.put(
        {
            "s": seconds,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "written": written,
            "total": sum(after.values()),
        }
    )


def phase(way: str, files: list[Path], out: Path, jobs: int, incremental: bool) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_phase, args=(way, [str(f) for f in files], str(out), jobs, incremental, q))
    p.start()
    res = q.get()
    p.join()
    return res


def _load_seconds(out: Path) -> float:
    from helpers.data.load import load

    t0 = time.perf_counter()
    load(out)
    return time.perf_counter() - t0


def run(n: int, jobs: int, keep: bool, previous: bool) -> dict:
    import pandas as pd

    with scratch(f"bench-scale-{n}-", keep) as root:
        row = {"n": n}
        for way in ("this", "previous") if previous else ("this",):
            files = make_corpus(n, root / way / "raw")
            out = root / way / "processed"
            first = phase(way, files, out, jobs, incremental=True)
            same = phase(way, files, out, jobs, incremental=True)
            change_one(files)
            one = phase(way, files, out, jobs, incremental=True)
            pages = int(pd.read_parquet(out / "reports.parquet", columns=["n_pages"]).n_pages.fillna(0).sum())
            row[way] = {"first": first, "same": same, "one": one, "pages": pages, "load": _load_seconds(out)}
        return row


def _mb(b: float) -> str:
    return f"{b / 1e6:.1f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 20 only")
    ap.add_argument("--n", type=int, nargs="+", default=[100, 300, 1000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-previous", action="store_true", help="skip the previous way (halves the time)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    ap.add_argument("--record", action="store_true", help="write benchmarks/results/scale.md for the README")
    ap.add_argument("--phases", action="store_true", help="every phase: scale_phases.py")
    ap.add_argument("--replicate-from", type=int, help="with --phases: above this N, replicate its datasets")
    ap.add_argument("--pages-max", type=int, default=2000, help="with --phases: study pages up to this N")
    ap.add_argument("--main-job-max", type=int, default=200, help="with --phases: the main job up to this N")
    ap.add_argument("--studies-max", type=int, default=2000, help="with --phases: the study tables up to this N")
    ap.add_argument("--record-as", help="with --phases --record: results/<this>.md (default scale_phases)")
    ap.add_argument("--load-max", type=int, default=2000, help="with --phases: the old way (load()) up to this N")
    args = ap.parse_args()
    if args.phases:
        return main_phases(args)
    run_record = Run("scale")
    sizes = [20] if args.quick else args.n
    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        rows.append(run(n, args.jobs, args.keep, not args.no_previous))
        print(f"N={n} measured in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    text = scale_tables(rows, args.jobs)
    print(f"\n{platform.python_version()}, {os.cpu_count()} cores, --jobs {args.jobs}\n\n{text}")
    if args.record:
        print(f"recorded: {run_record.write(text)}")


def main_phases(args: argparse.Namespace) -> None:
    from scale_phases import phase_tables, run_phases

    run_record = Run(args.record_as or "scale_phases")
    sizes = [20, 60] if args.quick else sorted(args.n)
    if args.quick:  # CI: 60 replicated from 20, the main job at 20 only
        args.replicate_from, args.main_job_max = args.replicate_from or 20, min(args.main_job_max, 20)
    rows = []
    with scratch("bench-phases-", args.keep) as root:
        for n in sizes:
            t0 = time.perf_counter()
            limits = {
                "load": args.load_max,
                "studies": args.studies_max,
                "pages": args.pages_max,
                "main": args.main_job_max,
            }
            rows.append(run_phases(n, root / f"n{n}", args.jobs, args.replicate_from, limits))
            print(f"N={n} measured in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
            print(phase_tables(rows, args.jobs), file=sys.stderr, flush=True)
    text = phase_tables(rows, args.jobs)
    print(f"\n{platform.python_version()}, {os.cpu_count()} cores, --jobs {args.jobs}\n\n{text}")
    if args.record:
        print(f"recorded: {run_record.write(text)}")


def scale_tables(rows: list[dict], jobs: int) -> str:
    """The figures per N and way, then the ratios previous / this (the previous way is the reference,
    measured in the same run)."""
    lines = [
        f"N distinct reports (copies of data/raw with their own bytes), --jobs {jobs}; each phase in a fresh "
        "process; the reference is the previous way (every report's frames in the parent, whole files "
        "rewritten), measured in this run.",
        "",
        "| N | way | first run | reports/s | PDF pages/s | peak RSS parent / largest worker | nothing changed "
        "| one report changed | bytes written for it / datasets | load() |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for way in ("this", "previous"):
            if way not in r:
                continue
            w = r[way]
            f = w["first"]
            lines.append(
                f"| {r['n']} | {way} | {f['s']:.1f} s | {r['n'] / f['s']:.2f} | {w['pages'] / f['s']:.1f} "
                f"| {f['rss']:.0f} MB / {f['rss_child']:.0f} MB | {w['same']['s']:.2f} s | {w['one']['s']:.2f} s "
                f"| {_mb(w['one']['written'])} / {_mb(w['one']['total'])} | {w['load']:.2f} s |"
            )
    if any("previous" in r for r in rows):
        lines += [
            "",
            "ratios previous / this (above 1: this way is better)",
            "",
            "| N | first run time | parent peak RSS | nothing changed | one report changed | bytes written for one "
            "report | load() |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            if "previous" not in r:
                continue
            a, b = r["this"], r["previous"]
            lines.append(
                f"| {r['n']} | {b['first']['s'] / a['first']['s']:.2f}× | {b['first']['rss'] / a['first']['rss']:.2f}× "
                f"| {b['same']['s'] / a['same']['s']:.1f}× | {b['one']['s'] / a['one']['s']:.1f}× "
                f"| {b['one']['written'] / max(1, a['one']['written']):.0f}× | {b['load'] / a['load']:.2f}× |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
