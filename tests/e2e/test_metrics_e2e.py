"""`GET /metrics` of a real server: Prometheus text that counts the requests just made,
the jobs by kind and state, their durations and the vectors stored."""

from __future__ import annotations

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support import ServerProcess, new_key


def _scrape(server: ServerProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(server.base_url.removesuffix("/api") + "/metrics", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_jobs_and_vectors(server: ServerProcess) -> None:
    key = new_key()
    before = _scrape(server)
    for _ in range(3):
        assert server.post("list_projects", {"user_api_key": key})["success"]
    assert httpx.post(f"{server.base_url}/list_projects", json={}).status_code == 401
    where = {"user_api_key": key, "project_name": "p", "collection_name": "c"}
    assert server.post("create_project", {"user_api_key": key, "project_name": "p", "application": "t"})["success"]
    assert server.post("init", {**where, "vector_type": "dense", "vector_dim": 2})["success"]
    job = server.post("add_data_batch", {**where, "data": [[1, 2], [3, 4], [5, 6]], "string_ids": ["a", "b", "c"]})
    deadline = time.monotonic() + 60
    while server.post("get_upload_data_status", {"user_api_key": key, "job_id": job["job_id"]})["status"] != "finished":
        assert time.monotonic() < deadline
        time.sleep(0.05)  # polling interval
    after = _scrape(server)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    ok = {"endpoint": "/api/list_projects", "method": "POST"}
    assert delta("vecml_local_requests_total", **ok, status="200") == 3
    assert delta("vecml_local_requests_total", **ok, status="401") == 1
    assert delta("vecml_local_request_duration_seconds_count", endpoint="/api/list_projects") == 4
    assert delta("vecml_local_job_transitions_total", kind="upload", state="finished") == 1
    assert delta("vecml_local_job_duration_seconds_count", kind="upload", state="finished") == 1
    assert delta("vecml_local_jobs", kind="upload", state="finished") == 1
    assert delta("vecml_local_vectors_stored") == 3
    assert ("vecml_local_job_queue_depth", ()) in after
