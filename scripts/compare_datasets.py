"""Compare two extraction outputs dataset by dataset, frame by frame (a refactor must leave them equal).

    python scripts/compare_datasets.py BEFORE_DIR AFTER_DIR

Each folder holds <dataset>.parquet (the `--out` of `python -m helpers extract`). `extracted_at` is a
timestamp and is left out. Prints one line per dataset; exits 1 when any differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def main(before: Path, after: Path) -> int:
    names = sorted(p.name for p in before.glob("*.parquet"))
    other = sorted(p.name for p in after.glob("*.parquet"))
    if not names or names != other:
        print(f"dataset files differ: {names} against {other}")
        return 1
    bad = 0
    for n in names:
        a, b = pd.read_parquet(before / n), pd.read_parquet(after / n)
        drop = [c for c in ("extracted_at",) if c in a.columns]
        try:
            pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop))
            print(f"{n}: identical ({len(a)} rows × {a.shape[1]} columns)")
        except AssertionError as exc:
            bad += 1
            print(f"{n}: DIFFERENT — {str(exc).strip()[:2000]}")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
