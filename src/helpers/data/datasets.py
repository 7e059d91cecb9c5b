"""The datasets of one extraction run: the extractor version that keys them, and writing and reading
a processed folder's datasets all at once (partitioned.py lays the files out; storage.py publishes them).

The batch run (run/pipeline.py) and a study reading raw files directly (studies/source.py) both write
through here, so both key and publish their rows the same way.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from ..core import schema
from . import partitioned
from .lock import folder_lock
from .storage import claim_folder

ALL_DATASETS = tuple(schema.DATASETS)


# Extraction is helpers.data.extract and every project module it imports (read from their import
# statements, functions' own imports included): changing any of them re-extracts the corpus, while
# studies, plots and the runner, which it does not import, are left out. The settings' values and
# the versions of the PDF libraries go into the hash too: they change what a PDF reads as.
EXTRACTION_ENTRY = "data/extract.py"
PDF_LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "tabula-py")
# The libraries the container adapters read with: their versions are part of the extractor version.
CONTAINER_LIBRARIES = ("python-calamine", "lxml", "rapidocr-onnxruntime", "onnxruntime", "opencv-python")


# An import statement begins a logical line: `from X import …` (its parentheses may span lines) or `import X`.
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+\.*[\w.]*[ \t]+import[ \t]*(?:\([^)]*\)|.*)|import[ \t]+.*)$", re.M)


def import_nodes(source: bytes, filename: str) -> list:
    """The module's import statements, functions' own included. Each is found by its line and parsed
    alone: parsing and walking every module's whole tree cost ~0.4 s CPU at the start of every run.
    A line that does not parse alone (prose in a docstring, a comment inside the parentheses) sends
    the file through the whole parse."""
    import ast

    nodes: list = []
    for m in _IMPORT_LINE.finditer(source.decode("utf-8")):
        try:
            nodes += ast.parse(m.group(0).strip()).body
        except SyntaxError:
            tree = ast.parse(source, filename=filename)
            return [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    return nodes


def _import_targets(node, pkg: list[str], package: str) -> list[list[str]]:
    """Module paths (within the package, as name parts) one import statement in package `pkg` names."""
    import ast

    if isinstance(node, ast.Import):
        return [a.name.split(".")[1:] for a in node.names if a.name.split(".")[0] == package]
    if node.level:
        base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else list(pkg)
    elif node.module and node.module.split(".")[0] == package:
        base = []
    else:
        return []
    mod = base + (node.module.split(".") if node.module else [])
    if not node.level:
        mod = mod[1:]  # drop the package name
    return [mod] + [mod + [a.name] for a in node.names]  # `from . import schema` names modules


def extraction_modules() -> list[Path]:
    """The files of helpers.data.extract's import closure within the package (with the __init__.py of
    every subpackage on the way, which Python runs on import), sorted."""
    root = Path(__file__).parents[1]  # the package
    # the package's modules by dotted name, listed once: a stat per imported name cost ~50 ms a run
    files = {}
    for f in root.rglob("*.py"):
        parts = f.relative_to(root).with_suffix("").parts
        files[parts[:-1] if parts[-1] == "__init__" else parts] = f

    def module_file(parts: list[str]) -> Path | None:
        return files.get(tuple(parts))

    seen: set[Path] = set()
    # The container adapters are imported by name when a file needs them (read/containers.py): they
    # are part of the closure all the same.
    from ..read.containers import CONTAINERS

    adapters = {root / "read" / f"{c.module}.py" for c in CONTAINERS.values()}
    todo = [root / EXTRACTION_ENTRY, *sorted(p for p in adapters if p.is_file())]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        pkg = list(f.relative_to(root).parent.parts)
        for d in range(len(pkg)):  # enclosing subpackages run their __init__ first
            init = root.joinpath(*pkg[: d + 1], "__init__.py")
            if init.is_file():
                todo.append(init)
        for node in import_nodes(f.read_bytes(), str(f)):
            for t in _import_targets(node, pkg, root.name):
                if t and (m := module_file(t)) is not None:
                    todo.append(m)
    return sorted(seen)


def _library_versions() -> list[str]:
    from importlib import metadata

    out = []
    for dist in PDF_LIBRARIES + CONTAINER_LIBRARIES:
        try:
            out.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} absent")
    return out


def extractor_version() -> str:
    """Hash of what decides the datasets: the extraction modules' code, the settings and the PDF
    libraries' versions. Changing a parser, a rule, the schema, a tolerance or pdfplumber re-extracts
    every report."""
    from ..core.settings import SETTINGS

    h = hashlib.sha256()
    root = Path(__file__).parents[1]  # the package
    for p in extraction_modules():
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    h.update(repr(sorted(SETTINGS.as_dict().items())).encode())
    h.update("\n".join(_library_versions()).encode())
    return h.hexdigest()[:16]


def keyed_version(version: str, pdf_engine: str | None) -> str:
    """The version a report's rows are keyed under: for a PDF, also the engine that read it, so a
    run with another `--engine` reads the PDF again instead of reusing the other engine's rows."""
    return f"{version}+{pdf_engine}" if pdf_engine else version


def key_of(version: str, reports_row) -> str:
    """The part key of a report's rows (`version`: keyed_version's, for extract_and_write's lookups)."""
    return partitioned.part_key(
        version,
        reports_row["report_id"],
        reports_row["source_file"],
        reports_row["source_sha256"] if not pd.isna(reports_row["source_sha256"]) else None,
    )


def write_datasets(datasets: dict[str, pd.DataFrame], out_dir: Path, version: str | None = None) -> list[Path]:
    """Write every dataset into out_dir, all-or-nothing: a folder of Parquet files per dataset
    (partitioned.py), published together by one switch (storage.publish_generation; a crash
    before it leaves the previous run published)."""
    version = version or extractor_version()
    reps = schema.conform(datasets.get("reports", schema.empty("reports")), "reports")
    by_ds = {ds: dict(tuple(df.groupby("report_id", sort=False))) if len(df) else {} for ds, df in datasets.items()}
    order = list(dict.fromkeys(reps.report_id))
    for df in datasets.values():  # rows of a report without a reports row are kept too
        if len(df):
            order += [r for r in dict.fromkeys(df.report_id) if r not in set(order)]
    rows = {r.report_id: r._asdict() for r in reps.itertuples(index=False)}
    entries = []
    with folder_lock(out_dir, "write"):
        claim_folder(out_dir)
        for rid in order:
            row = rows.get(rid)
            engine = row.get("pdf_engine") if row else None
            key = (
                key_of(keyed_version(version, engine if isinstance(engine, str) else None), row)
                if row
                else partitioned.part_key(version, rid, "", None)
            )
            frames = {ds: groups[rid] for ds, groups in by_ds.items() if rid in groups}
            partitioned.write_part(out_dir, key, frames)
            entries.append((rid, key))
        return partitioned.publish(Path(out_dir), entries, version)


def read_datasets(folder: Path) -> dict[str, pd.DataFrame]:
    """The datasets in a processed folder (missing ones as empty frames), all from one generation,
    rows in the order of the run that wrote them."""
    gen = partitioned.resolve(folder)
    out = {}
    for ds in ALL_DATASETS:
        df = partitioned.read_dataset(gen, ds)
        out[ds] = schema.empty(ds) if df is None else df
    return out


def previous_run(folder: Path, version: str) -> dict[str, pd.DataFrame] | None:
    """The last run's datasets if written by this extractor version, else None."""
    folder = partitioned.resolve(folder)
    vf = folder / "VERSION"
    if not vf.exists() or vf.read_text().strip() != version:
        return None
    return read_datasets(folder)
