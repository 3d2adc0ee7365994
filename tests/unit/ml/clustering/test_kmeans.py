"""k-means: quality on real and generated data, Lloyd == Hamerly, every distance, seeds."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, load_iris, load_wine, make_blobs
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import StandardScaler

from vecml_local.ml import InvalidInput
from vecml_local.ml.clustering.kmeans import fit_kmeans

METHODS = ["kmeans", "kmeans_hamerly"]


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(3000, 6, centers=5, cluster_std=1.0, random_state=3)
    return X.astype(np.float32), y


@pytest.mark.parametrize("method", METHODS)
def test_iris_and_wine_quality(method) -> None:
    X, y = load_iris(return_X_y=True)
    r = fit_kmeans(X.astype(np.float32), n_clusters=3, method=method)
    assert adjusted_rand_score(y, r.labels) > 0.70
    Xw, yw = load_wine(return_X_y=True)
    Xw = StandardScaler().fit_transform(Xw).astype(np.float32)
    r = fit_kmeans(Xw, n_clusters=3, method=method)
    assert adjusted_rand_score(yw, r.labels) > 0.85


@pytest.mark.parametrize("method", METHODS)
def test_digits_nmi_and_inertia_close_to_sklearn(method) -> None:
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    r = fit_kmeans(X, n_clusters=10, method=method, n_init=3)
    assert normalized_mutual_info_score(y, r.labels) > 0.65
    sk = KMeans(10, n_init=3, random_state=0).fit(X)
    assert r.inertia <= sk.inertia_ * 1.02
    assert r.centroids.shape == (10, 64) and set(np.unique(r.labels)) <= set(range(10))


@pytest.mark.parametrize("dist_type", ["Euclidean", "Manhattan", "Cosine", "Hamming"])
def test_lloyd_and_hamerly_agree_from_the_same_seed(blobs, dist_type) -> None:
    X, _ = blobs
    if dist_type == "Hamming":
        X = (X > np.median(X, axis=0)).astype(np.uint8)
    a = fit_kmeans(X, n_clusters=5, method="kmeans", dist_type=dist_type, random_seed=7, n_init=2)
    b = fit_kmeans(X, n_clusters=5, method="kmeans_hamerly", dist_type=dist_type, random_seed=7, n_init=2)
    assert b.info["hamerly_bounds"]
    assert b.inertia == pytest.approx(a.inertia, rel=1e-6)
    assert adjusted_rand_score(a.labels, b.labels) > 0.999
    assert a.n_iter == b.n_iter


def test_hamerly_skips_distance_computations() -> None:
    X, _ = make_blobs(20000, 3, centers=8, cluster_std=2.0, random_state=0)
    r = fit_kmeans(
        X.astype(np.float32), n_clusters=8, method="kmeans_hamerly", max_train_samples=20000, n_init=1, tolerance=0.0
    )
    assert r.n_iter > 2
    # a full scan of every point at every iteration would be n * n_iter
    assert r.full_scans < 0.6 * 20000 * r.n_iter


@pytest.mark.parametrize("dist_type", ["Euclidean", "L1", "cosine", "Inner Product"])
@pytest.mark.parametrize("method", METHODS)
def test_every_distance_recovers_blobs(blobs, dist_type, method) -> None:
    X, y = blobs
    X = X + 20.0 if dist_type in ("cosine", "Inner Product") else X  # directions differ by blob
    r = fit_kmeans(X, n_clusters=5, method=method, dist_type=dist_type)
    floor = 0.9 if dist_type in ("Euclidean", "L1") else 0.5
    assert adjusted_rand_score(y, r.labels) > floor
    assert np.isfinite(r.inertia)


def test_cosine_and_inner_product_centroids_are_unit_norm(blobs) -> None:
    X, _ = blobs
    for dt in ("cosine", "ip"):
        r = fit_kmeans(X, n_clusters=4, dist_type=dt)
        np.testing.assert_allclose(np.linalg.norm(r.centroids, axis=1), 1.0, rtol=1e-5)


def test_hamming_kmodes_on_bits() -> None:
    rng = np.random.default_rng(0)
    protos = rng.integers(0, 2, size=(4, 64), dtype=np.uint8)
    y = rng.integers(0, 4, size=800)
    flips = rng.random((800, 64)) < 0.08
    X = protos[y] ^ flips.astype(np.uint8)
    r = fit_kmeans(X, n_clusters=4, dist_type="Hamming", method="kmeans_hamerly")
    assert adjusted_rand_score(y, r.labels) > 0.95
    assert set(np.unique(r.centroids)) <= {0.0, 1.0}


def test_same_seed_same_result_and_sample_labels_everything(blobs) -> None:
    X, _ = blobs
    kw = dict(n_clusters=5, max_train_samples=500, random_seed=99)
    a, b = fit_kmeans(X, **kw), fit_kmeans(X, **kw)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    assert a.labels.shape == (3000,) and a.n_train == 500
    c = fit_kmeans(X, **{**kw, "random_seed": 100, "initialization_method": "random"})
    assert c.labels.shape == (3000,)


def test_quantized_and_sparse_inputs(blobs) -> None:
    X, y = blobs
    q = np.clip((X - X.min()) / (X.max() - X.min()) * 255, 0, 255).astype(np.uint8)
    assert adjusted_rand_score(y, fit_kmeans(q, n_clusters=5).labels) > 0.9
    S = sp.csr_matrix(np.where(np.abs(X) > 2, X, 0).astype(np.float32))
    r = fit_kmeans(S, n_clusters=5, max_train_samples=1000)
    assert r.labels.shape == (3000,) and r.centroids.shape == (5, 6)


# Parameter types and ranges are the request schema's job (tests/api); k-means itself
# refuses only what depends on the data, and distance names it does not know.
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_clusters": 5000}, "n_clusters"),
        ({"n_clusters": 3, "max_train_samples": 2}, "n_clusters"),
        ({"n_clusters": 3, "dist_type": "chebyshev"}, "dist_type"),
    ],
)
def test_data_dependent_problems_name_the_field(blobs, kwargs, field) -> None:
    with pytest.raises(InvalidInput, match=field):
        fit_kmeans(blobs[0], **kwargs)


def test_concurrent_calls_from_threads_are_safe_and_deterministic(blobs) -> None:
    """numba's work-queue layer is not thread-safe: our lock must serialise parallel kernels."""
    from concurrent.futures import ThreadPoolExecutor

    from vecml_local.ml.clustering.dbscan import fit_dbscan

    X, _ = blobs
    ref_k = fit_kmeans(X, n_clusters=5, method="kmeans_hamerly").labels
    ref_d = fit_dbscan(X[:800], eps=-30.0, min_samples=5, dist_type="Inner Product").labels
    with ThreadPoolExecutor(4) as pool:
        ks = [pool.submit(fit_kmeans, X, n_clusters=5, method="kmeans_hamerly") for _ in range(3)]
        ds = [pool.submit(fit_dbscan, X[:800], eps=-30.0, min_samples=5, dist_type="Inner Product") for _ in range(3)]
        for f in ks:
            np.testing.assert_array_equal(f.result().labels, ref_k)
        for f in ds:
            np.testing.assert_array_equal(f.result().labels, ref_d)


@pytest.mark.parametrize("metric", [0, 1])  # squared Euclidean (BLAS potentials), Manhattan (direct loops)
def test_lockstep_seeding_gives_each_start_the_seeds_it_gets_alone(blobs, metric) -> None:
    from vecml_local.ml.clustering._seeding import kmeanspp

    X, _ = blobs
    together = kmeanspp(X, 7, [np.random.default_rng(s) for s in (11, 12, 13)], metric, 2)
    alone = [kmeanspp(X, 7, [np.random.default_rng(s)], metric, 2)[0] for s in (11, 12, 13)]
    assert together.shape == (3, 7) and np.array_equal(together, np.array(alone))
    assert all(len(set(row)) == 7 for row in together.tolist())  # k distinct rows per start


@pytest.mark.parametrize("parts", [1, 3, 16])
def test_seeding_draw_walks_one_row_range_like_searchsorted_on_the_cumulative_sum(parts) -> None:
    from vecml_local.ml.clustering import _seeding_kernels as K

    rng = np.random.default_rng(5)
    closest = rng.integers(0, 4, size=1000).astype(np.float64)  # integers: sums are exact; zeros are never drawn
    bounds = [1000 * t // parts for t in range(parts + 1)]
    part_sums = np.array([closest[a:b].sum() for a, b in zip(bounds, bounds[1:])])
    cum = np.cumsum(closest)
    targets = np.concatenate([rng.random(200) * cum[-1], cum[[0, 10, 499, 998]], [0.5, cum[-1] - 0.5]])
    got = K.pp_draw(closest, part_sums, targets)
    np.testing.assert_array_equal(got, np.searchsorted(cum, targets))
    assert (closest[got[targets > 0]] > 0).all()
