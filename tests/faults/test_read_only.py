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
    # The server keeps its data-dir lock file (and SQLite its database) open for writing, and Linux
    # refuses to remount a filesystem read-only while a file on it is open for writing. So the
    # vector and model files live on a tmpfs of their own, reached through symlinks (renames
    # between them stay on one filesystem), and that tmpfs is made read-only.
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "50m")
    data = tmp_path / "data"
    data.mkdir()
    for sub in ("staging", "collections", "models"):
        (disk / sub).mkdir()
        (data / sub).symlink_to(disk / sub)
    server = LoggedServer(data).start()
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
        assert wait_for_job(poll, key, job)["status"] == "finished", wait_for_job(poll, key, job)

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
        assert wait_for_job(poll, key, again.json()["job_id"])["status"] == "finished", server.log()[-3000:]
        assert post("get_collection_info", project_name="P", collection_name="c").json()["num_vectors"] == 16
    finally:
        server.stop()
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], capture_output=True)
        unmount(disk)
