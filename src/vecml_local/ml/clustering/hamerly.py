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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._parallel import dynamic, kernels

__all__ = ["HamerlyState", "run_hamerly"]

_CHUNK = 256  # rows per block of the Euclidean pass
# A block where at least 1/_DENSE_ABOVE of the rows fail their bounds is scanned in
# place by one BLAS call, skipping the tightening and the gather (early passes).
_DENSE_ABOVE = 2

# (old centres, summed rows per centre, counts per centre, labels) -> new centres
NewCentres = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class HamerlyState:
    """The data and the per-point bounds of one Hamerly run."""

    X: np.ndarray  # (n, d) float32, the training rows as the kernels see them
    xsq: np.ndarray  # |x|^2 per row (float32), for the Euclidean BLAS scans
    metric: int  # `_common_kernels` code; a true metric (Euclidean is SQEUCLID's root)
    parts: int  # row ranges handed to the threads
    labels: np.ndarray  # (n,) int32
    upper: np.ndarray  # (n,) distance to the own centre, an upper bound
    lower: np.ndarray  # (n,) a lower bound on the distance to every other centre

    @classmethod
    def for_data(cls, X: np.ndarray, xsq: np.ndarray, metric: int, parts: int) -> HamerlyState:
        n = X.shape[0]
        return cls(X, xsq, metric, parts, np.empty(n, dtype=np.int32), np.empty(n), np.empty(n))

    @property
    def euclidean(self) -> bool:
        return self.metric == kernels("_common_kernels").SQEUCLID

    def first_pass(self, C: np.ndarray, accumulate: bool) -> tuple[np.ndarray, np.ndarray]:
        """Full scan: labels and both bounds of every row; per-range sums and counts."""
        K = kernels("_hamerly_kernels")
        with dynamic():
            if self.euclidean:
                s = K.centre_half_gaps(C, self.metric)
                args = (s, np.zeros(C.shape[0]), self.parts, accumulate, True, _CHUNK, _DENSE_ABOVE)
                sums, counts, _, _ = K.hamerly_l2(self.X, self.xsq, C, self.labels, self.upper, self.lower, *args)
                return sums, counts
            return K.hamerly_init(self.X, C, self.metric, self.labels, self.upper, self.lower, self.parts, accumulate)

    def next_pass(self, C: np.ndarray, moved: np.ndarray, accumulate: bool) -> tuple[np.ndarray, np.ndarray, int, int]:
        """After the centres moved by `moved`: bounds follow, rows that fail them are
        re-scanned. Returns (sum deltas, count deltas, rows relabelled, rows scanned)."""
        K = kernels("_hamerly_kernels")
        s = K.centre_half_gaps(C, self.metric)
        if self.euclidean:
            args = (s, moved, self.parts, accumulate, False, _CHUNK, _DENSE_ABOVE)
            with dynamic():
                return K.hamerly_l2(self.X, self.xsq, C, self.labels, self.upper, self.lower, *args)
        K.hamerly_move_bounds(self.labels, self.upper, self.lower, moved)
        with dynamic():
            return K.hamerly_assign(
                self.X, C, self.metric, self.labels, self.upper, self.lower, s, self.parts, accumulate
            )


def run_hamerly(
    state: HamerlyState, C: np.ndarray, new_centres: NewCentres, accumulate: bool, tol_abs: float, max_iter: int
):  # type: ignore[no-untyped-def]
    """Hamerly's k-means from centres C.

    Same iteration and convergence rule as Lloyd's (`kmeans._Runner.lloyd`), so the
    same start gives the same centroids, labels and iteration count. `accumulate`:
    the centre update needs the summed rows (mean updates). Returns (C, labels,
    n_iter, scans).
    """
    K = kernels("_hamerly_kernels")
    n = state.X.shape[0]
    s3, c2 = state.first_pass(C, accumulate)
    sums, counts = s3.sum(0), c2.sum(0)
    changed, scans, strict, it = n, n, False, 1
    moved = np.zeros(C.shape[0])
    while True:
        C_new = new_centres(C, sums, counts, state.labels)
        shift = float(((C_new.astype(np.float64) - C) ** 2).sum())
        moved = K.centre_shifts(C, C_new, state.metric)
        C = C_new
        if changed == 0:
            strict = True
            break
        if shift <= tol_abs or it >= max_iter:
            break
        it += 1
        ds, dc, changed, sc = state.next_pass(C, moved, accumulate)
        scans += sc
        counts = counts + dc.sum(0)
        if accumulate:
            sums = sums + ds.sum(0)
    if not strict:
        state.next_pass(C, moved, False)
    return C, state.labels, it, int(scans)
