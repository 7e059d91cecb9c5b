"""OCR of scanned reports: CPU per page of helpers.read.ocr against rapidocr's own whole-page
detection + recognition on the same page images, and how many hand-read cells come out right.

    PYTHONPATH=src python benchmarks/bench_ocr.py            # every page of both scans, then accuracy
    PYTHONPATH=src python benchmarks/bench_ocr.py --quick    # two table pages, no accuracy run
    PYTHONPATH=src python benchmarks/bench_ocr.py --tables --record  # the 28 table pages and accuracy,
                                                   # written to benchmarks/results/ocr.md for the README

CPU is process time (all threads) on one page image already decoded; both sides run onnxruntime with
one thread (the CPU a page costs, without the threads' spinning). rapidocr is run as it ships
(default config: detection at its own scale, direction classifier on).
Accuracy: `extract.find_tables` on each scanned PDF (read_document → OCR → the one finder), scored
against the cells typed by hand from the source PDFs (tests/fixtures/pdf_truth.py): right (the
value printed, not doubtful), flagged (marked doubtful, right or not), wrong (a different value or
none, and not flagged).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from benchmarks.record import Run  # noqa: E402

FORMATS = ROOT / "tests" / "fixtures" / "formats"
SCANS = {
    "财政局": (FORMATS / "财政局决算扫描件.pdf", "上海市普陀区财政局2024年度部门决算.pdf"),
    "社会工作部": (FORMATS / "社会工作部决算扫描件.pdf", "中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"),
}
QUICK_PAGES = {"财政局": [8], "社会工作部": [8]}
# the pages printing ruled tables (read on the page images): the nine tables, and 社会工作部 page 4's
# 部门决算单位构成 list
TABLE_PAGES = {"财政局": [5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20], "社会工作部": list(range(4, 17))}


def speed(pages: dict[str, list[int] | None]) -> tuple[list[dict], list[str]]:
    """CPU seconds per page, ours and rapidocr's; the printed table's lines."""
    import cv2
    from rapidocr_onnxruntime import RapidOCR

    from helpers.read import ocr
    from helpers.read.model import TableBlock

    ocr.engine()
    whole = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    rows = []
    out = [f"{'scan':<8} {'page':>4} {'cells':>5} {'ours s':>7} {'rapidocr s':>10} {'ratio':>6}"]
    print(out[0])
    for name, (scan, _) in SCANS.items():
        want = pages.get(name)
        for k, grey in enumerate(ocr.pdf_pages(scan), start=1):
            if want is not None and k not in want:
                continue
            t = time.process_time()
            page, _, _ = ocr.read_page(grey, k)
            ours = time.process_time() - t
            bgr = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
            t = time.process_time()
            whole(bgr)
            theirs = time.process_time() - t
            cells = sum(1 for b in page.blocks if isinstance(b, TableBlock) for r in b.rows for c in r if c.text)
            rows.append({"scan": name, "page": k, "cells": cells, "ours": ours, "rapidocr": theirs})
            out.append(f"{name:<8} {k:>4} {cells:>5} {ours:>7.2f} {theirs:>10.2f} {ours / theirs:>6.2f}")
            print(out[-1], flush=True)
    table = [r for r in rows if r["cells"]]
    text = [r for r in rows if not r["cells"]]
    for label, rs in (("table pages", table), ("text pages", text)):
        if rs:
            o, t = sum(r["ours"] for r in rs), sum(r["rapidocr"] for r in rs)
            over = sum(1 for r in rs if r["ours"] > 2.0)
            out.append(
                f"{label}: {len(rs)}, ours {o / len(rs):.2f} s a page (max {max(r['ours'] for r in rs):.2f}, "
                f"{over} above 2 s), rapidocr {t / len(rs):.2f} s, ratio {o / t:.2f}"
            )
            print(out[-1])
    return rows, out


def accuracy() -> list[str]:
    """Each scan's hand-read cells through the whole reader: right, flagged, wrong (printed lines)."""
    from fixtures.pdf_truth import TRUTH, find_cell

    from helpers.data.extract import find_tables
    from helpers.read.document import read_document

    lines: list[str] = []
    for name, (scan, source) in SCANS.items():
        t = time.process_time()
        doc = read_document(scan)
        found = find_tables(doc)
        cpu = time.process_time() - t
        right, flagged, wrong, notes = 0, 0, 0, []
        for table, side, section, key, measure, value, page in TRUTH[source]["cells"]:
            it = find_cell(found, table, side, section, key, measure)
            got = None if it is None else it["amount_wan"]
            same = (value is None and got is None) or (
                value is not None and got is not None and abs(got - value) < 0.005
            )
            on_page = it is not None and str(it["source_ref"]).startswith(f"page {page} ")
            if it is not None and it.get("doubtful"):
                flagged += 1
                notes.append(f"  flagged {table} {key} {measure}: printed {value}, read {got} ({it['source_ref']})")
            elif same and on_page:
                right += 1
            else:
                wrong += 1
                where = "nothing" if it is None else f"{got} on {it['source_ref']}"
                notes.append(
                    f"  WRONG {table} {side or ''} {key} {measure}: printed {value} on page {page}, read {where}"
                )
        statuses = TRUTH[source]["tables"]
        status_right = sum(1 for t, st in statuses.items() if t in found and found[t].status == st)
        notes += [
            f"  table {t}: status {found[t].status if t in found else 'not found'}, printed {st}"
            for t, st in statuses.items()
            if t not in found or found[t].status != st
        ]
        n = right + flagged + wrong
        lines.append(
            f"{name}: {n} hand-read cells: {right} right, {flagged} flagged doubtful, {wrong} wrong; "
            f"table statuses {status_right}/{len(statuses)} ({cpu:.0f} s CPU)"
        )
        lines += notes
        print("\n".join([lines[-1 - len(notes)], *notes]), flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one table page of each scan; no accuracy run")
    ap.add_argument("--tables", action="store_true", help="time the 28 table pages only")
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("--record", action="store_true", help="also write benchmarks/results/ocr.md for the README")
    args = ap.parse_args()
    run = Run("ocr")
    _, lines = speed(QUICK_PAGES if args.quick else TABLE_PAGES if args.tables else {})
    acc = [] if args.quick or args.no_accuracy else accuracy()
    if args.record:
        body = "CPU seconds a page (process time, onnxruntime on one thread): ours against rapidocr's own "
        body += "whole-page detection + recognition on the same page image, in the same run.\n\n```\n"
        body += "\n".join(lines) + "\n```\n"
        if acc:
            body += "\nHand-read cells through read_document → finder → interpreter:\n\n```\n"
            body += "\n".join(acc) + "\n```\n"
        print(f"recorded: {run.write(body)}")


if __name__ == "__main__":
    main()
