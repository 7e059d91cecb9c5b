"""`helpers.db()`: SQL over the processed datasets, read in place by DuckDB.

One view per dataset (`reports`, `line_items`, … as in docs/DATA_DICTIONARY.md) over the Parquet
files of the folder's published generation: nothing is loaded or copied until a query runs, and a
query reads only the columns and row groups it needs, in parallel, within DuckDB's memory limit.
So a researcher can ask questions of 10,000 reports that `load()` would have to hold in memory:

    con = helpers.db()
    con.sql("SELECT r.fiscal_year, sum(li.amount_wan) FROM line_items li JOIN reports r USING (report_id) "
            "WHERE li.table = 'T5' AND li.measure = 'total' AND li.level = '类' GROUP BY 1").df()

The views point at the generation published when `db()` was called: after a new run, call it again.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import paths, schema
from . import partitioned
from .load import NoProcessedData, check_folder

if TYPE_CHECKING:
    import duckdb

_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def sql_string(s: str) -> str:
    """`s` as an SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def dataset_sources(generation: Path) -> dict[str, list[Path]]:
    """dataset → the Parquet files holding its rows in a published generation, in the run's order
    (the batch files the manifest lists, never a stray file; the former layout's one file); a
    dataset with no rows, or not written yet, has none."""
    out: dict[str, list[Path]] = {}
    for ds in schema.DATASETS:
        p = generation / f"{ds}.parquet"
        if p.is_file():  # the former layout: one file per dataset
            files = [p]
        elif p.is_dir():
            files = partitioned.dataset_files(generation, ds)
        else:
            files = []
        out[ds] = [f for f in files if f.exists()]
    return out


SPILL_PREFIX = "juesuan-duckdb-"


def spill_folder() -> Path:
    """Where a connection's DuckDB writes what does not fit in its memory limit: a folder of its own in the
    system's temporary folder (DuckDB's default is `.tmp` in the working directory: a notebook's folder),
    made by DuckDB when first needed. The folders of processes that ended without closing their connection
    (a worker killed, a benchmark's child process) are removed first: at 10,000 reports each held ~25 MB."""
    tmp = Path(tempfile.gettempdir())
    for old in tmp.glob(SPILL_PREFIX + "*"):
        pid = old.name.removeprefix(SPILL_PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return tmp / f"{SPILL_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def returning_memory() -> None:
    """Arrow's buffers (the query results, and pandas' text columns made from them) from the system allocator
    from now on. pyarrow's default, mimalloc, keeps what is freed for reuse: at 10,000 reports a study page's
    kernel held ~180 MB of freed Arrow memory, and peaked 855 MB against 743 MB, in the same CPU time
    (studies of many reports free large frames one after another). A pool set by ARROW_DEFAULT_MEMORY_POOL is kept."""
    import pyarrow as pa

    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ and pa.default_memory_pool().backend_name == "mimalloc":
        pa.set_memory_pool(pa.system_memory_pool())


def give_back() -> None:
    """Return to the system the memory freed by the frames let go (pandas' text columns are Arrow buffers): with
    the system allocator (`returning_memory`) Arrow asks the C library to trim its free memory."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def db(folder: str | Path | None = None, *, threads: int | None = None, memory_limit: str | None = None):
    """A DuckDB connection (in memory) with one view per dataset of `folder` (default
    `data/processed/`). `threads` and `memory_limit` (e.g. "1GB") bound what DuckDB uses.
    The same errors as `load()` when the folder holds no reports."""
    import duckdb  # a run-time dependency for this entry point only: `import helpers` stays light

    folder = Path(folder) if folder else paths.DATA_PROCESSED
    check_folder(folder, True)
    generation = partitioned.resolve(folder)
    returning_memory()
    con: duckdb.DuckDBPyConnection = duckdb.connect()
    spill = spill_folder()
    con.execute(f"SET temp_directory = {sql_string(str(spill))}")
    weakref.finalize(con, shutil.rmtree, spill, True)  # DuckDB removes it on close(); this when never closed
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads: {threads!r}; give a number of threads (an integer ≥ 1)")
        con.execute(f"SET threads = {threads}")
    if memory_limit is not None:
        if not isinstance(memory_limit, str) or not _MEMORY.fullmatch(memory_limit.strip()):
            raise ValueError(f"memory_limit: {memory_limit!r}; give an amount such as '1GB' or '500MB'")
        con.execute(f"SET memory_limit = {sql_string(memory_limit.strip())}")
    for ds, files in dataset_sources(generation).items():
        empty = generation / f"{ds}.parquet" / partitioned.EMPTY
        files = files or ([empty] if empty.exists() else [])  # no rows: the empty file carries the schema
        if not files:  # not written yet: an empty view with the documented columns
            con.register(ds, partitioned.arrow_schema(ds).empty_table())
            continue
        listed = ", ".join(sql_string(str(f)) for f in files)
        # union_by_name: files written before a column was added get it as nulls, as load() does
        con.execute(f"CREATE VIEW {ds} AS SELECT * FROM read_parquet([{listed}], union_by_name = true)")
    (n,) = con.execute("SELECT count(*) FROM reports").fetchall()[0]  # fetch all: DuckDB 2 keeps a result open
    if not n:
        con.close()
        raise NoProcessedData(f"{folder}/reports.parquet holds no reports: nothing to query")
    return con
