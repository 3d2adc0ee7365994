"""Exact nearest-neighbour search in memory-bounded blocks.

`ExactIndex(X, dist_type)` prepares a collection's matrix once (row norms, unit rows for
cosine, which rows hold only finite numbers) and `query(Q, k)` answers the k closest rows
of every query, closest first, ties broken by row order (insertion order).

Why two passes: scores of a whole block come from one BLAS call in float32 (what makes
search fast), but float32 can swap two rows whose distances differ by less than its
rounding. So each block only nominates candidates — every row within a small tolerance
of the block's k-th score — and the candidates' distances are then computed again in
float64 from the stored values and sorted by (distance, row). The answer is the one a
float64 brute force gives, at the cost of a few extra rows per query.

Distances (smaller is closer), as in `ml.distances`:
Euclidean ||x - q||, Manhattan ||x - q||_1, NegativeCosineSimilarity 1 - cos(x, q)
(a zero vector has cosine 0 with everything), NegativeInnerProduct -<x, q>, Hamming the
number of coordinates that differ. Rows holding a missing value (NaN) are never returned.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import overload

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from .distances import COSINE, EUCLIDEAN, HAMMING, INNER_PRODUCT, MANHATTAN, Matrix

__all__ = ["ExactIndex", "SearchResult"]

# Scores of one block stay under this many float32 elements (~64 MB).
_BLOCK_ELEMENTS = 16_000_000
# float32 BLAS scores are trusted to this relative error before the float64 re-check.
_RELATIVE_TOLERANCE = 1e-4

# Fewer queries than this are scored on one BLAS thread.
_FEW_QUERIES = 8


@functools.cache
def _blas() -> ThreadpoolController:
    """Built once: inspecting the loaded BLAS libraries takes about a millisecond."""
    return ThreadpoolController()


@dataclass(frozen=True)
class SearchResult:
    rows: np.ndarray  # (n_queries, k) int64 row positions, closest first
    distances: np.ndarray  # (n_queries, k) float64


class ExactIndex:
    """A collection's vectors prepared for repeated exact queries with one distance."""

    def __init__(self, X: Matrix, dist_type: str) -> None:
        self.dist_type = dist_type
        self.sparse = sp.issparse(X)
        finite: np.ndarray  # per row: every component finite
        if sp.issparse(X):
            self.X: Matrix = sp.csr_matrix(X, dtype=np.float32)
            finite = np.ones(X.shape[0], dtype=bool)
        elif dist_type in (HAMMING, MANHATTAN):
            self.X = np.ascontiguousarray(X)
            finite = np.ones(X.shape[0], dtype=bool) if X.dtype.kind in "iub" else np.isfinite(X).all(axis=1)  # type: ignore[assignment]  # of a 2-d array: an array, never the scalar the stub allows
        else:
            self.X = np.ascontiguousarray(X, dtype=np.float32)
            finite = np.isfinite(self.X).all(axis=1)  # type: ignore[assignment]  # 2-d: an array, never a scalar
        self.num_rows = int(X.shape[0])
        self.dim = int(X.shape[1])
        self.finite = None if finite.all() else finite
        # What one BLAS call scores against: scores = (q_factor * Q) @ scored.T + row_offset,
        # a monotone function of the distance for each query (the query's own |q|^2 and the
        # constant 1 of the cosine distance change no order, so they are left out).
        self._scored: Matrix = self.X
        self._q_factor = -1.0
        self._row_offset: np.ndarray | None = None
        self._max_sq = 0.0
        if dist_type in (EUCLIDEAN, COSINE, INNER_PRODUCT):
            sq = self._row_sq_norms(self.X)
            if self.finite is not None:
                sq = np.where(self.finite, sq, 0.0)
            self._max_sq = float(sq.max(initial=0.0))
            if dist_type == EUCLIDEAN:
                self._q_factor, self._row_offset = -2.0, sq.astype(np.float32)
            elif dist_type == COSINE:
                self._scored = self._unit_rows(self.X, sq)
                self._max_sq = 1.0

    # -- public ---------------------------------------------------------------
    def query(
        self,
        Q: Matrix,
        k: int,
        *,
        allowed: np.ndarray | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """The k nearest eligible rows of every query row. `allowed`: a boolean mask of
        rows a filter keeps. Fewer than k eligible rows gives every query that many."""
        if Q.shape[0] >= _FEW_QUERIES:
            return self._query(Q, k, allowed=allowed, should_stop=should_stop)
        # A matrix-vector product is memory-bound: more BLAS threads do not help it, and on a
        # busy host their wake-up costs 20x the product itself (0.4 ms -> 21 ms measured).
        with _blas().limit(limits=1, user_api="blas"):
            return self._query(Q, k, allowed=allowed, should_stop=should_stop)

    def _query(
        self,
        Q: Matrix,
        k: int,
        *,
        allowed: np.ndarray | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> SearchResult:
        eligible = self._eligible(allowed)
        count = self.num_rows if eligible is None else int(eligible.sum())
        k = min(k, count)
        m = Q.shape[0]
        if k == 0:
            return SearchResult(np.zeros((m, 0), np.int64), np.zeros((m, 0), np.float64))
        Qd = self._dense_queries(Q)
        pools: list[list[np.ndarray]] = [[] for _ in range(m)]
        step = max(256, _BLOCK_ELEMENTS // max(m, self.dim, 1))
        for start in range(0, self.num_rows, step):
            if should_stop is not None and should_stop():
                from . import Cancelled

                raise Cancelled()
            stop = min(self.num_rows, start + step)
            scores = self._block_scores(Qd, start, stop)
            if eligible is not None:
                scores[:, ~eligible[start:stop]] = np.inf
            self._nominate(Qd, scores, k, start, pools)
        rows = np.zeros((m, k), np.int64)
        distances = np.zeros((m, k), np.float64)
        for i in range(m):
            candidates = np.concatenate(pools[i])
            exact = self.distances_to(Qd[i], candidates)
            order = np.lexsort((candidates, exact))[:k]
            rows[i], distances[i] = candidates[order], exact[order]
        return SearchResult(rows, distances)

    # -- scoring --------------------------------------------------------------
    def _eligible(self, allowed: np.ndarray | None) -> np.ndarray | None:
        if allowed is None:
            return self.finite
        return allowed if self.finite is None else allowed & self.finite

    def _dense_queries(self, Q: Matrix) -> np.ndarray:
        dense = Q.toarray() if sp.issparse(Q) else np.asarray(Q)
        if self.dist_type == HAMMING:
            return np.ascontiguousarray(dense)
        return np.ascontiguousarray(dense, dtype=np.float32)

    def _block_scores(self, Q: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Scores of the block's rows for every query: smaller is closer."""
        if self.dist_type in (MANHATTAN, HAMMING):
            rows: Matrix = self.X[start:stop]
            return self._exact_block(Q, rows.toarray() if sp.issparse(rows) else rows)
        if self.dist_type == COSINE:
            Q = self._unit_rows(Q, np.einsum("ij,ij->i", Q, Q, dtype=np.float64))
        block = self._scored[start:stop]
        factor = np.float32(self._q_factor)
        if self.sparse:
            scores = np.ascontiguousarray(np.asarray(block @ (factor * Q).T, dtype=np.float32).T)
        else:
            scores = (factor * Q) @ block.T
        if self._row_offset is not None:
            scores += self._row_offset[start:stop]
        return scores

    @overload
    @staticmethod
    def _unit_rows(X: np.ndarray, sq_norms: np.ndarray) -> np.ndarray: ...
    @overload
    @staticmethod
    def _unit_rows(X: Matrix, sq_norms: np.ndarray) -> Matrix: ...
    @staticmethod
    def _unit_rows(X: Matrix, sq_norms: np.ndarray) -> Matrix:
        """Rows scaled to unit length; zero rows stay zero (cosine 0 with everything)."""
        norms = np.sqrt(sq_norms)
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0).astype(np.float32)
        if sp.issparse(X):
            return sp.csr_matrix(sp.diags(scale) @ X, dtype=np.float32)
        unit: np.ndarray = np.ascontiguousarray(X * scale[:, None], dtype=np.float32)
        return unit

    def _exact_block(self, Q: np.ndarray, block: np.ndarray) -> np.ndarray:
        out = np.empty((Q.shape[0], block.shape[0]), dtype=np.float64)
        if self.dist_type == HAMMING:
            for i in range(Q.shape[0]):
                out[i] = np.count_nonzero(block != Q[i], axis=1)
            return out
        b64 = np.asarray(block, dtype=np.float64)
        for i in range(Q.shape[0]):
            out[i] = np.abs(b64 - Q[i].astype(np.float64)).sum(axis=1)
        return out

    def _nominate(self, Q: np.ndarray, scores: np.ndarray, k: int, start: int, pools: list[list[np.ndarray]]) -> None:
        """Keep, per query, every row of the block within tolerance of its k-th best score."""
        kk = min(k, scores.shape[1]) - 1
        kth = np.partition(scores, kk, axis=1)[:, kk]
        limit = kth + _RELATIVE_TOLERANCE * (np.abs(kth) + self._scale(Q)) if self._approximate else kth
        for i in range(scores.shape[0]):
            row = scores[i]
            keep = np.flatnonzero(row <= limit[i]) if np.isfinite(limit[i]) else np.flatnonzero(np.isfinite(row))
            pools[i].append(keep.astype(np.int64) + start)

    @property
    def _approximate(self) -> bool:
        return self.dist_type in (EUCLIDEAN, COSINE, INNER_PRODUCT)

    def _scale(self, Q: np.ndarray) -> np.ndarray:
        """The size of the float32 rounding error of a query's scores, per query."""
        q_sq: np.ndarray = np.einsum("ij,ij->i", Q, Q, dtype=np.float64)
        if self.dist_type == EUCLIDEAN:
            return 2.0 * (q_sq + self._max_sq) + 1.0
        if self.dist_type == INNER_PRODUCT:
            return np.sqrt(q_sq * self._max_sq) + 1.0
        return np.full(Q.shape[0], 2.0)

    def distances_to(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """float64 distances from one query to the given rows, computed from the stored values."""
        block: Matrix = self.X[rows]
        dense = block.toarray() if sp.issparse(block) else np.asarray(block)
        distances: NDArray[np.float64]  # numpy's stubs type a reduction along an axis as Any
        if self.dist_type == HAMMING:
            distances = np.count_nonzero(dense != q, axis=1).astype(np.float64)
            return distances
        x: NDArray[np.float64] = dense.astype(np.float64)
        q64: NDArray[np.float64] = q.astype(np.float64)
        if self.dist_type == EUCLIDEAN:
            distances = np.sqrt(((x - q64) ** 2).sum(axis=1))
            return distances
        if self.dist_type == MANHATTAN:
            distances = np.abs(x - q64).sum(axis=1)
            return distances
        if self.dist_type == INNER_PRODUCT:
            return -(x @ q64)
        norms = np.sqrt((x * x).sum(axis=1)) * np.sqrt(q64 @ q64)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = np.where(norms > 0, (x @ q64) / np.where(norms > 0, norms, 1.0), 0.0)
        return 1.0 - cos

    @staticmethod
    def _row_sq_norms(X: Matrix) -> np.ndarray:
        if sp.issparse(X):
            return np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        out = np.empty(X.shape[0], dtype=np.float64)
        step = max(1, _BLOCK_ELEMENTS // max(X.shape[1], 1))
        for s in range(0, X.shape[0], step):
            part = np.asarray(X[s : s + step], dtype=np.float32)
            out[s : s + step] = np.einsum("ij,ij->i", part, part, dtype=np.float64)
        return out
