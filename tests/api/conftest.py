"""In-process app (real storage, real job runner) driven through FastAPI's TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.database import fresh_database_url
from tests.support import new_key, wait_for_job
from vecml_local.app import create_app
from vecml_local.config import Settings


class Api:
    def __init__(self, client: TestClient, key: str) -> None:
        self.client = client
        self.key = key

    def call(self, endpoint: str, **fields: Any) -> tuple[int, Any]:
        response = self.client.post(f"/api/{endpoint}", json={"user_api_key": self.key, **fields})
        return response.status_code, response.json()

    def ok(self, endpoint: str, **fields: Any) -> Any:
        status, body = self.call(endpoint, **fields)
        assert status == 200 and body["success"] is True, (endpoint, status, body)
        return body

    def wait(self, job_id: str, endpoint: str = "get_upload_data_status") -> Any:
        return wait_for_job(lambda e, b: self.client.post(f"/api/{e}", json=b).json(), self.key, job_id, endpoint)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=fresh_database_url())
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    """A fresh tenant per test: tests never see each other's projects."""
    return Api(client, new_key())


@pytest.fixture
def collection(api: Api) -> tuple[str, str]:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=4)
    return "P", "c"
