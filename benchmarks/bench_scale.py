"""Scale benchmark of the main job: N distinct reports through extraction and the notebook phase.

    .venv/bin/python benchmarks/bench_scale.py --quick          # N = 10 (a few minutes on 2 cores)
    .venv/bin/python benchmarks/bench_scale.py --n 100 300 1000 # the issue's sizes (hours on 2 cores)

- Corpus: N copies of the shipped text reports (data/raw/*.txt, cycled), each with a comment line
  appended so that every copy has its own bytes (its own SHA-256, hence its own report id, rows and
  page) and the same content. Written into a temporary folder; data/ and reports/ are not touched.
- Phases, each a `helpers.runner.main_job` call on that folder (jobs = --jobs):
  1. extraction only (`notebooks=False`, nothing to reuse): reports/s;
  2. the notebook phase (extraction reused): every report page and the three studies run;
     pages/s and seconds per report page (wall time / pages, so with --jobs 2 two run at once);
  3. the same job again with nothing changed: the incremental re-run time; the previous way (every
     notebook always run again) cost phase 2's time, so the ratio is phase 2 / phase 3.
- Peak memory: ru_maxrss of this process (extraction's parent, the runner) and the largest child
  (a worker or a kernel).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from helpers import runner
from helpers.paths import DATA_RAW


def make_corpus(n: int, folder: Path) -> list[Path]:
    sources = sorted(DATA_RAW.glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        src = sources[k % len(sources)]
        dst = folder / f"{src.stem}__copy{k:05d}.txt"
        dst.write_bytes(src.read_bytes() + f"\n# bench_scale copy {k}\n".encode())
        out.append(dst)
    return out


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def timed(**kw) -> tuple[float, int]:
    t0 = time.perf_counter()
    rc = runner.main_job(**kw)
    return time.perf_counter() - t0, rc


def run(n: int, jobs: int, keep: bool) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"bench-scale-{n}-"))
    try:
        make_corpus(n, root / "raw")
        kw = dict(jobs=jobs, raw_dir=root / "raw", processed_dir=root / "processed", reports_dir=root / "reports",
                  build_dir=root / "build")
        t_extract, rc1 = timed(notebooks=False, **kw)
        t_notebooks, rc2 = timed(**kw)
        t_again, rc3 = timed(**kw)
        pages = n + len(runner.STUDIES)
        return {"n": n, "rc": (rc1, rc2, rc3), "extract_s": t_extract, "reports_per_s": n / t_extract,
                "notebooks_s": t_notebooks, "pages_per_s": pages / t_notebooks,
                "s_per_report_page": t_notebooks / pages, "again_s": t_again, "ratio": t_notebooks / t_again,
                "rss_self_mb": rss_mb(resource.RUSAGE_SELF), "rss_child_mb": rss_mb(resource.RUSAGE_CHILDREN)}
    finally:
        if keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 10 only")
    ap.add_argument("--n", type=int, nargs="+", default=[100, 300, 1000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = ap.parse_args()
    sizes = [10] if args.quick else args.n
    rows = [run(n, args.jobs, args.keep) for n in sizes]
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"\n{platform.python_version()}, {os.cpu_count()} cores, --jobs {args.jobs}, "
          f"load average after the run {load[0]:.2f}\n")
    print("| N | exit codes | extraction | reports/s | notebook phase | pages/s | s per report page "
          "| nothing changed | ratio to re-running all | peak RSS runner / largest child |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']} | {r['rc']} | {r['extract_s']:.1f} s | {r['reports_per_s']:.1f} | {r['notebooks_s']:.1f} s "
              f"| {r['pages_per_s']:.2f} | {r['s_per_report_page']:.2f} s | {r['again_s']:.2f} s | {r['ratio']:.0f}× "
              f"| {r['rss_self_mb']:.0f} MB / {r['rss_child_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
