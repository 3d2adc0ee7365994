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


@pytest.mark.parametrize("endpoint", ["create_project", "upload", "get_upload_data_status", "train_automl_model"])
@pytest.mark.parametrize("raw_newline", [False, True])
def test_json_nested_thousands_deep_is_a_400(api: Api, endpoint: str, raw_newline: bool) -> None:
    deep = '{"a":' * 2000 + "1" + "}" * 2000
    newline = "\n" if raw_newline else ""
    text = f'{{"user_api_key": "{api.key}", "name": "x{newline}", "nested": {deep}}}'
    response = api.client.post(f"/api/{endpoint}", content=text.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert "nested too deeply" in response.json()["error_message"]


def test_a_500_tells_the_client_the_connection_closes(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from tests.database import fresh_database_url
    from vecml_local.app import create_app
    from vecml_local.config import Settings

    app = create_app(Settings(data_dir=tmp_path, database_url=fresh_database_url()))

    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["connection"] == "close"
    assert response.json()["success"] is False and "Internal server error" in response.json()["error_message"]


def test_405_carries_allow(api: Api) -> None:
    response = api.client.get("/api/create_project")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["success"] is False


def test_no_server_path_in_model_listings(api: Api) -> None:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    api.wait(
        api.ok("add_data_batch", project_name="P", collection_name="c", data=[[0, 0], [0, 1], [5, 5], [5, 6]])["job_id"]
    )
    job = api.ok("train_kmeans", project_name="P", collection_name="c", cluster_model_name="km", n_clusters=2)
    assert api.wait(job["job_id"], "get_clustering_training_status")["status"] == "finished"
    infos = api.ok("list_clustering_model_infos", project_name="P", collection_name="c")
    text = str(infos)
    data_dir = str(api.client.app.state.services.context.files.root)  # type: ignore[attr-defined]
    assert data_dir not in text and all(not m["model_path"].startswith("/") for m in infos["model_infos"]), infos


def test_job_errors_carry_no_server_path() -> None:
    from vecml_local.redact import without_paths

    message = "Internal error: FileNotFoundError: [Errno 2] No such file or directory: '/srv/vecml/staging/ab12'"
    assert without_paths(message) == "Internal error: FileNotFoundError: [Errno 2] No such file or directory: '<path>'"
    assert without_paths("ratio 1/2, a/b, http://example.com/x/y") == "ratio 1/2, a/b, http://example.com/x/y"


def _request_fields(client) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(path, field, kind) for every field of every /api request body in the OpenAPI document."""
    document = client.get("/openapi.json").json()
    schemas = document.get("components", {}).get("schemas", {})

    def resolve(schema: dict) -> dict:
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    found = []
    for path, methods in document["paths"].items():
        body = methods.get("post", {}).get("requestBody", {}).get("content", {}).get("application/json", {})
        if not path.startswith("/api/") or "schema" not in body:
            continue
        for name, prop in resolve(body["schema"]).get("properties", {}).items():
            prop = resolve(prop)
            kinds = {prop.get("type")} | {resolve(p).get("type") for p in prop.get("anyOf", [])}
            if kinds & {"number", "integer"}:
                found.append((path, name, "number"))
            if "string" in kinds:
                found.append((path, name, "string"))
    return found


def test_hostile_values_in_every_field_of_every_endpoint_never_answer_5xx(api: Api) -> None:
    """Lone surrogates and NUL in every string field, 1e400 / Infinity / -Infinity / 10^400 in every
    numeric field, of every documented /api operation: a 4xx (or a success), never a 5xx."""
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    fields = _request_fields(api.client)
    assert len({path for path, _, _ in fields}) >= 30, "the OpenAPI document lists the operations"
    base = f'"user_api_key": "{api.key}", "project_name": "P", "collection_name": "c", "model_name": "m"'
    hostile = {"string": ['"\\ud800x"', '"a\\u0000b"'], "number": ["1e400", "Infinity", "-Infinity", "1" + "0" * 400]}
    server_errors = []
    for path, name, kind in fields:
        for value in hostile[kind]:
            text = f'{{{base}, "{name}": {value}}}' if name not in ("user_api_key",) else f'{{"{name}": {value}}}'
            response = api.client.post(path, content=text.encode(), headers={"content-type": "application/json"})
            if response.status_code >= 500:
                server_errors.append((path, name, value[:12], response.status_code, response.text[:200]))
    assert not server_errors, "\n".join(" ".join(map(str, e[:3])) for e in server_errors)


def test_a_lone_surrogate_is_refused_also_by_the_lenient_parser(api: Api) -> None:
    # A raw newline inside a string sends the body to the lenient parser, which would accept `\ud800`.
    text = f'{{"user_api_key": "{api.key}", "project_name": "x\\ud800", "application": "a\nb"}}'
    response = api.client.post(
        "/api/create_project", content=text.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "surrogate" in response.json()["error_message"]
