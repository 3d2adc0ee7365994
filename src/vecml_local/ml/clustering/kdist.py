"""k-distance plot for choosing DBSCAN's `eps`.

A seeded sample of at most `max_num_samples` points; for each, the distance to
its k-th nearest neighbour among ALL vectors, the point itself excluded (a
duplicate of it still counts, at distance 0). The values are sorted descending
and read at `max_num_grids` evenly spaced positions (linear interpolation between
neighbouring ranks), so the output always has `max_num_grids` values. The slope is
the first derivative of that curve per grid step (`numpy.gradient`: central
differences inside, one-sided at the ends); it is <= 0.

`knee_index` picks a suggested `eps` on that curve: the point farthest from the
chord joining its two ends (both axes scaled to [0, 1]), where the curve turns from
the steep drop of the few far-out points into the flat run of points inside
clusters. The steepest slope is no guide: on a descending curve it is at index 0,
the largest k-distance, which merges every cluster into one.

It runs inside the request (no job, nothing to cancel), so its cost is bounded up front:
a request whose brute-force part would need more than `MAX_WORK` distance
multiply-adds (sampled points x stored vector elements: about a minute on one core), or
whose neighbour lists would hold more than `MAX_NEIGHBOURS` values (sampled points x
(k + 1)), is refused (`InvalidInput`, a 400 naming k and max_num_samples) before any
distance is computed.

Distances as in `distances.py` (Cosine: 1 - cos; Inner Product: -<x, y>; Hamming:
differing coordinates). Search: scikit-learn k-d tree for Euclidean/Manhattan up to
15 dimensions, otherwise blocked brute force (memory O(samples x block)).
"""

from __future__ import annotations

import numpy as np

from vecml_local.ml import InvalidInput
from vecml_local.ml import distances as dist

__all__ = ["kdist_plot", "knee_index", "MAX_WORK", "MAX_NEIGHBOURS"]

MAX_WORK = 100_000_000_000
MAX_NEIGHBOURS = 20_000_000


def kdist_plot(
    X: dist.Matrix,
    *,
    k: int = 5,
    max_num_samples: int = 2000,
    max_num_grids: int = 200,
    dist_type: str = "Euclidean",
    num_threads: int = 3,
    random_seed: int = 1234567,
) -> tuple[list[float], list[float]]:
    """Return (kdist_grid_desc, slope_grid_desc), each of length max_num_grids."""
    dt = dist.canonical_dist_type(dist_type)
    k, m_max, grids, threads, seed = (
        int(k),
        int(max_num_samples),
        int(max_num_grids),
        int(num_threads),
        int(random_seed),
    )
    X = dist.check_matrix(X, dt)
    n, d = X.shape
    if n < k + 1:
        raise InvalidInput(f"k ({k}) must be smaller than the number of vectors ({n})")
    m = min(n, m_max)
    if m * (k + 1) > MAX_NEIGHBOURS:
        raise InvalidInput(
            f"k ({k}) + 1 times the points sampled ({m}: max_num_samples or the collection's size) is "
            f"{m * (k + 1):,}, more than one request may compute ({MAX_NEIGHBOURS:,}); lower k or max_num_samples"
        )
    tree = dt in (dist.EUCLIDEAN, dist.MANHATTAN) and d <= 15 and not hasattr(X, "tocsr")
    elements = int(X.nnz) if hasattr(X, "nnz") else n * d
    if not tree and m * elements > MAX_WORK:
        raise InvalidInput(
            f"max_num_samples: {m} sampled points x {elements:,} stored vector elements is {m * elements:,} "
            f"distance multiply-adds, more than one request may compute ({MAX_WORK:,}); lower max_num_samples "
            f"to {max(1, MAX_WORK // max(elements, 1))} or less"
        )
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=m_max, replace=False)) if n > m_max else np.arange(n)

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        if tree:
            from sklearn.neighbors import KDTree

            Xf = np.ascontiguousarray(X, dtype=np.float32)
            tree = KDTree(Xf, metric="euclidean" if dt == dist.EUCLIDEAN else "manhattan")
            D, nbr = tree.query(Xf[sample], k=k + 1)
            # drop the query itself (not necessarily first when duplicates exist)
            is_self = nbr == sample[:, None]
            has_self = is_self.any(axis=1)
            D = np.where(has_self[:, None], np.where(is_self, np.inf, D), D)
            D.sort(axis=1)
            kth = D[:, k - 1]
        else:
            Q = dist.dense_rows(X, sample)
            kth = dist.knn_blocked(Q, X, k, dt, exclude=sample)[:, k - 1].astype(np.float64)
    desc = np.sort(kth.astype(np.float64))[::-1]
    pos = np.linspace(0.0, len(desc) - 1, grids)
    grid = np.interp(pos, np.arange(len(desc)), desc)
    slope = np.gradient(grid) if grids > 1 else np.zeros(1)
    return [float(v) for v in grid], [float(v) for v in slope]


def knee_index(curve: list[float] | np.ndarray) -> int:
    """Index of the knee of a descending k-distance curve: the point with the largest
    distance to the chord between its ends, the axes scaled to [0, 1] (0 for a
    curve of fewer than 3 points or a flat one)."""
    y = np.asarray(curve, dtype=np.float64)
    n = y.size
    span = y[0] - y[-1] if n else 0.0
    if n < 3 or not span > 0:
        return 0
    x = np.linspace(0.0, 1.0, n)
    t = (y - y[-1]) / span  # 1 at the start, 0 at the end: the chord is t = 1 - x
    gap = (1.0 - x) - t  # > 0 where the curve sags below the chord (the usual, convex case)
    return int(np.argmax(np.abs(gap)))
