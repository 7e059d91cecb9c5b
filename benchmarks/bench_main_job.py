"""The main job end to end at scale: N distinct reports through `runner.main_job` (extract, every report
page and the three studies, the index), then again with nothing changed, then after one report changed.

    .venv/bin/python benchmarks/bench_main_job.py --quick        # N = 20 (about a minute)
    .venv/bin/python benchmarks/bench_main_job.py --n 1000       # the issue's largest size
    .venv/bin/python benchmarks/bench_main_job.py --quick --record   # write benchmarks/results/main_job.md (README)

- Corpus: bench_scale.make_corpus (copies of every file of data/raw, text copies and PDFs, each with
  its own bytes, hence its own report id, rows and page), in a temporary folder with its own
  processed/, build/ and reports/ (data/ and reports/ of the project are not touched).
- First run: nothing to reuse. Its two phases are timed apart (extraction; notebooks = report pages,
  studies and their HTML), and the phase's report pages per second are printed together with the
  notebook phase's wall time per page (studies included: they are part of what the job publishes).
- Nothing changed: the same job again; what it costs is hashing the files, linking the datasets into
  a new generation, checking every notebook's inputs and writing the index.
- One report changed: one file gets new bytes; its rows, its page and the studies are redone.
- Peak RSS of this process (the parent) and of the largest worker or kernel.
The figures for the report pages alone, warm kernels against a fresh kernel per page, are
benchmarks/bench_notebooks.py's; extraction against the previous way is benchmarks/bench_scale.py's.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_scale import change_one, make_corpus, scratch  # noqa: E402 - the same N distinct reports

from benchmarks.record import Run  # noqa: E402
from helpers.run import runner  # noqa: E402


class PhaseClock:
    """Wall time of the main job's two phases, by wrapping the runner's own functions."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.results: list = []
        self._extract, self._notebooks = runner.extract_step, runner._run_changed

        def extract(*a, **kw):
            t0 = time.perf_counter()
            try:
                return self._extract(*a, **kw)
            finally:
                self.seconds["extract"] = time.perf_counter() - t0

        def notebooks(*a, **kw):
            t0 = time.perf_counter()
            try:
                self.results = self._notebooks(*a, **kw)
                return self.results
            finally:
                self.seconds["notebooks"] = time.perf_counter() - t0

        runner.extract_step, runner._run_changed = extract, notebooks

    def restore(self) -> None:
        runner.extract_step, runner._run_changed = self._extract, self._notebooks


def peak_rss_mb() -> tuple[float, float]:
    self_, kids = (resource.getrusage(w).ru_maxrss / 1024 for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return self_, kids


def one_run(root: Path, jobs: int) -> dict:
    clock = PhaseClock()
    try:
        t0 = time.perf_counter()
        rc = runner.main_job(
            jobs=jobs,
            raw_dir=root / "raw",
            processed_dir=root / "processed",
            reports_dir=root / "reports",
            build_dir=root / "build",
        )
        total = time.perf_counter() - t0
    finally:
        clock.restore()
    res = clock.results
    return {
        "rc": rc,
        "total": total,
        "extract": clock.seconds.get("extract", float("nan")),
        "notebooks": clock.seconds.get("notebooks", float("nan")),
        "ran": sum(not r.kept for r in res),
        "ran_reports": sum(not r.kept and r.job.kind == "report" for r in res),
        "kept": sum(r.kept for r in res),
        "failed": sum(not r.ok for r in res),
        "pages": len(res),
    }


def run(n: int, jobs: int, keep: bool) -> dict:
    with scratch(f"bench-mainjob-{n}-", keep) as root:
        files = make_corpus(n, root / "raw")
        first = one_run(root, jobs)
        same = one_run(root, jobs)
        change_one(files)
        changed = one_run(root, jobs)
        parent, child = peak_rss_mb()
        return {"n": n, "first": first, "same": same, "changed": changed, "rss": (parent, child)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 20")
    ap.add_argument("--n", type=int, nargs="+", default=[200])
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    ap.add_argument("--record", action="store_true", help="write benchmarks/results/main_job.md for the README")
    args = ap.parse_args()
    run_record = Run("main_job")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")  # the job's own progress stays on stderr
    rows = []
    for n in [20] if args.quick else args.n:
        load0 = os.getloadavg()[0]
        r = run(n, args.jobs, args.keep)
        r["load"] = (load0, os.getloadavg()[0])
        rows.append(r)
        print(f"N={n} measured", file=sys.stderr)
    text = main_job_tables(rows, args.jobs)
    print(f"\n{platform.python_version()}, {os.cpu_count()} cores, --jobs {args.jobs}\n\n{text}")
    if args.record:
        print(f"recorded: {run_record.write(text)}")


def main_job_tables(rows: list[dict], jobs: int) -> str:
    """The job's three runs per N; the reference for the reruns is the first run, measured in the same
    run (their time as a share of it)."""
    lines = [
        f"`runner.main_job` on N distinct reports (copies of data/raw with their own bytes), --jobs {jobs}; the "
        "reference for the reruns is the first run of the same N, measured in this run.",
        "",
        "| N | first run | extraction | notebook phase: pages, wall | report pages/s | s per page "
        "| nothing changed | one report changed (pages re-run) | failed | peak RSS parent / largest child | load avg "
        "before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        f, s, c = r["first"], r["same"], r["changed"]
        lines.append(
            f"| {r['n']} | {f['total']:.1f} s | {f['extract']:.1f} s | {f['pages']}, {f['notebooks']:.1f} s | "
            f"{f['ran_reports'] / f['notebooks']:.2f} | {f['notebooks'] / f['pages']:.2f} s | {s['total']:.2f} s "
            f"({s['ran']} ran) | {c['total']:.1f} s ({c['ran']}) | {f['failed']} / {s['failed']} / {c['failed']} | "
            f"{r['rss'][0]:.0f} / {r['rss'][1]:.0f} MB | {r['load'][0]:.1f} / {r['load'][1]:.1f} |"
        )
    lines += [
        "",
        "| N | extraction per report | nothing changed ÷ first run | one report changed ÷ first run |",
        "|---|---|---|---|",
    ]
    for r in rows:
        f, s, c = r["first"], r["same"], r["changed"]
        lines.append(
            f"| {r['n']} | {f['extract'] / r['n']:.2f} s | {s['total'] / f['total']:.2f} "
            f"| {c['total'] / f['total']:.2f} |"
        )
    lines += [
        "",
        "s per page: the notebook phase's wall time over every page it published (report pages and the "
        "studies, with their HTML), --jobs workers at once; report pages/s counts the report pages only.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
