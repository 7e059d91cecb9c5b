"""Progress of a long phase for the person running a command: on a terminal, one line redrawn in
place with a bar; anywhere else (CI, a log file, a pipe, `CI` set, `TERM=dumb`) a plain line per
step, so logs stay readable and greppable."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from typing import TextIO

_drawn: list[TextIO] = []  # the stream holding a bar line not yet ended, if any


def interactive(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


def clear_line() -> None:
    """End a bar line in progress so a message printed next starts on a line of its own."""
    while _drawn:
        stream = _drawn.pop()
        stream.write("\r\x1b[K")
        stream.flush()


class Progress:
    """`step(k, message)` after the k-th of `total` steps. `emit` receives the plain lines."""

    def __init__(self, total: int, what: str, emit: Callable[[str], None], *, stream: TextIO | None = None):
        self.total, self.what, self.emit = total, what, emit
        self.stream = stream or sys.stderr
        self.bar = interactive(self.stream) and total > 1

    def step(self, k: int, message: str) -> None:
        if not self.bar:
            self.emit(message)
            return
        width = 24
        filled = round(width * k / self.total)
        line = f"{self.what} [{'#' * filled}{'.' * (width - filled)}] {k}/{self.total}  {message}"
        columns = shutil.get_terminal_size((100, 20)).columns
        clear_line()
        self.stream.write(line[: max(20, columns - 1)])
        if k >= self.total:
            self.stream.write("\n")
        else:
            _drawn.append(self.stream)
        self.stream.flush()
