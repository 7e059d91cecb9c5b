"""Reading stage: every container a report is published in becomes one `Layout` (model.py).

The containers are registered by name in `containers.py`; each adapter is one module here.
"""
