"""helpers: Chinese government final accounts (部门决算) as tidy, traceable data.

Reading reports (text and PDF), finding the nine standard tables, parsing the narrative, consistency
checks, plots and the runners. The public interface is the datasets described in
``docs/DATA_DICTIONARY.md``; see the README for the commands.

For a researcher::

    from helpers import load
    data = load()              # data/processed (or load("some/folder"))
    data.describe()            # datasets, rows, columns, units
    data.line_items            # a pandas DataFrame; data.<Tab> lists the datasets
    load(years=[2023], tables=["T5"], columns=["code", "amount_wan"])  # read only that

    from helpers import db
    db().sql("SELECT fiscal_year, count(*) FROM reports GROUP BY 1").df()  # SQL, nothing loaded
"""

__version__ = "0.1.0"

__all__ = ["db", "load"]


def __getattr__(name: str):
    # Lazy, so `import helpers` (the CLI, worker processes) does not import pandas.
    if name == "load":
        from .data.load import load

        return load
    if name == "db":
        from .data.database import db

        return db
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"db", "load"})
