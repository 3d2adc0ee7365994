"""Answers served from memory (api/fastpath.py) are the routes' own answers, stay right after
writes, and anything unusual still reaches the real route (its errors, its 401)."""

from __future__ import annotations

import orjson

from tests.api.conftest import Api


def test_memory_answers_equal_the_routes_and_follow_writes(api: Api, collection: tuple[str, str]) -> None:
    job = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]], string_ids=["a"])
    first = api.wait(job["job_id"])
    assert first["status"] == "finished"
    for _ in range(2):  # the second and third come from memory
        assert api.ok("get_upload_data_status", job_id=job["job_id"]) == first
        assert api.ok("get_clustering_training_status", job_id=job["job_id"]) == first
    info = api.ok("get_collection_info", project_name="P", collection_name="c")
    assert info["num_vectors"] == 1 and api.ok("get_collection_info", project_name="P", collection_name="c") == info
    listed = api.ok("list_projects")
    assert api.ok("list_projects") == listed
    api.ok("create_project", project_name="Q", application="test")  # a write: cached lists are stale
    assert [p["project_name"] for p in api.ok("list_projects")["projects"]] == ["P", "Q"]


def test_unusual_requests_reach_the_real_route(api: Api, collection: tuple[str, str]) -> None:
    api.ok("get_collection_info", project_name="P", collection_name="c")
    api.ok("get_collection_info", project_name="P", collection_name="c")
    status, body = api.call("get_collection_info", project_name="P")
    assert status == 400 and "collection_name" in body["error_message"]
    response = api.client.post("/api/get_collection_info", content=b"{not json")
    assert response.status_code == 400
    response = api.client.post("/api/list_projects", json={"user_api_key": ""})
    assert response.status_code == 401
    response = api.client.post(
        "/api/get_collection_info",
        json={"project_name": "P", "collection_name": "c"},
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 200 and response.json()["num_vectors"] == 0


def test_memory_answers_are_byte_for_byte_the_routes(api: Api, collection: tuple[str, str]) -> None:
    job = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]], string_ids=["a"])
    api.wait(job["job_id"])
    memory = api.client.app.memory_answers  # type: ignore[attr-defined]
    calls = [("get_upload_data_status", {"job_id": job["job_id"]})]
    if (
        api.client.app.state.services.context.read_cache.enabled
    ):  # info/list answers are kept only on the embedded SQLite database
        calls += [
            ("get_collection_info", {"project_name": "P", "collection_name": "c"}),
            ("list_collections", {"project_name": "P"}),
        ]
    for endpoint, fields in calls:
        raw = orjson.dumps({"user_api_key": api.key, **fields})
        memory._rendered.clear()
        # A body without a declared length (streamed) is never the plain case: the full stack answers.
        by_route = api.client.post(
            f"/api/{endpoint}", content=iter([raw]), headers={"content-type": "application/json"}
        )
        assert not memory._rendered
        from_memory = api.client.post(f"/api/{endpoint}", content=raw, headers={"content-type": "application/json"})
        assert memory._rendered, f"{endpoint} was not answered from memory"
        assert from_memory.content == by_route.content
        assert from_memory.headers.items() == by_route.headers.items()


def test_a_whitespace_body_is_not_an_empty_body(api: Api) -> None:
    """No body at all means "no fields" (the key in a Bearer header); a body of whitespace is no
    JSON and is refused, as schemathesis's negative-data check expects."""
    headers = {"Authorization": f"Bearer {api.key}", "content-type": "application/json"}
    assert api.client.post("/api/list_jobs", content=b"", headers=headers).status_code == 200
    for body in (b"\n", b"  ", b"\x0b"):
        response = api.client.post("/api/list_jobs", content=body, headers=headers)
        assert response.status_code == 400 and "not valid JSON" in response.json()["error_message"], body
