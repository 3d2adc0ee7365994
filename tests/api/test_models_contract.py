"""The AutoML and clustering requests as typed once in `schemas/`: lenient numbers, enumerations
in any documented spelling (normalised before the service sees them), the same message for the
same wrong value on every endpoint, and OpenAPI listing the accepted values."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

WHERE = {"project_name": "P", "collection_name": "c"}
STATUS = "get_clustering_training_status"


@pytest.fixture
def blobs(api: Api) -> Api:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", **WHERE, vector_type="dense", vector_dim=2)
    rows = [[float(i % 2) * 10 + i * 0.01, float(i % 2) * 10] for i in range(40)]
    attributes = [{"label": str(i % 2), "region": "ab"[i % 3 == 0]} for i in range(40)]
    api.wait(api.ok("add_data_batch", **WHERE, data=rows, attributes=attributes)["job_id"])
    return api


def test_numbers_as_strings_and_enumerations_in_any_spelling(blobs: Api) -> None:
    job = blobs.ok(
        "train_kmeans",
        **WHERE,
        cluster_model_name="km",
        kmeans_method=" KMeans_Hamerly ",
        n_clusters="2",
        n_init=2.0,
        tolerance="1e-3",
        dist_type="cosine",
        initialization_method="KMeans++",
        random_seed="7",
    )["job_id"]
    status = blobs.wait(job, STATUS)
    assert status["status"] == "finished", status
    assert status["kmeans_method"] == "kmeans_hamerly"
    assert status["params"]["dist_type"] == "NegativeCosineSimilarity"
    assert status["params"]["initialization_method"] == "k-means++"
    assert status["params"]["tolerance"] == "0.001000" and status["params"]["n_clusters"] == "2"
    plot = blobs.ok("get_dbscan_kdist_plot", **WHERE, k="3", dist_type="Inner Product", max_num_grids="10")
    assert plot["dist_type"] == "NegativeInnerProduct" and plot["k"] == 3 and len(plot["kdist_grid_desc"]) == 10


def test_automl_spellings(blobs: Api) -> None:
    job = blobs.ok(
        "train_automl_model",
        **WHERE,
        model_name="m",
        training_mode="AUTO",
        task_type="Classification",
        label_attribute="label",
        categorical_features="region",  # the older documentation's spelling, one name as a string
        data_augmentation=True,
        random_seed="3",
    )["job_id"]
    status = blobs.wait(job, "get_automl_training_status")
    assert status["status"] == "finished", status
    info = blobs.ok("list_automl_model_infos", **WHERE)["model_infos"][0]
    assert info["training_mode"] == "auto" and info["task_type"] == "classification"
    assert info["data_augmentation"] == "true"
    predicted = blobs.ok("automl_predict", **WHERE, model_name="m", prediction_dataset="c", return_probabilities="yes")
    assert len(predicted["probabilities"]) == 40 and sorted(predicted["classes"]) == [0, 1]


@pytest.mark.parametrize(
    ("endpoint", "fields"),
    [
        ("train_kmeans", {"cluster_model_name": "m", "n_clusters": 2}),
        ("train_dbscan", {"cluster_model_name": "m", "eps": 1, "min_samples": 2}),
        ("train_hdbscan", {"cluster_model_name": "m"}),
        ("get_dbscan_kdist_plot", {}),
    ],
)
def test_the_same_wrong_value_gets_the_same_message(blobs: Api, endpoint: str, fields: dict[str, Any]) -> None:
    before = blobs.ok("list_jobs")["total"]
    for value, message in [
        (0, "num_threads: Input should be greater than or equal to 1"),
        ("many", "num_threads: must be an integer; got 'many'"),
        ("NaN", "num_threads: must be a finite integer; got 'NaN'"),
    ]:
        status, body = blobs.call(endpoint, **WHERE, **fields, num_threads=value)
        assert status == 400 and body["error_message"] == message, body
    status, body = blobs.call(endpoint, **WHERE, **fields, dist_type="Chebyshev")
    assert status == 400 and body["error_message"].startswith("dist_type 'Chebyshev' is not supported")
    assert blobs.ok("list_jobs")["total"] == before


def test_openapi_lists_the_accepted_values(client: Any) -> None:
    doc = client.get("/openapi.json").json()

    def prop(path: str, name: str) -> dict[str, Any]:
        schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        found = schema["properties"][name]
        return found["anyOf"][0] if "anyOf" in found else found

    assert set(prop("/api/train_automl_model", "training_mode")["enum"]) == {
        "auto",
        "linear_model",
        "high_speed",
        "balanced",
        "high_accuracy",
    }
    assert set(prop("/api/train_automl_model", "task_type")["enum"]) == {"classification", "regression"}
    assert set(prop("/api/train_automl_model", "data_augmentation")["enum"]) == {"off", "low", "high"}
    assert set(prop("/api/train_kmeans", "kmeans_method")["enum"]) == {"kmeans", "kmeans_hamerly"}
    assert set(prop("/api/train_kmeans", "initialization_method")["enum"]) == {"k-means++", "random"}
    assert "Euclidean" in prop("/api/train_kmeans", "dist_type")["enum"]
    assert set(prop("/api/train_hdbscan", "cluster_selection_method")["enum"]) == {"eom", "leaf"}
    n_clusters = prop("/api/train_kmeans", "n_clusters")
    assert n_clusters["type"] == "integer" and n_clusters["minimum"] == 1 and n_clusters["description"]
