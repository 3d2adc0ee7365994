"""The collection preview reads only the page's rows: same rows, ids and attributes as `get_data`,
across segments, after labels are attached, and after deletions."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.database import fresh_database_url
from tests.support import new_key, wait_for_job
from vecml_local.app import create_app
from vecml_local.config import Settings
from vecml_local.services.context import Tenant
from vecml_local.services.tenants import hash_key
from vecml_local.services.vector_preview import PAGE_ROWS, VectorPreview


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=fresh_database_url())
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_pages_match_get_data_across_segments_labels_and_deletions(client: TestClient) -> None:
    key = new_key()
    post = lambda e, b: client.post(f"/api/{e}", json={"user_api_key": key, **b}).json()  # noqa: E731
    post("create_project", {"project_name": "P"})
    post("init", {"project_name": "P", "collection_name": "c", "vector_type": "dense", "vector_dim": 10})
    names = {"project_name": "P", "collection_name": "c"}
    for part in range(2):  # two segments of 70 rows: page 1 spans both
        rows = range(part * 70, part * 70 + 70)
        job = post(
            "add_data_batch",
            {
                **names,
                "data": [[float(i)] * 10 for i in rows],
                "string_ids": [f"id{i}" for i in rows],
                "attributes": [{"part": str(part)} for _ in rows],
            },
        )
        wait_for_job(lambda e, b: post(e, b), key, job["job_id"])
    labels = base64.b64encode("\n".join(f"L{i}" for i in range(100)).encode()).decode()
    job = post("attach_automl_label", {**names, "Y": labels, "label_name": "label"})
    assert wait_for_job(lambda e, b: post(e, b), key, job["job_id"])["status"] == "finished"
    preview = VectorPreview(client.app.state.services.context)  # type: ignore[attr-defined]
    tenant = Tenant(hash_key(key))

    def check(page: int, expected_ids: list[str]) -> None:
        answer = preview.page(tenant, "P", "c", page)
        assert [r["string_id"] for r in answer["rows"]] == expected_ids
        data = post("get_data", {**names, "string_ids": expected_ids})
        for row, vector, attrs in zip(answer["rows"], data["vectors"], data["attributes"]):
            assert row["vector"] == vector[:8]
            assert dict(zip(answer["attribute_names"], row["attributes"])) == {
                name: attrs.get(name) for name in answer["attribute_names"]
            }

    assert preview.page(tenant, "P", "c", 0)["more_columns"] == 2
    check(0, [f"id{i}" for i in range(PAGE_ROWS)])
    check(1, [f"id{i}" for i in range(50, 100)])
    check(2, [f"id{i}" for i in range(100, 140)])
    post("delete_data", {**names, "string_ids": ["id0", "id60"]})
    check(0, [f"id{i}" for i in range(1, 61) if i != 60][:PAGE_ROWS])
    assert preview.page(tenant, "P", "c", 0)["total"] == 138


def test_ids_and_attributes_json_cannot_scan_are_parsed(client: TestClient) -> None:
    key = new_key()
    post = lambda e, b: client.post(f"/api/{e}", json={"user_api_key": key, **b}).json()  # noqa: E731
    post("create_project", {"project_name": "P"})
    post("init", {"project_name": "P", "collection_name": "c", "vector_type": "dense", "vector_dim": 2})
    ids = ['quote"d', "back\\slash", "plain"]
    job = post(
        "add_data_batch",
        {
            "project_name": "P",
            "collection_name": "c",
            "data": [[1, 2], [3, 4], [5, 6]],
            "string_ids": ids,
            "attributes": [{"a": "x"}, None, {"a": "z"}],
        },
    )
    wait_for_job(lambda e, b: post(e, b), key, job["job_id"])
    answer = VectorPreview(client.app.state.services.context).page(Tenant(hash_key(key)), "P", "c", 0)  # type: ignore[attr-defined]
    assert [r["string_id"] for r in answer["rows"]] == ids
    assert [r["attributes"] for r in answer["rows"]] == [["x"], [None], ["z"]]
