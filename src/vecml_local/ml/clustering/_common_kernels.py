"""Distance kernels shared by Lloyd, Hamerly and the k-means++ seeding (numba, cached on disk).

Metric codes (named, compared as compile-time constants inside the kernels):
`SQEUCLID` squared Euclidean (Lloyd; Hamerly's true distance is its square root),
`MANHATTAN`, `HAMMING` (count of differing coordinates), `NEG_IP` negative inner product.
Data are float32 (n, d) C-contiguous; sums are accumulated in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["SQEUCLID", "MANHATTAN", "HAMMING", "NEG_IP", "exact_min_dist"]

SQEUCLID, MANHATTAN, HAMMING, NEG_IP = 0, 1, 2, 3


@njit(cache=True, inline="always")
def _dist(X, i, C, j, metric):
    d = X.shape[1]
    acc = 0.0
    if metric == SQEUCLID:
        for t in range(d):
            diff = np.float64(X[i, t]) - np.float64(C[j, t])
            acc += diff * diff
    elif metric == MANHATTAN:
        for t in range(d):
            acc += abs(np.float64(X[i, t]) - np.float64(C[j, t]))
    elif metric == HAMMING:
        for t in range(d):
            if X[i, t] != C[j, t]:
                acc += 1.0
    else:
        for t in range(d):
            acc -= np.float64(X[i, t]) * np.float64(C[j, t])
    return acc


@njit(cache=True)
def _true_dist(X, i, C, j, metric):
    """A distance satisfying the triangle inequality (Euclidean instead of squared)."""
    v = _dist(X, i, C, j, metric)
    if metric == SQEUCLID:
        return np.sqrt(v)
    return v


@njit(cache=True, inline="always")
def _row_dists(X, i, Ct, metric, acc):
    """acc[j] = distance of row i to every centre (Ct is centres transposed, (d, k)).

    The inner loop runs over centres, so it vectorises without fastmath.
    """
    d, k = Ct.shape
    for j in range(k):
        acc[j] = 0.0
    if metric == SQEUCLID:
        for t in range(d):
            xv = np.float64(X[i, t])
            for j in range(k):
                diff = xv - Ct[t, j]
                acc[j] += diff * diff
    elif metric == MANHATTAN:
        for t in range(d):
            xv = np.float64(X[i, t])
            for j in range(k):
                acc[j] += abs(xv - Ct[t, j])
    elif metric == HAMMING:
        for t in range(d):
            xv = np.float64(X[i, t])
            for j in range(k):
                if xv != Ct[t, j]:
                    acc[j] += 1.0
    else:
        for t in range(d):
            xv = np.float64(X[i, t])
            for j in range(k):
                acc[j] -= xv * Ct[t, j]


@njit(cache=True, inline="always")
def _argmin2(b1, b2, bj, v, j):
    """Fold v (centre j) into (smallest, second smallest, index of the first smallest).

    Written with min/max and a select rather than branches: which centre is nearest
    is unpredictable, and the branchy form was 2x slower per row (measured on 1M x 8).
    Ties keep the first index, as scikit-learn and our Lloyd do.
    """
    b2 = min(b2, max(b1, v))
    bj = j if v < b1 else bj
    b1 = min(b1, v)
    return b1, b2, bj


@njit(parallel=True, cache=True)
def exact_min_dist(X, C, labels, metric, out):
    """Distance of each row to its assigned centre (metric codes as in _dist)."""
    for i in prange(X.shape[0]):
        out[i] = _dist(X, i, C, labels[i], metric)
