"""Sentences for the notebooks, built from computed values (never typed-in numbers), in the
language of the page (helpers.publish.text: the words come from its catalogue)."""

from __future__ import annotations

import html
import re

import pandas as pd

from ..publish.text import column, has, lang, sep, t


def wan(x) -> str:
    """A 万元 amount as printed in prose."""
    if x is None or pd.isna(x):
        return t("narrate.na")
    return t("narrate.wan", x=f"{x:,.2f}")


def pct(x, digits: int = 1) -> str:
    """A rate in percent as printed in prose."""
    if x is None or pd.isna(x):
        return t("narrate.na")
    return f"{x:,.{digits}f}%"


def reports_phrase(n: int, total: int | None = None) -> str:
    s = t("narrate.report_one") if n == 1 and lang() == "en" else t("narrate.reports", n=n)
    if total is not None and total != n:
        s += t("narrate.of_corpus", total=total)
    return s


def basis(n: int, total: int | None = None, what: str = "") -> str:
    """ "Rests on 3 of the 7 reports in the corpus (…)" (依据 3 份报告（语料共 7 份）（…）。)."""
    r = reports_phrase(n, total)
    return t("narrate.basis_what", reports=r, what=what) if what else t("narrate.basis_end", reports=r)


def no_data(dataset: str, detail: str = "") -> str:
    return t("narrate.no_data", dataset=dataset, detail=t("narrate.detail", detail=detail) if detail else "")


def listing(items, limit: int = 8, joiner: str = "、", empty: str | None = None) -> str:
    """Items in a sentence, the first `limit` of them and how many more: a finding naming every one of
    a province's reports is not a sentence (the tables beside it list them all)."""
    items = [str(i) for i in items]
    if len(items) > limit:
        return joiner.join(items[:limit]) + t("narrate.more", n=len(items) - limit)
    return joiner.join(items) if items else (t("narrate.none") if empty is None else empty)


# Table headings of the dataset columns: the catalogue's `col.*` keys (helpers.publish.text), in the page's language.
def column_label(col) -> str | None:
    return column(col)


COUNT_COLUMNS = {
    "reports",
    "statements",
    "lines",
    "count",
    "times_printed",
    "reports_with_it",
    "rows",
    "staff_in_post",
    "retirees",
}
RATE_COLUMNS = {"rate", "rate_printed_pct", "rate_from_parts", "adjusted_rate", "median", "min", "max", "25%", "75%"}


def _num(v, digits: int, suffix: str = "", sign: bool = False) -> str:
    if v is None or pd.isna(v):
        return ""
    x = round(float(v), digits)
    if x == 0:
        x = 0.0  # never "-0.00"
    return f"{x:{'+' if sign else ''},.{digits}f}{suffix}"


def _state_word(v) -> str:
    return t(f"view.state_{v}") if v in ("found", "empty", "missing") else str(v)


_FENCES = re.compile(r"^outside the (.+) fences \((.+)\)$")


def value_word(v) -> str:
    """A value the studies compute (a verdict, a flag, a level, a status, why a statement stands out) in the
    page's words (`val.*`): the data keep the English value, the page shows the catalogue's."""
    if not isinstance(v, str):
        return str(v)
    if has(f"val.{v}"):
        return t(f"val.{v}")
    m = _FENCES.match(v)
    if m:
        return t("val.outside_fences", group=m.group(1), range=m.group(2))
    head, colon, rest = v.partition(": ")  # `no rate: a zero budget`, `left out: failed check`
    if colon and has(f"val.{head}"):
        return t(f"val.{head}") + sep()["colon"] + value_word(rest)
    return v


_CHECK = re.compile(r"^(?P<rule>[A-Z][A-Z0-9]*\.[A-Za-z0-9_]+)(?: \((?P<outcome>\w+)\))?: ")
_DOUBT = re.compile(r"^(?P<table>[TU]\d) reading is doubtful: ")


def checks_said(v) -> str:
    """A study's `flag_message` / `check_message` (`T7.total (fail): message | …`, `N.rate_completion: message`,
    `T7 reading is doubtful: reasons`) in the page's words: the Chinese edition names each check by its rule's
    description (the data keep the English message)."""
    if lang() != "zh" or not isinstance(v, str):
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
    out = []
    for part in v.split(" | "):
        m = _CHECK.match(part)
        if m and has(f"rule.{m['rule']}"):
            said = m["rule"] + (f"（{outcome_word(m['outcome'])}）" if m["outcome"] else "")
            part = said + "：" + rule_said(m["rule"], "")
        elif d := _DOUBT.match(part):
            part = t("val.doubtful_table", table=d["table"]) + part[d.end() :]
        out.append(part)
    return "；".join(out)


# Columns whose computed values are words (`val.*` of the catalogue)
VALUE_COLUMNS = (
    "verdict",
    "flag",
    "level",
    "status",
    "why",
    "source",
    "basis",
    "reason_kind",
    "kind",
    "scope",
    "template",
)
VALUE_WORDS = {
    "outcome": lambda v: outcome_word(v),
    "severity": lambda v: severity_word(v),
    "state": _state_word,
    **dict.fromkeys(VALUE_COLUMNS, value_word),
    **dict.fromkeys(("flag_message", "check_message"), checks_said),
}


def _formatter(col, series: pd.Series, percent: bool):
    name = str(col)
    if pd.api.types.is_bool_dtype(series):
        return lambda v: "" if v is None or pd.isna(v) else (t("narrate.yes") if v else t("narrate.no"))
    if name == "fiscal_year":
        return lambda v: "" if v is None or pd.isna(v) else str(int(v))
    if name in COUNT_COLUMNS or pd.api.types.is_integer_dtype(series):
        return lambda v: "" if v is None or pd.isna(v) else f"{int(round(float(v))):,}"
    if name in VALUE_WORDS:  # a check's outcome and severity, a table's state: in the page's words
        said = VALUE_WORDS[name]
        return lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v)) else said(v)
    if not pd.api.types.is_numeric_dtype(series):
        return lambda v: (
            ""
            if v is None or (not pd.api.types.is_list_like(v) and pd.isna(v))
            else (t("narrate.yes") if v is True else t("narrate.no") if v is False else str(v))
        )
    if name.endswith("_pp"):
        pp = t("narrate.pp")
        return lambda v: _num(v, 2, pp, sign=True)
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
    said = column(col)
    if said is not None:
        return said
    if isinstance(col, str) and "_" in col and col.isascii():
        return col.replace("_", " ")
    return str(col)


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
    index_names = [column(n) or n for n in obj.index.names] if show_index else []
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
    return value_word(k) if isinstance(k, str) else str(k)  # a level (`overall`) in the page's words


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


MAX_TABLE_ROWS = 500  # rows a page's table shows (the shipped corpus's largest table has fewer)


def show_table(obj, percent: bool = False, colors: dict | None = None, total: int | None = None) -> None:
    """Display a table for readers (see `table_html`); `percent=True` formats every figure as a
    share in percent (share matrices), `colors` paints cells by value. `total`: how many rows the
    whole table has, when `obj` holds its first rows only (e.g. `quality.failing_checks`). Anything
    that is not a DataFrame is displayed as text."""
    from IPython.display import display

    if isinstance(obj, pd.Series):
        obj = obj.to_frame()
    if isinstance(obj, pd.DataFrame):
        n, shown = max(len(obj), total or 0), min(len(obj), MAX_TABLE_ROWS)
        if n > shown:
            # a table with a row per report or statement of a province's corpus would make a page of
            # hundreds of MB: the first rows (the callers sort them), and where the others are
            show(t("narrate.rows_cut", shown=f"{shown:,}", n=f"{n:,}"))
            obj = obj.head(shown)
        table = ReaderTable(obj, percent, colors)
        display({"text/html": table.to_html(), "text/plain": repr(table)}, raw=True)
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


def absent_here(dataset: str, subject: str = "") -> str:
    """Why a report page's section is empty, from that report alone (a report page depends on its
    own rows only, so a kept page is the page a clean run would write)."""
    return t("narrate.absent_here", dataset=dataset, subject=subject or t("narrate.this_report"))


def absent(frame: pd.DataFrame, dataset: str, subject: str = "") -> str:
    """Why a section is empty: the dataset is not built yet, or it holds nothing for `subject`."""
    if frame is None or frame.empty:
        return no_data(dataset)
    n = frame.report_id.nunique() if "report_id" in frame else 0
    return t(
        "narrate.absent",
        dataset=dataset,
        subject=subject or t("narrate.this_report"),
        rows=len(frame),
        reports=reports_phrase(n),
    )


def bullets(sentences) -> str:
    """Markdown bullet list of sentences (the key findings a page opens with)."""
    items = [str(s) for s in sentences if s]
    return "\n".join(f"- {s}" for s in items) if items else "- " + t("narrate.nothing_yet")


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
OUTCOMES = ("fail", "uncertain", "insufficient_data", "not_applicable", "pass")


def outcome_word(outcome) -> str:
    return t(f"outcome.{outcome}") if outcome in OUTCOMES else str(outcome)


def severity_word(severity) -> str:
    return t(f"severity.{severity}") if severity in ("error", "warning", "info") else str(severity)


def _figure(v) -> str:
    return "" if v is None or pd.isna(v) else f"{float(v):,.2f}"


def rule_said(rule_id, message) -> str:
    """What a check says, in the page's language: the Chinese edition describes it by its rule (`rule.*` of the
    catalogue, the same words as docs/CHECKS.md) and the figures stand beside it; the English edition keeps the
    check's own message (`checks.message`, which the data keep in English)."""
    if lang() == "zh" and isinstance(rule_id, str) and has(f"rule.{rule_id}"):
        return t(f"rule.{rule_id}").rstrip("。")
    return "" if message is None or (not isinstance(message, str) and pd.isna(message)) else str(message)


def _check_message(c) -> str:
    """A check's sentence: its own message, or (Chinese edition) its rule's description with the expected and
    printed figures."""
    said = rule_said(c.rule_id, c.message)
    if lang() == "zh" and said != c.message:
        expected, found = _figure(getattr(c, "expected", None)), _figure(getattr(c, "found", None))
        if expected or found:
            said += t("narrate.check_figures", expected=expected or t("narrate.na"), found=found or t("narrate.na"))
    return said


def _check_item(c) -> str:
    """One finding: its sentence first, then outcome, severity and place, the rule id last (a reference)."""
    where = t("narrate.at", ref=esc(c.source_ref)) if c.source_ref is not None and not pd.isna(c.source_ref) else ""
    said = t(
        "narrate.check_item",
        message=esc(_check_message(c)),
        outcome=esc(outcome_word(c.outcome)),
        severity=esc(severity_word(c.severity)),
        where=where,
        rule=esc(c.rule_id),
    )
    return f"<li>{said}</li>"


def findings_first(ch: pd.DataFrame) -> pd.DataFrame:
    """Checks as a table for readers: the sentence (`message`) first, the rule id last; outcomes
    and severities in the page's words."""
    first = [c for c in ("message", "outcome", "severity") if c in ch]
    last = [c for c in ("rule_id",) if c in ch]
    out = ch[first + [c for c in ch.columns if c not in first + last] + last]
    words = {}
    if "message" in out and "rule_id" in out:  # the Chinese edition: the rule's description (figures beside it)
        words["message"] = [rule_said(r, m) for r, m in zip(out.rule_id, out.message)]
    if "outcome" in out:
        words["outcome"] = out.outcome.map(outcome_word)
    if "severity" in out:
        words["severity"] = out.severity.map(severity_word)
    return out.assign(**words) if words else out


def _tables_html(s: dict) -> str:
    """The summary's sentence on the template's tables: read, printed empty, missing, in doubt."""
    n_tpl = len(s["found"]) + len(s["empty"]) + len(s["missing"])
    tables = t("narrate.tables", n_read=len(s["found"]) + len(s["empty"]), n_tpl=n_tpl)
    if s["found"] or s["empty"]:
        tables += t("narrate.with_rows", found=esc("、".join(s["found"])))
        tables += t("narrate.empty_ones", empty=esc("、".join(s["empty"]))) if s["empty"] else ""
        tables += t("narrate.close")
    tables += (t("narrate.missing", missing=esc("、".join(s["missing"]))) if s["missing"] else "") + t("narrate.stop")
    if s["doubtful"]:
        semi = sep()["semi"]
        tables += (
            t("narrate.doubt")
            + semi.join(
                f"<b>{esc(k)}</b>{'（' if lang() == 'zh' else ' ('}{esc(w[:300])}{t('narrate.close')}"
                for k, w in s["doubtful"].items()
            )
            + t("narrate.stop")
        )
    return f"<p>{tables}</p>"


def _checks_summary_html(c: dict, probs, shown: int) -> list[str]:
    """The summary's count of checks by outcome, then the failing and uncertain ones in full."""
    if not c:
        return [f"<p>{t('narrate.no_checks')}</p>"]
    comma = "，" if lang() == "zh" else ", "
    rest = comma.join(
        f"{c[k]:,} {outcome_word(k)}" for k in ("insufficient_data", "pass", "not_applicable") if c.get(k)
    )
    said = t("narrate.checks", n=f"{sum(c.values()):,}", fail=c.get("fail", 0), unc=c.get("uncertain", 0))
    parts = [f"<p>{said}" + (t("narrate.checks_rest", rest=rest) if rest else "") + t("narrate.stop") + "</p>"]
    if len(probs):
        items = [_check_item(p) for p in probs.itertuples()]
        parts.append("<ul>" + "".join(items[:shown]) + "</ul>")
        if len(items) > shown:
            more = t("narrate.more_problems", n=len(items) - shown)
            parts.append(details(more, "<ul>" + "".join(items[shown:]) + "</ul>"))
    return parts


def _status_word(status) -> str:
    return t(f"status.{status}") if status in ("ok", "partial", "failed") else str(status)


def report_summary_html(s: dict, shown: int = 12) -> str:
    """The summary a report page opens with (`s` from report_view.summary)."""
    from ..publish.index_page import verdict_word

    v = s["verdict"]
    head = esc(s["department"] or s["report_id"]) + (f" · {s['year']}" if s["year"] else t("narrate.no_year"))
    dash = "：" if lang() == "zh" else " — "
    opening = "（" if lang() == "zh" else " ("
    template = f"{opening}{esc(value_word(s['template']))}{t('narrate.close')}" if s["template"] else ""
    parts = [
        f'<div class="juesuan-summary"><p style="font-size:1.15em"><b>{head}</b></p>',
        f"<p>{t('narrate.verdict')}{'：' if lang() == 'zh' else ': '}"
        f'<b style="color:{VERDICT_CSS.get(v.verdict, "#222")}">{esc(verdict_word(v.verdict))}</b>{dash}{esc(v.reason)}'
        + t("narrate.status_read", status=esc(_status_word(s["status"])), file=esc(s["source_file"]), template=template)
        + "</p>",
    ]
    if s["error"] and s["status"] != "failed":  # a failed file's error is already the verdict's reason
        parts.append(f"<p>{t('narrate.note')}{esc(s['error'])}</p>")
    parts.append(_tables_html(s))
    parts += _checks_summary_html(s["counts"], s["problems"], shown)
    parts.append("</div>")
    return "".join(parts)


def checks_html(ch: pd.DataFrame) -> str:
    """A report's checks: failing and uncertain ones in full, the others collapsed into counts with
    their list behind a disclosure."""
    outcome = ch.outcome
    ch = findings_first(ch)
    problems = ch[outcome.isin(["fail", "uncertain"])]
    short = ch[outcome == "insufficient_data"]
    fine = ch[outcome.isin(["pass", "not_applicable"])]
    out = []
    if len(problems):
        out.append(f"<p>{t('narrate.problems', n=len(problems))}</p>" + table_html(problems))
    else:
        out.append(f"<p>{t('narrate.no_problem')}</p>")
    if len(short):
        out.append(details(t("narrate.short", n=f"{len(short):,}"), table_html(short)))
    if len(fine):
        counts = outcome[outcome.isin(["pass", "not_applicable"])].value_counts()
        comma = "，" if lang() == "zh" else ", "
        said = comma.join(f"{counts[k]:,} {outcome_word(k)}" for k in ("pass", "not_applicable") if k in counts)
        out.append(details(said + t("narrate.show_list"), table_html(fine)))
    return "".join(out)
