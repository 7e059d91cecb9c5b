"""Paste the recorded benchmark tables into the README, so its figures are a benchmark's output.

    python scripts/update_readme_benchmarks.py          # every <!-- bench:NAME --> block ← results/NAME.md
    python scripts/update_readme_benchmarks.py --check  # exit 1, saying what differs, if not up to date

A benchmark run with `--record` (e.g. `benchmarks/bench_extract.py --quick --record`) writes
benchmarks/results/NAME.md; the README holds it between `<!-- bench:NAME -->` and `<!-- /bench -->`.
tests/test_bench_readme.py runs the check: a README table whose columns or rows differ from the
recorded file's, or whose figures differ from them, fails it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results"
BLOCK = re.compile(r"<!-- bench:(?P<name>[\w.-]+) -->\n(?P<body>.*?)<!-- /bench -->", re.S)


def blocks(readme: str) -> dict[str, str]:
    """name → the text between the block's markers."""
    return {m["name"]: m["body"] for m in BLOCK.finditer(readme)}


def recorded(results: Path = RESULTS) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(results.glob("*.md"))}


def body_of(text: str) -> str:
    # a blank line on each side: the table is its own Markdown block after the HTML comment
    return "\n" + text.strip("\n") + "\n\n"


def render(readme: str, results: Path = RESULTS) -> str:
    """The README with every block's body replaced by its recorded file (a block without one is left)."""
    have = recorded(results)

    def fill(m: re.Match) -> str:
        name = m["name"]
        if name not in have:
            return m.group(0)
        return f"<!-- bench:{name} -->\n{body_of(have[name])}<!-- /bench -->"

    return BLOCK.sub(fill, readme)


def form(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each Markdown table as (its header cells, its rows' first cells): the table's form, numbers aside."""
    tables, rows = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            body = [r for r in rows[1:] if not all(re.fullmatch(r":?-+:?", c) for c in r)]
            tables.append((tuple(rows[0]), tuple(r[0] for r in body)))
            rows = []
    return tables


def problems(readme: str, results: Path = RESULTS) -> list[str]:
    """What differs between the README's blocks and the recorded files (empty: up to date)."""
    have, shown = recorded(results), blocks(readme)
    out = []
    for name in sorted(set(have) - set(shown)):
        out.append(f"benchmarks/results/{name}.md has no <!-- bench:{name} --> block in the README")
    for name in sorted(set(shown) - set(have)):
        out.append(f"README block bench:{name} has no recorded file benchmarks/results/{name}.md")
    for name in sorted(set(have) & set(shown)):
        before = len(out)
        want, got = form(have[name]), form(shown[name])
        if len(want) != len(got):
            out.append(f"bench:{name}: the README shows {len(got)} table(s), the recorded run {len(want)}")
            continue
        for i, ((wh, wr), (gh, gr)) in enumerate(zip(want, got), 1):
            if wh != gh:
                out.append(f"bench:{name}, table {i}: columns {list(gh)} in the README, {list(wh)} recorded")
            if wr != gr:
                missing = [r for r in wr if r not in gr]
                extra = [r for r in gr if r not in wr]
                out.append(
                    f"bench:{name}, table {i}: rows differ (missing {missing}, not recorded {extra}"
                    + (", or reordered)" if not missing and not extra else ")")
                )
        if len(out) == before and body_of(have[name]) != shown[name]:
            out.append(f"bench:{name}: the figures differ from benchmarks/results/{name}.md")
    if out:
        out.append("run `python scripts/update_readme_benchmarks.py` to paste the recorded tables in")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether the README is up to date (exit 1 if not)")
    ap.add_argument("--readme", type=Path, default=README)
    args = ap.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    if args.check:
        found = problems(text)
        print("\n".join(found) or "the README's benchmark tables are the recorded ones")
        return 1 if found else 0
    new = render(text)
    if new != text:
        args.readme.write_text(new, encoding="utf-8")
    left = problems(new)
    print("\n".join(left) or f"{args.readme}: benchmark tables up to date")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
