"""`datapackage.json`: the datasets described for other tools (a Frictionless Data Package).

Generated from `schema.py`, like the data dictionary: field types, meanings, units (in the
description and a `unit` property), the closed lists of values as `enum` constraints, table codes
as a `pattern`, primary keys, and `report_id` of every dataset as a foreign key into `reports`.
Open-fiscal-data tools and `frictionless validate datapackage.json` read it.

This module knows nothing of where or how datasets are stored: callers pass each dataset's path(s)
relative to the descriptor's folder (one file, or the parts of a dataset stored in several).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..core import schema
from .storage import write_text_atomic

PACKAGE_NAME = "juesuan-final-accounts"
DESCRIPTOR = "datapackage.json"

FIELD_TYPES = {
    "string": "string",
    "float64": "number",
    "Int64": "integer",
    "boolean": "boolean",
    "date": "date",
    "list": "array",
}

FORMATS = {  # format → (mediatype, encoding)
    "csv": ("text/csv", "utf-8-sig"),  # the export's CSV starts with a BOM, for Excel
    "parquet": ("application/vnd.apache.parquet", None),
}


def field(dataset: str, column: str, dtype: str, meaning: str, fmt: str = "csv") -> dict:
    f: dict = {"name": column, "type": FIELD_TYPES[dtype], "description": meaning}
    unit = schema.unit(dataset, column)
    if unit:
        f["description"] = f"{meaning} Unit: {unit}."
        f["unit"] = unit
    if dtype == "list" and fmt == "parquet":
        # Table Schema's `array` is JSON text; a Parquet list<string> reaches frictionless as a numpy
        # array, which its `array` type refuses (every row a type error), so the type says nothing
        f["type"] = "any"
        f["description"] += " A list of strings (a Parquet list<string> column)."
    elif dtype == "list":
        f["description"] += " A list (JSON array in CSV)."
    constraints: dict = {}
    if column == "report_id" or column in schema.PRIMARY_KEYS.get(dataset, ()):
        constraints["required"] = True
    if (dataset, column) in schema.VALUES:
        constraints["enum"] = list(schema.VALUES[dataset, column])
    if (dataset, column) in schema.PATTERNS:
        constraints["pattern"] = schema.PATTERNS[dataset, column]
    if constraints:
        f["constraints"] = constraints
    return f


def table_schema(dataset: str, with_reports: bool = True, fmt: str = "csv") -> dict:
    """The Table Schema of one dataset; `with_reports`: the package holds `reports`, so report_id
    can point into it."""
    out: dict = {"fields": [field(dataset, *col, fmt=fmt) for col in schema.DATASETS[dataset]], "missingValues": [""]}
    if dataset in schema.PRIMARY_KEYS:
        out["primaryKey"] = list(schema.PRIMARY_KEYS[dataset])
    if with_reports and dataset != "reports" and "report_id" in schema.columns(dataset):
        out["foreignKeys"] = [{"fields": ["report_id"], "reference": {"resource": "reports", "fields": ["report_id"]}}]
    return out


def resource(dataset: str, path: str | list[str], fmt: str, with_reports: bool = True) -> dict:
    mediatype, encoding = FORMATS[fmt]
    r: dict = {
        "name": dataset,
        "path": path,
        "title": dataset,
        "description": schema.SUMMARY[dataset],
        "format": fmt,
        "mediatype": mediatype,
    }
    if encoding:
        r["encoding"] = encoding
    r["schema"] = table_schema(dataset, with_reports, fmt)
    return r


def descriptor(paths: Mapping[str, str | list[str]], fmt: str) -> dict:
    """The package of the datasets at `paths` (dataset → path or parts, relative to the descriptor),
    in schema order."""
    unknown = [ds for ds in paths if ds not in schema.DATASETS]
    if unknown:
        raise ValueError(f"not datasets of the schema: {', '.join(unknown)}")
    with_reports = "reports" in paths
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "部门决算 (Chinese government departmental final accounts) as tidy data",
        "description": "Every figure read from the reports, pointing back to the line or page it was printed on. "
        "Money in 万元; a blank cell is null, a printed 0 is 0. Columns: docs/DATA_DICTIONARY.md.",
        "licenses": [{"name": "MIT", "title": "MIT License (the toolkit; the reports are public documents)"}],
        "resources": [resource(ds, paths[ds], fmt, with_reports) for ds in schema.DATASETS if ds in paths],
    }


def export_descriptor(csv_paths: dict[str, str]) -> dict:
    """The package of an export's CSV files."""
    return descriptor(csv_paths, "csv")


def write_descriptor(folder: Path, desc: dict) -> Path:
    """datapackage.json in `folder`, written whole (a temporary file renamed over the old one)."""
    path = Path(folder) / DESCRIPTOR
    write_text_atomic(path, json.dumps(desc, ensure_ascii=False, indent=2) + "\n")
    return path


def write_for_processed(folder: Path, dataset_paths: list[Path]) -> Path:
    """datapackage.json beside the processed datasets. `dataset_paths`: where each dataset is stored
    (a file `<dataset>.parquet`, or a folder `<dataset>/` of Parquet parts, whose files become the
    resource's parts), inside `folder`; the storage layer names them, this only describes them."""
    folder = Path(folder)
    paths: dict[str, str | list[str]] = {}
    for p in dataset_paths:
        p = Path(p)
        name = p.name.removesuffix(".parquet")
        if name not in schema.DATASETS:
            continue  # VERSION, locks and anything else beside the datasets
        if p.is_dir():
            parts = sorted(q.relative_to(folder).as_posix() for q in p.rglob("*.parquet"))
            if parts:  # a dataset stored as no part at all has nothing to describe
                paths[name] = parts if len(parts) > 1 else parts[0]
        else:
            paths[name] = p.relative_to(folder).as_posix()
    return write_descriptor(folder, descriptor(paths, "parquet"))
