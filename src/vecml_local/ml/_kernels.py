"""Numba kernels for k-means: distances, Lloyd assignment, k-means++ seeding, k-modes.

Imported lazily by `kmeans.py` (numba compilation is cached on disk, `cache=True`).
Metric codes: 0 = squared Euclidean (Lloyd) / Euclidean (Hamerly), 1 = Manhattan,
2 = Hamming (count of differing coordinates), 3 = negative inner product.
Data are float32 (n, d) C-contiguous; sums are accumulated in float64. Work is
split into `n_threads` static row ranges, each with its own accumulator, so the
result does not depend on scheduling (same input -> same output).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vecml_local.ml._parallel import configure

configure()

SQEUCLID, MANHATTAN, HAMMING, NEG_IP = 0, 1, 2, 3


@njit(cache=True, inline="always")
def _dist(X, i, C, j, metric):
    d = X.shape[1]
    acc = 0.0
    if metric == 0:
        for t in range(d):
            diff = np.float64(X[i, t]) - np.float64(C[j, t])
            acc += diff * diff
    elif metric == 1:
        for t in range(d):
            acc += abs(np.float64(X[i, t]) - np.float64(C[j, t]))
    elif metric == 2:
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
    if metric == 0:
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
    if metric == 0:
        for t in range(d):
            xv = np.float64(X[i, t])
            for j in range(k):
                diff = xv - Ct[t, j]
                acc[j] += diff * diff
    elif metric == 1:
        for t in range(d):
            xv = np.float64(X[i, t])
            for j in range(k):
                acc[j] += abs(xv - Ct[t, j])
    elif metric == 2:
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
    scale = 2.0 if metric == 0 else 1.0
    for j in range(k):
        if metric != 0:
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


@njit(parallel=True, cache=True)
def exact_min_dist(X, C, labels, metric, out):
    """Distance of each row to its assigned centre (metric codes as in _dist)."""
    for i in prange(X.shape[0]):
        out[i] = _dist(X, i, C, labels[i], metric)


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
def pp_pots(X, cand, closest, metric, n_parts):
    """k-means++ for S seedings at once: for each row range, seeding s and candidate a,
    the summed min(closest[s], d(x, candidate)); returns (P, S, m), the caller sums the
    ranges. One pass over X serves every seeding; no (n, candidates) temporary."""
    n, d = X.shape
    S, m = cand.shape
    P = n_parts
    Ct = np.empty((S, d, m))
    for s in range(S):
        for a in range(m):
            for c in range(d):
                Ct[s, c, a] = X[cand[s, a], c]
    pots = np.zeros((P, S, m))
    for t in prange(P):
        acc = np.empty(m)
        mine = np.zeros((S, m))  # this range's sums: writing pots[t] per row made threads share a cache line
        for i in range(n * t // P, n * (t + 1) // P):
            for s in range(S):
                _row_dists(X, i, Ct[s], metric, acc)
                ci = closest[s, i]
                for a in range(m):
                    mine[s, a] += acc[a] if acc[a] < ci else ci
        pots[t] = mine
    return pots


@njit(cache=True)
def _rows_transposed(X, rows):
    """X's rows `rows` as columns, (d, len(rows)) float32 for BLAS, and their squared
    norms in float64 (the k-means++ candidates or picks)."""
    d = X.shape[1]
    Ct = np.empty((d, rows.shape[0]), dtype=np.float32)
    sq = np.empty(rows.shape[0])
    for a in range(rows.shape[0]):
        acc = 0.0
        for c in range(d):
            Ct[c, a] = X[rows[a], c]
            acc += np.float64(X[rows[a], c]) * np.float64(X[rows[a], c])
        sq[a] = acc
    return Ct, sq


@njit(parallel=True, cache=True)
def pp_pots_l2(X, xsq, cand, closest, n_parts, chunk):
    """pp_pots for squared Euclidean through BLAS in row chunks (|x|^2 + |c|^2 - 2 x.c).

    3x faster than the direct loops at d = 8; the potentials only steer the seeding
    draw, so the float32 dot products are precise enough.
    """
    n = X.shape[0]
    S, m = cand.shape
    P = n_parts
    Ct, csq = _rows_transposed(X, cand.ravel())  # column s * m + a: candidate a of seeding s
    pots = np.zeros((P, S, m))
    for t in prange(P):
        mine = np.zeros((S, m))
        hi = n * (t + 1) // P
        for s0 in range(n * t // P, hi, chunk):
            s1 = min(hi, s0 + chunk)
            dots = np.dot(X[s0:s1], Ct)
            for r in range(s1 - s0):
                i = s0 + r
                for s in range(S):
                    ci = closest[s, i]
                    for a in range(m):
                        v = max(np.float64(xsq[i]) + csq[s * m + a] - 2.0 * np.float64(dots[r, s * m + a]), 0.0)
                        mine[s, a] += min(v, ci)
        pots[t] = mine
    return pots


@njit(parallel=True, cache=True)
def pp_update(X, picks, closest, metric, n_parts):
    """closest[s, i] = min(closest[s, i], d(x_i, x_picks[s])) for every seeding s;
    returns each row range's sum of the new closest, (P, S), for pp_draw."""
    n = X.shape[0]
    S = picks.shape[0]
    P = n_parts
    sums = np.zeros((P, S))
    for t in prange(P):
        mine = np.zeros(S)
        for i in range(n * t // P, n * (t + 1) // P):
            for s in range(S):
                v = min(closest[s, i], _dist(X, i, X, picks[s], metric))  # branch-free: unpredictable
                closest[s, i] = v
                mine[s] += v
        sums[t] = mine
    return sums


@njit(parallel=True, cache=True)
def pp_update_l2(X, xsq, picks, closest, n_parts, chunk):
    """pp_update for squared Euclidean through BLAS in row chunks (as pp_pots_l2);
    6x faster than the direct loops at d = 8."""
    n = X.shape[0]
    S = picks.shape[0]
    P = n_parts
    Ct, csq = _rows_transposed(X, picks)
    sums = np.zeros((P, S))
    for t in prange(P):
        mine = np.zeros(S)
        hi = n * (t + 1) // P
        for s0 in range(n * t // P, hi, chunk):
            s1 = min(hi, s0 + chunk)
            dots = np.dot(X[s0:s1], Ct)
            for s in range(S):
                acc = 0.0
                for r in range(s1 - s0):
                    i = s0 + r
                    v = min(closest[s, i], max(np.float64(xsq[i]) + csq[s] - 2.0 * np.float64(dots[r, s]), 0.0))
                    closest[s, i] = v
                    acc += v
                mine[s] += acc
        sums[t] = mine
    return sums


@njit(cache=True)
def pp_draw(closest, part_sums, targets):
    """Rows drawn with probability proportional to closest: for each target in
    [0, sum), the first row whose running sum reaches it (as searchsorted on the
    cumulative sum). The row ranges' sums (from pp_update) pick the range, so only
    that range is walked, not all n rows."""
    n = closest.shape[0]
    P = part_sums.shape[0]
    out = np.empty(targets.shape[0], dtype=np.int64)
    for q in range(targets.shape[0]):
        rest = targets[q]
        t = 0
        while t < P - 1 and rest > part_sums[t]:
            rest -= part_sums[t]
            t += 1
        hi = n * (t + 1) // P
        i = n * t // P
        run = closest[i]
        while run < rest and i < hi - 1:
            i += 1
            run += closest[i]
        out[q] = i
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
