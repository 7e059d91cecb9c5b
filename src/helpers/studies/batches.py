"""Study tables computed a batch of reports at a time, so that a study's memory follows the batch, not the
corpus: at 10,000 reports the rows one table reads (line_items, budget_execution, checks) held whole with
their pandas copies pass 1 GB.

`per_report` marks a function whose rows each belong to one report and are computed from that report's
rows alone (and the whole corpus's labels). On a corpus read out of core (`lean.StudyCorpus`) it is run on
each batch of BATCH_REPORTS reports (`StudyCorpus.batches`: each batch's rows are queried, used and let
go) and the parts are put together in the reports' order; `finish` restores an order the function gives
across reports (a sort). On a corpus in memory (`load()`) or of one batch, the function runs as written.
tests/test_studies_lean.py runs every study with batches of three reports against load()'s tables.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import numpy as np
import pandas as pd

from ..data.database import give_back
from ..publish.text import lang

# Reports per batch: ~20 MB of study rows in pandas for 1,000 text reports, and few enough batches that
# looking each up in DuckDB's table of every batch's rows costs little (~0.3 s for line_items at 10,000 reports).
BATCH_REPORTS = 1000


def by_report(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in report_id order, each report's rows kept in theirs (a function that sorts its reports)."""
    return df.sort_values("report_id", kind="stable").reset_index(drop=True)


def once_per_corpus(fn):
    """Compute the decorated `fn(corpus, ...)` once per corpus and language: the pages and their findings ask
    for the same table many times. Each caller gets its own copy of each frame (copy-on-write: no data
    copied). A corpus's frames are taken as read: change them and make a new Corpus, rather than asking again."""

    @wraps(fn)
    def run(corpus, *args, **kwargs):
        kept = corpus.__dict__.setdefault("_per_report", {})
        key = (fn.__qualname__, args, tuple(sorted(kwargs.items())), lang())
        if key not in kept:
            kept[key] = fn(corpus, *args, **kwargs)
            give_back()
        out = kept[key]
        return tuple(f.copy(deep=False) for f in out) if isinstance(out, tuple) else out.copy(deep=False)

    return run


def per_report(finish: Callable[[pd.DataFrame], pd.DataFrame] | None = None):
    """Run the decorated `fn(corpus, ...) -> DataFrame` batch by batch of reports (module docstring), once
    per corpus and language (`once_per_corpus`): a batch's rows are not kept to answer again."""

    def wrap(fn):
        @wraps(fn)
        def run(corpus, *args, **kwargs):
            return _batch_by_batch(fn, finish, corpus, args, kwargs)

        return once_per_corpus(run)

    return wrap


def _batch_by_batch(fn, finish, corpus, args, kwargs) -> pd.DataFrame:
    parts = []
    for part in corpus.batches():
        parts.append(fn(part, *args, **kwargs))
        give_back()  # the batch's rows, let go
    return _joined(parts, finish)


def _joined(parts: list[pd.DataFrame], finish: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> pd.DataFrame:
    if len(parts) == 1:
        return parts[0]
    # a batch without rows may type its empty frame otherwise (object columns): left out of the concat
    full = [p for p in parts if len(p)]
    if not full:
        return parts[0]
    out = pd.concat(full, ignore_index=True)
    return finish(out) if finish else out


def report_runs(df: pd.DataFrame) -> list[pd.DataFrame]:
    """`df` cut into parts of at most BATCH_REPORTS reports each, in order, for a computation whose rows
    each come from one report's rows (as `per_report`'s), when every report's rows are together (a study
    table built batch by batch is); the whole of `df` as one part otherwise, so the result never changes."""
    if "report_id" not in df or len(df) == 0:
        return [df]
    ids = df.report_id.astype("object").to_numpy()
    starts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist()]
    if len(starts) <= BATCH_REPORTS or len(starts) != len(set(ids)):
        return [df]
    cuts = [*starts[::BATCH_REPORTS], len(df)]
    return [df.iloc[a:b] for a, b in zip(cuts, cuts[1:])]


def in_report_runs(fn: Callable[[pd.DataFrame], pd.DataFrame], df: pd.DataFrame) -> pd.DataFrame:
    """`fn(df)` computed part by part (`report_runs`), the parts joined in order."""
    return _joined([fn(part) for part in report_runs(df)])
