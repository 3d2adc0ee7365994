"""Numba kernels for k-means (Lloyd assignment, Hamerly bounds, k-means++ seeding).

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


@njit(parallel=True, cache=True)
def lloyd_assign_direct(X, C, metric, labels, mind, n_threads, accumulate):
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
                if acc[j] < best:
                    best = acc[j]
                    bj = j
            if labels[i] != bj:
                changed[t] += 1
            labels[i] = bj
            mind[i] = best
            counts[t, bj] += 1
            if accumulate:
                for c in range(d):
                    sums[t, bj, c] += X[i, c]
    return sums, counts, changed.sum()


@njit(parallel=True, cache=True)
def lloyd_assign_gemm(X, xsq, C, metric, labels, mind, n_threads, accumulate, chunk):
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
                    if v < best:
                        best = v
                        bj = j
                if labels[i] != bj:
                    changed[t] += 1
                labels[i] = bj
                mind[i] = max(best + xsq[i], 0.0) if metric == 0 else best
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


@njit(parallel=True, cache=True)
def candidate_dists(X, cand, metric):
    """(n, len(cand)) distances from every row to candidate rows of X (k-means++)."""
    n = X.shape[0]
    m = cand.shape[0]
    Ct = np.empty((X.shape[1], m))
    for a in range(m):
        for t in range(X.shape[1]):
            Ct[t, a] = X[cand[a], t]
    out = np.empty((n, m))
    for i in prange(n):
        _row_dists(X, i, Ct, metric, out[i])
    return out


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


@njit(parallel=True, cache=True)
def pp_pots(X, cand, closest, metric, n_threads):
    """k-means++: summed min(closest, d(x, candidate)) for each candidate, no (n, m) temporary."""
    n, d = X.shape
    m = cand.shape[0]
    T = n_threads
    Ct = np.empty((d, m))
    for a in range(m):
        for c in range(d):
            Ct[c, a] = X[cand[a], c]
    pots = np.zeros((T, m))
    for t in prange(T):
        acc = np.empty(m)
        for i in range(n * t // T, n * (t + 1) // T):
            _row_dists(X, i, Ct, metric, acc)
            ci = closest[i]
            for a in range(m):
                pots[t, a] += acc[a] if acc[a] < ci else ci
    out = np.zeros(m)
    for t in range(T):
        for a in range(m):
            out[a] += pots[t, a]
    return out


@njit(parallel=True, cache=True)
def pp_update(X, c, closest, metric):
    """closest[i] = min(closest[i], d(x_i, x_c))."""
    for i in prange(X.shape[0]):
        v = _dist(X, i, X, c, metric)
        if v < closest[i]:
            closest[i] = v


# --- DBSCAN: union-find over radius-neighbour lists --------------------------

@njit(cache=True)
def find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root

@njit(cache=True)
def union_block(parent, s, indptr, indices, is_core):
    for r in range(indptr.shape[0] - 1):
        i = s + r
        if not is_core[i]:
            continue
        for p in range(indptr[r], indptr[r + 1]):
            j = indices[p]
            if is_core[j]:
                a = find(parent, i)
                b = find(parent, j)
                if a != b:
                    if a < b:
                        parent[b] = a
                    else:
                        parent[a] = b

@njit(cache=True)
def number_clusters(parent, is_core):
    n = parent.shape[0]
    labels = np.full(n, -1, dtype=np.int32)
    root_label = np.full(n, -1, dtype=np.int32)
    nxt = 0
    for i in range(n):
        if is_core[i]:
            r = find(parent, i)
            if root_label[r] < 0:
                root_label[r] = nxt
                nxt += 1
            labels[i] = root_label[r]
    return labels, nxt

@njit(cache=True)
def border_block(labels, s, indptr, indices, is_core):
    for r in range(indptr.shape[0] - 1):
        i = s + r
        if is_core[i]:
            continue
        best = -1
        for p in range(indptr[r], indptr[r + 1]):
            j = indices[p]
            if is_core[j] and (best < 0 or labels[j] < best):
                best = labels[j]
        labels[i] = best


# --- brute-force radius neighbours through BLAS tiles ------------------------

@njit(cache=True, inline="always")
def _radius_hit(v_dot, qsq_i, xsq_j, thr, metric):
    if metric == 0:
        return np.float64(qsq_i) + np.float64(xsq_j) - 2.0 * np.float64(v_dot) <= thr
    return -np.float64(v_dot) <= thr


@njit(parallel=True, cache=True)
def radius_count(Q, qsq, Xt, xsq, thr, metric, q_offset, tile):
    """Neighbour counts of each query row among all columns of Xt (d, n); self counts.

    metric 0: squared Euclidean <= thr (thr = eps^2); metric 3: -<q, x> <= thr.
    """
    nq = Q.shape[0]
    n = Xt.shape[1]
    n_tiles = (nq + tile - 1) // tile
    counts = np.zeros(nq, dtype=np.int64)
    for t in prange(n_tiles):
        s = t * tile
        e = min(nq, s + tile)
        dots = np.dot(Q[s:e], Xt)
        for r in range(e - s):
            i = s + r
            c = 0
            for j in range(n):
                if j == i + q_offset or _radius_hit(dots[r, j], qsq[i], xsq[j], thr, metric):
                    c += 1
            counts[i] = c
    return counts


@njit(parallel=True, cache=True)
def radius_fill(Q, qsq, Xt, xsq, thr, metric, q_offset, tile, indptr):
    """Neighbour indices (ascending per row) at the offsets given by indptr."""
    nq = Q.shape[0]
    n = Xt.shape[1]
    n_tiles = (nq + tile - 1) // tile
    out = np.empty(indptr[nq], dtype=np.int64)
    for t in prange(n_tiles):
        s = t * tile
        e = min(nq, s + tile)
        dots = np.dot(Q[s:e], Xt)
        for r in range(e - s):
            i = s + r
            p = indptr[i]
            for j in range(n):
                if j == i + q_offset or _radius_hit(dots[r, j], qsq[i], xsq[j], thr, metric):
                    out[p] = j
                    p += 1
    return out
