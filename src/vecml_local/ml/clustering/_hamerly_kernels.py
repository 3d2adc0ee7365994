"""Numba kernels of Hamerly's k-means: bounds, bound updates and batched re-scans.

Per point: `upper` (distance to its own centre, an upper bound), `lower` (a lower
bound on the distance to every other centre); per centre: `s` = half the distance
to its nearest other centre. A point keeps its centre while upper < max(s, lower);
only the others are re-scanned. Distances are true metrics (Euclidean, not squared).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._common_kernels import SQEUCLID, _argmin2, _row_dists, _true_dist


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


@njit(cache=True, inline="always")
def _nearest_two(X, i, Ct, metric, acc):
    """(distance to the nearest centre, to the second nearest, nearest index) of row i;
    true metric distances (Euclidean, not squared). `acc` is scratch of length k."""
    _row_dists(X, i, Ct, metric, acc)
    b1 = np.inf
    b2 = np.inf
    bj = 0
    for j in range(acc.shape[0]):
        v = np.sqrt(acc[j]) if metric == SQEUCLID else acc[j]
        b1, b2, bj = _argmin2(b1, b2, bj, v, j)
    return b1, b2, bj


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
            b1, b2, bj = _nearest_two(X, i, Ct, metric, acc)
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
            b1, b2, bj = _nearest_two(X, i, Ct, metric, acc)
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
    r, second = largest_two(p)
    for i in prange(labels.shape[0]):
        a = labels[i]
        upper[i] += p[a]
        if a == r:
            lower[i] -= second
        else:
            lower[i] -= p[r]


@njit(cache=True)
def largest_two(p):
    """Index of the largest entry of p and the largest of the others."""
    r = 0
    for j in range(1, p.shape[0]):
        if p[j] > p[r]:
            r = j
    second = 0.0
    for j in range(p.shape[0]):
        if j != r and p[j] > second:
            second = p[j]
    return r, second


@njit(cache=True)
def _flush_l2(X, xsq, dots, base, idx, nb, csq, labels, upper, lower, sums, counts, accumulate, init):
    """Full scans of rows idx[:nb] from their dot products with the centres (Euclidean Hamerly).

    Row idx[r]'s dots are dots[idx[r] - base] when base >= 0 (the whole block was
    multiplied in place), else dots[r] (the rows were gathered). Same arithmetic as
    lloyd_assign_gemm, so both pick the same centre (first smallest score).
    Returns the number of rows whose centre changed.
    """
    k = dots.shape[1]
    d = X.shape[1]
    changed = 0
    for r in range(nb):
        i = idx[r]
        row = i - base if base >= 0 else r
        b1 = np.inf
        b2 = np.inf
        bj = 0
        for j in range(k):
            b1, b2, bj = _argmin2(b1, b2, bj, np.float64(csq[j]) - 2.0 * np.float64(dots[row, j]), j)
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
def hamerly_l2(X, xsq, C, labels, upper, lower, s, p, n_threads, accumulate, init, chunk, dense_above):
    """Euclidean Hamerly pass over row blocks; rows whose bounds fail are scanned by BLAS.

    init=True: every row is scanned (first assignment); sums/counts are totals.
    init=False: the bounds first follow the centres' moves p, then skip rows;
    sums/counts are deltas. Returns (sums, counts, changed, scans).

    Each block runs in three branch-light phases: bounds (all rows), tightening the
    upper bound (the rows that failed), full scans (the rows that failed again,
    queued across blocks).
    Interleaving them row by row was ~1.5x slower: unpredictable branches and
    scattered reads of X. A block where at least 1/dense_above of the rows failed
    the bounds skips the tightening: its failed rows are scanned from one BLAS call
    on the block in place (as the first pass does).
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
    r_max, p_second = largest_two(p)
    p_max = p[r_max]
    sums = np.zeros((T, k, d) if accumulate else (T, 1, 1))
    counts = np.zeros((T, k), dtype=np.int64)
    changed = np.zeros(T, dtype=np.int64)
    scans = np.zeros(T, dtype=np.int64)
    for t in prange(T):
        # Rows left after tightening queue up in buf across blocks: one BLAS call per
        # `chunk` queued rows, not one tiny call per block (its fixed cost dominated).
        buf = np.empty((2 * chunk, d), dtype=np.float32)
        idx = np.empty(2 * chunk, dtype=np.int64)
        nq = 0
        cand = np.empty(chunk, dtype=np.int64)
        gap = np.empty(chunk)
        hi_t = n * (t + 1) // T
        for b0 in range(n * t // T, hi_t, chunk):
            b1 = min(hi_t, b0 + chunk)
            nc = 0
            if init:
                for i in range(b0, b1):
                    cand[nc] = i
                    nc += 1
            else:
                for i in range(b0, b1):
                    a = labels[i]
                    u = upper[i] + p[a]
                    lo = lower[i] - (p_second if a == r_max else p_max)
                    lower[i] = lo
                    upper[i] = u
                    m = max(s[a], lo)
                    cand[nc] = i
                    gap[nc] = m
                    nc += 1 if u >= m else 0  # strict keep: ties are rescanned, so they break like Lloyd
            if init or nc * dense_above >= b1 - b0:
                # Every row (first pass) or most rows of the block failed: one BLAS call
                # on the block in place beats tightening them and gathering the rest.
                if nc > 0:
                    changed[t] += _flush_l2(
                        X,
                        xsq,
                        np.dot(X[b0:b1], Ct),
                        b0,
                        cand,
                        nc,
                        csq,
                        labels,
                        upper,
                        lower,
                        sums[t],
                        counts[t],
                        accumulate,
                        init,
                    )
                    scans[t] += nc
                continue
            for q in range(nc):
                i = cand[q]
                a = labels[i]
                acc = 0.0
                for c in range(d):
                    diff = np.float64(X[i, c]) - np.float64(C[a, c])
                    acc += diff * diff
                u = np.sqrt(acc)
                upper[i] = u
                for c in range(d):
                    buf[nq, c] = X[i, c]
                idx[nq] = i
                nq += 1 if u >= gap[q] else 0  # branch-free: kept only if the tightened bound fails
            if nq >= chunk:
                changed[t] += _flush_l2(
                    X,
                    xsq,
                    np.dot(buf[:nq], Ct),
                    -1,
                    idx,
                    nq,
                    csq,
                    labels,
                    upper,
                    lower,
                    sums[t],
                    counts[t],
                    accumulate,
                    init,
                )
                scans[t] += nq
                nq = 0
        if nq > 0:
            changed[t] += _flush_l2(
                X,
                xsq,
                np.dot(buf[:nq], Ct),
                -1,
                idx,
                nq,
                csq,
                labels,
                upper,
                lower,
                sums[t],
                counts[t],
                accumulate,
                init,
            )
            scans[t] += nq
    return sums, counts, changed.sum(), scans.sum()


@njit(cache=True)
def centre_shifts(C_old, C_new, metric):
    """Distance each centre moved (a true metric: Euclidean, not squared)."""
    k = C_old.shape[0]
    out = np.empty(k)
    for j in range(k):
        out[j] = _true_dist(C_old, j, C_new, j, metric)
    return out
