"""DBSCAN for every distance, with memory bounded by a neighbour budget.

A point is core when at least `min_samples` points (itself included) lie within
`eps` of it (distance <= eps). Clusters are the connected components of core
points; a border point takes the smallest cluster id among its core neighbours;
the rest is noise (-1). Clusters are numbered by their lowest core index, so the
labels equal scikit-learn's DBSCAN on the same data.

Neighbour search (never a full n x n matrix):

| dist_type                  | how                                                           |
|----------------------------|---------------------------------------------------------------|
| `Euclidean`                | grid of eps-wide cells up to 3 dimensions, k-d tree           |
|                            | (scikit-learn) up to 15, else our brute force in BLAS tiles   |
| `Manhattan`                | scikit-learn radius search with the L1 metric (tree or brute) |
| `NegativeCosineSimilarity` | rows scaled to unit norm, Euclidean radius sqrt(2 eps)        |
| `NegativeInnerProduct`     | brute force in BLAS tiles on -<x, y> (eps may be < 0)         |
| `Hamming`                  | 0/1 data: Euclidean radius sqrt(eps); other codes: `hamming`  |

Neighbour lists are queried block by block; they are kept for reuse while their
total stays under `neighbour_budget` entries, otherwise recomputed (a second and
third pass), so memory is O(n + budget) whatever `eps` is. The BLAS tiles mark
neighbours in a bit mask (at most 64 MB) in one GEMM pass, then read the lists off
it: while every pair fits one mask (n <= 22,600), each pair is computed once and
its bit mirrored; above, one mask per block of query rows.
Inputs: dense float32, uint8 codes, CSR (densified; `InvalidInput` when too large).
Parameters are assumed valid (the request schemas check them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from vecml_local.ml import Progress, ShouldStop
from vecml_local.ml import distances as dist

from ._parallel import LOCK, dynamic, effective_threads, kernels, set_threads
from ._progress import WORK_PER_CHUNK, Checkpoints

if TYPE_CHECKING:
    from sklearn.neighbors import NearestNeighbors

__all__ = ["DBSCANResult", "fit_dbscan"]

_TREE_MAX_DIM = 15  # as scikit-learn: brute force above 15 dimensions
_GRID_MAX_DIM = 3  # a grid of radius-wide cells (3^d cells per query) up to 3 dimensions
_MASK_BITS = 512_000_000  # neighbour bits of one query block on the BLAS path (64 MB)

# Rows [s, e) and their neighbour lists in CSR form: (s, e, indptr, indices)
Block = tuple[int, int, np.ndarray, np.ndarray]
# Rows sorted by cell, their order, the occupied cells, where each starts, every row's cell,
# the cell radix per dimension, the squared radius (the grid kernels' arguments, in order)
Grid = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


@dataclass
class DBSCANResult:
    labels: np.ndarray  # (n,) int32, -1 = noise
    core_indices: np.ndarray  # (m,) int64, ascending
    n_clusters: int
    dist_type: str


class _Searcher:
    """Radius neighbours of row blocks as CSR pieces (indptr, indices)."""

    def __init__(
        self,
        X: dist.Matrix,
        eps: float,
        dist_type: str,
        threads: int,
        budget: int,
        mask_bits: int,
        checks: Checkpoints,
    ) -> None:
        self.dt, self.eps, self.threads, self.checks = dist_type, eps, threads, checks
        Xd = dist.to_dense_float(X, what="X") if not isinstance(X, np.ndarray) else X
        self.n, self.d = Xd.shape
        self.tree: NearestNeighbors | None = None
        metric: str | None  # the metric of the neighbour search, None: only our BLAS tiles
        binary = dist_type == dist.HAMMING and Xd.size > 0 and int(Xd.max()) <= 1
        if dist_type == dist.COSINE:
            self.X = dist.normalize_rows(Xd)
            metric, radius = "euclidean", float(np.sqrt(2.0 * min(max(eps, 0.0), 2.0)))
        elif dist_type == dist.HAMMING and binary:
            self.X = Xd.astype(np.float32)
            metric, radius = "euclidean", float(np.sqrt(np.floor(max(eps, 0.0)) + 0.5))
        elif dist_type == dist.HAMMING:
            self.X = Xd.astype(np.float32)
            metric, radius = "hamming", float((np.floor(max(eps, 0.0)) + 0.5) / self.d)
        else:
            self.X = np.ascontiguousarray(Xd, dtype=np.float32)
            metric = {dist.EUCLIDEAN: "euclidean", dist.MANHATTAN: "manhattan"}.get(dist_type)
            radius = eps
        use_tree = metric is not None and self.d <= _TREE_MAX_DIM
        self.gemm: tuple[int, float, np.ndarray] | None = None  # (kernel code, threshold, |x|^2 per row)
        self.grid = self._grid(radius) if metric == "euclidean" and self.d <= _GRID_MAX_DIM else None
        if self.grid is None and metric == "euclidean" and not use_tree and eps >= 0:
            # Brute force in our BLAS tiles: the same answers as scikit-learn's brute
            # search (float64 near the radius), one GEMM per tile, no per-row lists.
            xsq = np.einsum("ij,ij->i", self.X, self.X, dtype=np.float64)
            self.gemm = (0, radius * radius, xsq)
        elif self.grid is None and metric is not None and eps >= 0:
            from sklearn.neighbors import NearestNeighbors

            algo = "brute" if not use_tree else ("ball_tree" if metric == "hamming" else "kd_tree")
            self.tree = NearestNeighbors(radius=radius, algorithm=algo, metric=metric, n_jobs=threads).fit(self.X)
        self.budget = budget
        if dist_type == dist.INNER_PRODUCT:
            self.gemm = (3, eps, np.zeros(self.n))
        first = 8192 if self.tree is not None or self.grid is not None else 256
        self.block = int(min(self.n, max(first, budget // max(self.n, 1))))
        # the BLAS path holds one bit per (query row, column) while a block is searched
        self.max_rows = self.n if self.gemm is None else int(max(8, mask_bits // max(self.n, 1)))
        self.block = min(self.block, self.max_rows)
        self.self_join: tuple[np.ndarray, np.ndarray] | None = (
            None  # (mask, counts) of all pairs, when they fit one mask
        )

    def _grid(self, radius: float) -> Grid | None:
        """Rows sorted by the cell (radius wide) they fall in, or None when the grid's
        key space would overflow (tiny radius on a wide range) or the radius is 0."""
        grid_keys = kernels("_dbscan_kernels").grid_keys
        if not radius > 0 or self.n == 0:
            return None
        width = radius * (1 + 1e-9)  # rounding can never put two neighbours two cells apart
        lo = self.X.min(axis=0).astype(np.float64)
        radix = (np.floor((self.X.max(axis=0).astype(np.float64) - lo) / width) + 3).astype(np.int64)
        if float(np.prod(radix.astype(np.float64))) > 2.0**62:
            return None
        keys = grid_keys(self.X, lo, width, radix)
        order = np.argsort(keys, kind="stable")
        cells, starts = np.unique(keys[order], return_index=True)
        starts = np.append(starts, self.n).astype(np.int64)
        return self.X[order], order, cells, starts, keys, radix, radius * radius

    def blocks(self) -> Iterator[Block]:
        """Row blocks; after the first, sized from the neighbours seen so far so that one
        block holds about a quarter of the budget (fewer, larger queries)."""
        if self.gemm is not None and self.n <= self.max_rows:
            yield from self._self_join_blocks()
            return
        s, seen_rows, seen_nb = 0, 0, 0
        while s < self.n:
            size = self.block
            if seen_rows:
                per_row = seen_nb / seen_rows + 1.0
                size = int(max(self.block, min(self.n, self.max_rows, self.budget / 4 / per_row)))
            e = min(self.n, s + size)
            indptr, indices = self.query(s, e)
            seen_rows, seen_nb = seen_rows + (e - s), seen_nb + indices.size
            yield s, e, indptr, indices
            s = e

    def _self_join_blocks(self) -> Iterator[Block]:
        """Blocks read off one symmetric mask of every pair (each pair's GEMM once),
        sized so that a block's lists hold about a quarter of the budget."""
        K = kernels("_dbscan_kernels")
        if self.self_join is None:
            assert self.gemm is not None  # blocks() self-joins on the BLAS path only
            code, thr, xsq = self.gemm
            mask = np.zeros((self.n, (self.n + 7) // 8), dtype=np.uint8)
            tile = self._tile()
            n_tiles = (self.n + tile - 1) // tile
            step = max(1, WORK_PER_CHUNK // max(tile * self.n * self.d, 1))  # tiles per call
            for t0 in range(0, n_tiles, step):
                self.checks.check()
                self.checks.report(0.5 * t0 / n_tiles, "comparing every pair of vectors")
                with dynamic():  # tiles near the top carry most columns: hand them out one by one
                    K.radius_mask_upper(self.X, xsq, thr, code, self._margin(), tile, mask, t0, min(n_tiles, t0 + step))
            K.mirror_upper(mask)
            self.self_join = (mask, K.mask_counts(mask))
        mask, counts = self.self_join
        s = 0
        while s < self.n:
            e = s + 1 + int(np.searchsorted(np.cumsum(counts[s + 1 :]), self.budget / 4))
            e = min(self.n, e)
            indptr = np.zeros(e - s + 1, dtype=np.int64)
            np.cumsum(counts[s:e], out=indptr[1:])
            yield s, e, indptr, K.mask_indices(mask[s:e], indptr)
            s = e

    @cached_property
    def columns(self) -> np.ndarray:
        """X transposed (d, n), for the row-block queries only (the self-join reads X)."""
        return np.ascontiguousarray(self.X.T)

    def _tile(self) -> int:
        return int(max(8, min(256, 1_000_000 // max(self.n, 1))))  # a 4 MB float32 dot-product tile

    def _margin(self) -> float:
        assert self.gemm is not None  # (called on the BLAS path only)
        return self.d * 2.4e-7 if self.gemm[0] == 0 else 0.0

    def query(self, s: int, e: int) -> tuple[np.ndarray, np.ndarray]:
        if self.grid is not None:
            K = kernels("_dbscan_kernels")
            counts = K.grid_count(self.X, s, e, *self.grid)
            indptr = np.zeros(e - s + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
            return indptr, K.grid_fill(self.X, s, e, *self.grid, indptr)
        if self.tree is not None:
            lists = self.tree.radius_neighbors(self.X[s:e], return_distance=False)
            indptr = np.zeros(e - s + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, lists), dtype=np.int64, count=e - s), out=indptr[1:])
            indices = np.concatenate(lists) if e > s else np.zeros(0, np.int64)
            return indptr, indices.astype(np.int32) if self.n < 2**31 else indices  # half the memory
        if self.gemm is not None:
            K = kernels("_dbscan_kernels")
            code, thr, xsq = self.gemm
            mask = np.zeros((e - s, (self.n + 7) // 8), dtype=np.uint8)
            counts = np.empty(e - s, dtype=np.int64)
            step = max(8, WORK_PER_CHUNK // max(self.n * self.d, 1))  # query rows per call
            for a in range(s, e, step):
                self.checks.check()
                b = min(e, a + step)
                counts[a - s : b - s] = K.radius_mask(
                    self.X[a:b],
                    xsq[a:b],
                    self.columns,
                    xsq,
                    thr,
                    code,
                    self._margin(),
                    a,
                    self._tile(),
                    mask[a - s : b - s],
                )
            indptr = np.zeros(e - s + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
            return indptr, K.mask_indices(mask, indptr)
        D = dist.pairwise_distances_block(self.X[s:e], self.X, self.dt)
        D[np.arange(e - s), np.arange(s, e)] = -np.inf  # a point is always its own neighbour
        rows, cols = np.nonzero(D <= self.eps)
        indptr = np.zeros(e - s + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=e - s), out=indptr[1:])
        return indptr, cols.astype(np.int64)


def fit_dbscan(
    X: dist.Matrix,
    *,
    eps: float,
    min_samples: int,
    dist_type: str = "Euclidean",
    num_threads: int = 4,
    neighbour_budget: int = 50_000_000,
    mask_bits: int | None = None,
    should_stop: ShouldStop | None = None,
    progress: Progress | None = None,
) -> DBSCANResult:
    """Cluster every row of X; see the module docstring for the search used per distance.

    `eps` >= 0 except for Inner Product, `min_samples` >= 1 (checked by the request schema).
    `mask_bits` bounds the neighbour bit mask of the BLAS path (default 64 MB).
    `should_stop()` is checked between blocks and tiles (raises `ml.Cancelled`);
    `progress(fraction, message)` hears how far the neighbour search got."""
    dt = dist.canonical_dist_type(dist_type)
    eps, ms, threads = float(eps), int(min_samples), int(num_threads)
    X = dist.check_matrix(X, dt)
    from threadpoolctl import threadpool_limits

    K = kernels("_dbscan_kernels")
    with LOCK, threadpool_limits(limits=1, user_api="blas"):
        set_threads(threads)
        bits = _MASK_BITS if mask_bits is None else int(mask_bits)
        checks = Checkpoints(should_stop, progress)
        search = _Searcher(X, eps, dt, effective_threads(threads), neighbour_budget, bits, checks.part(0.0, 0.8))
        n = search.n
        counts = np.zeros(n, dtype=np.int64)
        stored: list[tuple[int, np.ndarray, np.ndarray]] = []  # (s, indptr, indices) while they fit the budget
        total, keep = 0, True
        for s, e, indptr, ind in search.blocks():
            search.checks.check()
            done = e / max(n, 1)  # after the self-join's pairs (the first half), when there is one
            search.checks.report(
                done if search.self_join is None else 0.5 + 0.5 * done, f"neighbours of {e} of {n} vectors"
            )
            counts[s:e] = np.diff(indptr)
            if keep:
                stored.append((s, indptr, ind))
                total += ind.size
                if total > neighbour_budget:
                    keep, stored = False, []
        is_core = counts >= int(ms)

        def again() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
            return iter(stored) if keep else ((s, ip, ix) for s, _, ip, ix in search.blocks())

        checks.report(0.8, "joining core points into clusters")
        search.checks = checks.part(0.8, 0.8)  # recomputed lists: checked, no progress of their own
        parent = np.arange(n, dtype=np.int64)
        for s, indptr, ind in again():
            checks.check()
            K.union_block(parent, s, indptr, ind, is_core)
        labels, n_clusters = K.number_clusters(parent, is_core)
        checks.report(0.9, "labelling border points")
        for s, indptr, ind in again():
            checks.check()
            K.border_block(labels, s, indptr, ind, is_core)
    return DBSCANResult(
        labels=labels, core_indices=np.nonzero(is_core)[0].astype(np.int64), n_clusters=int(n_clusters), dist_type=dt
    )
