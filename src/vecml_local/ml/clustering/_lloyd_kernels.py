"""Numba kernels of Lloyd's k-means: assignment (direct loops or BLAS), k-modes update, variance.

Work is split into `n_threads` static row ranges, each with its own accumulator, so
the result does not depend on scheduling (same input -> same output). Metric codes
are those of `_common_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._common_kernels import SQEUCLID, _row_dists

__all__ = ["lloyd_assign_direct", "lloyd_assign_gemm", "mode_update", "mean_variance"]


@njit(parallel=True, cache=True)
def lloyd_assign_direct(X, C, metric, labels, n_threads, accumulate):
    """Nearest centre of every row by direct loops; optional per-thread sums/counts.

    Returns (sums (T,k,d) float64, counts (T,k) int64, n_changed).
    """
    n, d = X.shape
    k = C.shape[0]
    T = n_threads
    Ct = np.ascontiguousarray(C.T).astype(np.float64)
    sums = np.zeros((T, k, d) if accumulate else (T, 1, 1))
    counts = np.zeros((T, k), dtype=np.int64)
    changed = np.zeros(T, dtype=np.int64)
    for t in prange(T):
        acc = np.empty(k)
        lo = n * t // T
        hi = n * (t + 1) // T
        for i in range(lo, hi):
            _row_dists(X, i, Ct, metric, acc)
            best = np.inf
            bj = 0
            for j in range(k):
                bj = j if acc[j] < best else bj  # branch-free (see _argmin2)
                best = min(best, acc[j])
            if labels[i] != bj:
                changed[t] += 1
            labels[i] = bj
            counts[t, bj] += 1
            if accumulate:
                for c in range(d):
                    sums[t, bj, c] += X[i, c]
    return sums, counts, changed.sum()


@njit(parallel=True, cache=True)
def lloyd_assign_gemm(X, C, metric, labels, n_threads, accumulate, chunk):
    """Assignment through BLAS in row chunks, each thread on its own rows.

    metric 0: squared Euclidean |x|^2 - 2 x.c + |c|^2; metric 3: -x.c.
    """
    n, d = X.shape
    k = C.shape[0]
    T = n_threads
    csq = np.zeros(k, dtype=np.float32)
    scale = 2.0 if metric == SQEUCLID else 1.0
    for j in range(k):
        if metric != SQEUCLID:
            break
        s = 0.0
        for c in range(d):
            s += np.float64(C[j, c]) * np.float64(C[j, c])
        csq[j] = s
    Ct = np.ascontiguousarray(C.T)
    sums = np.zeros((T, k, d) if accumulate else (T, 1, 1))
    counts = np.zeros((T, k), dtype=np.int64)
    changed = np.zeros(T, dtype=np.int64)
    for t in prange(T):
        lo = n * t // T
        hi = n * (t + 1) // T
        for s0 in range(lo, hi, chunk):
            s1 = min(hi, s0 + chunk)
            dots = np.dot(X[s0:s1], Ct)
            for r in range(s1 - s0):
                i = s0 + r
                best = np.inf
                bj = 0
                for j in range(k):
                    v = np.float64(csq[j]) - scale * np.float64(dots[r, j])
                    bj = j if v < best else bj  # branch-free (see _argmin2)
                    best = min(best, v)
                if labels[i] != bj:
                    changed[t] += 1
                labels[i] = bj
                counts[t, bj] += 1
                if accumulate:
                    for c in range(d):
                        sums[t, bj, c] += X[i, c]
    return sums, counts, changed.sum()


@njit(cache=True)
def mode_update(X, labels, k, n_values):
    """Per-cluster, per-coordinate most frequent value (ties -> smallest), k-modes."""
    n, d = X.shape
    counts = np.zeros((k, d, n_values), dtype=np.int64)
    for i in range(n):
        a = labels[i]
        for c in range(d):
            counts[a, c, np.int64(X[i, c])] += 1
    out = np.zeros((k, d), dtype=np.float32)
    for j in range(k):
        for c in range(d):
            bv = 0
            bc = -1
            for v in range(n_values):
                if counts[j, c, v] > bc:
                    bc = counts[j, c, v]
                    bv = v
            out[j, c] = bv
    return out


@njit(parallel=True, cache=True)
def mean_variance(X, n_parts):
    """Mean over coordinates of each coordinate's variance (two passes, per-range sums)."""
    n, d = X.shape
    P = n_parts
    part = np.zeros((P, d))
    for t in prange(P):
        acc = np.zeros(d)
        for i in range(n * t // P, n * (t + 1) // P):
            for c in range(d):
                acc[c] += X[i, c]
        part[t] = acc
    mean = part.sum(axis=0) / n
    for t in prange(P):
        acc = np.zeros(d)
        for i in range(n * t // P, n * (t + 1) // P):
            for c in range(d):
                diff = np.float64(X[i, c]) - mean[c]
                acc[c] += diff * diff
        part[t] = acc
    return (part.sum(axis=0) / n).mean()
