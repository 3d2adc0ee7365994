"""Hostile and unlucky input through the HTTP API: every answer is a clear 4xx, never a 500 or a hang."""

from __future__ import annotations

import base64

import pytest

from tests.api.conftest import Api


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("endpoint", ["upload", "upload_automl_X"])
def test_windows_1252_csv_is_stored_with_a_warning(api: Api, endpoint: str) -> None:
    api.ok("create_project", project_name="P", application="test")
    field = "X" if endpoint == "upload_automl_X" else "file_data"
    data = "x,y,city\n1,2,Oslo\n3,4,café\n".encode("cp1252")
    body = api.ok(
        endpoint, project_name="P", collection_name="c", file_format="csv", has_field_names=True, **{field: b64(data)}
    )
    status = api.wait(body["job_id"])
    assert status["status"] == "finished", status
    assert "line 3: the CSV file is not valid UTF-8; read as Windows-1252 text" in status["warnings"]
    got = api.ok("get_data", project_name="P", collection_name="c", string_ids=[body["string_id_prefix"] + "-1"])
    assert got["attributes"] == [{"city": "café"}]
