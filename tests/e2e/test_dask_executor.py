"""VECML_LOCAL_EXECUTOR=dask against a real `distributed.LocalCluster` (2 worker processes,
1 thread each, no dashboard): the same answers as the local executor, the status names the
worker, and a worker killed mid-training costs a retry, not the job."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.support import ServerProcess, new_key, wait_for_job

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def servers(dask_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServerProcess]]:
    local = ServerProcess(Path(tmp_path_factory.mktemp("local"))).start()
    dask = ServerProcess(
        Path(tmp_path_factory.mktemp("dask")),
        env={"VECML_LOCAL_EXECUTOR": "dask", "VECML_LOCAL_DASK_SCHEDULER": dask_cluster.scheduler_address},
    ).start()
    yield {"local": local, "dask": dask}
    local.stop()
    dask.stop()


def _wait(server: ServerProcess, key: str, job_id: str, endpoint: str, timeout: float = 300.0) -> dict[str, Any]:
    return wait_for_job(lambda e, b: server.post(e, b), key, job_id, endpoint, timeout=timeout)


def _load(server: ServerProcess, key: str, rows: int = 400) -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=6.0, size=(4, 8))
    X = np.vstack([c + rng.normal(size=(rows // 4, 8)) for c in centres]).astype(np.float32)
    labels = np.repeat(np.arange(4), rows // 4)
    where = {"user_api_key": key, "project_name": "P", "collection_name": "c"}
    server.ok("create_project", user_api_key=key, project_name="P", application="dask")
    server.ok("init", **where, vector_type="dense", vector_dim=8)
    job = server.ok("add_data_batch", **where, data=X.tolist(), attributes=[{"y": int(v)} for v in labels])
    assert _wait(server, key, job["job_id"], "get_upload_data_status")["status"] == "finished"


def _flow(server: ServerProcess) -> tuple[dict[str, Any], dict[str, Any]]:
    key = new_key()
    where = {"user_api_key": key, "project_name": "P", "collection_name": "c"}
    _load(server, key)
    kmeans = server.ok("train_kmeans", **where, cluster_model_name="km", n_clusters=4, random_seed=7)
    km_status = _wait(server, key, kmeans["job_id"], "get_clustering_training_status")
    automl = server.ok(
        "train_automl_model",
        **where,
        model_name="m",
        training_mode="high_speed",
        task_type="classification",
        label_attribute="y",
    )
    ml_status = _wait(server, key, automl["job_id"], "get_automl_training_status")
    answers = {
        "kmeans_status": km_status["status"],
        "labels": server.ok("get_clustering_labels", **where, cluster_model_name="km")["labels"],
        "centroids": server.ok("get_kmeans_centroids", **where, cluster_model_name="km")["centroids"],
        "automl_status": ml_status["status"],
        "validation_metric": server.ok("get_model_validation_metric", **where, model_name="m")["validation_metric"],
        "predictions": server.ok("automl_predict", **where, model_name="m", prediction_dataset="c")["predictions"],
    }
    return answers, {"kmeans": km_status, "automl": ml_status}


def test_dask_executor_gives_the_local_answers_and_names_the_worker(
    servers: dict[str, ServerProcess], dask_cluster: Any
) -> None:
    local_answers, local_statuses = _flow(servers["local"])
    dask_answers, dask_statuses = _flow(servers["dask"])
    assert local_answers["kmeans_status"] == local_answers["automl_status"] == "finished"
    assert dask_answers == local_answers
    workers = set(dask_cluster.scheduler_info["workers"])
    for status in dask_statuses.values():
        assert status["executor"] == "dask" and status["worker"] in workers
    assert "executor" not in local_statuses["kmeans"]
    ready = httpx.get(servers["dask"].base_url.removesuffix("/api") + "/ready", timeout=30).json()
    assert ready["checks"]["executor"] is True


@pytest.mark.timeout(1200)
def test_worker_killed_mid_training_is_retried(servers: dict[str, ServerProcess], dask_cluster: Any) -> None:
    server = servers["dask"]
    key = new_key()
    where = {"user_api_key": key, "project_name": "P", "collection_name": "c"}
    _load(server, key, rows=4000)
    job = server.ok(
        "train_automl_model",
        **where,
        model_name="slow",
        training_mode="high_accuracy",
        task_type="classification",
        label_attribute="y",
    )
    with distributed.Client(dask_cluster.scheduler_address, set_as_default=False) as client:
        deadline = time.monotonic() + 120
        victim = None
        while victim is None:
            for address, keys in client.processing().items():
                if any(str(k).startswith("vecml-job-") for k in keys):
                    victim = address
            assert time.monotonic() < deadline, "the training task never started on a worker"
            time.sleep(0.05)  # polling interval
        pids = client.run(os.getpid, workers=[victim])
        os.kill(pids[victim], signal.SIGKILL)
    status = _wait(server, key, job["job_id"], "get_automl_training_status", timeout=600)
    assert status["status"] == "finished", status
    assert status["worker"] != victim
