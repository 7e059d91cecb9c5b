#!/usr/bin/env bash
# The test suite on a new machine: set up, then run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# -n auto: one pytest worker per core (pytest-xdist); --dist loadfile keeps a module's tests, and so its
# module fixtures (a corpus extracted once, a kernel started once), on one worker. `-n 0` runs in one process.
exec .venv/bin/python -m pytest -q -n auto --dist loadfile "$@"
