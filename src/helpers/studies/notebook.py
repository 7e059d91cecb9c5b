"""The first cell of every notebook, in one call: figures inline with the CJK font (and alt text and
CSV data on the page), pandas display options for readers, and the corpus — loaded so that a
missing or empty processed folder, or an unknown report, stops the notebook with a clear message.
"""

from __future__ import annotations

import pandas as pd

from ..data.load import Corpus, load
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


def open_study(processed_dir: str = "", lang: str = "") -> Corpus:
    """A study's corpus: the processed datasets (`processed_dir`, empty for data/processed/); the
    page's sentences, figures and tables in `lang` (zh, the default, or en: helpers.publish.text)."""
    set_lang(lang)
    _prepare()
    return load(processed_dir or None)  # raises NoProcessedData naming the folder


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
