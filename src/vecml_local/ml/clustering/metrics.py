"""Clustering quality metrics, as `/compute_clustering_metrics` reports them.

Keys (always finite numbers; never NaN):

- `noise_ratio`: share of points labelled -1 (0 when there is none).
- dispersion, named by distance, summed over non-noise points around each cluster's
  representative: `inertia_sse` (Euclidean: squared L2 to the mean),
  `L1_dispersion` (Manhattan: L1 to the coordinate-wise median),
  `cosine_dispersion` (Cosine: 1 - cos to the mean direction). Absent for Inner
  Product and Hamming.
- `davies_bouldin`, `calinski_harabasz` (standard Euclidean definitions, computed
  blockwise from cluster sums; Cosine on unit-normalised rows), `silhouette` (with
  the model's distance: euclidean, manhattan, cosine, hamming; Inner Product uses
  cosine), on a seeded sample of 10,000 non-noise points when there are more;
  `silhouette_sample_size` says how many points it used.
  Noise is excluded from these. With fewer than 2 clusters (or every point its own
  cluster) they are undefined: we report `davies_bouldin` 0, `calinski_harabasz` 0,
  `silhouette` 0 and add `"unsupervised_metrics_note"`.
- With ground truth (noise kept as its own predicted group, -1):
  `adjusted_rand_index`, `normalized_mutual_info`, `best_match_accuracy` (optimal
  one-to-one matching of clusters to classes, Hungarian algorithm), `homogeneity`,
  `completeness`, `v_measure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from vecml_local.ml import InvalidInput
from vecml_local.ml import distances as dist

__all__ = ["clustering_metrics", "Metrics", "SILHOUETTE_MAX_SAMPLES"]

# Metric name -> finite number (`silhouette_sample_size` an int), plus the text of `unsupervised_metrics_note`;
# which keys appear depends on the distance and on ground truth (module docstring).
Metrics = dict[str, float | int | str]

SILHOUETTE_MAX_SAMPLES = 10_000
_DISPERSION_KEY = {dist.EUCLIDEAN: "inertia_sse", dist.MANHATTAN: "L1_dispersion", dist.COSINE: "cosine_dispersion"}
_SIL_METRIC = {
    dist.EUCLIDEAN: "euclidean",
    dist.MANHATTAN: "manhattan",
    dist.COSINE: "cosine",
    dist.INNER_PRODUCT: "cosine",
    dist.HAMMING: "hamming",
}


def _finite(v: float) -> float:
    v = float(v)
    return v if np.isfinite(v) else 0.0


def _cluster_stats(X: np.ndarray | sp.csr_matrix, lab: np.ndarray, k: int, dt: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster counts, means (k, d) and Euclidean dispersion sums, blockwise."""
    n, d = X.shape
    counts = np.bincount(lab, minlength=k).astype(np.float64)
    sums = np.zeros((k, d))
    for s, e in dist.iter_blocks(n, d):
        B = dist.dense_rows(X, slice(s, e), np.float64)
        if dt == dist.COSINE:
            B = dist.normalize_rows(B).astype(np.float64)
        ind = sp.csr_matrix((np.ones(e - s), (lab[s:e], np.arange(e - s))), shape=(k, e - s))
        sums += ind @ B
    means = sums / np.maximum(counts, 1)[:, None]
    return counts, means


def _unsupervised(X: np.ndarray | sp.csr_matrix, lab: np.ndarray, k: int, dt: str, seed: int, out: Metrics) -> None:
    n, d = X.shape
    counts, means = _cluster_stats(X, lab, k, dt)
    # within-cluster squared L2 (for CH/DB, Euclidean in the working space) and dispersion
    sq = np.zeros(k)
    l2 = np.zeros(k)
    disp = 0.0
    med = None
    if dt == dist.MANHATTAN:
        Xd = dist.to_dense_float(X, what="X")
        med = np.zeros((k, d), dtype=np.float32)
        order = np.argsort(lab, kind="stable")
        bounds = np.searchsorted(lab[order], np.arange(k + 1))
        for j in range(k):
            med[j] = np.median(Xd[order[bounds[j] : bounds[j + 1]]], axis=0)
    for s, e in dist.iter_blocks(n, d):
        B = dist.dense_rows(X, slice(s, e), np.float64)
        if dt == dist.COSINE:
            B = dist.normalize_rows(B).astype(np.float64)
        L = lab[s:e]
        diff = B - means[L]
        rsq = np.einsum("ij,ij->i", diff, diff)
        sq += np.bincount(L, weights=rsq, minlength=k)
        l2 += np.bincount(L, weights=np.sqrt(rsq), minlength=k)
        if dt == dist.EUCLIDEAN:
            disp += rsq.sum()
        elif dt == dist.MANHATTAN and med is not None:  # med is set for Manhattan above
            disp += np.abs(B - med[L]).sum()
        elif dt == dist.COSINE:
            mu = dist.normalize_rows(means).astype(np.float64)
            disp += (1.0 - np.einsum("ij,ij->i", B, mu[L])).sum()
    if dt in _DISPERSION_KEY:
        out[_DISPERSION_KEY[dt]] = _finite(disp)
    if k < 2 or k >= n:
        out.update(
            davies_bouldin=0.0,
            calinski_harabasz=0.0,
            silhouette=0.0,
            silhouette_sample_size=0,
            unsupervised_metrics_note="fewer than 2 clusters (or one point per cluster): "
            "davies_bouldin, calinski_harabasz and silhouette are undefined and reported as 0",
        )
        return
    centre = (means * counts[:, None]).sum(axis=0) / counts.sum()
    between = float((counts * ((means - centre) ** 2).sum(axis=1)).sum())
    within = float(sq.sum())
    out["calinski_harabasz"] = _finite(1.0 if within == 0 else between * (n - k) / (within * (k - 1)))
    s_i = l2 / np.maximum(counts, 1)
    cd = np.sqrt(np.maximum(((means[:, None, :] - means[None, :, :]) ** 2).sum(-1), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (s_i[:, None] + s_i[None, :]) / cd
    ratio[~np.isfinite(ratio)] = 0.0
    np.fill_diagonal(ratio, 0.0)
    out["davies_bouldin"] = _finite(ratio.max(axis=1).mean())
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(n, SILHOUETTE_MAX_SAMPLES, replace=False)) if n > SILHOUETTE_MAX_SAMPLES else np.arange(n)
    ls = lab[idx]
    if np.unique(ls).size < 2 or np.unique(ls).size >= idx.size:
        out["silhouette"] = 0.0
    else:
        from sklearn.metrics import silhouette_score

        S = dist.dense_rows(X, idx)
        out["silhouette"] = _finite(silhouette_score(S, ls, metric=_SIL_METRIC[dt]))
    out["silhouette_sample_size"] = int(idx.size)


def _best_match_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    from scipy.optimize import linear_sum_assignment

    t_vals, t_inv = np.unique(truth, return_inverse=True)
    p_vals, p_inv = np.unique(pred, return_inverse=True)
    cont = sp.coo_matrix((np.ones(truth.size), (p_inv, t_inv)), shape=(p_vals.size, t_vals.size)).toarray()
    r, c = linear_sum_assignment(cont, maximize=True)
    return float(cont[r, c].sum() / truth.size)


def clustering_metrics(
    X: np.ndarray | sp.csr_matrix,
    labels: ArrayLike,
    *,
    dist_type: str = "Euclidean",
    ground_truth: Sequence[Any] | None = None,
    random_seed: int = 1234567,
) -> Metrics:
    """Metrics dict (see module docstring). `ground_truth`: one label per vector (any hashable)."""
    dt = dist.canonical_dist_type(dist_type)
    X = dist.check_matrix(X, dt) if not sp.issparse(X) or dt != dist.HAMMING else X
    labels = np.asarray(labels).astype(np.int64).ravel()
    n = X.shape[0]
    if labels.size != n:
        raise InvalidInput(f"labels: {labels.size} labels for {n} vectors")
    out: Metrics = {}
    noise = labels < 0
    out["noise_ratio"] = float(noise.mean()) if n else 0.0
    keep = np.nonzero(~noise)[0]
    lab = labels[keep]
    uniq, lab = np.unique(lab, return_inverse=True)
    Xk = X if keep.size == n else X[keep]
    if keep.size == 0:
        if dt in _DISPERSION_KEY:
            out[_DISPERSION_KEY[dt]] = 0.0
        out.update(
            davies_bouldin=0.0,
            calinski_harabasz=0.0,
            silhouette=0.0,
            silhouette_sample_size=0,
            unsupervised_metrics_note="every point is noise: unsupervised metrics reported as 0",
        )
    else:
        _unsupervised(Xk, lab.astype(np.int64), int(uniq.size), dt, int(random_seed), out)
    if ground_truth is not None:
        truth = np.asarray([str(v) for v in ground_truth])
        if truth.size != n:
            raise InvalidInput(f"ground_truth_labels: {truth.size} labels for {n} vectors")
        from sklearn import metrics as M

        h, c, v = M.homogeneity_completeness_v_measure(truth, labels)
        out.update(
            adjusted_rand_index=_finite(M.adjusted_rand_score(truth, labels)),
            normalized_mutual_info=_finite(M.normalized_mutual_info_score(truth, labels)),
            best_match_accuracy=_finite(_best_match_accuracy(truth, labels)),
            homogeneity=_finite(h),
            completeness=_finite(c),
            v_measure=_finite(v),
        )
    return out
