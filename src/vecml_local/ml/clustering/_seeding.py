"""k-means++ seeding (greedy, as scikit-learn) of several k-means starts at once.

Shared by Lloyd and Hamerly (`kmeans.fit_kmeans`); the numba kernels are in `_seeding_kernels`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._parallel import dynamic, kernels, row_ranges

__all__ = ["SEEDING_FLOATS", "kmeanspp"]

SEEDING_FLOATS = 32_000_000  # closest distances held at once (S x n float64, 256 MB)


def kmeanspp(
    X: np.ndarray,
    k: int,
    rngs: list[np.random.Generator],
    metric: int,
    T: int,
    xsq: np.ndarray | None = None,
    check: Callable[[], None] | None = None,
) -> np.ndarray:
    """Greedy k-means++ (2 + log k candidates per step, as scikit-learn) for several
    seedings at once, one random stream each; returns their row indices, (S, k).

    Each step is two numba passes over X serving every seeding: the candidates'
    potentials (distances, min with that seeding's closest distances, per-range
    sums), then closest moved to the chosen centre, with per-range sums from which
    the next draw walks one row range instead of a cumulative sum over all rows.
    A seeding gets the rows it would get alone, for a fraction of the traffic.
    `xsq` (|x|^2 of every row) may be passed in when the caller already has it;
    `check()` runs before each step (it raises to stop).
    """
    K = kernels("_seeding_kernels")

    n, d = X.shape
    S = len(rngs)
    trials = 2 + int(np.log(k))
    chosen = np.empty((S, k), dtype=np.int64)
    chosen[:, 0] = [int(rng.integers(n)) for rng in rngs]
    if metric != kernels("_common_kernels").SQEUCLID:
        xsq = None
    elif xsq is None:
        xsq = np.einsum("ij,ij->i", X, X)
    parts = row_ranges(n, S * trials, d, T)
    closest = np.full((S, n), np.inf)

    def update(picks: np.ndarray) -> np.ndarray:  # closest follows the new centres; returns each row range's sum
        sums: np.ndarray
        with dynamic():
            if xsq is not None:
                sums = K.pp_update_l2(X, xsq, picks.copy(), closest, parts, 256)
            else:
                sums = K.pp_update(X, picks.copy(), closest, metric, parts)
        return sums

    part_sums = update(chosen[:, 0])
    for step in range(1, k):
        if check is not None:
            check()
        cand = np.empty((S, trials), dtype=np.int64)
        for s, rng in enumerate(rngs):
            pot = part_sums[:, s].sum()
            if pot <= 0:
                cand[s] = rng.integers(n, size=trials)
            else:
                cand[s] = K.pp_draw(closest[s], part_sums[:, s].copy(), rng.random(trials) * pot)
        with dynamic():
            if xsq is not None:
                pots = K.pp_pots_l2(X, xsq, cand, closest, parts, 256).sum(axis=0)
            else:
                pots = K.pp_pots(X, cand, closest, metric, parts).sum(axis=0)
        chosen[:, step] = cand[np.arange(S), np.argmin(pots, axis=1)]
        if step < k - 1:
            part_sums = update(chosen[:, step])
    return chosen
