"""The data dir on a full filesystem: 507 with a clear message, nothing half-visible, polls and
deletes keep working, /ready says so, the log says it once, and uploads work again once space is freed."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.faults.conftest import LoggedServer
from tests.support import new_key, wait_for_job

pytestmark = pytest.mark.slow

ROWS, DIM = 40_000, 32  # 5 MB of float32 per upload: the 20 MB disk fills on the 3rd or 4th


def upload_body(key: str, collection: str, seed: int) -> dict:
    vectors = np.random.default_rng(seed).random((ROWS, DIM), dtype=np.float32)
    return {
        "user_api_key": key,
        "project_name": "P",
        "collection_name": collection,
        "file_format": "binary",
        "binary_dtype": "float32",
        "binary_dim": DIM,
        "file_data": base64.b64encode(vectors.tobytes()).decode(),
    }


def test_full_disk(small_disk: Path) -> None:
    server = LoggedServer(small_disk / "data").start()
    try:
        api = server.base_url
        root = api.removesuffix("/api")
        key = new_key()

        def post(endpoint: str, body: dict) -> httpx.Response:
            return httpx.post(f"{api}/{endpoint}", json={"user_api_key": key, **body}, timeout=120)

        def poll(endpoint: str, body: dict) -> dict:
            return httpx.post(f"{api}/{endpoint}", json=body, timeout=60).json()

        assert post("create_project", {"project_name": "P", "application": "test"}).status_code == 200
        accepted: list[str] = []
        refusals: list[httpx.Response] = []
        for attempt in range(8):
            response = httpx.post(f"{api}/upload", json=upload_body(key, "c", attempt), timeout=120)
            if response.status_code == 200:
                job = response.json()["job_id"]
                assert wait_for_job(poll, key, job)["status"] == "finished"
                accepted.append(job)
            else:
                refusals.append(response)
                if len(refusals) == 3:
                    break
        assert accepted and len(refusals) == 3, [r.text for r in refusals]
        for response in refusals:
            assert response.status_code == 507, (response.text, server.log()[-4000:])
            assert response.json()["success"] is False
            assert "storage is full" in response.json()["error_message"]
        # Nothing half-visible: exactly the accepted uploads are stored, no staged leftovers.
        info = post("get_collection_info", {"project_name": "P", "collection_name": "c"}).json()
        assert info["num_vectors"] == ROWS * len(accepted)
        assert list((small_disk / "data" / "staging").iterdir()) == []
        # Status polls keep working, /ready reports the disk, the log says it once.
        for job in accepted:
            assert poll("get_upload_data_status", {"user_api_key": key, "job_id": job})["status"] == "finished"
        ready = httpx.get(f"{root}/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["storage"] == "full"
        assert server.log().count("is full") == 1, server.log()[-3000:]
        assert "Traceback" not in server.log()
        # Deleting frees space; then uploads work again and /ready recovers.
        deleted = post("delete_collection", {"project_name": "P", "collection_name": "c"})
        assert deleted.status_code == 200, deleted.text
        ready = httpx.get(f"{root}/ready", timeout=30)
        assert ready.status_code == 200 and ready.json()["storage"] == "ok", ready.text
        response = httpx.post(f"{api}/upload", json=upload_body(key, "c2", 99), timeout=120)
        assert response.status_code == 200, response.text
        assert wait_for_job(poll, key, response.json()["job_id"])["status"] == "finished"
    finally:
        server.stop()
