"""Extraction benchmark, one run: text reports, PDF table engines (cold/warm, per page), memory, accuracy.

    .venv/bin/python benchmarks/bench_extract.py            # prints Markdown tables

- Text reports: `helpers.extract.extract_report` on every data/raw/*.txt (tables, metadata, narrative, checks).
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

import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.fixtures.pdf_truth

from helpers.document import open_pdf, read_document  # noqa: E402
from helpers.extract import DEFAULT_PDF_ENGINE, extract_report  # noqa: E402
from helpers.paths import DATA_RAW  # noqa: E402
from helpers.tables import pdf_tables  # noqa: E402
from helpers.tables.pdf_tables import find_pdf_tables  # noqa: E402
from tests.fixtures.pdf_truth import TRUTH, norm_label, score  # noqa: E402

ENGINES = ("pdfplumber", "tabula")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn, *a, **k):
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t0


def engine_only(engine: str, doc) -> float:
    pages = list(range(1, doc.n_pages + 1))
    t0 = time.perf_counter()
    if engine == "pdfplumber":
        with open_pdf(doc.path) as pdf:
            pdf_tables.plumber_tables(pdf, pages)
    else:
        pdf_tables.tabula_tables(doc.path, pages)
    return time.perf_counter() - t0


def main() -> None:
    print(f"# Extraction benchmark\n\nPython {platform.python_version()} on {platform.machine()}, "
          f"{platform.system()}; default PDF engine: `{DEFAULT_PDF_ENGINE}`\n")
    rss = [("start", rss_mb())]

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

    # --- PDFs: text layer, then each engine cold and warm ---------------------------------------
    pdfs = sorted(DATA_RAW.glob("*.pdf"))
    docs = {}
    print("## PDF text layer (`read_document`, shared by both engines)\n")
    print("| file | pages | seconds | ms/page |\n|---|---:|---:|---:|")
    for f in pdfs:
        doc, dt = timed(read_document, f)
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
    print("| engine | file | pages | cold s | warm s | warm ms/page | engine only, warm ms/page |\n|---|---|---:|---:|---:|---:|---:|")
    for (engine, name), t in times.items():
        print(f"| {engine} | {name} | {t['pages']} | {t['cold']:.2f} | {t['warm']:.2f} | "
              f"{1000 * t['warm'] / t['pages']:.0f} | {1000 * t['only'] / t['pages']:.0f} |")
    print("\n(cold for tabula = the first tabula call in the process, which starts the JVM; for the second PDF "
          "the JVM is already running, so its 'cold' is a first call on that file only.)\n")

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

    # --- accuracy -------------------------------------------------------------------------------
    print("## Accuracy against tests/fixtures/pdf_truth.py (values read on the pages)\n")
    print("| engine | file | cells right | of | accuracy |\n|---|---|---:|---:|---:|")
    acc: dict[str, list[int]] = {e: [0, 0] for e in ENGINES}
    for (engine, name), found in found_by.items():
        right, total, wrong = score(found, TRUTH[name])
        acc[engine][0] += right
        acc[engine][1] += total
        print(f"| {engine} | {name} | {right} | {total} | {100 * right / total:.1f}% |")
        for w in wrong[:5]:
            print(f"|  | wrong: {w} | | | |")
    raw_acc = [0, 0]
    for name, doc in docs.items():
        right, total, _ = score(find_pdf_tables(doc, "tabula", tabula_repair=False), TRUTH[name])
        raw_acc[0] += right
        raw_acc[1] += total
    print(f"| tabula without the column repair | both | {raw_acc[0]} | {raw_acc[1]} | {100 * raw_acc[0] / raw_acc[1]:.1f}% |")
    print()

    # agreement beyond the fixture: every extracted cell of both engines
    agree = disagree = 0
    for name in docs:
        a = {(it["table"], it["side"], it["code"] or norm_label(it["row_label"]), it["measure"], it["row_order"]): (it["amount_wan"], it["source_ref"])
             for ft in found_by[("pdfplumber", name)].values() for it in ft.items}
        b = {(it["table"], it["side"], it["code"] or norm_label(it["row_label"]), it["measure"], it["row_order"]): (it["amount_wan"], it["source_ref"])
             for ft in found_by[("tabula", name)].values() for it in ft.items}
        for k in a.keys() | b.keys():
            if a.get(k) == b.get(k):
                agree += 1
            else:
                disagree += 1
    print(f"All extracted cells, both PDFs: {agree} keyed (table, side, code/label, measure, row) identical in value and page "
          f"between the engines, {disagree} differ or exist in one engine only (keys use the label, spaces removed and （） read as (), "
          "where there is no code: tabula prints full-width （） as ASCII ()).\n")

    # --- ratios ---------------------------------------------------------------------------------
    print("## Engines compared (tabula / pdfplumber)\n")
    tot = {e: {k: sum(times[(e, n)][k] for n in docs) for k in ("cold", "warm", "only")} for e in ENGINES}
    pages = sum(d.n_pages for d in docs.values())
    print("| measure | pdfplumber | tabula | ratio tabula/pdfplumber |\n|---|---:|---:|---:|")
    for k, label in (("cold", "first calls, both PDFs, s"), ("warm", "warm calls, both PDFs, s"), ("only", "engine only, warm, s")):
        print(f"| {label} | {tot['pdfplumber'][k]:.2f} | {tot['tabula'][k]:.2f} | {tot['tabula'][k] / tot['pdfplumber'][k]:.2f} |")
    print(f"| warm ms/page ({pages} pages) | {1000 * tot['pdfplumber']['warm'] / pages:.0f} | {1000 * tot['tabula']['warm'] / pages:.0f} | "
          f"{tot['tabula']['warm'] / tot['pdfplumber']['warm']:.2f} |")
    a_p, a_t = (acc[e][0] / acc[e][1] for e in ENGINES)
    print(f"| accuracy | {100 * a_p:.1f}% | {100 * a_t:.1f}% | {a_t / a_p:.2f} |")
    print("\n`find_pdf_tables` reuses the pages `read_document` already parsed, so its pdfplumber time above "
          "excludes page parsing; the end-to-end figures below are the fair comparison.\n")

    # --- end to end -----------------------------------------------------------------------------
    print("## End to end (`extract_report`: text layer, tables, narrative, checks), warm\n")
    print("| file | pages | pdfplumber s | tabula s | ratio tabula/pdfplumber |\n|---|---:|---:|---:|---:|")
    e2e = {e: 0.0 for e in ENGINES}
    for name, doc in docs.items():
        row = {}
        for e in ENGINES:
            _, row[e] = timed(extract_report, doc.path, pdf_engine=e)
            e2e[e] += row[e]
        print(f"| {name} | {doc.n_pages} | {row['pdfplumber']:.2f} | {row['tabula']:.2f} | {row['tabula'] / row['pdfplumber']:.2f} |")
    print(f"| **both** | {pages} | {e2e['pdfplumber']:.2f} | {e2e['tabula']:.2f} | {e2e['tabula'] / e2e['pdfplumber']:.2f} |\n")

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
