"""Job progress over HTTP: every status answer carries `progress` (0..1, never falling,
1.0 once finished), `progress_message` and `eta_seconds`."""

from __future__ import annotations

import time

import numpy as np

from tests.support import ServerProcess, new_key


def _progress_until_done(server: ServerProcess, endpoint: str, key: str, job_id: str) -> list[dict]:
    seen = []
    deadline = time.monotonic() + 120
    while True:
        body = server.post(endpoint, {"user_api_key": key, "job_id": job_id})
        seen.append(body)
        if body["status"] in ("finished", "failed"):
            return seen
        assert time.monotonic() < deadline, body
        time.sleep(0.02)  # polling interval


def _check(seen: list[dict]) -> None:
    values = [body["progress"] for body in seen]
    assert all(0.0 <= v <= 1.0 for v in values), values
    assert values == sorted(values), values  # never goes back
    last = seen[-1]
    assert last["status"] == "finished", last
    assert (last["progress"], last["progress_message"], last["eta_seconds"]) == (1.0, "finished", 0.0)
    for body in seen:
        assert isinstance(body["progress_message"], str)
        assert body["eta_seconds"] is None or body["eta_seconds"] >= 0


def test_upload_and_training_progress_rise_to_one(server: ServerProcess) -> None:
    key = new_key()
    where = {"user_api_key": key, "project_name": "p", "collection_name": "c"}
    assert server.post("create_project", {"user_api_key": key, "project_name": "p", "application": "t"})["success"]
    assert server.post("init", {**where, "vector_type": "dense", "vector_dim": 8})["success"]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8))
    labels = [{"label": "a" if row[0] + row[1] > 0 else "b"} for row in X]
    ids = [str(i) for i in range(len(X))]
    job = server.post("add_data_batch", {**where, "data": X.tolist(), "string_ids": ids, "attributes": labels})
    _check(_progress_until_done(server, "get_upload_data_status", key, job["job_id"]))
    job = server.post(
        "train_automl_model",
        {
            **where,
            "model_name": "m",
            "training_mode": "high_speed",
            "task_type": "classification",
            "label_attribute": "label",
        },
    )
    assert job["success"], job
    _check(_progress_until_done(server, "get_automl_training_status", key, job["job_id"]))
    # A finished job's answer is stable (served from memory after the first render).
    again = server.post("get_automl_training_status", {"user_api_key": key, "job_id": job["job_id"]})
    assert again["progress"] == 1.0 and again["status"] == "finished"
