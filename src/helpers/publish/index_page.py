"""reports/index.html: which reports to trust and why, in one screen, then the studies.

Each report gets a verdict derived from its data (status, the template's tables read, doubtful
readings, failing and uncertain checks) with a short reason; a legend says what the verdicts
mean. The page is a Jinja2 template (`templates/index/index.html.j2`) rendered with autoescape
(department names and file names come from the reports), and its tables sort on a click with the
same inlined sortable.js as the notebook pages: nothing is fetched from another server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from ..core import paths
from ..data.storage import write_text_atomic
from .text import HTML_LANG, check_lang, t
from .text import lang as current_lang

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
VERDICT_KEY = {USABLE: "usable", CARE: "care", DO_NOT_USE: "no"}  # the catalogue's keys (helpers.publish.text)


def verdict_word(v: str, lang: str | None = None) -> str:
    """A verdict as the reader's language says it (the datasets and the code keep the English word)."""
    return t(f"verdict.{VERDICT_KEY[v]}", lang) if v in VERDICT_KEY else v


def legend(lang: str | None = None) -> list[tuple[str, str]]:
    """What each verdict means: (verdict, meaning), best first."""
    return [(v, t(f"verdict.legend_{VERDICT_KEY[v]}", lang)) for v in (USABLE, CARE, DO_NOT_USE)]


# The comparative studies' notebooks, in the order of the index; their titles and what each shows are
# the catalogue's `study.<name>.*` keys, in the page's language.
STUDIES: tuple[str, ...] = ("spending_composition", "poverty_transfers", "budget_execution")


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


def _verdict_parts(n_read, n_template, missing, doubtful, ferr, fwarn, unc, rules, lang) -> list[str]:
    """Why a report that was read is to be used with care (empty: it is usable)."""
    j = t("verdict.and", lang)
    parts = []
    if missing:
        parts.append(
            t("verdict.tables_missing", lang, n_read=n_read, n_template=n_template, missing="、".join(missing))
        )
    if doubtful:
        parts.append(t("verdict.doubtful", lang, tables="、".join(doubtful)))
    failing = ([t("verdict.error_one", lang) if ferr == 1 else t("verdict.errors", lang, n=ferr)] if ferr else []) + (
        [t("verdict.warning_one", lang) if fwarn == 1 else t("verdict.warnings", lang, n=fwarn)] if fwarn else []
    )
    if failing:  # error checks: the report contradicts itself; warnings: a likely slip (a unit, a rounding)
        o, c = ("（", "）") if (lang or current_lang()) == "zh" else (" (", ")")
        parts.append(j.join(failing) + (f"{o}{rules}{c}" if rules else ""))
    if unc:
        parts.append(t("verdict.uncertain_one", lang) if unc == 1 else t("verdict.uncertain", lang, n=unc))
    return parts


def verdict(report, quality=None, lang: str | None = None) -> Verdict:
    """The trust verdict of one report (a `reports` row; its `quality` row if any) and why, the
    reason in `lang` (default: the current language, helpers.publish.text)."""
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
        colon = "：" if (lang or current_lang()) == "zh" else ": "
        why = t("verdict.file_failed", lang) + ("" if _na(err) else f"{colon}{str(err)[:160]}")
        return Verdict(DO_NOT_USE, why, 0, n_template, doubtful, ferr, fwarn, unc, run)
    if not with_rows:
        why = (
            t("verdict.no_table", lang, n=n_template)
            + (t("verdict.printed_empty", lang, n=len(empty)) if empty else "")
            + t("verdict.narrative_only", lang)
        )
        return Verdict(DO_NOT_USE, why, n_read, n_template, doubtful, ferr, fwarn, unc, run)
    parts = _verdict_parts(n_read, n_template, missing, doubtful, ferr, fwarn, unc, rules, lang)
    if parts:
        return Verdict(CARE, t("verdict.joiner", lang).join(parts), n_read, n_template, doubtful, ferr, fwarn, unc, run)
    why = t("verdict.all_read", lang, n=n_template) + (
        t("verdict.checks_pass", lang, n=run) if run else t("verdict.no_checks", lang)
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


def report_rows(results, reports_dir: Path, corpus, lang: str | None = None) -> list[dict]:
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
            "run": _run(r, lang),
            "department": "",
            "year": "",
            "status": "?",
            "status_word": "?",
            "error": "",
            "v": None,
        }
        if rep is not None:
            status = str(rep.status)
            row.update(
                department="" if _na(rep.department) else str(rep.department),
                year="" if _na(rep.fiscal_year) else str(int(rep.fiscal_year)),
                status=status,
                status_word=t(f"status.{status}", lang) if status in ("ok", "partial", "failed") else status,
                error="" if _na(rep.error) else str(rep.error)[:160],
                v=verdict(rep, qual, lang),
            )
        rows.append(row)
    return sorted(rows, key=lambda x: (x["v"].rank if x["v"] else -1, x["department"], x["year"]))


def _link(res, reports_dir: Path) -> str | None:
    """The page's link, or None when no page file is there: the index never links to a missing page."""
    page = Path(res.job.html)
    if not page.is_file():
        return None
    return href(page.resolve().relative_to(reports_dir.resolve()).as_posix())


def _run(res, lang: str | None = None) -> dict:
    s = f"{res.seconds:.1f}"
    if res.ok and res.kept:
        return {"state": t("index.run_kept", lang), "css": "ok", "note": t("index.run_kept_note", lang, s=s)}
    if res.ok:
        return {"state": t("index.run_ran", lang), "css": "ok", "note": t("index.run_ran_note", lang, s=s)}
    return {
        "state": t("index.run_failed", lang),
        "css": "failed",
        "note": (res.error or "").splitlines()[0][:200] if res.error else "",
    }


def extraction_said(extraction: dict, lang: str) -> str:
    """How the extraction went, in the page's language: its time when it ran (the files read and failed are
    in the same sentence already), else the runner's own words (`nothing to read`)."""
    if extraction.get("seconds") is not None:
        return t("index.extraction", lang, s=f"{extraction['seconds']:.1f}")
    if extraction.get("files") == 0:
        return t("index.nothing_to_read", lang)
    return extraction.get("summary", "")


def render_index(
    results, reports_dir: Path, processed: Path, extraction: dict, lang: str = "zh", other_href: str | None = None
) -> str:
    """The index page's HTML in `lang` (see the module's docstring); `other_href`: the other
    edition's index, relative to this one (None: only this edition was built)."""
    from ..data.load import load
    from .pages import js_words

    lang = check_lang(lang)
    corpus = load(processed, datasets=["reports", "quality"])  # all the index reads: not the line items
    n_files = len(corpus.reports)
    n_read = int((corpus.reports.status != "failed").sum())
    reports = report_rows(results, reports_dir, corpus, lang)
    counts = {v: sum(1 for r in reports if r["v"] and r["v"].verdict == v) for v in VERDICT_RANK}
    study_rows = [
        {
            "link": _link(r, reports_dir),
            "title": t(f"study.{r.job.name}.title", lang),
            "run": _run(r, lang),
            "what": t("index.study_what", lang, what=t(f"study.{r.job.name}.what", lang), n_read=n_read),
        }
        for r in results
        if r.job.kind == "study"
    ]
    words = {k: t(f"verdict.{VERDICT_KEY[k]}", lang) for k in VERDICT_KEY}
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            t=lambda key, **kw: t(key, lang, **kw),
            html_lang=HTML_LANG[lang],
            js=js_words(lang),
            other_href=other_href,
            css=PAGE_CSS,
            built=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            processed=paths.display_path(processed),
            n_files=n_files,
            n_read=n_read,
            extraction=extraction_said(extraction, lang),
            messages=extraction.get("messages", []),
            reports=reports,
            studies=study_rows,
            legend=legend(lang),
            words=words,
            counts=counts,
            rank=VERDICT_RANK,
        )
    )


def write_index(
    results, reports_dir: Path, processed: Path, extraction: dict, lang: str = "zh", other_dir: Path | None = None
) -> Path:
    """`reports_dir`/index.html in `lang`: every page of that edition, reports first with their
    verdicts; `other_dir`: the folder of the other edition, linked from the page."""
    out = reports_dir / "index.html"
    other = None if other_dir is None else href(os.path.relpath(Path(other_dir) / "index.html", reports_dir))
    write_text_atomic(out, paths.public_text(render_index(results, reports_dir, processed, extraction, lang, other)))
    return out
