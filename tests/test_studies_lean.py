"""The studies out of core (studies/lean.py): every table and sentence the study notebooks compute is
the same from the DuckDB corpus (the rows the studies read, queried from the Parquet files) as from
`load()` (the whole datasets in pandas), on the shipped corpus."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.load import load
from helpers.studies import lean, quality

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from scale_phases import study_tables  # noqa: E402 - the tables the scale benchmark times


@pytest.fixture(scope="module")
def both(processed_raw):
    return load(processed_raw), lean.open_corpus(processed_raw)


@pytest.fixture(scope="module")
def tables(both):
    whole, out_of_core = both
    return study_tables(whole), study_tables(out_of_core)


def test_every_study_table_is_the_same(tables):
    old, new = tables
    assert set(old) == set(new)
    for name in old:
        if isinstance(old[name], pd.DataFrame):
            pd.testing.assert_frame_equal(old[name], new[name], obj=name)
        else:
            assert old[name] == new[name], name
    # not vacuous: the shipped corpus gives rows to compare in every study
    for name in ("function_classes", "economic_classes", "rates", "three_public", "transfers_table", "deviations"):
        assert len(old[name]) > 0, name


def test_sentences_with_corpus_counts_are_the_same(both):
    from helpers.studies import execution as ex

    whole, out_of_core = both
    for f in (ex.overall_sentence, ex.three_public_sentence, ex.reasons_sentence, quality.left_out_sentence):
        assert f(quality.comparable(whole)) == f(quality.comparable(out_of_core)), f.__name__


def test_frames_hold_only_the_rows_studies_read(both):
    whole, out_of_core = both
    for ds in ("line_items", "checks", "function_rollup", "narrative_facts"):
        assert len(out_of_core[ds]) < len(whole[ds]) / 2, ds
    # every failing or uncertain check is there (quality.problems reads them all)
    assert len(quality.problems(out_of_core)) == len(quality.problems(whole)) > 0


def test_counts_of_whole_datasets_come_from_sql(both):
    whole, out_of_core = both
    for ds in ("line_items", "checks", "reports"):
        assert out_of_core.size(ds) == (len(whole[ds]), whole[ds].report_id.nunique())
    left = quality.comparable(out_of_core)
    kept = quality.comparable(whole)
    assert left.size("checks") == (len(kept.checks), kept.checks.report_id.nunique())


def test_row_order_is_loads(both):
    whole, out_of_core = both
    assert list(out_of_core.reports.report_id) == list(whole.reports.report_id)
    li = whole.line_items
    t6 = li[(li.table == "T6") & (li.code_domain == "economic") & (li.measure == "final")]
    mine = out_of_core.line_items
    mine = mine[(mine.table == "T6") & (mine.code_domain == "economic") & (mine.measure == "final")]
    # the rows kept (the classes' rows _rollup sums, their 类 rows) come in load()'s order
    key = ["report_id", "source_ref", "code"]
    kept = set(mine[key].itertuples(index=False, name=None))
    assert 0 < len(kept) < len(t6)
    assert [k for k in t6[key].itertuples(index=False, name=None) if k in kept] == list(
        mine[key].itertuples(index=False, name=None)
    )


def test_a_missing_folder_is_the_error_load_gives(tmp_path):
    from helpers.data.load import NoProcessedData

    with pytest.raises(NoProcessedData, match="does not exist"):
        lean.open_corpus(tmp_path / "nothing")


def test_findings_of_many_reports_name_the_first_few_and_count_the_rest(processed_raw, tmp_path):
    """A finding naming each of a province's reports is not a sentence (at 200 reports one ran to 17,000
    characters). With the shipped reports published 12 times under distinct ids, every list in the key
    findings names at most eight and says how many more; the tables beside them keep every report."""
    from scale_phases import replicate

    from helpers.publish.text import set_lang
    from helpers.studies import composition as comp
    from helpers.studies import execution as ex
    from helpers.studies import poverty as pov

    many = tmp_path / "processed"
    n = 12 * len(load(processed_raw).reports)
    replicate(processed_raw, n, many)
    set_lang("zh")
    corpus = quality.comparable(lean.open_corpus(many))
    findings = comp.key_findings(corpus) + ex.key_findings(corpus) + pov.key_findings(corpus)
    cut = [f for f in findings if "另有" in f]
    assert len(cut) >= 4  # the lists that grow with the reports: left-out reports, per-staff figures, reasons, 21305
    assert quality.left_out_sentence(corpus).count("~") <= 8  # each copy's id ends in ~k: at most eight named
    assert "另有" in ex.overall_reasons_sentence(corpus)
    for f in findings:
        # a list is cut at eight reports; the longest finding on the shipped corpus is ~1,500 characters
        assert f.count("[") <= 3 * 8 + 2, f[:200]
    assert len(ex.rates(corpus).report_id.unique()) > 8  # the tables still hold every report


def test_sql_asks_the_same_of_a_corpus_in_memory_and_out_of_core(both, processed_raw):
    """start_here asks its questions with corpus.sql: the same answer whether the corpus was read out of
    core (processed datasets) or is held in memory (data/raw read directly on a fresh clone)."""
    from helpers.studies.source import processed_or_raw

    whole, out_of_core = both
    q = 'SELECT "table", count(*) AS n, count(DISTINCT report_id) AS reports FROM line_items GROUP BY ALL ORDER BY 1'
    pd.testing.assert_frame_equal(whole.sql(q), out_of_core.sql(q))
    assert int(whole.sql(q).n.sum()) == len(whole.line_items) > len(out_of_core.line_items)
    corpus, said = processed_or_raw(processed_raw)
    assert isinstance(corpus, lean.StudyCorpus) and said.startswith("Read 10 reports")


def test_doubtful_cells_asked_of_the_files(processed_raw):
    """The page on budgets needs the T7 cells read with doubt, not line_items: the out-of-core corpus asks
    the files for them, without reading its study rows of line_items, and gets load()'s rows (those of the
    reports the comparable corpus keeps)."""
    whole = quality.comparable(load(processed_raw))
    out_of_core = quality.comparable(lean.open_corpus(processed_raw))
    for table in ("T7", None):
        mine = out_of_core.doubtful_rows("line_items", table)
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True), whole.doubtful_rows("line_items", table).reset_index(drop=True)
        )
    assert len(out_of_core.doubtful_rows("line_items", "T7")) > 0  # the corpus's text copies print T7 without columns
    assert "line_items" not in out_of_core.frames._got


def test_studies_batch_by_batch_give_the_same_tables(processed_raw, tmp_path, monkeypatch):
    """Batches of three reports (batches.per_report; at scale 1,000) give every table and sentence load() gives,
    and the study rows of line_items come into pandas batch by batch, never whole. The shipped reports are published
    twice under distinct ids (`<id>~0`, `<id>~1`): the batches' order (the run's) is not the report ids'
    order, so a table sorted by report (economic_classes, personnel_public) must be sorted again whole."""
    from scale_phases import replicate

    from helpers.studies import batches, narrate

    twice = tmp_path / "processed"
    replicate(processed_raw, 2 * len(load(processed_raw).reports), twice)
    # a table cut to its first rows (the failing checks) is cut where load()'s whole table is, across batches
    monkeypatch.setattr(narrate, "MAX_TABLE_ROWS", 7)
    old = study_tables(load(twice))
    whole = len(quality.comparable(lean.open_corpus(twice)).line_items)  # every study row of the reports kept
    monkeypatch.setattr(batches, "BATCH_REPORTS", 3)
    seen: list[int] = []
    split = lean.StudyCorpus.batches

    def counted(self, size=None):
        parts = list(split(self, size))
        seen.append(len(parts))
        return iter(parts)

    monkeypatch.setattr(lean.StudyCorpus, "batches", counted)
    rows: list[int] = []  # the rows of line_items each query brought into pandas
    query = lean._StudyFrames.query

    def recorded(self, sql, name):
        got = query(self, sql, name)
        if name == "line_items":
            rows.append(len(got))
        return got

    monkeypatch.setattr(lean._StudyFrames, "query", recorded)
    new = study_tables(lean.open_corpus(twice))
    for name in old:
        if isinstance(old[name], pd.DataFrame):
            pd.testing.assert_frame_equal(old[name], new[name], obj=name)
        else:
            assert old[name] == new[name], name
    assert len(old["failing_checks"]) == 7 < sum(old["failing_check_counts"].values())  # the cut was made
    assert max(seen) >= 6  # the corpus was split
    assert len(rows) > 6 and max(rows) < whole / 2  # line_items came into pandas a batch at a time, never whole
    eco = old["economic_classes"].report_id
    assert list(eco) == sorted(eco) and eco.str.endswith("~1").any()  # what the check of the order rests on
    # the deviations were computed from the rates a few reports at a time (each report's rows together)
    assert len(batches.report_runs(new["rates"])) >= 6 and len(new["deviations"]) > 0


def test_report_runs_keep_each_report_whole(monkeypatch):
    """A frame is cut only between reports, and only when each report's rows are together; otherwise whole."""
    from helpers.studies import batches

    monkeypatch.setattr(batches, "BATCH_REPORTS", 2)
    together = pd.DataFrame({"report_id": list("aabccdde"), "v": range(8)})
    parts = batches.report_runs(together)
    assert [list(p.report_id) for p in parts] == [list("aab"), list("ccdd"), ["e"]]
    assert batches.in_report_runs(lambda d: d.assign(n=len(d)), together).n.tolist() == [3, 3, 3, 4, 4, 4, 4, 1]
    apart = pd.DataFrame({"report_id": list("aabbcca"), "v": range(7)})  # report a's rows in two places
    assert [len(p) for p in batches.report_runs(apart)] == [7]
    assert [len(p) for p in batches.report_runs(together.head(3))] == [3]  # two reports: one part


def test_a_study_page_gives_memory_back_after_each_cell(processed_raw, monkeypatch, ipython_shell):
    """A study kernel lets go of large frames cell after cell: open_study registers, once, a hook that returns
    the freed memory to the system after each cell (database.give_back)."""
    from helpers.data import database
    from helpers.studies import notebook

    calls: list[int] = []
    monkeypatch.setattr(database, "give_back", lambda: calls.append(1))
    for _ in range(2):
        notebook.open_study(str(processed_raw), "zh")
    assert ipython_shell.events.callbacks["post_run_cell"].count(notebook._after_cell) == 1
    ipython_shell.run_cell("x = 1")
    assert calls == [1]
