"""The studies' corpus out of core: each dataset read by a DuckDB query over the Parquet files, in
place, keeping only the rows a study reads (`STUDY_ROWS`), so a study's memory is what its tables
and figures need, not the whole corpus (≈3.4 GB of pandas frames at 1,000 reports).

`open_corpus(folder)` gives a `StudyCorpus`: a `Corpus` whose frames are those rows, read on first
use, in the order `load()` gives (the run's input order, then each file's rows), with the dtypes
`load()` gives. Every study function computes the same values from it as from `load()`: the rows
left out are rows none of them reads (tests/test_studies_lean.py compares them on the corpus).
Counts of whole datasets (`corpus.size(name)`) are asked of DuckDB, never taken from the frames.

The tables that read the large datasets (line_items, budget_execution, three_public) are computed a batch
of reports at a time (`batches.per_report`, `StudyCorpus.batches`): a batch's rows come into pandas, are
used and let go, so a study holds one batch's rows and the tables it shows, not the corpus's rows.

For a dataset's rows the studies do not read (every line item, every check), ask SQL:
`corpus.sql("SELECT ... FROM line_items ...")` or `helpers.db()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core import paths, schema
from ..core.vocabulary import POVERTY_CODE as CODE
from ..data import partitioned
from ..data.database import dataset_sources, sql_string
from ..data.load import Corpus, NoProcessedData, check_folder
from . import batches
from .composition import FUNCTION_TABLES, PASS_THROUGH_CODES

if TYPE_CHECKING:
    import duckdb

# DuckDB's own memory (its buffers and the query's hash tables), apart from the frames it hands over
MEMORY_LIMIT = "256MB"


def _in(values: Iterable[str]) -> str:
    return f"({_listed(values)})"


@dataclass(frozen=True)
class _Reports:
    """Whose rows a query reads: all but `excluded` (the reports `without()` left out) and, for a batch of
    reports (`StudyCorpus.batches`), only those of `only`, or for the last batch all but those of `before`."""

    excluded: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None
    before: tuple[str, ...] = ()  # the last batch: every report not in an earlier one (rows without a report too)

    def where(self, column: str) -> str:
        """The WHERE clause ("" for every report). Subqueries, which DuckDB answers with one hash join: a
        literal list is compared value by value, row by row (at 10,000 reports, 1,800 left out: 63 s of CPU
        to read line_items against 6 s)."""
        conds = [f"{column} NOT IN (SELECT unnest([{_listed(ids)}]))" for ids in (self.excluded, self.before) if ids]
        if self.only is not None:
            conds.append(f"{column} IN (SELECT unnest([{_listed(self.only)}]))")
        return " WHERE " + " AND ".join(conds) if conds else ""


def _listed(values: Iterable[str]) -> str:
    return ", ".join(sql_string(v) for v in values)


# line_items rows read by composition.function_classes (function classes of T3 / T5 / T4's expenditure
# side) and economic_classes (T6 by economic class): per report, table and class, only the rows of the
# most aggregated level printed with an amount (what `_rollup` sums), the 类 rows (their printed
# names) and T6's first row naming a class's section, are kept
_CLASSES = f"""((code_domain = 'function' AND measure = 'total' AND "table" IN {_in(FUNCTION_TABLES)}
    AND ("table" <> 'T4' OR coalesce(side, 'expenditure') = 'expenditure'))
  OR ("table" = 'T6' AND code_domain = 'economic' AND measure = 'final'))"""
_OTHER_LINE_ITEMS = " OR ".join(
    [
        # composition.basic_project: the 合计/总计 rows of T3 / T5, else their class rows
        """("table" IN ('T3', 'T5') AND ((code IS NULL AND regexp_matches(coalesce(row_label, ''), '合计|总计'))
            OR level = '类'))""",
        # doubtful cells: of T7 (execution._flag_doubtful_t7) and of 21305 (poverty._flags)
        f"""(coalesce(doubtful, false) AND ("table" = 'T7' OR starts_with(coalesce(code, ''), {sql_string(CODE)})))""",
    ]
)

# dataset → the SQL condition on its rows that keeps every row a study function reads (None: all
# rows; line_items: _line_items_sql). A study reading other rows adds them here.
STUDY_ROWS: dict[str, str | None] = {
    # quality.problems (failing or uncertain checks), execution._rate_checks
    "checks": "outcome IN ('fail', 'uncertain') OR rule_id = 'N.rate_completion'",
    # composition.pass_through
    "function_rollup": f"""code IN {_in(PASS_THROUGH_CODES)} AND "table" IN ('T3', 'T5') AND measure = 'project'""",
    # composition.personnel_public (万元), composition's staff counts (per-capita figures)
    "narrative_facts": "topic IN ('personnel_cost', 'public_cost', 'staff_in_post', 'staff_authorised', 'retirees')",
}


def _order_table(con: duckdb.DuckDBPyConnection, generation: Path) -> bool:
    """The run's input order as a table `_order(report_id, pos)` (the manifest's), False without one."""
    m = partitioned.manifest(generation)
    if not m or not m.get("order"):
        return False
    ids = [rid for rid, _ in m["order"]]
    con.execute("CREATE TEMP TABLE _order (report_id VARCHAR, pos INTEGER)")
    con.executemany("INSERT INTO _order VALUES (?, ?)", [(rid, i) for i, rid in enumerate(ids)])
    return True


def _source_sql(files: list[Path], ordered: bool, reports: _Reports = _Reports()) -> str:
    """A dataset's rows with `_rank`, their place in load()'s order: the run's input order of their
    report (the manifest's), then the files' order, then each file's rows; of the reports `reports` names."""
    listed = _listed(str(f) for f in files)
    # every column the files hold (a column added since is made null by schema.conform, as load() does)
    src = f"read_parquet([{listed}], union_by_name = true, filename = true, file_row_number = true) AS d"
    pos = "0"
    if ordered:
        src += " LEFT JOIN _order USING (report_id)"
        pos = "coalesce(_order.pos, 2147483647)"
    rank = f"({pos}::HUGEINT << 64) + (list_position([{listed}], d.filename)::HUGEINT << 40) + d.file_row_number"
    src += reports.where("d.report_id")
    return f"SELECT d.* EXCLUDE (filename, file_row_number), {rank} AS _rank FROM {src}"


def _rows_sql(
    files: list[Path], ordered: bool, where: str | None, reports: _Reports = _Reports(), rank: bool = False
) -> str:
    """A dataset's rows `where` holds, in load()'s order; with `rank`, their `_rank` kept and in no order (the
    table of every batch's rows: each batch's query orders its own, and sorting the whole cost ~190 MB at once
    for the checks of 10,000 reports)."""
    cond = f"WHERE {where}" if where else ""
    if rank:
        return f"SELECT * FROM ({_source_sql(files, ordered, reports)}) {cond}"
    return f"SELECT * EXCLUDE (_rank) FROM ({_source_sql(files, ordered, reports)}) {cond} ORDER BY _rank"


def _line_items_sql(files: list[Path], ordered: bool, reports: _Reports = _Reports(), rank: bool = False) -> str:
    """The line items the studies read (_CLASSES, _OTHER_LINE_ITEMS), in load()'s order (with `rank`, their
    `_rank` kept and in no order, as `_rows_sql`)."""
    coded = "code IS NOT NULL AND length(code) IN (3, 5, 7)"
    order = "" if rank else " ORDER BY _rank"
    return f"""
    WITH li AS NOT MATERIALIZED ({_source_sql(files, ordered, reports)}),
    cls AS NOT MATERIALIZED (SELECT * FROM li WHERE {_CLASSES}),
    best AS (SELECT report_id, "table", substr(code, 1, 3) AS c, min(length(code)) AS n FROM cls
             WHERE {coded} AND amount_wan IS NOT NULL AND NOT isnan(amount_wan) GROUP BY ALL),
    sec AS (SELECT min(_rank) AS r FROM cls
            WHERE "table" = 'T6' AND code IS NOT NULL AND section IS NOT NULL GROUP BY report_id, substr(code, 1, 3)),
    kept AS (
        SELECT cls._rank FROM cls LEFT JOIN best ON cls.report_id = best.report_id AND cls."table" = best."table"
            AND substr(cls.code, 1, 3) = best.c AND length(cls.code) = best.n
        WHERE best.n IS NOT NULL OR cls.level = '类' OR cls._rank IN (SELECT r FROM sec)
        UNION SELECT _rank FROM li WHERE {_OTHER_LINE_ITEMS})
    SELECT {"*" if rank else "* EXCLUDE (_rank)"} FROM li WHERE _rank IN (SELECT _rank FROM kept){order}"""


def _release(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    """Give back the buffers DuckDB keeps after a query. It holds them up to its memory limit for the next
    one (at 10,000 reports, 280 MB after reading line_items), on top of the frames the studies then build;
    lowering the limit for a moment frees them (nothing of ours lives in its buffers but `_order`, a few KB).
    `limit` is the one the connection was opened with (DuckDB reports it back rounded, a little lower each time)."""
    con.execute("SET memory_limit = '16MB'")
    con.execute(f"SET memory_limit = {sql_string(limit)}")


class _StudyFrames(Mapping):
    """dataset → its study rows as a frame, each queried on first use and kept.

    The frames of a batch of reports read from a DuckDB table of the rows of every batch (`_staged`), made
    by the first batch: each batch costs a lookup, not another pass over the Parquet files (at 10,000
    reports ~0.3 s against ~2.5 s for line_items). DuckDB keeps such a table within its memory limit and
    writes what does not fit to its temporary directory (`database.db`)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        sources: dict[str, list[Path]],
        ordered: bool,
        reports: _Reports = _Reports(),
        limit: str = MEMORY_LIMIT,
        staged: dict[tuple, str] | None = None,
    ) -> None:
        self._con, self._sources, self._ordered, self._limit = con, sources, ordered, limit
        self.reports = reports  # whose rows are queried (the reports without() left out never are)
        self._got: dict[str, pd.DataFrame] = {}
        # (what, reports left out) → the DuckDB table of those rows, shared by every batch of a corpus
        self._staged = {} if staged is None else staged

    def _narrowed(self, reports: _Reports, ids: tuple[str, ...], inside: bool) -> _StudyFrames:
        """These frames for `reports`: a dataset read already is filtered in pandas (the rows of `ids`, or
        those not of `ids`), any other is queried for them alone."""
        out = _StudyFrames(self._con, self._sources, self._ordered, reports, self._limit, self._staged)
        for name, df in self._got.items():
            out._got[name] = df[df.report_id.isin(ids) == inside] if len(df) and (ids or inside) else df
        return out

    def without(self, report_ids: tuple[str, ...]) -> _StudyFrames:
        """These frames without the rows of `report_ids`, so the whole and the comparable corpus never both
        hold a dataset that only the comparable one reads (the studies read every large dataset through the latter)."""
        return self._narrowed(replace(self.reports, excluded=(*self.reports.excluded, *report_ids)), report_ids, False)

    def batch(self, report_ids: tuple[str, ...], before: tuple[str, ...] | None = None) -> _StudyFrames:
        """The rows of `report_ids` alone; with `before`, of every report but those (the last batch)."""
        if before is not None:
            return self._narrowed(replace(self.reports, before=before), before, False)
        return self._narrowed(replace(self.reports, only=report_ids), report_ids, True)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._got:
            if name not in schema.DATASETS:
                raise KeyError(name)
            files = self._sources.get(name) or []
            if not files:
                self._got[name] = schema.empty(name)
            elif name == "line_items":
                self._got[name] = self._rows(
                    name, lambda reports, rank: _line_items_sql(files, self._ordered, reports, rank)
                )
            else:
                where = STUDY_ROWS.get(name)
                self._got[name] = self._rows(
                    name, lambda reports, rank: _rows_sql(files, self._ordered, where, reports, rank)
                )
        return self._got[name]

    def _rows(self, name: str, sql, what: tuple = ()) -> pd.DataFrame:
        """Rows of dataset `name` by `sql(reports, rank)`: queried for these frames' reports, or for a batch,
        looked up in the table of every batch's rows (made on first use)."""
        batch = _Reports(only=self.reports.only, before=self.reports.before)
        if batch == _Reports():
            return self.query(sql(self.reports, False), name)
        key = (name, *what, self.reports.excluded)
        if key not in self._staged:
            table = f"_staged_{len(self._staged)}"
            self._con.execute(f"CREATE TEMP TABLE {table} AS {sql(_Reports(excluded=self.reports.excluded), True)}")
            self._staged[key] = table
        return self.query(
            f"SELECT * EXCLUDE (_rank) FROM {self._staged[key]}{batch.where('report_id')} ORDER BY _rank", name
        )

    def query(self, sql: str, name: str) -> pd.DataFrame:
        """Rows of dataset `name` by `sql`, typed as load() types them."""
        table = self._con.sql(sql).to_arrow_table()
        _release(self._con, self._limit)
        # the Arrow buffers freed as they are converted: not both copies at once
        return schema.conform(table.to_pandas(self_destruct=True, split_blocks=True), name)

    def doubtful(self, name: str, table: str | None, code: str | None) -> pd.DataFrame:
        """The doubtful rows of the whole dataset `name` (not only its study rows), as load()'s frame holds them."""
        files = self._sources.get(name) or []
        if not files or "doubtful" not in schema.columns(name):
            return schema.empty(name)
        where = "coalesce(doubtful, false)" + (f' AND "table" = {sql_string(table)}' if table is not None else "")
        where += f" AND starts_with(coalesce(code, ''), {sql_string(code)})" if code is not None else ""
        return self._rows(name, lambda reports, rank: _rows_sql(files, self._ordered, where, reports, rank), (where,))

    def __iter__(self) -> Iterator[str]:
        return iter(schema.DATASETS)

    def __len__(self) -> int:
        return len(schema.DATASETS)


@dataclass
class StudyCorpus(Corpus):
    """A `Corpus` whose frames hold the rows the studies read (`STUDY_ROWS`), queried by DuckDB
    (module docstring). `size()` and `sql()` answer for the whole datasets."""

    con: Any = field(default=None, repr=False)

    @property
    def study_frames(self) -> _StudyFrames:
        """The frames, as the queries that make them (open_corpus, without() and batches() make no other)."""
        assert isinstance(self.frames, _StudyFrames)
        return self.frames

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """A query over the whole datasets (one view per dataset, as `helpers.db()`), as a frame."""
        return self.con.execute(query, params or []).df()

    def doubtful_rows(self, name: str, table: str | None = None, code: str | None = None) -> pd.DataFrame:
        """As `Corpus.doubtful_rows`, over the whole dataset: queried, so that a study needing a few cells does
        not hold every study row of line_items (at 10,000 reports, 140 MB in pandas to find the T7 cells)."""
        return self.study_frames.doubtful(name, table, code)

    def size(self, name: str) -> tuple[int, int]:
        """(rows, reports) of the whole dataset `name`, the reports left out by `without()` not counted."""
        if name not in schema.DATASETS:
            raise KeyError(f"no dataset {name!r}; the datasets are {', '.join(schema.DATASETS)}")
        # fetchall, not fetchone: DuckDB 2 refuses the connection's next query while a result is unfinished
        query = f"SELECT count(*), count(DISTINCT report_id) FROM {name}{self.study_frames.reports.where('report_id')}"
        ((rows, reports),) = self.con.execute(query).fetchall()
        return int(rows), int(reports)

    def batches(self, size: int | None = None) -> Iterator[StudyCorpus]:
        """This corpus as consecutive batches of `size` reports (batches.BATCH_REPORTS), in the reports' order:
        each a StudyCorpus of those reports' rows alone, with the whole corpus's labels; itself when it holds
        no more. The last batch also holds the rows of reports not in `reports` (as load()'s frames do)."""
        size = size or batches.BATCH_REPORTS
        ids = tuple(self.report_ids)
        if len(ids) <= size:
            yield self
            return
        labels = self.labels()
        for start in range(0, len(ids), size):
            last = start + size >= len(ids)
            part = self.study_frames.batch(ids[start : start + size], before=ids[:start] if last else None)
            yield StudyCorpus(folder=self.folder, frames=part, label_of=labels, con=self.con)

    def without(self, report_ids: Iterable[str]) -> Corpus:
        ids = tuple(str(r) for r in report_ids)
        return StudyCorpus(
            folder=self.folder,
            frames=self.study_frames.without(ids),
            label_of=self.labels(),
            con=self.con,
        )


def open_corpus(
    folder: str | Path | None = None, *, memory_limit: str = MEMORY_LIMIT, threads: int | None = None
) -> StudyCorpus:
    """The studies' corpus of `folder` (default data/processed/); the same errors as `load()`."""
    from ..data.database import db

    folder = Path(folder) if folder else paths.DATA_PROCESSED
    check_folder(folder, True)
    con = db(folder, memory_limit=memory_limit, threads=threads)  # NoProcessedData when it holds no reports
    try:
        con.execute("SET enable_progress_bar = false")  # in a terminal: no bar printed over the output
    except Exception:  # noqa: S110 - in a Jupyter kernel DuckDB refuses the setting without ipywidgets (and prints no bar)
        pass
    generation = partitioned.resolve(folder)
    frames = _StudyFrames(con, dataset_sources(generation), _order_table(con, generation), limit=memory_limit)
    corpus = StudyCorpus(folder=folder, frames=frames, con=con)
    if corpus.reports.empty:  # pragma: no cover - db() has said so already
        raise NoProcessedData(f"{folder}/reports.parquet holds no reports")
    return corpus
