"""DBSCAN: equal to scikit-learn, every distance, memory budget path."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN
from sklearn.datasets import load_iris, make_blobs, make_moons
from sklearn.metrics import adjusted_rand_score

from vecml_local.ml import InvalidInput
from vecml_local.ml.clustering.dbscan import fit_dbscan


@pytest.mark.parametrize(("n", "d", "eps"), [(2000, 2, 0.5), (1500, 20, 4.0)])
def test_same_labels_and_core_points_as_sklearn(n, d, eps) -> None:
    X, _ = make_blobs(n, d, centers=4, random_state=1)
    X = X.astype(np.float32)
    ours = fit_dbscan(X, eps=eps, min_samples=8)
    ref = DBSCAN(eps=eps, min_samples=8).fit(X)
    np.testing.assert_array_equal(ours.labels, ref.labels_)
    np.testing.assert_array_equal(ours.core_indices, ref.core_sample_indices_)


def test_moons_found_and_small_budget_gives_same_answer() -> None:
    X, y = make_moons(1500, noise=0.05, random_state=0)
    X = X.astype(np.float32)
    a = fit_dbscan(X, eps=0.15, min_samples=5)
    assert a.n_clusters == 2 and adjusted_rand_score(y, a.labels) > 0.95
    b = fit_dbscan(X, eps=0.15, min_samples=5, neighbour_budget=1000)  # forces re-queries
    np.testing.assert_array_equal(a.labels, b.labels)


@pytest.mark.parametrize(("dist_type", "metric", "eps"), [("Manhattan", "manhattan", 0.5), ("Cosine", "cosine", 0.002)])
def test_other_metrics_match_sklearn(dist_type, metric, eps) -> None:
    X, _ = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    ours = fit_dbscan(X, eps=eps, min_samples=4, dist_type=dist_type)
    ref = DBSCAN(eps=eps, min_samples=4, metric=metric, algorithm="brute").fit(X)
    assert adjusted_rand_score(ref.labels_, ours.labels) > 0.98


def test_inner_product_and_hamming() -> None:
    rng = np.random.default_rng(0)
    protos = rng.integers(0, 2, size=(3, 32), dtype=np.uint8)
    y = rng.integers(0, 3, size=600)
    X = protos[y] ^ (rng.random((600, 32)) < 0.03).astype(np.uint8)
    r = fit_dbscan(X, eps=3, min_samples=5, dist_type="Hamming")
    assert adjusted_rand_score(y, r.labels) > 0.95
    ref = DBSCAN(eps=3.5 / 32, min_samples=5, metric="hamming").fit(X)
    np.testing.assert_array_equal(r.labels, ref.labels_)
    Xi, yi = make_blobs(600, 5, centers=[[10, 0, 0, 0, 0], [0, 10, 0, 0, 0], [0, 0, 10, 0, 0]], random_state=0)
    r = fit_dbscan(Xi.astype(np.float32), eps=-70.0, min_samples=5, dist_type="Inner Product")
    assert adjusted_rand_score(yi, r.labels) > 0.9


def test_noise_and_bad_data() -> None:
    X = np.array([[0, 0], [0, 0.1], [0.1, 0], [5, 5]], dtype=np.float32)
    r = fit_dbscan(X, eps=0.2, min_samples=3)
    assert list(r.labels) == [0, 0, 0, -1] and list(r.core_indices) == [0, 1, 2]
    with pytest.raises(InvalidInput, match="NaN"):
        fit_dbscan(np.array([[0, np.nan]], dtype=np.float32), eps=1, min_samples=1)


def test_brute_tiles_decide_pairs_at_the_radius_in_float64() -> None:
    # Integer points far from the origin: |x|^2 ~ 1.4e8 > 2^24, so float32 dot products are
    # off by up to ~16 while many pairs lie exactly at the radius (one coordinate apart).
    rng = np.random.default_rng(3)
    X = (3000 + rng.integers(0, 3, size=(600, 16))).astype(np.float32)  # 16 dims: the BLAS tiles
    X[300:] = X[:300]
    X[300:, 0] += 1  # every row has a partner exactly 1.0 away
    ours = fit_dbscan(X, eps=1.0, min_samples=3)
    ref = DBSCAN(eps=1.0, min_samples=3, algorithm="brute").fit(X)
    np.testing.assert_array_equal(ours.labels, ref.labels_)
    np.testing.assert_array_equal(ours.core_indices, ref.core_sample_indices_)
    exact = ((X[:, None, :].astype(np.float64) - X[None, :, :]) ** 2).sum(-1) <= 1.0
    np.testing.assert_array_equal(ours.core_indices, np.nonzero(exact.sum(1) >= 3)[0])


@pytest.mark.parametrize("d", [1, 2, 3])  # the grid of eps-wide cells
def test_grid_search_decides_pairs_at_the_radius_like_sklearn(d) -> None:
    rng = np.random.default_rng(d)
    X = rng.integers(-4, 5, size=(700, d)).astype(np.float32) * 0.5  # many pairs exactly 1.0 apart
    X[::7] += 0.25
    ours = fit_dbscan(X, eps=1.0, min_samples=6)
    ref = DBSCAN(eps=1.0, min_samples=6, algorithm="brute").fit(X)
    np.testing.assert_array_equal(ours.labels, ref.labels_)
    np.testing.assert_array_equal(ours.core_indices, ref.core_sample_indices_)


def test_grid_too_fine_for_its_keys_falls_back_to_the_tree() -> None:
    X, _ = make_blobs(300, 3, centers=2, random_state=4)
    X = np.vstack([X, [[1e15, -1e15, 1e15]]]).astype(np.float32)  # range / eps overflows 62 bits
    ours = fit_dbscan(X, eps=1e-3 + 0.5, min_samples=4)
    ref = DBSCAN(eps=1e-3 + 0.5, min_samples=4).fit(X)
    np.testing.assert_array_equal(ours.labels, ref.labels_)


@pytest.mark.parametrize("mask_bits", [None, 100_000])  # one symmetric mask of all pairs / row blocks
@pytest.mark.parametrize("budget", [50_000_000, 2_000])  # lists kept / recomputed for each pass
def test_blas_tiles_give_sklearn_labels_in_every_blocking(monkeypatch, mask_bits, budget) -> None:
    from vecml_local.ml.clustering import dbscan

    if mask_bits is not None:
        monkeypatch.setattr(dbscan, "_MASK_BITS", mask_bits)  # 1200^2 bits do not fit: 83-row blocks
    X, _ = make_blobs(1200, 20, centers=3, cluster_std=1.0, random_state=6)
    X = X.astype(np.float32)
    ours = fit_dbscan(X, eps=5.0, min_samples=6, neighbour_budget=budget)
    ref = DBSCAN(eps=5.0, min_samples=6).fit(X)
    np.testing.assert_array_equal(ours.labels, ref.labels_)
    np.testing.assert_array_equal(ours.core_indices, ref.core_sample_indices_)
    assert ours.n_clusters >= 2 and (ours.labels == -1).any()
