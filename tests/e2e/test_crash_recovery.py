"""SIGKILL in the middle of large uploads: after a restart every batch is whole or its job failed."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.support import ServerProcess, new_key, wait_for_job

ROWS, DIM, BATCHES = 20_000, 64, 5


def _batch(index: int) -> dict:
    rng = np.random.default_rng(index)
    return {
        "project_name": "crash",
        "collection_name": "c",
        "string_ids": [f"b{index}-{i}" for i in range(ROWS)],
        "data": rng.standard_normal((ROWS, DIM)).round(4).tolist(),
        "attributes": [{"batch": str(index)}] * ROWS,
    }


@pytest.mark.slow
def test_sigkill_during_uploads_leaves_whole_batches(tmp_path: Path) -> None:
    key = new_key()
    server = ServerProcess(tmp_path).start()
    server.post("create_project", {"user_api_key": key, "project_name": "crash", "application": "x"})
    server.post(
        "init",
        {
            "user_api_key": key,
            "project_name": "crash",
            "collection_name": "c",
            "vector_type": "dense",
            "vector_dim": DIM,
        },
    )
    bodies = [{"user_api_key": key, **_batch(i)} for i in range(BATCHES)]
    accepted: dict[int, str] = {}
    third_accepted = threading.Event()

    def send_all() -> None:
        with httpx.Client(timeout=120) as client:
            for index, body in enumerate(bodies):
                try:
                    answer = client.post(f"{server.base_url}/add_data_batch", json=body).json()
                except httpx.HTTPError:
                    return  # the server died under this request: nothing of it may appear
                accepted[index] = answer["job_id"]
                if len(accepted) == 3:
                    third_accepted.set()

    sender = threading.Thread(target=send_all)
    sender.start()
    assert third_accepted.wait(120)
    server.kill()
    sender.join(120)

    restarted = ServerProcess(tmp_path).start()
    try:
        post = restarted.post
        finished = []
        for index, job_id in accepted.items():
            status = wait_for_job(post, key, job_id, timeout=120)
            assert status["status"] in ("finished", "failed")
            if status["status"] == "finished":
                finished.append(index)
        print("accepted", sorted(accepted), "finished", finished)
        info = post("get_collection_info", {"user_api_key": key, "project_name": "crash", "collection_name": "c"})
        assert info["num_vectors"] == ROWS * len(finished)
        for index in range(BATCHES):
            ids = [f"b{index}-0", f"b{index}-{ROWS - 1}"]
            response = httpx.post(
                f"{restarted.base_url}/get_data",
                json={"user_api_key": key, "project_name": "crash", "collection_name": "c", "string_ids": ids},
            )
            present = response.status_code == 200
            assert present == (index in finished), (index, finished, response.text[:200])
            if present:
                assert response.json()["vectors"][0] == pytest.approx(bodies[index]["data"][0], abs=1e-6)
    finally:
        restarted.stop()
