"""A user's own test file, outside this repository, using only the installed pytest plugin.

The file below is written to a temporary directory and run with `python -m pytest`
in a subprocess, exactly as a user's CI would: no conftest, no import of our tests,
only the fixtures `vecml_server` and `vecml_api_key` and plain HTTP (urllib).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vecml_local.app import create_app
from vecml_local.config import Settings

USER_TESTS = textwrap.dedent(
    '''
    """test_my_vecml_client.py — a user's tests of their VecML client code."""
    import json
    import os
    import random
    import threading
    import time
    import urllib.request

    SEEN_SERVERS = set()


    def call(server, endpoint, body):
        request = urllib.request.Request(
            f"{server.url}/{endpoint}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())


    def wait(server, key, job_id, endpoint="get_upload_data_status", timeout=300):
        deadline = time.monotonic() + timeout
        polls = []
        while time.monotonic() < deadline:
            status = call(server, endpoint, {"user_api_key": key, "job_id": job_id})
            polls.append(status["status"])
            if status["status"] in ("finished", "failed"):
                return status, polls
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not end: {polls[-5:]}")


    def blobs(n, dim, seed):
        rng = random.Random(seed)
        vectors, labels = [], []
        for i in range(n):
            label = i % 2
            vectors.append([rng.gauss(3.0 if label else -3.0, 1.0) for _ in range(dim)])
            labels.append(str(label))
        return vectors, labels


    def load(server, key, project, collection, vectors, labels):
        assert call(server, "init", {"user_api_key": key, "project_name": project, "collection_name": collection,
                                     "vector_type": "dense", "vector_dim": len(vectors[0])})["success"]
        job = call(server, "add_data_batch", {
            "user_api_key": key, "project_name": project, "collection_name": collection,
            "string_ids": [f"{collection}-{i}" for i in range(len(vectors))], "data": vectors,
            "attributes": [{"label": label} for label in labels],
        })
        status, _ = wait(server, key, job["job_id"])
        assert status["status"] == "finished", status


    def test_no_server_is_started_unless_a_test_asks_for_one():
        assert not [t for t in threading.enumerate() if t.name == "vecml-local-server"]


    def test_first_tenant_sees_only_its_project(vecml_server, vecml_api_key):
        SEEN_SERVERS.add(vecml_server.url)
        assert vecml_server.url.startswith("http://127.0.0.1:") and vecml_server.url.endswith("/api")
        assert call(vecml_server, "create_project", {"user_api_key": vecml_api_key, "project_name": "mine",
                                                      "application": "x"})["success"]
        projects = call(vecml_server, "list_projects", {"user_api_key": vecml_api_key})["projects"]
        assert [p["project_name"] for p in projects] == ["mine"]


    def test_second_tenant_does_not_see_the_first(vecml_server, vecml_api_key):
        SEEN_SERVERS.add(vecml_server.url)
        assert len(SEEN_SERVERS) == 1, "one server for the whole session"
        assert call(vecml_server, "list_projects", {"user_api_key": vecml_api_key})["projects"] == []
        # The same name is free: nothing is shared between keys.
        assert call(vecml_server, "create_project", {"user_api_key": vecml_api_key, "project_name": "mine",
                                                      "application": "x"})["success"]


    def test_polling_code_sees_in_progress_first(vecml_server, vecml_api_key):
        vectors, labels = blobs(20, 4, seed=1)
        call(vecml_server, "create_project", {"user_api_key": vecml_api_key, "project_name": "p", "application": "x"})
        call(vecml_server, "init", {"user_api_key": vecml_api_key, "project_name": "p", "collection_name": "c",
                                    "vector_type": "dense", "vector_dim": 4})
        job = call(vecml_server, "add_data_batch", {"user_api_key": vecml_api_key, "project_name": "p",
                                                    "collection_name": "c", "data": vectors})
        vecml_server.wait_idle()
        status, polls = wait(vecml_server, vecml_api_key, job["job_id"])
        expected = int(os.environ.get("VECML_LOCAL_JOB_MIN_POLLS", "0"))
        assert polls == ["in_progress"] * expected + ["finished"]


    def test_train_a_model_and_predict(vecml_server, vecml_api_key):
        vectors, labels = blobs(300, 8, seed=2)
        assert call(vecml_server, "create_project", {"user_api_key": vecml_api_key, "project_name": "AutoML-Demo",
                                                      "application": "Machine Learning"})["success"]
        load(vecml_server, vecml_api_key, "AutoML-Demo", "training_data", vectors, labels)
        started = call(vecml_server, "train_automl_model", {
            "user_api_key": vecml_api_key, "project_name": "AutoML-Demo", "collection_name": "training_data",
            "model_name": "my_model", "training_mode": "high_speed", "task_type": "classification",
            "label_attribute": "label",
        })
        assert started["success"], started
        status, _ = wait(vecml_server, vecml_api_key, started["job_id"], "get_automl_training_status")
        assert status["status"] == "finished", status
        assert status["validation_metric"]["accuracy"] > 0.9, status

        test_vectors, test_labels = blobs(40, 8, seed=3)
        load(vecml_server, vecml_api_key, "AutoML-Demo", "prediction_data", test_vectors, test_labels)
        predicted = call(vecml_server, "automl_predict", {
            "user_api_key": vecml_api_key, "project_name": "AutoML-Demo", "collection_name": "training_data",
            "model_name": "my_model", "prediction_dataset": "prediction_data",
        })
        assert predicted["success"], predicted
        assert len(predicted["predictions"]) == 40
        correct = sum(str(p) == t for p, t in zip(predicted["predictions"], test_labels))
        assert correct >= 36, predicted["predictions"]
    '''
)


def _has_route(path: str) -> bool:
    """Whether the app serves `path` (from its OpenAPI schema: routers are included lazily)."""
    return path in create_app(Settings()).openapi()["paths"]


def run_user_suite(
    tmp_path: Path, *pytest_args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m pytest` on the user's file in a directory of its own (its own rootdir, no conftest)."""
    project = tmp_path / "my-client"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_my_vecml_client.py").write_text(USER_TESTS)
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("VECML_LOCAL_", "PYTEST_"))}
    clean_env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", *pytest_args],
        cwd=project,
        env={**clean_env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )


def _passed(output: str, name: str) -> bool:
    return f"test_my_vecml_client.py::{name} PASSED" in output


def test_user_suite_isolation_and_polling(tmp_path: Path) -> None:
    result = run_user_suite(tmp_path, "-k", "not train", env={"VECML_LOCAL_JOB_MIN_POLLS": "3"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for name in (
        "test_no_server_is_started_unless_a_test_asks_for_one",
        "test_first_tenant_sees_only_its_project",
        "test_second_tenant_does_not_see_the_first",
        "test_polling_code_sees_in_progress_first",
    ):
        assert _passed(output, name), output


def test_user_suite_trains_a_model(tmp_path: Path) -> None:
    if not _has_route("/api/train_automl_model"):
        pytest.skip(
            "POST /api/train_automl_model is not in the app yet (AutoML work in progress); "
            "this test runs as soon as the route exists"
        )
    result = run_user_suite(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert _passed(output, "test_train_a_model_and_predict"), output
    assert " 5 passed" in output, output


def test_user_suite_in_keys_auth_mode(tmp_path: Path) -> None:
    """With VECML_LOCAL_AUTH=keys the fixture registers each test's key on the server."""
    result = run_user_suite(tmp_path, "-k", "tenant", env={"VECML_LOCAL_AUTH": "keys"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert " 2 passed" in output, output
