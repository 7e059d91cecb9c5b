"""The layout of a processed folder: each dataset is a folder of Parquet files, one per batch of reports.

    processed/
      reports.parquet/      -> current/reports.parquet/   (a link; likewise every dataset, VERSION, MANIFEST.json)
      current               -> .gen-…/                     (the published generation, storage.py)
      .gen-…/line_items.parquet/b-<hash>.parquet           (the rows of up to BATCH reports)
      .gen-…/MANIFEST.json                                 (reports in input order with their keys; the batches)
      .parts/p-<report>-<key>                              (a finished report's rows, not yet published)

- A report's rows are written the moment its extraction finishes, as a part (`.parts/`, renamed
  into place: whole or absent; an internal journal that readers never see). The key hashes what
  decides the rows: extractor version, report id, source path and the bytes' SHA-256. A run killed
  at any point leaves its finished parts; the next run finds them by key and does not read those
  files again. Parts are removed once a publication holds their rows.
- Publishing builds a generation: a batch of the previous one whose reports are all still wanted
  (same keys) is hard-linked, not rewritten; the reports of new parts, and those left in a batch
  that lost a report (changed or removed), are written into new batch files of up to BATCH reports
  (small batches are merged on the way). One switch of `current` then publishes every dataset
  together (storage.publish_generation). Adding or changing one report rewrites one batch at most.
- Every file of a dataset has the same Arrow schema (the data dictionary's types), so any reader
  sees one table: `pd.read_parquet("data/processed/line_items.parquet")`, `pyarrow.dataset`,
  DuckDB (`read_parquet('data/processed/line_items.parquet/*.parquet')`), Dask. There are no
  hive partition columns (report_id is an ordinary column). A dataset with no rows holds one empty
  file (`empty.parquet`) carrying the schema.
- `read_dataset` returns the rows in the run's input order (MANIFEST.json), exactly the frame the
  former one-file-per-dataset layout gave; it also reads that former layout.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..core import schema
from .datapackage import write_for_processed
from .storage import current_generation, publish_generation

PARTS = ".parts"
MANIFEST = "MANIFEST.json"
EMPTY = "empty.parquet"
FORMAT = 2
BATCH = 50  # reports per batch file: few files for a reader, little to rewrite for one change

_ARROW = {
    "string": pa.large_string(),
    "float64": pa.float64(),
    "Int64": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "list": pa.list_(pa.string()),
}


@cache
def arrow_schema(dataset: str) -> pa.Schema:
    """The one Arrow schema of every file of a dataset (an all-null column of one batch would
    otherwise be typed `null` in its file and clash with another batch's strings)."""
    fields = [(name, _ARROW[dtype]) for name, dtype, _ in schema.DATASETS[dataset]]
    # pandas' metadata, so that every reader restores the same dtypes (string, Int64, boolean)
    meta = pa.Schema.from_pandas(schema.empty(dataset), preserve_index=False).metadata
    return pa.schema(fields, metadata=meta)


def part_key(version: str, report_id: str, source_file: str, sha256: str | None) -> str:
    """The key of a report's rows. A report without a checksum (unreadable, or its worker died)
    gets a key of its own that no later run looks up, so it is read again next time."""
    safe = re.sub(r"[^\w.-]", "_", str(report_id))[:48]
    if not isinstance(sha256, str) or not sha256:
        return f"p-{safe}-once-{uuid.uuid4().hex[:16]}"
    h = hashlib.sha256("\0".join([version, str(report_id), str(source_file), sha256]).encode()).hexdigest()
    return f"p-{safe}-{h[:20]}"


def write_part(folder: Path, key: str, frames: dict[str, pd.DataFrame]) -> Path:
    """Keep one report's rows (its frames per dataset) as `.parts/<key>`, whole or not at all; an
    existing part of that key is replaced. One small file per report: the cost of resuming."""
    parts = Path(folder) / PARTS
    parts.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=parts)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(
                {ds: df for ds, df in frames.items() if ds in schema.DATASETS and len(df)},
                fh,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        os.replace(tmp, parts / key)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return parts / key


def _read_part(folder: Path, key: str) -> dict[str, pd.DataFrame]:
    # written by write_part in this folder only (under its lock); never a file from elsewhere
    with open(Path(folder) / PARTS / key, "rb") as fh:
        return pickle.load(fh)


def available_parts(folder: Path) -> set[str]:
    """Keys of the finished, not yet published parts in a processed folder."""
    parts = Path(folder) / PARTS
    if not parts.is_dir():
        return set()
    return {n for n in os.listdir(parts) if n.startswith("p-")}


def published_keys(folder: Path) -> set[str]:
    m = manifest(resolve(folder))
    return {key for _, key in m["order"]} if m else set()


def manifest(generation: Path) -> dict | None:
    try:
        m = json.loads((Path(generation) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and m.get("format") == FORMAT else None


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links: a copy (still no re-encoding)
        shutil.copyfile(src, dst)


def _batch_name(keys: list[str]) -> str:
    return "b-" + hashlib.sha256("\0".join(keys).encode()).hexdigest()[:20]


@dataclass
class _Plan:
    """What a publication reuses and writes: old batches linked as they are (`kept`), for the other
    reports the old batch holding their rows (`loose`: key -> batch name) or their part, and the new
    batches in input order (`chunks`, named by `new_batches`)."""

    folder: Path
    old_root: Path  # read only for batches of the old generation
    have_part: set[str]
    kept: list[dict]
    loose: dict[str, str]
    chunks: list[list[tuple[str, str]]]
    new_batches: list[dict]


def _plan(folder: Path, entries: list[tuple[str, str]], version: str, batch: int) -> _Plan:
    old_gen = current_generation(folder)
    old = manifest(old_gen) if old_gen is not None else None
    if old is not None and old.get("version") != version:
        old = None  # rows of another extractor version are never carried over
    wanted = {key for _, key in entries}
    have_part = available_parts(folder)
    kept, loose = [], {}
    for b in (old or {}).get("batches", []):
        whole = all(k in wanted for k in b["keys"]) and len(b["keys"]) >= max(1, batch // 2)
        if whole and not any(k in have_part for k in b["keys"]):
            kept.append(b)
        else:
            loose.update({k: b["name"] for k in b["keys"] if k in wanted})
    covered = {k for b in kept for k in b["keys"]}
    todo = [(rid, key) for rid, key in entries if key not in covered]
    for rid, key in todo:
        if key not in have_part and key not in loose:
            raise FileNotFoundError(
                f"{folder / PARTS / key}: the rows of report {rid} are neither in a part nor published"
            )
    chunks = [todo[i : i + batch] for i in range(0, len(todo), batch)]
    new_batches = [{"name": _batch_name([k for _, k in c]), "keys": [k for _, k in c]} for c in chunks]
    return _Plan(folder, old_gen if old_gen is not None else folder, have_part, kept, loose, chunks, new_batches)


def _rows_from_old_batches(plan: _Plan, chunk: list[tuple[str, str]]) -> dict[str, dict[str, pd.DataFrame]]:
    """dataset -> report id -> rows, for the chunk's reports whose rows sit in an old batch."""
    old_rows: dict[str, list[str]] = {}  # old batch -> report ids to take from it
    for rid, key in chunk:
        if key not in plan.have_part:
            old_rows.setdefault(plan.loose[key], []).append(rid)
    moved: dict[str, dict[str, pd.DataFrame]] = {ds: {} for ds in schema.DATASETS}
    for name, rids in old_rows.items():
        for ds in schema.DATASETS:
            src = plan.old_root / f"{ds}.parquet" / f"{name}.parquet"
            if src.exists():
                rows = pd.read_parquet(src, filters=[("report_id", "in", rids)])
                moved[ds].update(dict(tuple(rows.groupby("report_id", sort=False))))
    return moved


def _write_batch(plan: _Plan, tmp: Path, chunk: list[tuple[str, str]], b: dict) -> None:
    """One new batch file per dataset, rows in the chunk's (input) order, whichever place they come from."""
    moved = _rows_from_old_batches(plan, chunk)
    frames: dict[str, list[pd.DataFrame]] = {ds: [] for ds in schema.DATASETS}
    for rid, key in chunk:
        got = (
            _read_part(plan.folder, key)
            if key in plan.have_part
            else {ds: moved[ds].get(rid) for ds in schema.DATASETS}
        )
        for ds, df in got.items():
            if df is not None:
                frames[ds].append(df)
    digest = hashlib.sha256()
    for ds, dfs in frames.items():
        dfs = [d for d in dfs if len(d)]
        if dfs:
            df = schema.conform(pd.concat(dfs, ignore_index=True), ds)
            f = tmp / f"{ds}.parquet" / f"{b['name']}.parquet"
            df.to_parquet(f, index=False, schema=arrow_schema(ds))
            digest.update(ds.encode() + b"\0" + f.read_bytes())
    b["digest"] = digest.hexdigest()[:20]  # the manifest changes whenever any rows do


def _fill(plan: _Plan, tmp: Path, entries: list[tuple[str, str]], version: str) -> None:
    """Write the new generation into `tmp`: kept batches linked, new ones written, the manifest."""
    for ds in schema.DATASETS:
        (tmp / f"{ds}.parquet").mkdir()
    for b in plan.kept:
        for ds in schema.DATASETS:
            src = plan.old_root / f"{ds}.parquet" / f"{b['name']}.parquet"
            if src.exists():
                _link(src, tmp / f"{ds}.parquet" / f"{b['name']}.parquet")
    for chunk, b in zip(plan.chunks, plan.new_batches):
        _write_batch(plan, tmp, chunk, b)
    for ds in schema.DATASETS:
        d = tmp / f"{ds}.parquet"
        if not any(d.iterdir()):
            schema.empty(ds).to_parquet(d / EMPTY, index=False, schema=arrow_schema(ds))
    body = {
        "format": FORMAT,
        "version": version,
        "order": [[rid, key] for rid, key in entries],
        "batches": plan.kept + plan.new_batches,
    }
    (tmp / MANIFEST).write_text(json.dumps(body, ensure_ascii=False, indent=0), encoding="utf-8")
    (tmp / "VERSION").write_text(version + "\n")
    # the datasets' description for other tools, published with them by the same switch
    write_for_processed(tmp, [tmp / f"{ds}.parquet" for ds in schema.DATASETS])


def publish(folder: Path, entries: Iterable[tuple[str, str]], version: str, *, batch: int | None = None) -> list[Path]:
    """Publish the reports `entries` [(report_id, key)] in this order: each key's rows come from its
    part or from the published generation's batch that holds them. All datasets switch together
    (storage.publish_generation); parts are removed afterwards."""
    folder = Path(folder)
    entries = list(entries)
    plan = _plan(folder, entries, version, batch or BATCH)
    published = publish_generation(folder, lambda tmp: _fill(plan, tmp, entries, version))
    drop_parts(folder)
    return published


def drop_parts(folder: Path) -> None:
    """Remove the parts (their rows are published, or no longer wanted) and temporary part files.
    Call it with the folder's lock held."""
    shutil.rmtree(Path(folder) / PARTS, ignore_errors=True)


def dataset_files(generation: Path, dataset: str, report_ids: Iterable[str] | None = None) -> list[Path]:
    """The files of a dataset in a generation (only those holding `report_ids` if given)."""
    d = Path(generation) / f"{dataset}.parquet"
    m = manifest(generation)
    present = set(os.listdir(d))
    if m is None:
        return [d / n for n in sorted(present) if n.endswith(".parquet")]
    keys = None
    if report_ids is not None:
        wanted = {str(r) for r in report_ids}
        keys = {key for rid, key in m["order"] if rid in wanted}
    pos = {key: i for i, (_, key) in enumerate(m["order"])}
    batches = sorted(m["batches"], key=lambda b: min((pos.get(k, len(pos)) for k in b["keys"]), default=len(pos)))
    return [
        d / f"{b['name']}.parquet"
        for b in batches
        if f"{b['name']}.parquet" in present and (keys is None or keys & set(b["keys"]))
    ]


def in_order(m: dict) -> bool:
    """True when the batches, taken by their first report, hold consecutive runs of the input
    order: their files read in that order give the rows in input order, with nothing to sort."""
    pos = {key: i for i, (_, key) in enumerate(m["order"])}
    spans = sorted(
        (min(pos[k] for k in b["keys"]), max(pos[k] for k in b["keys"]), [pos[k] for k in b["keys"]])
        for b in m["batches"]
        if b["keys"] and all(k in pos for k in b["keys"])
    )
    if sum(len(s[2]) for s in spans) != len(pos):
        return False
    return all(s[2] == sorted(s[2]) for s in spans) and all(a[1] < b[0] for a, b in zip(spans, spans[1:]))


def read_dataset(generation: Path, dataset: str, report_ids: Iterable[str] | None = None) -> pd.DataFrame | None:
    """One dataset of a generation (or of a folder in the former layout, `<dataset>.parquet` a
    file) as one frame, rows in the run's input order; None when the dataset is not there."""
    p = Path(generation) / f"{dataset}.parquet"
    if p.is_file():
        df = pd.read_parquet(p)
        return df if report_ids is None else df[df.report_id.isin([str(r) for r in report_ids])].reset_index(drop=True)
    if not p.is_dir():
        return None
    files = dataset_files(generation, dataset, report_ids)
    if not files:  # no rows: the empty file carries the schema (and the dtypes)
        return pd.read_parquet(p / EMPTY) if (p / EMPTY).exists() else schema.empty(dataset)
    filters = None if report_ids is None else [("report_id", "in", [str(r) for r in report_ids])]
    df = pd.read_parquet([str(f) for f in files], filters=filters)
    m = manifest(generation)
    if m is not None and len(df) and not in_order(m):  # a report added in the middle: back to input order
        pos = {rid: i for i, (rid, _) in enumerate(m["order"])}
        rank = df["report_id"].map(pos).to_numpy(dtype="float64", na_value=np.inf)
        if not (np.diff(rank) >= 0).all():
            df = df.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    return df


def resolve(folder: Path) -> Path:
    """The published generation of a processed folder (the folder itself if it has none)."""
    return current_generation(folder) or Path(folder)
