"""One place for how our numba kernels are configured and run in parallel.

Nothing happens at import: `kernels(name)` configures numba on first use (threading
layer, on-disk cache directory) and then imports the kernel module, so importing
the algorithms costs nothing and the settings are in force before any kernel is
compiled or launched. Kernels are compiled with `cache=True` into
`default_cache_dir()`; `warmup.py` compiles them all ahead (`vecml-local warmup`).

- Threading layer `workqueue` (unless NUMBA_THREADING_LAYER says otherwise): on a
  shared 2-CPU host the OpenMP layer's spinning threads cost 30-60% more CPU and
  wall time than numba's own work queue (measured in scripts/bench/clustering.py's
  setting). The work queue is not thread-safe, so:
- `LOCK` (re-entrant) is held around every call that launches parallel kernels;
  clustering jobs and requests queue on it rather than oversubscribe the CPUs.
"""

from __future__ import annotations

import importlib
import os
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType

__all__ = [
    "LOCK",
    "CACHE_ENV",
    "configure",
    "default_cache_dir",
    "kernels",
    "dynamic",
    "effective_threads",
    "row_ranges",
    "set_threads",
]

LOCK = threading.RLock()
CACHE_ENV = "NUMBA_CACHE_DIR"
_configured: Path | None = None  # the cache directory, once configured


def default_cache_dir() -> Path:
    """Where compiled kernels are kept: $NUMBA_CACHE_DIR, else the user cache dir
    ($XDG_CACHE_HOME or ~/.cache, then vecml-local/numba); never site-packages."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vecml-local" / "numba"


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
        return True
    except OSError:
        return False


def configure(fallback_cache_dir: Path | None = None) -> Path:
    """Numba settings for our kernels, applied once before the first kernel is loaded:
    the threading layer and the on-disk cache directory (`default_cache_dir()`, or
    `fallback_cache_dir` when that is not writable, e.g. a read-only home). The
    directory is also put in the environment, so a `vecml-local warmup` child or a
    worker process compiles into the same cache. Returns the cache directory."""
    global _configured
    with LOCK:
        if _configured is not None:
            return _configured
        cache = default_cache_dir()
        if not _writable(cache) and fallback_cache_dir is not None and _writable(fallback_cache_dir):
            cache = fallback_cache_dir
        os.environ[CACHE_ENV] = str(cache)
        import numba

        # numba read the environment when it was imported
        numba.config.CACHE_DIR = str(cache)  # type: ignore[attr-defined]  # numba.config sets its names at import
        if not os.environ.get("NUMBA_THREADING_LAYER"):
            numba.config.THREADING_LAYER = "workqueue"  # type: ignore[attr-defined]  # (set at import)
        _configured = cache
        return cache


def kernels(name: str) -> ModuleType:
    """The kernel module `name` of this package (e.g. "_lloyd_kernels"), numba configured first."""
    configure()
    return importlib.import_module(f"{__package__}.{name}")


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
    configure()
    import numba

    available: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set at import
    t = max(1, min(int(num_threads), available))
    numba.set_num_threads(t)
    return t


def dynamic() -> AbstractContextManager[object]:
    """Context in which prange hands its iterations (our row ranges or tiles) to the
    threads one at a time: a descheduled or slower thread does not hold up the rest."""
    import numba

    chunks: AbstractContextManager[object] = numba.parallel_chunksize(1)  # (numba leaves it unannotated)
    return chunks


def row_ranges(n: int, k: int, d: int, T: int) -> int:
    """How many row ranges a kernel with (k, d) accumulators per range splits n rows
    into: 16 (T at least) while their accumulators stay small."""
    return int(max(1, min(n, max(T, min(16, 4_000_000 // max(k * d, 1))))))
