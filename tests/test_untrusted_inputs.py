"""Inputs that cannot be trusted: each is named with what is wrong, never read into wrong numbers,
never hangs the batch and never drops a report without a word."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from helpers.core.paths import raw_listing
from helpers.data.extract import extract_report, report_id_for
from helpers.run.pipeline import extract_many

from .conftest import HONGSHAN, JIANGHAN


def _encrypted_pdf() -> bytes:
    """A one-page PDF under the standard security handler whose user password is not empty."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"41" * 32 + b"> /U <" + b"42" * 32 + b"> /P -4 >>",
    ]
    out, offs = bytearray(b"%PDF-1.4\n"), []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1,
        b"00" * 16,
        b"00" * 16,
        xref,
    )
    return bytes(out)


def _error(path, code: str) -> str:
    """The failed row's message for `path`, whose error code must be `code`."""
    r = extract_report(path)["reports"].iloc[0]
    assert r["status"] == "failed", r["status"]
    assert r["error_code"] == code, r["error"]
    return r["error"]


def test_encrypted_pdf_is_named(tmp_path):
    f = tmp_path / "locked.pdf"
    f.write_bytes(_encrypted_pdf())
    assert "encrypted (password-protected)" in _error(f, "encrypted")


def test_utf16_text_is_read(tmp_path):
    f = tmp_path / "jianghan_utf16.txt"
    f.write_bytes(JIANGHAN.read_text(encoding="utf-8").encode("utf-16"))
    r = extract_report(f)["reports"].iloc[0]
    assert r["status"] == "ok" and r["encoding"] == "utf-16" and r["department"] == "武汉市江汉区人民政府办公室"


def test_big5_text_is_named(tmp_path):
    f = tmp_path / "big5.txt"
    f.write_bytes("武漢市江漢區2022年度部門決算\n一、收入支出決算總體情況\n財政撥款收入 4,199.36 萬元\n".encode("big5"))
    assert "Big5" in _error(f, "bad_encoding")


def test_control_character_inside_a_number_is_named_not_read(tmp_path):
    f = tmp_path / "nul.txt"
    text = JIANGHAN.read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "4,199.36" in t)
    f.write_bytes(text.replace("4,199.36", "4,1\x0099.36", 1).encode("utf-8"))
    err = _error(f, "corrupt")
    assert f"line {line}," in err and "U+0000" in err


def test_single_huge_line_is_refused_quickly(tmp_path):
    f = tmp_path / "oneline.txt"
    f.write_text("决算 1,234.56 " * 800_000, encoding="utf-8")  # ~10 MB, no line break
    assert "characters long" in _error(f, "line_too_long")


def test_impossible_amount_is_left_blank_and_named(tmp_path):
    f = tmp_path / "huge_cell.txt"
    text = HONGSHAN.read_text(encoding="utf-8")
    f.write_text(text.replace("\t1,400.04\t", "\t" + "9" * 401 + "\t", 1), encoding="utf-8")
    d = extract_report(f)
    li = d["line_items"]
    assert np.isfinite(li.amount_wan.dropna()).all() and li.amount_wan.max() < 1e6
    notes = [n for n in d["reports"].iloc[0]["notes"] if "not a possible amount" in n]
    assert notes and "line 124" in notes[0] and "行政运行" in notes[0]
    assert li[(li.source_ref == "line 124") & (li.table == "T2") & (li.measure == "total")].doubtful.all()


def test_raw_folder_rules_and_special_files_named(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a_report.txt").write_bytes(HONGSHAN.read_bytes())
    (raw / "NOTES.md").write_text("# notes\n", encoding="utf-8")
    (raw / "MANIFEST.md").write_text("# manifest\n", encoding="utf-8")
    (raw / ".hidden.txt").write_text("x", encoding="utf-8")
    (raw / "gone.txt").symlink_to(raw / "nowhere.txt")
    os.mkfifo(raw / "pipe.txt")
    files, ignored = raw_listing(raw)
    assert [p.name for p in files] == ["a_report.txt", "gone.txt", "pipe.txt"]
    assert {n for n, _ in ignored} == {"NOTES.md", "MANIFEST.md", ".hidden.txt"}
    (tmp_path / "loop1.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop1.txt")
    datasets, messages = extract_many([*files, tmp_path / "loop1.txt"], jobs=1)  # must not hang or raise
    err = datasets["reports"].set_index("report_id").error
    code = datasets["reports"].set_index("report_id").error_code
    assert (code["gone"], code["pipe"], code["loop1"]) == ("no_such_file", "not_regular_file", "cannot_open")
    assert "dangling symbolic link" in err["gone"]
    assert "named pipe" in err["pipe"]
    assert "symbolic link loop" in err["loop1"]
    assert datasets["reports"].set_index("report_id").status["a_report"] == "partial"


def test_newline_in_a_file_name_gives_a_plain_id():
    assert report_id_for("a\nb c.txt") == "a_b_c"
    assert report_id_for(HONGSHAN) == HONGSHAN.stem


def test_two_reports_with_one_label_get_distinct_labels(tmp_path):
    """Same district, department and year twice (a copy under another name): the studies key
    their tables on the label, so labels stay unique."""
    from helpers.data.datasets import write_datasets
    from helpers.data.load import load
    from helpers.studies import composition

    copy = tmp_path / "hongshan_copy.txt"
    copy.write_bytes(HONGSHAN.read_bytes())
    datasets, _ = extract_many([HONGSHAN, copy])
    write_datasets(datasets, tmp_path / "p")
    corpus = load(tmp_path / "p")
    labels = corpus.labels()
    assert labels.is_unique and labels["hongshan_copy"].endswith("[hongshan_copy]")
    m = composition.share_matrix(composition.function_classes(corpus), labels)
    assert len(m) == 2


def test_impossible_amounts_in_the_narrative_are_left_blank_with_a_note_and_no_check_crashes(tmp_path):
    """400- and 5,000-digit amounts in two narrative sentences (lines 416 and 434 of the Hongshan
    text, printed there as 3061.55 万元) parse as inf: left blank, noted on the row and the report."""
    f = tmp_path / "huge_narrative.txt"
    text = HONGSHAN.read_text(encoding="utf-8")
    for printed, digits in (("2021 年度收、支总计 3061.55 万元。", 400), ("2021 年度支出合计 3061.55 万元。", 5000)):
        assert printed in text
        text = text.replace(printed, printed.replace("3061.55", "9" * digits), 1)
    f.write_text(text, encoding="utf-8")
    d = extract_report(f)
    nf = d["narrative_facts"]
    assert np.isfinite(nf.value.dropna()).all() and nf.value.max() < 1e6
    for ref, subject in (("line 416", "收、支总计"), ("line 434", "支出合计")):
        row = nf[(nf.source_ref == ref) & (nf.subject == subject)].iloc[0]
        assert pd.isna(row.value) and "not a possible amount" in row.note
        assert any(ref in n and subject in n and "left blank" in n for n in d["reports"].iloc[0]["notes"])
    crashed = d["checks"][d["checks"].message.str.contains("could not run", na=False)]
    assert crashed.empty, crashed.message.tolist()
