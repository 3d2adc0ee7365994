"""Compile every numba kernel ahead, into the persistent cache (`vecml-local warmup`).

A kernel is compiled once per argument types; our algorithms always hand the
kernels C-contiguous float32 rows (uint8 codes and sparse rows are converted
first), so running each algorithm once on tiny data, down every path that
launches a kernel (each k-means metric with Lloyd and Hamerly, k-means++ and
random starts, labelling beyond the training sample, DBSCAN's grid, BLAS tiles by
self-join and by row blocks, Inner Product), compiles all of them. With a warm
cache a fresh process loads them from disk instead of compiling (~18 s -> well
under a second for the first k-means).

A marker file, named after the kernels' source and the numba/Python versions,
records a complete warm-up in the cache directory, so `cache_is_warm()` is a
cheap check (a changed kernel means a new marker name, hence a cold cache).
"""

from __future__ import annotations

import hashlib
import platform
import time
from pathlib import Path

import numpy as np

from ._parallel import configure

__all__ = ["warm_up", "cache_is_warm", "marker_path"]

_KERNEL_MODULES = ("_common_kernels", "_lloyd_kernels", "_seeding_kernels", "_hamerly_kernels", "_dbscan_kernels")


def marker_path(cache_dir: Path) -> Path:
    """The marker of a complete warm-up of these kernels in `cache_dir`."""
    import numba

    digest = hashlib.sha256(f"{numba.__version__} {platform.python_version()}".encode())
    here = Path(__file__).parent
    for name in _KERNEL_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    return cache_dir / f"vecml-local-warm-{digest.hexdigest()[:16]}"


def cache_is_warm(fallback_cache_dir: Path | None = None) -> bool:
    return marker_path(configure(fallback_cache_dir)).exists()


def warm_up(fallback_cache_dir: Path | None = None) -> float:
    """Run every kernel once (compiling it, or loading it from the cache); mark the
    cache warm. Returns the seconds it took."""
    from .dbscan import fit_dbscan
    from .kmeans import fit_kmeans

    started = time.perf_counter()
    cache = configure(fallback_cache_dir)
    rng = np.random.default_rng(0)
    X = rng.random((200, 4), dtype=np.float32)
    bits = (X > 0.5).astype(np.uint8)
    for method in ("kmeans", "kmeans_hamerly"):
        for dist_type, data in (
            ("Euclidean", X),
            ("Manhattan", X),
            ("Cosine", X),
            ("Inner Product", X),
            ("Hamming", bits),
        ):
            fit_kmeans(data, n_clusters=3, method=method, dist_type=dist_type, n_init=2, num_threads=2)
    fit_kmeans(X, n_clusters=3, initialization_method="random", max_train_samples=100, num_threads=2)
    fit_dbscan(X[:, :2], eps=0.1, min_samples=3)  # grid of eps-wide cells
    wide = rng.random((300, 20), dtype=np.float32)
    fit_dbscan(wide, eps=1.0, min_samples=3)  # BLAS tiles, every pair in one mask
    fit_dbscan(wide, eps=1.0, min_samples=3, neighbour_budget=2_000)  # lists recomputed per pass
    fit_dbscan(wide, eps=1.0, min_samples=3, mask_bits=8 * 300)  # row blocks: too large for one mask of all pairs
    fit_dbscan(wide, eps=-1.0, min_samples=3, dist_type="Inner Product")
    marker = marker_path(cache)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return time.perf_counter() - started
