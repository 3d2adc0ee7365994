"""Documented length limits (docs/reliability.md): an over-long name, id or value is a 400 naming
the field (and the row), never stored; values at the limit are accepted."""

from __future__ import annotations

import base64

import pytest

from tests.api.conftest import Api
from vecml_local.limits import (
    MAX_APPLICATION_LENGTH,
    MAX_ATTRIBUTE_NAME_LENGTH,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_STRING_ID_BYTES,
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def refused(api: Api, endpoint: str, **fields) -> str:
    status, body = api.call(endpoint, **fields)
    assert status == 400 and body["success"] is False, (endpoint, status, body)
    return body["error_message"]


def test_string_ids_over_the_limit_are_refused_naming_the_row(api: Api, collection) -> None:
    project, name = collection
    at_limit = "é" * (MAX_STRING_ID_BYTES // 2)  # 1,024 bytes in UTF-8
    too_long = at_limit + "x"
    message = refused(
        api, "add_data_batch", project_name=project, collection_name=name,
        data=[[1, 2, 3, 4]] * 3, string_ids=["a", "b", too_long],
    )  # fmt: skip
    assert message.startswith("string_ids[2] ") and f"longer than {MAX_STRING_ID_BYTES} bytes" in message
    message = refused(
        api, "add_data", project_name=project, collection_name=name, data=[1, 2, 3, 4], string_id=too_long
    )
    assert message.startswith("string_id ")
    job = api.ok(
        "add_data_batch", project_name=project, collection_name=name, data=[[1, 2, 3, 4]], string_ids=[at_limit]
    )
    assert api.wait(job["job_id"])["status"] == "finished"


def test_attribute_names_and_values_over_the_limit_are_refused(api: Api, collection) -> None:
    project, name = collection
    rows = [{"ok": "1"}, {"n" * (MAX_ATTRIBUTE_NAME_LENGTH + 1): "1"}]
    message = refused(
        api, "add_data_batch", project_name=project, collection_name=name, data=[[1, 2, 3, 4]] * 2, attributes=rows
    )
    assert (
        message.startswith("attributes[1]: attribute name 'nnn")
        and f"{MAX_ATTRIBUTE_NAME_LENGTH} characters" in message
    )
    rows = [{"text": "v" * (MAX_ATTRIBUTE_VALUE_LENGTH + 1)}]
    message = refused(
        api, "add_data_batch", project_name=project, collection_name=name, data=[[1, 2, 3, 4]], attributes=rows
    )
    assert message.startswith("attributes[0]['text']: the value is longer than")
    rows = [{"n" * MAX_ATTRIBUTE_NAME_LENGTH: "v" * MAX_ATTRIBUTE_VALUE_LENGTH}]
    job = api.ok("add_data_batch", project_name=project, collection_name=name, data=[[1, 2, 3, 4]], attributes=rows)
    assert api.wait(job["job_id"])["status"] == "finished"


def test_typed_name_fields_over_the_limit_are_refused_naming_the_field(api: Api, collection) -> None:
    project, name = collection
    message = refused(api, "create_project", project_name="p" * (MAX_NAME_LENGTH + 1))
    assert message.startswith("project_name ") and f"{MAX_NAME_LENGTH} characters" in message
    message = refused(api, "create_project", project_name="Q", application="a" * (MAX_APPLICATION_LENGTH + 1))
    assert message.startswith("application: ") and f"longer than {MAX_APPLICATION_LENGTH} characters" in message
    api.ok(
        "create_project", project_name="Q", application="a" * MAX_APPLICATION_LENGTH
    )  # stored whole (PostgreSQL too)
    listed = {p["project_name"]: p["application"] for p in api.ok("list_projects")["projects"]}
    assert listed["Q"] == "a" * MAX_APPLICATION_LENGTH
    message = refused(
        api, "attach_automl_label", project_name=project, collection_name=name,
        Y=b64(b"1\n"), label_name="l" * (MAX_ATTRIBUTE_NAME_LENGTH + 1),
    )  # fmt: skip
    assert message.startswith("label_name: ") and f"longer than {MAX_ATTRIBUTE_NAME_LENGTH} characters" in message
    message = refused(
        api, "train_automl_model", project_name=project, collection_name=name, model_name="m",
        label_attribute="l" * (MAX_ATTRIBUTE_NAME_LENGTH + 1), task_type="classification",
    )  # fmt: skip
    assert message.startswith("label_attribute: ")


@pytest.mark.parametrize("where", ["header", "value"])
def test_uploaded_files_with_over_long_columns_are_refused(api: Api, where: str) -> None:
    api.ok("create_project", project_name="P", application="test")
    if where == "header":
        data = f"x,{'h' * (MAX_ATTRIBUTE_NAME_LENGTH + 1)}\n1,a\n".encode()
    else:
        data = f"x,city\n1,a\n2,{'c' * (MAX_ATTRIBUTE_VALUE_LENGTH + 1)}\n".encode()
    message = refused(
        api, "upload", project_name="P", collection_name="c", file_format="csv", has_field_names=True,
        vector_attributes=["city"], file_data=b64(data),
    )  # fmt: skip
    if where == "header":
        assert "column name 'hhh" in message and f"{MAX_ATTRIBUTE_NAME_LENGTH} characters" in message
    else:
        assert message.startswith("row 2, column 'city': the value is longer than")
    assert api.ok("list_collections", project_name="P")["collections"] == []


def test_label_files_with_an_over_long_label_are_refused(api: Api, collection) -> None:
    project, name = collection
    api.ok("add_data_batch", project_name=project, collection_name=name, data=[[1, 2, 3, 4]] * 2)
    data = f"label\n1\n{'z' * (MAX_ATTRIBUTE_VALUE_LENGTH + 1)}\n".encode()
    message = refused(
        api, "attach_automl_label", project_name=project, collection_name=name, Y=b64(data), has_field_names=True,
    )  # fmt: skip
    assert message.startswith("line 3: the value is longer than")
