"""PostgreSQL as the metadata database (`VECML_LOCAL_DATABASE_URL=postgresql+psycopg://...`).

Runs when `VECML_LOCAL_TEST_DATABASE_URL` names a reachable PostgreSQL server (`.ci/run`
starts a throwaway cluster and sets it); the whole of tests/api then runs against
PostgreSQL too, through the `client` fixture. These tests check what is specific to it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from tests.api.conftest import Api
from tests.database import ENV, configured_url
from tests.support import new_key
from vecml_local.app import create_app
from vecml_local.config import Settings
from vecml_local.storage import Job


def _unavailable() -> str | None:
    url = configured_url()
    if url is None:
        return f"no PostgreSQL server: set {ENV}=postgresql+psycopg://... (.ci/run starts one)"
    if not url.startswith("postgresql"):
        return f"{ENV} is not a PostgreSQL URL"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "not available here"
        return f"PostgreSQL at {ENV} is not reachable: {type(error).__name__}"
    finally:
        engine.dispose()
    return None


REASON = _unavailable()
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


def test_the_app_really_uses_postgresql(client: TestClient) -> None:
    info = client.get("/_local/info").json()
    assert info["database_backend"] == "postgresql"
    assert info["settings"]["database_url"].startswith("postgresql+psycopg://")


def test_data_workflow(api: Api) -> None:
    api.ok("create_project", project_name="P", application="Machine Learning")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=3)
    job = api.ok(
        "add_data_batch",
        project_name="P",
        collection_name="c",
        string_ids=["a", "b"],
        data=[[1, 2, 3], [4, 5, 6]],
        attributes=[{"label": "1", "category": "A"}, {"label": "0"}],
    )
    assert api.wait(job["job_id"])["status"] == "finished"
    info = api.ok("get_collection_info", project_name="P", collection_name="c")
    assert info["num_vectors"] == 2 and info["vector_dim"] == 3
    assert set(info["attributes"]) == {"label", "category"}
    got = api.ok("get_data", project_name="P", collection_name="c", string_ids=["b"])
    assert got["success"] is True
    api.ok("delete_data", project_name="P", collection_name="c", string_ids=["a"])
    assert api.ok("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == 1
    api.ok("delete_project", project_name="P")
    assert api.ok("list_projects")["projects"] == []


def test_duplicates_and_missing_things(api: Api) -> None:
    api.ok("create_project", project_name="P", application="x")
    status, body = api.call("create_project", project_name="P", application="x")
    assert status == 409 and "already exists" in body["error_message"]
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    status, body = api.call("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    assert status == 409
    status, body = api.call("delete_project", project_name="nope")
    assert status == 404 and "does not exist" in body["error_message"]


def test_parallel_uploads_from_many_tenants(client: TestClient) -> None:
    errors: list[str] = []

    def tenant_work(index: int) -> None:
        try:
            api = Api(client, new_key())
            api.ok("create_project", project_name="P", application="x")
            api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
            jobs = [
                api.ok("add_data_batch", project_name="P", collection_name="c", data=[[index, n]] * 10)["job_id"]
                for n in range(3)
            ]
            for job_id in jobs:
                assert api.wait(job_id)["status"] == "finished"
            assert api.ok("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == 30
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(f"{index}: {error!r}")

    threads = [threading.Thread(target=tenant_work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_reset_on_postgresql(client: TestClient, api: Api) -> None:
    api.ok("create_project", project_name="P", application="x")
    assert client.post("/_local/reset", json={"user_api_key": api.key}).json()["projects_deleted"] == 1
    assert api.ok("list_projects")["projects"] == []


def test_restart_fails_interrupted_jobs(client: TestClient, api: Api, tmp_path: Path) -> None:
    """A second server on the same database marks jobs a crash left in_progress as failed."""
    services = client.app.state.services  # type: ignore[attr-defined]
    assert services.context.runner.wait_idle(30)
    with services.context.db.session() as session:
        session.add(
            Job(
                job_id=f"x||P||c||UploadDataJob||{new_key()}",
                tenant=services.keys.authenticate(api.key).id,
                kind="upload",
                status="in_progress",
                collection_ids=[],
                payload={},
                result={},
                error_message="",
                poll_count=0,
                created_at=datetime.now(),
                started_at=datetime.now(),
            )
        )
    url = configured_url()
    with TestClient(create_app(Settings(data_dir=tmp_path, database_url=url))):
        with services.context.db.session() as session:
            interrupted = session.scalars(select(Job).where(Job.tenant == services.keys.authenticate(api.key).id))
            states = [(job.status, job.error_message) for job in interrupted]
    assert states and all(status == "failed" and "restarted" in message for status, message in states)


def test_deleting_while_uploads_publish_never_deadlocks(client: TestClient) -> None:
    """delete_project / delete_collection / reset take the collection lock before the job
    rows, in the order a publishing upload takes them: no PostgreSQL deadlock, no 500."""
    for round_ in range(15):
        api = Api(client, new_key())
        api.ok("create_project", project_name="P", application="x")
        api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
        for _ in range(4):
            api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]] * 300)
        if round_ % 3 == 0:
            api.ok("delete_collection", project_name="P", collection_name="c")
        elif round_ % 3 == 1:
            api.ok("delete_project", project_name="P")
        else:
            assert client.post("/_local/reset", json={"user_api_key": api.key}).status_code == 200
    assert client.app.state.services.context.runner.wait_idle(60)  # type: ignore[attr-defined]
