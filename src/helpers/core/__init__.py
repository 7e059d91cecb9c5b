"""What every stage shares: the domain's words (vocabulary), the nine tables' catalogue and identities,
the data contract (schema), the settings, error codes, number normalisation, paths, progress, faults.

Nothing here imports another stage (tests/test_architecture.py)."""
