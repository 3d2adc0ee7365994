"""Vector analysis (extension): a planted failure is ranked worst; same seed, same answer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits

from tests.api.conftest import Api
from tests.support import wait_for_job


def _digits_collection(api: Api, wrong_class: int) -> np.ndarray:
    """Digits with a `label` and a `pred` attribute; `pred` is right except for one class."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:900], y[:900]
    api.ok("create_project", project_name="A", application="analysis")
    api.ok("init", project_name="A", collection_name="d", vector_type="dense", vector_dim=64)
    pred = np.where(y == wrong_class, (y + 5) % 10, y)
    attrs = [
        {"label": int(t), "pred": int(p), "split": "test" if i % 4 == 0 else "train"}
        for i, (t, p) in enumerate(zip(y, pred))
    ]
    body = api.ok(
        "add_data_batch",
        project_name="A",
        collection_name="d",
        data=X.tolist(),
        string_ids=[f"d{i}" for i in range(len(X))],
        attributes=attrs,
    )
    api.wait(body["job_id"])
    return y


def _analyse(api: Api, name: str, timeout: float = 120.0, **fields) -> dict:
    body = api.ok(
        "compute_vector_analysis",
        project_name="A",
        collection_name="d",
        analysis_name=name,
        label_attribute="label",
        **fields,
    )
    post = lambda e, b: api.client.post(f"/api/{e}", json=b).json()  # noqa: E731
    status = wait_for_job(post, api.key, body["job_id"], "get_clustering_training_status", timeout=timeout)
    assert status["status"] == "finished", status
    return api.ok("get_vector_analysis", project_name="A", collection_name="d", analysis_name=name)


def test_planted_failure_ranks_worst_and_seed_repeats(api: Api) -> None:
    y = _digits_collection(api, wrong_class=3)
    fields = {
        "prediction_attribute": "pred",
        "split_attribute": "split",
        "reduction": "pca",
        "min_cluster_size": 10,
        "min_samples": 5,
    }
    first = _analyse(api, "a1", **fields)
    clusters = first["clusters"]
    assert first["preprocessing"]["method"] == "pca" and first["preprocessing"]["target_dimensions"] == 10
    assert first["clustering"]["n_clusters"] == len([c for c in clusters if c["id"] != -1]) >= 5
    worst = clusters[0]
    assert worst["id"] != -1 and worst["metrics"]["accuracy"] < 0.2
    members = [int(s[1:]) for s in worst["sample_ids"]]
    assert all(y[i] == 3 for i in members)
    # a cluster of other digits is (nearly) perfect, and the noise bucket comes last
    assert max(c["metrics"]["accuracy"] for c in clusters if c["id"] != -1) > 0.95
    assert clusters[-1]["id"] == -1 or -1 not in [c["id"] for c in clusters]
    assert sum(c["num_vectors"] for c in clusters) == 900
    assert sum(sum(c["split_distribution"].values()) for c in clusters) == 900
    assert 0.0 <= first["clustering"]["metrics"]["noise_ratio"] < 1.0
    second = _analyse(api, "a2", **fields)
    assert second["clusters"] == first["clusters"]
    listed = api.ok("list_vector_analyses", project_name="A", collection_name="d")["analyses"]
    assert {a["analysis_name"] for a in listed} == {"a1", "a2"}
    api.ok("delete_vector_analysis", project_name="A", collection_name="d", analysis_name="a2")
    status, body = api.call("get_vector_analysis", project_name="A", collection_name="d", analysis_name="a2")
    assert status == 404 and "does not exist" in body["error_message"]


def test_analysis_of_an_automl_model(api: Api) -> None:
    _digits_collection(api, wrong_class=3)
    job = api.ok(
        "train_automl_model",
        project_name="A",
        collection_name="d",
        model_name="m",
        training_mode="high_speed",
        task_type="classification",
        label_attribute="label",
    )
    assert api.wait(job["job_id"], "get_automl_training_status")["status"] == "finished"
    answer = _analyse(
        api, "of-model", model_name="m", reduction="pca", min_cluster_size=10, min_samples=5, include_projection=True
    )
    assert answer["clusters"] and all("accuracy" in c["metrics"] for c in answer["clusters"])
    with_projection = api.ok(
        "get_vector_analysis", project_name="A", collection_name="d", analysis_name="of-model", include_projection=True
    )
    assert len(with_projection["projection"]["x"]) == 900


@pytest.mark.parametrize(
    ("fields", "status", "needle"),
    [
        ({"prediction_attribute": "pred", "label_attribute": "nope"}, 400, "label_attribute"),
        ({"prediction_attribute": "nope", "label_attribute": "label"}, 400, "prediction_attribute"),
        ({"label_attribute": "label"}, 400, "model_name"),
        ({"label_attribute": "label", "model_name": "ghost"}, 404, "ghost"),
        ({"label_attribute": "label", "prediction_attribute": "pred", "split_attribute": "x"}, 400, "split_attribute"),
        ({"label_attribute": "label", "prediction_attribute": "pred", "analysis_name": "../x"}, 400, "analysis_name"),
    ],
)
def test_bad_analysis_requests(api: Api, fields: dict, status: int, needle: str) -> None:
    _digits_collection(api, wrong_class=3)
    code, body = api.call(
        "compute_vector_analysis", project_name="A", collection_name="d", **{"analysis_name": "bad", **fields}
    )
    assert code == status and needle in body["error_message"], body


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_umap_reduction(api: Api) -> None:
    pytest.importorskip("umap")
    _digits_collection(api, wrong_class=3)
    # UMAP's numba kernels compile on first use in a fresh environment: minutes on a loaded machine
    answer = _analyse(
        api,
        "u",
        timeout=900,
        prediction_attribute="pred",
        reduction="umap",
        max_samples=300,
        min_cluster_size=5,
        target_dimensions=5,
        n_neighbors=15,
    )
    assert answer["preprocessing"]["method"] == "umap" and answer["preprocessing"]["n_neighbors"] == 15
    assert answer["preprocessing"]["num_vectors"] == 300
    assert sum(c["num_vectors"] for c in answer["clusters"]) == 300


def test_choosing_the_reduction_does_not_import_umap() -> None:
    """The request only asks whether umap is installed: importing it compiles numba code (seconds,
    over a minute beside the server's warm-up), which would hold the request (seen by the fuzzer)."""
    probe = (
        "import sys; from vecml_local.ml.analysis import umap_available; umap_available(); print('umap' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"
