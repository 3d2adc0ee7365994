"""SIGTERM and SIGKILL while work is running, with a real server process.

SIGTERM: the server stops within GRACEFUL_STOP seconds (running jobs are told to stop); after
a restart the interrupted job is failed with the restart message, its model with it (the
name can be trained again) and the jobs queued behind it run. SIGKILL during a clustering
job and during a t-SNE request: the same recovery, and the server answers as before.
"""

from __future__ import annotations

import base64
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
import pytest

from tests.support import ServerProcess, new_key, wait_for_job
from vecml_local.jobs.runner import RESTART_MESSAGE

pytestmark = pytest.mark.slow

GRACEFUL_STOP = 20.0 + 10.0  # VECML_LOCAL_STOP_GRACE_SECONDS (20) + the time to exit; docs/reliability.md
ROWS, DIM = 200_000, 32


class Session:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.key = data_dir, new_key()
        self.server = ServerProcess(data_dir).start()

    def post(self, endpoint: str, timeout: float = 120, **body: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.server.base_url}/{endpoint}", json={"user_api_key": self.key, **body}, timeout=timeout
        )
        return {**response.json(), "http": response.status_code}

    def wait(self, job_id: str, endpoint: str, timeout: float = 120) -> dict[str, Any]:
        poll = lambda e, b: httpx.post(f"{self.server.base_url}/{e}", json=b, timeout=60).json()  # noqa: E731
        return wait_for_job(poll, self.key, job_id, endpoint, timeout=timeout)

    def wait_running(self, job_id: str, endpoint: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            status = self.post(endpoint, job_id=job_id)["status"]
            if status == "in_progress":
                return
            assert status == "pending" and time.monotonic() < deadline, status
            time.sleep(0.05)  # polling interval

    def restart(self) -> None:
        self.server = ServerProcess(self.data_dir).start()

    def load_data(self) -> None:
        assert self.post("create_project", project_name="P", application="test")["http"] == 200
        vectors = np.random.default_rng(3).normal(size=(ROWS, DIM)).astype(np.float32)
        upload = self.post(
            "upload", project_name="P", collection_name="c", file_format="binary", binary_dtype="float32",
            binary_dim=DIM, file_data=base64.b64encode(vectors.tobytes()).decode(),
        )  # fmt: skip
        assert self.wait(upload["job_id"], "get_upload_data_status")["status"] == "finished"

    def long_kmeans(self, name: str) -> str:
        answer = self.post(
            "train_kmeans", project_name="P", collection_name="c", cluster_model_name=name, kmeans_method="kmeans",
            n_clusters=200, n_init=20, max_iterations=1000, tolerance=0, max_train_samples=ROWS,
        )  # fmt: skip
        assert answer["http"] == 200, answer
        return str(answer["job_id"])

    def small_upload(self) -> str:
        answer = self.post("add_data_batch", project_name="P", collection_name="c", data=[[1.0] * DIM] * 10)
        assert answer["http"] == 200, answer
        return str(answer["job_id"])


def check_recovered(session: Session, job_id: str, queued: str) -> None:
    status = session.wait(job_id, "get_clustering_training_status")
    assert status["status"] == "failed" and status["error_message"] == RESTART_MESSAGE, status
    assert session.wait(queued, "get_upload_data_status")["status"] == "finished"  # queued work runs
    assert session.post("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == ROWS + 10
    quick = session.post(
        "train_kmeans", project_name="P", collection_name="c", cluster_model_name="km", n_clusters=2, max_iterations=5,
        max_train_samples=2000,
    )  # fmt: skip
    assert quick["http"] == 200, quick  # the interrupted model's name is free again
    assert session.wait(quick["job_id"], "get_clustering_training_status")["status"] == "finished"


def test_sigterm_while_a_job_runs_stops_in_time(tmp_path: Path) -> None:
    session = Session(tmp_path / "data")
    try:
        session.load_data()
        job = session.long_kmeans("km")
        queued = session.small_upload()  # waits behind the training (same collection)
        session.wait_running(job, "get_clustering_training_status")
        process = session.server.process
        assert process is not None
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=GRACEFUL_STOP + 30)
        took = time.monotonic() - started
        assert took <= GRACEFUL_STOP, f"the server took {took:.1f} s to stop after SIGTERM"
        session.restart()
        check_recovered(session, job, queued)
    finally:
        session.server.stop()


def test_sigkill_during_clustering(tmp_path: Path) -> None:
    session = Session(tmp_path / "data")
    try:
        session.load_data()
        job = session.long_kmeans("km")
        queued = session.small_upload()
        session.wait_running(job, "get_clustering_training_status")
        session.server.kill()
        session.restart()
        check_recovered(session, job, queued)
    finally:
        session.server.stop()


def test_sigkill_during_tsne(tmp_path: Path) -> None:
    session = Session(tmp_path / "data")
    try:
        session.load_data()
        quick = session.post(
            "train_kmeans", project_name="P", collection_name="c", cluster_model_name="km", n_clusters=2,
            max_iterations=5, max_train_samples=2000,
        )  # fmt: skip
        assert session.wait(quick["job_id"], "get_clustering_training_status")["status"] == "finished"
        answers: list[Any] = []

        def tsne() -> None:
            try:
                answers.append(
                    session.post(
                        "compute_tsne_embeddings",
                        timeout=300,
                        project_name="P",
                        collection_name="c",
                        model_name="km",
                        max_samples=50_000,
                        max_iter=5000,
                    )  # fmt: skip
                )
            except httpx.HTTPError as error:
                answers.append(error)

        server = psutil.Process(session.server.pid)
        before = sum(server.cpu_times()[:2])
        thread = threading.Thread(target=tsne)
        thread.start()
        deadline = time.monotonic() + 60
        while sum(server.cpu_times()[:2]) - before < 2.0:  # the t-SNE is busy computing
            assert time.monotonic() < deadline and thread.is_alive(), answers
            time.sleep(0.05)  # polling interval
        session.server.kill()
        thread.join(60)
        assert answers and isinstance(answers[0], httpx.HTTPError), answers  # the request died with the server
        session.restart()
        root = session.server.base_url.removesuffix("/api")
        assert httpx.get(f"{root}/ready", timeout=30).status_code == 200
        assert session.post("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == ROWS
        assert list((tmp_path / "data" / "staging").iterdir()) == []
    finally:
        session.server.stop()
