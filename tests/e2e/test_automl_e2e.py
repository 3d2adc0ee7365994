"""The docs' AutoML example workflow (seed 000), unchanged in substance, against a
real server process over HTTP, within the example's own 30 s / 60 s waits; and the
live-client flow (upload_automl_X -> attach_automl_label -> train -> metric ->
importance -> inline predict)."""

from __future__ import annotations

import base64
import time

import numpy as np

from tests.support import ServerProcess, new_key


def _wait(server: ServerProcess, key: str, job_id: str, endpoint: str, max_wait_time: float) -> dict:
    """The docs' `wait_for_job_completion`, polling faster than its 2 s."""
    start = time.time()
    while True:
        body = server.post(endpoint, {"user_api_key": key, "job_id": job_id})
        if body.get("status") in ("finished", "failed"):
            return body
        assert time.time() - start <= max_wait_time, f"{endpoint} still {body.get('status')} after {max_wait_time}s"
        time.sleep(0.2)


def generate_dataset(num_samples: int, vector_dim: int, id_prefix: str, seed: int = 2025):
    """Verbatim logic of the docs' generator (linear boundary + a category weight)."""
    np.random.seed(seed)
    vectors = np.random.randn(num_samples, vector_dim).tolist()
    categories = [np.random.choice(["A", "B", "C"]) for _ in range(num_samples)]
    labels = []
    for vec, category in zip(vectors, categories):
        score = sum(vec[:20]) + {"A": 1.0, "B": -0.5, "C": 0.0}[category]
        labels.append("1" if score > 0 else "0")
    ids = [f"{id_prefix}_{i:03d}" for i in range(num_samples)]
    attributes = [{"label": str(label), "category": str(category)} for label, category in zip(labels, categories)]
    return vectors, ids, attributes


def test_docs_example_workflow(server: ServerProcess) -> None:
    key = new_key()
    post = server.post
    post("delete_project", {"user_api_key": key, "project_name": "AutoML-Demo"})
    assert post(
        "create_project", {"user_api_key": key, "project_name": "AutoML-Demo", "application": "Machine Learning"}
    )["success"]
    post(
        "init",
        {
            "user_api_key": key,
            "project_name": "AutoML-Demo",
            "collection_name": "training_data",
            "vector_type": "dense",
            "vector_dim": 64,
        },
    )
    vectors, ids, attributes = generate_dataset(1000, 64, "train", seed=2025)
    response = post(
        "add_data_batch",
        {
            "user_api_key": key,
            "project_name": "AutoML-Demo",
            "collection_name": "training_data",
            "string_ids": ids,
            "data": vectors,
            "attributes": attributes,
        },
    )
    assert _wait(server, key, response["job_id"], "get_upload_data_status", 30)["status"] == "finished"
    response = post(
        "train_automl_model",
        {
            "user_api_key": key,
            "project_name": "AutoML-Demo",
            "collection_name": "training_data",
            "model_name": "model1",
            "training_mode": "high_speed",
            "task_type": "classification",
            "label_attribute": "label",
            "train_categorical_features": ["category"],
        },
    )
    status = _wait(server, key, response["job_id"], "get_automl_training_status", 60)
    assert status["status"] == "finished", status
    assert status["validation_metric"]["accuracy"] > 0.8
    post(
        "init",
        {
            "user_api_key": key,
            "project_name": "AutoML-Demo",
            "collection_name": "prediction_data",
            "vector_type": "dense",
            "vector_dim": 64,
        },
    )
    vectors, ids, attributes = generate_dataset(100, 64, "pred", seed=2026)
    response = post(
        "add_data_batch",
        {
            "user_api_key": key,
            "project_name": "AutoML-Demo",
            "collection_name": "prediction_data",
            "string_ids": ids,
            "data": vectors,
            "attributes": attributes,
        },
    )
    assert _wait(server, key, response["job_id"], "get_upload_data_status", 60)["status"] == "finished"
    result = post(
        "automl_predict",
        {
            "user_api_key": key,
            "project_name": "AutoML-Demo",
            "collection_name": "training_data",
            "model_name": "model1",
            "prediction_dataset": "prediction_data",
        },
    )
    assert result["success"] is True and len(result["predictions"]) == 100
    assert set(result["predictions"]) <= {0, 1} and result["num_samples"] == 100
    assert result["prediction_metric"]["accuracy"] > 0.8


def test_live_client_file_flow(server: ServerProcess) -> None:
    key = new_key()
    post = server.post
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5))
    plan = rng.choice(["basic", "pro"], size=300)
    churn = ((x[:, 0] + (plan == "pro") * 1.5 + 0.3 * rng.normal(size=300)) > 0.5).astype(int)
    header = "tenure,spend,calls,age,visits,plan"
    rows = [header] + [",".join([*(f"{v:.4f}" for v in x[i]), plan[i]]) for i in range(300)]
    b64 = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    assert post("create_project", {"user_api_key": key, "project_name": "churn", "application": "autoML"})["success"]
    up = post(
        "upload_automl_X",
        {
            "user_api_key": key,
            "project_name": "churn",
            "collection_name": "customers",
            "X": b64("\n".join(rows)),
            "file_format": "csv",
            "has_field_names": True,
            "vector_type": "dense",
            "categorical_features": ["plan"],
        },
    )
    assert _wait(server, key, up["job_id"], "get_upload_data_status", 30)["status"] == "finished"
    lab = post(
        "attach_automl_label",
        {
            "user_api_key": key,
            "project_name": "churn",
            "collection_name": "customers",
            "file_data": b64("churned\n" + "\n".join(map(str, churn))),
            "file_format": "csv",
            "has_field_names": True,
            "attribute_name": "churned",
        },
    )
    assert _wait(server, key, lab["job_id"], "get_automl_training_status", 30)["status"] == "finished"
    train = post(
        "train_automl_model",
        {
            "user_api_key": key,
            "project_name": "churn",
            "collection_name": "customers",
            "model_name": "churn_v1",
            "training_mode": "balanced",
            "task_type": "classification",
            "label_attribute": "churned",
            "train_categorical_features": ["plan"],
        },
    )
    assert _wait(server, key, train["job_id"], "get_automl_training_status", 60)["status"] == "finished"
    where = {"user_api_key": key, "project_name": "churn", "collection_name": "customers", "model_name": "churn_v1"}
    metric = post("get_model_validation_metric", where)["validation_metric"]
    assert metric["accuracy"] > 0.8 and all(isinstance(v, float) for v in metric.values())
    importance = post("get_feature_importance", where)["feature_importance"]
    assert importance[0]["feature"] in ("tenure", "plan") and importance[0]["importance"] == 1.0
    one_row = b64("plan,tenure,spend,calls,age,visits\npro,2.0,0,0,0,0")
    pred = post("automl_predict", {**where, "file_data": one_row, "file_format": "csv", "has_field_names": True})
    assert pred["predictions"] == [1]
    infos = post(
        "list_automl_model_infos", {"user_api_key": key, "project_name": "churn", "collection_name": "customers"}
    )["model_infos"]
    assert [m["model_name"] for m in infos] == ["churn_v1"]
    assert post("delete_automl_model", where)["success"] is True
    gone = post("automl_predict", {**where, "file_data": one_row, "file_format": "csv", "has_field_names": True})
    assert gone["success"] is False and "does not exist" in gone["error_message"]
