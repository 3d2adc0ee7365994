"""Status endpoints answer any job id of the caller's key."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

STATUS_ENDPOINTS = ["get_upload_data_status", "get_automl_training_status", "get_clustering_training_status"]


@pytest.mark.parametrize("endpoint", STATUS_ENDPOINTS)
def test_every_status_endpoint_answers_upload_jobs(api: Api, collection, endpoint) -> None:  # type: ignore[no-untyped-def]
    job = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]])
    status = api.wait(job["job_id"], endpoint)
    assert status["status"] == "finished" and status["job_id"] == job["job_id"]
    assert status["error_message"] == "none" and status["num_vectors"] == 1


@pytest.mark.parametrize("endpoint", STATUS_ENDPOINTS)
def test_unknown_job_stops_pollers(api: Api, endpoint) -> None:  # type: ignore[no-untyped-def]
    status, body = api.call(endpoint, job_id="no-such-job")
    assert status == 404
    assert body == {"success": False, "status": "failed", "error_message": "Job 'no-such-job' does not exist"}


def test_job_ids_follow_the_documented_pattern(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    first = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]])["job_id"]
    second = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]])["job_id"]
    parts = first.split("||")
    assert parts[1:4] == ["P", "c", "UploadDataJob"] and len(parts) == 5
    assert first != second and api.key not in first
