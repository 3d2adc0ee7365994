"""Distance names and the blocked helpers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from vecml_local.ml import InvalidInput
from vecml_local.ml import distances as D


@pytest.mark.parametrize(
    ("given", "echoed"),
    [
        ("Euclidean", "Euclidean"),
        ("L2", "Euclidean"),
        ("l2", "Euclidean"),
        ("Manhattan", "Manhattan"),
        ("L1", "Manhattan"),
        ("Cosine", "NegativeCosineSimilarity"),
        ("cosine", "NegativeCosineSimilarity"),
        ("NegativeCosineSimilarity", "NegativeCosineSimilarity"),
        ("Inner Product", "NegativeInnerProduct"),
        ("inner_product", "NegativeInnerProduct"),
        ("InnerProduct", "NegativeInnerProduct"),
        ("IP", "NegativeInnerProduct"),
        ("dot", "NegativeInnerProduct"),
        ("Hamming", "Hamming"),
        (" hamming ", "Hamming"),
        (None, "Euclidean"),
    ],
)
def test_canonical_names(given, echoed) -> None:
    assert D.canonical_dist_type(given) == echoed


def test_unknown_name_is_a_bad_request_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="dist_type"):
        D.canonical_dist_type("Chebyshev")


def test_nan_is_refused() -> None:
    X = np.ones((4, 2), dtype=np.float32)
    X[1, 1] = np.nan
    with pytest.raises(InvalidInput, match="NaN"):
        D.check_matrix(X, "Euclidean")


def test_hamming_needs_codes() -> None:
    with pytest.raises(InvalidInput, match="Hamming"):
        D.check_matrix(np.full((3, 2), 0.5, dtype=np.float32), "Hamming")
    with pytest.raises(InvalidInput, match="sparse"):
        D.check_matrix(sp.csr_matrix(np.eye(3, dtype=np.float32)), "Hamming")
    assert D.check_matrix(np.eye(3, dtype=np.float32), "Hamming").dtype == np.uint8


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("Euclidean", lambda a, b: cdist(a, b)),
        ("Manhattan", lambda a, b: cdist(a, b, "cityblock")),
        ("NegativeCosineSimilarity", lambda a, b: cdist(a, b, "cosine")),
        ("NegativeInnerProduct", lambda a, b: -a @ b.T),
    ],
)
def test_pairwise_block_matches_scipy(name, ref) -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(size=(7, 5)).astype(np.float32)
    B = rng.normal(size=(9, 5)).astype(np.float32)
    np.testing.assert_allclose(
        D.pairwise_distances_block(A, B, name), ref(A.astype(float), B.astype(float)), rtol=1e-4, atol=1e-4
    )


def test_knn_blocked_excludes_self_and_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    q = np.array([0, 5, 299])
    got = D.knn_blocked(X[q], X, 3, "Euclidean", exclude=q, max_elements=2000)
    full = cdist(X[q], X)
    full[np.arange(3), q] = np.inf
    np.testing.assert_allclose(got, np.sort(full, axis=1)[:, :3], rtol=1e-4)
