"""The main job: batch extraction (pipeline.py) in isolated workers or on Dask (workers.py), the
notebooks executed in warm kernels (notebook_exec.py, kernels.py), what must run again
(incremental.py), and the whole job with its index (runner.py)."""
