"""Sentences for the notebooks, built from computed values (never typed-in numbers)."""

from __future__ import annotations

import math

import pandas as pd


def wan(x) -> str:
    """A 万元 amount as printed in prose."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "n/a"
    return f"{x:,.2f} 万元"


def pct(x, digits: int = 1) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{x:.{digits}f}%"


def reports_phrase(n: int, total: int | None = None) -> str:
    s = f"{n} report" + ("" if n == 1 else "s")
    if total is not None and total != n:
        s += f" of the {total} in the corpus"
    return s


def basis(n: int, total: int | None = None, what: str = "") -> str:
    """"Rests on 3 of the 7 reports in the corpus (…)"."""
    s = f"Rests on {reports_phrase(n, total)}"
    return s + (f" ({what})." if what else ".")


def no_data(dataset: str, detail: str = "") -> str:
    return (f"**No data yet** in `{dataset}`" + (f": {detail}" if detail else "") +
            ". This section fills in once the extraction writes it; re-run the notebook then.")


def listing(items, limit: int = 8) -> str:
    items = [str(i) for i in items]
    if len(items) > limit:
        return "、".join(items[:limit]) + f" and {len(items) - limit} more"
    return "、".join(items) if items else "none"


def show_table(obj) -> None:
    """Display a table for readers: blank cells blank (not NaN/<NA>), two decimals, and no
    0…N index column when the index carries no meaning. Cells, index and column labels are
    HTML-escaped here, the one place tables reach a page (a Styler does not escape by itself, and
    labels and department names come from the reports)."""
    from IPython.display import display

    if isinstance(obj, pd.Series):
        obj = obj.to_frame()
    if isinstance(obj, pd.DataFrame):
        st = obj.style.format(precision=2, na_rep="", escape="html")
        st = st.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
        if isinstance(obj.index, pd.RangeIndex):
            st = st.hide(axis="index")
        display(st)
        return
    show(str(obj))  # anything else as text, never as its own HTML


_MARKDOWN = None


def markdown_html(text: str) -> str:
    """Markdown → HTML with every piece of raw HTML in `text` escaped and harmful link targets
    (javascript:, data: …) dropped: what a report prints can only ever show up as text."""
    global _MARKDOWN
    if _MARKDOWN is None:
        import mistune

        _MARKDOWN = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])
    return _MARKDOWN(text)


def show(text: str) -> None:
    """Display Markdown in a notebook (plain print elsewhere). The Markdown is rendered to HTML
    here, with raw HTML escaped, instead of being handed to the page renderer, which passes raw
    HTML through: sentences interpolate department names, labels and file names."""
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover
        print(text)
        return
    display({"text/html": markdown_html(str(text)), "text/plain": str(text)}, raw=True)


def absent(frame: pd.DataFrame, dataset: str, subject: str = "this report") -> str:
    """Why a section is empty: the dataset is not built yet, or it holds nothing for `subject`."""
    if frame is None or frame.empty:
        return no_data(dataset)
    n = frame.report_id.nunique() if "report_id" in frame else 0
    return (f"Nothing in `{dataset}` for {subject} (the dataset holds {len(frame)} rows from "
            f"{reports_phrase(n)}; this report states none, or its parser did not recognise them).")
