"""One place for how our numba kernels run in parallel.

- Threading layer `workqueue` (unless NUMBA_THREADING_LAYER says otherwise): on a
  shared 2-CPU host the OpenMP layer's spinning threads cost 30-60% more CPU and
  wall time than numba's own work queue (measured in scripts/bench/clustering.py's
  setting). The work queue is not thread-safe, so:
- `LOCK` (re-entrant) is held around every call that launches parallel kernels;
  clustering jobs and requests queue on it rather than oversubscribe the CPUs.
"""

from __future__ import annotations

import os
import threading

__all__ = ["LOCK", "configure", "dynamic", "effective_threads", "row_ranges", "set_threads"]

LOCK = threading.RLock()


def configure() -> None:
    """Choose the threading layer before the first parallel launch (no effect after)."""
    import numba

    if not os.environ.get("NUMBA_THREADING_LAYER"):
        numba.config.THREADING_LAYER = "workqueue"


def effective_threads(requested: int) -> int:
    """`requested`, but 1 when the host's 1-minute load is 1.5x its CPU count or more:
    extra threads of libraries we do not control (joblib, OpenMP) then only add
    contention (measured: 20-60% slower on a 2-CPU host at load 4-6)."""
    requested = max(1, int(requested))
    cpus = os.cpu_count() or 1
    if requested > 1 and hasattr(os, "getloadavg") and os.getloadavg()[0] >= 1.5 * cpus:
        return 1
    return min(requested, cpus)


def set_threads(num_threads: int) -> int:
    """Numba's thread count for the next launches: `num_threads`, within what numba has."""
    import numba

    t = max(1, min(int(num_threads), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(t)
    return t


def dynamic():
    """Context in which prange hands its iterations (our row ranges or tiles) to the
    threads one at a time: a descheduled or slower thread does not hold up the rest."""
    import numba

    return numba.parallel_chunksize(1)


def row_ranges(n: int, k: int, d: int, T: int) -> int:
    """How many row ranges a kernel with (k, d) accumulators per range splits n rows
    into: 16 (T at least) while their accumulators stay small."""
    return int(max(1, min(n, max(T, min(16, 4_000_000 // max(k * d, 1))))))
