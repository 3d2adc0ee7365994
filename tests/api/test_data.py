"""init, add_data, add_data_batch, get_data, delete_data, get_collection_info."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


def _add(api: Api, **fields) -> dict:  # type: ignore[no-untyped-def]
    body = api.ok("add_data_batch", project_name="P", collection_name="c", **fields)
    status = api.wait(body["job_id"])
    assert status["status"] == "finished", status
    return status


def test_batch_round_trip_with_attributes(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    _add(
        api,
        data=[[1, 2, 3, 4], [5, 6, 7, 8.5]],
        string_ids=["a", "b"],
        attributes=[{"label": "1", "category": "A"}, {"label": 0}],
    )
    info = api.ok("get_collection_info", project_name="P", collection_name="c")
    assert info["num_vectors"] == 2 and info["vector_dim"] == 4 and info["vector_type"] == "dense"
    assert set(info["attributes"]) == {"label", "category"}
    got = api.ok("get_data", project_name="P", collection_name="c", string_ids=["b", "a"])
    assert got["vectors"] == [[5, 6, 7, 8.5], [1, 2, 3, 4]]
    assert got["attributes"] == [{"label": "0"}, {"label": "1", "category": "A"}]


def test_ids_are_generated_when_absent(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    status = _add(api, data=[[0, 0, 0, 0]] * 3)
    assert status["num_vectors"] == 3
    assert api.ok("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == 3


def test_add_data_single_vector(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    body = api.ok(
        "add_data", project_name="P", collection_name="c", string_id="one", data=[1, 2, 3, 4], attributes={"k": "v"}
    )
    api.wait(body["job_id"])
    got = api.ok("get_data", project_name="P", collection_name="c", string_ids=["one"])
    assert got["vectors"] == [[1, 2, 3, 4]] and got["attributes"] == [{"k": "v"}]
    status, body = api.call("add_data", project_name="P", collection_name="c", string_id="two", data=[1, 2])
    assert status == 400 and "data has 2 values; expected 4" in body["error_message"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([[1, 2, 3, 4], [1, 2, 3]], "data[1] has 3 values; expected 4"),
        ([[1, 2, 3, 4], [1, "x", 3, 4]], "data[1][1] must be a number"),
        ([], "data must be a non-empty array"),
        ("nope", "data must be a non-empty array"),
    ],
)
def test_bad_vectors_name_the_row(api: Api, collection, data, message) -> None:  # type: ignore[no-untyped-def]
    status, body = api.call("add_data_batch", project_name="P", collection_name="c", data=data)
    assert status == 400 and message in body["error_message"]


def test_duplicate_ids_refused_nothing_inserted(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    status, body = api.call(
        "add_data_batch", project_name="P", collection_name="c", data=[[1, 1, 1, 1]] * 2, string_ids=["x", "x"]
    )
    assert status == 400 and "string_ids[1] 'x' appears more than once" in body["error_message"]
    _add(api, data=[[1, 1, 1, 1]], string_ids=["x"])
    status, body = api.call(
        "add_data_batch", project_name="P", collection_name="c", data=[[2, 2, 2, 2]] * 2, string_ids=["y", "x"]
    )
    assert status == 400 and "'x' already exists" in body["error_message"]
    assert api.ok("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == 1


@pytest.mark.parametrize(
    ("vector_type", "good", "bad", "message"),
    [
        ("dense8Bit", [0, 255], [0, 256], "not an integer in [0, 255]"),
        ("dense4Bit", [15, 3], [16, 0], "not an integer in [0, 15]"),
        ("dense2Bit", [3, 0], [1.5, 0], "not an integer in [0, 3]"),
        ("dense1Bit", [1, 0], [2, 0], "not an integer in [0, 1]"),
    ],
)
def test_quantized_ranges(api: Api, vector_type, good, bad, message) -> None:  # type: ignore[no-untyped-def]
    api.ok("create_project", project_name="Q", application="x")
    api.ok("init", project_name="Q", collection_name="q", vector_type=vector_type, vector_dim=2)
    status, body = api.call("add_data_batch", project_name="Q", collection_name="q", data=[good, bad])
    assert status == 400 and "data[1]" in body["error_message"] and message in body["error_message"]
    job = api.ok("add_data_batch", project_name="Q", collection_name="q", data=[good], string_ids=["g"])
    api.wait(job["job_id"])
    assert api.ok("get_data", project_name="Q", collection_name="q", string_ids=["g"])["vectors"] == [good]


def test_sparse_vectors_as_objects_and_libsvm_strings(api: Api) -> None:
    api.ok("create_project", project_name="S", application="x")
    api.ok("init", project_name="S", collection_name="s", vector_type="sparse", vector_dim=100)
    job = api.ok(
        "add_data_batch",
        project_name="S",
        collection_name="s",
        data=[{"3": 1.5, "99": 2}, "0:1 7:-2.5"],
        string_ids=["a", "b"],
    )
    assert api.wait(job["job_id"])["status"] == "finished"
    got = api.ok("get_data", project_name="S", collection_name="s", string_ids=["a", "b"])
    assert got["vectors"] == [{"3": 1.5, "99": 2.0}, {"0": 1.0, "7": -2.5}]
    status, body = api.call("add_data_batch", project_name="S", collection_name="s", data=["100:1"])
    assert status == 400 and "data[0]: index 100 is outside [0, 99]" in body["error_message"]


def test_delete_data_hides_rows_and_allows_reinsert(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    _add(api, data=[[1, 1, 1, 1], [2, 2, 2, 2]], string_ids=["a", "b"])
    assert api.ok("delete_data", project_name="P", collection_name="c", string_ids=["a"])["num_deleted"] == 1
    assert api.ok("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == 1
    status, _ = api.call("get_data", project_name="P", collection_name="c", string_ids=["a"])
    assert status == 404
    _add(api, data=[[3, 3, 3, 3]], string_ids=["a"])
    assert api.ok("get_data", project_name="P", collection_name="c", string_ids=["a"])["vectors"] == [[3, 3, 3, 3]]
    status, body = api.call("delete_data", project_name="P", collection_name="c", string_ids=["nope"])
    assert status == 404 and "does not exist" in body["error_message"]


def test_concurrent_deletes_of_one_id_count_once(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    import threading
    from concurrent.futures import ThreadPoolExecutor

    _add(api, data=[[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], string_ids=["a", "b", "c"])
    start = threading.Barrier(8)

    def delete() -> int:
        start.wait(timeout=30)
        return api.call("delete_data", project_name="P", collection_name="c", string_ids=["a"])[0]

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: delete(), range(8)))
    assert codes == [200] + [404] * 7
    assert api.ok("get_collection_info", project_name="P", collection_name="c")["num_vectors"] == 2


def test_init_errors(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    status, body = api.call("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=4)
    assert status == 409 and "already exists" in body["error_message"]
    status, body = api.call("init", project_name="P", collection_name="d", vector_type="fancy", vector_dim=4)
    assert status == 400 and "vector_type" in body["error_message"]
    status, body = api.call("init", project_name="P", collection_name="d", vector_type="dense", vector_dim=0)
    assert status == 400 and "vector_dim" in body["error_message"]
    status, body = api.call("init", project_name="Nope", collection_name="d", vector_type="dense", vector_dim=3)
    assert status == 404 and "Project 'Nope' does not exist" == body["error_message"]


def test_list_and_delete_collection(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    names = [c["collection_name"] for c in api.ok("list_collections", project_name="P")["collections"]]
    assert names == ["c"]
    api.ok("delete_collection", project_name="P", collection_name="c")
    assert api.ok("list_collections", project_name="P")["collections"] == []
    status, body = api.call("delete_collection", project_name="P", collection_name="c")
    assert status == 404 and "does not exist" in body["error_message"]


def test_add_data_names_its_single_fields(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    where = {"project_name": "P", "collection_name": "c"}
    refused = [
        ({"data": [1, "x", 3, 4]}, "data[1] must be a number; got 'x'"),
        ({"data": [1, 2, 3, 4], "string_id": ""}, "string_id must be a non-empty string"),
        ({"data": [1, 2, 3, 4], "attributes": "label"}, "attributes must be an object"),
    ]
    for fields, message in refused:
        assert api.call("add_data", **where, **fields) == (400, {"success": False, "error_message": message})
    api.wait(api.ok("add_data", **where, data=[1, 2, 3, 4], string_id="one")["job_id"])
    status, body = api.call("add_data", **where, data=[1, 2, 3, 4], string_id="one")
    assert status == 400 and body["error_message"].startswith("string_id 'one' already exists")


def test_batch_attribute_row_that_is_not_an_object(api: Api, collection) -> None:  # type: ignore[no-untyped-def]
    # A non-object row after an object row: the message names the row (was a 500 when a key shadowed the namer).
    status, body = api.call(
        "add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]] * 2, attributes=[{"k": "v"}, 5]
    )
    assert (status, body["error_message"]) == (400, "attributes[1] must be an object")
