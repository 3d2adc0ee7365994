"""The documented input table: dense float32, uint8 codes and sparse CSR run through
every clustering function; the refused combinations answer a 400 naming the problem."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs

from vecml_local.ml import InvalidInput
from vecml_local.ml.clustering.dbscan import fit_dbscan
from vecml_local.ml.clustering.hdbscan import fit_hdbscan
from vecml_local.ml.clustering.kdist import kdist_plot
from vecml_local.ml.clustering.kmeans import fit_kmeans
from vecml_local.ml.clustering.metrics import clustering_metrics
from vecml_local.ml.clustering.tsne import tsne_embed


def _inputs():
    X, y = make_blobs(300, 6, centers=3, random_state=4, center_box=(2, 12))
    dense = X.astype(np.float32)
    codes = np.clip(np.round((X - X.min()) / (X.max() - X.min()) * 255), 0, 255).astype(np.uint8)
    sparse = sp.csr_matrix(np.where(np.abs(dense) > 4, dense, 0).astype(np.float32))
    return {"dense": dense, "uint8": codes, "sparse": sparse}, y


INPUTS, TRUTH = _inputs()


@pytest.mark.parametrize("kind", ["dense", "uint8", "sparse"])
@pytest.mark.parametrize("dist_type", ["Euclidean", "Manhattan", "Cosine", "Inner Product"])
def test_every_function_runs(kind, dist_type) -> None:
    X = INPUTS[kind]
    for method in ("kmeans", "kmeans_hamerly"):
        r = fit_kmeans(X, n_clusters=3, method=method, dist_type=dist_type)
        assert r.labels.shape == (300,) and np.isfinite(r.inertia)
    eps = {
        "Euclidean": 60.0 if kind == "uint8" else 1.5,
        "Manhattan": 150.0 if kind == "uint8" else 3.0,
        "Cosine": 0.01,
        "Inner Product": -10.0,
    }[dist_type]
    d = fit_dbscan(X, eps=eps, min_samples=4, dist_type=dist_type)
    assert d.labels.shape == (300,)
    grid, slope = kdist_plot(X, k=4, max_num_grids=20, dist_type=dist_type)
    assert len(grid) == 20 and all(np.isfinite(grid)) and len(slope) == 20
    m = clustering_metrics(X, r.labels, dist_type=dist_type, ground_truth=TRUTH)
    assert all(np.isfinite(v) for v in m.values() if isinstance(v, float))
    if dist_type != "Inner Product":  # HDBSCAN does not offer it (the request schema refuses it)
        h = fit_hdbscan(X, min_cluster_size=10, dist_type=dist_type)
        assert h.labels.shape == (300,)


@pytest.mark.parametrize("kind", ["dense", "uint8", "sparse"])
def test_tsne_runs_on_every_input(kind) -> None:
    idx, emb = tsne_embed(INPUTS[kind], max_samples=120, max_iter=60)
    assert emb.shape == (120, 2) and np.all(np.isfinite(emb))


def test_hamming_on_codes_and_refusals() -> None:
    bits = (INPUTS["dense"] > 7).astype(np.uint8)
    assert fit_kmeans(bits, n_clusters=3, dist_type="Hamming").labels.shape == (300,)
    assert fit_dbscan(INPUTS["uint8"], eps=2, min_samples=3, dist_type="Hamming").labels.shape == (300,)
    assert fit_hdbscan(bits, min_cluster_size=10, dist_type="Hamming").labels.shape == (300,)
    with pytest.raises(InvalidInput, match="sparse"):
        fit_kmeans(INPUTS["sparse"], n_clusters=3, dist_type="Hamming")
    with pytest.raises(InvalidInput, match="Hamming"):
        fit_dbscan(INPUTS["dense"], eps=1, min_samples=3, dist_type="Hamming")
