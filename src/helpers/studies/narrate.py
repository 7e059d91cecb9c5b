"""Sentences for the notebooks, built from computed values (never typed-in numbers)."""

from __future__ import annotations

import html

import pandas as pd


def wan(x) -> str:
    """A 万元 amount as printed in prose."""
    if x is None or pd.isna(x):
        return "n/a"
    return f"{x:,.2f} 万元"


def pct(x, digits: int = 1) -> str:
    """A rate in percent as printed in prose."""
    if x is None or pd.isna(x):
        return "n/a"
    return f"{x:,.{digits}f}%"


def reports_phrase(n: int, total: int | None = None) -> str:
    s = f"{n} report" + ("" if n == 1 else "s")
    if total is not None and total != n:
        s += f" of the {total} in the corpus"
    return s


def basis(n: int, total: int | None = None, what: str = "") -> str:
    """ "Rests on 3 of the 7 reports in the corpus (…)"."""
    s = f"Rests on {reports_phrase(n, total)}"
    return s + (f" ({what})." if what else ".")


def no_data(dataset: str, detail: str = "") -> str:
    return (
        f"**No data yet** in `{dataset}`"
        + (f": {detail}" if detail else "")
        + ". This section fills in once the extraction writes it; re-run the notebook then."
    )


def listing(items, limit: int = 8) -> str:
    items = [str(i) for i in items]
    if len(items) > limit:
        return "、".join(items[:limit]) + f" and {len(items) - limit} more"
    return "、".join(items) if items else "none"


COLUMN_LABELS = {
    "report": "Report",
    "report_id": "Report id",
    "recipient": "Recipient",
    "kind": "Kind",
    "name": "Name",
    "code": "Code",
    "level": "Level",
    "item": "Item",
    "item_name": "Item",
    "subject": "Subject",
    "amount_wan": "Amount (万元)",
    "budget_wan": "Budget (万元)",
    "final_wan": "Outturn (万元)",
    "total_wan": "Total spending (万元)",
    "basic_wan": "Basic (万元)",
    "project_wan": "Project (万元)",
    "personnel_wan": "Personnel (万元)",
    "public_wan": "Public (万元)",
    "largest_wan": "Largest amount (万元)",
    "share_pct": "Share (%)",
    "basic_share_pct": "Basic share (%)",
    "project_share_pct": "Project share (%)",
    "personnel_share_pct": "Personnel share (%)",
    "pass_through_wan": "Passed on to other places (万元)",
    "passed_to": "Passed to",
    "own_project_wan": "Own project work (万元)",
    "own_project_share_pct": "Project share without money passed on (%)",
    "median_rate_pct": "Median rate (%)",
    "min_rate_pct": "Lowest rate (%)",
    "max_rate_pct": "Highest rate (%)",
    "min_pct": "Lowest share (%)",
    "max_pct": "Highest share (%)",
    "range_pp": "Range (points)",
    "reports_with_it": "Reports with it",
    "reports": "Reports",
    "statements": "Distinct amounts",
    "amounts": "Amounts stated (万元)",
    "lines": "Lines",
    "fiscal_year": "Year",
    "series": "Series name",
    "series_expected": "Name for the year",
    "series_printed": "Name printed",
    "name_printed": "Name printed",
    "name_matches_year": "Name fits the year",
    "has_tables": "Has expenditure tables",
    "table": "Table",
    "rolled_up_from": "Rolled up from",
    "section": "Section",
    "source": "Source",
    "source_detail": "Source detail",
    "source_ref": "Where",
    "budget_basis": "Budget basis",
    "basis": "Printed or derived",
    "rate": "Rate recomputed (%)",
    "rate_printed_pct": "Rate printed (%)",
    "rate_from_parts": "Rate against the sum of parts (%)",
    "gap_pp": "Printed − recomputed (points)",
    "verdict": "Checks' verdict",
    "check_message": "Check",
    "why": "Why it stands out",
    "times_printed": "Times printed",
    "also_printed_at": "Also printed at",
    "flag": "Quality flag",
    "flag_message": "What the check found",
    "count": "Rates",
    "median": "Median (%)",
    "min": "Lowest (%)",
    "max": "Highest (%)",
    "25%": "Lower quartile (%)",
    "75%": "Upper quartile (%)",
    "pooled_rate_pct": "Pooled rate (%)",
    "left_out": "Reports left out",
    "doubtful": "Doubtful reading",
    "department": "Department",
    "district": "District",
    "city": "City",
    "department_type": "Department type",
    "largest_class": "Largest function class",
    "scope": "Scope",
    "unit_printed": "Unit printed",
    "source_text": "Printed text",
    "note": "Note",
    "bar": "Report",
    "diff_wan": "Difference (万元)",
    "agree": "Agree within rounding",
    "rule_id": "Rule",
    "outcome": "Outcome",
    "severity": "Severity",
    "message": "Message",
    "expected": "Expected",
    "found": "Printed",
    "transfer_id": "Transfer",
    "restates": "Restates a counted row",
    "link": "How it restates",
    "derived": "Computed (not printed)",
    "rows_summed": "Rows summed",
    "deviation_wan": "Outturn − budget (万元)",
    "adjusted_basis": "Adjusted budget basis",
    "adjusted_budget_wan": "Adjusted budget (万元)",
    "adjusted_rate": "Rate against the adjusted budget (%)",
    "adjusted_ref": "Adjusted budget printed at",
    "mid_year_wan": "Changed during the year (万元)",
    "moved_wan": "Moved to/from another fund or line (万元)",
    "moved_ref": "Move stated at",
    "rest_wan": "Rest (万元)",
    "rest_reason": "Rest: the report's cause",
    "reason_kind": "Reason kind",
    "reason_text": "Reason printed (原因)",
    "reason_ref": "Reason printed at",
    "new_unit": "New unit, stated at",
}
COUNT_COLUMNS = {"reports", "statements", "lines", "count", "times_printed", "reports_with_it", "rows"}
RATE_COLUMNS = {"rate", "rate_printed_pct", "rate_from_parts", "adjusted_rate", "median", "min", "max", "25%", "75%"}


def _num(v, digits: int, suffix: str = "", sign: bool = False) -> str:
    if v is None or pd.isna(v):
        return ""
    x = round(float(v), digits)
    if x == 0:
        x = 0.0  # never "-0.00"
    return f"{x:{'+' if sign else ''},.{digits}f}{suffix}"


def _formatter(col, series: pd.Series, percent: bool):
    name = str(col)
    if pd.api.types.is_bool_dtype(series):
        return lambda v: "" if v is None or pd.isna(v) else ("yes" if v else "no")
    if name == "fiscal_year":
        return lambda v: "" if v is None or pd.isna(v) else str(int(v))
    if name in COUNT_COLUMNS or pd.api.types.is_integer_dtype(series):
        return lambda v: "" if v is None or pd.isna(v) else f"{int(round(float(v))):,}"
    if not pd.api.types.is_numeric_dtype(series):
        return lambda v: (
            ""
            if v is None or (not pd.api.types.is_list_like(v) and pd.isna(v))
            else ("yes" if v is True else "no" if v is False else str(v))
        )
    if name.endswith("_pp"):
        return lambda v: _num(v, 2, " pp", sign=True)
    if name in RATE_COLUMNS:
        return lambda v: _num(v, 2, "%")
    if name.endswith("_pct") or percent:
        return lambda v: _num(v, 1, "%")
    return lambda v: _num(v, 2)


def _is_text(series: pd.Series, col) -> bool:
    """Text (Chinese names, messages) reads from the left; numbers stay right-aligned to compare digits."""
    return pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series) or col == "fiscal_year"


def _label(col) -> str:
    if isinstance(col, tuple):  # a MultiIndex column: its levels on one heading
        return " · ".join(str(c) for c in col if str(c) != "")
    if isinstance(col, str) and "_" in col and col.isascii():
        return COLUMN_LABELS.get(col, col.replace("_", " "))
    return str(COLUMN_LABELS.get(col, col))


# Left alignment of text cells: a class and one small rule per table, the same in JupyterLab and on
# the pages (their stylesheet right-aligns every td).
TABLE_CSS = "<style>table.juesuan-t td.l,table.juesuan-t th.l{text-align:left}</style>"


def table_html(obj: pd.DataFrame, percent: bool = False, colors: dict | None = None) -> str:
    """A table for readers as HTML: human column names, thousands separators, % on rates and
    shares, counts as integers, yes/no for booleans, blank cells blank, never "-0.00", no 0…N
    index, every cell and label escaped (they come from the reports). `colors`: column → {value:
    CSS colour} paints those cells (e.g. a table's state found / empty / missing).

    Built directly rather than through pandas' Styler, which renders each cell through a Jinja
    template and was ~40% of a report page's time; the markup is a plain table (one heading row,
    so pages can sort it by a click)."""
    if isinstance(obj, pd.Series):
        obj = obj.to_frame()
    cols = [obj.iloc[:, i] for i in range(obj.shape[1])]  # by position: labels may repeat
    fmts = [_formatter(c, s, percent) for c, s in zip(obj.columns, cols)]
    align = ['<td class="l">' if _is_text(s, c) else "<td>" for c, s in zip(obj.columns, cols)]
    cells = [[html.escape(f(v)) for v in s.tolist()] for f, s in zip(fmts, cols)]
    for i, c in enumerate(obj.columns):
        if colors and c in colors:  # a coloured cell: its text stays, on the colour (a legend is its own text)
            paint = colors[c]
            cells[i] = [
                f'<span style="background:{paint[v]};padding:0 4px">{t}</span>' if v in paint else t
                for v, t in zip(cols[i].tolist(), cells[i])
            ]
    show_index = not isinstance(obj.index, pd.RangeIndex)
    index_names = [COLUMN_LABELS.get(n, n) for n in obj.index.names] if show_index else []
    head = "".join(f'<th class="l">{esc("" if n is None else n)}</th>' for n in index_names)
    # a heading sits on the side its column's cells read from
    head += "".join(f"{a.replace('td', 'th')}{esc(_label(c))}</th>" for a, c in zip(align, obj.columns))
    rows = []
    for r, key in enumerate(obj.index if show_index else range(len(obj))):
        keys = (key if isinstance(key, tuple) else (key,)) if show_index else ()
        row = "".join(f'<th class="l">{esc(_index_text(k))}</th>' for k in keys)
        row += "".join(a + col[r] + "</td>" for a, col in zip(align, cells))
        rows.append(f"<tr>{row}</tr>")
    return f'{TABLE_CSS}<table class="juesuan-t"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _index_text(k) -> str:
    if k is None or (not isinstance(k, (list, tuple)) and pd.isna(k)):
        return ""
    return str(k)


class ReaderTable:
    """What `show_table` displays: the frame and its HTML (`table_html`); shown as a table in a
    notebook, `.to_html()` for use inside other HTML, `.frame` for the data."""

    def __init__(self, frame: pd.DataFrame, percent: bool = False, colors: dict | None = None) -> None:
        self.frame, self.percent, self.colors = frame, percent, colors

    def to_html(self) -> str:
        return table_html(self.frame, self.percent, self.colors)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<table: {len(self.frame):,} rows × {self.frame.shape[1]} columns>"


def readable(obj: pd.DataFrame, percent: bool = False, colors: dict | None = None) -> ReaderTable:
    """A table for readers (see `table_html`)."""
    return ReaderTable(obj, percent, colors)


def show_table(obj, percent: bool = False, colors: dict | None = None) -> None:
    """Display a table for readers (see `table_html`); `percent=True` formats every figure as a
    share in percent (share matrices), `colors` paints cells by value. Anything that is not a
    DataFrame is displayed as text."""
    from IPython.display import display

    if isinstance(obj, pd.Series):
        obj = obj.to_frame()
    if isinstance(obj, pd.DataFrame):
        t = ReaderTable(obj, percent, colors)
        display({"text/html": t.to_html(), "text/plain": repr(t)}, raw=True)
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
    html = _MARKDOWN(text)
    assert isinstance(html, str)  # the HTML renderer gives text (a token list only with renderer="ast")
    return html


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


def absent_here(dataset: str, subject: str = "this report") -> str:
    """Why a report page's section is empty, from that report alone (a report page depends on its
    own rows only, so a kept page is the page a clean run would write)."""
    return f"Nothing in `{dataset}` for {subject}: this report states none, or its parser did not recognise them."


def absent(frame: pd.DataFrame, dataset: str, subject: str = "this report") -> str:
    """Why a section is empty: the dataset is not built yet, or it holds nothing for `subject`."""
    if frame is None or frame.empty:
        return no_data(dataset)
    n = frame.report_id.nunique() if "report_id" in frame else 0
    return (
        f"Nothing in `{dataset}` for {subject} (the dataset holds {len(frame)} rows from "
        f"{reports_phrase(n)}; this report states none, or its parser did not recognise them)."
    )


def bullets(sentences) -> str:
    """Markdown bullet list of sentences (the key findings a page opens with)."""
    items = [str(s) for s in sentences if s]
    return "\n".join(f"- {s}" for s in items) if items else "- Nothing to report yet."


# --- HTML blocks: the report page's summary and its checks behind disclosures ---------------------
# Built here as HTML (escaped piece by piece) because Markdown has no <details>; shown with
# IPython's HTML display, which the page template passes through.


def esc(x) -> str:
    return html.escape("" if x is None else str(x))


def show_html(fragment: str) -> None:
    from IPython.display import HTML, display

    display(HTML(fragment))


def details(summary_text: str, inner_html: str, *, open_: bool = False, css: str = "juesuan-checks") -> str:
    """A disclosure: `summary_text` (escaped) always visible, `inner_html` one click away."""
    return (
        f'<details class="{esc(css)}"{" open" if open_ else ""}><summary>{esc(summary_text)}</summary>'
        f"{inner_html}</details>"
    )


VERDICT_CSS = {"usable": "#2b7a3d", "use with care": "#b26a00", "do not use": "#b00020"}
OUTCOME_WORDS = {
    "fail": "fail",
    "uncertain": "uncertain",
    "insufficient_data": "insufficient data",
    "not_applicable": "not applicable",
    "pass": "pass",
}


def _check_item(c) -> str:
    """One finding: its sentence first, then outcome, severity and place, the rule id last (a reference)."""
    where = f", at {esc(c.source_ref)}" if c.source_ref is not None and not pd.isna(c.source_ref) else ""
    return (
        f"<li>{esc(c.message)} (<b>{esc(OUTCOME_WORDS.get(c.outcome, c.outcome))}</b>, {esc(c.severity)}{where}; "
        f"rule <code>{esc(c.rule_id)}</code>)</li>"
    )


def findings_first(ch: pd.DataFrame) -> pd.DataFrame:
    """Checks as a table for readers: the sentence (`message`) first, the rule id last."""
    first = [c for c in ("message", "outcome", "severity") if c in ch]
    last = [c for c in ("rule_id",) if c in ch]
    return ch[first + [c for c in ch.columns if c not in first + last] + last]


def report_summary_html(s: dict, shown: int = 12) -> str:
    """The summary a report page opens with (`s` from report_view.summary)."""
    v = s["verdict"]
    head = esc(s["department"] or s["report_id"]) + (f" · {s['year']}" if s["year"] else " · fiscal year not found")
    parts = [
        f'<div class="juesuan-summary"><p style="font-size:1.15em"><b>{head}</b></p>',
        f'<p>Verdict: <b style="color:{VERDICT_CSS.get(v.verdict, "#222")}">{esc(v.verdict)}</b> — {esc(v.reason)}. '
        f"Status <b>{esc(s['status'])}</b>; read from <code>{esc(s['source_file'])}</code>"
        + (f" ({esc(s['template'])})" if s["template"] else "")
        + ".</p>",
    ]
    if s["error"] and s["status"] != "failed":  # a failed file's error is already the verdict's reason
        parts.append(f"<p><b>Note:</b> {esc(s['error'])}</p>")
    n_tpl = len(s["found"]) + len(s["empty"]) + len(s["missing"])
    tables = (
        f"<p>Tables: {len(s['found']) + len(s['empty'])} of the template's {n_tpl} read"
        + (
            f" ({esc('、'.join(s['found']))} with rows"
            + (f"; {esc('、'.join(s['empty']))} printed empty" if s["empty"] else "")
            + ")"
            if s["found"] or s["empty"]
            else ""
        )
        + (f"; missing: {esc('、'.join(s['missing']))}" if s["missing"] else "")
        + "."
    )
    if s["doubtful"]:
        tables += (
            " Read with doubt: "
            + "; ".join(f"<b>{esc(t)}</b> ({esc(w[:300])})" for t, w in s["doubtful"].items())
            + "."
        )
    parts.append(tables + "</p>")
    c = s["counts"]
    if not c:
        parts.append("<p>No consistency checks were recorded for this report.</p>")
    else:
        n_fail, n_unc = c.get("fail", 0), c.get("uncertain", 0)
        rest = ", ".join(
            f"{c[k]:,} {OUTCOME_WORDS[k]}" for k in ("insufficient_data", "pass", "not_applicable") if c.get(k)
        )
        parts.append(
            f"<p>Checks: {sum(c.values()):,} recorded — <b>{n_fail} fail</b>, <b>{n_unc} uncertain</b>"
            + (f"; {rest} (listed under Consistency checks)" if rest else "")
            + ".</p>"
        )
        probs = s["problems"]
        if len(probs):
            items = [_check_item(p) for p in probs.itertuples()]
            parts.append("<ul>" + "".join(items[:shown]) + "</ul>")
            if len(items) > shown:
                parts.append(
                    details(
                        f"{len(items) - shown} more failing or uncertain checks",
                        "<ul>" + "".join(items[shown:]) + "</ul>",
                    )
                )
    parts.append("</div>")
    return "".join(parts)


def checks_html(ch: pd.DataFrame) -> str:
    """A report's checks: failing and uncertain ones in full, the others collapsed into counts with
    their list behind a disclosure."""
    ch = findings_first(ch)
    problems = ch[ch.outcome.isin(["fail", "uncertain"])]
    short = ch[ch.outcome == "insufficient_data"]
    fine = ch[ch.outcome.isin(["pass", "not_applicable"])]
    out = []
    if len(problems):
        out.append(f"<p><b>{len(problems)} failing or uncertain</b> (errors first):</p>" + table_html(problems))
    else:
        out.append("<p>No check fails or is uncertain.</p>")
    if len(short):
        out.append(details(f"{len(short):,} could not be run for lack of data — show them", table_html(short)))
    if len(fine):
        counts = fine.outcome.value_counts()
        out.append(
            details(
                ", ".join(f"{counts[k]:,} {OUTCOME_WORDS[k]}" for k in ("pass", "not_applicable") if k in counts)
                + " — show the list",
                table_html(fine),
            )
        )
    return "".join(out)
