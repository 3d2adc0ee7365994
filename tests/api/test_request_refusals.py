"""What a training request can already tell is impossible is refused with a 400 naming the
field, before any model row or job exists (issue 12)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

WHERE = {"project_name": "P", "collection_name": "c"}


@pytest.fixture
def small(api: Api) -> Api:
    """Ten 2-d vectors with a `label` attribute, all stored."""
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", **WHERE, vector_type="dense", vector_dim=2)
    rows = [[float(i), float(i % 3)] for i in range(10)]
    job = api.ok("add_data_batch", **WHERE, data=rows, attributes=[{"label": str(i % 2)} for i in range(10)])
    assert api.wait(job["job_id"])["status"] == "finished"
    return api


def _refused(api: Api, endpoint: str, field: str, **fields: object) -> str:
    before = api.ok("list_jobs")["total"]
    status, body = api.call(endpoint, **WHERE, **fields)
    assert status == 400 and body["success"] is False and field in body["error_message"], body
    assert api.ok("list_jobs")["total"] == before  # no job was created
    return str(body["error_message"])


@pytest.mark.parametrize(
    ("endpoint", "fields", "field"),
    [
        ("train_kmeans", {"cluster_model_name": "m", "n_clusters": 11}, "n_clusters"),
        ("train_dbscan", {"cluster_model_name": "m", "eps": 0.5, "min_samples": 11}, "min_samples"),
        ("train_hdbscan", {"cluster_model_name": "m", "min_cluster_size": 11}, "min_cluster_size"),
        ("train_hdbscan", {"cluster_model_name": "m", "min_samples": 12}, "min_samples"),
    ],
)
def test_sizes_above_the_number_of_vectors(small: Api, endpoint: str, fields: dict[str, object], field: str) -> None:
    message = _refused(small, endpoint, field, **fields)
    assert "(10)" in message
    assert small.ok("list_clustering_model_infos", **WHERE)["model_infos"] == []


def test_waiting_uploads_count(small: Api) -> None:
    """Vectors of an upload still queued count: the training job runs after it."""
    job = small.ok("add_data_batch", **WHERE, data=[[0.5 + i, 20.0] for i in range(5)])
    trained = small.ok("train_kmeans", **WHERE, cluster_model_name="m", n_clusters=15)
    assert small.wait(job["job_id"])["status"] == "finished"
    status = small.wait(trained["job_id"], "get_clustering_training_status")
    assert status["status"] == "finished", status


def test_empty_collection_is_refused(api: Api) -> None:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", **WHERE, vector_type="dense", vector_dim=2)
    _refused(api, "train_kmeans", "no vectors", cluster_model_name="m", n_clusters=1)


def test_unknown_label_attribute(small: Api) -> None:
    fields = {"model_name": "m", "task_type": "classification", "training_mode": "high_speed"}
    _refused(small, "train_automl_model", "label_attribute", label_attribute="nope", **fields)
    assert small.ok("list_automl_model_infos", **WHERE)["model_infos"] == []


def test_label_attached_later_is_accepted(small: Api) -> None:
    """A label file still being attached counts as the collection's attribute."""
    import base64

    labels = base64.b64encode("\n".join(str(i % 2) for i in range(10)).encode()).decode()
    attached = small.ok("attach_automl_label", **WHERE, file_data=labels, file_format="csv", label_name="later")
    job = small.ok(
        "train_automl_model",
        **WHERE,
        model_name="m",
        task_type="classification",
        training_mode="linear_model",
        label_attribute="later",
    )
    small.wait(attached["job_id"])
    assert small.wait(job["job_id"], "get_automl_training_status")["status"] == "finished"


def test_validation_dataset_without_the_label(small: Api) -> None:
    small.ok("init", project_name="P", collection_name="v", vector_type="dense", vector_dim=2)
    fields = {"model_name": "m", "task_type": "classification", "label_attribute": "label"}
    _refused(small, "train_automl_model", "validation_dataset", validation_dataset="v", **fields)
    small.ok("init", project_name="P", collection_name="wide", vector_type="dense", vector_dim=3)
    _refused(small, "train_automl_model", "validation_dataset", validation_dataset="wide", **fields)


def test_perplexity_too_large_for_the_sample(small: Api) -> None:
    small.wait(
        small.ok("train_kmeans", **WHERE, cluster_model_name="km", n_clusters=2)["job_id"],
        "get_clustering_training_status",
    )
    status, body = small.call("compute_tsne_embeddings", **WHERE, model_name="km", perplexity=5)
    assert status == 400 and "perplexity" in body["error_message"] and "10 vectors" in body["error_message"]
    status, body = small.call("compute_tsne_embeddings", **WHERE, model_name="km", perplexity=2, max_samples=6)
    assert status == 400 and "max_samples 6" in body["error_message"]
    assert small.ok("compute_tsne_embeddings", **WHERE, model_name="km", perplexity=3)["num_points"] == 10
    assert small.ok("compute_tsne_embeddings", **WHERE, model_name="km")["num_points"] == 10  # default adapts


def test_more_clusters_than_the_training_sample(small: Api) -> None:
    message = _refused(small, "train_kmeans", "n_clusters", cluster_model_name="m", n_clusters=5, max_train_samples=4)
    assert "max_train_samples (4)" in message


def test_hamming_on_a_sparse_collection(api: Api) -> None:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", **WHERE, vector_type="sparse", vector_dim=5)
    api.wait(api.ok("add_data_batch", **WHERE, data=[{"0": 1.0}, {"3": 2.0}, {"4": 1.0}])["job_id"])
    message = _refused(api, "train_kmeans", "dist_type", cluster_model_name="m", n_clusters=2, dist_type="Hamming")
    assert "sparse" in message
