"""Clustering endpoints (seed 000) through the in-process app: shapes, errors, every model type."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris

from tests.api.conftest import Api

STATUS = "get_clustering_training_status"


@pytest.fixture
def iris(api: Api):  # type: ignore[no-untyped-def]
    X, y = load_iris(return_X_y=True)
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="iris", vector_type="dense", vector_dim=4)
    job = api.ok(
        "add_data_batch",
        project_name="P",
        collection_name="iris",
        data=X.tolist(),
        string_ids=[f"r{i}" for i in range(len(X))],
        attributes=[{"species": str(v)} for v in y],
    )
    assert api.wait(job["job_id"])["status"] == "finished"
    return {"project_name": "P", "collection_name": "iris", "y": y}


def _where(iris):  # type: ignore[no-untyped-def]
    return {"project_name": iris["project_name"], "collection_name": iris["collection_name"]}


def train(api: Api, iris, endpoint: str, **fields):  # type: ignore[no-untyped-def]
    job = api.ok(endpoint, **_where(iris), **fields)
    status = api.wait(job["job_id"], STATUS)
    return job["job_id"], status


def test_kmeans_workflow_and_documented_shapes(api: Api, iris) -> None:  # type: ignore[no-untyped-def]
    job_id, status = train(
        api, iris, "train_kmeans", cluster_model_name="km", kmeans_method="kmeans", n_clusters=3, dist_type="L2"
    )
    parts = job_id.split("||")
    assert parts[1:5] == ["P", "iris", "km", "KMeansTrainJob"] and len(parts) == 6
    assert status["status"] == "finished" and status["error_code"] == "Success"
    assert status["model_type"] == "kmeans" and status["kmeans_method"] == "kmeans" and status["model_name"] == "km"
    assert status["params"] == {
        "kmeans_method": "kmeans",
        "n_clusters": "3",
        "n_init": "3",
        "dist_type": "Euclidean",
        "initialization_method": "k-means++",
        "max_iterations": "100",
        "tolerance": "0.000100",
        "num_threads": "4",
        "random_seed": "1234567",
        "max_train_samples": "10000",
    }
    for key in ("start_time", "end_time", "duration"):
        assert isinstance(status[key], str) and status[key]
    labels = api.ok("get_clustering_labels", **_where(iris), model_name="km")
    assert labels["error_code"] == "Success" and len(labels["labels"]) == 150
    assert set(labels["labels"]) == {0, 1, 2}
    cents = api.ok("get_kmeans_centroids", **_where(iris), cluster_model_name="km")["centroids"]
    assert np.asarray(cents).shape == (3, 4)
    infos = api.ok("list_clustering_model_infos", **_where(iris))["model_infos"]
    assert infos[0]["model_name"] == "km" and infos[0]["model_type"] == "kmeans"
    assert infos[0]["distance_type"] == "Euclidean" and len(infos[0]["create_time"]) == 16
    assert infos[0]["params"] == {
        "n_clusters": 3,
        "n_init": 3,
        "kmeans_method": "kmeans",
        "initialization_method": "k-means++",
        "max_iterations": 100,
        "max_train_samples": 10000,
        "tolerance": 0.0001,
    }


def test_metrics_with_attribute_and_labels(api: Api, iris) -> None:  # type: ignore[no-untyped-def]
    train(api, iris, "train_kmeans", cluster_model_name="km", kmeans_method="kmeans_hamerly", n_clusters=3)
    m = api.ok("compute_clustering_metrics", **_where(iris), model_name="km", ground_truth_attribute="species")
    assert m["status"] == "finished"
    metrics = m["metrics"]
    assert metrics["distance_type"] == "Euclidean" and metrics["ground_truth_attribute"] == "species"
    assert metrics["ground_truth_labels_provided"] is False
    for key in (
        "noise_ratio",
        "inertia_sse",
        "davies_bouldin",
        "calinski_harabasz",
        "silhouette",
        "adjusted_rand_index",
        "normalized_mutual_info",
        "best_match_accuracy",
        "homogeneity",
        "completeness",
        "v_measure",
    ):
        assert isinstance(metrics[key], (int, float)), key
    assert metrics["adjusted_rand_index"] > 0.6 and metrics["best_match_accuracy"] > 0.8
    m2 = api.ok(
        "compute_clustering_metrics", **_where(iris), model_name="km", ground_truth_labels=[str(v) for v in iris["y"]]
    )["metrics"]
    assert m2["ground_truth_labels_provided"] is True
    assert m2["adjusted_rand_index"] == pytest.approx(metrics["adjusted_rand_index"])
    plain = api.ok("compute_clustering_metrics", **_where(iris), model_name="km")["metrics"]
    assert "adjusted_rand_index" not in plain and "silhouette" in plain
    status, body = api.call("compute_clustering_metrics", **_where(iris), model_name="km", ground_truth_labels=["a"])
    assert status == 400 and "ground_truth_labels" in body["error_message"]


def test_dbscan_core_points_kdist_and_wrong_types(api: Api, iris) -> None:  # type: ignore[no-untyped-def]
    plot = api.ok("get_dbscan_kdist_plot", **_where(iris), k=4, max_num_grids=30, dist_type="L2")
    assert plot["error_code"] == "Success" and plot["dist_type"] == "Euclidean" and plot["k"] == 4
    assert len(plot["kdist_grid_desc"]) == 30 and len(plot["slope_grid_desc"]) == 30
    assert plot["max_num_samples"] == 2000 and plot["max_num_grids"] == 30
    _, status = train(api, iris, "train_dbscan", cluster_model_name="db", eps=0.5, min_samples=5, dist_type="Euclidean")
    assert status["status"] == "finished" and status["model_type"] == "dbscan" and "kmeans_method" not in status
    assert status["params"]["eps"] == "0.500000" and status["params"]["min_samples"] == "5"
    core = api.ok("get_dbscan_core_points", **_where(iris), model_name="db")["core_points"]
    assert core and all(isinstance(i, int) for i in core)
    labels = api.ok("get_clustering_labels", **_where(iris), model_name="db")["labels"]
    assert min(labels) >= -1 and "probabilities" not in api.ok("get_clustering_labels", **_where(iris), model_name="db")
    status_code, body = api.call("get_kmeans_centroids", **_where(iris), model_name="db")
    assert status_code == 400 and "k-means" in body["error_message"]
    train(api, iris, "train_kmeans", cluster_model_name="km", n_clusters=2)
    status_code, body = api.call("get_dbscan_core_points", **_where(iris), model_name="km")
    assert status_code == 400 and "DBSCAN" in body["error_message"]
    info = {i["model_name"]: i for i in api.ok("list_clustering_model_infos", **_where(iris))["model_infos"]}
    assert info["db"]["params"] == {"eps": 0.5, "min_samples": 5} and info["db"]["model_type"] == "dbscan"


def test_hdbscan_probabilities_and_cosine_names(api: Api, iris) -> None:  # type: ignore[no-untyped-def]
    _, status = train(api, iris, "train_hdbscan", model_name="h", min_cluster_size=10, dist_type="cosine")
    assert status["status"] == "finished" and status["model_type"] == "hdbscan"
    assert status["params"]["dist_type"] == "NegativeCosineSimilarity"
    body = api.ok("get_clustering_labels", **_where(iris), model_name="h")
    assert len(body["probabilities"]) == 150 and all(0 <= p <= 1 for p in body["probabilities"])
    m = api.ok("compute_clustering_metrics", **_where(iris), model_name="h")["metrics"]
    assert m["distance_type"] == "NegativeCosineSimilarity" and "cosine_dispersion" in m


def test_tsne_embeddings(api: Api, iris) -> None:  # type: ignore[no-untyped-def]
    train(api, iris, "train_kmeans", cluster_model_name="km", n_clusters=3)
    body = api.ok(
        "compute_tsne_embeddings", **_where(iris), model_name="km", max_samples=100, max_iter=250, perplexity=20
    )
    assert body["status"] == "finished" and body["num_points"] == 100
    assert body["parameters"] == {"max_samples": 100, "perplexity": 20.0, "theta": 0.5, "max_iter": 250}
    point = body["embeddings"][0]
    assert set(point) == {"label", "x", "y"} and point["label"] in (0, 1, 2)


def test_names_unique_delete_and_not_found(api: Api, iris) -> None:  # type: ignore[no-untyped-def]
    train(api, iris, "train_kmeans", cluster_model_name="km", n_clusters=3)
    status, body = api.call("train_dbscan", **_where(iris), cluster_model_name="km", eps=0.5, min_samples=5)
    assert status == 409 and "already exists" in body["error_message"]
    deleted = api.ok("delete_clustering_model", **_where(iris), model_name="km")
    assert deleted == {"success": True, "status": "finished", "error_code": "Success"}
    status, body = api.call("get_clustering_labels", **_where(iris), model_name="km")
    assert status == 404 and "does not exist" in body["error_message"]
    status, body = api.call("delete_clustering_model", **_where(iris), model_name="km")
    assert status == 404
    assert api.ok("list_clustering_model_infos", **_where(iris))["model_infos"] == []


@pytest.mark.parametrize(
    ("endpoint", "fields", "word"),
    [
        ("train_kmeans", {"cluster_model_name": "m"}, "n_clusters"),
        ("train_kmeans", {"cluster_model_name": "m", "n_clusters": 3, "kmeans_method": "elkan"}, "kmeans_method"),
        ("train_kmeans", {"cluster_model_name": "m", "n_clusters": 3, "dist_type": "Chebyshev"}, "dist_type"),
        ("train_kmeans", {"cluster_model_name": "bad name!", "n_clusters": 3}, "cluster_model_name"),
        ("train_dbscan", {"cluster_model_name": "m", "min_samples": 3}, "eps"),
        ("train_hdbscan", {"cluster_model_name": "m", "dist_type": "Inner Product"}, "Inner Product"),
        ("get_dbscan_kdist_plot", {"k": 0}, "k"),
    ],
)
def test_bad_requests_name_the_field(api: Api, iris, endpoint, fields, word) -> None:  # type: ignore[no-untyped-def]
    status, body = api.call(endpoint, **_where(iris), **fields)
    assert status == 400 and word in body["error_message"] and body["success"] is False


def test_failed_job_reports_unknown_error_code(api: Api, iris) -> None:  # type: ignore[no-untyped-def]
    # more clusters than vectors is refused before a job exists (issue 12) ...
    code, body = api.call("train_kmeans", **_where(iris), cluster_model_name="big", n_clusters=500)
    assert code == 400 and "n_clusters (500)" in body["error_message"] and "(150)" in body["error_message"]
    # ... what only the data can tell fails the job: Hamming needs binary or quantized vectors
    _, status = train(api, iris, "train_kmeans", cluster_model_name="big", n_clusters=3, dist_type="Hamming")
    assert status["status"] == "failed" and status["error_code"] == "Unknown" and status["success"] is True
    assert "Hamming" in status["error_message"]
    code, body = api.call("get_clustering_labels", **_where(iris), model_name="big")
    assert code == 400 and "failed" in body["error_message"]
    _, again = train(api, iris, "train_kmeans", cluster_model_name="big", n_clusters=3)  # name is free again
    assert again["status"] == "finished"


def test_missing_collection_is_404(api: Api) -> None:
    api.ok("create_project", project_name="Q", application="test")
    status, body = api.call(
        "train_kmeans", project_name="Q", collection_name="nope", cluster_model_name="m", n_clusters=2
    )
    assert status == 404 and "does not exist" in body["error_message"]


def test_small_collection_edges_and_growth(api: Api) -> None:
    api.ok("create_project", project_name="S", application="test")
    where = {"project_name": "S", "collection_name": "tiny"}
    api.ok("init", **where, vector_type="dense", vector_dim=2)
    api.wait(api.ok("add_data_batch", **where, data=[[0, 0], [0, 1], [5, 5]])["job_id"])
    status, body = api.call("get_dbscan_kdist_plot", **where, k=5)
    assert status == 400 and "k" in body["error_message"]
    api.wait(api.ok("train_kmeans", **where, cluster_model_name="m", n_clusters=2)["job_id"], STATUS)
    tsne = api.ok("compute_tsne_embeddings", **where, model_name="m")
    assert tsne["num_points"] == 3
    api.wait(api.ok("add_data_batch", **where, data=[[9, 9]])["job_id"])
    status, body = api.call("compute_clustering_metrics", **where, model_name="m")
    assert status == 400 and "train the model again" in body["error_message"]
    assert len(api.ok("get_clustering_labels", **where, model_name="m")["labels"]) == 3


def test_suggested_eps_recovers_well_separated_blobs(api: Api) -> None:
    """The kdist answer's knee (extension): DBSCAN with it and min_samples = k finds the blobs."""
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    X, y = make_blobs(900, 4, centers=[[0] * 4, [12] * 4, [-12, 12, -12, 12]], cluster_std=1.0, random_state=4)
    where = {"project_name": "B", "collection_name": "blobs"}
    api.ok("create_project", project_name="B", application="test")
    api.ok("init", **where, vector_type="dense", vector_dim=4)
    assert api.wait(api.ok("add_data_batch", **where, data=X.tolist())["job_id"])["status"] == "finished"
    plot = api.ok("get_dbscan_kdist_plot", **where, k=8, max_num_samples=900, max_num_grids=100)
    grid, index = plot["kdist_grid_desc"], plot["suggested_eps_index"]
    assert 0 < index < len(grid) - 1 and plot["suggested_eps"] == grid[index]
    assert plot["suggested_eps"] < grid[0] / 2  # not the docs' "most negative slope" (index 0)
    job = api.ok("train_dbscan", **where, cluster_model_name="db", eps=plot["suggested_eps"], min_samples=8)
    assert api.wait(job["job_id"], STATUS)["status"] == "finished"
    labels = api.ok("get_clustering_labels", **where, model_name="db")["labels"]
    assert adjusted_rand_score(y, labels) >= 0.9
