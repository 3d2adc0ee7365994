"""Numba kernels of DBSCAN: union-find over radius-neighbour lists, and brute-force
radius neighbours through BLAS tiles (Inner Product)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._common_kernels import SQEUCLID

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
def _score(dot, qsq_i, xsq_j, metric):
    """What is compared with the threshold: squared Euclidean, or -<q, x>."""
    if metric == SQEUCLID:
        return qsq_i + xsq_j - 2.0 * np.float64(dot)
    return -np.float64(dot)


@njit(cache=True, inline="always")
def _radius_hit(Q, i, Xt, j, dot, qsq_i, xsq_j, thr, metric, margin):
    """Is column j within the radius of query row i, from their float32 dot product?

    SQEUCLID: squared Euclidean |q|^2 + |x|^2 - 2 q.x <= thr (norms in float64). A
    float32 dot product is off by at most ~d 2^-24 (|q|^2 + |x|^2); a pair that close
    to the threshold (`margin` is that bound's factor, doubled) is recomputed in
    float64, so the answer is the float64 one, as scikit-learn's brute search.
    NEG_IP: -<q, x> <= thr on the float32 dot product (margin 0).
    """
    v = _score(dot, qsq_i, xsq_j, metric)
    if metric == SQEUCLID and abs(v - thr) <= margin * (qsq_i + xsq_j) + 1e-30:
        acc = 0.0
        for c in range(Q.shape[1]):
            acc += np.float64(Q[i, c]) * np.float64(Xt[c, j])
        v = qsq_i + xsq_j - 2.0 * acc
    return v <= thr


@njit(cache=True, inline="always")
def _mark_row(Q, i, Xt, drow, off, j_from, j_to, qsq_i, xsq, thr, metric, margin, mask_row):
    """Set mask_row's bit j for every neighbour j in [j_from, j_to) of query row i,
    whose dot products are drow[j - off]; returns how many. Columns are screened 64
    at a time by a branch-free count (it vectorises): most runs of 64 hold no
    neighbour and are skipped; the others are checked one by one."""
    c = 0
    for j0 in range(j_from, j_to, 64):
        j1 = min(j_to, j0 + 64)
        maybe = 0
        for j in range(j0, j1):
            band = margin * (qsq_i + xsq[j]) + 1e-30
            maybe += 1 if _score(drow[j - off], qsq_i, xsq[j], metric) <= thr + band else 0
        if maybe == 0:
            continue
        for j in range(j0, j1):
            if _radius_hit(Q, i, Xt, j, drow[j - off], qsq_i, xsq[j], thr, metric, margin):
                mask_row[j >> 3] |= np.uint8(1 << (j & 7))
                c += 1
    return c


@njit(parallel=True, cache=True)
def radius_mask(Q, qsq, Xt, xsq, thr, metric, margin, q_offset, tile, mask):
    """One BLAS pass: bit j of mask[i] is set when column j of Xt (d, n) is a neighbour
    of query row i (itself always); returns the neighbour count of each query row."""
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
            c = _mark_row(Q, i, Xt, dots[r], 0, 0, n, qsq[i], xsq, thr, metric, margin, mask[i])
            me = i + q_offset  # a point is always its own neighbour
            if not (mask[i, me >> 3] >> (me & 7)) & 1:
                mask[i, me >> 3] |= np.uint8(1 << (me & 7))
                c += 1
            counts[i] = c
    return counts


@njit(parallel=True, cache=True)
def mask_indices(mask, indptr):
    """Neighbour indices (ascending per row) from radius_mask's bits, at indptr's offsets."""
    nq = mask.shape[0]
    out = np.empty(indptr[nq], dtype=np.int32)  # half the memory of int64; n < 2^31
    for i in prange(nq):
        p = indptr[i]
        for w in range(mask.shape[1]):
            b = mask[i, w]
            if b != 0:
                for k in range(8):
                    if b & (1 << k):
                        out[p] = w * 8 + k
                        p += 1
    return out


# --- radius neighbours on a grid of cells eps wide (1-3 dimensions) --------------


@njit(cache=True)
def grid_keys(X, lo, eps, radix):
    """Cell key of every row: cell coordinates floor((x - lo) / eps) + 1 (so every
    neighbour cell has coordinates >= 0) in mixed radix `radix`."""
    n, d = X.shape
    keys = np.empty(n, dtype=np.int64)
    for i in range(n):
        key = 0
        for c in range(d):
            key = key * radix[c] + np.int64(np.floor((np.float64(X[i, c]) - lo[c]) / eps)) + 1
        keys[i] = key
    return keys


@njit(cache=True, inline="always")
def _grid_row(X, i, Xs, order, cells, starts, keys, radix, thr, write, out, p):
    """Visit the rows of the 3^d cells around row i's; count (write False) or write
    (at out[p:]) those within the radius: sum of squared float64 differences <= thr,
    as scikit-learn's k-d tree decides. Xs is X in cell order, so a cell's rows are
    contiguous. Returns the count."""
    d = X.shape[1]
    c = 0
    for o in range(3**d):
        delta = 0
        rest = o
        for a in range(d):
            step = 1
            for b in range(a + 1, d):
                step *= radix[b]
            delta += (rest % 3 - 1) * step
            rest //= 3
        key = keys[i] + delta
        u = np.searchsorted(cells, key)
        if u == cells.shape[0] or cells[u] != key:
            continue
        for q in range(starts[u], starts[u + 1]):
            acc = 0.0
            for a in range(d):
                diff = np.float64(X[i, a]) - np.float64(Xs[q, a])
                acc += diff * diff
            if write:
                if acc <= thr:
                    out[p + c] = order[q]
                    c += 1
            else:
                c += 1 if acc <= thr else 0
    return c


@njit(parallel=True, cache=True)
def grid_count(X, s, e, Xs, order, cells, starts, keys, radix, thr):
    """Neighbour counts of rows s..e-1 (each counts itself)."""
    counts = np.zeros(e - s, dtype=np.int64)
    none = np.empty(0, dtype=np.int32)
    for r in prange(e - s):
        counts[r] = _grid_row(X, s + r, Xs, order, cells, starts, keys, radix, thr, False, none, 0)
    return counts


@njit(parallel=True, cache=True)
def grid_fill(X, s, e, Xs, order, cells, starts, keys, radix, thr, indptr):
    """Neighbour indices of rows s..e-1 at indptr's offsets (grid_count's order)."""
    out = np.empty(indptr[e - s], dtype=np.int32)
    for r in prange(e - s):
        _grid_row(X, s + r, Xs, order, cells, starts, keys, radix, thr, True, out, indptr[r])
    return out


# --- the whole self-join in one bit mask: each pair computed once ----------------


@njit(parallel=True, cache=True)
def radius_mask_upper(X, xsq, thr, metric, margin, tile, mask, t0, t1):
    """Bits of the upper triangle (j >= i) of the self-join of X's rows, as radius_mask
    decides them: each tile multiplies its rows with the rows from its own start on,
    so every pair's dot product is computed once (half radius_mask's work). Only the
    row tiles t0 <= t < t1 (the caller goes through them in chunks)."""
    n = X.shape[0]
    Xt = X.T
    for t in prange(t0, t1):
        s = t * tile
        e = min(n, s + tile)
        dots = np.dot(X[s:e], X[s:].T)  # (rows, columns s..n-1)
        for r in range(e - s):
            i = s + r
            _mark_row(X, i, Xt, dots[r], s, i, n, xsq[i], xsq, thr, metric, margin, mask[i])
            mask[i, i >> 3] |= np.uint8(1 << (i & 7))  # a point is always its own neighbour


@njit(cache=True)
def mirror_upper(mask):
    """Copy every bit (i, j) with j > i to (j, i), making the mask symmetric. Serial:
    it writes other rows; the bits are few (neighbours), the scan is n^2/16 bytes."""
    n = mask.shape[0]
    for i in range(n):
        for w in range(i >> 3, mask.shape[1]):
            b = mask[i, w]
            if b == 0:
                continue
            for k in range(8):
                j = w * 8 + k
                if j > i and (b >> k) & 1:
                    mask[j, i >> 3] |= np.uint8(1 << (i & 7))


@njit(parallel=True, cache=True)
def mask_counts(mask):
    """Set bits of each row (neighbour counts)."""
    table = np.zeros(256, dtype=np.int64)
    for v in range(256):
        table[v] = (v & 1) + table[v >> 1]
    counts = np.zeros(mask.shape[0], dtype=np.int64)
    for i in prange(mask.shape[0]):
        c = 0
        for w in range(mask.shape[1]):
            c += table[mask[i, w]]
        counts[i] = c
    return counts
