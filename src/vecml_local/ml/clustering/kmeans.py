"""k-means for every distance: Lloyd (`kmeans`) and Hamerly (`kmeans_hamerly`).

What each distance means for k-means (the objective reported as `inertia`):

| dist_type                  | assignment                      | centroid update            | objective (inertia)        |
|----------------------------|---------------------------------|----------------------------|----------------------------|
| `Euclidean`                | nearest by L2                   | mean                       | sum of squared L2          |
| `Manhattan`                | nearest by L1                   | coordinate-wise median (k-medians) | sum of L1          |
| `NegativeCosineSimilarity` | largest cosine (spherical)      | mean, scaled to unit norm  | sum of (1 - cos)           |
| `NegativeInnerProduct`     | largest inner product <x, c>    | mean, scaled to unit norm  | sum of -<x, c>             |
| `Hamming`                  | fewest differing coordinates    | per-coordinate mode (k-modes) | sum of Hamming counts   |

Inner Product keeps centroids at unit norm: with raw means the centroid of largest
norm would win every point. With unit centroids the assignment is the maximum
inner product one, and points of large norm weigh more in their centroid.

Input combinations (X as given by the storage layer):

| input                       | Euclidean | Manhattan | Cosine | Inner Product | Hamming |
|-----------------------------|-----------|-----------|--------|---------------|---------|
| dense float32               | yes       | yes       | yes    | yes           | only 0/1 values |
| uint8 (dense8/4/2/1Bit)     | yes       | yes       | yes    | yes           | yes     |
| sparse CSR float32          | yes*      | yes*      | yes*   | yes*          | no       |

(*) the training sample is densified (at most 400M elements); all
vectors are then labelled block by block, so memory stays bounded.

`kmeans_hamerly` runs Hamerly's algorithm (per-point upper/lower bounds and
per-centre half gaps skip distance computations) for Euclidean, Cosine (Euclidean
on unit vectors), Manhattan and Hamming, all true metrics. Inner Product is not a
metric, so `kmeans_hamerly` with it runs Lloyd's iterations (same result).
From the same start Lloyd and Hamerly give the same centroids and labels.

Convergence (as scikit-learn): stop when no label changes, or when the summed
squared centroid shift is at most `tolerance` x mean per-coordinate variance of the
training data, or after `max_iterations`.

Parameters are assumed valid (the request schemas check them, as scikit-learn's
private functions assume theirs); what only the data can rule out (k above the
training rows, NaN, Hamming on non-binary or sparse data) raises `ml.InvalidInput`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypedDict

import numpy as np
import scipy.sparse as sp

from vecml_local.ml import InvalidInput, Progress, ShouldStop
from vecml_local.ml import distances as dist

from ._parallel import LOCK, dynamic, kernels, row_ranges, set_threads
from ._progress import WORK_PER_CHUNK, Checkpoints, row_chunks
from ._seeding import SEEDING_FLOATS, kmeanspp
from ._space import Space, prepare_rows, space_for

__all__ = ["KMeansResult", "fit_kmeans", "assign_to_centroids", "KMEANS_METHODS", "INIT_METHODS"]

KMEANS_METHODS = ("kmeans", "kmeans_hamerly")
INIT_METHODS = ("k-means++", "random")


class KMeansInfo(TypedDict, total=False):
    """How a fit ran (for benchmarks): Hamerly's bounds or not, numba threads, seconds per phase; partitions."""

    hamerly_bounds: bool
    threads: int
    seconds: dict[str, float]  # "seeding", "iterations"
    partitions: int  # a partitioned fit (partitioned.py): how many partitions


# One k-means run: (centres, labels, iterations, Hamerly's full scans), from start centres and an
# iteration reporter
RunResult = tuple[np.ndarray, np.ndarray, int, int]


@dataclass
class KMeansResult:
    centroids: np.ndarray  # (k, d) float32
    labels: np.ndarray  # (n,) int32, every vector
    inertia: float  # objective over every vector
    train_inertia: float  # objective over the training sample
    n_iter: int
    n_train: int
    dist_type: str
    method: str
    full_scans: int = 0  # Hamerly: points whose bounds forced a full scan (best run)
    info: KMeansInfo = field(default_factory=lambda: KMeansInfo())


def _mean_variance(X: np.ndarray, T: int) -> float:
    """Mean per-coordinate variance (scikit-learn scales `tol` by it)."""
    if X.shape[0] == 0:
        return 0.0
    return float(kernels("_lloyd_kernels").mean_variance(X, row_ranges(X.shape[0], 1, X.shape[1], T)))


class _Runner:
    """k-means runs on one (prepared) training matrix: Lloyd's iterations, and what
    Hamerly's share with them (the centre update, the objective)."""

    def __init__(
        self, X: np.ndarray, space: Space, k: int, threads: int, tol_abs: float, max_iter: int, checks: Checkpoints
    ) -> None:
        self.X, self.space, self.tol_abs, self.max_iter, self.checks = X, space, tol_abs, max_iter, checks
        self.n_values = int(X.max()) + 1 if space.update == "mode" else 0
        # Each assignment pass runs over row chunks of bounded work, with a should_stop()
        # check between them (one chunk unless the pass is long). A chunk is split into P
        # row ranges, each with its own accumulator, handed to threads dynamically: a
        # descheduled thread does not hold up the others, and the sums (hence the
        # result) do not depend on the number of threads.
        n, d = X.shape
        self.chunks = [(a, b, row_ranges(b - a, k, d, threads)) for a, b in row_chunks(n, k * d)]

    @cached_property
    def xsq(self) -> np.ndarray:
        """|x|^2 of every row (float32), for k-means++ and Hamerly's Euclidean scans."""
        sq: np.ndarray = np.einsum("ij,ij->i", self.X, self.X).astype(np.float32)
        return sq

    def _assign(self, C: np.ndarray, labels: np.ndarray, accumulate: bool) -> tuple[np.ndarray, np.ndarray, int]:
        """Nearest centres of every row: (summed rows per centre, counts, rows relabelled)."""
        K = kernels("_lloyd_kernels")
        k, d = C.shape
        sums = np.zeros((k, d) if accumulate else (1, 1))
        counts = np.zeros(k, dtype=np.int64)
        changed = 0
        for a, b, P in self.chunks:
            self.checks.check()
            X, lab, metric = self.X[a:b], labels[a:b], self.space.metric
            with dynamic():
                if self.space.gemm:
                    s3, c2, ch = K.lloyd_assign_gemm(X, C, metric, lab, P, accumulate, 256)
                else:
                    s3, c2, ch = K.lloyd_assign_direct(X, C, metric, lab, P, accumulate)
            sums += s3.sum(0)
            counts += c2.sum(0)
            changed += int(ch)
        return sums, counts, changed

    def new_centres(self, C_old: np.ndarray, sums: np.ndarray, counts: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Centres after an assignment (sums/counts only for mean updates); an empty
        cluster takes the point farthest from its centre, as scikit-learn."""
        k, d = C_old.shape
        upd = self.space.update
        C: np.ndarray
        if upd in ("mean", "unit_mean"):
            C = C_old.astype(np.float64, copy=True)
            ok = counts > 0
            C[ok] = sums[ok] / counts[ok, None]
            C = C.astype(np.float32)
            if upd == "unit_mean":
                C[ok] = dist.normalize_rows(C[ok])
        elif upd == "median":
            C = C_old.copy()
            order = np.argsort(labels, kind="stable")
            bounds = np.searchsorted(labels[order], np.arange(k + 1))
            for j in range(k):
                if bounds[j + 1] > bounds[j]:
                    C[j] = np.median(self.X[order[bounds[j] : bounds[j + 1]]], axis=0)
        else:
            C = kernels("_lloyd_kernels").mode_update(self.X, labels, k, self.n_values)
            C[counts == 0] = C_old[counts == 0]
        empty = np.nonzero(counts == 0)[0]
        if empty.size:
            far = np.empty(self.X.shape[0])
            kernels("_common_kernels").exact_min_dist(self.X, C_old, labels, self.space.metric, far)
            picks = np.argsort(-far, kind="stable")[: empty.size]
            C[empty] = self.X[picks]
        return C

    def objective(self, C: np.ndarray, labels: np.ndarray) -> float:
        out = np.empty(self.X.shape[0])
        kernels("_common_kernels").exact_min_dist(self.X, C, labels, self.space.metric, out)
        total = float(out.sum())
        return total / 2.0 if self.space.halved else total

    def lloyd(self, C: np.ndarray, report: Callable[[int], None]) -> RunResult:
        n = self.X.shape[0]
        labels = np.full(n, -1, dtype=np.int32)
        acc = self.space.update in ("mean", "unit_mean")
        strict = False
        it = 0
        for it in range(1, self.max_iter + 1):  # noqa: B007 - `it` is returned after the loop
            report(it)
            sums, counts, changed = self._assign(C, labels, acc)
            C_new = self.new_centres(C, sums, counts, labels)
            shift = float(((C_new.astype(np.float64) - C) ** 2).sum())
            C = C_new
            if changed == 0:
                strict = True
                break
            if shift <= self.tol_abs:
                break
        if not strict:
            self._assign(C, labels, False)
        return C, labels, it, 0

    def hamerly(self, C: np.ndarray, report: Callable[[int], None]) -> RunResult:
        from .hamerly import HamerlyState, run_hamerly

        state = HamerlyState.for_data(self.X, self.xsq, self.space.metric, self.chunks, self.checks)
        accumulate = self.space.update in ("mean", "unit_mean")
        return run_hamerly(state, C, self.new_centres, accumulate, self.tol_abs, self.max_iter, report)


def assign_to_centroids(
    X: dist.Matrix,
    centroids: np.ndarray,
    dist_type: str,
    *,
    num_threads: int = 4,
    block_elements: int = dist.BLOCK_ELEMENTS,
    checks: Checkpoints | None = None,
) -> tuple[np.ndarray, float]:
    """Nearest-centroid label of every row (blocked) and the summed objective."""
    with LOCK:
        return _assign_all(X, centroids, dist_type, num_threads, block_elements, checks or Checkpoints())


def _assign_all(
    X: dist.Matrix,
    centroids: np.ndarray,
    dist_type: str,
    num_threads: int,
    block_elements: int,
    checks: Checkpoints,
) -> tuple[np.ndarray, float]:
    space = space_for(dist_type)
    T = set_threads(num_threads)
    K, Kc = kernels("_lloyd_kernels"), kernels("_common_kernels")
    n, d = X.shape
    labels = np.empty(n, dtype=np.int32)
    total = 0.0
    C = np.ascontiguousarray(centroids, dtype=np.float32)
    for s, e in dist.iter_blocks(n, d, min(block_elements, max(d, WORK_PER_CHUNK // max(C.shape[0], 1)))):
        checks.check()
        checks.report(e / n, f"labelling {n} vectors")
        B = prepare_rows(dist.dense_rows(X, slice(s, e)), dist_type)
        lab = np.full(e - s, -1, dtype=np.int32)
        mind = np.empty(e - s)
        P = row_ranges(e - s, C.shape[0], d, T)
        with dynamic():
            if space.gemm:
                K.lloyd_assign_gemm(B, C, space.metric, lab, P, False, 256)
            else:
                K.lloyd_assign_direct(B, C, space.metric, lab, P, False)
        Kc.exact_min_dist(B, C, lab, space.metric, mind)
        labels[s:e] = lab
        total += float(mind.sum())
    if space.halved:
        total /= 2.0
    return labels, total


def fit_kmeans(
    X: dist.Matrix,
    *,
    n_clusters: int,
    method: str = "kmeans",
    dist_type: str = "Euclidean",
    n_init: int = 3,
    max_train_samples: int = 10000,
    max_iterations: int = 100,
    tolerance: float = 1e-4,
    num_threads: int = 4,
    random_seed: int = 1234567,
    initialization_method: str = "k-means++",
    should_stop: ShouldStop | None = None,
    progress: Progress | None = None,
) -> KMeansResult:
    """Fit k-means on a seeded sample of at most `max_train_samples` rows, label every row.

    `method` is one of KMEANS_METHODS, `initialization_method` one of INIT_METHODS,
    `dist_type` any spelling `distances.canonical_dist_type` knows. `should_stop()` is
    checked between chunks of work (raises `ml.Cancelled`); `progress(fraction,
    message)` hears about each iteration of each run."""
    dt = dist.canonical_dist_type(dist_type)
    X = dist.check_matrix(X, dt)
    n = X.shape[0]
    k, max_train, max_iter = int(n_clusters), int(max_train_samples), int(max_iterations)
    rng = np.random.default_rng(int(random_seed))
    if n > max_train:
        train_idx = np.sort(rng.choice(n, size=max_train, replace=False))
    else:
        train_idx = None
    n_train = n if train_idx is None else max_train
    if k > n_train:
        raise InvalidInput(f"n_clusters ({k}) must not exceed the number of training vectors ({n_train})")
    if sp.issparse(X):
        Xs = dist.to_dense_float(X if train_idx is None else X[train_idx], what="training sample")
    else:
        Xs = X if train_idx is None else X[train_idx]
    Xt = prepare_rows(Xs, dt)
    space = space_for(dt)
    use_hamerly = method == "kmeans_hamerly" and space.hamerly
    seeds = rng.integers(0, 2**31 - 1, size=int(n_init))
    checks = Checkpoints(should_stop, progress)
    fitting = checks.part(0.0, 0.95 if train_idx is not None else 1.0)

    with LOCK:
        from threadpoolctl import threadpool_limits

        T = set_threads(num_threads)
        with threadpool_limits(limits=1, user_api="blas"):
            var = _mean_variance(Xt, T)
            runner = _Runner(Xt, space, k, T, float(tolerance) * var, max_iter, fitting)
            Xseed = dist.normalize_rows(Xt) if dt == dist.INNER_PRODUCT else Xt
            sq = kernels("_common_kernels").SQEUCLID
            seed_xsq = runner.xsq if space.seed_metric == sq and Xseed is Xt else None  # shared with Hamerly
            best: tuple[float, np.ndarray, np.ndarray, int, int] | None = None  # (objective, *RunResult)
            seconds = {"seeding": 0.0, "iterations": 0.0}  # where the time goes (bench figures)
            group = max(1, min(len(seeds), SEEDING_FLOATS // max(n_train, 1)))
            for first in range(0, len(seeds), group):
                rngs = [np.random.default_rng(int(seed)) for seed in seeds[first : first + group]]
                started = time.perf_counter()
                fitting.report(first / len(seeds), f"seeding run {first + 1} of {len(seeds)}")
                starts: np.ndarray | list[np.ndarray]  # per run: the rows of its start centres
                if initialization_method == "k-means++":
                    starts = kmeanspp(Xseed, k, rngs, space.seed_metric, T, seed_xsq, fitting.check)
                else:
                    starts = [rng.choice(n_train, size=k, replace=False) for rng in rngs]
                seconds["seeding"] += time.perf_counter() - started
                for run, idx in enumerate(starts, start=first):
                    C0 = Xt[idx].astype(np.float32, copy=True)
                    if space.update == "unit_mean":
                        C0 = dist.normalize_rows(C0)
                    started = time.perf_counter()

                    def report(it: int, run: int = run) -> None:
                        fitting.report(
                            (run + it / max_iter) / len(seeds), f"run {run + 1} of {len(seeds)}, iteration {it}"
                        )

                    C, labels, it, scans = (runner.hamerly if use_hamerly else runner.lloyd)(C0, report)
                    seconds["iterations"] += time.perf_counter() - started
                    obj = runner.objective(C, labels)
                    if best is None or obj < best[0]:
                        best = (obj, C, labels, it, scans)
            assert best is not None  # n_init >= 1 (the request schema)
            obj, C, labels, it, scans = best
            if train_idx is None:
                all_labels, inertia = labels, obj
            else:
                all_labels, inertia = assign_to_centroids(X, C, dt, num_threads=T, checks=checks.part(0.95, 1.0))
    return KMeansResult(
        centroids=np.ascontiguousarray(C, dtype=np.float32),
        labels=all_labels.astype(np.int32),
        inertia=float(inertia),
        train_inertia=float(obj),
        n_iter=int(it),
        n_train=int(n_train),
        dist_type=dt,
        method=method,
        full_scans=scans,
        info={"hamerly_bounds": bool(use_hamerly), "threads": T, "seconds": seconds},
    )
