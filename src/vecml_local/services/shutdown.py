"""A bounded stop: SIGTERM ends the server within `VECML_LOCAL_STOP_GRACE_SECONDS` (+ a little).

uvicorn stops accepting requests and waits that long for requests in flight; the job
runner tells running jobs to stop and waits that long for them. A job whose algorithm does
not check its cancel flag in time (a long numeric kernel) is abandoned: the process exits
without waiting for its thread, and the next start fails it with the restart message (its
model with it), as after a crash. Queued jobs stay pending and run after the restart.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

__all__ = ["exit_now_if_jobs_linger"]

log = logging.getLogger("vecml_local")


def exit_now_if_jobs_linger(app: Any, grace: float) -> None:
    """After the server stopped: exit at once if job threads still run (they would block the exit)."""
    services = getattr(getattr(app, "state", None), "services", None)
    lingering = services.context.runner.live_jobs() if services is not None else 0
    if lingering:
        log.warning(
            "%d job(s) did not stop within %.0f s of the shutdown; exiting without them "
            "(the next start records them failed with the restart message)",
            lingering,
            grace,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
