"""bench_scale.py --phases: every phase of the project at N distinct reports, each in a fresh process
so that its peak memory is its own: wall, CPU (the process and every child it waited for: workers,
kernels) and peak RSS of the process and of its largest child, per report.

- extraction: `pipeline.extract_and_write` of N distinct text reports (bench_scale.make_corpus, text
  copies), --jobs workers.
- data, load() / DuckDB: only the reading, every frame the studies read (the whole datasets in pandas
  the old way; the study rows queried by DuckDB batch by batch of reports the new way), no computation.
- studies, load(): every table the three studies and start_here compute (`study_tables`), from the
  whole datasets in pandas (`load()`, the way before); each page's tables in a process of its own, as
  the main job computes them in a kernel a page (CPU summed, the largest peak).
- studies, DuckDB: the same tables from `studies.lean.open_corpus` (the rows the studies read,
  queried from the Parquet files), as the notebooks now do.
- study pages: the three study notebooks executed and rendered by the main job's runner (kernels), one edition.
- main job: `runner.main_job` after the extraction phase (its datasets reused: nothing changed), so what
  it measures is every report page in two editions, the studies and the index.

`--replicate-from N0`: for N above N0 the datasets are N0's extraction repeated with distinct report
ids (the rows are the same; only the study phases run on them), so that 10,000 reports take minutes,
not the hours their extraction takes on 2 shared cores; the extraction's own per-report cost is
measured at N0 and below.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def _usage() -> tuple[float, float, float, float]:
    """(CPU seconds of this process, of its waited-for children, peak RSS MB of this process, of its largest child)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, me.ru_maxrss / 1024, kids.ru_maxrss / 1024


STUDIES = ("spending_composition", "budget_execution", "poverty_transfers", "start_here")


def study_tables(corpus, study: str | None = None) -> dict:
    """Every table and sentence the study notebooks compute (what their kernels hold), from `corpus`; with
    `study`, only that page's (one of STUDIES): what its kernel computes."""
    from helpers.studies import composition as comp
    from helpers.studies import execution as ex
    from helpers.studies import narrate, quality, start
    from helpers.studies import poverty as pov
    from helpers.studies import report_view as rv

    c = quality.comparable(corpus)
    pages = {
        "spending_composition": lambda: {
            "function_classes": comp.function_classes(c),
            "basic_project": comp.basic_project(c),
            "with_pass_through": comp.with_pass_through(comp.basic_project(c), c),
            "economic_classes": comp.economic_classes(c),
            "personnel_public": comp.personnel_public(c),
            "design": comp.design(c),
            "key_findings_composition": comp.key_findings(c),
        },
        "budget_execution": lambda: {
            "rates": ex.rates(c),
            "printed_vs_computed": ex.printed_vs_computed(c, ex.rates(c)),
            "three_public": ex.three_public(c),
            "three_public_by_report": ex.three_public_by_report(c),
            "deviations": ex.deviations(c),
            "zero_budget_lines": ex.zero_budget_lines(c),
            "coverage_matrix": rv.coverage_matrix(c),
            "key_findings_execution": ex.key_findings(c),
            **dict(zip(("failing_checks", "failing_check_counts"), quality.failing_checks(c, narrate.MAX_TABLE_ROWS))),
        },
        "poverty_transfers": lambda: {
            "series_by_report": pov.series_by_report(c),
            "share_of_spending": pov.share_of_spending(c),
            "by_year": pov.by_year(c),
            "transfers_over_time": pov.transfers_over_time(c),
            "recipients": pov.recipients(c),
            "transfers_table": pov.transfers_table(c),
            "key_findings_poverty": pov.key_findings(c),
        },
        "start_here": lambda: {"verdicts": start.verdicts(corpus), "overview": start.overview(corpus)},
    }
    out: dict = {}
    for name in [study] if study else STUDIES:
        out.update(pages[name]())
    return out


def _child(target: Callable, args: tuple, q) -> None:
    t0, u0 = time.perf_counter(), _usage()
    extra = target(*args) or {}
    u = _usage()
    q.put(
        {
            "s": time.perf_counter() - t0,
            "cpu": (u[0] - u0[0]) + (u[1] - u0[1]),
            "rss": u[2],
            "rss_child": u[3],
            **extra,
        }
    )


def in_fresh_process(target: Callable, *args) -> dict:
    """Run `target(*args)` in a spawned process: its wall and CPU seconds (children included) and peak RSS."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(target, args, q))
    p.start()
    res = q.get()
    p.join(timeout=120)
    if p.is_alive():  # its figures are in; a process left waiting on its own children at exit is ended
        p.kill()
        p.join()
    return res


def extraction(files: list[str], out: str, jobs: int) -> None:
    from helpers.run import pipeline

    pipeline.log = lambda msg: None  # one progress line per report: not what is measured
    pipeline.extract_and_write([Path(f) for f in files], Path(out), jobs=jobs, incremental=True)


def studies(way: str, out: str, study: str) -> dict:
    from helpers.data.load import load
    from helpers.studies.lean import open_corpus

    corpus = load(out) if way == "load" else open_corpus(out)
    tables = study_tables(corpus, study)
    return {"rows": sum(len(v) for v in tables.values())}


def each_study(way: str, out: str) -> dict:
    """Each study page's tables in a fresh process of its own, as the main job computes them (a kernel a page):
    wall and CPU summed, the largest peak memory."""
    parts = [in_fresh_process(studies, way, out, study) for study in STUDIES]
    return {
        "s": sum(p["s"] for p in parts),
        "cpu": sum(p["cpu"] for p in parts),
        "rss": max(p["rss"] for p in parts),
        "rss_child": max(p["rss_child"] for p in parts),
        "rows": sum(p["rows"] for p in parts),
    }


def study_data(way: str, out: str) -> dict:
    """Only the reading: every frame the studies read, the old way (load(): whole datasets) or the new (the
    study rows queried batch by batch of reports, as the studies read them)."""
    from helpers.data.load import load
    from helpers.studies.lean import open_corpus

    if way == "load":
        corpus = load(out)
        return {"rows": sum(len(corpus[ds]) for ds in corpus.frames)}
    return {"rows": sum(len(part[ds]) for part in open_corpus(out).batches() for ds in part.frames)}


def study_pages(out: str, root: str, jobs: int) -> dict:
    from helpers.core.paths import NOTEBOOKS
    from helpers.run import runner

    plan = runner.plan(
        [],
        notebooks_dir=NOTEBOOKS,
        build_dir=Path(root) / "build",
        reports_dir=Path(root) / "reports",
        processed=Path(out),
        kernel=runner.ensure_kernel(),
        langs=["zh"],
    )
    results = runner.run_notebooks([j for j in plan if j.kind == "study"], jobs=jobs)
    return {"failed": sum(not r.ok for r in results), "pages": len(results)}


def main_job(root: str, jobs: int) -> dict:
    from helpers.run import runner

    r = Path(root)
    # the datasets extracted by the extraction phase (nothing changed: reused); pages and studies in folders of its own
    rc = runner.main_job(
        jobs=jobs,
        raw_dir=r / "raw",
        processed_dir=r / "processed",
        reports_dir=r / "mj_reports",
        build_dir=r / "mj_build",
    )
    return {"failed": int(rc != 0)}


def replicate(src: Path, n: int, out: Path) -> None:
    """`out`: the datasets of the processed folder `src` repeated until they hold `n` reports, each copy's
    report ids made distinct (`<id>~<k>`); one Parquet file per dataset, a row group per copy."""
    from helpers.core import schema
    from helpers.data.database import dataset_sources
    from helpers.data.partitioned import resolve

    sources = dataset_sources(resolve(src))
    ids = pa.concat_tables([pq.read_table(f) for f in sources["reports"]]).column("report_id").to_pylist()
    out.mkdir(parents=True, exist_ok=True)
    for ds in schema.DATASETS:
        if sources[ds]:
            table = pa.concat_tables([pq.read_table(f) for f in sources[ds]], promote_options="default")
            _write_copies(table, ids, n, out / f"{ds}.parquet")


def _write_copies(table: pa.Table, ids: list[str], n: int, path: Path) -> None:
    copies = -(-n // len(ids))
    rids = table.column("report_id").to_pylist()
    with pq.ParquetWriter(path, table.schema) as w:
        for k in range(copies):
            part = table
            if k == copies - 1:  # the last copy: only as many reports as make n
                last = set(ids[: n - k * len(ids)])
                part = table.filter(pa.array([r in last for r in rids]))
            kind = table.schema.field("report_id").type
            rid = pa.array([f"{x}~{k}" for x in part.column("report_id").to_pylist()], type=kind)
            w.write_table(part.set_column(part.schema.get_field_index("report_id"), "report_id", rid))


def _scale_corpus(n: int, root: Path, jobs: int, replicate_from: int | None) -> tuple[Path, dict | None]:
    """The processed folder of n reports and, when they were extracted here, the extraction's figures."""
    from bench_scale import make_corpus

    out = root / "processed"
    if replicate_from and n > replicate_from:
        src = root.parent / f"n{replicate_from}" / "processed"
        replicate(src, n, out)
        return out, None
    files = make_corpus(n, root / "raw", text_only=True)
    return out, in_fresh_process(extraction, [str(f) for f in files], str(out), jobs)


def run_phases(n: int, root: Path, jobs: int, replicate_from: int | None, limits: dict) -> dict:
    """Every phase at n reports (module docstring), each only up to its N in `limits` (load, studies, pages, main)."""
    root.mkdir(parents=True, exist_ok=True)
    out, ext = _scale_corpus(n, root, jobs, replicate_from)
    row: dict = {"n": n, "replicated": ext is None, "extraction": ext}
    if n <= limits["load"]:
        row["data load()"] = in_fresh_process(study_data, "load", str(out))
    row["data DuckDB"] = in_fresh_process(study_data, "lean", str(out))
    if n <= min(limits["studies"], limits["load"]):
        row["studies load()"] = each_study("load", str(out))
    if n <= limits["studies"]:
        row["studies DuckDB"] = each_study("lean", str(out))
    if n <= limits["pages"]:
        row["study pages"] = in_fresh_process(study_pages, str(out), str(root), jobs)
    if n <= limits["main"] and ext is not None:
        row["main job"] = in_fresh_process(main_job, str(root), jobs)
    return row


PHASES = ("extraction", "data load()", "data DuckDB", "studies load()", "studies DuckDB", "study pages", "main job")


def phase_tables(rows: list[dict], jobs: int) -> str:
    """Per N and phase: wall, CPU, CPU per report, peak RSS of the process / its largest child, and the
    CPU per report against the smallest N's (the reference measured in this run)."""
    lines = [
        f"N distinct reports (text copies of data/raw with their own bytes), --jobs {jobs}; each phase in a fresh "
        'process; CPU counts the process and every child it waited for (workers, kernels); "replicated": the '
        "smallest N's datasets repeated with distinct report ids (extraction not run). Ratio: CPU per report "
        "against the same phase at the smallest N.",
        "",
        "| N | phase | wall | CPU | CPU per report | vs smallest N | peak RSS process / largest child |",
        "|---|---|---|---|---|---|---|",
    ]
    base: dict[str, float] = {}
    for r in rows:
        for ph in PHASES:
            f = r.get(ph)
            if not f:
                continue
            per = f["cpu"] / r["n"] * 1000
            base.setdefault(ph, per)
            name = ph + (" (replicated)" if r["replicated"] and ph != "extraction" else "")
            if f.get("failed"):  # a phase whose pages failed measured something else: said on its row
                name += f" ({f['failed']} of {f.get('pages', '?')} pages FAILED)"
            lines.append(
                f"| {r['n']:,} | {name} | {f['s']:.1f} s | {f['cpu']:.1f} s | {per:.1f} ms | {per / base[ph]:.2f}× "
                f"| {f['rss']:.0f} MB / {f['rss_child']:.0f} MB |"
            )
    return "\n".join(lines) + "\n"
