"""Reading `data/processed/` for the notebooks: the datasets plus a readable label per report.

Notebooks and studies read the processed datasets only (never the raw files); this is the one
place that knows where they are. A folder that does not exist, holds no `reports.parquet`, or whose
`reports` is empty is an error (`NoProcessedData`, saying which folder and what to run): a study
must not publish "the corpus holds 0 reports" as if that were a finding. Another dataset not
written yet comes back as an empty frame with the documented columns (the study says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..core import paths, schema
from . import partitioned, selection
from .selection import SelectionError  # noqa: F401  (re-exported: the error load() raises)

DATASET_NAMES = tuple(schema.DATASETS)


class NoProcessedData(FileNotFoundError):
    """The processed folder is missing or holds no reports."""


@dataclass
class Corpus:
    folder: Path
    frames: Mapping[str, pd.DataFrame] = field(repr=False)
    label_of: pd.Series | None = field(default=None, repr=False)  # labels fixed by the corpus it came from

    def __getattr__(self, name: str) -> pd.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
        if name in schema.DATASETS:  # left out by load(datasets=[...])
            raise AttributeError(f"{name}: not loaded in this corpus (it holds {', '.join(frames)})")
        raise AttributeError(name)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    # -- reports ---------------------------------------------------------------------------
    @property
    def report_ids(self) -> list[str]:
        return list(self.reports.report_id)

    @property
    def readable(self) -> pd.DataFrame:
        """Reports that were read (status ok or partial)."""
        return self.reports[self.reports.status != "failed"]

    def report(self, report_id: str) -> pd.Series:
        hit = self.reports[self.reports.report_id == str(report_id)]
        if hit.empty:
            known = ", ".join(self.report_ids) or "none"
            raise KeyError(f"report {report_id!r} is not in {self.folder}/reports.parquet (known: {known})")
        return hit.iloc[0]

    def labels(self) -> pd.Series:
        """report_id → a short readable label: district, department (shortened), year. Unique: two
        reports of the same department and year (a text copy and the PDF, say) get their report id
        appended, since tables and figures are keyed on the label."""
        if self.label_of is not None:
            return self.label_of
        kept = self.__dict__.get("_labels")  # made once: the studies ask per report (O(N) each time)
        if kept is None or kept[0] is not self.reports:
            labels = pd.Series({r.report_id: report_label(r) for r in self.reports.itertuples()}, dtype="object")
            dup = labels.duplicated(keep=False)
            labels[dup] = [f"{lab} [{rid}]" for rid, lab in labels[dup].items()]
            kept = (self.reports, labels)
            self.__dict__["_labels"] = kept
        return kept[1].copy(deep=False)  # a caller changing its copy leaves the kept labels alone

    def label(self, report_id: str) -> str:
        return self.labels().get(report_id, report_id)

    def only(self, report_id: str) -> Corpus:
        """The same corpus restricted to one report's rows, keeping the labels the whole corpus gives
        (a label made unique by its report id stays so): per-report results of the studies' functions
        computed on it equal those computed on the whole corpus and filtered, at the cost of one report."""
        report_id = str(report_id)
        frames = {
            name: (df[df.report_id == report_id] if "report_id" in df else df) for name, df in self.frames.items()
        }
        labels = self.labels()
        return Corpus(folder=self.folder, frames=frames, label_of=labels[labels.index == report_id])

    def of(self, name: str, report_id: str) -> pd.DataFrame:
        df = self.frames[name]
        return df[df.report_id == report_id]

    def cells(self, report_id: str, table: str) -> pd.DataFrame:
        """The line items of one table of one report. A report page asks for every table twice (its
        heading and its rows): the report's line items are split by table once, and the split of
        the last report asked for is kept (one report's rows, whatever the corpus's size)."""
        kept = self.__dict__.get("_cells")
        if kept is None or kept[0] != report_id:
            li = self.of("line_items", report_id)
            kept = (report_id, {str(t): g for t, g in li.groupby("table", sort=False)}, li.iloc[0:0])
            self.__dict__["_cells"] = kept
        return kept[1].get(table, kept[2])

    def doubtful_rows(self, name: str, table: str | None = None, code: str | None = None) -> pd.DataFrame:
        """The rows of dataset `name` (of one `table`, of codes beginning `code`, if given) whose reading is
        doubtful, in the dataset's order (a corpus read out of core asks its files for them)."""
        df = self[name]
        if df.empty or "doubtful" not in df:
            return df.iloc[0:0]
        keep = df.doubtful.fillna(False).astype(bool)
        if table is not None:
            keep &= df.table == table
        if code is not None:
            keep &= df.code.fillna("").str.startswith(code)
        return df[keep]

    def n_reports(self, df: pd.DataFrame) -> int:
        return int(df.report_id.nunique()) if "report_id" in df and len(df) else 0

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """A SQL query (DuckDB) over the datasets, one view per dataset (`reports`, `line_items`, …), as a
        frame: the same question as on a corpus read out of core (`studies.lean.StudyCorpus.sql`), here
        over the frames in memory (DuckDB reads them in place, without a copy)."""
        con = self.__dict__.get("_sql")
        if con is None:
            import duckdb  # only when asked: `import helpers` stays light

            con = duckdb.connect()
            for ds in schema.DATASETS:
                con.register(ds, self[ds])
            self.__dict__["_sql"] = con
        return con.execute(query, params or []).df()

    def size(self, name: str) -> tuple[int, int]:
        """(rows, reports) of the dataset `name` (a corpus read out of core counts in SQL)."""
        df = self[name]
        return len(df), self.n_reports(df)

    def batches(self, size: int | None = None) -> Iterator[Corpus]:
        """The corpus in batches of reports for the studies (`studies.batches`): held in memory, one batch,
        itself (a corpus read out of core, `studies.lean.StudyCorpus`, splits)."""
        yield self

    def without(self, report_ids: Iterable[str]) -> Corpus:
        """The same corpus without the rows of `report_ids` in any dataset (labels kept)."""
        ids = [str(r) for r in report_ids]
        frames = {ds: df[~df.report_id.isin(ids)] if len(df) and ids else df for ds, df in self.frames.items()}
        return Corpus(folder=self.folder, frames=frames, label_of=self.labels())

    # -- for a researcher at the prompt: `corpus.<Tab>` lists the datasets ----------------------
    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.__dict__.get("frames", {})))

    def describe(self, dataset: str | None = None) -> None:
        """Print every dataset: rows, reports, what a row is, its columns (units in brackets); or,
        for one `dataset`, each column with its type, unit and meaning."""
        print(describe_text(self.frames, dataset))


def describe_text(frames: Mapping[str, pd.DataFrame], dataset: str | None = None) -> str:
    def named(col: str, ds: str) -> str:
        u = schema.unit(ds, col)
        return f"{col} [{u}]" if u else col

    if dataset is not None:
        if dataset not in schema.DATASETS:
            raise KeyError(f"no dataset {dataset!r}; the datasets are {', '.join(schema.DATASETS)}")
        df = frames.get(dataset)
        n = 0 if df is None else len(df)
        lines = [f"{dataset}: {n:,} rows — {schema.SUMMARY[dataset]}"]
        for col, dtype, meaning in schema.DATASETS[dataset]:
            u = schema.unit(dataset, col)
            lines.append(f"  {col} ({dtype}{', ' + u if u else ''}): {meaning}")
        return "\n".join(lines)
    lines = []
    for ds in schema.DATASETS:
        df = frames.get(ds)
        n = 0 if df is None else len(df)
        reports = int(df.report_id.nunique()) if df is not None and n and "report_id" in df else 0
        cols = schema.DATASETS[ds]
        lines.append(f"{ds}: {n:,} rows from {reports} reports, {len(cols)} columns — {schema.SUMMARY[ds]}")
        lines.append("    " + ", ".join(named(c, ds) for c, _, _ in cols))
    lines.append("One dataset's columns and meanings: .describe('line_items'); all of them: docs/DATA_DICTIONARY.md.")
    return "\n".join(lines)


def _dataset_property(name: str) -> property:
    def get(self: Corpus) -> pd.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
        raise AttributeError(f"{name}: not loaded in this corpus")

    get.__name__ = name
    get.__doc__ = f"`{name}` (DataFrame): {schema.SUMMARY[name]}"
    return property(get, doc=get.__doc__)


# One attribute per dataset, with its sentence as docstring: tab completion and `corpus.line_items?`
# work without loading anything (the frames are read by load()).
for _name in schema.DATASETS:
    setattr(Corpus, _name, _dataset_property(_name))
del _name


def short_department(department, city=None, district=None) -> str:
    """The department without its city and district: `武汉市洪山区人民政府办公室` → `人民政府办公室`,
    `中共上海市普陀区委社会工作部` → `区委社会工作部`, `中国共产党武汉市硚口区委员会办公室` →
    `区委办公室`; keeps the name when nothing can be trimmed."""
    if department is None or pd.isna(department):
        return ""
    d = re.sub(r"^(中国共产党|中共)", "", str(department))
    if city is not None and not pd.isna(city) and city:
        d = d.replace(str(city), "", 1)
    if district is not None and not pd.isna(district) and district and d.startswith(str(district)):
        rest = d[len(str(district)) :]
        # the district's party committee (区委 / 区委员会) is part of the department's name
        d = "区委" + re.sub(r"^委(员会)?", "", rest) if rest.startswith("委") else rest
    return d or str(department)


def report_label(r) -> str:
    get = (lambda k: getattr(r, k, None)) if not isinstance(r, dict) else r.get
    district = get("district")
    year = get("fiscal_year")
    dept = short_department(get("department"), get("city"), district)
    parts = [
        str(district) if district is not None and not pd.isna(district) else "",
        dept,
        str(int(year)) if year is not None and not pd.isna(year) else "",
    ]
    label = " ".join(p for p in parts if p) or str(get("report_id"))
    return label if len(label) <= 40 else label[:39] + "…"


def load(
    folder: str | Path | None = None,
    *,
    require_reports: bool = True,
    years: Iterable[int] | int | None = None,
    cities: Iterable[str] | str | None = None,
    districts: Iterable[str] | str | None = None,
    departments: Iterable[str] | str | None = None,
    reports: Iterable[str] | str | None = None,
    tables: Iterable[str] | str | None = None,
    datasets: Iterable[str] | str | None = None,
    columns: Iterable[str] | Mapping[str, Iterable[str]] | None = None,
) -> Corpus:
    """The processed datasets in `folder` (default `data/processed/`), missing ones as empty frames.
    Raises `NoProcessedData` when the folder is missing or has no reports (unless `require_reports`
    is False).

    Filters, read from the files without the rest (`studies/selection.py`): `years` (fiscal_year,
    integers), `cities`, `districts`, `departments` (as printed, exact), `reports` (report ids) keep
    those reports' rows in every dataset; `tables` (T1..T9, U4, X1 …) keeps those tables' rows in the
    datasets that have a `table` column (line_items, function_rollup, table_readings); `datasets`
    reads only those (plus `reports`); `columns` (a list for every dataset but `reports`, or
    {dataset: [columns]}) reads only those columns, `report_id` first. A filtered frame equals the
    whole frame filtered, numbered from 0. A bad value is a `SelectionError` saying what is wrong.

        load(years=[2023], tables=["T5"], datasets=["line_items"], columns=["table", "code", "amount_wan"])
    """
    folder = Path(folder) if folder else paths.DATA_PROCESSED
    sel = selection.make(
        years=years,
        cities=cities,
        districts=districts,
        departments=departments,
        reports=reports,
        tables=tables,
        datasets=datasets,
        columns=columns,
    )
    check_folder(folder, require_reports)
    if sel.everything:
        frames = {ds: _read(folder, ds) for ds in DATASET_NAMES}
    else:
        frames = selection.read(folder, sel, require_reports)
    if require_reports and frames["reports"].empty:
        raise NoProcessedData(f"{folder}/reports.parquet holds no reports: nothing to study; {_HINT}")
    return Corpus(folder=folder, frames=frames)


_HINT = "run `python -m helpers run` (or `python -m helpers extract FILE... --out DIR`) first"


def check_folder(folder: Path, require_reports: bool) -> None:
    if require_reports:
        if not folder.is_dir():
            raise NoProcessedData(f"processed folder {folder} does not exist: {_HINT}")
        if not (folder / "reports.parquet").exists():
            raise NoProcessedData(f"processed folder {folder} holds no reports.parquet: {_HINT}")


def _read(folder: Path, ds: str, report_id: str | None = None) -> pd.DataFrame:
    """One dataset as documented (older files may lack columns added since: conform adds them as
    nulls), from the folder's published generation (every dataset from one run); with `report_id`,
    that report's rows only, indexed by their rows' positions in the whole dataset as
    `load(folder).of(ds, report_id)` gives them."""
    generation = partitioned.resolve(folder)
    if report_id is None:
        df = partitioned.read_dataset(generation, ds)  # a folder of batch files, rows in run order
        return schema.empty(ds) if df is None else _conform(df, ds)
    table, where = _one_report(generation, ds, report_id)
    if table is None:
        return schema.empty(ds)
    if where is None:  # rows reordered on reading (a report added mid-run): filter the whole
        whole = _read(folder, ds)
        return whole[whole.report_id == report_id]
    df = _conform(table.to_pandas(), ds)
    df.index = pd.Index(where)
    return df


def _conform(df: pd.DataFrame, ds: str) -> pd.DataFrame:
    return schema.conform(df[[c for c in df.columns if c in schema.columns(ds)]], ds)


def _one_report(generation: Path, ds: str, report_id: str) -> tuple[pa.Table | None, np.ndarray | None]:
    """One report's rows decoded in Arrow (no thread pool: the workers share the cores already) and
    their positions in the whole dataset; positions None when the files' order is not the rows'."""
    p = generation / f"{ds}.parquet"
    if not p.exists():
        return None, None
    if p.is_file():  # the former layout: one file per dataset
        files = [p]
    else:
        m = partitioned.manifest(generation)
        if m is not None and not partitioned.in_order(m):
            return pa.table({}), None
        files = partitioned.dataset_files(generation, ds)
        if not files:
            return None, None
    wanted = set(partitioned.dataset_files(generation, ds, [report_id])) if p.is_dir() else {p}
    pieces, where, offset = [], [], 0
    for f in files:
        pf = pq.ParquetFile(f)
        if f in wanted:
            t = pf.read(use_threads=False)
            mask = pc.fill_null(pc.equal(t.column("report_id"), report_id), False)
            where.append(offset + np.flatnonzero(mask.to_numpy(zero_copy_only=False)))
            pieces.append(t.filter(mask))
        offset += pf.metadata.num_rows
    if not pieces:
        return None, None
    return pa.concat_tables(pieces), np.concatenate(where)


class _WholeDatasets(Mapping):
    """name → whole dataset, each read on first use (`reports` is read at once)."""

    def __init__(self, folder: Path, reports: pd.DataFrame):
        self._folder = folder
        self._got: dict[str, pd.DataFrame] = {"reports": reports}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._got:
            if name not in DATASET_NAMES:
                raise KeyError(name)
            self._got[name] = _read(self._folder, name)
        return self._got[name]

    def __contains__(self, name) -> bool:
        return name in DATASET_NAMES

    def __iter__(self):
        return iter(DATASET_NAMES)

    def __len__(self) -> int:
        return len(DATASET_NAMES)


@dataclass
class ReportCorpus(Corpus):
    """The corpus as a report page reads it: `reports` whole (labels and the corpus's counts) and,
    for the other datasets, only `report_id`'s rows, read with a filter (`of()` and `only()` for
    that report answer from them). `corpus.<dataset>` still gives the whole dataset, read when first
    asked for (a page quotes corpus-wide counts when one of its sections is empty), so every value
    equals the one `load()` gives, while a page costs one report whatever the corpus's size."""

    report_id: str = ""
    rows: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def of(self, name: str, report_id: str) -> pd.DataFrame:
        if str(report_id) == self.report_id and name in self.rows:
            # a new frame over the same data: pandas copies on write, so a change to it (a column
            # added, a cell set) never reaches the kept rows, without a deep copy per call
            return self.rows[name].copy(deep=False)
        return super().of(name, report_id)

    def only(self, report_id: str) -> Corpus:
        report_id = str(report_id)
        if report_id != self.report_id:
            return super().only(report_id)
        labels = self.labels()
        frames = {
            ds: self.reports[self.reports.report_id == report_id] if ds == "reports" else self.of(ds, report_id)
            for ds in DATASET_NAMES
        }
        return Corpus(folder=self.folder, frames=frames, label_of=labels[labels.index == report_id])


def report_labels(folder: str | Path | None = None) -> pd.Series:
    """report_id → readable label (`Corpus.labels`), reading the `reports` dataset alone: what the
    main job needs to name pages, at the cost of one small dataset whatever the corpus's size."""
    folder = Path(folder) if folder else paths.DATA_PROCESSED
    return Corpus(folder=folder, frames={"reports": _read(folder, "reports")}).labels()


def load_report(report_id: str, folder: str | Path | None = None) -> ReportCorpus:
    """The processed datasets for one report's page (see `ReportCorpus`); the same errors as `load()`."""
    folder = Path(folder) if folder else paths.DATA_PROCESSED
    check_folder(folder, True)
    reports = _read(folder, "reports")
    if reports.empty:
        raise NoProcessedData(f"{folder}/reports.parquet holds no reports: nothing to study; {_HINT}")
    report_id = str(report_id)
    rows = {ds: _read(folder, ds, report_id) for ds in DATASET_NAMES if ds != "reports"}
    labels = Corpus(folder=folder, frames={"reports": reports}).labels()  # once: a page asks several times
    return ReportCorpus(
        folder=folder, frames=_WholeDatasets(folder, reports), label_of=labels, report_id=report_id, rows=rows
    )
