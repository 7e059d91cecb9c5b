"""One PDF through the command line against pdfplumber alone on the same file, and a page read in
process against the PDFium floor.

    .venv/bin/python benchmarks/bench_cli.py --quick            # 2 interleaved runs of each process
    .venv/bin/python benchmarks/bench_cli.py --quick --record   # and write benchmarks/results/cli.md

- Whole process, per Shanghai PDF of data/raw: `python -m helpers extract ONE.pdf --out DIR` (a fresh
  folder each run) against a Python process that imports pdfplumber and extracts every page's text
  and tables (the reference, measured in the same run). The two are run interleaved (cli, pdfplumber,
  cli, pdfplumber, …) so both see the same load; each figure is the smallest CPU time (user + system
  of the child) of --repeat runs, after one warm-up run of each. The children run as an installed
  package does: their compiled modules are cached (PYTHONDONTWRITEBYTECODE is lifted for them), as
  pdfplumber's are in site-packages. `python -m helpers --help` is measured the same way, against
  an empty `python -c pass`.
- In process, per page over the same PDFs (CPU of this process, best of --repeat warm runs): a PDFium
  text pass (the floor), the project's PDF reading (`read_document` + `find_pdf_tables`, engine
  pdfium) and pdfplumber's table extraction alone, with the ratios to the floor.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_extract import best_of, pdfium_text_pass, pdfplumber_tables_alone, project_reading  # noqa: E402
from benchmarks.record import Run  # noqa: E402
from helpers.core.paths import DATA_RAW  # noqa: E402

PLUMBER_ALONE = """
import sys, pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages:
        page.extract_text()
        [t.extract() for t in page.find_tables()]
"""


def shanghai_pdfs() -> list[Path]:
    return sorted(p for p in DATA_RAW.glob("*.pdf") if "上海" in p.name)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cache compiled modules, as an installed package has them
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def child_cpu(cmd: list[str], fresh: Path | None = None) -> float:
    """CPU seconds (user + system) of one child process run to its end (`fresh`: a folder removed first,
    by this process, so that the CLI reuses nothing of the run before)."""
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(cmds: dict[str, list[str]], repeat: int, fresh: Path | None = None) -> dict[str, float]:
    """The smallest CPU time of each command over `repeat` rounds, the commands taking turns."""
    best = {k: float("inf") for k in cmds}
    for rnd in range(repeat + 1):  # the first round warms up: compiled modules written, files in the page cache
        for k, cmd in cmds.items():
            t = child_cpu(cmd, fresh)
            if rnd:
                best[k] = min(best[k], t)
    return best


def process_table(pdfs: list[Path], repeat: int) -> tuple[str, list[float]]:
    lines = [
        "| process | CPU s | pdfplumber alone, CPU s (the reference) | ratio |",
        "|---|---:|---:|---:|",
    ]
    ratios = []
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        for pdf in pdfs:
            out = Path(tmp) / "out"
            cmds = {
                "cli": [sys.executable, "-m", "helpers", "extract", str(pdf), "--out", str(out)],
                "plumber": [sys.executable, "-c", PLUMBER_ALONE, str(pdf)],
            }
            best = interleaved(cmds, repeat, fresh=out)
            ratios.append(best["cli"] / best["plumber"])
            lines.append(
                f"| `python -m helpers extract` one PDF, {pdf.name} | {best['cli']:.2f} | "
                f"{best['plumber']:.2f} | {ratios[-1]:.2f} |"
            )
        best = interleaved(
            {"help": [sys.executable, "-m", "helpers", "--help"], "pass": [sys.executable, "-c", "pass"]}, repeat
        )
    lines.append(
        f"| `python -m helpers --help` (reference: `python -c pass`) | {best['help']:.2f} | {best['pass']:.2f} | "
        f"{best['help'] / best['pass']:.2f} |"
    )
    return "\n".join(lines) + "\n", ratios


def page_table(pdfs: list[Path], repeat: int) -> str:
    from helpers.read.pdfium_pages import read_pages

    pages = sum(len(read_pages(p).pages) for p in pdfs)
    measures = [
        ("PDFium text pass alone (the floor)", pdfium_text_pass),
        ("project PDF reading, engine pdfium", lambda p: project_reading(p, "pdfium")),
        ("pdfplumber table extraction alone", pdfplumber_tables_alone),
    ]
    ms = {}
    for label, fn in measures:
        ms[label] = 1000 * sum(best_of(lambda p=p, fn=fn: fn(p), repeat)[1] for p in pdfs) / pages
    floor = ms[measures[0][0]]
    lines = [
        f"In process, ms of CPU per page over the {pages} pages of the same PDFs, best of {repeat} warm run(s).",
        "",
        "| measure | ms/page CPU | × the PDFium text pass |",
        "|---|---:|---:|",
    ]
    lines += [f"| {label} | {v:.1f} | {v / floor:.1f} |" for label, v in ms.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 timed runs of each process and of each in-process pass")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs of each (default 5, 2 with --quick)")
    ap.add_argument("--record", action="store_true", help="write benchmarks/results/cli.md for the README")
    args = ap.parse_args()
    run = Run("cli")
    repeat = args.repeat or (2 if args.quick else 5)
    pdfs = shanghai_pdfs()
    table, _ = process_table(pdfs, repeat)
    text = (
        f"Whole processes, CPU time (user + system), smallest of {repeat} interleaved runs after a warm-up run; "
        "the reference is pdfplumber alone on the same file (open, `extract_text` and `find_tables` + `extract` on "
        "every page), measured in this run.\n\n" + table + "\n" + page_table(pdfs, repeat)
    )
    print(text)
    if args.record:
        print(f"recorded: {run.write(text)}")


if __name__ == "__main__":
    main()
