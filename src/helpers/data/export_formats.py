"""The export formats, named once and importable without pandas (the command line lists them in its
help; `export.py` writes them)."""

FORMATS = ("csv", "xlsx", "dta", "parquet")
