"""Reading stage: a file of any container becomes a `Document` (lines with their sources, document.py)
and, for tables, one `Layout` (model.py). The containers are registered by name in `containers.py`;
each adapter is one module here; the PDF engines are named in `engines.py`.
"""
