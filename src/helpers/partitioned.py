"""The layout of a processed folder: each dataset is a folder of Parquet files, one file per report.

    processed/
      reports.parquet/      -> current/reports.parquet/   (a link; likewise every dataset, VERSION, MANIFEST.json)
      current               -> .gen-…/                     (the published generation, storage.py)
      .gen-…/line_items.parquet/p-<report>-<key>.parquet   (one file per report with rows in that dataset)
      .gen-…/MANIFEST.json                                 (the reports in input order: id, part key, digest)
      .parts/p-<report>-<key>/<dataset>.parquet            (each report's rows, written as its extraction ends)

- A report's rows are written once, into `.parts/<key>/`, the moment its extraction finishes (a
  temporary folder renamed into place: a part is whole or absent). The key hashes what decides the
  rows: extractor version, report id, source path and the bytes' SHA-256. A run killed at any point
  leaves its finished parts; the next run finds them by key and does not read those files again.
- Publishing a generation hard-links the parts' files into `<dataset>.parquet/` folders (no data is
  copied or rewritten; a copy where hard links are refused), then one switch of `current`
  publishes them all (storage.publish_generation). Adding or changing one report writes that
  report's files only. Parts no published generation names are removed after a publication.
- Every file of a dataset has the same Arrow schema (the data dictionary's types), so any reader
  sees one table: `pd.read_parquet("data/processed/line_items.parquet")`, `pyarrow.dataset`,
  DuckDB (`read_parquet('data/processed/line_items.parquet/*.parquet')`), Dask. There are no
  hive partition columns (report_id is an ordinary column in every file). A dataset with no rows
  holds one empty file (`empty.parquet`) carrying the schema.
- `read_dataset` returns the rows in the run's input order (MANIFEST.json), exactly the frame the
  former one-file-per-dataset layout gave; it also reads that former layout.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa

from . import schema
from .storage import current_generation, publish_generation

PARTS = ".parts"
MANIFEST = "MANIFEST.json"
EMPTY = "empty.parquet"
DIGEST = "DIGEST"  # hash of a part's bytes: the manifest changes when any report's rows do
FORMAT = 1

_ARROW = {"string": pa.large_string(), "float64": pa.float64(), "Int64": pa.int64(), "boolean": pa.bool_(),
          "date": pa.date32(), "list": pa.list_(pa.string())}


@lru_cache(maxsize=None)
def arrow_schema(dataset: str) -> pa.Schema:
    """The one Arrow schema of every file of a dataset (an all-null column of one report would
    otherwise be typed `null` in its file and clash with another report's strings)."""
    fields = [(name, _ARROW[dtype]) for name, dtype, _ in schema.DATASETS[dataset]]
    # pandas' metadata, so that every reader restores the same dtypes (string, Int64, boolean)
    meta = pa.Schema.from_pandas(schema.empty(dataset), preserve_index=False).metadata
    return pa.schema(fields, metadata=meta)


def part_key(version: str, report_id: str, source_file: str, sha256: str | None) -> str:
    """The part holding a report's rows. A report without a checksum (unreadable, or its worker
    died) gets a key of its own that no later run looks up, so it is read again next time."""
    safe = re.sub(r"[^\w.-]", "_", str(report_id))[:48]
    if not isinstance(sha256, str) or not sha256:
        return f"p-{safe}-once-{uuid.uuid4().hex[:16]}"
    h = hashlib.sha256("\0".join([version, str(report_id), str(source_file), sha256]).encode()).hexdigest()
    return f"p-{safe}-{h[:20]}"


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_part(folder: Path, key: str, frames: dict[str, pd.DataFrame]) -> Path:
    """Write one report's rows (its frames per dataset) as `.parts/<key>/`, whole or not at all;
    an existing part of that key is replaced."""
    parts = Path(folder) / PARTS
    parts.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key[:40]}-", dir=parts))
    try:
        digest = hashlib.sha256()
        for ds in schema.DATASETS:
            df = frames.get(ds)
            if df is None or not len(df):
                continue
            p = tmp / f"{ds}.parquet"
            schema.conform(df, ds).to_parquet(p, index=False, schema=arrow_schema(ds))
            digest.update(ds.encode() + b"\0" + p.read_bytes())
            _fsync(p)
        (tmp / DIGEST).write_text(digest.hexdigest()[:20] + "\n")
        os.chmod(tmp, 0o755)
        _fsync(tmp)
        final = parts / key
        if final.exists():  # a forced re-read of the same bytes: the new rows replace the old part
            trash = parts / f".old-{key[:40]}-{uuid.uuid4().hex[:8]}"
            os.rename(final, trash)
            shutil.rmtree(trash, ignore_errors=True)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync(parts)
    return final


def available_parts(folder: Path, *, newer_than_publication: bool = False) -> set[str]:
    """Keys of the finished parts in a processed folder. With `newer_than_publication`, only those
    written after the current generation was published: a run that did not get to publish."""
    parts = Path(folder) / PARTS
    if not parts.is_dir():
        return set()
    since = None
    if newer_than_publication:
        gen = current_generation(folder)
        if gen is not None and (gen / MANIFEST).exists():
            since = (gen / MANIFEST).stat().st_mtime_ns
    out = set()
    with os.scandir(parts) as it:
        for e in it:
            if e.name.startswith("p-") and e.is_dir():
                if since is None or e.stat().st_mtime_ns > since:
                    out.add(e.name)
    return out


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


def publish(folder: Path, entries: Iterable[tuple[str, str]], version: str) -> list[Path]:
    """Publish a generation made of the parts `entries` [(report_id, key)] in this order, all
    datasets together (storage.publish_generation), then drop parts no generation names."""
    folder = Path(folder)
    entries = list(entries)
    parts = folder / PARTS

    def fill(tmp: Path) -> None:
        for ds in schema.DATASETS:
            d = tmp / f"{ds}.parquet"
            d.mkdir()
            n = 0
            for _, key in entries:
                src = parts / key / f"{ds}.parquet"
                if src.exists():
                    _link(src, d / f"{key}.parquet")
                    n += 1
                elif not (parts / key).is_dir():
                    raise FileNotFoundError(f"{parts / key}: part missing while publishing")
            if not n:
                schema.empty(ds).to_parquet(d / EMPTY, index=False, schema=arrow_schema(ds))
        digests = [(parts / key / DIGEST).read_text().strip() if (parts / key / DIGEST).exists() else ""
                   for _, key in entries]
        body = {"format": FORMAT, "version": version,
                "reports": [[rid, key, d] for (rid, key), d in zip(entries, digests)]}
        (tmp / MANIFEST).write_text(json.dumps(body, ensure_ascii=False, indent=0), encoding="utf-8")
        (tmp / "VERSION").write_text(version + "\n")

    published = publish_generation(folder, fill)
    drop_unused_parts(folder)
    return published


def drop_unused_parts(folder: Path) -> list[str]:
    """Remove parts (and temporary part folders) that no remaining generation names. Call it with
    the folder's lock held, after a publication: parts of an interrupted run were used by it or are
    no longer wanted."""
    parts = Path(folder) / PARTS
    if not parts.is_dir():
        return []
    named: set[str] = set()
    for gen in Path(folder).glob(".gen-*"):
        m = manifest(gen)
        if m:
            named |= {e[1] for e in m["reports"]}
    removed = []
    for p in parts.iterdir():
        if p.name not in named:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def dataset_files(generation: Path, dataset: str, report_ids: Iterable[str] | None = None) -> list[Path]:
    """The files of a dataset in a generation in MANIFEST order (only those of `report_ids` if given)."""
    d = Path(generation) / f"{dataset}.parquet"
    m = manifest(generation)
    present = set(os.listdir(d))
    if m is None:
        return [d / n for n in sorted(present) if n.endswith(".parquet")]
    wanted = None if report_ids is None else {str(r) for r in report_ids}
    return [d / f"{key}.parquet" for rid, key, *_ in m["reports"]
            if f"{key}.parquet" in present and (wanted is None or rid in wanted)]


def read_dataset(generation: Path, dataset: str, report_ids: Iterable[str] | None = None) -> pd.DataFrame | None:
    """One dataset of a generation (or of a folder in the former layout, `<dataset>.parquet` a
    file) as one frame, rows in input order; None when the dataset is not there."""
    p = Path(generation) / f"{dataset}.parquet"
    if p.is_file():
        df = pd.read_parquet(p)
        return df if report_ids is None else df[df.report_id.isin([str(r) for r in report_ids])].reset_index(drop=True)
    if not p.is_dir():
        return None
    files = dataset_files(generation, dataset, report_ids)
    if not files:  # no rows: the empty file carries the schema (and the dtypes)
        return pd.read_parquet(p / EMPTY) if (p / EMPTY).exists() else schema.empty(dataset)
    return pd.read_parquet([str(f) for f in files])


def resolve(folder: Path) -> Path:
    """The published generation of a processed folder (the folder itself if it has none)."""
    return current_generation(folder) or Path(folder)
