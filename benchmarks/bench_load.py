"""Reading the datasets at scale: the whole `load()` against a filtered `load()` and `helpers.db()`.

    .venv/bin/python benchmarks/bench_load.py --quick            # N = 1,000 reports
    .venv/bin/python benchmarks/bench_load.py --n 10000 --record # write benchmarks/results/load.md

- Corpus: the ten shipped reports extracted once, then published N times under distinct report ids
  (`<id>~<k>`), the k-th round of ten dated fiscal year 2011 + k mod 10 (ten years of N/10 reports), through the
  project's own partitioned writer (`partitioned.write_part` + `publish`, batches of 50 reports), in
  a temporary folder. The rows are the shipped reports' rows; only the ids and years differ.
- Each measure in a fresh process (its peak memory is its own): the whole `load()` (the reference,
  in the same run), `load(years=[2015])`, `load(years=[2015], tables=["T5"], datasets=["line_items"],
  columns=[5 columns])`, and `db()` with one SQL aggregate over every report (T5 totals per year).
  Printed: wall and CPU seconds of the call, the process's peak RSS and how much of it the call
  added above the imports, rows returned, and each as a ratio to the whole load.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.record import Run  # noqa: E402

MEASURES = {
    "whole `load()` (the reference)": "c = load(F); rows = sum(len(d) for d in c.frames.values())",
    "`load(years=[2015])`": "c = load(F, years=[2015]); rows = sum(len(d) for d in c.frames.values())",
    "`load(years=[2015], tables=['T5'], datasets=['line_items'], columns=[5])`": (
        "c = load(F, years=[2015], tables=['T5'], datasets=['line_items'], "
        "columns=['table', 'code', 'row_label', 'measure', 'amount_wan']); rows = len(c.line_items)"
    ),
    "`db()` + SQL: T5 totals per year over every report": (
        'con = db(F); rows = len(con.sql("SELECT r.fiscal_year, sum(li.amount_wan) FROM line_items li '
        "JOIN reports r USING (report_id) WHERE li.table = 'T5' AND li.measure = 'total' AND li.level = '类' "
        'GROUP BY 1").df())'
    ),
}

CHILD = """
import json, sys, time
from helpers import db, load
import duckdb, pandas  # imported before the baseline, whichever the measure uses

def status(key):  # this process's own figures (ru_maxrss would carry the parent's peak over exec)
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024

F = sys.argv[1]
base = status("VmRSS")
w0, c0 = time.perf_counter(), time.process_time()
{code}
print(json.dumps({{"wall": time.perf_counter() - w0, "cpu": time.process_time() - c0, "rows": rows,
                  "base_mb": base, "peak_mb": status("VmHWM")}}))
"""


def build(folder: Path, n: int) -> int:
    """N distinct reports published in `folder`; returns the number of line_items rows."""
    from helpers.core import schema
    from helpers.core.paths import raw_files
    from helpers.data import partitioned
    from helpers.data.load import load
    from helpers.run.pipeline import extract_and_write

    src = folder.parent / "shipped"
    extract_and_write(raw_files(), src)
    base = load(src)
    out = folder
    entries = []
    version = "bench-load"
    rows = {ds: dict(tuple(base[ds].groupby("report_id", sort=False))) for ds in schema.DATASETS}
    for k in range(n):
        r = base.reports.report_id[k % len(base.reports)]
        frames = {}
        for ds in schema.DATASETS:
            df = rows[ds].get(r, base[ds].iloc[0:0]).copy()
            df["report_id"] = f"{r}~{k}"
            if ds == "reports":
                df["fiscal_year"] = 2011 + (k // len(base.reports)) % 10  # every year holds all ten
            frames[ds] = df
        key = f"p-{k}"
        partitioned.write_part(out, key, frames)
        entries.append((f"{r}~{k}", key))
    partitioned.publish(out, entries, version)
    shutil.rmtree(src, ignore_errors=True)
    return len(load(out, datasets=["line_items"], columns=["amount_wan"]).line_items)


def measure(folder: Path, code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(code=code), str(folder)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="reports (default 1,000; --quick 1,000)")
    ap.add_argument("--quick", action="store_true", help="N = 1,000")
    ap.add_argument("--record", action="store_true", help="write benchmarks/results/load.md for the README")
    args = ap.parse_args()
    n = args.n or 1000
    run = Run("load")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp) / "processed"
        t0 = time.perf_counter()
        li_rows = build(folder, n)
        made = time.perf_counter() - t0
        res = {label: measure(folder, code) for label, code in MEASURES.items()}
    ref = res[next(iter(MEASURES))]

    def added(r: dict) -> float:  # memory the call itself took, above the imports' (pandas, pyarrow, duckdb)
        return r["peak_mb"] - r["base_mb"]

    lines = [
        f"{n:,} reports (the ten shipped reports published {n // 10:,} times under distinct ids, ten fiscal years "
        f"2011–2020), {li_rows:,} line_items rows, batches of 50 reports (corpus made in {made:.0f} s); each "
        "measure in a fresh process; the reference is the whole `load()` measured in this run.",
        "",
        "| measure | wall s | CPU s | peak RSS MB | added by the call MB | rows | wall ÷ the whole load's | added ÷ |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in res.items():
        lines.append(
            f"| {label} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['peak_mb']:.0f} | {r['peak_mb'] - r['base_mb']:.0f} "
            f"| {r['rows']:,} | {r['wall'] / ref['wall']:.2f} | {added(r) / max(added(ref), 1):.2f} |"
        )
    table = "\n".join(lines) + "\n"
    print(table)
    if args.record:
        print(f"recorded: {run.write(table)}")


if __name__ == "__main__":
    main()
