"""Numba kernels of Hamerly's k-means: bounds, bound updates and batched re-scans.

Per point: `upper` (distance to its own centre, an upper bound), `lower` (a lower
bound on the distance to every other centre); per centre: `s` = half the distance
to its nearest other centre. A point keeps its centre while upper < max(s, lower);
only the others are re-scanned. Distances are true metrics (Euclidean, not squared).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vecml_local.ml._kernels import _dist, _row_dists, _true_dist  # noqa: F401  (used in jitted code)


@njit(cache=True)
def centre_half_gaps(C, metric):
    """s[j] = half the distance from centre j to its nearest other centre."""
    k = C.shape[0]
    s = np.full(k, np.inf)
    for j in range(k):
        for jj in range(k):
            if jj != j:
                v = _true_dist(C, j, C, jj, metric)
                if v < s[j]:
                    s[j] = v
    return s * 0.5


@njit(parallel=True, cache=True)
def hamerly_init(X, C, metric, labels, upper, lower, n_threads, accumulate):
    """Full scan: assignment plus upper (to own centre) and lower (to second) bounds."""
    n, d = X.shape
    k = C.shape[0]
    T = n_threads
    Ct = np.ascontiguousarray(C.T).astype(np.float64)
    sums = np.zeros((T, k, d) if accumulate else (T, 1, 1))
    counts = np.zeros((T, k), dtype=np.int64)
    for t in prange(T):
        acc = np.empty(k)
        for i in range(n * t // T, n * (t + 1) // T):
            _row_dists(X, i, Ct, metric, acc)
            b1 = np.inf
            b2 = np.inf
            bj = 0
            for j in range(k):
                v = np.sqrt(acc[j]) if metric == 0 else acc[j]
                if v < b1:
                    b2 = b1
                    b1 = v
                    bj = j
                elif v < b2:
                    b2 = v
            labels[i] = bj
            upper[i] = b1
            lower[i] = b2
            counts[t, bj] += 1
            if accumulate:
                for c in range(d):
                    sums[t, bj, c] += X[i, c]
    return sums, counts


@njit(parallel=True, cache=True)
def hamerly_assign(X, C, metric, labels, upper, lower, s, n_threads, accumulate):
    """One Hamerly assignment pass; distance computations skipped where bounds allow.

    Returns (delta sums (T,k,d), delta counts (T,k), n_changed, n_full_scans).
    Deltas move a row's contribution from its old centre to its new one.
    """
    n, d = X.shape
    k = C.shape[0]
    T = n_threads
    dsums = np.zeros((T, k, d) if accumulate else (T, 1, 1))
    dcounts = np.zeros((T, k), dtype=np.int64)
    changed = np.zeros(T, dtype=np.int64)
    scans = np.zeros(T, dtype=np.int64)
    Ct = np.ascontiguousarray(C.T).astype(np.float64)
    for t in prange(T):
        acc = np.empty(k)
        for i in range(n * t // T, n * (t + 1) // T):
            a = labels[i]
            m = max(s[a], lower[i])
            if upper[i] < m:  # strict: ties are rescanned, so they break like Lloyd
                continue
            upper[i] = _true_dist(X, i, C, a, metric)
            if upper[i] < m:  # strict: ties are rescanned, so they break like Lloyd
                continue
            scans[t] += 1
            _row_dists(X, i, Ct, metric, acc)
            b1 = np.inf
            b2 = np.inf
            bj = 0
            for j in range(k):
                v = np.sqrt(acc[j]) if metric == 0 else acc[j]
                if v < b1:
                    b2 = b1
                    b1 = v
                    bj = j
                elif v < b2:
                    b2 = v
            upper[i] = b1
            lower[i] = b2
            if bj != a:
                labels[i] = bj
                changed[t] += 1
                dcounts[t, a] -= 1
                dcounts[t, bj] += 1
                if accumulate:
                    for c in range(d):
                        dsums[t, a, c] -= X[i, c]
                        dsums[t, bj, c] += X[i, c]
    return dsums, dcounts, changed.sum(), scans.sum()


@njit(parallel=True, cache=True)
def hamerly_move_bounds(labels, upper, lower, p):
    """After centres moved by p[j]: upper grows by own shift, lower shrinks by the largest other."""
    k = p.shape[0]
    r = 0
    for j in range(1, k):
        if p[j] > p[r]:
            r = j
    second = 0.0
    for j in range(k):
        if j != r and p[j] > second:
            second = p[j]
    for i in prange(labels.shape[0]):
        a = labels[i]
        upper[i] += p[a]
        if a == r:
            lower[i] -= second
        else:
            lower[i] -= p[r]


@njit(cache=True)
def _flush_l2(X, xsq, buf, idx, nb, Ct, csq, labels, upper, lower, sums, counts, accumulate, init):
    """Full scans of the buffered rows through one BLAS call (Euclidean Hamerly).

    Same arithmetic as lloyd_assign_gemm, so both pick the same centre.
    Returns the number of rows whose centre changed.
    """
    k = Ct.shape[1]
    d = X.shape[1]
    dots = np.dot(buf[:nb], Ct)
    changed = 0
    for r in range(nb):
        i = idx[r]
        b1 = np.inf
        b2 = np.inf
        bj = 0
        for j in range(k):
            v = np.float64(csq[j]) - 2.0 * np.float64(dots[r, j])
            if v < b1:
                b2 = b1
                b1 = v
                bj = j
            elif v < b2:
                b2 = v
        upper[i] = np.sqrt(max(b1 + xsq[i], 0.0))
        lower[i] = np.sqrt(max(b2 + xsq[i], 0.0))
        a = labels[i]
        if init:
            labels[i] = bj
            counts[bj] += 1
            if accumulate:
                for c in range(d):
                    sums[bj, c] += X[i, c]
        elif bj != a:
            labels[i] = bj
            changed += 1
            counts[a] -= 1
            counts[bj] += 1
            if accumulate:
                for c in range(d):
                    sums[a, c] -= X[i, c]
                    sums[bj, c] += X[i, c]
    return changed


@njit(parallel=True, cache=True)
def hamerly_l2(X, xsq, C, labels, upper, lower, s, n_threads, accumulate, init, chunk):
    """Euclidean Hamerly pass; rows whose bounds fail are scanned in BLAS batches.

    init=True: every row is scanned (first assignment); sums/counts are totals.
    init=False: bounds skip rows; sums/counts are deltas. Returns (sums, counts, changed, scans).
    """
    n, d = X.shape
    k = C.shape[0]
    T = n_threads
    Ct = np.ascontiguousarray(C.T)
    csq = np.zeros(k, dtype=np.float32)
    for j in range(k):
        acc = 0.0
        for c in range(d):
            acc += np.float64(C[j, c]) * np.float64(C[j, c])
        csq[j] = acc
    sums = np.zeros((T, k, d) if accumulate else (T, 1, 1))
    counts = np.zeros((T, k), dtype=np.int64)
    changed = np.zeros(T, dtype=np.int64)
    scans = np.zeros(T, dtype=np.int64)
    for t in prange(T):
        buf = np.empty((chunk, d), dtype=np.float32)
        idx = np.empty(chunk, dtype=np.int64)
        nb = 0
        for i in range(n * t // T, n * (t + 1) // T):
            if not init:
                a = labels[i]
                m = max(s[a], lower[i])
                if upper[i] < m:  # strict: ties are rescanned, so they break like Lloyd
                    continue
                acc = 0.0
                for c in range(d):
                    diff = np.float64(X[i, c]) - np.float64(C[a, c])
                    acc += diff * diff
                upper[i] = np.sqrt(acc)
                if upper[i] < m:  # strict: ties are rescanned, so they break like Lloyd
                    continue
            for c in range(d):
                buf[nb, c] = X[i, c]
            idx[nb] = i
            nb += 1
            if nb == chunk:
                changed[t] += _flush_l2(X, xsq, buf, idx, nb, Ct, csq, labels, upper, lower,
                                        sums[t], counts[t], accumulate, init)
                scans[t] += nb
                nb = 0
        if nb > 0:
            changed[t] += _flush_l2(X, xsq, buf, idx, nb, Ct, csq, labels, upper, lower,
                                    sums[t], counts[t], accumulate, init)
            scans[t] += nb
    return sums, counts, changed.sum(), scans.sum()


@njit(cache=True)
def centre_shifts(C_old, C_new, metric):
    """Distance each centre moved (a true metric: Euclidean, not squared)."""
    k = C_old.shape[0]
    out = np.empty(k)
    for j in range(k):
        out[j] = _true_dist(C_old, j, C_new, j, metric)
    return out
