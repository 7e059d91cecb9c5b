import os
import sys

# OpenBLAS starts a thread per core when numpy is imported, ~0.1 s of CPU for a one-file run; the command
# line works in processes (--jobs), and nothing it runs multiplies matrices. A value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .cli import main  # noqa: E402 - after the setting above, which numpy reads when it is first imported

sys.exit(main())
