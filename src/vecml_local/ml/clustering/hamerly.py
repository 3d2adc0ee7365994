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
from ._progress import Checkpoints

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
    chunks: list[tuple[int, int, int]]  # (first row, end row, row ranges for the threads): one pass
    checks: Checkpoints  # should_stop() between chunks
    labels: np.ndarray  # (n,) int32
    upper: np.ndarray  # (n,) distance to the own centre, an upper bound
    lower: np.ndarray  # (n,) a lower bound on the distance to every other centre

    @classmethod
    def for_data(
        cls, X: np.ndarray, xsq: np.ndarray, metric: int, chunks: list[tuple[int, int, int]], checks: Checkpoints
    ) -> HamerlyState:
        n = X.shape[0]
        return cls(X, xsq, metric, chunks, checks, np.empty(n, dtype=np.int32), np.empty(n), np.empty(n))

    def _rows(self, a: int, b: int) -> tuple[np.ndarray, ...]:
        return self.X[a:b], self.xsq[a:b], self.labels[a:b], self.upper[a:b], self.lower[a:b]

    @property
    def euclidean(self) -> bool:
        squared_l2: int = kernels("_common_kernels").SQEUCLID
        return self.metric == squared_l2

    def first_pass(self, C: np.ndarray, accumulate: bool) -> tuple[np.ndarray, np.ndarray]:
        """Full scan: labels and both bounds of every row; summed rows and counts per centre."""
        K = kernels("_hamerly_kernels")
        k, d = C.shape
        sums, counts = np.zeros((k, d) if accumulate else (1, 1)), np.zeros(k, dtype=np.int64)
        s = K.centre_half_gaps(C, self.metric) if self.euclidean else None
        for a, b, P in self.chunks:
            self.checks.check()
            X, xsq, labels, upper, lower = self._rows(a, b)
            with dynamic():
                if self.euclidean:
                    args = (s, np.zeros(k), P, accumulate, True, _CHUNK, _DENSE_ABOVE)
                    s3, c2, _, _ = K.hamerly_l2(X, xsq, C, labels, upper, lower, *args)
                else:
                    s3, c2 = K.hamerly_init(X, C, self.metric, labels, upper, lower, P, accumulate)
            sums += s3.sum(0)
            counts += c2.sum(0)
        return sums, counts

    def next_pass(self, C: np.ndarray, moved: np.ndarray, accumulate: bool) -> tuple[np.ndarray, np.ndarray, int, int]:
        """After the centres moved by `moved`: bounds follow, rows that fail them are
        re-scanned. Returns (sum deltas, count deltas, rows relabelled, rows scanned)."""
        K = kernels("_hamerly_kernels")
        k, d = C.shape
        sums, counts = np.zeros((k, d) if accumulate else (1, 1)), np.zeros(k, dtype=np.int64)
        changed = scans = 0
        s = K.centre_half_gaps(C, self.metric)
        if not self.euclidean:
            K.hamerly_move_bounds(self.labels, self.upper, self.lower, moved)
        for a, b, P in self.chunks:
            self.checks.check()
            X, xsq, labels, upper, lower = self._rows(a, b)
            with dynamic():
                if self.euclidean:
                    args = (s, moved, P, accumulate, False, _CHUNK, _DENSE_ABOVE)
                    s3, c2, ch, sc = K.hamerly_l2(X, xsq, C, labels, upper, lower, *args)
                else:
                    s3, c2, ch, sc = K.hamerly_assign(X, C, self.metric, labels, upper, lower, s, P, accumulate)
            sums += s3.sum(0)
            counts += c2.sum(0)
            changed, scans = changed + int(ch), scans + int(sc)
        return sums, counts, changed, scans


def run_hamerly(
    state: HamerlyState,
    C: np.ndarray,
    new_centres: NewCentres,
    accumulate: bool,
    tol_abs: float,
    max_iter: int,
    report: Callable[[int], None],
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Hamerly's k-means from centres C.

    Same iteration and convergence rule as Lloyd's (`kmeans._Runner.lloyd`), so the
    same start gives the same centroids, labels and iteration count. `accumulate`:
    the centre update needs the summed rows (mean updates). Returns (C, labels,
    n_iter, scans).
    """
    K = kernels("_hamerly_kernels")
    n = state.X.shape[0]
    report(1)
    sums, counts = state.first_pass(C, accumulate)
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
        report(it)
        ds, dc, changed, sc = state.next_pass(C, moved, accumulate)
        scans += sc
        counts = counts + dc
        if accumulate:
            sums = sums + ds
    if not strict:
        state.next_pass(C, moved, False)
    return C, state.labels, it, int(scans)
