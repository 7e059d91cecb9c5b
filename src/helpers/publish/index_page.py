"""reports/index.html: which reports to trust and why, in one screen, then the studies.

Each report gets a verdict derived from its data (status, the template's tables read, doubtful
readings, failing and uncertain checks) with a short reason; a legend says what the verdicts
mean. The page is a Jinja2 template (`templates/index/index.html.j2`) rendered with autoescape
(department names and file names come from the reports), and its tables sort on a click with the
same inlined sortable.js as the notebook pages: nothing is fetched from another server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from ..core import paths
from ..data.storage import write_text_atomic

TEMPLATES = Path(__file__).parent / "templates"

# Also the style of the stand-in page the runner writes when a notebook produced nothing.
PAGE_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:14px;width:100%}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7}.ok{color:#2b7a3d}.failed{color:#b00020;font-weight:bold}.partial{color:#b26a00}
.muted{color:#666;font-size:13px}
"""

USABLE, CARE, DO_NOT_USE = "usable", "use with care", "do not use"
VERDICT_RANK = {DO_NOT_USE: 0, CARE: 1, USABLE: 2}
LEGEND = [
    (
        USABLE,
        "every table of the report's template was read (or printed empty), none in doubt, and no "
        "consistency check fails or is uncertain: the figures can be used as read.",
    ),
    (
        CARE,
        "the data were read, but some tables are missing or read with doubt, or checks fail (the printed "
        "report contradicts itself: the figures named are wrong in print) or are uncertain. The report's "
        "page lists them first; the studies leave those figures out or mark them.",
    ),
    (
        DO_NOT_USE,
        "nothing or no table of the template could be read: the file failed, or only its narrative "
        "was recognised. Its figures are not a basis for comparison.",
    ),
]

# The comparative studies: notebook name → (title, what it shows), in the order of the index.
STUDIES: dict[str, tuple[str, str]] = {
    "spending_composition": (
        "Spending composition 支出结构",
        "function classes, basic vs project, personnel vs public, economic classes: shares per department, and what "
        "the corpus can and cannot compare",
    ),
    "poverty_transfers": (
        "Poverty and rural-revitalisation money 扶贫 → 乡村振兴",
        "the 21305 series through the 2021 rename, its share of spending, money to recipient places",
    ),
    "budget_execution": (
        "Budget execution 预算执行",
        "completion rates by level, item and project; spread and outliers; 三公 budget vs outturn; printed vs "
        "recomputed rates",
    ),
}


def href(rel: str) -> str:
    """A relative link to a page file: ASCII other than letters, digits and `/-._~` percent-encoded (a
    file name may hold spaces, quotes, `<`, `#` or line breaks), Chinese kept readable."""
    return "".join(c if ord(c) > 127 and c.isprintable() else quote(c, safe="/-._~") for c in rel)


def _na(v) -> bool:
    try:
        import pandas as pd

        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _codes(v) -> list[str]:
    return [] if v is None or (not hasattr(v, "__len__") and _na(v)) else [str(x) for x in v]


def _int(row, name: str) -> int:
    if row is None or name not in row.index or _na(row[name]):
        return 0
    return int(row[name])


@dataclass
class Verdict:
    verdict: str
    reason: str
    tables_read: int  # tables of the template found or printed empty
    tables_template: int
    doubtful: list[str]
    failed_error: int
    failed_warning: int
    uncertain: int
    checks_run: int

    @property
    def rank(self) -> int:
        return VERDICT_RANK[self.verdict]


def verdict(report, quality=None) -> Verdict:
    """The trust verdict of one report (a `reports` row; its `quality` row if any) and why."""
    found, empty, missing = (
        _codes(report.get("tables_found")),
        _codes(report.get("tables_empty")),
        _codes(report.get("tables_missing")),
    )
    # `tables_found` includes the tables printed empty; `tables_missing` are the template's others
    n_template = len(set(found) | set(empty) | set(missing))
    n_read = len(set(found) | set(empty))
    with_rows = set(found) - set(empty)
    doubtful = _codes(report.get("tables_doubtful"))
    ferr, fwarn = _int(quality, "failed_error"), _int(quality, "failed_warning")
    unc, run = _int(quality, "uncertain"), _int(quality, "checks_run")
    rules = "" if quality is None or _na(quality.get("rules_failed")) else str(quality.get("rules_failed"))
    status = str(report.get("status"))
    if status == "failed":
        err = report.get("error")
        why = "the file could not be read" + ("" if _na(err) else f": {str(err)[:160]}")
        return Verdict(DO_NOT_USE, why, 0, n_template, doubtful, ferr, fwarn, unc, run)
    if not with_rows:
        why = (
            f"none of the template's {n_template} tables was read"
            + (f" ({len(empty)} printed empty)" if empty else "")
            + "; only figures stated in the narrative"
        )
        return Verdict(DO_NOT_USE, why, n_read, n_template, doubtful, ferr, fwarn, unc, run)
    parts = []
    if missing:
        parts.append(f"{n_read} of {n_template} tables read ({'、'.join(missing)} missing)")
    if doubtful:
        parts.append(f"{'、'.join(doubtful)} read with doubt")
    failing = ([f"{ferr} printed inconsistenc{'y' if ferr == 1 else 'ies'}"] if ferr else []) + (
        [f"{fwarn} failing warning check{'s' if fwarn != 1 else ''}"] if fwarn else []
    )
    if failing:  # error checks: the report contradicts itself; warnings: a likely slip (a unit, a rounding)
        parts.append(" and ".join(failing) + (f" ({rules})" if rules else ""))
    if unc:
        parts.append(f"{unc} uncertain check{'s' if unc != 1 else ''}")
    if parts:
        return Verdict(CARE, "; ".join(parts), n_read, n_template, doubtful, ferr, fwarn, unc, run)
    why = f"all {n_template} tables read, none in doubt; " + (
        f"all {run} checks pass or do not apply" if run else "no checks recorded"
    )
    return Verdict(USABLE, why, n_read, n_template, doubtful, ferr, fwarn, unc, run)


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATES / "index"), str(TEMPLATES / "juesuan")]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def report_rows(results, reports_dir: Path, corpus) -> list[dict]:
    """One row per report page: its link, department, year, status, verdict and the run."""
    reps = corpus.reports.set_index("report_id")
    q = corpus.quality.set_index("report_id") if len(corpus.quality) else None
    rows = []
    for r in results:
        if r.job.kind != "report":
            continue
        rid = r.job.name
        rep = reps.loc[rid] if rid in reps.index else None
        qual = q.loc[rid] if q is not None and rid in q.index else None
        row = {
            "link": _link(r, reports_dir),
            "title": r.job.title,
            "run": _run(r),
            "department": "",
            "year": "",
            "status": "?",
            "error": "",
            "v": None,
        }
        if rep is not None:
            row.update(
                department="" if _na(rep.department) else str(rep.department),
                year="" if _na(rep.fiscal_year) else str(int(rep.fiscal_year)),
                status=str(rep.status),
                error="" if _na(rep.error) else str(rep.error)[:160],
                v=verdict(rep, qual),
            )
        rows.append(row)
    return sorted(rows, key=lambda x: (x["v"].rank if x["v"] else -1, x["department"], x["year"]))


def _link(res, reports_dir: Path) -> str | None:
    """The page's link, or None when no page file is there: the index never links to a missing page."""
    page = Path(res.job.html)
    if not page.is_file():
        return None
    return href(page.resolve().relative_to(reports_dir.resolve()).as_posix())


def _run(res) -> dict:
    if res.ok and res.kept:
        return {"state": "kept", "css": "ok", "note": f"inputs unchanged; last run {res.seconds:.1f}s"}
    if res.ok:
        return {"state": "ran", "css": "ok", "note": f"{res.seconds:.1f}s"}
    return {
        "state": "notebook failed",
        "css": "failed",
        "note": (res.error or "").splitlines()[0][:200] if res.error else "",
    }


def render_index(results, reports_dir: Path, processed: Path, extraction: dict, studies: dict) -> str:
    """The index page's HTML (see the module's docstring)."""
    from ..data.load import load

    corpus = load(processed)
    n_files = len(corpus.reports)
    n_read = int((corpus.reports.status != "failed").sum())
    reports = report_rows(results, reports_dir, corpus)
    counts = {v: sum(1 for r in reports if r["v"] and r["v"].verdict == v) for v in VERDICT_RANK}
    study_rows = [
        {
            "link": _link(r, reports_dir),
            "title": r.job.title,
            "run": _run(r),
            "what": studies.get(r.job.name, ("", ""))[1],
        }
        for r in results
        if r.job.kind == "study"
    ]
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            css=PAGE_CSS,
            built=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            processed=paths.display_path(processed),
            n_files=n_files,
            n_read=n_read,
            extraction=extraction.get("summary", ""),
            messages=extraction.get("messages", []),
            reports=reports,
            studies=study_rows,
            legend=LEGEND,
            counts=counts,
            rank=VERDICT_RANK,
        )
    )


def write_index(results, reports_dir: Path, processed: Path, extraction: dict) -> Path:
    """reports/index.html: every page, reports first with their verdicts."""

    out = reports_dir / "index.html"
    write_text_atomic(out, paths.public_text(render_index(results, reports_dir, processed, extraction, STUDIES)))
    return out
