"""Projects and tenants over the in-process API."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


def test_create_list_delete_project(api: Api) -> None:
    api.ok("create_project", project_name="Demo", application="Machine Learning")
    assert [p["project_name"] for p in api.ok("list_projects")["projects"]] == ["Demo"]
    api.ok("delete_project", project_name="Demo")
    assert api.ok("list_projects")["projects"] == []


def test_duplicate_project_is_409_already_exists(api: Api) -> None:
    api.ok("create_project", project_name="Demo", application="x")
    status, body = api.call("create_project", project_name="Demo", application="x")
    assert status == 409 and body == {"success": False, "error_message": "Project 'Demo' already exists"}


def test_deleting_missing_project_is_404_does_not_exist(api: Api) -> None:
    status, body = api.call("delete_project", project_name="AutoML-Demo")
    assert status == 404 and "does not exist" in body["error_message"]


@pytest.mark.parametrize("name", ["../x", "a/b", "a\x00b", "..", ".", "", "x" * 129, "with space"])
def test_hostile_names_are_refused_naming_the_field(api: Api, name: str) -> None:
    status, body = api.call("create_project", project_name=name, application="x")
    assert status == 400 and body["success"] is False
    assert "project_name" in body["error_message"]


def test_hostile_collection_names_never_reach_the_disk(api: Api, client) -> None:  # type: ignore[no-untyped-def]
    api.ok("create_project", project_name="P", application="x")
    data_dir = client.app.state.settings.data_dir
    before = sorted(str(p) for p in data_dir.rglob("*"))
    for name in ["../../escape", "a/b", "..", "nul\x00"]:
        status, body = api.call("init", project_name="P", collection_name=name, vector_type="dense", vector_dim=2)
        assert status == 400 and "collection_name" in body["error_message"]
    assert not (data_dir.parent / "escape").exists()
    assert sorted(str(p) for p in data_dir.rglob("*") if "vecml.db" not in str(p)) == [
        p for p in before if "vecml.db" not in p
    ]


def test_tenants_never_see_each_other(client) -> None:  # type: ignore[no-untyped-def]
    from tests.support import new_key

    alice, bob = Api(client, new_key()), Api(client, new_key())
    alice.ok("create_project", project_name="Shared", application="x")
    alice.ok("init", project_name="Shared", collection_name="c", vector_type="dense", vector_dim=2)
    job = alice.ok("add_data_batch", project_name="Shared", collection_name="c", data=[[1, 2]], string_ids=["a"])
    assert alice.wait(job["job_id"])["status"] == "finished"

    assert bob.ok("list_projects")["projects"] == []
    status, _ = bob.call("get_collection_info", project_name="Shared", collection_name="c")
    assert status == 404
    status, _ = bob.call("get_data", project_name="Shared", collection_name="c", string_ids=["a"])
    assert status == 404
    status, body = bob.call("get_upload_data_status", job_id=job["job_id"])
    assert status == 404 and body["status"] == "failed"
    status, _ = bob.call("delete_project", project_name="Shared")
    assert status == 404
    # Bob may use the same name for his own project without touching Alice's.
    bob.ok("create_project", project_name="Shared", application="x")
    bob.ok("delete_project", project_name="Shared")
    assert alice.ok("get_collection_info", project_name="Shared", collection_name="c")["num_vectors"] == 1


def test_deleting_a_project_removes_its_files(api: Api, client) -> None:  # type: ignore[no-untyped-def]
    api.ok("create_project", project_name="P", application="x")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    job = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]], string_ids=["a"])
    api.wait(job["job_id"])
    files = client.app.state.services.context.files
    with client.app.state.services.context.db.session() as session:
        from sqlalchemy import select

        from vecml_local.storage import Collection

        collection_id = session.scalars(select(Collection.id).order_by(Collection.id.desc())).first()
    assert any((files.collections / str(collection_id)).iterdir())
    api.ok("delete_project", project_name="P")
    assert not (files.collections / str(collection_id)).exists()
