"""`list_jobs` (extension): newest first, filters, pagination, one tenant's jobs only."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.support import new_key


def _upload(api: Api) -> str:
    return api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]])["job_id"]


def test_jobs_are_listed_newest_first_with_their_status_fields(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    first, second = _upload(api), _upload(api)
    api.wait(first)
    status = api.wait(second)
    listed = api.ok("list_jobs")
    assert [job["job_id"] for job in listed["jobs"]] == [second, first]
    assert listed["total"] == 2 and listed["next_offset"] is None
    entry = listed["jobs"][0]
    assert {key: entry[key] for key in status if key != "success"} == {
        k: v for k, v in status.items() if k != "success"
    }
    assert entry["kind"] == "upload" and entry["project_name"] == "P" and entry["collection_name"] == "c"


def test_filters_and_pages(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    ids = [_upload(api) for _ in range(3)]
    for job_id in ids:
        api.wait(job_id)
    page = api.ok("list_jobs", limit=2)
    assert [job["job_id"] for job in page["jobs"]] == ids[:0:-1] and page["next_offset"] == 2
    rest = api.ok("list_jobs", limit="2", offset=page["next_offset"])
    assert [job["job_id"] for job in rest["jobs"]] == ids[:1] and rest["next_offset"] is None
    assert api.ok("list_jobs", project_name="P", collection_name="c", kind="upload", status="finished")["total"] == 3
    assert api.ok("list_jobs", project_name="other")["jobs"] == []
    assert api.ok("list_jobs", status="failed")["total"] == 0


def test_other_keys_see_nothing(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    api.wait(_upload(api))
    other = Api(api.client, new_key())
    assert other.ok("list_jobs")["jobs"] == []


def test_bad_filters_are_refused_naming_the_field(api: Api) -> None:
    for fields, word in [
        ({"status": "done"}, "status"),
        ({"kind": "nope"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"collection_name": "c"}, "project_name"),
    ]:
        status, body = api.call("list_jobs", **fields)
        assert status == 400 and word in body["error_message"], (fields, body)
