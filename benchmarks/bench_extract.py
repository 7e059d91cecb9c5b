"""Extraction benchmark, one run: PDF reading against the library floor, text reports, PDF engines
(cold/warm, per page), memory, accuracy.

    .venv/bin/python benchmarks/bench_extract.py          # Markdown tables (a few minutes: tabula starts a JVM)
    .venv/bin/python benchmarks/bench_extract.py --quick  # only the PDF floor table, one timing each (~1 min)
    .venv/bin/python benchmarks/bench_extract.py --quick --record  # and write benchmarks/results/extract.md

- `--record`: the floor table and its ratios, with the run (date, load average, cores and CPU model),
  go to benchmarks/results/extract.md, which the README includes (scripts/update_readme_benchmarks.py).

- PDF floor (first table): ms per page, side by side in one process, each the best of --repeat warm
  runs, as wall time and as this process's CPU time (on a machine shared with other jobs the CPU
  time is the steadier figure): a PDFium text pass alone (pypdfium2: load each page, its text page,
  its text), PDFium's page parse into pdfplumber objects (`read/pdfium_pages.py`), pdfplumber's
  own table extraction alone (open, `find_tables`, `extract` on every page), and the project with
  each engine: PDF reading (`read_document` + `find_pdf_tables`) and end to end (`extract_report`:
  tables, narrative, checks). Ratios below the table.

- Paired rounds (`--rounds`, default 7): the one ratio the issue sets a target for, project PDF reading
  with pdfium against the PDFium text pass, timed in alternating turns (text pass then reading, then
  reading then text pass, …) over all the PDFs, one ratio per round: its median, lowest and highest.
  On a shared machine the floor table's separate best-of timings can land minutes apart and the
  ratio between them moves by ±30%; turns a second apart see the same machine.

- Instructions (`--instructions`, ~5 minutes, needs valgrind): the same two measures counted in
  instructions per page by callgrind (benchmarks/instructions.py), a cost the machine's load does not
  move. Instructions are not time: PDFium's C code runs more of them a cycle than Python does.

- Text reports: `helpers.data.extract.extract_report` on every data/raw/*.txt (tables, metadata, narrative, checks).
- PDFs: `read_document` (the text layer, shared by both engines), then `find_pdf_tables` per engine:
  first call in this process (cold: for tabula it includes starting the JVM through jpype) and
  a second call (warm); per page = time / pages in the PDF. `engine only` is the engine's own
  table finding (pdfplumber `find_tables` / tabula-py `read_pdf` lattice) without titles,
  continuation and interpretation.
- Memory: tracemalloc peak of Python allocations during a warm call (the JVM heap is invisible to
  it), and the process peak RSS (ru_maxrss) after each phase, which does include the JVM.
- Accuracy: cells right against tests/fixtures/pdf_truth.py (values typed by hand from the pages).
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.fixtures.pdf_truth

from benchmarks.record import Run  # noqa: E402
from helpers.core.paths import DATA_RAW  # noqa: E402
from helpers.data.extract import DEFAULT_PDF_ENGINE, extract_report  # noqa: E402
from helpers.read.document import open_pdf, read_document  # noqa: E402
from helpers.read.pdfium_pages import read_pages  # noqa: E402
from helpers.tables import pdf_tables  # noqa: E402
from helpers.tables.pdf_tables import find_pdf_tables  # noqa: E402
from tests.fixtures.pdf_truth import TRUTH, norm_label, score  # noqa: E402

ENGINES = (
    "pdfplumber",
    "tabula",
)  # the sections after the floor table compare tabula with pdfplumber on one text layer


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn, *a, **k):
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t0


def engine_only(engine: str, doc) -> float:
    pages = list(range(1, doc.n_pages + 1))
    t0 = time.perf_counter()
    if engine in ("pdfplumber", "pdfium"):
        with open_pdf(doc.path, engine) as pdf:
            pdf_tables.plumber_tables(pdf, pages)
    else:
        pdf_tables.tabula_tables(doc.path, pages)
    return time.perf_counter() - t0


# --- the PDF floor --------------------------------------------------------------------------------


def pdfium_text_pass(path: Path) -> None:
    """The floor: PDFium loads each page and its text, nothing else."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    for page in pdf:
        tp = page.get_textpage()
        tp.get_text_range()
        tp.close()
        page.close()
    pdf.close()


def pdfplumber_tables_alone(path: Path) -> None:
    """pdfplumber by itself: parse every page (pdfminer) and extract its ruled tables."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            [t.extract() for t in page.find_tables()]


def project_reading(path: Path, engine: str) -> None:
    doc = read_document(path, engine)
    try:
        find_pdf_tables(doc, engine)
    finally:
        doc.close()


def best_of(fn, repeat: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of `repeat` runs, after one warm-up run."""
    fn()
    wall = cpu = float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - w0), min(cpu, time.process_time() - c0)
    return wall, cpu


FLOOR = [
    ("PDFium text pass alone (pypdfium2)", "pass", pdfium_text_pass),
    ("PDFium page parse into pdfplumber objects", "parse", lambda p: read_pages(p).close()),
    ("pdfplumber table extraction alone", "plumber_only", pdfplumber_tables_alone),
    ("project PDF reading, engine pdfplumber", "read_plumber", lambda p: project_reading(p, "pdfplumber")),
    ("project PDF reading, engine pdfium", "read_pdfium", lambda p: project_reading(p, "pdfium")),
    ("project end to end, engine pdfplumber", "e2e_plumber", lambda p: extract_report(p, pdf_engine="pdfplumber")),
    ("project end to end, engine pdfium", "e2e_pdfium", lambda p: extract_report(p, pdf_engine="pdfium")),
]


RATIOS = (
    ("PDF reading: pdfplumber / pdfium", "read_plumber", "read_pdfium"),
    ("end to end: pdfplumber / pdfium", "e2e_plumber", "e2e_pdfium"),
    ("pdfplumber table extraction alone / project PDF reading with pdfium", "plumber_only", "read_pdfium"),
    ("project PDF reading with pdfium / PDFium text pass", "read_pdfium", "pass"),
    ("project PDF reading with pdfplumber / PDFium text pass", "read_plumber", "pass"),
    ("PDFium page parse / PDFium text pass", "parse", "pass"),
)


def paired_rounds(pdfs: list[Path], rounds: int) -> list[float]:
    """Per round, the CPU time of project PDF reading with pdfium over the PDFium text pass's, both
    over all `pdfs`, timed in turns (the first of the two alternates); after one warm turn of each."""

    def cpu_of(fn, times: int = 1) -> float:
        c0 = time.process_time()
        for _ in range(times):
            for f in pdfs:
                fn(f)
        return (time.process_time() - c0) / times

    reading = lambda f: project_reading(f, "pdfium")  # noqa: E731
    # the text pass repeated within its turn until it lasts about as long as reading (a burst of load then
    # weighs on both turns alike, not on a short one)
    times = max(1, round(cpu_of(reading) / cpu_of(pdfium_text_pass)))
    ratios = []
    for r in range(rounds):
        cpu = {}
        for name in ("floor", "reading")[:: 1 if r % 2 == 0 else -1]:
            cpu[name] = cpu_of(reading) if name == "reading" else cpu_of(pdfium_text_pass, times)
        ratios.append(cpu["reading"] / cpu["floor"])
    return ratios


def paired_table(ratios: list[float]) -> str:
    s = sorted(ratios)
    median = statistics.median(s)
    return (
        f"| project PDF reading with pdfium / PDFium text pass, {len(s)} rounds in turns (CPU) | median | lowest "
        f"| highest |\n|---|---:|---:|---:|\n| ratio | {median:.2f} | {s[0]:.2f} | {s[-1]:.2f} |\n"
    )


INSTRUCTION_MEASURES = (("PDFium text pass alone (pypdfium2)", "pass"), ("project PDF reading, engine pdfium", "read"))


def count_worker(key: str, rounds: int) -> None:
    """Under callgrind (see `instruction_table`): warm up, then run the measure `rounds` times counted."""
    from benchmarks.instructions import measured

    pdfs = sorted(DATA_RAW.glob("*.pdf"))
    fn = pdfium_text_pass if key == "pass" else (lambda f: project_reading(f, "pdfium"))
    for f in pdfs:
        fn(f)
    measured(lambda: [fn(f) for _ in range(rounds) for f in pdfs])


def instruction_table(total_pages: int, rounds: int = 2) -> str:
    """Instructions per page of the text pass and of project PDF reading, each counted in its own process."""
    from benchmarks.instructions import count

    per_page = {}
    for _, key in INSTRUCTION_MEASURES:
        n = count(["benchmarks/bench_extract.py", "--count-worker", key, str(rounds)])
        per_page[key] = n / (rounds * total_pages)
    lines = ["| measure | instructions per page (millions) | × the PDFium text pass |", "|---|---:|---:|"]
    for label, key in INSTRUCTION_MEASURES:
        lines.append(f"| {label} | {per_page[key] / 1e6:.1f} | {per_page[key] / per_page['pass']:.2f} |")
    return "\n".join(lines) + "\n"


def floor_record(
    res: dict[str, tuple[float, float]],
    total_pages: int,
    n_files: int,
    repeat: int,
    ratios: list[float],
    instructions: str | None = None,
) -> str:
    """The floor table for benchmarks/results/extract.md: every measure against the PDFium text
    pass of the same run, the ratios between the engines, and the paired rounds."""
    lines = [
        f"ms per page over the {total_pages} pages of the {n_files} corpus PDFs, best of {repeat} warm "
        "run(s), wall and CPU time of one process; the reference is the PDFium text pass measured in this run.",
        "",
        "| measure | ms/page wall | ms/page CPU | × the PDFium text pass (CPU) |",
        "|---|---:|---:|---:|",
    ]
    for label, key, _ in FLOOR:
        w, c = res[key]
        lines.append(f"| {label} | {w:.1f} | {c:.1f} | {c / res['pass'][1]:.1f} |")
    lines += ["", "| ratio (all pages) | wall | CPU |", "|---|---:|---:|"]
    for label, a, b in RATIOS:
        lines.append(f"| {label} | {res[a][0] / res[b][0]:.2f} | {res[a][1] / res[b][1]:.2f} |")
    return "\n".join(lines) + "\n\n" + paired_table(ratios) + ("\n" + instructions if instructions else "")


def pdf_floor(pdfs: list[Path], repeat: int) -> tuple[dict[str, tuple[float, float]], int]:
    import os

    pages = {f.name: len(read_pages(f).pages) for f in pdfs}
    total_pages = sum(pages.values())
    load = os.getloadavg()[0]
    print(f"## PDF reading against the floor, ms per page (best of {repeat} warm runs; wall / CPU of this process)\n")
    print(f"Load average when it started: {load:.1f} on {os.cpu_count()} cores.\n")
    print("| measure | " + " | ".join(f"{n} ({pages[n]} p.)" for n in pages) + f" | all {total_pages} pages |")
    print("|---|" + "---:|" * (len(pages) + 1))
    res: dict[str, tuple[float, float]] = {}
    for label, key, fn in FLOOR:
        cells, wall_sum, cpu_sum = [], 0.0, 0.0
        for f in pdfs:
            wall, cpu = best_of(lambda f=f, fn=fn: fn(f), repeat)
            wall_sum, cpu_sum = wall_sum + wall, cpu_sum + cpu
            cells.append(f"{1000 * wall / pages[f.name]:.1f} / {1000 * cpu / pages[f.name]:.1f}")
        res[key] = (1000 * wall_sum / total_pages, 1000 * cpu_sum / total_pages)
        print(f"| {label} | " + " | ".join(cells) + f" | **{res[key][0]:.1f} / {res[key][1]:.1f}** |")
    print("\n| ratio (all pages) | wall | CPU |\n|---|---:|---:|")
    for label, a, b in RATIOS:
        print(f"| {label} | {res[a][0] / res[b][0]:.2f} | {res[a][1] / res[b][1]:.2f} |")
    print()
    return res, total_pages


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {n}")
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the PDF floor table, one timed run each")
    ap.add_argument(
        "--repeat", type=int, default=None, help="timed runs per measure in the floor table (default 3, 1 with --quick)"
    )
    ap.add_argument(
        "--rounds", type=_positive, default=7, help="paired rounds of reading against the text pass (default 7)"
    )
    ap.add_argument(
        "--instructions", action="store_true", help="also count instructions per page with callgrind (~5 min)"
    )
    ap.add_argument("--count-worker", nargs=2, metavar=("MEASURE", "ROUNDS"), help=argparse.SUPPRESS)
    ap.add_argument(
        "--record",
        action="store_true",
        help="also write the floor table, with the run's date, load and machine, to benchmarks/results/extract.md",
    )
    args = ap.parse_args()
    if args.count_worker:
        count_worker(args.count_worker[0], int(args.count_worker[1]))
        return
    run = Run("extract")
    print(
        f"# Extraction benchmark\n\nPython {platform.python_version()} on {platform.machine()}, "
        f"{platform.system()}; default PDF engine: `{DEFAULT_PDF_ENGINE}`\n"
    )
    pdfs = sorted(DATA_RAW.glob("*.pdf"))
    repeat = args.repeat or (1 if args.quick else 3)
    res, total_pages = pdf_floor(pdfs, repeat)
    ratios = paired_rounds(pdfs, args.rounds)
    print(paired_table(ratios))
    instructions = instruction_table(total_pages) if args.instructions else None
    if instructions:
        print(instructions)
    if args.record:
        print(f"recorded: {run.write(floor_record(res, total_pages, len(pdfs), repeat, ratios, instructions))}")
    if args.quick:
        return
    rss = [("start", rss_mb())]
    _text_reports(rss)
    docs, found_by, times = _pdf_engines(rss)
    _memory(docs, rss)
    _accuracy(docs, found_by, times)


def _text_reports(rss: list) -> None:
    # --- text reports ---------------------------------------------------------------------------
    print("## Text reports (`extract_report`, all datasets)\n")
    print("| file | status | line items | seconds |\n|---|---|---:|---:|")
    text_total = 0.0
    for f in sorted(DATA_RAW.glob("*.txt")):
        out, dt = timed(extract_report, f)
        text_total += dt
        r = out["reports"].iloc[0]
        print(f"| {f.name} | {r['status']} | {len(out['line_items'])} | {dt:.2f} |")
    print(f"| **all text reports** | | | **{text_total:.2f}** |\n")
    rss.append(("after text reports", rss_mb()))


def _pdf_engines(rss: list) -> tuple[dict, dict, dict]:
    # --- PDFs: text layer, then each engine cold and warm ---------------------------------------
    pdfs = sorted(DATA_RAW.glob("*.pdf"))
    docs = {}
    print("## PDF text layer (`read_document` with pdfminer, shared by pdfplumber and tabula)\n")
    print("| file | pages | seconds | ms/page |\n|---|---:|---:|---:|")
    for f in pdfs:
        doc, dt = timed(read_document, f, "pdfplumber")
        docs[f.name] = doc
        print(f"| {f.name} | {doc.n_pages} | {dt:.2f} | {1000 * dt / doc.n_pages:.0f} |")
    print()
    rss.append(("after PDF text layers", rss_mb()))

    times: dict[tuple[str, str], dict] = {}
    found_by: dict[tuple[str, str], dict] = {}
    for engine in ENGINES:
        for name, doc in docs.items():
            found, cold = timed(find_pdf_tables, doc, engine)
            found2, warm = timed(find_pdf_tables, doc, engine)
            only = engine_only(engine, doc)
            times[(engine, name)] = {"cold": cold, "warm": warm, "only": only, "pages": doc.n_pages}
            found_by[(engine, name)] = found2
        rss.append((f"after {engine}", rss_mb()))

    print("## PDF tables (`find_pdf_tables`): first call (cold) and second call (warm)\n")
    print(
        "| engine | file | pages | cold s | warm s | warm ms/page | engine only, warm ms/page "
        "|\n|---|---|---:|---:|---:|---:|---:|"
    )
    for (engine, name), t in times.items():
        print(
            f"| {engine} | {name} | {t['pages']} | {t['cold']:.2f} | {t['warm']:.2f} | "
            f"{1000 * t['warm'] / t['pages']:.0f} | {1000 * t['only'] / t['pages']:.0f} |"
        )
    print(
        "\n(cold for tabula = the first tabula call in the process, which starts the JVM; for the second PDF "
        "the JVM is already running, so its 'cold' is a first call on that file only.)\n"
    )

    return docs, found_by, times


def _memory(docs: dict, rss: list) -> None:
    # --- memory ---------------------------------------------------------------------------------
    print("## Memory\n")
    print("| engine | file | tracemalloc peak MB (warm call, Python heap only) |\n|---|---|---:|")
    for engine in ENGINES:
        for name, doc in docs.items():
            tracemalloc.start()
            find_pdf_tables(doc, engine)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"| {engine} | {name} | {peak / 2**20:.1f} |")
    print("\n| phase | process peak RSS so far (ru_maxrss), MB |\n|---|---:|")
    for label, mb in rss:
        print(f"| {label} | {mb:.0f} |")
    print()


def _accuracy(docs: dict, found_by: dict, times: dict) -> None:
    # --- accuracy -------------------------------------------------------------------------------
    print("## Accuracy against tests/fixtures/pdf_truth.py (values read on the pages)\n")
    print("| engine | file | cells right | of | accuracy |\n|---|---|---:|---:|---:|")
    acc: dict[str, list[int]] = {e: [0, 0] for e in ENGINES}
    for (engine, name), found in found_by.items():
        if name not in TRUTH:  # hand-checked cells exist for the two Shanghai PDFs
            continue
        right, total, wrong = score(found, TRUTH[name])
        acc[engine][0] += right
        acc[engine][1] += total
        print(f"| {engine} | {name} | {right} | {total} | {100 * right / total:.1f}% |")
        for w in wrong[:5]:
            print(f"|  | wrong: {w} | | | |")
    raw_acc = [0, 0]
    for name, doc in docs.items():
        if name not in TRUTH:
            continue
        right, total, _ = score(find_pdf_tables(doc, "tabula", tabula_repair=False), TRUTH[name])
        raw_acc[0] += right
        raw_acc[1] += total
    print(
        f"| tabula without the column repair | both | {raw_acc[0]} | {raw_acc[1]} | "
        f"{100 * raw_acc[0] / raw_acc[1]:.1f}% |"
    )
    print()

    # agreement beyond the fixture: every extracted cell of both engines
    agree = disagree = 0
    for name in docs:
        a = {
            (it["table"], it["side"], it["code"] or norm_label(it["row_label"]), it["measure"], it["row_order"]): (
                it["amount_wan"],
                it["source_ref"],
            )
            for ft in found_by[("pdfplumber", name)].values()
            for it in ft.items
        }
        b = {
            (it["table"], it["side"], it["code"] or norm_label(it["row_label"]), it["measure"], it["row_order"]): (
                it["amount_wan"],
                it["source_ref"],
            )
            for ft in found_by[("tabula", name)].values()
            for it in ft.items
        }
        for k in a.keys() | b.keys():
            if a.get(k) == b.get(k):
                agree += 1
            else:
                disagree += 1
    print(
        f"All extracted cells, all PDFs: {agree} keyed (table, side, code/label, measure, row) identical in value and "
        f"page between the engines, {disagree} differ or exist in one engine only (keys use the label, spaces removed "
        "and （） read as (), where there is no code: tabula prints full-width （） as ASCII ()).\n"
    )

    # --- ratios ---------------------------------------------------------------------------------
    print("## Engines compared (tabula / pdfplumber)\n")
    tot = {e: {k: sum(times[(e, n)][k] for n in docs) for k in ("cold", "warm", "only")} for e in ENGINES}
    pages = sum(d.n_pages for d in docs.values())
    print("| measure | pdfplumber | tabula | ratio tabula/pdfplumber |\n|---|---:|---:|---:|")
    for k, label in (
        ("cold", "first calls, all PDFs, s"),
        ("warm", "warm calls, all PDFs, s"),
        ("only", "engine only, warm, s"),
    ):
        print(
            f"| {label} | {tot['pdfplumber'][k]:.2f} | {tot['tabula'][k]:.2f} | "
            f"{tot['tabula'][k] / tot['pdfplumber'][k]:.2f} |"
        )
    print(
        f"| warm ms/page ({pages} pages) | {1000 * tot['pdfplumber']['warm'] / pages:.0f} | "
        f"{1000 * tot['tabula']['warm'] / pages:.0f} | {tot['tabula']['warm'] / tot['pdfplumber']['warm']:.2f} |"
    )
    a_p, a_t = (acc[e][0] / acc[e][1] for e in ENGINES)
    print(f"| accuracy | {100 * a_p:.1f}% | {100 * a_t:.1f}% | {a_t / a_p:.2f} |")
    print(
        "\n`find_pdf_tables` reuses the pages `read_document` already parsed, so its pdfplumber time above "
        "excludes page parsing; the end-to-end figures below are the fair comparison.\n"
    )

    # --- end to end -----------------------------------------------------------------------------
    print("## End to end (`extract_report`: text layer, tables, narrative, checks), warm\n")
    print("| file | pages | pdfplumber s | tabula s | ratio tabula/pdfplumber |\n|---|---:|---:|---:|---:|")
    e2e = {e: 0.0 for e in ENGINES}
    for name, doc in docs.items():
        row = {}
        for e in ENGINES:
            _, row[e] = timed(extract_report, doc.path, pdf_engine=e)
            e2e[e] += row[e]
        print(
            f"| {name} | {doc.n_pages} | {row['pdfplumber']:.2f} | {row['tabula']:.2f} | "
            f"{row['tabula'] / row['pdfplumber']:.2f} |"
        )
    print(
        f"| **all** | {pages} | {e2e['pdfplumber']:.2f} | {e2e['tabula']:.2f} | "
        f"{e2e['tabula'] / e2e['pdfplumber']:.2f} |\n"
    )

    # --- sharing parsed pages against re-opening the file -------------------------------------------
    print("## pdfplumber: text layer + tables sharing parsed pages, against opening the PDF twice\n")
    print("| file | shared s | opened twice s | ratio twice/shared |\n|---|---:|---:|---:|")
    for name, doc in docs.items():

        def shared():
            d = read_document(doc.path)
            try:
                find_pdf_tables(d, "pdfplumber")
            finally:
                d.close()

        def twice():
            d = read_document(doc.path)
            d.close()  # drop the parsed pages: the table finder opens and parses the file again
            find_pdf_tables(d, "pdfplumber")

        _, ts = timed(shared)
        _, tt = timed(twice)
        print(f"| {name} | {ts:.2f} | {tt:.2f} | {tt / ts:.2f} |")


if __name__ == "__main__":
    main()
