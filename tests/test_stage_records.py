"""The typed records one stage hands the next (tables → data, narrative → data), on a few inline values:
the data stage decides on their fields, never on the words of a note or a layout's display name."""

from __future__ import annotations

import pandas as pd

from helpers.core.vocabulary import Table
from helpers.data.extract import _table_columns
from helpers.narrative.poverty import link_transfers
from helpers.narrative.records import ExecutionRow, Level, PovertyKind, PovertyRow, Source, Subject
from helpers.tables.found import FoundTable, TableStatus
from helpers.tables.reading import Positions, Reading

NO_ITEMS = pd.DataFrame({"unit_printed": pd.Series([], dtype=object)})


def _found(**unread: bool) -> dict[str, FoundTable]:
    """T1..T9 read with figures, except the codes given: missing, printed but unread when True."""
    found = {
        code: FoundTable(code, TableStatus.DATA) for code in ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9")
    }
    for code, flag in unread.items():
        found[code] = FoundTable(code, TableStatus.MISSING, notes=["whatever the reader said"], unread=flag)
    return found


def test_a_table_printed_but_unread_is_named_so_by_its_flag_not_its_note():
    cols = _table_columns(_found(T5=True, T8=False), NO_ITEMS)
    assert cols["tables_missing"] == ["T5", "T8"] and cols["status"] == "partial"
    assert cols["error"].startswith("tables not read: T5, T8 (T5 present but not read, see notes)")
    # a title with nothing under it (lost in conversion) is missing, not "present but not read"
    assert "present but not read" not in _table_columns(_found(T8=False), NO_ITEMS)["error"]


def test_an_empty_table_is_read_and_listed_empty():
    found = _found()
    found["T9"] = FoundTable("T9", TableStatus.EMPTY)
    cols = _table_columns(found, NO_ITEMS)
    assert cols["tables_empty"] == ["T9"] and "T9" in cols["tables_found"] and cols["status"] == "ok"
    assert TableStatus.EMPTY.read and not TableStatus.MISSING.read


def test_whether_columns_were_kept_is_a_field_not_the_layout_name():
    # two failing sums: doubtful where the columns were placed by arithmetic, the report's own where they were printed
    lost = Reading(Table.T5, "tab grid", Positions.LOST, failing_sums=["201", "205"])
    kept = Reading(Table.T5, "spaced text", Positions.KEPT, failing_sums=["201", "205"])
    assert lost.doubtful and not lost.positional
    assert kept.positional and not kept.doubtful
    # read by OCR: a failing sum may be a misread digit, whatever the layout
    assert Reading(Table.T5, "spreadsheet cells", Positions.KEPT, ocr=True, failing_sums=["201"]).doubtful


def test_a_record_becomes_a_row_of_plain_words():
    r = ExecutionRow(
        report_id="m",
        level=Level.PROJECT,
        name="社区服务项目",
        budget_basis="全年预算",
        budget_wan=85.26,
        final_wan=80.0,
        rate_printed_pct=93.83,
        rate_computed_pct=93.83,
        source_kind=Source.TABLE,
        source_ref="line 4",
        source_text="年度财政资金总额 85.26 万 80.00 万 93.83%",
    )
    row = r.row()
    assert (row["level"], row["subject"], row["source_kind"]) == ("project", "spending", "table")
    assert {type(row[k]) for k in ("level", "subject", "source_kind")} == {str}
    assert Table.T7 == "T7" and f"{Table.T7} 合计" == "T7 合计" and Subject.THREE_PUBLIC == "three_public"


def test_rows_stating_one_amount_are_one_transfer():
    rows = [
        PovertyRow("m", PovertyKind.NARRATIVE, "对口帮扶资金", 200.0, "line 40", "拨付对口帮扶资金 200 万元"),
        PovertyRow(
            "m",
            PovertyKind.FUNCTION_LINE,
            "巩固脱贫攻坚成果衔接乡村振兴",
            200.0,
            "T3 line 12",
            "T3 21305",
            code="21305",
        ),
    ]
    link_transfers(rows, "m")
    # the function line is the counted row (listed second, ranked first); the sentence restates it
    assert [(r.transfer_id, r.restates, r.link) for r in rows] == [("m:1", True, "same"), ("m:1", False, None)]
    assert rows[0].row()["kind"] == "narrative" and type(rows[0].row()["scope"]) is str
