"""Chosen failure points for the fault tests: `JUESUAN_FAULT="where[@subject]=action;…"`.

The code calls `point("where", subject)` at the moments a crash matters (a worker starting a file,
between writing the datasets and publishing them, while writing a page). With the variable unset
(always, outside the tests) a point does nothing. Actions: `kill` (SIGKILL to this process, as the
OOM killer or `kill -9` would), `raise` (OSError, as a full disk would), `sleep:N`.
"""

from __future__ import annotations

import os
import signal
import time

ENV = "JUESUAN_FAULT"


def point(where: str, subject: str = "") -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    for item in spec.split(";"):
        target, _, action = item.partition("=")
        name, _, needle = target.partition("@")
        if name.strip() != where or (needle and needle not in subject):
            continue
        action = action.strip()
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "raise":
            raise OSError(f"simulated failure at {where} ({subject})")
        elif action.startswith("sleep:"):
            time.sleep(float(action.split(":", 1)[1]))
