"""A benchmark's figures as a Markdown file the README includes (`--record`): the run (date, load
average at start and end, machine: cores and CPU model, command) and its table, every figure with
the reference measured in the same run and the ratio to it. `scripts/update_readme_benchmarks.py`
pastes `benchmarks/results/<name>.md` into the README between `<!-- bench:<name> -->` and
`<!-- /bench -->`; tests/test_bench_readme.py fails when the two differ. Never type these numbers."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class Run:
    """Started when the benchmark starts: keeps the date and the load average at that moment."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = datetime.now(UTC)
        self.load_start = os.getloadavg()

    def header(self, note: str = "") -> str:
        end = os.getloadavg()
        busy = max(self.load_start[0], end[0]) >= 1
        load = " / ".join(f"{x:.1f}" for x in self.load_start) + " → " + " / ".join(f"{x:.1f}" for x in end)
        if busy:  # other jobs shared the cores: absolute times are inflated, ratios of one run less so
            load += " (loaded: other jobs shared the cores; compare the ratios, not the absolute times)"
        cmd = " ".join(["benchmarks/" + Path(sys.argv[0]).name, *sys.argv[1:]])
        rows = [
            ("date", self.started.strftime("%Y-%m-%d %H:%M UTC")),
            ("load average (1 / 5 / 15 min), start → end", load),
            ("machine", f"{os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.machine()}"),
            ("Python", platform.python_version()),
            ("command", f"`{cmd}`"),
        ]
        if note:
            rows.append(("note", note))
        return "| run | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n"

    def write(self, tables: str, note: str = "") -> Path:
        """Write benchmarks/results/<name>.md: the run's header, then `tables` (Markdown)."""
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"{self.name}.md"
        out.write_text(self.header(note) + "\n" + tables.strip() + "\n", encoding="utf-8")
        return out
