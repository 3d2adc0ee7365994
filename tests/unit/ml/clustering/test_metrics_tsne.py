"""Clustering metrics (equal to scikit-learn's where defined) and t-SNE."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as M
from sklearn.datasets import load_digits, load_iris, load_wine

from vecml_local.ml.clustering.kmeans import fit_kmeans
from vecml_local.ml.clustering.metrics import clustering_metrics
from vecml_local.ml.clustering.tsne import tsne_embed

UNSUP = {"noise_ratio", "davies_bouldin", "calinski_harabasz", "silhouette", "silhouette_sample_size"}
SUP = {
    "adjusted_rand_index",
    "normalized_mutual_info",
    "best_match_accuracy",
    "homogeneity",
    "completeness",
    "v_measure",
}


def test_euclidean_metrics_equal_sklearn_on_wine() -> None:
    X, y = load_wine(return_X_y=True)
    X = X.astype(np.float32)
    lab = fit_kmeans(X, n_clusters=3).labels
    m = clustering_metrics(X, lab, ground_truth=y)
    assert set(m) == UNSUP | SUP | {"inertia_sse"}
    assert m["davies_bouldin"] == pytest.approx(M.davies_bouldin_score(X, lab), rel=1e-4)
    assert m["calinski_harabasz"] == pytest.approx(M.calinski_harabasz_score(X, lab), rel=1e-4)
    assert m["silhouette"] == pytest.approx(M.silhouette_score(X, lab), rel=1e-4)
    assert m["adjusted_rand_index"] == pytest.approx(M.adjusted_rand_score(y, lab))
    assert m["normalized_mutual_info"] == pytest.approx(M.normalized_mutual_info_score(y, lab))
    assert 0 <= m["best_match_accuracy"] <= 1


def test_best_match_accuracy_uses_one_to_one_matching() -> None:
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    m = clustering_metrics(X, [1, 1, 0, 0, 2, 2], ground_truth=["a", "a", "b", "b", "b", "b"])
    assert m["best_match_accuracy"] == pytest.approx(4 / 6)  # only one cluster may map to "b"


@pytest.mark.parametrize(
    ("dist_type", "key"),
    [("L1", "L1_dispersion"), ("Cosine", "cosine_dispersion"), ("Inner Product", None), ("Hamming", None)],
)
def test_dispersion_key_follows_distance(dist_type, key) -> None:
    X, y = load_iris(return_X_y=True)
    if dist_type == "Hamming":
        X = (X > 2).astype(np.uint8)
    m = clustering_metrics(X, y, dist_type=dist_type)
    assert {k for k in m if "dispersion" in k or k == "inertia_sse"} == ({key} if key else set())
    assert all(np.isfinite(v) for v in m.values() if isinstance(v, float))


def test_noise_excluded_degenerate_cases_finite_and_silhouette_sampled() -> None:
    X, y = load_iris(return_X_y=True)
    lab = y.copy()
    lab[:15] = -1
    m = clustering_metrics(X, lab)
    assert m["noise_ratio"] == pytest.approx(0.1)
    assert m["silhouette"] == pytest.approx(M.silhouette_score(X[15:], lab[15:]), rel=1e-5)
    one = clustering_metrics(X, np.zeros(150, int), ground_truth=y)
    assert one["silhouette"] == 0.0 and "unsupervised_metrics_note" in one
    assert all(np.isfinite(v) for v in one.values() if isinstance(v, float))
    big = np.random.default_rng(0).normal(size=(12000, 3)).astype(np.float32)
    m = clustering_metrics(big, (big[:, 0] > 0).astype(int))
    assert m["silhouette_sample_size"] == 10000


def test_tsne_shapes_seed_and_structure() -> None:
    X, y = load_digits(return_X_y=True)
    idx, emb = tsne_embed(X, max_samples=600, max_iter=300, random_seed=3)
    assert idx.shape == (600,) and emb.shape == (600, 2) and np.all(np.diff(idx) > 0)
    idx2, emb2 = tsne_embed(X, max_samples=600, max_iter=300, random_seed=3)
    np.testing.assert_array_equal(idx, idx2)
    np.testing.assert_allclose(emb, emb2)
    # neighbours in the embedding mostly share the digit
    from sklearn.neighbors import KNeighborsClassifier

    acc = KNeighborsClassifier(5).fit(emb[:400], y[idx][:400]).score(emb[400:], y[idx][400:])
    assert acc > 0.8


def test_tsne_exact_tiny_and_perplexity_clamp() -> None:
    X, _ = load_iris(return_X_y=True)
    idx, emb = tsne_embed(X[:40], theta=0.0, max_iter=100, perplexity=50)
    assert emb.shape == (40, 2) and np.all(np.isfinite(emb))
    assert tsne_embed(X[:3])[1].shape == (3, 2)
