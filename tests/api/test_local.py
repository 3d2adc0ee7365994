"""Emulator controls under /_local: reset (one tenant or all), info, job timing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api
from tests.support import new_key
from vecml_local import __version__
from vecml_local.app import create_app
from vecml_local.config import Settings
from vecml_local.services.local import mask_database_url, public_settings


def _fill(api: Api, project: str = "P") -> str:
    api.ok("create_project", project_name=project, application="test")
    api.ok("init", project_name=project, collection_name="c", vector_type="dense", vector_dim=2)
    job = api.ok("add_data_batch", project_name=project, collection_name="c", data=[[1, 2], [3, 4]])
    api.wait(job["job_id"])
    return str(job["job_id"])


def _projects(api: Api) -> list[str]:
    return [p["project_name"] for p in api.ok("list_projects")["projects"]]


def _collection_dirs(client: TestClient) -> set[str]:
    root = client.app.state.services.context.files.collections  # type: ignore[attr-defined]
    return {p.name for p in Path(root).iterdir()}


def test_reset_one_tenant_leaves_the_others(client: TestClient, api: Api) -> None:
    other = Api(client, new_key())
    job_id = _fill(api)
    _fill(other, "Q")
    before = _collection_dirs(client)
    response = client.post("/_local/reset", json={"user_api_key": api.key})
    assert response.status_code == 200
    assert response.json() == {"success": True, "tenants_reset": 1, "projects_deleted": 1, "jobs_deleted": 1}
    assert _projects(api) == [] and _projects(other) == ["Q"]
    assert len(_collection_dirs(client)) == len(before) - 1, "the tenant's vector files are removed"
    status, body = api.call("get_upload_data_status", job_id=job_id)
    assert status == 404 and body["status"] == "failed"
    # The tenant starts again from nothing: the same names can be reused.
    _fill(api)


def test_reset_accepts_a_bearer_header(client: TestClient, api: Api) -> None:
    _fill(api)
    response = client.post("/_local/reset", json={}, headers={"Authorization": f"Bearer {api.key}"})
    assert response.json()["projects_deleted"] == 1 and _projects(api) == []


def test_reset_all(client: TestClient) -> None:
    first, second = Api(client, new_key()), Api(client, new_key())
    _fill(first)
    _fill(second)
    body = client.post("/_local/reset", json={"all": True}).json()
    assert body["success"] is True and body["tenants_reset"] >= 2 and body["projects_deleted"] >= 2
    assert _projects(first) == [] and _projects(second) == []
    assert _collection_dirs(client) == set()


def test_reset_cancels_unfinished_jobs(client: TestClient, api: Api) -> None:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    jobs = [
        api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]] * 500)["job_id"] for _ in range(5)
    ]
    assert client.post("/_local/reset", json={"user_api_key": api.key}).json()["jobs_deleted"] == 5
    assert client.app.state.services.context.runner.wait_idle(30)  # type: ignore[attr-defined]
    for job_id in jobs:
        assert api.call("get_upload_data_status", job_id=job_id)[0] == 404
    assert _projects(api) == []


@pytest.mark.parametrize(
    "body", [{}, {"all": False}, {"user_api_key": ""}, {"all": "yes"}, {"all": 0, "user_api_key": "k"}]
)
def test_reset_needs_a_target(client: TestClient, body: dict) -> None:  # type: ignore[type-arg]
    response = client.post("/_local/reset", json=body)
    assert response.status_code == 400
    assert response.json()["success"] is False and "user_api_key" in response.json()["error_message"]


def test_controls_live_outside_the_api(client: TestClient, api: Api) -> None:
    assert client.post("/api/reset", json={"user_api_key": api.key, "all": True}).status_code == 404
    assert client.get("/api/info").status_code in (404, 405)
    assert client.post("/api/_local/reset", json={"all": True}).status_code == 404


def test_info_reports_version_and_every_setting(client: TestClient) -> None:
    body = client.get("/_local/info").json()
    assert body["success"] is True and body["version"] == __version__
    assert body["database_backend"] in ("sqlite", "postgresql")
    assert set(body["settings"]) == set(Settings.model_fields)
    assert body["settings"]["job_min_polls"] == 0


def test_info_masks_the_database_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://vecml:s3cret-pw@db.example:5432/vecml"
    assert mask_database_url(url) == "postgresql+psycopg://vecml:***@db.example:5432/vecml"
    shown = public_settings(Settings(data_dir=tmp_path, database_url=url))
    assert "s3cret-pw" not in str(shown) and shown["database_url"].endswith("@db.example:5432/vecml")
    assert public_settings(Settings(data_dir=tmp_path))["database_url"].startswith("sqlite:///")


@pytest.fixture
def keys_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, auth="keys", admin_token="admin-secret")
    with TestClient(create_app(settings), headers={"X-Admin-Token": "admin-secret"}) as test_client:
        yield test_client  # the admin token unlocks /_local in keys mode (tests/api/test_controls.py)


def test_keys_mode_protects_reset(keys_client: TestClient) -> None:
    assert keys_client.post("/_local/reset", json={"user_api_key": "not-a-key"}).status_code == 401
    response = keys_client.post("/_local/reset", json={"all": True})
    assert response.status_code == 403 and "VECML_LOCAL_AUTH=keys" in response.json()["error_message"]
    assert keys_client.post("/_local/job_timing", json={"job_min_polls": 3}).status_code == 403
    created = keys_client.app.state.services.keys.create("t")  # type: ignore[attr-defined]
    assert keys_client.post("/_local/reset", json={"user_api_key": created.key}).json()["success"] is True


# -- VECML_LOCAL_JOB_MIN_POLLS ------------------------------------------------


@pytest.fixture
def slow_polls_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("VECML_LOCAL_JOB_MIN_POLLS", "3")
    settings = Settings(data_dir=tmp_path)  # read from the environment, as the server does
    assert settings.job_min_polls == 3
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "endpoint", ["get_upload_data_status", "get_automl_training_status", "get_clustering_training_status"]
)
def test_job_min_polls_reports_in_progress_exactly_n_times(slow_polls_client: TestClient, endpoint: str) -> None:
    api = Api(slow_polls_client, new_key())
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    job_id = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]])["job_id"]
    assert slow_polls_client.app.state.services.context.runner.wait_idle(30)  # type: ignore[attr-defined]
    seen = [api.ok(endpoint, job_id=job_id)["status"] for _ in range(5)]
    assert seen == ["in_progress"] * 3 + ["finished"] * 2
    assert api.ok("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == 1


def test_job_min_polls_counts_per_job(slow_polls_client: TestClient) -> None:
    api = Api(slow_polls_client, new_key())
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    first = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]], string_ids=["a"])
    runner = slow_polls_client.app.state.services.context.runner  # type: ignore[attr-defined]
    assert runner.wait_idle(30)
    second = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]], string_ids=["b"])
    assert runner.wait_idle(30)
    assert [api.ok("get_upload_data_status", job_id=first["job_id"])["status"] for _ in range(4)] == [
        "in_progress"
    ] * 3 + ["finished"]
    # The other job has its own count.
    assert api.ok("get_upload_data_status", job_id=second["job_id"])["status"] == "in_progress"


def test_job_timing_changes_on_a_running_server(client: TestClient, api: Api) -> None:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    try:
        body = client.post("/_local/job_timing", json={"job_min_polls": 2}).json()
        assert body == {"success": True, "job_min_polls": 2}
        assert client.get("/_local/info").json()["settings"]["job_min_polls"] == 2
        job_id = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]])["job_id"]
        assert client.app.state.services.context.runner.wait_idle(30)  # type: ignore[attr-defined]
        seen = [api.ok("get_upload_data_status", job_id=job_id)["status"] for _ in range(3)]
        assert seen == ["in_progress", "in_progress", "finished"]
    finally:
        assert client.post("/_local/job_timing", json={"job_min_polls": 0}).json()["job_min_polls"] == 0
    for bad in (-1, "3", None, True, 1.5):
        response = client.post("/_local/job_timing", json={"job_min_polls": bad})
        assert response.status_code == 400 and "job_min_polls" in response.json()["error_message"]
