"""Numba kernels of the k-means++ seeding (several seedings in lockstep; see `_seeding`).

Metric codes are those of `_common_kernels`; the `_l2` variants use BLAS in row chunks
for squared Euclidean.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._common_kernels import _dist, _row_dists

__all__ = ["pp_pots", "pp_pots_l2", "pp_update", "pp_update_l2", "pp_draw"]


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
