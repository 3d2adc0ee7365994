"""Numba kernels of DBSCAN: union-find over radius-neighbour lists, and brute-force
radius neighbours through BLAS tiles (Inner Product)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vecml_local.ml._parallel import configure

configure()


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
