"""The code gates the README's test command enforces: ruff (lint and format) on the code, mypy on
the package. The same run by pre-commit (.pre-commit-config.yaml) on every commit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers.core import paths

GATES = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "scripts"],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "src", "tests", "benchmarks", "scripts"],
    "mypy": [sys.executable, "-m", "mypy"],  # files and options from pyproject.toml
}


@pytest.mark.parametrize("gate", list(GATES))
def test_gate_passes(gate):
    run = subprocess.run(GATES[gate], cwd=paths.REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{gate} failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
