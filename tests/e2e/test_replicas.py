"""API replicas on shared state: real server processes on one PostgreSQL database and one
data dir (jobs/replicas.py). Each sees the other's jobs, no job ever runs twice, jobs of one
collection run one after the other in submission order whichever replica took them, and a
replica that dies has its running job failed by another while its queued jobs run there.

Runs when `VECML_LOCAL_TEST_DATABASE_URL` names a reachable PostgreSQL (`.ci/run`'s
PostgreSQL pass); skipped otherwise."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine, select

from tests.database import fresh_database_url, postgres_unavailable
from tests.support import ServerProcess, new_key, wait_for_job
from vecml_local.jobs.context import RESTART_MESSAGE
from vecml_local.storage import Job, Model, Replica

REASON = postgres_unavailable()
# ~1 min each on a loaded 2-core host; .ci/run runs them in its PostgreSQL pass
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

COLLECTIONS, PER_COLLECTION, ROWS = 10, 10, 5  # 100 upload jobs


def _env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "VECML_LOCAL_DATABASE_URL": url,
        "VECML_LOCAL_LOG_FORMAT": "json",
        "VECML_LOCAL_LOG_LEVEL": "info",
        "VECML_LOCAL_MAX_QUEUED_JOBS_PER_KEY": "0",
        **extra,
    }


@pytest.fixture
def database_url() -> Iterator[str]:
    url = fresh_database_url()
    assert url is not None
    yield url


def _job_lines(*servers: ServerProcess) -> list[dict[str, Any]]:
    """The job state-change lines both servers logged (JSON log format)."""
    events = []
    for server in servers:
        for line in list(server.lines):
            if line.startswith("{") and '"job_id"' in line:
                event = json.loads(line)
                if event.get("state"):
                    events.append({**event, "server": server.pid})
    return events


def _rows(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            jobs = {row.job_id: row for row in connection.execute(select(Job))}
    finally:
        engine.dispose()
    return jobs


def test_two_replicas_share_jobs_and_run_each_exactly_once(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "shared"
    first = ServerProcess(data, _env(database_url)).start()
    second = ServerProcess(data, _env(database_url)).start()
    servers = (first, second)
    try:
        key = new_key()
        first.ok("create_project", user_api_key=key, project_name="P", application="replicas")
        for c in range(COLLECTIONS):  # the project made on the first is there on the second
            where = {"user_api_key": key, "project_name": "P", "collection_name": f"c{c}"}
            servers[c % 2].ok("init", **where, vector_type="dense", vector_dim=4)

        def submit(c: int) -> list[tuple[int, int, str]]:
            """One collection's uploads, one after the other, alternating replicas."""
            rng = np.random.default_rng(c)
            submitted = []
            for k in range(PER_COLLECTION):
                where = {"user_api_key": key, "project_name": "P", "collection_name": f"c{c}"}
                ids = [f"c{c}-{k}-{i}" for i in range(ROWS)]
                vectors = rng.normal(size=(ROWS, 4)).tolist()
                to = (c + k) % 2
                job = servers[to].ok("add_data_batch", **where, data=vectors, string_ids=ids)
                submitted.append((to, k, job["job_id"]))
            return submitted

        with ThreadPoolExecutor(COLLECTIONS) as pool:  # 100 submissions, 10 at a time, on both replicas
            by_collection = list(pool.map(submit, range(COLLECTIONS)))
        jobs = [(c, to, k, job_id) for c, submitted in enumerate(by_collection) for to, k, job_id in submitted]
        assert len(jobs) == COLLECTIONS * PER_COLLECTION

        for _c, to, _k, job_id in jobs:  # each job is seen, finished, from the replica it was not sent to
            other = servers[1 - to]
            status = wait_for_job(lambda e, b, s=other: s.post(e, b), key, job_id, timeout=300)
            assert status["status"] == "finished", status
        for c in range(COLLECTIONS):  # every row of every batch is in, seen alike from both
            where = {"user_api_key": key, "project_name": "P", "collection_name": f"c{c}"}
            for server in servers:
                assert server.ok("get_collection_info", **where)["num_vectors"] == PER_COLLECTION * ROWS

        # Each job ran exactly once: one claim in its row, one start and one end in the two logs.
        rows = _rows(database_url)
        ids = {job_id for *_rest, job_id in jobs}
        assert {job_id: rows[job_id].attempts for job_id in ids} == dict.fromkeys(ids, 1)
        deadline = time.monotonic() + 30
        while True:  # the log lines cross a pipe: poll until every end line is in
            events = _job_lines(*servers)
            ended = Counter(e["job_id"] for e in events if e["state"] == "finished")
            if all(ended[job_id] >= 1 for job_id in ids) or time.monotonic() > deadline:
                break
            time.sleep(0.05)  # polling interval
        started = Counter(e["job_id"] for e in events if e["state"] == "in_progress")
        assert {job_id: started[job_id] for job_id in ids} == dict.fromkeys(ids, 1)
        assert {job_id: ended[job_id] for job_id in ids} == dict.fromkeys(ids, 1)
        runners = {e["server"] for e in events if e["state"] == "in_progress" and e["job_id"] in ids}
        assert runners == {first.pid, second.pid}, "both replicas ran jobs"
        owners = {rows[job_id].owner for job_id in ids}
        assert len(owners) == 2 and all(owner.split(":")[1] in {str(first.pid), str(second.pid)} for owner in owners)

        # Per collection, whichever replica ran them: in submission order, never two at once.
        start_of = {e["job_id"]: e["time"] for e in events if e["state"] == "in_progress"}
        for submitted in by_collection:
            order = [job_id for _to, _k, job_id in submitted]
            assert [start_of[job_id] for job_id in order] == sorted(start_of[job_id] for job_id in order)
            for earlier, later in zip(order, order[1:]):
                assert rows[later].started_at >= rows[earlier].finished_at, (rows[earlier], rows[later])
    finally:
        first.stop()
        second.stop()


def test_a_dead_replicas_running_job_fails_and_its_queue_runs_elsewhere(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "shared"
    env = _env(database_url, VECML_LOCAL_REPLICA_LEASE_SECONDS="3")
    doomed = ServerProcess(data, env).start()
    survivor = ServerProcess(data, env).start()
    try:
        key = new_key()
        where = {"user_api_key": key, "project_name": "P", "collection_name": "c"}
        doomed.ok("create_project", user_api_key=key, project_name="P", application="replicas")
        doomed.ok("init", **where, vector_type="dense", vector_dim=16)
        rng = np.random.default_rng(3)
        X = rng.normal(size=(20_000, 16))
        upload = doomed.ok("add_data_batch", **where, data=X.tolist(), attributes=[{"y": int(v)} for v in X[:, 0] > 0])
        assert wait_for_job(doomed.post, key, upload["job_id"])["status"] == "finished"
        training = doomed.ok(
            "train_automl_model",
            **where,
            model_name="m",
            training_mode="high_accuracy",
            task_type="classification",
            label_attribute="y",
        )["job_id"]
        queued = doomed.ok("add_data_batch", **where, data=X[:5].tolist(), string_ids=[f"late{i}" for i in range(5)])
        deadline = time.monotonic() + 120
        while (status := survivor.post("get_automl_training_status", {"user_api_key": key, "job_id": training}))[
            "status"
        ] != "in_progress":
            assert status["status"] == "pending" and time.monotonic() < deadline, status
            time.sleep(0.05)  # polling interval
        assert _rows(database_url)[training].owner.split(":")[1] == str(doomed.pid)

        # A replica (re)starting while another runs a job leaves that job alone.
        survivor.stop()
        survivor = ServerProcess(data, env).start()
        status = survivor.post("get_automl_training_status", {"user_api_key": key, "job_id": training})
        assert status["status"] == "in_progress", "the training must outlast a replica's restart for this test"

        doomed.kill()  # SIGKILL: no deregistration, the lease runs out
        status = wait_for_job(survivor.post, key, training, "get_automl_training_status", timeout=60)
        assert status["status"] == "failed" and status["error_message"] == RESTART_MESSAGE, status
        late = wait_for_job(survivor.post, key, queued["job_id"], timeout=60)
        assert late["status"] == "finished", late
        rows = _rows(database_url)
        assert rows[queued["job_id"]].owner.split(":")[1] == str(survivor.pid)
        engine = create_engine(database_url)
        try:
            with engine.connect() as connection:
                pids = set(connection.execute(select(Replica.pid)).scalars())
                model_status = list(connection.execute(select(Model.status)).scalars())
        finally:
            engine.dispose()
        assert pids == {survivor.pid}
        assert model_status == ["failed"]  # failed with its job: the name is free again
    finally:
        doomed.kill()
        survivor.stop()
