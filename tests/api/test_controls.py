"""Who may use /_local: loopback clients in open mode (unless allowed), the admin token in keys mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.database import fresh_database_url
from vecml_local.app import create_app
from vecml_local.config import Settings
from vecml_local.services.local import public_settings

REMOTE = ("203.0.113.7", 40000)


def client_for(tmp_path: Path, address: tuple[str, int], **settings: object) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path, database_url=fresh_database_url(), **settings))  # type: ignore[arg-type]
    return TestClient(app, client=address)


@pytest.mark.parametrize("address", [("127.0.0.1", 1), ("::1", 1), ("127.8.9.10", 1)])
def test_open_mode_controls_answer_loopback_clients(tmp_path: Path, address: tuple[str, int]) -> None:
    with client_for(tmp_path, address) as client:
        assert client.get("/_local/info").status_code == 200
        assert client.post("/_local/job_timing", json={"job_min_polls": 0}).status_code == 200


def test_open_mode_controls_refuse_other_clients(tmp_path: Path) -> None:
    with client_for(tmp_path, REMOTE) as client:
        for response in (
            client.post("/_local/reset", json={"all": True}),
            client.post("/_local//reset/", json={"all": True}),  # a doubled or trailing slash changes nothing
            client.post("/_local/job_timing", json={"job_min_polls": 5}),
            client.get("/_local/info"),
        ):
            assert response.status_code == 403, response.text
            assert "loopback" in response.json()["error_message"]
        assert client.app.state.services.context.settings.job_min_polls == 0  # type: ignore[attr-defined]
        assert client.get("/health").status_code == 200  # only the controls are guarded
        assert client.post("/api/list_projects", json={"user_api_key": "k"}).status_code == 200


def test_open_mode_remote_controls_when_enabled(tmp_path: Path) -> None:
    with client_for(tmp_path, REMOTE, allow_remote_controls=True) as client:
        assert client.get("/_local/info").status_code == 200


def test_job_min_polls_is_bounded(tmp_path: Path) -> None:
    with client_for(tmp_path, ("127.0.0.1", 1)) as client:
        response = client.post("/_local/job_timing", json={"job_min_polls": 2**63})
        assert response.status_code == 400
        assert client.app.state.services.context.settings.job_min_polls == 0  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, job_min_polls=10**6)


@pytest.fixture
def keys_server(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, database_url=fresh_database_url(), auth="keys", admin_token="s3cret-admin")
    with TestClient(create_app(settings), client=REMOTE) as client:
        yield client


def test_keys_mode_reset_needs_the_admin_token_and_touches_one_tenant(keys_server: TestClient) -> None:
    keys = keys_server.app.state.services.keys  # type: ignore[attr-defined]
    first, second = keys.create("a").key, keys.create("b").key
    for key, project in ((first, "A"), (second, "B")):
        body = {"user_api_key": key, "project_name": project, "application": "test"}
        assert keys_server.post("/api/create_project", json=body).status_code == 200

    def projects(key: str) -> list[str]:
        answer = keys_server.post("/api/list_projects", json={"user_api_key": key}).json()
        return [p["project_name"] for p in answer["projects"]]

    refused = keys_server.post("/_local/reset", json={"user_api_key": first})
    assert refused.status_code == 403 and "X-Admin-Token".lower() in refused.json()["error_message"].lower()
    wrong = keys_server.post("/_local/reset", json={"user_api_key": first}, headers={"X-Admin-Token": "guess"})
    assert wrong.status_code == 403
    assert keys_server.get("/_local/info").status_code == 403
    assert projects(first) == ["A"]

    admin = {"X-Admin-Token": "s3cret-admin"}
    done = keys_server.post("/_local/reset", json={"user_api_key": first}, headers=admin)
    assert done.status_code == 200 and done.json()["projects_deleted"] == 1
    assert projects(first) == [] and projects(second) == ["B"]
    info = keys_server.get("/_local/info", headers=admin)
    assert info.status_code == 200 and "s3cret-admin" not in info.text


def test_keys_mode_without_an_admin_token_has_no_controls(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=fresh_database_url(), auth="keys")
    with TestClient(create_app(settings)) as client:
        response = client.get("/_local/info", headers={"X-Admin-Token": ""})
        assert response.status_code == 403 and "VECML_LOCAL_ADMIN_TOKEN" in response.json()["error_message"]


def test_secrets_are_masked_in_settings(tmp_path: Path) -> None:
    url = "postgresql+psycopg://vecml:pw-in-url@db:5432/vecml"
    shown = str(public_settings(Settings(data_dir=tmp_path, database_url=url, admin_token="tok-123")))
    assert "pw-in-url" not in shown and "tok-123" not in shown


def test_non_loopback_bind_in_open_mode_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="vecml_local"):
        create_app(Settings(data_dir=tmp_path, database_url=fresh_database_url(), host="0.0.0.0"))
    assert any("/_local controls answer only loopback" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="vecml_local"):
        create_app(Settings(data_dir=tmp_path, database_url=fresh_database_url(), host="127.0.0.1"))
    assert not any("/_local" in r.getMessage() for r in caplog.records)
