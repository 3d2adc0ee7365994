"""One server per data dir: a second `serve` on a dir in use exits at once, non-zero, naming
the holder's pid, and changes nothing: the first server's running job still finishes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.support import ServerProcess, new_key


@pytest.mark.slow
def test_second_server_on_the_same_data_dir_exits_and_the_first_job_finishes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ServerProcess(data).start()
    try:
        key = new_key()
        where = {"user_api_key": key, "project_name": "p", "collection_name": "c"}
        assert first.post("create_project", {"user_api_key": key, "project_name": "p", "application": "t"})["success"]
        assert first.post("init", {**where, "vector_type": "dense", "vector_dim": 16})["success"]
        rng = np.random.default_rng(1)
        X = rng.normal(size=(3000, 16))
        labels = [{"y": "a" if row[:3].sum() > 0 else "b"} for row in X]
        job = first.post("add_data_batch", {**where, "data": X.tolist(), "attributes": labels})
        train = first.post(
            "train_automl_model",
            {**where, "model_name": "m", "training_mode": "balanced", "task_type": "classification"}
            | {"label_attribute": "y"},
        )
        assert train["success"], train
        status = {"status": "pending"}
        deadline = time.monotonic() + 120
        while status["status"] != "in_progress":  # the training job is running in the first server
            status = first.post("get_automl_training_status", {"user_api_key": key, "job_id": train["job_id"]})
            assert status["status"] not in ("finished", "failed") and time.monotonic() < deadline, status
            time.sleep(0.02)  # polling interval

        second = subprocess.run(
            [sys.executable, "-m", "vecml_local", "serve", "--port", "0", "--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert f"process {first.pid}" in second.stderr and "in use" in second.stderr, second.stderr
        assert "Ready" not in second.stdout

        deadline = time.monotonic() + 300
        while status["status"] not in ("finished", "failed"):
            assert time.monotonic() < deadline, status
            time.sleep(0.1)  # polling interval
            status = first.post("get_automl_training_status", {"user_api_key": key, "job_id": train["job_id"]})
        assert status["status"] == "finished", status
        upload = first.post("get_upload_data_status", {"user_api_key": key, "job_id": job["job_id"]})
        assert upload["status"] == "finished", upload
    finally:
        first.stop()
    # The lock dies with its holder: the dir can be served again.
    again = ServerProcess(data).start()
    again.stop()
