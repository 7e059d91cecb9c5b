"""Workbook readers on the sample workbooks: python-calamine (the project's reader, both formats)
against openpyxl (.xlsx) and xlrd (.xls), and the project's `read/sheets.read_layout` on top.

    .venv/bin/python benchmarks/bench_sheets.py [FOLDER]   # default ../shared/corpus/formats

Each reader opens the file and reads what the adapter needs: every cell's value and the merged
ranges of every sheet (xlrd only reports merged ranges with `formatting_info=True`, so it is timed
that way; openpyxl with `data_only=True`, the cached values). Milliseconds per file, the best of
--repeat warm runs, wall time and this process's CPU time. xlrd is not a dependency of the project:
`pip install xlrd` to compare it (its column is left out otherwise).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def calamine_cells(path: Path) -> int:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    n = 0
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        _ = sheet.merged_cell_ranges
        n += sum(len(r) for r in rows)
    return n


def openpyxl_cells(path: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    n = 0
    for ws in wb.worksheets:
        _ = list(ws.merged_cells.ranges)
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    return n


def xlrd_cells(path: Path) -> int:
    import xlrd

    wb = xlrd.open_workbook(str(path), formatting_info=True)
    n = 0
    for sh in wb.sheets():
        _ = sh.merged_cells
        for r in range(sh.nrows):
            n += len(sh.row_values(r))
    return n


def layout(path: Path) -> int:
    from helpers.read.sheets import read_layout

    return sum(len(p.blocks) for p in read_layout(path).pages)


def best(fn: Callable[[Path], int], path: Path, repeat: int) -> tuple[float, float]:
    fn(path)  # warm: imports, caches
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn(path)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall) * 1000, min(cpu) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus" / "formats")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    try:
        import xlrd  # noqa: F401

        have_xlrd = True
    except ImportError:
        have_xlrd = False
    files = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".xlsx", ".xls"))
    print("| file | KB | calamine ms (cpu) | openpyxl / xlrd ms (cpu) | ratio | read_layout ms (cpu) |")
    print("|---|---:|---:|---:|---:|---:|")
    for p in files:
        cal = best(calamine_cells, p, args.repeat)
        other_name, other_fn = ("openpyxl", openpyxl_cells) if p.suffix.lower() == ".xlsx" else ("xlrd", xlrd_cells)
        other = best(other_fn, p, args.repeat) if other_name != "xlrd" or have_xlrd else None
        lay = best(layout, p, args.repeat)
        o = f"{other_name} {other[0]:.1f} ({other[1]:.1f})" if other else f"{other_name}: not installed"
        ratio = f"{other[1] / cal[1]:.0f}×" if other and cal[1] > 0 else "–"
        print(
            f"| {p.name} | {p.stat().st_size / 1024:.0f} | {cal[0]:.2f} ({cal[1]:.2f}) | {o} | {ratio} "
            f"| {lay[0]:.1f} ({lay[1]:.1f}) |"
        )


if __name__ == "__main__":
    main()
