"""k-distance plot and HDBSCAN."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors

from vecml_local.ml import InvalidInput
from vecml_local.ml.clustering.hdbscan import fit_hdbscan
from vecml_local.ml.clustering.kdist import kdist_plot


@pytest.mark.parametrize("dist_type", ["Euclidean", "Manhattan", "Cosine", "Inner Product"])
def test_kdist_shape_monotonic_and_slope(dist_type) -> None:
    X, _ = make_blobs(1500, 20, centers=4, random_state=0)
    grid, slope = kdist_plot(X.astype(np.float32), k=5, max_num_samples=400, max_num_grids=50, dist_type=dist_type)
    assert len(grid) == 50 and len(slope) == 50
    assert all(a >= b for a, b in zip(grid, grid[1:]))
    assert all(s <= 1e-12 for s in slope)
    assert (
        grid
        != kdist_plot(
            X.astype(np.float32), k=5, max_num_samples=400, max_num_grids=50, dist_type=dist_type, random_seed=1
        )[0]
    )


def test_kdist_values_equal_brute_force_on_iris() -> None:
    X, _ = load_iris(return_X_y=True)
    X = X + np.random.default_rng(0).normal(0, 1e-3, X.shape)  # no exact duplicates
    grid, _ = kdist_plot(X, k=4, max_num_samples=1000, max_num_grids=len(X))
    d, _ = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X)
    np.testing.assert_allclose(grid, np.sort(d[:, 4])[::-1], rtol=1e-5)


def test_kdist_hamming_and_errors() -> None:
    X = np.random.default_rng(0).integers(0, 2, size=(200, 16), dtype=np.uint8)
    grid, _ = kdist_plot(X, k=3, max_num_grids=200, dist_type="Hamming")  # one grid point per sample
    assert all(float(v).is_integer() and 0 <= v <= 16 for v in grid)
    with pytest.raises(InvalidInput, match="k"):
        kdist_plot(X[:3], k=5)


@pytest.mark.parametrize("method", ["eom", "leaf"])
def test_hdbscan_finds_blobs(method) -> None:
    X, y = make_blobs(800, 4, centers=3, cluster_std=0.6, random_state=2)
    r = fit_hdbscan(X.astype(np.float32), min_cluster_size=20, cluster_selection_method=method)
    assert r.labels.shape == (800,) and r.probabilities.shape == (800,)
    assert np.all((r.probabilities >= 0) & (r.probabilities <= 1))
    if method == "eom":
        assert adjusted_rand_score(y, r.labels) > 0.9


@pytest.mark.parametrize("dist_type", ["Manhattan", "Cosine"])
def test_hdbscan_other_distances_and_errors(dist_type) -> None:
    X, y = make_blobs(600, 4, centers=3, cluster_std=0.5, random_state=2, center_box=(5, 20))
    r = fit_hdbscan(X.astype(np.float32), min_cluster_size=15, dist_type=dist_type)
    assert r.n_clusters >= 2
    with pytest.raises(InvalidInput, match="at least 2 vectors"):
        fit_hdbscan(X[:1], dist_type=dist_type)
