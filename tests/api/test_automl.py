"""AutoML endpoints (seed 000 shapes, seed 001 spellings) through the in-process app."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

from tests.api.conftest import Api

STATUS = "get_automl_training_status"
METRICS = [
    "accuracy",
    "micro_precision",
    "macro_precision",
    "micro_recall",
    "macro_recall",
    "micro_f1",
    "macro_f1",
    "auc",
]


def _add(api: Api, name: str, x: np.ndarray, attrs: list[dict], dim: int | None = None) -> None:
    api.ok("init", project_name="P", collection_name=name, vector_type="dense", vector_dim=dim or x.shape[1])
    job = api.ok(
        "add_data_batch",
        project_name="P",
        collection_name=name,
        data=x.tolist(),
        string_ids=[f"{name}{i}" for i in range(len(x))],
        attributes=attrs,
    )
    assert api.wait(job["job_id"])["status"] == "finished"


@pytest.fixture
def cancer(api: Api):  # type: ignore[no-untyped-def]
    x, y = load_breast_cancer(return_X_y=True)
    x = x[:, :8]
    api.ok("create_project", project_name="P", application="test")
    size = np.where(x[:, 2] > np.median(x[:, 2]), "big", "small")
    attrs = [{"label": str(v), "size": s} for v, s in zip(y, size)]
    attrs[0] = {"size": size[0]}  # one row without a label: left out of training
    _add(api, "train", x[:450], attrs[:450])
    _add(api, "test", x[450:], attrs[450:])
    return x, y, size


def train(api: Api, **fields):  # type: ignore[no-untyped-def]
    body = {
        "project_name": "P",
        "collection_name": "train",
        "model_name": "m",
        "training_mode": "high_speed",
        "task_type": "classification",
        "label_attribute": "label",
        **fields,
    }
    job = api.ok("train_automl_model", **body)
    return job["job_id"], api.wait(job["job_id"], STATUS)


def test_train_status_predict_importance_list_delete(api: Api, cancer) -> None:  # type: ignore[no-untyped-def]
    x, y, size = cancer
    job_id, status = train(api, train_categorical_features=["size", "nope"])
    assert status["status"] == "finished", status
    assert {k: status[k] for k in ("task_type", "model_name", "label_attribute")} == {
        "task_type": "classification",
        "model_name": "m",
        "label_attribute": "label",
    }
    assert len(status["start_time"]) == 19 and len(status["duration"]) == 8
    assert list(status["validation_metric"]) == METRICS and status["validation_metric"]["accuracy"] > 0.85
    assert any("nope" in w for w in status["warnings"])
    where = {"project_name": "P", "collection_name": "train", "model_name": "m"}
    pred = api.ok("automl_predict", **where, prediction_dataset="test")
    assert len(pred["predictions"]) == len(y) - 450 and set(pred["predictions"]) <= {0, 1}
    assert pred["num_samples"] == len(y) - 450 and pred["prediction_metric"]["accuracy"] > 0.85
    imp = api.ok("get_feature_importance", **where)["feature_importance"]
    assert imp[0]["importance"] == 1.0 and {i["feature"] for i in imp} == {f"column {i}" for i in range(1, 9)} | {
        "size"
    }
    metric = api.ok("get_model_validation_metric", **where)["validation_metric"]
    assert metric == status["validation_metric"]
    infos = api.ok("list_automl_model_infos", project_name="P", collection_name="train")["model_infos"]
    assert infos[0] | {"create_time": ""} == {
        "model_name": "m",
        "task_type": "classification",
        "training_mode": "high_speed",
        "label_attribute": "label",
        "data_augmentation": "false",
        "validation_dataset": "",
        "create_time": "",
        "status": "finished",
    }
    assert len(infos[0]["create_time"]) == 17 and ", " in infos[0]["create_time"]
    code, body = api.call(
        "train_automl_model", **where, training_mode="auto", task_type="classification", label_attribute="label"
    )
    assert code == 409 and "already exists" in body["error_message"]
    code, body = api.call("automl_predict", **where, prediction_dataset="nowhere")
    assert code == 404 and "prediction_dataset 'nowhere' does not exist" in body["error_message"]
    code, body = api.call("automl_predict", **where)
    assert code == 400 and "prediction_dataset" in body["error_message"]
    assert api.ok("delete_automl_model", **where) == {"success": True}
    code, body = api.call("automl_predict", **where, prediction_dataset="test")
    assert code == 404 and "does not exist" in body["error_message"]


def test_deleting_a_model_while_it_trains_cancels_the_job(api: Api, cancer, client) -> None:  # type: ignore[no-untyped-def]
    where = {"project_name": "P", "collection_name": "train", "model_name": "m"}
    models_dir = client.app.state.services.context.files.models
    before = set(models_dir.iterdir()) if models_dir.exists() else set()
    job = api.ok(
        "train_automl_model", **where, training_mode="balanced", task_type="classification", label_attribute="label"
    )
    assert api.ok("delete_automl_model", **where) == {"success": True}
    assert client.app.state.services.context.runner.wait_idle(120)
    code, status = api.call(STATUS, job_id=job["job_id"])
    assert status["status"] == "failed" and "Cancelled: model 'm' was deleted" in status["error_message"], status
    code, body = api.call("get_model_validation_metric", **where)
    assert code == 404 and "does not exist" in body["error_message"]
    assert set(models_dir.iterdir()) <= before  # the files the job wrote after the delete are gone too


def test_inline_csv_by_header_name_with_probabilities(api: Api, cancer) -> None:  # type: ignore[no-untyped-def]
    x, y, size = cancer
    assert train(api, categorical_features=["size"], data_augmentation="low")[1]["status"] == "finished"
    # columns in another order, an extra column, the label present, one cell missing
    header = ["label", "extra"] + [f"column {i}" for i in range(8, 0, -1)] + ["size"]
    lines = [",".join(header)]
    for i in range(450, 470):
        cells = [str(y[i]), "7"] + [repr(float(v)) for v in x[i, ::-1]] + [size[i]]
        lines.append(",".join(cells))
    lines[1] = lines[1].replace(lines[1].split(",")[3], "", 1)
    csv = base64.b64encode("\n".join(lines).encode()).decode()
    where = {"project_name": "P", "collection_name": "train", "model_name": "m"}
    pred = api.ok(
        "automl_predict", **where, file_data=csv, file_format="csv", has_field_names=True, return_probabilities=True
    )
    assert len(pred["predictions"]) == 20 and pred["num_samples"] == 20
    assert pred["prediction_metric"]["accuracy"] >= 0.8
    assert pred["classes"] == [0, 1] and np.allclose(np.sum(pred["probabilities"], axis=1), 1.0)
    infos = api.ok("list_automl_model_infos", project_name="P", collection_name="train")["model_infos"]
    assert infos[0]["data_augmentation"] == "true"


def test_regression_with_validation_dataset(api: Api) -> None:
    x, y = load_diabetes(return_X_y=True)
    api.ok("create_project", project_name="P", application="test")
    _add(api, "train", x[:350], [{"target": str(v)} for v in y[:350]])
    _add(api, "val", x[350:], [{"target": str(v)} for v in y[350:]])
    job = api.ok(
        "train_automl_model",
        project_name="P",
        collection_name="train",
        model_name="r",
        training_mode="linear_model",
        task_type="regression",
        label_attribute="target",
        validation_dataset="val",
    )
    status = api.wait(job["job_id"], STATUS)
    assert status["status"] == "finished" and set(status["validation_metric"]) == {"mse", "mae"}
    assert status["validation_metric"]["mse"] < 0.8 * np.var(y[350:])
    infos = api.ok("list_automl_model_infos", project_name="P", collection_name="train")["model_infos"]
    assert infos[0]["validation_dataset"] == "val" and infos[0]["training_mode"] == "linear_model"
    pred = api.ok("automl_predict", project_name="P", collection_name="train", model_name="r", prediction_dataset="val")
    assert all(isinstance(p, float) for p in pred["predictions"]) and pred["num_samples"] == len(y) - 350


def test_documented_errors(api: Api, cancer) -> None:  # type: ignore[no-untyped-def]
    base = {
        "project_name": "P",
        "collection_name": "train",
        "model_name": "m",
        "training_mode": "balanced",
        "task_type": "classification",
        "label_attribute": "label",
    }
    for field, value, word in [
        ("task_type", "clustering", "task_type"),
        ("model_name", "bad name!", "model_name"),
        ("data_augmentation", "max", "data_augmentation"),
    ]:
        code, body = api.call("train_automl_model", **{**base, field: value})
        assert code == 400 and word in body["error_message"] and body["success"] is False
    code, body = api.call("train_automl_model", **{**base, "validation_dataset": "nowhere"})
    assert code == 404 and "validation_dataset 'nowhere' does not exist" in body["error_message"]

    code, body = api.call("train_automl_model", **{**base, "collection_name": "ghost"})
    assert code == 404 and "does not exist" in body["error_message"]
    # an attribute the collection never had is refused before a job exists (issue 12) ...
    code, body = api.call("train_automl_model", **{**base, "label_attribute": "no_such"})
    assert code == 400 and "label_attribute 'no_such'" in body["error_message"]
    # ... what only the data can tell fails the job
    job = api.ok("train_automl_model", **{**base, "task_type": "regression", "label_attribute": "size"})
    status = api.wait(job["job_id"], STATUS)
    assert status["status"] == "failed" and status["error"] and "numeric" in status["error_message"]
    assert status["success"] is True
    code, body = api.call(
        "automl_predict", project_name="P", collection_name="train", model_name="m", prediction_dataset="test"
    )
    assert code == 400 and "failed" in body["error_message"]
    code, body = api.call("get_feature_importance", project_name="P", collection_name="train", model_name="zz")
    assert code == 404 and "does not exist" in body["error_message"]
