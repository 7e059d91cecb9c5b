"""Notebook-phase benchmark: seconds per report page with warm kernels vs a fresh kernel per page.

    .venv/bin/python benchmarks/bench_notebooks.py --quick        # N = 20 warm, 6 cold (a few minutes)
    .venv/bin/python benchmarks/bench_notebooks.py --n 200        # the issue's target size
    .venv/bin/python benchmarks/bench_notebooks.py --quick --record   # write benchmarks/results/notebooks.md (README)

- Corpus: N distinct reports built by bench_scale.make_corpus (copies of the shipped text reports,
  each with its own bytes, hence its own report id, rows and page), extracted once into a
  temporary folder (data/ and reports/ are not touched).
- Then, in the same run and the same worker pool (`workers.run_isolated`, --jobs workers), the
  report pages (`notebooks/report.ipynb`, one per report; the three corpus-wide studies are left
  out) are built twice:
  warm: each worker keeps one kernel and one HTML exporter for all its pages (the default);
  cold: a fresh kernel per page, nbconvert's own page rendering (`--cold-kernels`, the previous way),
        on the first --cold-n reports (a fresh kernel costs the same for every page, so a sample
        gives its per-page cost without hours of runs).
  Seconds per report page = wall time of the phase / pages (so with --jobs 2 two pages run at once),
  worker and kernel start-up included; the ratio is cold / warm.
- CPU seconds per page (workers and kernels, from getrusage) say what a page costs whatever else
  runs on the machine.
- A warm page and the cold page of the same report are compared in text content (Styler's random
  table ids left out) and figures, as tests/test_warm_kernels.py does.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_scale import make_corpus, scratch  # noqa: E402 - the same N distinct reports as the scale benchmark

from benchmarks.record import Run  # noqa: E402
from helpers.core.paths import NOTEBOOKS  # noqa: E402
from helpers.run import runner  # noqa: E402
from helpers.run.pipeline import extract_and_write  # noqa: E402


def report_jobs(processed: Path, root: Path, tag: str, warm: bool) -> list:
    import pandas as pd

    ids = list(pd.read_parquet(processed / "reports.parquet").report_id)
    jobs = runner.plan(
        ids,
        notebooks_dir=NOTEBOOKS,
        build_dir=root / tag / "build",
        reports_dir=root / tag / "reports",
        processed=processed,
        kernel=runner.ensure_kernel(),
        warm=warm,
    )
    for sub in ("build", "reports"):
        (root / tag / sub).mkdir(parents=True, exist_ok=True)
    return [j for j in jobs if j.kind == "report"]


def children_cpu() -> float:
    """CPU seconds of the finished workers and the kernels they started and waited for."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed_phase(jobs: list, workers: int) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of workers and kernels, pages failed)."""
    t0, c0 = time.perf_counter(), children_cpu()
    results = runner.run_notebooks(jobs, jobs=workers)
    return time.perf_counter() - t0, children_cpu() - c0, sum(not r.ok for r in results)


def page_content(page: Path) -> tuple[str, list[str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    return (
        re.sub(r"T_[0-9a-f]{5}", "T_", soup.get_text(" ", strip=True)),
        [img.get("src", "") for img in soup.find_all("img")],
    )


def run(n: int, cold_n: int, workers: int, keep: bool, processed: Path | None = None) -> dict:
    with scratch(f"bench-notebooks-{n}-", keep) as root:
        t_extract = float("nan")
        if processed is None:
            files = make_corpus(n, root / "raw")
            t0 = time.perf_counter()
            extract_and_write(files, root / "processed", jobs=workers)
            t_extract = time.perf_counter() - t0
            processed = root / "processed"
        warm_jobs = report_jobs(processed, root, "warm", warm=True)[:n]
        cold_jobs = report_jobs(processed, root, "cold", warm=False)[:cold_n]
        t_warm, cpu_warm, failed_warm = timed_phase(warm_jobs, workers)
        t_cold, cpu_cold, failed_cold = timed_phase(cold_jobs, workers)
        same = sum(page_content(Path(c.html)) == page_content(Path(w.html)) for c, w in zip(cold_jobs, warm_jobs))
        return {
            "n": n,
            "extract_s": t_extract,
            "warm_pages": len(warm_jobs),
            "warm_s": t_warm,
            "warm_per_page": t_warm / len(warm_jobs),
            "failed_warm": failed_warm,
            "cold_pages": len(cold_jobs),
            "cold_s": t_cold,
            "cold_per_page": t_cold / len(cold_jobs),
            "failed_cold": failed_cold,
            "same": same,
            "warm_cpu_per_page": cpu_warm / len(warm_jobs),
            "cold_cpu_per_page": cpu_cold / len(cold_jobs),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 20 warm, 6 cold")
    ap.add_argument("--n", type=int, nargs="+", default=[200], help="reports (default 200)")
    ap.add_argument("--cold-n", type=int, default=20, help="report pages built cold (default 20)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    ap.add_argument(
        "--processed", type=Path, help="an extracted corpus to use instead of building one (its first N reports)"
    )
    ap.add_argument("--record", action="store_true", help="write benchmarks/results/notebooks.md for the README")
    args = ap.parse_args()
    run_record = Run("notebooks")
    sizes, cold_n = ([20], 6) if args.quick else (args.n, args.cold_n)
    rows = [run(n, cold_n, args.jobs, args.keep, args.processed) for n in sizes]
    text = notebook_tables(rows, args.jobs)
    print(f"\n{platform.python_version()}, {os.cpu_count()} cores, --jobs {args.jobs}\n\n{text}")
    if args.record:
        print(f"recorded: {run_record.write(text)}")


def notebook_tables(rows: list[dict], jobs: int) -> str:
    """Seconds per report page, warm kernels against the reference measured in the same run: a fresh
    kernel per page (the previous way), and the ratio cold / warm."""
    lines = [
        f"Report pages of N distinct reports, --jobs {jobs} workers; the reference is a fresh kernel per page "
        "(`--cold-kernels`, the previous way) on a sample of the same reports, measured in this run.",
        "",
        "| N | extraction | warm: pages, wall | warm s/page | cold: pages, wall | cold s/page | cold / warm "
        "| CPU s/page warm / cold | pages failed warm / cold | cold pages equal to the warm ones |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['warm_pages']} | {r['extract_s']:.1f} s | {r['warm_pages']}, {r['warm_s']:.1f} s | "
            f"{r['warm_per_page']:.2f} s | {r['cold_pages']}, {r['cold_s']:.1f} s | {r['cold_per_page']:.2f} s | "
            f"{r['cold_per_page'] / r['warm_per_page']:.1f}× | {r['warm_cpu_per_page']:.2f} / "
            f"{r['cold_cpu_per_page']:.2f} s | {r['failed_warm']} / {r['failed_cold']} | {r['same']} of "
            f"{r['cold_pages']} |"
        )
    lines += [
        "",
        "CPU s/page: CPU time of the workers and their kernels per page; on an idle machine with --jobs 2 "
        "the wall time per page is about half of it.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
