"""Fault suite: bad rows from earlier runs, workers killed or stuck, a killed parent, and runs
that give the same rows whatever the number of workers. Kills happen at chosen points
(helpers.core.faults, switched on by JUESUAN_FAULT in the environment the workers inherit)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.datasets import extractor_version, previous_run, write_datasets
from helpers.run.pipeline import extract_many

from .conftest import HANYANG, HONGSHAN, JIANGHAN, QINGSHAN
from .fixtures.pdf_objects import write_pdf

FILES = [HONGSHAN, HANYANG, JIANGHAN, QINGSHAN]


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def test_failed_row_without_checksum_does_not_break_the_next_run(tmp_path):
    """An empty file's failed row has no checksum; the next incremental run reads it again."""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    first, _ = extract_many([empty, HONGSHAN])
    assert first["reports"].source_sha256.isna().tolist() == [True, False]
    write_datasets(first, out, extractor_version())
    lines: list[str] = []
    second, _ = extract_many([empty, HONGSHAN], previous=previous_run(out, extractor_version()), progress=lines.append)
    assert second["reports"].status.tolist() == ["failed", "partial"]
    assert [s.split(":")[0] for s in lines if "reused" in s] == [HONGSHAN.stem]


def test_killed_worker_fails_only_its_file_and_rows_keep_input_order(monkeypatch):
    monkeypatch.setenv("JUESUAN_FAULT", f"extract@{HANYANG.stem}=kill")
    datasets, messages = extract_many(FILES, jobs=2)
    reps = datasets["reports"]
    assert reps.report_id.tolist() == [p.stem for p in FILES]
    st = dict(zip(reps.report_id, reps.status))
    assert st.pop(HANYANG.stem) == "failed" and "failed" not in st.values()
    err = reps.set_index("report_id").loc[HANYANG.stem, "error"]
    assert "worker process died (killed by SIGKILL)" in err and HANYANG.name in err
    assert reps.set_index("report_id").loc[HANYANG.stem, "error_code"] == "worker_died"
    assert pd.isna(reps.set_index("report_id").loc[HANYANG.stem, "source_sha256"])  # read again next run
    assert any(m.startswith("FAILED") and HANYANG.name in m for m in messages)


def test_stuck_worker_is_stopped_after_the_timeout(monkeypatch):
    monkeypatch.setenv("JUESUAN_FAULT", f"extract@{HONGSHAN.stem}=sleep:60")
    t0 = time.monotonic()
    datasets, _ = extract_many([HONGSHAN, JIANGHAN], jobs=2, timeout=3)
    assert time.monotonic() - t0 < 30
    reps = datasets["reports"].set_index("report_id")
    assert "took longer than 3 s" in reps.loc[HONGSHAN.stem, "error"]
    assert reps.loc[HONGSHAN.stem, "error_code"] == "timeout"
    assert reps.loc[JIANGHAN.stem, "status"] != "failed"


def test_same_rows_whatever_the_number_of_workers(monkeypatch):
    """The first file is made to finish last; rows still come in input order, equal to --jobs 1."""
    one, _ = extract_many(FILES[:3], jobs=1)
    monkeypatch.setenv("JUESUAN_FAULT", f"extract@{HONGSHAN.stem}=sleep:2")
    two, _ = extract_many(FILES[:3], jobs=2)
    for ds in one:
        a, b = one[ds], two[ds]
        if "extracted_at" in a:
            a, b = a.drop(columns="extracted_at"), b.drop(columns="extracted_at")
        pd.testing.assert_frame_equal(a, b, obj=ds)


def test_killed_parent_takes_its_workers_with_it(tmp_path):
    env = {**os.environ, "JUESUAN_FAULT": "extract=sleep:120"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers", "extract", HONGSHAN, JIANGHAN, "--jobs", "2", "--out", tmp_path / "out"],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        kids: list[int] = []
        while time.monotonic() < deadline and len(kids) < 2:
            time.sleep(0.3)
            kids = [k for k in _children(proc.pid) if _alive(k)]
        assert len(kids) >= 2, "workers did not start"
        time.sleep(1.5)  # let them reach the sleeping file
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(k) for k in kids):
            time.sleep(0.2)
        assert not any(_alive(k) for k in kids), "workers outlived their parent"
        assert not (tmp_path / "out" / "reports.parquet").exists()
    finally:
        if proc.poll() is None:
            proc.kill()


# --- a file replaced while it is read ------------------------------------------------------------


def test_a_pdf_replaced_while_it_is_parsed_keeps_the_checksum_of_the_bytes_parsed(tmp_path, monkeypatch):
    """target.pdf (社会工作部) is replaced by 财政局's report right after PDFium opened it: the row holds
    社会工作部's figures under 社会工作部's checksum, so the next run sees the file changed and reads it."""
    import hashlib
    import shutil

    from helpers.read import engines
    from helpers.read.document import sha256_of
    from helpers.run.pipeline import _reusable

    from .conftest import PDF_CZJ, PDF_SGB

    target = tmp_path / "target.pdf"
    shutil.copyfile(PDF_SGB, target)
    parsed = hashlib.sha256(PDF_SGB.read_bytes()).hexdigest()
    orig = engines.PDF_ENGINES["pdfium"]

    def open_then_replace(src):
        pages = orig.open_pages(src)
        shutil.copyfile(PDF_CZJ, target)  # the file is replaced while this run reads it
        return pages

    monkeypatch.setitem(
        engines.PDF_ENGINES, "pdfium", engines.PdfEngine("pdfium", "pdfium", open_then_replace, "pdfplumber")
    )
    first, _ = extract_many([target])
    row = first["reports"].iloc[0]
    assert row.department == "中共上海市普陀区委社会工作部"  # as printed on page 1 of the file that was parsed
    assert row.source_sha256 == parsed
    assert not _reusable(first["reports"], "target", target, sha256_of(target))  # read again next run


def test_a_file_changed_between_the_check_and_the_read_is_reported(tmp_path, monkeypatch):
    from helpers.run import pipeline

    target = tmp_path / "target.txt"
    target.write_bytes(HONGSHAN.read_bytes())
    orig = pipeline.extract_report

    def replaced_first(path, **kw):
        target.write_bytes(JIANGHAN.read_bytes())
        return orig(path, **kw)

    monkeypatch.setattr(pipeline, "extract_report", replaced_first)
    datasets, messages = extract_many([target])
    assert datasets["reports"].department.tolist() == ["武汉市江汉区人民政府办公室"]  # what was read
    assert any(m.startswith(f"{target}: changed during this run") for m in messages), messages


# --- publication: all datasets switch together; pages are replaced whole -------------------------


def _cli(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "helpers", *map(str, args)], capture_output=True, text=True, env=env)


def test_kill_while_publishing_leaves_one_generation_and_the_next_run_cleans_up(tmp_path):
    out = tmp_path / "out"
    assert _cli("extract", HONGSHAN, "--out", out).returncode == 0
    for point in ("filled", "switched"):  # before the switch: old data; after it: the new data, whole
        r = _cli("extract", JIANGHAN, "--out", out, env_extra={"JUESUAN_FAULT": f"publish@{point}=kill"})
        assert r.returncode == -signal.SIGKILL
        back = {ds: pd.read_parquet(out / f"{ds}.parquet") for ds in ("reports", "line_items", "checks")}
        want = HONGSHAN.stem if point == "filled" else JIANGHAN.stem
        for ds, df in back.items():
            assert set(df.report_id) == {want}, (point, ds)
        assert list(out.glob(".writing-*")) or len(list(out.glob(".gen-*"))) == 2  # leftovers, ignored
    r = _cli("extract", HANYANG, "--out", out)
    assert r.returncode == 0, r.stderr
    assert not list(out.glob(".writing-*")) and len(list(out.glob(".gen-*"))) == 2  # current and the one before
    assert set(pd.read_parquet(out / "line_items.parquet").report_id) == {HANYANG.stem}


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {p.relative_to(folder).as_posix(): None if p.is_dir() else p.read_bytes() for p in folder.rglob("*")}


def test_extract_into_a_folder_of_someone_elses_files_is_refused_and_touches_nothing(tmp_path):
    theirs = tmp_path / "theirs"
    (theirs / "reports.parquet").mkdir(parents=True)  # a dataset folder another tool wrote
    (theirs / "reports.parquet" / "part-0.parquet").write_bytes(b"their rows")
    (theirs / ".gen-mine").mkdir()
    (theirs / ".gen-mine" / "notes.txt").write_text("mine")
    before = _tree(theirs)
    r = _cli("extract", HONGSHAN, "--out", theirs)
    assert r.returncode == 1
    assert f"{theirs} already holds files this project did not write (.gen-mine, reports.parquet)" in r.stderr
    assert "Traceback" not in r.stderr
    assert _tree(theirs) == before
    # a folder this project wrote is written again, and a user's own .gen-mine/ in it is left alone
    ours = tmp_path / "ours"
    assert _cli("extract", HONGSHAN, "--out", ours).returncode == 0
    (ours / ".gen-mine").mkdir()
    (ours / ".gen-mine" / "notes.txt").write_text("mine")
    r = _cli("extract", JIANGHAN, "--out", ours)
    assert r.returncode == 0, r.stderr
    assert (ours / ".gen-mine" / "notes.txt").read_text() == "mine"
    assert set(pd.read_parquet(ours / "reports.parquet").report_id) == {JIANGHAN.stem}


def test_simulated_write_failure_keeps_the_published_datasets(tmp_path, monkeypatch):
    out = tmp_path / "out"
    first, _ = extract_many([HONGSHAN])
    write_datasets(first, out)
    monkeypatch.setenv("JUESUAN_FAULT", "publish@filled=raise")
    second, _ = extract_many([JIANGHAN])
    try:
        write_datasets(second, out)
    except OSError as exc:
        assert "simulated" in str(exc)
    else:
        raise AssertionError("the simulated failure did not happen")
    assert set(pd.read_parquet(out / "reports.parquet").report_id) == {HONGSHAN.stem}
    assert not list(out.glob(".writing-*"))


def test_a_full_or_read_only_disk_ends_in_one_line_naming_the_folder_and_the_data_stay(tmp_path):
    out = tmp_path / "out"
    assert _cli("extract", HONGSHAN, "--out", out).returncode == 0
    for code, what, advice in (
        ("ENOSPC", "No space left on device", "The disk is full: free some space and run again"),
        ("EROFS", "Read-only file system", "That file system is read-only: choose a writable folder"),
    ):
        # the disk fails when the new generation is published (the CLI in a process whose publication raises it)
        prog = (
            "import errno, os, sys\n"
            "from helpers.data import partitioned\n"
            "def fail(*a, **k):\n"
            f"    raise OSError(errno.{code}, os.strerror(errno.{code}))\n"
            "partitioned.publish_generation = fail\n"
            "from helpers.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n"
        )
        r = subprocess.run(
            [sys.executable, "-c", prog, "extract", str(JIANGHAN), "--out", str(out)], capture_output=True, text=True
        )
        assert r.returncode == 1
        assert "Traceback" not in r.stderr, r.stderr
        last = r.stderr.strip().splitlines()[-1]
        assert last.startswith(f"extract: cannot write {out}: {what}. {advice}"), last
        assert set(pd.read_parquet(out / "reports.parquet").report_id) == {HONGSHAN.stem}  # intact


def test_page_killed_while_written_keeps_the_old_page(tmp_path):
    from helpers.data.storage import clean_page_leftovers, write_text_atomic

    page = tmp_path / "index.html"
    write_text_atomic(page, "<p>old</p>")
    code = f"from helpers.data.storage import write_text_atomic; write_text_atomic({str(page)!r}, '<p>new</p>' * 1000)"
    r = subprocess.run([sys.executable, "-c", code], env={**os.environ, "JUESUAN_FAULT": "page=kill"})
    assert r.returncode == -signal.SIGKILL
    assert page.read_text() == "<p>old</p>"
    assert list(tmp_path.glob(".index.html.*.tmp"))  # the half page is a hidden temp file, never the page
    clean_page_leftovers(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


# --- one run at a time ------------------------------------------------------------------------------


def test_second_run_is_refused_while_one_holds_the_lock_and_a_killed_holder_leaves_no_lock(tmp_path):
    from helpers.run import runner

    out = tmp_path / "processed"
    code = (
        f"import time; from helpers.data.lock import folder_lock\n"
        f"with folder_lock(__import__('pathlib').Path({str(out)!r}), 'main job'):\n"
        f"    print('held', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = _cli("extract", HONGSHAN, "--out", out)
        assert r.returncode == 2
        assert "in use by another run" in r.stderr and f"pid {holder.pid}" in r.stderr
        raw = tmp_path / "raw"
        raw.mkdir()
        assert (
            runner.main_job(raw_dir=raw, processed_dir=out, reports_dir=tmp_path / "r", build_dir=tmp_path / "b")
            == runner.EXIT_BUSY
        )
        assert not (out / "reports.parquet").exists()
        holder.kill()
        holder.wait()
        r = _cli("extract", HONGSHAN, "--out", out)  # the dead holder's lock file is not a lock
        assert r.returncode == 0, r.stderr
    finally:
        if holder.poll() is None:
            holder.kill()


def _hold_lock(out: Path) -> subprocess.Popen:
    code = (
        f"import time; from helpers.data.lock import folder_lock\n"
        f"with folder_lock(__import__('pathlib').Path({str(out)!r}), 'main job'):\n"
        f"    print('held', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_the_lock_never_follows_a_planted_link_nor_writes_another_file(tmp_path):
    out = tmp_path / "out"
    assert _cli("extract", JIANGHAN, "--out", out).returncode == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file\n")
    (out / ".lock").unlink(missing_ok=True)
    (out / ".lock").symlink_to(victim)  # where the lock used to be: the run must not write through it
    r = _cli("extract", HONGSHAN, "--out", out)
    assert r.returncode == 0, r.stderr
    assert victim.read_text() == "the user's own file\n"
    from helpers.data.lock import lock_path

    lock = lock_path(out)
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)  # planted where the lock is now: refused, never followed
    r = _cli("extract", HONGSHAN, "--out", out)
    assert r.returncode == 2
    assert f"{lock} is a symbolic link (to {victim}); a lock file is never followed" in r.stderr
    lock.unlink()
    os.link(victim, lock)  # a hard link to the user's file: refused too
    r = _cli("extract", HONGSHAN, "--out", out)
    assert r.returncode == 2 and "is a hard link" in r.stderr
    assert victim.read_text() == "the user's own file\n"


def test_deleting_the_folder_during_a_run_does_not_let_a_second_run_in(tmp_path):
    out = tmp_path / "processed"
    holder = _hold_lock(out)
    try:
        shutil.rmtree(out)  # a careless `rm -rf data/processed` while a run holds it
        r = _cli("extract", HONGSHAN, "--out", out)
        assert r.returncode == 2, r.stderr
        assert "in use by another run" in r.stderr and f"pid {holder.pid}" in r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_killed_notebook_worker_fails_only_its_page(tmp_path, monkeypatch):
    from helpers.run import runner

    from .test_notebooks import _job, _nb

    kernel = runner.ensure_kernel()
    nbs = [_nb(tmp_path, f"{n}.ipynb", ['print("ran")'], 'report_id = "x"') for n in ("one", "victim")]
    monkeypatch.setenv("JUESUAN_FAULT", "notebook@victim=kill")
    results = {r.job.name: r for r in runner.run_notebooks([_job(tmp_path, nb, {}, kernel) for nb in nbs], jobs=2)}
    assert results["one"].ok
    assert not results["victim"].ok and "killed by SIGKILL" in results["victim"].error
    page = Path(results["victim"].job.html).read_text(encoding="utf-8")
    assert "本笔记本运行失败" in page and "killed by SIGKILL" in page


# --- long and odd file names ------------------------------------------------------------------------


def test_a_report_with_a_long_file_name_gets_its_page_and_the_index_links_only_pages_that_exist(tmp_path):
    import re

    from helpers.data.extract import report_id_for
    from helpers.publish.index_page import write_index
    from helpers.run import runner
    from helpers.run.pipeline import extract_and_write

    from .test_notebooks import _nb

    raw = tmp_path / "raw"
    raw.mkdir()
    long = raw / (("洪山区人民政府办公室决算" * 8)[:82] + ".txt")  # 82 characters × 3 bytes + 4 = 250 bytes
    assert len(long.name.encode()) == 250
    long.write_bytes(HONGSHAN.read_bytes())
    processed = tmp_path / "processed"
    extraction = extract_and_write([long], processed)
    assert extraction["read"] == 1
    rid = report_id_for(long)
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _nb(nbdir, "report.ipynb", ['print("ran", report_id)'], 'report_id = "x"\nprocessed_dir = ""\nlang = "zh"')
    jobs = runner.plan(
        [rid],
        notebooks_dir=nbdir,
        build_dir=tmp_path / "build",
        reports_dir=tmp_path / "reports",
        processed=processed,
        kernel=runner.ensure_kernel(),
        timeout=60,
    )
    report_job = next(j for j in jobs if j.kind == "report")
    results = runner.run_notebooks([report_job], jobs=1)
    assert results[0].ok, results[0].error
    assert Path(report_job.html).is_file() and Path(report_job.output).is_file()
    # a study whose notebook never ran (no page): listed, not linked
    study = next(j for j in jobs if j.kind == "study")
    missing = runner.Result(job=study, ok=False, error="never ran")
    index = write_index([*results, missing], tmp_path / "reports", processed, extraction)
    links = re.findall(r'href="([^"#:]+)"', index.read_text(encoding="utf-8"))
    assert links and all((index.parent / href_unquote(h)).is_file() for h in links), links
    assert any(h.endswith(".html") and "reports/" in h for h in links)  # the report's page is linked


def href_unquote(h: str) -> str:
    from urllib.parse import unquote

    return unquote(h)


def test_page_names_of_very_long_report_ids_fit_a_folder_entry():
    from helpers.run.runner import page_stem

    rid = "部门决算" * 21 + "x"  # 253 bytes: with .ipynb more than the 255 a folder entry holds
    stem = page_stem(rid)
    assert len(f"{stem}.ipynb".encode()) <= 255 and stem.startswith("部门决算部门决算")
    assert page_stem(rid + "y") != stem and page_stem("short") == "short"


# --- a notebook kernel that dies --------------------------------------------------------------------


def test_a_kernel_killed_before_its_next_notebook_is_noticed_at_once_and_replaced(tmp_path, monkeypatch):
    """The warm kernel is killed between the check that it lives and the notebook's start (as `kill
    -9` of an idle kernel can land): the notebook gets a fresh kernel within seconds, not after
    a 60 s wait that ends in `Empty`."""
    from helpers.run import notebook_exec, runner

    from .test_notebooks import _job, _nb

    kernel = runner.ensure_kernel()
    nb = _nb(tmp_path, "after_kill.ipynb", ['print("ran")'], 'report_id = "x"')
    orig = notebook_exec._warm_kernel
    killed: list[int] = []

    def kill_once(name, cwd):
        warm = orig(name, cwd)
        if not killed:
            killed.append(warm.km.provisioner.pid)
            os.kill(killed[0], signal.SIGKILL)
        return warm

    monkeypatch.setattr(notebook_exec, "_warm_kernel", kill_once)
    t0 = time.monotonic()
    (res,) = runner.run_notebooks([_job(tmp_path, nb, {}, kernel)], jobs=1)
    assert killed and time.monotonic() - t0 < 55  # the old wait alone was 60 s
    assert res.ok, res.error
    assert any("kernel died" in w for w in res.warnings), res.warnings
    assert Path(res.job.html).is_file()


# --- bounded work per file --------------------------------------------------------------------------


def _bomb_pdf(path: Path, inflated_mb: int) -> None:
    """A one-page PDF whose content stream, `(A) Tj` shown again and again, is Flate-compressed
    from `inflated_mb` MB to under 1 MB."""
    import zlib

    c = zlib.compressobj(9)
    chunk = b"BT /F1 1 Tf " + b"(A) Tj " * 149_796 + b"ET\n"  # ~1 MB of text operators
    body = b"".join(c.compress(chunk) for _ in range(inflated_mb)) + c.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    write_pdf(path, objs, header=b"%PDF-1.4\n")


def test_a_pdf_decompression_bomb_fails_fast_and_the_batch_goes_on(tmp_path):
    bomb = tmp_path / "bomb.pdf"
    _bomb_pdf(bomb, 280)  # just past the default limit (settings.pdf_inflated_max_mb, 256 MB)
    assert bomb.stat().st_size < 1_100_000
    t0 = time.monotonic()
    datasets, _ = extract_many([bomb, HONGSHAN])
    assert time.monotonic() - t0 < 30
    reps = datasets["reports"].set_index("report_id")
    assert "exceeds the memory limit for one file" in reps.loc["bomb", "error"]
    assert reps.loc["bomb", "error_code"] == "too_large"  # refused by its size, before any worker grew
    assert reps.loc[HONGSHAN.stem, "status"] == "partial"  # as always: 表1 lost in that conversion


def _hog(mb: int) -> int:
    """A task whose memory grows by 50 MB steps to `mb` MB (as a runaway parse does)."""
    held = []
    for _ in range(mb // 50):
        held.append(b"x" * (50 << 20))
        time.sleep(0.02)
    return len(held)


def test_a_worker_past_its_memory_limit_is_stopped_and_only_its_file_fails():
    from helpers.run.workers import run_isolated

    done: dict[int, tuple] = {}
    t0 = time.monotonic()
    run_isolated(_hog, [1500, 50], 2, on_done=lambda i, r, why: done.update({i: (r, why)}), memory_mb=400)
    assert time.monotonic() - t0 < 60
    assert done[0][0] is None and done[0][1].code == "memory_limit"
    assert "exceeds the memory limit for one file (400 MB" in done[0][1].message
    assert done[1] == (1, None)


def test_the_projects_own_data_processed_is_claimed_with_only_its_shipped_files(tmp_path, monkeypatch):
    """data/processed as cloned holds the repository's README.md and .gitkeep and no marker: it is the
    project's folder all the same; one more file of someone else's there is refused."""
    from helpers.data import storage

    processed = tmp_path / "processed"
    processed.mkdir()
    for name in storage.SHIPPED_IN_PROCESSED:
        (processed / name).write_text("kept by the repository\n", encoding="utf-8")
    monkeypatch.setattr(storage, "DATA_PROCESSED", processed)
    storage.claim_folder(processed)
    assert (processed / storage.MARKER).is_file()
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "README.md").write_text("someone's notes\n", encoding="utf-8")
    with pytest.raises(storage.NotOurFolder):
        storage.claim_folder(other)  # the exception is for data/processed only
