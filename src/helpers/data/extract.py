"""One report in, its rows of every dataset out.

`extract_report` never raises for a bad input: a file that cannot be read becomes a `reports` row
with status `failed` and an error naming the file and what is wrong, so a batch carries on.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks import quality_summary, run_checks
from ..core import schema
from ..core.catalog import ALL_TABLE_CODES, TABLE_CODES, TEMPLATE_TABLES
from ..core.errors import ErrorCode
from ..core.paths import IMAGE_SUFFIXES, display_path
from ..core.settings import SETTINGS, Settings, use_settings
from ..core.vocabulary import Table
from ..narrative import parse_narrative
from ..narrative.sentences import paragraphs
from ..narrative.three_public import narrative_rows
from ..read.containers import CONTAINERS
from ..read.document import Document, ReportError, read_document
from ..read.engines import DEFAULT_PDF_ENGINE  # the engines are named once, in read/engines.py
from ..read.metadata import document_kind, read_metadata
from ..tables.found import FoundTable, TableStatus, repeated_report
from ..tables.layout_tables import find_layout_tables
from ..tables.pdf_tables import find_pdf_tables
from ..tables.reading import Reading
from ..tables.shapes.three_public import settle_three_public
from ..tables.text_tables import find_text_tables
from .rollup import function_rollup


def report_id_for(path: Path) -> str:
    """The file's stem, each space or control character (a newline in a file name) made `_`: the id
    names a page file and its link."""
    return re.sub(r"[\s\x00-\x1f\x7f]", "_", Path(path).stem.strip())


def find_tables(doc: Document, pdf_engine: str = DEFAULT_PDF_ENGINE) -> dict[str, FoundTable]:
    """FoundTable per table code, from text grids/tokens or from the PDF's ruled tables."""
    if doc.layout is not None:  # a registered container (workbook, Word, web page, OCR'd pages)
        return find_layout_tables(doc.layout, CONTAINERS[doc.source_format].reading_layout)
    if doc.source_format == "pdf":
        return find_pdf_tables(doc, engine=pdf_engine)
    return find_text_tables(doc)


def _not_a_report(doc: Document, found: dict[str, FoundTable]) -> tuple[str, ErrorCode] | None:
    """Why a document cannot be read as a final-accounts report, or None when it can: a report has
    standard tables, or at least 决算 wording with amounts in 万元 (tables lost in conversion). A PDF with
    决算 wording and many figures but no table found is a report whose tables this reader cannot see."""
    if any(ft.status.read for ft in found.values()):
        return None
    text = doc.text.replace(" ", "")
    wording = "决算" in text and ("财政拨款" in text or "部门决算" in text)
    amounts = len(re.findall(r"\d万元", text))
    if wording and amounts >= 3:
        return None
    if not wording:
        why = "no 部门决算 title, standard table or 决算 wording found; this does not look like a final-accounts report"
        return why, ErrorCode.NOT_A_REPORT
    figures = len(re.findall(r"\d\.\d\d(?!\d)", text))
    if doc.source_format == "pdf" and figures >= 20:
        return (
            f"it has 决算 wording and {figures} figures in its text layer but no table the PDF reader could find: "
            "its tables are printed without ruling lines it can use (horizontal rules only, or none), which it "
            "does not read; nothing was extracted",
            ErrorCode.TABLES_NOT_READ,
        )
    why = (
        f"it has 决算 wording but no standard table and only {amounts} amount(s) in 万元; "
        "too little to read (a fragment or a truncated file?)"
    )
    return why, ErrorCode.NOT_A_REPORT


TEMPLATES = TEMPLATE_TABLES  # the templates the table reader knows, and the tables each prints


def template_of(status_of: dict[str, TableStatus]) -> tuple[str, tuple[str, ...]]:
    """Which template a report follows: the university one when its own table (U4) was found."""
    read = {code for code, status in status_of.items() if TableStatus(status).read}
    if Table.U4 in read and not read & {Table.T5, Table.T6, Table.T7}:
        name = "高等学校 (university, four tables)"
    else:
        name = "部门决算 (nine tables)"
    return name, TEMPLATES[name]


def format_by_name(path: Path) -> str:
    """The container a file that could not be read seems to be, from its name (its bytes said nothing)."""
    suffix = Path(path).suffix.lower()
    if Path(path).is_dir():
        return "images"
    if suffix in (".xlsx", ".xls", ".docx", ".pdf"):
        return suffix[1:]
    if suffix in (".html", ".htm", ".mht", ".mhtml"):
        return "html"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "text"


def failed_row(
    path: Path,
    report_id: str,
    error: str,
    code: ErrorCode,
    *,
    sha: str | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    meta: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """The datasets of a file that could not be read: one `failed` reports row saying why (in words and
    as a code), no line items."""
    row = {
        **(meta or {}),
        "report_id": report_id,
        "source_file": display_path(path),
        "source_sha256": sha,
        "source_format": fmt or format_by_name(path),
        "tables_found": [],
        "tables_empty": [],
        "tables_missing": list(TABLE_CODES),
        "status": "failed",
        "error": error,
        "error_code": ErrorCode(code).value,
        "encoding": encoding,
        "line_items": 0,
        "extracted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return {"reports": schema.conform(pd.DataFrame([row]), "reports"), "line_items": schema.empty("line_items")}


def table_codes(found: dict[str, FoundTable]) -> tuple[str, ...]:
    """The catalog's codes, then the unknown 决算 tables a reader kept (X1, X2 …) in page order."""
    extra = sorted((c for c in found if c not in ALL_TABLE_CODES), key=lambda c: (len(c), c))
    return ALL_TABLE_CODES + tuple(extra)


def _settle_with_narrative(doc: Document, found: dict[str, FoundTable]) -> None:
    """Placements the table's arithmetic left open (a 三公 row that fits 购置费 or 运行费), settled by
    what the narrative states about the same items."""
    ft = found.get(Table.T7)
    if ft is None or ft.reading is None or not ft.reading.alternatives:
        return
    rows, _ = narrative_rows(paragraphs(doc), "")
    stated = {r.item: (r.budget_wan, r.final_wan) for r in rows}
    settle_three_public(
        ft.items, ft.reading, stated, {r.item: r.source_ref or "" for r in rows}
    )  # each row has its ref
    ft.notes = ft.reading.reasons()


def extract_tables(
    doc: Document, report_id: str, pdf_engine: str = DEFAULT_PDF_ENGINE
) -> tuple[dict, pd.DataFrame, list[str]]:
    found = find_tables(doc, pdf_engine)
    _settle_with_narrative(doc, found)
    rows = []
    notes: list[str] = []
    for code in table_codes(found):
        ft = found.get(code)
        if ft is None:
            continue
        for it in ft.items:
            rows.append({"report_id": report_id, **it})
        notes += [f"{code}: {n}" for n in ft.notes]
    notes = list(doc.notes) + notes  # what reading the container said (e.g. pages read by OCR)
    items = schema.conform(pd.DataFrame(rows), "line_items") if rows else schema.empty("line_items")
    return found, items, notes


def extract_report(
    path: Path | str,
    *,
    report_id: str | None = None,
    pdf_engine: str = DEFAULT_PDF_ENGINE,
    with_narrative: bool = True,
    settings: Settings | None = None,
) -> dict[str, pd.DataFrame]:
    """All datasets' rows for one raw file (each frame carries `report_id`). `settings`: the
    tolerances and limits for this call (e.g. `SETTINGS.replace(rounding_wan=0.01)`); by default
    those in force (settings.py)."""
    path = Path(path)
    rid = report_id or report_id_for(path)
    with use_settings(settings):
        try:
            doc = read_document(path, pdf_engine)
        except ReportError as exc:
            return failed_row(path, rid, str(exc), exc.code)
        try:
            return _extract_document(doc, path, rid, pdf_engine, with_narrative)
        finally:
            doc.close()


def _extract_document(
    doc: Document, path: Path, rid: str, pdf_engine: str, with_narrative: bool
) -> dict[str, pd.DataFrame]:
    try:
        return _read_report(doc, path, rid, pdf_engine, with_narrative)
    except Exception as exc:  # a parser bug must not stop the batch; say where it happened
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return failed_row(
            path,
            rid,
            f"{path}: internal error while extracting ({type(exc).__name__}: {exc}, at "
            f"{Path(where.filename).name}:{where.lineno} in {where.name}); please report it with this file.",
            ErrorCode.INTERNAL_ERROR,
            sha=doc.sha256,
            fmt=doc.source_format,
            encoding=doc.encoding,
        )


def _budget_refusal(doc: Document, path: Path, rid: str, meta: dict) -> dict[str, pd.DataFrame] | None:
    """The failed row of a 预算 report (nothing from it may pass for outturn); None for a 决算."""
    if meta.get("doc_kind") != "budget":
        return None
    lines = [ln.text for ln in doc.lines if ln.text.strip()]
    _, _, evidence = document_kind(lines)
    what = f"{meta.get('unit_kind') or ''}预算"
    return failed_row(
        path,
        rid,
        f"{path}: this is a 预算 (budget) report ({what}: {evidence}), not a 决算 (final accounts); this "
        "project reads 决算 reports only, so nothing was extracted (its figures are plans, not outturn)",
        ErrorCode.BUDGET_REPORT,
        sha=doc.sha256,
        fmt=doc.source_format,
        encoding=doc.encoding,
        meta=meta,
    )


def _table_columns(found: dict[str, FoundTable], items: pd.DataFrame) -> dict:
    """The reports row's account of the tables: found, empty, missing, doubtful, other, the error
    saying which were not read, the template and the unit printed."""
    status_of = {code: ft.status for code, ft in found.items()}
    template, expected = template_of(status_of)
    codes = table_codes(found)
    tables_found = [c for c in codes if c in found and found[c].status.read]
    missing = [c for c in expected if c not in tables_found]
    doubtful = [c for c in tables_found if (r := found[c].reading) is not None and r.doubtful]
    error = None
    if missing:
        not_read = [c for c in missing if c in found and found[c].unread]
        error = (
            f"tables not read: {', '.join(missing)}"
            + (f" ({', '.join(not_read)} present but not read, see notes)" if not_read else "")
            + "; figures are taken from the narrative where it restates them"
        )
    units = sorted({ft_unit for ft_unit in items["unit_printed"].dropna().unique()}) if len(items) else []
    return {
        "tables_found": tables_found,
        "tables_empty": [c for c in codes if status_of.get(c) == TableStatus.EMPTY],
        "tables_missing": missing,
        "tables_doubtful": doubtful,
        "tables_other": [c for c in tables_found if c not in TABLE_CODES],
        "template": template,
        "status": "ok" if not missing else "partial",
        "error": error,
        "error_code": ErrorCode.TABLES_NOT_READ.value if error else None,
        "unit_printed": units[0] if units else "万元",
    }


def _read_report(doc: Document, path: Path, rid: str, pdf_engine: str, with_narrative: bool) -> dict[str, pd.DataFrame]:
    meta = read_metadata(doc)
    if (refused := _budget_refusal(doc, path, rid, meta)) is not None:
        return refused
    found, items, notes = extract_tables(doc, rid, pdf_engine)
    why, code = _not_a_report(doc, found) or (repeated_report(found), ErrorCode.SEVERAL_REPORTS)
    if why:
        return failed_row(
            path, rid, f"{path}: {why}", code, sha=doc.sha256, fmt=doc.source_format, encoding=doc.encoding
        )
    tables = _table_columns(found, items)
    row = {
        "report_id": rid,
        "source_file": display_path(path),
        "source_sha256": doc.sha256,
        "source_format": doc.source_format,
        **meta,
        **tables,
        "notes": notes,
        "encoding": doc.encoding,
        "n_pages": doc.n_pages,
        "pdf_engine": pdf_engine if doc.source_format == "pdf" else None,
        "line_items": len(items),
        "extracted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    readings = [
        reading_row(r, rid) for c in tables["tables_found"] if c in found and (r := found[c].reading) is not None
    ]
    out = {
        "reports": schema.conform(pd.DataFrame([row]), "reports"),
        "line_items": items,
        "table_readings": schema.conform(pd.DataFrame(readings), "table_readings")
        if readings
        else schema.empty("table_readings"),
    }
    if with_narrative:
        out.update(extract_narrative(doc, rid, out))
    if rejected := reject_impossible_amounts(out):
        out["reports"].at[0, "notes"] = list(notes) + rejected
    # after the impossible amounts were blanked: a sum must not carry one
    out["function_rollup"] = function_rollup(out["line_items"], rid)
    out["checks"] = run_checks(out, doc=doc)
    out["quality"] = schema.conform(quality_summary(out["checks"], {rid: tables["tables_doubtful"]}), "quality")
    return out


def reading_row(reading: Reading, report_id: str) -> dict:
    """The table_readings row of one table's reading record."""
    return {
        "report_id": report_id,
        "table": reading.table,
        "layout": reading.layout,
        "rows": reading.rows,
        "values_by_position": reading.by_position,
        "values_by_arithmetic": reading.by_arithmetic,
        "unplaced": len(reading.unplaced),
        "ambiguous_rows": len(reading.ambiguous),
        "sums_failing": len(reading.failing_sums),
        "sums_hold": not reading.failing_sums,
        "doubtful": reading.doubtful,
        "reasons": reading.reasons(),
    }


def reject_impossible_amounts(datasets: dict[str, pd.DataFrame]) -> list[str]:
    """Money that is not finite (a 401-digit cell parses as inf) or beyond SETTINGS.max_amount_wan
    (larger than any budget a report can print) becomes a blank cell (doubtful, in line_items) and a
    note naming the cell; nothing downstream sums it."""
    notes = []
    for ds, df in datasets.items():
        if df is None or df.empty:
            continue
        # narrative_facts.value is money when its row's unit says 万元
        money = [
            c for c in df.columns if c.endswith("_wan") or "_pct" in c or (ds == "narrative_facts" and c == "value")
        ]
        for col in money:
            vals = pd.to_numeric(df[col], errors="coerce")
            bad = ~np.isfinite(vals.fillna(0.0))
            if col.endswith("_wan"):
                bad |= vals.abs() > SETTINGS.max_amount_wan
            elif col == "value" and "unit" in df.columns:
                bad |= (vals.abs() > SETTINGS.max_amount_wan) & (df["unit"] == "万元").fillna(False).astype(bool)
            for i in df.index[bad]:
                row = df.loc[i]
                where = " ".join(
                    str(row[k])
                    for k in ("table", "row_label", "code", "measure", "subject")
                    if k in df.columns and row[k] is not None and not pd.isna(row[k])
                )
                notes.append(
                    f"{ds}.{col} at {row.get('source_ref', '?')} ({where or 'no label'}): "
                    f"{vals[i]:g} is not a possible amount; left blank"
                )
                if "note" in df.columns:  # the row says so too, where a reader of that dataset looks
                    why = f"{col}: the printed figure is not a possible amount ({vals[i]:g}); left blank"
                    old_note = df.at[i, "note"]
                    df.at[i, "note"] = why if pd.isna(old_note) or not old_note else f"{old_note}; {why}"
            if bad.any():
                df.loc[bad, col] = np.nan
                if "doubtful" in df.columns:
                    df.loc[bad, "doubtful"] = True
    return notes


def extract_narrative(doc: Document, report_id: str, datasets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Narrative datasets (budget_execution, three_public, poverty_transfers, narrative_facts,
    department_series): the narrative stage's records made rows here, and only here."""
    records = parse_narrative(doc, report_id, datasets)
    return {
        "budget_execution": _frame([r.row() for r in records.budget_execution], "budget_execution"),
        "three_public": _frame([r.row() for r in records.three_public], "three_public"),
        "poverty_transfers": _frame([r.row() for r in records.poverty_transfers], "poverty_transfers"),
        "narrative_facts": _frame([f.row() for f in records.narrative_facts], "narrative_facts"),
        "department_series": _frame([r.row() for r in records.department_series], "department_series"),
    }


def _frame(rows: list[dict], name: str) -> pd.DataFrame:
    """A dataset's frame from its rows, keeping the dataset's columns only (a record may carry more)."""
    if not rows:
        return schema.empty(name)
    cols = set(schema.columns(name))
    return schema.conform(pd.DataFrame([{k: v for k, v in r.items() if k in cols} for r in rows]), name)
