"""The metadata database (PostgreSQL) restarted under a running server with work in flight.

While PostgreSQL is down every request answers 503 ("the metadata database is unavailable"),
quickly: never a 500, never a hang. When it is back the server recovers by itself (the pool's
pre-ping replaces the dead connections) and no accepted job is lost: jobs the outage interrupted
are queued again and finish, and the collection holds every accepted batch exactly once.

Runs in `.ci/run`'s PostgreSQL pass (VECML_LOCAL_TEST_DATABASE_URL set), on a PostgreSQL cluster
of its own (the binaries the pass uses), so restarting it disturbs no other test. Skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.database import configured_url
from tests.support import ServerProcess, new_key, wait_for_job

pytestmark = pytest.mark.slow


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None)


class Cluster:
    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin, self.root = bin_dir, root
        self.port = _free_port()
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args: str) -> None:
        done = subprocess.run([*self.as_pg, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"

    def init(self) -> None:
        self.run(
            str(self.bin / "initdb"),
            "-D",
            str(self.root / "data"),
            "-U",
            "vecml",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        self.start()
        self.run(str(self.bin / "createdb"), "-h", str(self.root), "-p", str(self.port), "-U", "vecml", "vecml")

    def start(self) -> None:
        options = f"-c listen_addresses='' -k {self.root} -p {self.port} -c fsync=off"
        log = str(self.root / "server.log")
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-l", log, "-w", "-t", "60", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", mode, "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://vecml@/vecml?host={self.root}&port={self.port}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if configured_url() is None:
        pytest.skip("runs in the PostgreSQL pass of .ci/run (VECML_LOCAL_TEST_DATABASE_URL unset)")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl)")
    root = Path(tempfile.mkdtemp(prefix="vecml-pg-restart-"))  # not under pytest's 0700 tmp: postgres reads it
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    cluster = Cluster(bin_dir, root)
    try:
        cluster.init()
        yield cluster
    finally:
        subprocess.run(
            [*cluster.as_pg, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_restart_answers_503_then_recovers_and_loses_no_job(cluster: Cluster, tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", {"VECML_LOCAL_DATABASE_URL": cluster.url}).start()
    key = new_key()

    def call(endpoint: str, timeout: float = 60.0, **fields) -> httpx.Response:
        return httpx.post(f"{server.base_url}/{endpoint}", json={"user_api_key": key, **fields}, timeout=timeout)

    def ok(endpoint: str, **fields) -> dict:
        response = call(endpoint, **fields)
        assert response.status_code == 200 and response.json()["success"], response.text
        return response.json()

    try:
        ok("create_project", project_name="P")
        ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=16)
        rng = np.random.default_rng(0)
        batch = rng.normal(size=(2000, 16)).round(4).tolist()
        accepted = [ok("add_data_batch", project_name="P", collection_name="c", data=batch)["job_id"] for _ in range(6)]
        accepted.append(ok("add_data_batch", project_name="P", collection_name="c", data=batch)["job_id"])
        kmeans = ok("train_kmeans", project_name="P", collection_name="c", cluster_model_name="km", n_clusters=3)
        cluster.stop()  # with uploads and a training queued or running

        answers = []
        for endpoint, fields in [
            ("list_projects", {}),
            ("get_collection_info", {"project_name": "P", "collection_name": "c"}),
            ("add_data_batch", {"project_name": "P", "collection_name": "c", "data": batch[:10]}),
            ("get_upload_data_status", {"job_id": accepted[-1]}),
            ("list_projects", {}),
        ]:
            started = time.monotonic()
            response = call(endpoint, timeout=45.0, **fields)  # a hang fails here
            answers.append((endpoint, response.status_code, round(time.monotonic() - started, 1), response.text[:200]))
        for endpoint, status, _seconds, text in answers:
            # A finished job's status may still be answered from memory: 200 is right for it.
            allowed = (200, 503) if endpoint == "get_upload_data_status" else (503,)
            assert status in allowed, answers
            if status == 503:
                assert "metadata database is unavailable" in text, answers
        ready = httpx.get(f"{server.base_url.removesuffix('/api')}/ready", timeout=45.0)
        assert ready.status_code == 503, ready.text

        cluster.start()
        deadline = time.monotonic() + 60
        while call("list_projects").status_code != 200:  # recovers by itself
            assert time.monotonic() < deadline, "the server did not recover after PostgreSQL came back"
            time.sleep(0.2)  # polling interval
        accepted.append(ok("add_data_batch", project_name="P", collection_name="c", data=batch)["job_id"])

        post = lambda endpoint, body: httpx.post(f"{server.base_url}/{endpoint}", json=body, timeout=60).json()  # noqa: E731
        statuses = [wait_for_job(post, key, job_id, timeout=240)["status"] for job_id in accepted]
        assert statuses == ["finished"] * len(accepted)
        status = wait_for_job(post, key, kmeans["job_id"], "get_clustering_training_status", timeout=240)
        assert status["status"] == "finished", status
        info = ok("get_collection_info", project_name="P", collection_name="c")
        assert info["num_vectors"] == 2000 * len(accepted)  # every accepted batch exactly once
        assert server.process is not None and server.process.poll() is None
    finally:
        server.stop()
