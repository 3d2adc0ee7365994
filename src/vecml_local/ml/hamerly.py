"""Hamerly's accelerated k-means (G. Hamerly, "Making k-means even faster", SDM 2010).

Each point keeps an upper bound on the distance to its own centre and one lower
bound on the distance to every other centre; each centre knows half the distance to
its nearest other centre (s). A point whose upper bound is below max(s, lower) keeps
its centre without computing any distance; otherwise the upper bound is tightened
(one distance) and only if that fails are all centres scanned (in BLAS batches for
Euclidean/Cosine). After the centres move by p[j], upper grows by its centre's move
and lower shrinks by the largest move of another centre. Ties are always re-scanned
so the result equals Lloyd's from the same start. Works for every true metric we
offer: Euclidean (and Cosine as Euclidean on unit vectors), Manhattan, Hamming.
"""

from __future__ import annotations

import numpy as np

__all__ = ["run_hamerly"]

_CHUNK = 256  # rows per block of the Euclidean pass
# A block where at least 1/_DENSE_ABOVE of the rows fail their bounds is scanned in
# place by one BLAS call, skipping the tightening and the gather (early passes).
_DENSE_ABOVE = 2


def run_hamerly(runner, C):  # type: ignore[no-untyped-def]  (runner: kmeans._Runner)
    """Hamerly's k-means from centres C on the runner's training matrix.

    Same iteration and convergence rule as `_Runner.lloyd`, so the same start gives
    the same centroids, labels and iteration count. Returns (C, labels, n_iter, scans).
    """
    from vecml_local.ml import _hamerly_kernels as K
    from vecml_local.ml._parallel import dynamic

    n = runner.X.shape[0]
    metric = runner.space.metric
    labels = np.empty(n, dtype=np.int32)
    upper = np.empty(n)
    lower = np.empty(n)
    acc = runner.space.update in ("mean", "unit_mean")
    l2 = metric == 0

    def scan(C, p, accumulate, init):
        """One assignment pass after the centres moved by p (bounds follow first)."""
        s = K.centre_half_gaps(C, metric)
        with dynamic():
            if l2:
                return K.hamerly_l2(
                    runner.X,
                    runner.xsq,
                    C,
                    labels,
                    upper,
                    lower,
                    s,
                    p,
                    runner.T,
                    accumulate,
                    init,
                    _CHUNK,
                    _DENSE_ABOVE,
                )
            if init:
                sm, cn = K.hamerly_init(runner.X, C, metric, labels, upper, lower, runner.T, accumulate)
                return sm, cn, runner.X.shape[0], runner.X.shape[0]
        K.hamerly_move_bounds(labels, upper, lower, p)
        with dynamic():
            return K.hamerly_assign(runner.X, C, metric, labels, upper, lower, s, runner.T, accumulate)

    s3, c2, _, _ = scan(C, np.zeros(C.shape[0]), acc, True)
    sums, counts = s3.sum(0), c2.sum(0)
    changed, scans, strict, it = n, n, False, 1
    while True:
        C_new = runner._new_centres(C, sums, counts, labels)
        diff = C_new.astype(np.float64) - C
        shift = float((diff**2).sum())
        p = K.centre_shifts(C, C_new, metric)
        C = C_new
        if changed == 0:
            strict = True
            break
        if shift <= runner.tol_abs or it >= runner.max_iter:
            break
        it += 1
        ds, dc, changed, sc = scan(C, p, acc, False)
        scans += sc
        counts = counts + dc.sum(0)
        if acc:
            sums = sums + ds.sum(0)
    if not strict:
        scan(C, p, False, False)
    return C, labels, it, int(scans)
