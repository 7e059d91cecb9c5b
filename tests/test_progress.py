"""Progress of long phases: a bar redrawn in place on a terminal, plain lines elsewhere (CI, logs)."""

from __future__ import annotations

import io

from helpers.core.progress import Progress, clear_line, interactive


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal():
    lines: list[str] = []
    bar = Progress(3, "extracting", lines.append, stream=io.StringIO())
    for k in (1, 2, 3):
        bar.step(k, f"[{k}/3] report {k}: ok")
    assert lines == ["[1/3] report 1: ok", "[2/3] report 2: ok", "[3/3] report 3: ok"]


def test_a_bar_redrawn_in_place_on_a_terminal_and_ended_with_the_last_step(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    term, lines = _Terminal(), []
    bar = Progress(4, "notebooks", lines.append, stream=term)
    bar.step(1, "report a: ok")
    bar.step(2, "report b: ok")
    clear_line()  # a message printed between two steps starts on a clean line
    bar.step(4, "study c: ok")
    out = term.getvalue()
    assert lines == []  # nothing printed as plain lines
    assert "notebooks [######..................] 1/4  report a: ok" in out
    assert "notebooks [########################] 4/4  study c: ok\n" in out
    assert out.count("\n") == 1 and out.count("\r\x1b[K") == 2  # one line, redrawn, ended once


def test_ci_and_dumb_terminals_get_plain_lines(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert not interactive(_Terminal())
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TERM", "dumb")
    assert not interactive(_Terminal())
    monkeypatch.setenv("TERM", "xterm")
    assert interactive(_Terminal())
