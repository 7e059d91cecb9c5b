"""What the notebooks show, computed from `data/processed/` only (never from the raw files).

- load.py         the datasets plus a readable label per report (`load()` → `Corpus`)
- narrate.py      sentences built from computed values
- report_view.py  one report: metadata, coverage, tables in their printed shape, checks
- composition.py  spending composition across reports
- poverty.py      the 21305 series and paired-assistance money
- execution.py    budget execution rates, 三公, printed vs recomputed rates
"""
