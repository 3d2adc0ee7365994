"""VECML_LOCAL_EXECUTOR=dask with the scheduler away (jobs/executors.py): a training job stays
pending while `/ready` says the executor is down, and runs once a scheduler answers again at
that address; with a short VECML_LOCAL_DASK_WAIT_SECONDS it fails saying so instead. A real
`distributed.LocalCluster`, stopped and started again on one port."""

from __future__ import annotations

import socket
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cluster(port: int) -> Any:
    return distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_port=port,
        host="127.0.0.1",
        silence_logs=40,
    )


def _ready(server: ServerProcess) -> httpx.Response:
    return httpx.get(server.base_url.removesuffix("/api") + "/ready", timeout=30)


def _collection(server: ServerProcess) -> dict[str, str]:
    """A project and collection with 200 vectors (uploads stay local: they run while the scheduler is away)."""
    key = new_key()
    where = {"user_api_key": key, "project_name": "P", "collection_name": "c"}
    server.ok("create_project", user_api_key=key, project_name="P", application="dask")
    server.ok("init", **where, vector_type="dense", vector_dim=4)
    vectors = np.random.default_rng(0).normal(size=(200, 4)).tolist()
    job = server.ok("add_data_batch", **where, data=vectors)
    assert wait_for_job(server.post, key, job["job_id"])["status"] == "finished"
    return where


def _kmeans(server: ServerProcess, where: dict[str, str], name: str) -> str:
    return str(server.ok("train_kmeans", **where, cluster_model_name=name, n_clusters=3, random_seed=1)["job_id"])


def _status(server: ServerProcess, where: dict[str, str], job_id: str) -> dict[str, Any]:
    body: dict[str, Any] = server.post(
        "get_clustering_training_status", {"user_api_key": where["user_api_key"], "job_id": job_id}
    )
    return body


def _pending_while_down(server: ServerProcess, where: dict[str, str], job_id: str) -> None:
    """The executor is reported down (503) while the job is still pending."""
    deadline = time.monotonic() + 60
    while (ready := _ready(server)).status_code != 503:
        assert time.monotonic() < deadline, ready.json()
        time.sleep(0.1)  # polling interval
    assert ready.json()["checks"]["executor"] is False
    assert _status(server, where, job_id)["status"] == "pending"


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
def server(tmp_path: Path, port: int) -> Iterator[ServerProcess]:
    env = {"VECML_LOCAL_EXECUTOR": "dask", "VECML_LOCAL_DASK_SCHEDULER": f"tcp://127.0.0.1:{port}"}
    process = ServerProcess(tmp_path / "data", env).start()
    yield process
    process.stop()


@pytest.mark.timeout(600)
def test_a_job_waits_for_the_scheduler_and_runs_when_it_is_back(server: ServerProcess, port: int) -> None:
    where = _collection(server)
    first = _kmeans(server, where, "first")
    _pending_while_down(server, where, first)
    with _cluster(port):
        status = wait_for_job(server.post, where["user_api_key"], first, "get_clustering_training_status")
        assert status["status"] == "finished" and status["executor"] == "dask", status
        assert _ready(server).json()["checks"]["executor"] is True
    # Stopped, then started again on the same address.
    second = _kmeans(server, where, "second")
    _pending_while_down(server, where, second)
    with _cluster(port):
        status = wait_for_job(server.post, where["user_api_key"], second, "get_clustering_training_status")
        assert status["status"] == "finished", status


def test_a_job_fails_after_the_wait_setting(tmp_path: Path, port: int) -> None:
    env = {
        "VECML_LOCAL_EXECUTOR": "dask",
        "VECML_LOCAL_DASK_SCHEDULER": f"tcp://127.0.0.1:{port}",
        "VECML_LOCAL_DASK_WAIT_SECONDS": "1",
    }
    server = ServerProcess(tmp_path / "data", env).start()
    try:
        where = _collection(server)
        job_id = _kmeans(server, where, "km")
        status = wait_for_job(server.post, where["user_api_key"], job_id, "get_clustering_training_status", timeout=60)
        assert status["status"] == "failed", status
        assert "VECML_LOCAL_DASK_WAIT_SECONDS" in status["error_message"] and f":{port}" in status["error_message"]
        models = server.ok("list_clustering_model_infos", **where)["model_infos"]
        assert [model["status"] for model in models] == ["failed"]  # failed with its job
    finally:
        server.stop()
