"""Errors say whose fault they are: the client's (4xx naming the field), the data's (a
ValueError of ml/ingest, 400) or ours (500 with an error id that is also in the log)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api
from vecml_local.errors import BadRequest, client_error


class _DataProblem(ValueError):
    pass


_DataProblem.__module__ = "vecml_local.ml.example"  # as if defined in ml/


def test_client_error_mapping() -> None:
    assert isinstance(client_error(BadRequest("x")), BadRequest)
    mapped = client_error(_DataProblem("n_clusters (5) is larger than the number of vectors (3)"))
    assert mapped is not None and mapped.status_code == 400 and mapped.message.startswith("n_clusters (5)")
    assert client_error(ValueError("numpy said no")) is None  # a bare ValueError is our bug
    assert client_error(KeyError("x")) is None


SAME_FIELD_ENDPOINTS = [
    ("create_project", {"application": "x"}),
    ("delete_project", {}),
    ("list_collections", {}),
    ("init", {"collection_name": "c", "vector_type": "dense", "vector_dim": 2}),
    ("get_collection_info", {"collection_name": "c"}),
    ("add_data_batch", {"collection_name": "c", "data": [[1, 2]]}),
    ("get_data", {"collection_name": "c", "string_ids": ["a"]}),
]


def test_same_wrong_value_same_message_everywhere(api: Api) -> None:
    answers = {
        (status, tuple(body.items()))
        for status, body in (
            api.call(endpoint, project_name="a b", **extra) for endpoint, extra in SAME_FIELD_ENDPOINTS
        )
    }
    message = "project_name 'a b' may contain only letters, digits, '_', '-' and '.'"
    assert answers == {(400, (("success", False), ("error_message", message)))}


def test_a_bug_is_a_logged_500_with_an_error_id(
    client: TestClient, api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: Any) -> Any:
        return {}["missing"]  # a KeyError: our fault, whatever the request

    monkeypatch.setattr(client.app.state.services.projects, "list_projects", broken)  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="vecml_local"):
        status, body = api.call("list_projects")
    assert status == 500 and body["success"] is False
    assert body["error_id"] and body["error_id"] in body["error_message"]
    assert "not a problem with your request" in body["error_message"]
    logged = [record for record in caplog.records if body["error_id"] in record.getMessage()]
    assert logged and logged[0].exc_info is not None
    # The connection stays usable: the next call on the same client is answered normally.
    monkeypatch.undo()
    assert api.ok("list_projects")["projects"] == []


def test_a_data_error_of_ml_is_a_400(client: TestClient, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuses(*_: Any) -> Any:
        raise _DataProblem("column 3 holds NaN")

    monkeypatch.setattr(client.app.state.services.projects, "list_projects", refuses)  # type: ignore[attr-defined]
    assert api.call("list_projects") == (400, {"success": False, "error_message": "column 3 holds NaN"})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "vector_dim: Input should be greater than or equal to 1"),
        ("1e400", "vector_dim: must be a finite integer; got '1e400'"),
        (2**64, "vector_dim: is out of range (beyond ±9,007,199,254,740,991, the integers JSON carries exactly)"),
        (2.5, "vector_dim: must be an integer; got 2.5"),
    ],
)
def test_numbers_are_lenient_but_checked(api: Api, value: Any, message: str) -> None:
    api.ok("create_project", project_name="P", application="x")
    status, body = api.call("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=value)
    assert status == 400 and body["error_message"].startswith(message)


def test_numbers_and_enums_as_clients_send_them(api: Api) -> None:
    api.ok("create_project", project_name="P", application="x")
    api.ok("init", project_name="P", collection_name="c", vector_type=" Dense8bit ", vector_dim="3")
    info = api.ok("get_collection_info", project_name="P", collection_name="c")
    assert (info["vector_type"], info["vector_dim"]) == ("dense8Bit", 3)


@pytest.mark.parametrize("key", ["\\ud800", "a\\u0000b"])
def test_a_key_that_is_not_text_is_a_400(client: TestClient, key: str) -> None:
    body = f'{{"user_api_key": "{key}", "project_name": "P", "application": "x"}}'.encode()
    response = client.post("/api/create_project", content=body, headers={"content-type": "application/json"})
    message = response.json()["error_message"]
    # A lone surrogate escape is refused by the JSON parser already; a NUL by the key check.
    assert response.status_code == 400 and (message.startswith("user_api_key: must ") or "surrogate" in message)
