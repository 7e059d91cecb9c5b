"""The first cell of every notebook, in one call: figures inline with the CJK font (and alt text and
CSV data on the page), pandas display options for readers, and the corpus — loaded so that a
missing or empty processed folder, or an unknown report, stops the notebook with a clear message.
"""

from __future__ import annotations

import pandas as pd

from ..data.load import Corpus
from ..publish import plots
from ..publish.text import set_lang


def _prepare() -> None:
    try:
        from IPython import get_ipython

        ip = get_ipython()
    except ImportError:  # pragma: no cover
        ip = None
    if ip is not None:
        ip.run_line_magic("matplotlib", "inline")
    plots.set_style()
    pd.options.display.max_rows = 400
    pd.options.display.max_columns = 40


def _give_back_after_each_cell() -> None:
    """A study page lets go of large frames cell after cell: what they held goes back to the system after
    each cell (database.give_back), not kept free inside the kernel for the rest of the page."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is not None and _after_cell not in ip.events.callbacks["post_run_cell"]:
        ip.events.register("post_run_cell", _after_cell)


def _after_cell(result) -> None:
    from ..data.database import give_back

    give_back()


def open_study(processed_dir: str = "", lang: str = "") -> Corpus:
    """A study's corpus: the processed datasets (`processed_dir`, empty for data/processed/); the
    page's sentences, figures and tables in `lang` (zh, the default, or en: helpers.publish.text)."""
    from .lean import open_corpus

    set_lang(lang)
    _prepare()
    _give_back_after_each_cell()
    # out of core: the rows the studies read, queried by DuckDB (studies/lean.py); NoProcessedData naming the folder
    return open_corpus(processed_dir or None)


def open_one_report(lang: str = "", **params: str) -> tuple[Corpus, str]:
    """report.ipynb's corpus and report id: `params` are its parameters, passed on to
    `helpers.studies.source.open_report` (report_id, processed_dir, source, out_dir, cache_dir,
    pdf_engine); the report is checked to exist. The page in `lang` (helpers.publish.text)."""
    from .source import open_report

    set_lang(lang)
    _prepare()
    pd.options.display.float_format = "{:,.2f}".format
    corpus, rid = open_report(**params)
    corpus.report(rid)  # an unknown id stops here: KeyError naming the known ones
    return corpus, rid
