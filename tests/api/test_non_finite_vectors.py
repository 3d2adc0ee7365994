"""One rule for NaN and Infinity in vectors, on every input path (docs/reliability.md): refused
with a 400 naming the row and the component; a missing value (JSON null, an empty CSV cell) is
not a number and stays accepted in dense collections."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from tests.api.conftest import Api

RULE = "NaN and Infinity are refused in vectors"


def raw_call(api: Api, endpoint: str, body: str) -> tuple[int, dict]:
    """JSON text as a Python client's json.dumps writes NaN/Infinity (not valid JSON, accepted by our parser)."""
    text = f'{{"user_api_key": "{api.key}", "project_name": "P", "collection_name": "c", {body}}}'
    response = api.client.post(f"/api/{endpoint}", content=text.encode(), headers={"content-type": "application/json"})
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("endpoint", "body", "message"),
    [
        ("add_data_batch", '"data": [[1, 2, 3, 4], [1, NaN, 3, 4]]', "data[1][1] is NaN: "),
        ("add_data_batch", '"data": [[1, 2, 3, 4], [1, 2, 3, Infinity]]', "data[1][3] is Infinity: "),
        ("add_data_batch", '"data": [[-Infinity, 2, 3, 4]]', "data[0][0] is -Infinity: "),
        ("add_data_batch", '"data": [[1, 2, "nan", 4]]', "data[0][2] is 'nan', not a finite number: "),
        ("add_data", '"data": [1, 2, NaN, 4]', "data[2] is NaN: "),
        ("add_data", '"data": [1, 2, Infinity, 4]', "data[2] is Infinity: "),
        ("search", '"query_vectors": [[1, 2, 3, NaN]], "top_k": 1', "query_vectors[0][3] is NaN: "),
        ("search", '"query_vectors": [[1, 2, 3, Infinity]], "top_k": 1', "query_vectors[0][3] is Infinity: "),
    ],
)
def test_nan_and_infinity_in_json_vectors_are_refused_alike(api: Api, collection, endpoint, body, message) -> None:
    seed = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2, 3, 4]], string_ids=["seed"])
    assert api.wait(seed["job_id"])["status"] == "finished"
    status, answer = raw_call(api, endpoint, body)
    assert status == 400, answer
    assert answer["error_message"].startswith(message) and RULE in answer["error_message"], answer


def test_a_missing_value_is_still_accepted_in_a_dense_collection(api: Api, collection) -> None:
    job = api.ok("add_data_batch", project_name="P", collection_name="c", data=[[1, None, 3, 4]], string_ids=["m"])
    assert api.wait(job["job_id"])["status"] == "finished"
    got = api.ok("get_data", project_name="P", collection_name="c", string_ids=["m"])
    assert got["vectors"][0][1] is None


def _file(kind: str, value: float) -> dict:
    if kind == "binary":
        data = np.array([1, 2, 3, value], dtype="<f4").tobytes()
        return {"file_format": "binary", "binary_dtype": "float32", "binary_dim": 2, "file_data": data}
    if kind == "libsvm":
        text = f"1 0:1 1:2\n0 0:{value}\n"
        return {"file_format": "libsvm", "vector_type": "sparse", "file_data": text.encode()}
    if kind == "json":
        text = f'[{{"v": [1, 2]}}, {{"v": [3, "{value}"]}}]'
        return {"file_format": "json", "vector_data_field_name": "v", "file_data": text.encode()}
    text = f"a,b\n1,2\n3,{value}\n"  # csv: the word NaN is a documented missing value; Infinity is not
    return {"file_format": "csv", "has_field_names": True, "file_data": text.encode()}


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("binary", float("nan"), "row 2: component 1 is NaN: "),
        ("binary", float("inf"), "row 2: component 1 is Infinity: "),
        ("libsvm", float("nan"), "line 2: value nan is not a finite float32 number: "),
        ("libsvm", float("inf"), "line 2: value inf is not a finite float32 number: "),
        ("json", float("nan"), "row 2: v[1] is 'nan', not a finite number: "),
        ("csv", float("inf"), "line 3, column 'b': the value is Infinity: "),
    ],
)
def test_nan_and_infinity_in_uploaded_files_are_refused(api: Api, kind: str, value: float, message: str) -> None:
    api.ok("create_project", project_name="P")
    fields = _file(kind, value)
    fields["file_data"] = base64.b64encode(fields["file_data"]).decode()
    status, answer = api.call("upload", project_name="P", collection_name="f", **fields)
    assert status == 400, answer
    assert answer["error_message"].startswith(message) and RULE in answer["error_message"], answer
    assert api.ok("list_collections", project_name="P")["collections"] == []
