"""Figures with Chinese text. Call `set_style()` once (notebooks do it in their first cell).

Every helper takes `n_reports` and puts it in the title, so a figure always says how many reports
it rests on; each returns the matplotlib Figure (and leaves it open for the notebook to show).
"""

from __future__ import annotations

import base64
import io
import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .fonts import register_cjk_font
from .text import lang, t

STATE_COLORS = {"found": "#4c956c", "empty": "#e9c46a", "missing": "#d62828"}


def _short(label, n: int = 24) -> str:
    s = str(label)
    return s if len(s) <= n else s[: n - 1] + "…"


def _finish(fig, data=None) -> None:
    """tight_layout, without its harmless warning for very long labels (other warnings, such as a
    missing glyph, still surface); whether everything then fits inside the figure (tight_layout
    warns when it cannot make it so); the figure's alt text (its titles) and the data it plots (a
    CSV download under the figure on the page)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", message="Tight layout not applied")
        fig.tight_layout()
    unfit = [w for w in caught if "Tight layout not applied" in str(w.message)]
    for w in caught:
        if w not in unfit:  # a missing glyph and the like: passed on as raised
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    fig._juesuan_fits = not unfit
    fig._juesuan_alt = alt_text(fig)
    fig._juesuan_data = data
    # Laid out and complete: not stale, so pyplot's after-cell hook in a notebook (draw every stale
    # figure) does not draw it a second time just before the inline backend renders its PNG (that
    # draw was ~40% of a figure's cost). Any later change to the figure makes it stale again.
    fig.stale = False


# What says which statement a plotted point is, where a figure's rows have it: the figure's CSV holds these and
# the plotted columns, not every column of the frame passed in (at 10,000 reports a scatter's frame with all
# of them made an 80 MB download inside the page, and its kernel's largest allocation).
_POINT_COLUMNS = ("report", "report_id", "level", "code", "name", "item_name", "budget_basis", "source_ref")


def _plotted(d: pd.DataFrame, *columns: str | None) -> pd.DataFrame:
    """`d`'s columns that name its points (_POINT_COLUMNS) and those plotted, in that order."""
    keep = dict.fromkeys(c for c in (*_POINT_COLUMNS, *columns) if c is not None and c in d.columns)
    return d[list(keep)]


# A figure's CSV is embedded in its page as a download up to this size. A figure of every statement of 10,000
# reports has a 36 MB CSV: embedded, the page passed 100 MB, and building it (base64, the kernel's JSON message)
# took ~250 MB of the kernel's memory at once; past this the page says how to get the data instead.
FIGURE_CSV_MAX_BYTES = 8 * 2**20


class _CsvTooLarge(Exception):
    pass


class _CappedBuffer(io.BytesIO):
    """Bytes up to `cap`; one more stops the writing (a CSV too large to embed is not written whole to learn so)."""

    def __init__(self, cap: int | None):
        super().__init__()
        self.cap = cap

    def write(self, b) -> int:
        n = super().write(b)
        if self.cap is not None and self.tell() > self.cap:
            raise _CsvTooLarge
        return n


def csv_bytes(data, cap: int | None = None) -> bytes | None:
    """A figure's data as CSV in UTF-8 with a BOM (Excel then opens the Chinese intact); None when it would be
    more than `cap` bytes (written up to there only)."""
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    keep_index = not isinstance(frame.index, pd.RangeIndex)
    label = [n or "label" for n in frame.index.names] if keep_index else None
    # written as bytes in chunks: a figure of 150,000 points is a 27 MB CSV, and as one Python string first
    # (two bytes a character for Chinese) it was twice that again in the kernel, on top of its base64
    buf = _CappedBuffer(cap)
    try:
        frame.to_csv(buf, index=keep_index, index_label=label, encoding="utf-8-sig")
    except _CsvTooLarge:
        return None
    return buf.getvalue()


def csv_name(fig) -> str:
    """A file name for a figure's data: its title's first line, letters and digits kept."""
    title = next((ax.get_title(loc=loc) for ax in fig.axes for loc in ("left", "center") if ax.get_title(loc=loc)), "")
    stem = "_".join(re.findall(r"\w+", title.split("\n")[0]))[:60] or "figure"
    return f"{stem}.csv"


def alt_text(fig) -> str:
    """What the figure shows, for readers who cannot see it: its titles and axis labels."""
    parts = []
    for ax in fig.axes:
        for loc in ("left", "center"):
            title = ax.get_title(loc=loc)
            if title:
                parts.append(title.replace("\n", " — "))
        xl, yl = ax.get_xlabel(), ax.get_ylabel()
        if xl or yl:
            parts.append(t("plot.axes") + " / ".join(x for x in (xl, yl) if x))
    colon, semi = ("：", "；") if lang() == "zh" else (": ", "; ")
    return t("plot.figure") + colon + semi.join(parts) if parts else t("plot.figure")


def _register_alt_text() -> None:
    """In a notebook, give every figure's PNG output its alt text as metadata (the page template
    writes it into the img tag)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is None:
        return
    from matplotlib.figure import Figure

    fmt = ip.display_formatter.formatters["image/png"]
    try:
        base = fmt.lookup_by_type(Figure)
    except KeyError:
        return
    if getattr(base, "_juesuan", False):
        return

    def png_with_alt(fig, *args, **kwargs):
        # A figure laid out to fit (see _finish) is printed as it is, not cropped to its tight
        # bounding box as the inline backend does by default: the crop lays the figure out again at
        # another size (~a fifth of a figure's cost), and there is nothing outside to crop.
        if getattr(fig, "_juesuan_fits", False):
            kwargs["bbox_inches"] = None
        data = base(fig, *args, **kwargs)
        if data is None or isinstance(data, tuple):
            return data
        meta = {"alt": getattr(fig, "_juesuan_alt", None) or alt_text(fig)}
        plotted = getattr(fig, "_juesuan_data", None)
        if plotted is not None:  # the page template turns these into a download link
            csv = csv_bytes(plotted, cap=FIGURE_CSV_MAX_BYTES)
            if csv is not None:
                meta["juesuan_csv"] = base64.b64encode(csv).decode("ascii")
                meta["juesuan_csv_name"] = csv_name(fig)
            else:
                meta["juesuan_csv_note"] = t(
                    "plot.csv_too_large", rows=f"{len(plotted):,}", mb=f"{FIGURE_CSV_MAX_BYTES / 2**20:.3g}"
                )
        return data, meta

    setattr(png_with_alt, "_juesuan", True)  # noqa: B010 - the marker read above: a second call does not wrap again
    fmt.for_type(Figure, png_with_alt)


def set_style(context: str = "notebook") -> str:
    """Seaborn theme with the CJK font. `sns.set_theme` resets the font list, so the font goes in
    through its `rc`. Returns the font family name."""
    family, _path = register_cjk_font()
    sns.set_theme(
        context=context,
        style="whitegrid",
        font="sans-serif",
        rc={
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,  # U+2212 is not in every CJK font
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "figure.autolayout": False,
            "axes.titlesize": "medium",
            "axes.titleweight": "bold",
        },
    )
    _register_alt_text()
    return family


def basis_title(what: str, n_reports: int, total: int | None = None, note: str | None = None) -> str:
    """'what' plus a second line: how many reports the figure rests on."""
    line = t("plot.basis_one") if n_reports == 1 else t("plot.basis", n=n_reports)
    if total is not None and total != n_reports:
        line += t("plot.of_total", total=total)
    if note:
        line += f" · {note}"
    return f"{what}\n{line}"


def _height(n: int, per: float = 0.45, base: float = 1.6) -> float:
    return max(2.6, base + per * n)


# A figure with one bar (or grid row) per report stops being readable, and takes minutes to draw,
# long before a province's corpus: past this many rows it shows the first ones (the callers sort
# them) and says so, and its CSV still holds every row.
MAX_ROWS = 60


def _capped(n: int, note: str | None, what: str = "rows") -> str | None:
    if n <= MAX_ROWS:
        return note
    said = t("plot.capped", max=MAX_ROWS, n=f"{n:,}", what=t(f"plot.{what}"))
    return f"{note}{'；' if lang() == 'zh' else '; '}{said}" if note else said


def _bars_at_rows(ax, labels) -> None:
    """One bar per row at positions 0, 1, …, labelled with the rows' shortened labels. Not the labels as
    matplotlib categories: two reports whose labels agree in their first characters (one department's
    two years, a report and its copy) would become one category, their bars drawn over each other
    and every later bar's value label off its bar (and at 2,000 reports the render took 1 GB)."""
    ax.set_yticks(range(len(labels)), [_short(i) for i in labels])


def barh(
    values: pd.Series,
    *,
    title: str,
    n_reports: int,
    xlabel: str | None = None,
    total: int | None = None,
    note: str | None = None,
    fmt: str = "{:,.1f}",
    color: str = "#2a6f97",
    data: pd.DataFrame | None = None,
):
    """Horizontal bars of one value per label (sorted as given; past MAX_ROWS the first ones). `data`: the
    rows behind the bars for the figure's CSV (amounts, basis, report id, source reference); default: the
    values plotted."""
    values = values.dropna()
    xlabel = xlabel or t("plot.wan")
    note = _capped(len(values), note, "bars")
    shown = values.head(MAX_ROWS)
    fig, ax = plt.subplots(figsize=(8, _height(len(shown))))
    _bars_at_rows(ax, shown.index)
    ax.barh(range(len(shown)), shown.values, color=color)
    ax.invert_yaxis()
    for y, v in enumerate(shown.values):
        ax.text(v, y, " " + fmt.format(v), va="center", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(basis_title(title, n_reports, total, note), loc="left")
    ax.margins(x=0.15)
    _finish(fig, values.rename(xlabel) if data is None else data)
    return fig


def stacked_shares(
    matrix: pd.DataFrame,
    *,
    title: str,
    n_reports: int,
    total: int | None = None,
    note: str | None = None,
    top: int = 8,
    palette: str = "tab20",
    data: pd.DataFrame | None = None,
):
    """100% stacked horizontal bars: one bar per row of `matrix` (shares in percent), one segment per
    column; columns past `top` are pooled as 其他 (other); past MAX_ROWS rows, the first ones. `data`: the
    rows behind the shares for the figure's CSV (amounts, basis, report id, source reference); default:
    the shares plotted."""
    note = _capped(len(matrix), note, "bars")
    m = matrix.head(MAX_ROWS).copy()
    if m.shape[1] > top:
        keep = list(m.columns[:top])
        m = pd.concat([m[keep], m.drop(columns=keep).sum(axis=1).rename(t("plot.other"))], axis=1)
    colors = sns.color_palette(palette, m.shape[1])
    fig, ax = plt.subplots(figsize=(9, _height(len(m), 0.55, 2.2)))
    _bars_at_rows(ax, m.index)
    left = np.zeros(len(m))
    for k, col in enumerate(m.columns):
        vals = m[col].to_numpy(dtype=float)
        ax.barh(range(len(m)), vals, left=left, color=colors[k], label=_short(col, 18))
        for y, (l, v) in enumerate(zip(left, vals)):
            if v >= 7:
                ax.text(l + v / 2, y, f"{v:.0f}%", ha="center", va="center", fontsize=7, color="white")
        left += vals
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("plot.share"))
    ax.set_title(basis_title(title, n_reports, total, note), loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    _finish(fig, matrix if data is None else data)
    return fig


def budget_vs_outturn(
    df: pd.DataFrame,
    *,
    budget: str = "budget_wan",
    final: str = "final_wan",
    hue: str | None = None,
    title: str,
    n_reports: int,
    total: int | None = None,
    note: str | None = None,
    label: str | None = None,
    log: bool = True,
):
    """Scatter of budget (x) against outturn (y) with the 100% line; points above it overspent."""
    # the columns drawn and those naming a point (the figure's data), before any copy: at 10,000 reports each
    # copy of every column of the statements passed in was ~60 MB
    df = _plotted(df, label, hue, budget, final)
    d = df.dropna(subset=[budget, final])
    d = d[(d[budget] > 0) & (d[final] > 0)] if log else d
    dropped = len(df) - len(d)
    if "report_id" in d.columns:  # say what the plotted points rest on, not what was passed in
        n_reports = int(d.report_id.nunique())
    if dropped:
        extra = t("plot.dropped", n=dropped, zero=t("plot.or_zero") if log else "")
        note = f"{note}{'；' if lang() == 'zh' else '; '}{extra}" if note else extra
    fig, ax = plt.subplots(figsize=(7, 5.5))
    sns.scatterplot(data=d, x=budget, y=final, hue=hue, ax=ax, s=45, alpha=0.85)
    if len(d):
        lo = min(d[budget].min(), d[final].min())
        hi = max(d[budget].max(), d[final].max())
        ax.plot([lo, hi], [lo, hi], ls="--", color="grey", lw=1, label=t("plot.parity"))
        if label and len(d) <= MAX_ROWS:  # past that the names only cover each other
            for r in d.itertuples():
                ax.annotate(
                    str(getattr(r, label))[:12],
                    (getattr(r, budget), getattr(r, final)),
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
    if log and len(d):
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(t("plot.budget"))
    ax.set_ylabel(t("plot.outturn"))
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(basis_title(title, n_reports, total, note), loc="left")
    _finish(fig, _plotted(d, label, hue, budget, final))
    return fig


def rate_spread(
    df: pd.DataFrame,
    *,
    x: str = "rate",
    y: str = "level",
    title: str,
    n_reports: int,
    total: int | None = None,
    note: str | None = None,
):
    """Box + points of completion rates per group, with the 100% line."""
    df = _plotted(df, y, x)  # as budget_vs_outturn: the columns drawn and naming a point, before any copy
    d = df.dropna(subset=[x])
    order = [c for c in (d[y].cat.categories if hasattr(d[y], "cat") else sorted(d[y].unique())) if (d[y] == c).any()]
    fig, ax = plt.subplots(figsize=(8, _height(len(order), 0.7, 2.0)))
    with warnings.catch_warnings():  # seaborn 0.13 passes `vert` to matplotlib ≥ 3.11 (deprecated there)
        warnings.filterwarnings("ignore", category=matplotlib.MatplotlibDeprecationWarning)
        sns.boxplot(data=d, x=x, y=y, order=order, ax=ax, color="#cfe1f2", fliersize=0)
    # seaborn jitters the points with numpy's global generator: a fixed seed (the caller's state put
    # back after) makes the figure the same bytes on every run, as every other figure is
    state = np.random.get_state()
    np.random.seed(0)
    try:
        sns.stripplot(data=d, x=x, y=y, order=order, ax=ax, color="#1d3557", size=4, alpha=0.8)
    finally:
        np.random.set_state(state)
    ax.axvline(100, ls="--", color="#d62828", lw=1)
    ax.set_xlabel(t("plot.rate"))
    ax.set_ylabel("")
    ax.set_title(basis_title(title, n_reports, total, note), loc="left")
    _finish(fig, _plotted(d, y, x))
    return fig


def coverage_grid(matrix: pd.DataFrame, *, title: str, n_reports: int, total: int | None = None):
    """report × table grid coloured by found / empty / missing; past MAX_ROWS reports, how many
    reports have each table in each state (the per-report grid is the CSV)."""
    states = list(STATE_COLORS)
    if len(matrix) > MAX_ROWS:
        counts = pd.DataFrame({s: (matrix == s).sum() for s in states})
        fig, ax = plt.subplots(figsize=(7.5, _height(len(counts), 0.45, 1.8)))
        left = np.zeros(len(counts))
        for s in states:
            ax.barh(list(counts.index), counts[s].to_numpy(), left=left, color=STATE_COLORS[s], label=t(f"plot.{s}"))
            left += counts[s].to_numpy()
        ax.invert_yaxis()
        ax.set_xlabel(t("plot.reports"))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        note = t("plot.grid_note", n=f"{len(matrix):,}")
        ax.set_title(basis_title(title, n_reports, total, note), loc="left")
        _finish(fig, matrix)
        return fig
    codes = matrix.replace({s: i for i, s in enumerate(states)}).astype(float).to_numpy()
    fig, ax = plt.subplots(figsize=(7.5, _height(len(matrix), 0.45, 1.8)))
    cmap = matplotlib.colors.ListedColormap([STATE_COLORS[s] for s in states])
    ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(states) - 0.5, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns)
    ax.set_yticks(range(matrix.shape[0]), [_short(i) for i in matrix.index])
    for (i, j), v in np.ndenumerate(matrix.to_numpy()):
        ax.text(
            j,
            i,
            {"found": "有", "empty": "空", "missing": "缺"}.get(v, "?"),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if v != "empty" else "black",
        )
    ax.grid(False)
    handles = [matplotlib.patches.Patch(color=STATE_COLORS[s], label=t(f"plot.{s}")) for s in states]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.set_title(basis_title(title, n_reports, total), loc="left")
    _finish(fig, matrix)
    return fig


def grouped_bars(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str,
    title: str,
    n_reports: int,
    total: int | None = None,
    note: str | None = None,
    ylabel: str | None = None,
    horizontal: bool = False,
):
    """Grouped bars (e.g. 三公 budget vs outturn per item, or 21305 money per year and series);
    past MAX_ROWS categories, the first ones."""
    ylabel = ylabel or t("plot.wan")
    cats = df[y if horizontal else x]
    keep = list(dict.fromkeys(cats))[:MAX_ROWS]
    note = _capped(cats.nunique(), note, "categories")
    data, df = df, df[cats.isin(keep)]
    fig, ax = plt.subplots(figsize=(8.5, 4.5) if not horizontal else (8.5, _height(df[y].nunique(), 0.5, 2)))
    if horizontal:
        sns.barplot(data=df, y=y, x=x, hue=hue, ax=ax, errorbar=None)
        ax.set_xlabel(ylabel)
        ax.set_ylabel("")
    else:
        sns.barplot(data=df, x=x, y=y, hue=hue, ax=ax, errorbar=None)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("")
        for lab in ax.get_xticklabels():
            lab.set_rotation(20)
            lab.set_horizontalalignment("right")  # `set_ha` is a runtime alias the stubs do not know
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(basis_title(title, n_reports, total, note), loc="left")
    _finish(fig, data)
    return fig
