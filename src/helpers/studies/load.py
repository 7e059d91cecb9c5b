"""Reading `data/processed/` for the notebooks: the datasets plus a readable label per report.

Notebooks and studies read the processed datasets only (never the raw files); this is the one
place that knows where they are. A folder that does not exist, holds no `reports.parquet`, or whose
`reports` is empty is an error (`NoProcessedData`, saying which folder and what to run): a study
must not publish "the corpus holds 0 reports" as if that were a finding. Another dataset not
written yet comes back as an empty frame with the documented columns (the study says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import partitioned, paths, schema

DATASET_NAMES = tuple(schema.DATASETS)


class NoProcessedData(FileNotFoundError):
    """The processed folder is missing or holds no reports."""


@dataclass
class Corpus:
    folder: Path
    frames: dict[str, pd.DataFrame] = field(repr=False)
    label_of: pd.Series | None = field(default=None, repr=False)  # labels fixed by the corpus it came from

    def __getattr__(self, name: str) -> pd.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
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
        labels = pd.Series({r.report_id: report_label(r) for r in self.reports.itertuples()}, dtype="object")
        dup = labels.duplicated(keep=False)
        labels[dup] = [f"{lab} [{rid}]" for rid, lab in labels[dup].items()]
        return labels

    def label(self, report_id: str) -> str:
        return self.labels().get(report_id, report_id)

    def only(self, report_id: str) -> "Corpus":
        """The same corpus restricted to one report's rows, keeping the labels the whole corpus gives
        (a label made unique by its report id stays so): per-report results of the studies' functions
        computed on it equal those computed on the whole corpus and filtered, at the cost of one report."""
        report_id = str(report_id)
        frames = {name: (df[df.report_id == report_id] if "report_id" in df else df) for name, df in self.frames.items()}
        labels = self.labels()
        return Corpus(folder=self.folder, frames=frames, label_of=labels[labels.index == report_id])

    def of(self, name: str, report_id: str) -> pd.DataFrame:
        df = self.frames[name]
        return df[df.report_id == report_id]

    def n_reports(self, df: pd.DataFrame) -> int:
        return int(df.report_id.nunique()) if "report_id" in df and len(df) else 0


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
        rest = d[len(str(district)):]
        # the district's party committee (区委 / 区委员会) is part of the department's name
        d = "区委" + re.sub(r"^委(员会)?", "", rest) if rest.startswith("委") else rest
    return d or str(department)


def report_label(r) -> str:
    get = (lambda k: getattr(r, k, None)) if not isinstance(r, dict) else r.get
    district = get("district")
    year = get("fiscal_year")
    dept = short_department(get("department"), get("city"), district)
    parts = [str(district) if district is not None and not pd.isna(district) else "",
             dept, str(int(year)) if year is not None and not pd.isna(year) else ""]
    label = " ".join(p for p in parts if p) or str(get("report_id"))
    return label if len(label) <= 40 else label[:39] + "…"


def load(folder: str | Path | None = None, *, require_reports: bool = True) -> Corpus:
    """The processed datasets in `folder` (default `data/processed/`), missing ones as empty frames.
    Raises `NoProcessedData` when the folder is missing or has no reports (unless `require_reports`
    is False)."""
    folder = Path(folder) if folder else paths.DATA_PROCESSED
    hint = "run `python -m helpers run` (or `python -m helpers extract FILE... --out DIR`) first"
    if require_reports:
        if not folder.is_dir():
            raise NoProcessedData(f"processed folder {folder} does not exist: {hint}")
        if not (folder / "reports.parquet").exists():
            raise NoProcessedData(f"processed folder {folder} holds no reports.parquet: {hint}")
    frames = {}
    generation = partitioned.resolve(folder)  # every dataset from one published run
    for ds in DATASET_NAMES:
        df = partitioned.read_dataset(generation, ds)  # a folder of files, one per report, in run order
        if df is not None:
            # Older files may lack columns added since: conform adds them as nulls.
            df = schema.conform(df[[c for c in df.columns if c in schema.columns(ds)]], ds)
        else:
            df = schema.empty(ds)
        frames[ds] = df
    if require_reports and frames["reports"].empty:
        raise NoProcessedData(f"{folder}/reports.parquet holds no reports: nothing to study; {hint}")
    return Corpus(folder=folder, frames=frames)
