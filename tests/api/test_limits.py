"""Auth, body limits, JSON leniency, tolerant paths and the rate limit."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api
from vecml_local.app import create_app
from vecml_local.config import Settings
from vecml_local.services.tenants import KeyRegistry
from vecml_local.storage import Database


def test_missing_key_is_401(client: TestClient) -> None:
    response = client.post("/api/list_projects", json={})
    assert response.status_code == 401 and response.json()["success"] is False
    assert "user_api_key" in response.json()["error_message"]


def test_bearer_header_is_accepted(client: TestClient) -> None:
    headers = {"Authorization": "Bearer bearer-key-1"}
    assert client.post("/api/create_project", json={"project_name": "B"}, headers=headers).json()["success"]
    body = client.post("/api/list_projects", json={"user_api_key": "bearer-key-1"}).json()
    assert [p["project_name"] for p in body["projects"]] == ["B"]


def test_malformed_json_is_400_json(client: TestClient) -> None:
    response = client.post(
        "/api/list_projects", content=b'{"user_api_key": "k",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["error_message"]
    response = client.post("/api/list_projects", content=b"[1, 2]")
    assert response.status_code == 400 and response.json()["error_message"] == "Request body must be a JSON object"


def test_raw_newlines_inside_strings_are_accepted(client: TestClient) -> None:
    body = b'{"user_api_key": "lenient-key", "project_name": "L", "application": "two\nlines"}'
    response = client.post("/api/create_project", content=body)
    assert response.status_code == 200 and response.json() == {"success": True}


def test_trailing_and_doubled_slashes(api: Api) -> None:
    for path in ("/api//list_projects", "/api/list_projects/", "/api//list_projects//"):
        response = api.client.post(path, json={"user_api_key": api.key})
        assert response.status_code == 200 and response.json()["success"], path


def test_unknown_endpoint_and_wrong_method_are_json(client: TestClient) -> None:
    response = client.post("/api/no_such_thing", json={})
    assert response.status_code == 404 and response.json()["error_message"] == "Unknown endpoint /api/no_such_thing"
    response = client.get("/api/init")
    assert response.status_code == 405 and response.json()["success"] is False


def test_wrong_field_types_name_the_field(api: Api) -> None:
    status, body = api.call("create_project", project_name=5, application="x")
    assert status == 400 and body["error_message"].startswith("project_name:")


@pytest.fixture
def small_app(tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, max_request_bytes=1000, rate_limit_per_second=3)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_oversized_body_is_413(small_app: TestClient) -> None:
    big = {"user_api_key": "k", "project_name": "P", "application": "x" * 2000}
    response = small_app.post("/api/create_project", json=big)
    assert response.status_code == 413 and "larger than the limit" in response.json()["error_message"]

    def chunks():  # no Content-Length: the limit is enforced while streaming
        yield b'{"user_api_key": "k", "application": "'
        for _ in range(10):
            yield b"x" * 200
        yield b'"}'

    response = small_app.post("/api/create_project", content=chunks())
    assert response.status_code == 413


def test_rate_limit_answers_like_the_cloud(small_app: TestClient) -> None:
    answers = [small_app.post("/api/list_projects", json={"user_api_key": "rl"}) for _ in range(8)]
    limited = [a for a in answers if a.status_code == 400]
    assert limited, "8 calls at 3/s must hit the limit"
    assert limited[0].text == "Request limit reached, please try again later"
    # Another key has its own budget.
    assert small_app.post("/api/list_projects", json={"user_api_key": "other"}).status_code == 200


def test_keys_mode_accepts_only_created_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, auth="keys")
    registry = KeyRegistry(Database(settings.resolved_database_url()), "keys")
    registry.db.create_schema()
    created = registry.create("ci")
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/list_projects", json={"user_api_key": "made-up"}).status_code == 401
        assert client.post("/api/list_projects", json={"user_api_key": created.key}).status_code == 200
        assert registry.revoke(created.fingerprint)  # as `vecml-local keys revoke` does, from another process
        deadline = time.monotonic() + 10  # the server re-checks a remembered key every 2 s
        while client.post("/api/list_projects", json={"user_api_key": created.key}).status_code != 401:
            assert time.monotonic() < deadline, "a revoked key is still accepted"
            time.sleep(0.05)  # polling interval
    with registry.db.session() as session:
        from sqlalchemy import select

        from vecml_local.storage import ApiKey

        stored = session.scalars(select(ApiKey.key_hash)).all()
    assert created.key not in stored
