"""The data dir made read-only while the server runs: uploads answer 507 saying so, reads keep
working, /ready reports it, and writes work again once the filesystem is writable."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.faults.conftest import LoggedServer, mount_tmpfs, unmount
from tests.support import new_key, wait_for_job

pytestmark = pytest.mark.slow


def remount(path: Path, mode: str) -> None:
    done = subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount the data dir {mode} while the server runs: {done.stderr.decode().strip()}")


def test_read_only_data_dir(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "50m")
    # The metadata database lives elsewhere (as with PostgreSQL): only the segment files go read-only.
    env = {"VECML_LOCAL_DATABASE_URL": f"sqlite:///{tmp_path / 'meta.db'}"}
    server = LoggedServer(disk / "data", env).start()
    try:
        api, key = server.base_url, new_key()
        root = api.removesuffix("/api")

        def post(endpoint: str, **body) -> httpx.Response:
            return httpx.post(f"{api}/{endpoint}", json={"user_api_key": key, **body}, timeout=60)

        def poll(endpoint: str, body: dict) -> dict:
            return httpx.post(f"{api}/{endpoint}", json=body, timeout=60).json()

        def upload(collection: str) -> httpx.Response:
            vectors = np.arange(64, dtype=np.float32).reshape(8, 8)
            data = base64.b64encode(vectors.tobytes()).decode()
            return post(
                "upload",
                project_name="P",
                collection_name=collection,
                file_format="binary",
                binary_dtype="float32",
                binary_dim=8,
                file_data=data,
            )

        assert post("create_project", project_name="P", application="test").status_code == 200
        first = upload("c")
        assert first.status_code == 200, first.text
        job = first.json()["job_id"]
        assert wait_for_job(poll, key, job)["status"] == "finished"

        remount(disk, "ro")
        refused = upload("c")
        assert refused.status_code == 507, refused.text
        assert "read-only" in refused.json()["error_message"]
        assert upload("c").status_code == 507
        info = post("get_collection_info", project_name="P", collection_name="c")
        assert info.status_code == 200 and info.json()["num_vectors"] == 8
        assert poll("get_upload_data_status", {"user_api_key": key, "job_id": job})["status"] == "finished"
        ready = httpx.get(f"{root}/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["storage"] == "read-only"
        assert server.log().count("is read-only") == 1, server.log()[-3000:]

        remount(disk, "rw")
        assert httpx.get(f"{root}/ready", timeout=30).status_code == 200
        again = upload("c")
        assert again.status_code == 200, again.text
        assert wait_for_job(poll, key, again.json()["job_id"])["status"] == "finished"
        assert post("get_collection_info", project_name="P", collection_name="c").json()["num_vectors"] == 16
    finally:
        server.stop()
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], capture_output=True)
        unmount(disk)
