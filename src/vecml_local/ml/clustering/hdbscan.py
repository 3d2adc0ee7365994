"""HDBSCAN through the `hdbscan` package (imported lazily).

| dist_type                  | how                                                                 |
|----------------------------|---------------------------------------------------------------------|
| `Euclidean`                | metric `euclidean` (Boruvka k-d tree)                               |
| `Manhattan`                | metric `manhattan`                                                  |
| `NegativeCosineSimilarity` | rows scaled to unit norm, Euclidean (monotone in cosine distance)   |
| `Hamming`                  | metric `hamming` (fraction of differing coordinates, same order)    |
| `NegativeInnerProduct`     | not offered (the schema refuses it): negative "distances" break the density estimate |

Labels: -1 = noise; `probabilities` in [0, 1] = membership strength.
Sparse input is densified (`InvalidInput` when too large).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vecml_local.ml import InvalidInput
from vecml_local.ml import distances as dist

__all__ = ["HDBSCANResult", "fit_hdbscan"]


@dataclass
class HDBSCANResult:
    labels: np.ndarray  # (n,) int32
    probabilities: np.ndarray  # (n,) float64
    n_clusters: int
    dist_type: str


def fit_hdbscan(
    X: dist.Matrix,
    *,
    min_cluster_size: int = 5,
    min_samples: int | None = None,
    cluster_selection_method: str = "eom",
    dist_type: str = "Euclidean",
    num_threads: int = 4,
) -> HDBSCANResult:
    """Cluster every row of X. Parameters as checked by the request schema: not Inner
    Product, min_cluster_size >= 2, min_samples >= 1 or None, method 'eom' or 'leaf'."""
    dt = dist.canonical_dist_type(dist_type)
    method = cluster_selection_method
    X = dist.check_matrix(X, dt)
    Xd = dist.to_dense_float(X, max_elements=200_000_000)
    n = Xd.shape[0]
    if n < 2:
        raise InvalidInput("HDBSCAN needs at least 2 vectors")
    metric = {
        dist.EUCLIDEAN: "euclidean",
        dist.MANHATTAN: "manhattan",
        dist.COSINE: "euclidean",
        dist.HAMMING: "hamming",
    }[dt]
    data = dist.normalize_rows(Xd) if dt == dist.COSINE else Xd.astype(np.float64)
    import hdbscan

    model = hdbscan.HDBSCAN(
        min_cluster_size=int(min(min_cluster_size, n)),
        min_samples=None if min_samples is None else int(min(min_samples, n - 1)),
        cluster_selection_method=method,
        metric=metric,
        core_dist_n_jobs=max(1, int(num_threads)),
    ).fit(data)
    labels = model.labels_.astype(np.int32)
    probs = np.nan_to_num(np.asarray(model.probabilities_, dtype=np.float64), nan=0.0)
    return HDBSCANResult(
        labels=labels,
        probabilities=np.clip(probs, 0.0, 1.0),
        n_clusters=int(labels.max() + 1) if labels.size else 0,
        dist_type=dt,
    )
