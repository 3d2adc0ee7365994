"""A user's clustering session against a real server: the seed 000 workflow over HTTP,
then a restart that keeps the models and the job status."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_blobs

from tests.support import ServerProcess, new_key


def poll(server: ServerProcess, key: str, job_id: str, timeout: float = 120.0) -> dict:
    """The docs' polling loop: ask until finished or failed."""
    deadline = time.monotonic() + timeout
    while True:
        body = server.post("get_clustering_training_status", {"user_api_key": key, "job_id": job_id})
        if body.get("status") in ("finished", "failed"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)  # polling interval, as the docs' helper does


def load_blobs(server: ServerProcess, key: str) -> np.ndarray:
    X, y = make_blobs(1200, 8, centers=4, cluster_std=0.8, random_state=11)
    assert server.post(
        "create_project", {"user_api_key": key, "project_name": "EmbeddingProject", "application": "clustering"}
    )["success"]
    where = {"user_api_key": key, "project_name": "EmbeddingProject", "collection_name": "document_embeddings"}
    assert server.post("init", {**where, "vector_type": "dense", "vector_dim": 8})["success"]
    job = server.post(
        "add_data_batch",
        {
            **where,
            "data": X.tolist(),
            "string_ids": [f"doc{i}" for i in range(len(X))],
            "attributes": [{"topic": f"t{v}"} for v in y],
        },
    )
    status = server.post("get_upload_data_status", {"user_api_key": key, "job_id": job["job_id"]})
    deadline = time.monotonic() + 60
    while status["status"] not in ("finished", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        status = server.post("get_upload_data_status", {"user_api_key": key, "job_id": job["job_id"]})
    assert status["status"] == "finished", status
    return y


def test_clustering_workflow_and_restart(tmp_path: Path) -> None:
    key = new_key()
    server = ServerProcess(tmp_path / "data").start()
    where = {"user_api_key": key, "project_name": "EmbeddingProject", "collection_name": "document_embeddings"}
    try:
        y = load_blobs(server, key)
        plot = server.post(
            "get_dbscan_kdist_plot",
            {**where, "k": 10, "dist_type": "Cosine", "max_num_samples": 500, "max_num_grids": 50},
        )
        assert plot["dist_type"] == "NegativeCosineSimilarity" and len(plot["kdist_grid_desc"]) == 50
        job = server.post(
            "train_kmeans",
            {
                **where,
                "cluster_model_name": "topic_clusters_v1",
                "kmeans_method": "kmeans",
                "n_clusters": 4,
                "n_init": 5,
                "dist_type": "Euclidean",
                "initialization_method": "k-means++",
            },
        )
        km_status = poll(server, key, job["job_id"])
        assert km_status["status"] == "finished" and km_status["params"]["n_init"] == "5"
        labels = server.post("get_clustering_labels", {**where, "model_name": "topic_clusters_v1"})["labels"]
        assert len(labels) == 1200
        metrics = server.post(
            "compute_clustering_metrics",
            {**where, "model_name": "topic_clusters_v1", "ground_truth_attribute": "topic"},
        )["metrics"]
        assert metrics["normalized_mutual_info"] > 0.9 and metrics["inertia_sse"] > 0
        tsne = server.post(
            "compute_tsne_embeddings", {**where, "model_name": "topic_clusters_v1", "max_samples": 300, "max_iter": 300}
        )
        assert tsne["num_points"] == 300 and {p["label"] for p in tsne["embeddings"]} <= set(range(4))
        db_job = server.post(
            "train_dbscan",
            {
                **where,
                "cluster_model_name": "anomaly_detection_v1",
                "eps": 1.5,
                "min_samples": 10,
                "dist_type": "Euclidean",
            },
        )
        assert poll(server, key, db_job["job_id"])["status"] == "finished"
        core = server.post("get_dbscan_core_points", {**where, "model_name": "anomaly_detection_v1"})
        assert core["error_code"] == "Success" and len(core["core_points"]) > 100
        wrong = server.post("get_kmeans_centroids", {**where, "model_name": "anomaly_detection_v1"})
        assert wrong["success"] is False and "k-means" in wrong["error_message"]
    finally:
        server.stop()

    again = ServerProcess(tmp_path / "data").start()  # same data dir: models and jobs survive
    try:
        status = again.post("get_clustering_training_status", {"user_api_key": key, "job_id": job["job_id"]})
        assert status["status"] == "finished" and status["model_type"] == "kmeans"
        assert status["params"] == km_status["params"]
        cents = again.post("get_kmeans_centroids", {**where, "model_name": "topic_clusters_v1"})["centroids"]
        assert np.asarray(cents).shape == (4, 8)
        again_labels = again.post("get_clustering_labels", {**where, "model_name": "topic_clusters_v1"})["labels"]
        assert again_labels == labels
        infos = again.post("list_clustering_model_infos", where)["model_infos"]
        assert sorted(i["model_name"] for i in infos) == ["anomaly_detection_v1", "topic_clusters_v1"]
        assert again.post("delete_clustering_model", {**where, "model_name": "topic_clusters_v1"})["success"]
        assert len(again.post("list_clustering_model_infos", where)["model_infos"]) == 1
    finally:
        again.stop()
    assert y.shape == (1200,)
