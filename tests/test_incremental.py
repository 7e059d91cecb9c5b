"""The incremental notebook phase: a second main job with nothing changed runs no notebook and keeps
every page; changing one raw file runs that report's page and the studies again, nothing else.
Two text reports, so the three runs stay under a minute and a half (`--force` ignoring the state
is left to the CLI: it would cost five more notebooks)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.core.paths import NOTEBOOKS
from helpers.run import incremental, runner

from .conftest import HANYANG, HONGSHAN


def _stamps(root: Path) -> dict[str, int]:
    """page or executed notebook → modification time (ns)."""
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns
        for sub in ("reports", "build")
        for p in (root / sub).rglob("*")
        # the pages and notebooks of both editions (reports/en/…), not the indexes
        if p.suffix in {".html", ".ipynb"}
        and p.parent.parent in (root / sub, root / sub / "en")
        and p.name != "index.html"
    }


def test_unchanged_inputs_keep_pages_and_a_changed_file_reruns_its_page_and_the_studies(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in (HONGSHAN, HANYANG):
        shutil.copy(f, raw / f.name)
    kw = dict(
        jobs=2,
        raw_dir=raw,
        processed_dir=tmp_path / "processed",
        reports_dir=tmp_path / "reports",
        build_dir=tmp_path / "build",
    )
    assert runner.main_job(**kw) == runner.EXIT_OK
    first = _stamps(tmp_path)
    editions = 2  # Chinese in reports/, English in reports/en/
    assert len([k for k in first if k.endswith(".html")]) == editions * (2 + len(runner.STUDIES))
    state = json.loads((tmp_path / "build" / incremental.STATE_FILE).read_text())
    assert len(state["jobs"]) == editions * (2 + len(runner.STUDIES)) and all(e["ok"] for e in state["jobs"].values())

    # nothing changed: no notebook runs, every page and executed notebook is left as it was
    assert runner.main_job(**kw) == runner.EXIT_OK
    assert _stamps(tmp_path) == first
    assert "沿用" in (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")  # kept, in Chinese
    assert "kept" in (tmp_path / "reports" / "en" / "index.html").read_text(encoding="utf-8")

    # one raw file changed (a byte appended): its page and the studies run again, the other page is kept
    with open(raw / HANYANG.name, "a", encoding="utf-8") as fh:
        fh.write("\n")
    assert runner.main_job(**kw) == runner.EXIT_OK
    third = _stamps(tmp_path)
    changed = {k for k in first if third[k] != first[k]}
    hanyang = HANYANG.stem
    expected = set()
    for en in ("", "en/"):  # both editions
        expected |= {f"reports/{en}reports/{hanyang}.html", f"build/{en}reports/{hanyang}.ipynb"}
        expected |= {
            f"{d}/{en}studies/{s}.{x}" for s in runner.STUDIES for d, x in (("reports", "html"), ("build", "ipynb"))
        }
    assert changed == expected


def test_a_kept_page_is_the_page_a_clean_run_writes_after_a_report_is_added(tmp_path):
    """Hanyang (001) is added before Jianghan (002): Jianghan's page is kept, and equals the page a
    clean run on the three reports writes (its rows numbered within the report: T7's 合计 is row 0
    of its 三公 table, not row 12 or 18 of the corpus's)."""
    import re

    from helpers.run import runner
    from helpers.run.pipeline import extract_and_write

    from .conftest import HANYANG, HONGSHAN, JIANGHAN

    def pages(files, root: Path, force: bool) -> dict:
        extraction = extract_and_write(files, root / "processed", incremental=not force)
        jobs = runner.plan(
            extraction["report_ids"],
            notebooks_dir=NOTEBOOKS,
            build_dir=root / "build",
            reports_dir=root / "reports",
            processed=root / "processed",
            kernel=runner.ensure_kernel(),
        )
        jobs = [j for j in jobs if j.kind == "report" and (not force or j.name == JIANGHAN.stem)]
        results = runner._run_changed(jobs, processed=root / "processed", build_dir=root / "build", jobs=1, force=force)
        return {r.job.name: r for r in results}

    def page(res) -> str:  # when the rows were extracted is the one thing a clean run changes
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "…", Path(res.job.html).read_text(encoding="utf-8"))

    inc = tmp_path / "incremental"
    pages([HONGSHAN, JIANGHAN], inc, force=False)
    kept = pages([HONGSHAN, HANYANG, JIANGHAN], inc, force=False)
    assert kept[JIANGHAN.stem].kept and not kept[HANYANG.stem].kept
    clean = pages([HONGSHAN, HANYANG, JIANGHAN], tmp_path / "clean", force=True)
    assert page(kept[JIANGHAN.stem]) == page(clean[JIANGHAN.stem])
