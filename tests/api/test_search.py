"""`search` (extension): exact answers equal a NumPy brute force on every distance and vector type."""

from __future__ import annotations

import numpy as np
import pytest

from tests.api.conftest import Api

DISTANCES = {
    "Euclidean": "Euclidean",
    "L1": "Manhattan",
    "cosine": "NegativeCosineSimilarity",
    "Inner Product": "NegativeInnerProduct",
    "Hamming": "Hamming",
}


def brute_force(X: np.ndarray, q: np.ndarray, dist: str, allowed: np.ndarray | None = None) -> np.ndarray:
    """Row order by (float64 distance, row); rows outside `allowed` dropped."""
    X64, q64 = X.astype(np.float64), q.astype(np.float64)
    if dist == "Euclidean":
        d = np.sqrt(((X64 - q64) ** 2).sum(axis=1))
    elif dist == "Manhattan":
        d = np.abs(X64 - q64).sum(axis=1)
    elif dist == "NegativeInnerProduct":
        d = -(X64 @ q64)
    elif dist == "Hamming":
        d = (X64 != q64).sum(axis=1).astype(np.float64)
    else:
        norms = np.sqrt((X64 * X64).sum(axis=1)) * np.sqrt(q64 @ q64)
        d = 1.0 - np.where(norms > 0, (X64 @ q64) / np.where(norms > 0, norms, 1.0), 0.0)
    order = np.lexsort((np.arange(len(d)), d))
    if allowed is not None:
        order = order[allowed[order]]
    return order


def _collection(api: Api, vector_type: str, X: np.ndarray, colors: list[str]) -> None:
    api.ok("create_project", project_name="S", application="search")
    api.ok("init", project_name="S", collection_name="c", vector_type=vector_type, vector_dim=X.shape[1])
    if vector_type == "sparse":
        data = [{str(j): float(v) for j, v in enumerate(row) if v != 0} for row in X]
    elif vector_type == "dense":
        data = X.tolist()
    else:
        data = X.astype(int).tolist()
    body = api.ok(
        "add_data_batch",
        project_name="S",
        collection_name="c",
        data=data,
        string_ids=[f"v{i}" for i in range(len(X))],
        attributes=[{"color": c} for c in colors],
    )
    api.wait(body["job_id"])


@pytest.mark.parametrize(
    ("vector_type", "distances"),
    [
        ("dense", ["Euclidean", "L1", "cosine", "Inner Product"]),
        ("dense8Bit", ["Euclidean", "cosine", "Hamming"]),
        ("dense1Bit", ["Hamming", "Inner Product"]),
        ("sparse", ["Euclidean", "cosine", "Inner Product", "L1"]),
    ],
)
def test_exact_search_equals_brute_force(api: Api, vector_type: str, distances: list[str]) -> None:
    rng = np.random.default_rng(7)
    n, dim = 400, 12
    if vector_type == "dense":
        X = rng.normal(size=(n, dim)).astype(np.float32)
    elif vector_type == "dense8Bit":
        X = rng.integers(0, 4, size=(n, dim)).astype(np.float32)  # few values: many ties
    elif vector_type == "dense1Bit":
        X = rng.integers(0, 2, size=(n, dim)).astype(np.float32)
    else:
        X = (rng.random((n, dim)) < 0.3) * rng.normal(size=(n, dim)).astype(np.float32)
        X[:, 0] += 0.5  # no empty rows
    colors = [["red", "green", "blue"][i % 3] for i in range(n)]
    _collection(api, vector_type, X, colors)
    deleted = [3, 10, 11, 250]
    api.ok("delete_data", project_name="S", collection_name="c", string_ids=[f"v{i}" for i in deleted])
    live = np.ones(n, dtype=bool)
    live[deleted] = False
    queries = X[[0, 5, 77]]
    for alias in distances:
        dist = DISTANCES[alias]
        for filt, allowed in ((None, live), ({"color": ["red", "blue"]}, live & (np.array(colors) != "green"))):
            fields = {"filter": filt} if filt else {}
            qv = queries.astype(int).tolist() if vector_type in ("dense8Bit", "dense1Bit") else queries.tolist()
            if vector_type == "sparse":
                qv = [{str(j): float(v) for j, v in enumerate(row) if v != 0} for row in queries]
            body = api.ok(
                "search", project_name="S", collection_name="c", query_vectors=qv, top_k=15, dist_type=alias, **fields
            )
            assert body["dist_type"] == dist and body["top_k"] == 15
            for q, ids, dists in zip(queries, body["ids"], body["distances"]):
                expected = brute_force(X, q, dist, allowed)[:15]
                assert ids == [f"v{i}" for i in expected], (alias, filt)
                assert dists == sorted(dists)
                assert not set(ids) & {f"v{i}" for i in deleted}


def test_query_ids_attributes_and_vectors(api: Api) -> None:
    X = np.arange(40, dtype=np.float32).reshape(10, 4)
    _collection(api, "dense", X, ["a"] * 5 + ["b"] * 5)
    body = api.ok(
        "search",
        project_name="S",
        collection_name="c",
        query_ids=["v4"],
        top_k=3,
        include_attributes=True,
        include_vectors=True,
    )
    assert body["ids"] == [["v4", "v3", "v5"]]  # v3 and v5 tie: insertion order
    assert body["distances"][0][0] == 0.0
    assert body["attributes"][0] == [{"color": "a"}, {"color": "a"}, {"color": "b"}]
    assert body["vectors"][0][0] == X[4].tolist()
    few = api.ok("search", project_name="S", collection_name="c", query_ids=["v0"], top_k=50, filter={"color": "b"})
    assert few["top_k"] == 5 and few["ids"][0] == ["v5", "v6", "v7", "v8", "v9"]


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"query_vectors": [[1, 2, 3]]}, "query_vectors"),
        ({"query_vectors": [[1, 2, 3, 4]], "top_k": 0}, "top_k"),
        ({"query_vectors": [[1, 2, 3, 4]], "top_k": 1001}, "top_k"),
        ({"query_vectors": [[1, 2, 3, 4]], "filter": {"nope": 1}}, "filter"),
        ({"query_vectors": [[1, 2, 3, 4]], "dist_type": "warp"}, "dist_type"),
        ({"query_vectors": [[1, 2, 3, 4]], "dist_type": "Hamming"}, "Hamming"),
        ({}, "query_vectors or query_ids"),
        ({"query_vectors": [[1, 2, 3, 4]], "query_ids": ["v1"]}, "query_vectors or query_ids"),
        ({"query_vectors": [[1, None, 3, 4]]}, "query_vectors[0]"),
    ],
)
def test_bad_search_requests_name_the_field(api: Api, fields: dict, needle: str) -> None:
    _collection(api, "dense", np.ones((3, 4), dtype=np.float32), ["a"] * 3)
    status, body = api.call("search", project_name="S", collection_name="c", **fields)
    assert status == 400 and body["success"] is False
    assert needle in body["error_message"]


def test_unknown_query_id_is_404(api: Api) -> None:
    _collection(api, "dense", np.ones((3, 4), dtype=np.float32), ["a"] * 3)
    status, body = api.call("search", project_name="S", collection_name="c", query_ids=["zzz"])
    assert status == 404 and "zzz" in body["error_message"]


def test_approximate_index_recall_staleness_and_delete(api: Api) -> None:
    pytest.importorskip("faiss")
    rng = np.random.default_rng(3)
    centres = rng.normal(scale=5.0, size=(20, 16))
    X = np.vstack([c + rng.normal(size=(100, 16)) for c in centres]).astype(np.float32)
    _collection(api, "dense", X, ["red" if i % 2 else "blue" for i in range(len(X))])
    where = {"project_name": "S", "collection_name": "c"}
    queries = (X[rng.integers(0, len(X), 20)] + 0.1).tolist()
    none_yet = api.ok("search", **where, query_vectors=queries[:1], approximate=True)
    assert none_yet["approximate"] is False and "build_index" in none_yet["warnings"][0]
    built = api.ok("build_index", **where, dist_type="L2", m=16)
    assert built["num_vectors"] == 2000 and built["dist_type"] == "Euclidean"
    for filt in (None, {"color": "red"}):
        fields = {"filter": filt} if filt else {}
        exact = api.ok("search", **where, query_vectors=queries, top_k=10, **fields)
        approx = api.ok("search", **where, query_vectors=queries, top_k=10, approximate=True, ef_search=128, **fields)
        assert approx["approximate"] is True and "warnings" not in approx
        recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx["ids"], exact["ids"])])
        assert recall >= 0.9, recall
        for ids, dists in zip(approx["ids"], approx["distances"]):
            assert dists == sorted(dists)
            if filt:
                assert all(int(i[1:]) % 2 == 1 for i in ids)
    api.ok("delete_data", **where, string_ids=["v0"])
    stale = api.ok("search", **where, query_vectors=queries[:1], approximate=True)
    assert stale["approximate"] is False and "changed" in stale["warnings"][0]
    api.ok("delete_index", **where, dist_type="Euclidean")
    status, body = api.call("delete_index", **where, dist_type="Euclidean")
    assert status == 404 and "no Euclidean index" in body["error_message"]
    status, body = api.call("build_index", **where, dist_type="L1")
    assert status == 400 and "dist_type" in body["error_message"]
