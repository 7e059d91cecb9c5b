#!/usr/bin/env bash
# The main job on a new machine: set up, then extract data/raw -> data/processed, run the checks,
# execute the notebooks and render reports/ (open reports/index.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m helpers run "$@"
