"""Data stage: one report → its rows of every dataset (extract.py), the processed folder (partitioned,
storage, lock, datasets), reading it back (load, selection, database), exports and the data package."""
