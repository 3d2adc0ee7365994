"""The request schemas state the bounds the server enforces, in standard JSON Schema, so a client
or a fuzzer (scripts/ci/fuzz.sh: schemathesis's positive and negative data checks) that follows
the document is neither refused for a valid value nor accepted with an invalid one."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from vecml_local.schemas.types import name_problem


def _walk(node: Any, where: str = ""):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}/{i}")


def _request_schemas(client: TestClient) -> dict[str, Any]:
    doc = client.get("/openapi.json").json()
    return {
        path: op["post"]["requestBody"]
        for path, op in doc["paths"].items()
        if "post" in op and "requestBody" in op["post"]
    }


def test_bounds_are_standard_json_schema(client: TestClient) -> None:
    problems = []
    for path, body in _request_schemas(client).items():
        for where, node in _walk(body):
            if node.get("type") in ("integer", "number") and {"ge", "le", "gt", "lt"} & set(node):
                problems.append(f"{path}{where}: pydantic's ge/le instead of minimum/maximum")
    assert problems == []


def test_bodies_without_a_required_field_may_be_left_out(client: TestClient) -> None:
    bodies = _request_schemas(client)
    assert bodies["/api/list_projects"]["required"] is False  # the key may come as a Bearer header
    assert bodies["/api/create_project"]["required"] is True


def test_the_name_pattern_is_the_server_rule(client: TestClient) -> None:
    schema = _request_schemas(client)["/api/create_project"]["content"]["application/json"]["schema"]
    pattern = re.compile(schema["properties"]["project_name"]["pattern"])
    for value in [".", "..", "...", "a", "a.b", ".a", "-", "a b", "é"]:
        assert bool(pattern.search(value)) == (name_problem(value, "n") is None), value
