"""k-means (Lloyd) over row partitions held by Dask workers: our kernels per partition, the
per-cluster sums and counts reduced on the client each iteration.

Same steps as `kmeans.fit_kmeans` with Lloyd: the same seeded training sample, the same
k-means++ (or random) starts, the same update, empty-cluster rule and stopping rule. The
training sample is gathered to the client for seeding when it has at most `seed_rows` rows
(then the start is exactly the local one and so are the centroids, up to the order of the
floating sums); a larger sample is seeded on a seeded subsample of `seed_rows` rows.
Only the mean updates (Euclidean, Cosine, Inner Product) run partitioned; `supported()`
says which distances.

`client` is a `distributed.Client`; `blocks` are futures (or values) of dense row blocks,
in collection order, with `sizes` their row counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vecml_local.ml import InvalidInput, Progress, ShouldStop
from vecml_local.ml import distances as dist

from ._parallel import LOCK, dynamic, kernels, row_ranges, set_threads
from ._progress import Checkpoints
from ._seeding import SEEDING_FLOATS, kmeanspp
from ._space import prepare_rows, space_for
from .kmeans import KMeansResult, assign_to_centroids

__all__ = ["fit_kmeans_partitioned", "supported", "SEED_ROWS"]

SEED_ROWS = 200_000  # training rows gathered to the client for seeding, at most

Step = tuple[np.ndarray, np.ndarray, np.ndarray, int]  # labels, sums (k, d), counts (k,), labels changed


def supported(dist_type: str) -> bool:
    return space_for(dist.canonical_dist_type(dist_type)).update in ("mean", "unit_mean")


# -- what runs on a worker ------------------------------------------------------------


def _train_rows(block: np.ndarray, rows: np.ndarray | None, dist_type: str) -> np.ndarray:
    block = np.asarray(block)
    return prepare_rows(block if rows is None else block[rows], dist_type)


def _moments(X: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    x = X.astype(np.float64)
    return len(X), x.sum(axis=0), (x * x).sum(axis=0)


def _assign(
    X: np.ndarray, previous: Step | None, C: np.ndarray, dist_type: str, accumulate: bool, threads: int
) -> Step:
    """(labels, sums (k, d), counts (k,), labels changed) of one partition."""
    from threadpoolctl import threadpool_limits

    space = space_for(dist_type)
    labels = np.full(len(X), -1, dtype=np.int32) if previous is None else previous[0].copy()
    K = kernels("_lloyd_kernels")
    k, d = C.shape
    with LOCK, threadpool_limits(limits=1, user_api="blas"):
        P = row_ranges(len(X), k, d, set_threads(threads))
        with dynamic():
            if space.gemm:
                s3, c2, changed = K.lloyd_assign_gemm(X, C, space.metric, labels, P, accumulate, 256)
            else:
                s3, c2, changed = K.lloyd_assign_direct(X, C, space.metric, labels, P, accumulate)
    return labels, s3.sum(0), c2.sum(0), int(changed)


def _summary(step: Step) -> tuple[np.ndarray, np.ndarray, int]:
    return step[1], step[2], step[3]


def _labels(step: Step) -> np.ndarray:
    return step[0]


def _min_dists(X: np.ndarray, step: Step, C: np.ndarray, dist_type: str) -> np.ndarray:
    out = np.empty(len(X))
    with LOCK:
        kernels("_common_kernels").exact_min_dist(X, C, step[0], space_for(dist_type).metric, out)
    return out


def _farthest(
    X: np.ndarray, step: Step, C_old: np.ndarray, dist_type: str, offset: int, m: int
) -> list[tuple[float, int, np.ndarray]]:
    """The `m` rows farthest from their centre: (distance, global row, row)."""
    far = _min_dists(X, step, C_old, dist_type)
    picks = np.argsort(-far, kind="stable")[:m]
    return [(float(far[i]), offset + int(i), X[i].copy()) for i in picks]


def _objective(X: np.ndarray, step: Step, C: np.ndarray, dist_type: str) -> float:
    return float(_min_dists(X, step, C, dist_type).sum())


def _label_all(block: np.ndarray, C: np.ndarray, dist_type: str, threads: int) -> tuple[np.ndarray, float]:
    return assign_to_centroids(np.asarray(block), C, dist_type, num_threads=threads)


# -- the client side ---------------------------------------------------------------------


def fit_kmeans_partitioned(
    client: Any,
    blocks: list[Any],
    sizes: list[int],
    *,
    n_clusters: int,
    dist_type: str = "Euclidean",
    n_init: int = 3,
    max_train_samples: int = 10000,
    max_iterations: int = 100,
    tolerance: float = 1e-4,
    num_threads: int = 1,
    random_seed: int = 1234567,
    initialization_method: str = "k-means++",
    seed_rows: int = SEED_ROWS,
    should_stop: ShouldStop | None = None,
    progress: Progress | None = None,
) -> KMeansResult:
    """Lloyd's k-means over the partitions (see the module docstring); labels every row."""
    dt = dist.canonical_dist_type(dist_type)
    space = space_for(dt)
    if space.update not in ("mean", "unit_mean"):
        raise ValueError(f"partitioned k-means supports mean updates only, not {dt}")
    n = int(sum(sizes))
    k, max_train, max_iter = int(n_clusters), int(max_train_samples), int(max_iterations)
    rng = np.random.default_rng(int(random_seed))
    train_idx = np.sort(rng.choice(n, size=max_train, replace=False)) if n > max_train else None
    n_train = n if train_idx is None else max_train
    if k > n_train:
        raise InvalidInput(f"n_clusters ({k}) must not exceed the number of training vectors ({n_train})")
    seeds = rng.integers(0, 2**31 - 1, size=int(n_init))
    checks = Checkpoints(should_stop, progress)

    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    train = []
    for i, block in enumerate(blocks):
        rows = None
        if train_idx is not None:
            lo, hi = np.searchsorted(train_idx, [offsets[i], offsets[i + 1]])
            rows = train_idx[lo:hi] - offsets[i]
        train.append(client.submit(_train_rows, block, rows, dt, pure=False))
    train_sizes = client.gather(client.map(len, train, pure=False))
    train_offsets = np.concatenate([[0], np.cumsum(train_sizes)]).astype(np.int64)

    # tolerance is relative to the training sample's mean per-coordinate variance (as scikit-learn)
    moments = client.gather(client.map(_moments, train, pure=False))
    count = sum(m[0] for m in moments)
    mean = sum(m[1] for m in moments) / count
    var = float(np.mean(sum(m[2] for m in moments) / count - mean * mean))
    tol_abs = float(tolerance) * max(var, 0.0)

    starts = _starts(client, train, n_train, k, seeds, space, dt, initialization_method, seed_rows, checks)
    best: tuple[float, np.ndarray, list[Any], int] | None = None
    fitting = checks.part(0.0, 0.95)
    for run, C0 in enumerate(starts):
        C, steps, it = _lloyd(
            client, train, train_offsets, C0, dt, tol_abs, max_iter, num_threads, fitting, run, len(starts)
        )
        obj = sum(client.gather(client.map(_objective, train, steps, C=C, dist_type=dt, pure=False)))
        obj = obj / 2.0 if space.halved else obj
        if best is None or obj < best[0]:
            best = (obj, C, steps, it)
    assert best is not None
    obj, C, steps, it = best
    checks.part(0.95, 1.0).report(0.0, f"labelling {n} vectors")
    if train_idx is None:
        labels = np.concatenate(client.gather(client.map(_labels, steps, pure=False)))
        inertia = obj
    else:
        parts = client.gather(client.map(_label_all, blocks, C=C, dist_type=dt, threads=num_threads, pure=False))
        labels = np.concatenate([p[0] for p in parts])
        inertia = float(sum(p[1] for p in parts))
    return KMeansResult(
        centroids=np.ascontiguousarray(C, dtype=np.float32),
        labels=labels.astype(np.int32),
        inertia=float(inertia),
        train_inertia=float(obj),
        n_iter=int(it),
        n_train=int(n_train),
        dist_type=dt,
        method="kmeans",
        info={"partitions": len(blocks)},
    )


def _starts(
    client: Any,
    train: list[Any],
    n_train: int,
    k: int,
    seeds: np.ndarray,
    space: Any,
    dt: str,
    initialization_method: str,
    seed_rows: int,
    checks: Checkpoints,
) -> list[np.ndarray]:
    """The runs' initial centres, chosen on the client from the (sub)sample as fit_kmeans does."""
    if n_train <= seed_rows:
        Xt = np.concatenate(client.gather(train))
    else:
        picked = np.sort(np.random.default_rng(int(seeds[0])).choice(n_train, size=seed_rows, replace=False))
        Xt = _gather_rows(client, train, picked)
    Xseed = dist.normalize_rows(Xt) if dt == dist.INNER_PRODUCT else Xt
    sq = kernels("_common_kernels").SQEUCLID
    xsq = np.einsum("ij,ij->i", Xt, Xt).astype(np.float32) if space.seed_metric == sq and Xseed is Xt else None
    group = max(1, min(len(seeds), SEEDING_FLOATS // max(len(Xt), 1)))
    starts = []
    with LOCK:
        T = set_threads(1)
        for first in range(0, len(seeds), group):
            rngs = [np.random.default_rng(int(seed)) for seed in seeds[first : first + group]]
            chosen: Any
            if initialization_method == "k-means++":
                chosen = kmeanspp(Xseed, k, rngs, space.seed_metric, T, xsq, checks.check)
            else:
                chosen = [r.choice(len(Xt), size=k, replace=False) for r in rngs]
            for idx in chosen:
                C0 = Xt[idx].astype(np.float32, copy=True)
                starts.append(dist.normalize_rows(C0) if space.update == "unit_mean" else C0)
    return starts


def _gather_rows(client: Any, train: list[Any], rows: np.ndarray) -> np.ndarray:
    sizes = client.gather(client.map(len, train, pure=False))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    parts = []
    for i, part in enumerate(train):
        lo, hi = np.searchsorted(rows, [offsets[i], offsets[i + 1]])
        if hi > lo:
            parts.append(client.submit(lambda x, r: x[r], part, rows[lo:hi] - offsets[i], pure=False))
    return np.concatenate(client.gather(parts))


def _lloyd(
    client: Any,
    train: list[Any],
    offsets: np.ndarray,
    C: np.ndarray,
    dt: str,
    tol_abs: float,
    max_iter: int,
    threads: int,
    checks: Checkpoints,
    run: int,
    runs: int,
) -> tuple[np.ndarray, list[Any], int]:
    space = space_for(dt)
    steps: list[Any] = [None] * len(train)
    strict, it = False, 0
    for it in range(1, max_iter + 1):
        checks.check()
        checks.report((run + it / max_iter) / runs, f"run {run + 1} of {runs}, iteration {it} (partitioned)")
        steps = [client.submit(_assign, x, prev, C, dt, True, threads, pure=False) for x, prev in zip(train, steps)]
        parts = client.gather(client.map(_summary, steps, pure=False))
        sums = np.sum([p[0] for p in parts], axis=0)
        counts = np.sum([p[1] for p in parts], axis=0)
        changed = sum(p[2] for p in parts)
        C_new = C.astype(np.float64, copy=True)
        ok = counts > 0
        C_new[ok] = sums[ok] / counts[ok, None]
        C_new = C_new.astype(np.float32)
        if space.update == "unit_mean":
            C_new[ok] = dist.normalize_rows(C_new[ok])
        empty = np.nonzero(~ok)[0]
        if empty.size:  # as fit_kmeans: the points farthest from their (old) centre, ties by row
            found = client.gather(
                [
                    client.submit(_farthest, x, s, C, dt, int(o), int(empty.size), pure=False)
                    for x, s, o in zip(train, steps, offsets)
                ]
            )
            ranked = sorted((item for part in found for item in part), key=lambda t: (-t[0], t[1]))
            C_new[empty] = np.stack([row for _, _, row in ranked[: empty.size]])
        shift = float(((C_new.astype(np.float64) - C) ** 2).sum())
        C = C_new
        if changed == 0:
            strict = True
            break
        if shift <= tol_abs:
            break
    if not strict:
        steps = [client.submit(_assign, x, prev, C, dt, False, threads, pure=False) for x, prev in zip(train, steps)]
    return C, steps, it
