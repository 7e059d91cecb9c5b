"""The studies' corpus out of core: each dataset read by a DuckDB query over the Parquet files, in
place, keeping only the rows a study reads (`STUDY_ROWS`), so a study's memory is what its tables
and figures need, not the whole corpus (≈3.4 GB of pandas frames at 1,000 reports).

`open_corpus(folder)` gives a `StudyCorpus`: a `Corpus` whose frames are those rows, read on first
use, in the order `load()` gives (the run's input order, then each file's rows), with the dtypes
`load()` gives. Every study function computes the same values from it as from `load()`: the rows
left out are rows none of them reads (tests/test_studies_lean.py compares them on the corpus).
Counts of whole datasets (`corpus.size(name)`) are asked of DuckDB, never taken from the frames.

For a dataset's rows the studies do not read (every line item, every check), ask SQL:
`corpus.sql("SELECT ... FROM line_items ...")` or `helpers.db()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core import paths, schema
from ..core.vocabulary import POVERTY_CODE as CODE
from ..data import partitioned
from ..data.database import dataset_sources, sql_string
from ..data.load import Corpus, NoProcessedData, check_folder
from .composition import FUNCTION_TABLES, PASS_THROUGH_CODES

if TYPE_CHECKING:
    import duckdb

# DuckDB's own memory (its buffers and the query's hash tables), apart from the frames it hands over
MEMORY_LIMIT = "256MB"


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(sql_string(v) for v in values) + ")"


def _not_in(column: str, report_ids: tuple[str, ...]) -> str:
    """The WHERE clause that leaves out the reports `without()` left out ("" for none). A subquery, which
    DuckDB answers with one hash join: a literal list is compared value by value, row by row (at 10,000
    reports, 1,800 left out: 63 s of CPU to read line_items against 6 s)."""
    listed = ", ".join(sql_string(v) for v in report_ids)
    return f" WHERE {column} NOT IN (SELECT unnest([{listed}]))" if report_ids else ""


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


def _source_sql(files: list[Path], ordered: bool, excluded: tuple[str, ...] = ()) -> str:
    """A dataset's rows with `_rank`, their place in load()'s order: the run's input order of their
    report (the manifest's), then the files' order, then each file's rows; without the reports `excluded`."""
    listed = ", ".join(sql_string(str(f)) for f in files)
    # every column the files hold (a column added since is made null by schema.conform, as load() does)
    src = f"read_parquet([{listed}], union_by_name = true, filename = true, file_row_number = true) AS d"
    pos = "0"
    if ordered:
        src += " LEFT JOIN _order USING (report_id)"
        pos = "coalesce(_order.pos, 2147483647)"
    rank = f"({pos}::HUGEINT << 64) + (list_position([{listed}], d.filename)::HUGEINT << 40) + d.file_row_number"
    src += _not_in("d.report_id", excluded)
    return f"SELECT d.* EXCLUDE (filename, file_row_number), {rank} AS _rank FROM {src}"


def _rows_sql(files: list[Path], ordered: bool, where: str | None, excluded: tuple[str, ...] = ()) -> str:
    cond = f"WHERE {where}" if where else ""
    return f"SELECT * EXCLUDE (_rank) FROM ({_source_sql(files, ordered, excluded)}) {cond} ORDER BY _rank"


def _line_items_sql(files: list[Path], ordered: bool, excluded: tuple[str, ...] = ()) -> str:
    """The line items the studies read (_CLASSES, _OTHER_LINE_ITEMS), in load()'s order."""
    coded = "code IS NOT NULL AND length(code) IN (3, 5, 7)"
    return f"""
    WITH li AS NOT MATERIALIZED ({_source_sql(files, ordered, excluded)}),
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
    SELECT * EXCLUDE (_rank) FROM li WHERE _rank IN (SELECT _rank FROM kept) ORDER BY _rank"""


def _release(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    """Give back the buffers DuckDB keeps after a query. It holds them up to its memory limit for the next
    one (at 10,000 reports, 280 MB after reading line_items), on top of the frames the studies then build;
    lowering the limit for a moment frees them (nothing of ours lives in its buffers but `_order`, a few KB).
    `limit` is the one the connection was opened with (DuckDB reports it back rounded, a little lower each time)."""
    con.execute("SET memory_limit = '16MB'")
    con.execute(f"SET memory_limit = {sql_string(limit)}")


class _StudyFrames(Mapping):
    """dataset → its study rows as a frame, each queried on first use and kept."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        sources: dict[str, list[Path]],
        ordered: bool,
        excluded: tuple[str, ...] = (),
        limit: str = MEMORY_LIMIT,
    ) -> None:
        self._con, self._sources, self._ordered, self._limit = con, sources, ordered, limit
        self.excluded = excluded  # the reports without() left out: their rows are never queried
        self._got: dict[str, pd.DataFrame] = {}

    def without(self, report_ids: tuple[str, ...]) -> _StudyFrames:
        """These frames without the rows of `report_ids`: a dataset read already is filtered in pandas, any
        other is queried without them, so the whole and the comparable corpus never both hold a dataset
        that only the comparable one reads (the studies read every large dataset through the latter)."""
        out = _StudyFrames(self._con, self._sources, self._ordered, (*self.excluded, *report_ids), self._limit)
        for name, df in self._got.items():
            out._got[name] = df[~df.report_id.isin(report_ids)] if len(df) and report_ids else df
        return out

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._got:
            if name not in schema.DATASETS:
                raise KeyError(name)
            files = self._sources.get(name) or []
            if not files:
                self._got[name] = schema.empty(name)
            else:
                ordered = self._ordered
                excluded = self.excluded
                sql = (
                    _line_items_sql(files, ordered, excluded)
                    if name == "line_items"
                    else _rows_sql(files, ordered, STUDY_ROWS.get(name), excluded)
                )
                self._got[name] = self.query(sql, name)
        return self._got[name]

    def query(self, sql: str, name: str) -> pd.DataFrame:
        """Rows of dataset `name` by `sql`, typed as load() types them."""
        table = self._con.sql(sql).to_arrow_table()
        _release(self._con, self._limit)
        # the Arrow buffers freed as they are converted: not both copies at once
        return schema.conform(table.to_pandas(self_destruct=True, split_blocks=True), name)

    def doubtful(self, name: str, table: str | None) -> pd.DataFrame:
        """The doubtful rows of the whole dataset `name` (not only its study rows), as load()'s frame holds them."""
        files = self._sources.get(name) or []
        if not files or "doubtful" not in schema.columns(name):
            return schema.empty(name)
        where = "coalesce(doubtful, false)" + (f' AND "table" = {sql_string(table)}' if table is not None else "")
        return self.query(_rows_sql(files, self._ordered, where, self.excluded), name)

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
    def excluded(self) -> tuple[str, ...]:
        """The reports `without()` left out (the frames keep the record; a plain mapping left none out)."""
        return self.frames.excluded if isinstance(self.frames, _StudyFrames) else ()

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """A query over the whole datasets (one view per dataset, as `helpers.db()`), as a frame."""
        return self.con.execute(query, params or []).df()

    def doubtful_rows(self, name: str, table: str | None = None) -> pd.DataFrame:
        """As `Corpus.doubtful_rows`, over the whole dataset: queried, so that a study needing a few cells does
        not hold every study row of line_items (at 10,000 reports, 140 MB in pandas to find the T7 cells)."""
        assert isinstance(self.frames, _StudyFrames)  # open_corpus and without() make no other
        return self.frames.doubtful(name, table)

    def size(self, name: str) -> tuple[int, int]:
        """(rows, reports) of the whole dataset `name`, the reports left out by `without()` not counted."""
        if name not in schema.DATASETS:
            raise KeyError(f"no dataset {name!r}; the datasets are {', '.join(schema.DATASETS)}")
        # fetchall, not fetchone: DuckDB 2 refuses the connection's next query while a result is unfinished
        query = f"SELECT count(*), count(DISTINCT report_id) FROM {name}{_not_in('report_id', self.excluded)}"
        ((rows, reports),) = self.con.execute(query).fetchall()
        return int(rows), int(reports)

    def without(self, report_ids: Iterable[str]) -> Corpus:
        ids = tuple(str(r) for r in report_ids)
        frames = self.frames
        assert isinstance(frames, _StudyFrames)  # open_corpus and without() make no other
        return StudyCorpus(
            folder=self.folder,
            frames=frames.without(ids),
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
