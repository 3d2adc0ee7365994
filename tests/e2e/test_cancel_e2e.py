"""Deleting a model while it trains stops the work: the server's CPU time stops growing
within 2 s (LightGBM rounds check the job's cancel flag), and progress was reported before."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from tests.support import ServerProcess, new_key


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


@pytest.mark.slow
def test_deleting_a_training_model_frees_the_cpu_within_2_s(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        key = new_key()
        where = {"user_api_key": key, "project_name": "p", "collection_name": "c"}
        assert server.post("create_project", {"user_api_key": key, "project_name": "p", "application": "t"})["success"]
        assert server.post("init", {**where, "vector_type": "dense", "vector_dim": 20})["success"]
        rng = np.random.default_rng(5)
        X = rng.normal(size=(20000, 20))
        labels = [{"y": str(int(v))} for v in (X[:, :5].sum(axis=1) + rng.normal(size=len(X)) > 0)]
        job = server.post("add_data_batch", {**where, "data": X.tolist(), "attributes": labels})
        train = server.post(
            "train_automl_model",
            {**where, "model_name": "m", "training_mode": "high_accuracy", "task_type": "classification"}
            | {"label_attribute": "y"},
        )
        assert train["success"], train
        status = {"status": "pending", "progress": 0.0}
        deadline = time.monotonic() + 180
        while not (status["status"] == "in_progress" and status["progress"] > 0):  # it is training
            status = server.post("get_automl_training_status", {"user_api_key": key, "job_id": train["job_id"]})
            assert status["status"] in ("pending", "in_progress") and time.monotonic() < deadline, status
            time.sleep(0.05)  # polling interval
        assert server.post("get_upload_data_status", {"user_api_key": key, "job_id": job["job_id"]})["progress"] == 1.0

        process = psutil.Process(server.pid)
        assert server.post("delete_automl_model", {**where, "model_name": "m"})["success"]
        deleted = time.monotonic()
        while True:  # CPU used over successive quarter seconds, until the server is idle
            before, started = _cpu(process), time.monotonic()
            time.sleep(0.25)  # the measuring window
            busy = (_cpu(process) - before) / (time.monotonic() - started)
            if busy < 0.2:
                break
            assert time.monotonic() - deleted < 2.0, f"still {busy:.0%} of a core busy 2 s after the delete"
        status = server.post("get_automl_training_status", {"user_api_key": key, "job_id": train["job_id"]})
        assert status["status"] == "failed" and "deleted" in status["error_message"], status
    finally:
        server.stop()
