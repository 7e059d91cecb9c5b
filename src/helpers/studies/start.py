"""What `notebooks/start_here.ipynb` needs beyond pandas: one sentence per dataset, an overview of
what is loaded, and an Excel export that survives what Excel cannot hold (lists, control characters,
long sheet names)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core import paths, schema
from ..data.export import EXCEL_ILLEGAL, EXCEL_MAX_ROWS
from ..data.load import Corpus
from ..publish.text import has, sep, t

# One sentence per dataset, for a newcomer (docs/DATA_DICTIONARY.md has every column).
WHAT = schema.SUMMARY


def overview(corpus: Corpus) -> pd.DataFrame:
    """dataset · rows · reports · what a row is."""
    rows = []
    for ds in schema.DATASETS:
        df = corpus[ds]
        n = int(df.report_id.nunique()) if len(df) else 0
        what = t(f"start.what.{ds}") if has(f"start.what.{ds}") else WHAT.get(ds, "")
        rows.append({"dataset": ds, "rows": len(df), "reports": n, "what": what})
    return pd.DataFrame(rows)


def export_dir(folder: str | Path | None = None) -> Path:
    """Where the notebook's exports go: the argument, else build/exports/ (never notebooks/ or data/)."""
    return Path(folder).expanduser() if folder else paths.REPO_ROOT / "build" / "exports"


def _cell(v):
    if isinstance(v, str):
        return EXCEL_ILLEGAL.sub("", v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return ", ".join(map(str, v))
    return v


def excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    """A frame Excel can hold: list cells joined with ', ', control characters dropped, nulls blank."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].astype(object).map(_cell).where(out[c].notna(), None)
    return out


def to_excel(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write each frame as a sheet of one .xlsx workbook (openpyxl, a project dependency)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    too_big = [name for name, df in sheets.items() if len(df) > EXCEL_MAX_ROWS]
    if too_big:
        raise ValueError(
            f"{', '.join(too_big)}: more rows than an Excel sheet holds ({EXCEL_MAX_ROWS:,}); "
            "filter first or write Parquet/CSV"
        )
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets.items():
            excel_ready(df).to_excel(xw, sheet_name=name[:31], index=False)
    return path


def export(sheets: dict[str, pd.DataFrame], folder: str | Path | None, name: str) -> tuple[Path, str]:
    """`name`.xlsx in `folder` (default build/exports/), one sheet per frame, and a sentence saying
    so. Without openpyxl (an environment set up before it was a dependency) it writes one CSV per
    frame (UTF-8 with BOM, which Excel opens with the Chinese intact) and says how to get .xlsx."""
    folder = export_dir(folder)
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        out = folder / name
        out.mkdir(parents=True, exist_ok=True)
        for sheet, df in sheets.items():
            excel_ready(df).to_csv(out / f"{sheet}.csv", index=False, encoding="utf-8-sig")
        return out, t("start.csv_instead", n=len(sheets), folder=out)
    path = to_excel(sheets, folder / f"{name}.xlsx")
    rows = sep()["list"].join(t("start.sheet", sheet=sheet, rows=f"{len(df):,}") for sheet, df in sheets.items())
    return path, t("start.wrote", path=path, rows=rows)


def verdicts(corpus: Corpus) -> pd.DataFrame:
    """Each report's verdict as the index gives it (usable / use with care / do not use) and why,
    with its label: start_here uses the index's words, never a rule of its own."""
    from .quality import verdicts as _verdicts

    v = _verdicts(corpus)
    labels = corpus.labels()
    return v.assign(report=v.report_id.map(labels))[["report", "report_id", "verdict", "reason"]]


def verdict_line(corpus: Corpus, report_id: str) -> str:
    """The index's verdict beside a figure of one report, in the index's words (a figure of a report to
    `use with care` says so where it is shown)."""
    from ..publish.text import t

    v = verdicts(corpus).set_index("report_id")
    if report_id not in v.index:
        return ""
    return t("start.verdict_line", report=v.report[report_id], verdict=v.verdict[report_id], reason=v.reason[report_id])
