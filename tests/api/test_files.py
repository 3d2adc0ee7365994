"""upload, upload_automl_X, attach_automl_label: real files through the HTTP API, results
checked with get_collection_info / get_data, and each broken file's error text."""

from __future__ import annotations

import base64
import gzip
import hashlib
import math
import zlib
from typing import Any

import numpy as np
import orjson
import pytest

from tests.api.conftest import Api


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def project(api: Api) -> str:
    api.ok("create_project", project_name="P", application="autoML")
    return "P"


def upload(api: Api, data: bytes, collection: str = "c", endpoint: str = "upload_automl_X", **fields: Any) -> dict:
    fields.setdefault("file_format", "csv")
    fields.setdefault("has_field_names", True)
    field = "X" if endpoint == "upload_automl_X" else "file_data"
    body = api.ok(endpoint, project_name="P", collection_name=collection, **{field: b64(data)}, **fields)
    status = api.wait(body["job_id"])
    assert status["status"] == "finished", status
    return {**body, "status": status}


def refused(api: Api, data: bytes | None, collection: str = "c", code: int = 400, **fields: Any) -> str:
    fields.setdefault("file_format", "csv")
    fields.setdefault("has_field_names", True)
    if data is not None:
        fields["X"] = b64(data)
    status, body = api.call("upload_automl_X", project_name="P", collection_name=collection, **fields)
    assert status == code and body["success"] is False, (status, body)
    return body["error_message"]


def info(api: Api, collection: str = "c") -> dict:
    return api.ok("get_collection_info", project_name="P", collection_name=collection)


def rows(api: Api, prefix: str, indices: list[int], collection: str = "c") -> dict:
    ids = [f"{prefix}-{i}" for i in indices]
    return api.ok("get_data", project_name="P", collection_name=collection, string_ids=ids)


# -- CSV -----------------------------------------------------------------------------


def test_csv_from_a_spreadsheet(api: Api, project: str) -> None:
    data = b'\xef\xbb\xbf"sepal length",petal width,species,city\r\n5.1,0.2,"setosa, wild",Oslo\r\n,1.5,virginica,\r\n'
    done = upload(api, data, categorical_features=["species", "not a column"])
    assert done["num_vectors"] == 2
    got = info(api)
    assert got["num_vectors"] == 2 and got["vector_dim"] == 2 and got["vector_type"] == "dense"
    assert got["column_names"] == ["sepal length", "petal width"]
    assert got["categorical_features"] == ["species", "city"]
    assert set(got["attributes"]) == {"species", "city"}
    assert done["status"]["warnings"] == [
        "categorical_features: 'not a column' is not a column of the file; ignored",
        "column 'city' is not numeric: kept as a categorical attribute, not a vector component",
    ]
    data_rows = rows(api, done["string_id_prefix"], [0, 1])
    assert data_rows["vectors"][0] == pytest.approx([5.1, 0.2])
    assert data_rows["vectors"][1][0] is None and data_rows["vectors"][1][1] == 1.5
    assert data_rows["attributes"] == [{"species": "setosa, wild", "city": "Oslo"}, {"species": "virginica"}]


def test_csv_without_header_names_columns(api: Api, project: str) -> None:
    done = upload(api, b"1,2,a\n3,4,b\n", has_field_names=False, categorical_features=["column 3"])
    got = info(api)
    assert got["column_names"] == ["column 1", "column 2"] and got["categorical_features"] == ["column 3"]
    assert rows(api, done["string_id_prefix"], [1])["attributes"] == [{"column 3": "b"}]


def test_csv_vector_attributes_and_short_rows(api: Api, project: str) -> None:
    done = upload(api, b"id,a,b\nx1,1,2\nx2,3\n", vector_attributes=["id"])
    got = info(api)
    assert got["column_names"] == ["a", "b"] and got["categorical_features"] == [] and got["attributes"] == ["id"]
    assert rows(api, done["string_id_prefix"], [1])["vectors"] == [[3.0, None]]


def test_csv_long_row_names_the_line_and_stores_nothing(api: Api, project: str) -> None:
    message = refused(api, b"a,b\r\n1,2\r\n3,4,5\r\n")
    assert message == "line 3: 3 fields, but the header has 2 columns"
    status, body = api.call("get_collection_info", project_name="P", collection_name="c")
    assert status == 404 and "does not exist" in body["error_message"]


def test_csv_quantized_value_out_of_range_names_the_line(api: Api, project: str) -> None:
    message = refused(api, b"a,b\n1,2\n3,300\n", vector_type="dense8Bit")
    assert (
        message
        == "line 3, column 'b': value 300 is not allowed for vector_type dense8Bit (whole numbers from 0 to 255)"
    )
    upload(api, b"a,b\n1,2\n3,255\n", vector_type="dense8Bit")
    assert info(api)["vector_type"] == "dense8Bit"


def test_errors_name_the_field_the_file_came_in(api: Api, project: str) -> None:
    assert refused(api, b"\r\n") == "X: the CSV file is empty"
    status, body = api.call(
        "upload",
        project_name="P",
        collection_name="c",
        file_data=b64(b"a,b\n"),
        file_format="csv",
        has_field_names=True,
    )
    assert status == 400 and body["error_message"] == "file_data: the csv file holds no data rows"


def test_has_field_names_required_for_csv(api: Api, project: str) -> None:
    message = refused(api, b"a\n1\n", has_field_names=None)
    assert message == "has_field_names is required (true if the first line holds the column names)"


# -- payload --------------------------------------------------------------------------


def test_gzip_requested_or_sniffed_and_checksums(api: Api, project: str) -> None:
    packed = gzip.compress(b"a,b\n1,2\n")
    text = b64(packed)
    body = api.ok(
        "upload_automl_X",
        project_name="P",
        collection_name="c",
        X=text,
        file_format="csv",
        has_field_names=True,
        compression_type="gzip",
        checksum=hashlib.sha256(text.encode()).hexdigest(),
    )
    assert body["checksum_server"] == hashlib.sha256(text.encode()).hexdigest()
    api.wait(body["job_id"])
    body = api.ok(
        "upload_automl_X",
        project_name="P",
        collection_name="c",
        X=text,
        file_format="csv",
        has_field_names=True,
        checksum=hashlib.sha256(b"a,b\n1,2\n").hexdigest(),
    )
    api.wait(body["job_id"])
    assert info(api)["num_vectors"] == 2


def test_checksum_mismatch_stores_nothing(api: Api, project: str) -> None:
    message = refused(api, b"a,b\n1,2\n", checksum="ab" * 32)
    assert message.startswith("checksum: the SHA-256 sent (abab") and message.endswith("nothing was stored")
    assert api.call("get_collection_info", project_name="P", collection_name="c")[0] == 404


def test_payload_errors_name_the_field(api: Api, project: str) -> None:
    assert refused(api, None) == "X is required: the file's bytes, base64-encoded"
    assert refused(api, None, X="@@@").startswith("X: not valid base64")
    assert refused(api, b"a\n1\n", compression_type="zip") == (
        "compression_type: unsupported value 'zip' (only 'gzip' is supported)"
    )
    assert refused(api, b"a\n1\n", file_format="xlsx") == (
        "file_format: unsupported value 'xlsx' (expected one of csv, json, libsvm, binary)"
    )
    assert refused(api, b"a\n1\n", collection="bad name!").startswith("collection_name 'bad name!'")
    status, body = api.call(
        "upload_automl_X",
        project_name="Nope",
        collection_name="c",
        X=b64(b"a\n1\n"),
        file_format="csv",
        has_field_names=True,
    )
    assert status == 404 and body["error_message"] == "Project 'Nope' does not exist"


def test_gzip_bomb_is_refused_and_the_server_keeps_serving(api: Api, project: str) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(bytes(64 * 1024 * 1024)) + compressor.flush()
    bomb = member * 128  # 8 GB of zeros once inflated, ~8 MB sent
    message = refused(api, bomb, code=413, compression_type="gzip")
    assert message.startswith("X: the decompressed file is larger than the limit of")
    assert message.endswith("decompression stopped")
    upload(api, b"a\n1\n")
    assert info(api)["num_vectors"] == 1


# -- JSON, libsvm, binary ---------------------------------------------------------------


def test_json_with_a_vector_field(api: Api, project: str) -> None:
    data = b'[{"embedding": [1, 2], "label": "a", "n": 1}, {"embedding": [3, 4], "label": "b", "n": 2}]'
    done = upload(api, data, file_format="json", vector_data_field_name="embedding", categorical_features=["label"])
    got = info(api)
    assert (
        got["vector_dim"] == 2 and got["categorical_features"] == ["label"] and set(got["attributes"]) == {"label", "n"}
    )
    assert rows(api, done["string_id_prefix"], [1]) == {
        "success": True,
        "string_ids": [f"{done['string_id_prefix']}-1"],
        "vectors": [[3.0, 4.0]],
        "attributes": [{"label": "b", "n": "2"}],
    }


def test_json_objects_arrays_and_lines(api: Api, project: str) -> None:
    done = upload(api, b'[{"a": 1, "b": 2, "t": "x"}, {"a": 3, "t": "y"}]', file_format="json", collection="o")
    assert info(api, "o")["column_names"] == ["a", "b"] and info(api, "o")["categorical_features"] == ["t"]
    assert rows(api, done["string_id_prefix"], [1], "o")["vectors"] == [[3.0, None]]
    upload(api, b"[[1, 2, 3], [4, 5, 6]]", file_format="json", has_field_names=False, collection="arr")
    assert info(api, "arr")["vector_dim"] == 3 and info(api, "arr")["num_vectors"] == 2
    upload(api, b'{"a": 1}\n{"a": 2}\n{"a": 3}\n', file_format="json", collection="lines")
    assert info(api, "lines")["num_vectors"] == 3
    message = refused(api, b'{"a": 1}\n{"a": \n', file_format="json", collection="broken")
    assert message.startswith("line 2: invalid JSON")


def test_libsvm_into_a_sparse_collection(api: Api, project: str) -> None:
    done = upload(api, b"1 0:1.5 3:2\n0 1:1 # comment\n", file_format="libsvm", vector_type="sparse")
    got = info(api)
    assert got["vector_type"] == "sparse" and got["vector_dim"] == 4 and got["attributes"] == ["label"]
    assert rows(api, done["string_id_prefix"], [0, 1])["attributes"] == [{"label": "1"}, {"label": "0"}]
    assert rows(api, done["string_id_prefix"], [0])["vectors"] == [{"0": 1.5, "3": 2.0}]
    message = refused(api, b"1 0:1\n1 2:x\n", file_format="libsvm", vector_type="sparse", collection="s2")
    assert message == "line 2: bad token '2:x' (expected index:value with a whole, non-negative index and a number)"
    message = refused(api, b"1 9:1\n", file_format="libsvm", vector_type="sparse")
    assert message == "line 1: index 9 is outside the collection's dimension 4 (indices 0 to 3)"
    message = refused(api, b"a,b,c,d,e\n1,2,3,4,5\n", vector_type="sparse")
    assert message == "the file has 5 vector columns but collection 'c' has vector_dim 4; nothing was stored"


def test_binary_float32_and_uint8(api: Api, project: str) -> None:
    values = np.arange(6, dtype="<f4").reshape(2, 3)
    done = upload(
        api, values.tobytes(), file_format="binary", binary_dtype="float32", binary_dim=3, vector_type="dense"
    )
    assert rows(api, done["string_id_prefix"], [1])["vectors"] == [[3.0, 4.0, 5.0]]
    upload(
        api,
        bytes([0, 255, 3, 4]),
        file_format="binary",
        binary_dtype="uint8",
        binary_dim=2,
        vector_type="dense8Bit",
        collection="u8",
    )
    assert info(api, "u8")["vector_type"] == "dense8Bit"
    upload(
        api,
        bytes([0, 255, 3, 4]),
        file_format="binary",
        binary_dtype="uint8",
        binary_dim=2,
        vector_type="dense",
        collection="u8b",
    )  # the docs: the element type is binary_dtype
    assert info(api, "u8b")["vector_type"] == "dense8Bit"
    upload(
        api,
        bytes([1, 2, 3]),
        file_format="binary",
        binary_dtype="uint8",
        binary_dim=3,
        vector_type="dense",
        collection="c",
    )  # into the float32 collection made above: converted
    assert info(api)["num_vectors"] == 3
    message = refused(api, bytes(13), file_format="binary", binary_dtype="float32", binary_dim=3)
    assert message == (
        "X: the binary file has 13 bytes, which is not a whole number of rows of 12 "
        "bytes (binary_dim 3 x 4-byte float32): 1 rows and 1 bytes left over"
    )


# -- appending -------------------------------------------------------------------------


def test_append_checks_the_schema(api: Api, project: str) -> None:
    upload(api, b"a,b\n1,2\n")
    upload(api, b"a,b\n3,4\n5,6\n", endpoint="upload")
    assert info(api)["num_vectors"] == 3
    assert refused(api, b"a,b,c\n1,2,3\n") == (
        "the file has 3 vector columns but collection 'c' has vector_dim 2; nothing was stored"
    )
    assert refused(api, b"a,z\n1,2\n") == (
        "the file's numeric columns differ from collection 'c''s (missing ['b']; not in the collection ['z']); "
        "nothing was stored"
    )
    assert refused(api, b"a,b\n1,2\n", vector_type="sparse") == (
        "vector_type: the collection holds dense vectors; the file was sent as sparse"
    )
    assert info(api)["num_vectors"] == 3


def test_upload_into_an_initialised_collection(api: Api, project: str) -> None:
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    upload(api, b"x,y\n1,2\n", endpoint="upload")
    assert info(api)["column_names"] == ["x", "y"] and info(api)["num_vectors"] == 1


# -- labels ----------------------------------------------------------------------------


def label(api: Api, data: bytes, **fields: Any) -> tuple[dict, dict]:
    body = api.ok("attach_automl_label", project_name="P", collection_name="c", Y=b64(data), **fields)
    return body, api.wait(body["job_id"])


def test_label_docs_spelling(api: Api, project: str) -> None:
    done = upload(api, b"a\n1\n2\n3\n")
    body, status = label(api, b"1\r\n0\r\n1\r\n", label_name="y")
    assert body["num_vectors_parsed"] == 3 and status["status"] == "finished"
    assert [r.get("y") for r in rows(api, done["string_id_prefix"], [0, 1, 2])["attributes"]] == ["1", "0", "1"]
    assert "y" in info(api)["attributes"]


def test_label_live_client_spelling_with_header(api: Api, project: str) -> None:
    done = upload(api, b"a\n1\n2\n")
    body = api.ok(
        "attach_automl_label",
        project_name="P",
        collection_name="c",
        file_data=b64(b"target\nA\nB\n"),
        attribute_name="cls",
        file_format="csv",
        has_field_names=True,
    )
    assert body["num_vectors_parsed"] == 2
    assert api.wait(body["job_id"], "get_automl_training_status")["status"] == "finished"
    assert rows(api, done["string_id_prefix"], [1])["attributes"] == [{"cls": "B"}]


def test_label_name_from_header_or_label_attribute(api: Api, project: str) -> None:
    done = upload(api, b"a\n1\n2\n")
    label(api, b"species\nx\ny\n", has_field_names=True)
    label(api, b"id,grade\n1,g1\n2,g2\n", has_field_names=True, label_attribute="grade")
    assert rows(api, done["string_id_prefix"], [0])["attributes"] == [{"species": "x", "grade": "g1"}]


def test_fewer_labels_label_the_first_vectors_more_fail(api: Api, project: str) -> None:
    done = upload(api, b"a\n1\n2\n3\n")
    label(api, b"1\n", label_name="y")
    assert rows(api, done["string_id_prefix"], [0, 1, 2])["attributes"] == [{"y": "1"}, {}, {}]
    body = api.ok("attach_automl_label", project_name="P", collection_name="c", Y=b64(b"1\n0\n1\n0\n"), label_name="z")
    status = api.wait(body["job_id"])
    assert status["status"] == "failed"
    assert status["error_message"] == (
        "the label file has 4 values but collection 'c' has 3 vectors; no label was attached"
    )
    assert "z" not in info(api)["attributes"]


def test_label_job_runs_after_the_upload_sent_before_it(api: Api, project: str) -> None:
    text = b"a\n" + b"".join(b"%d\n" % i for i in range(5000))
    first = api.ok(
        "upload_automl_X", project_name="P", collection_name="c", X=b64(text), file_format="csv", has_field_names=True
    )
    second = api.ok(
        "attach_automl_label",
        project_name="P",
        collection_name="c",
        Y=b64(b"".join(b"L%d\n" % i for i in range(5000))),
        label_name="y",
    )
    assert api.wait(second["job_id"])["status"] == "finished"
    assert api.wait(first["job_id"])["status"] == "finished"
    got = rows(api, first["string_id_prefix"], [0, 4999])
    assert got["attributes"] == [{"y": "L0"}, {"y": "L4999"}]


def test_label_errors(api: Api, project: str) -> None:
    status, body = api.call(
        "attach_automl_label", project_name="P", collection_name="none", Y=b64(b"1\n"), label_name="y"
    )
    assert status == 404 and body["error_message"] == "Collection 'none' does not exist in project 'P'"
    upload(api, b"a\n1\n")
    status, body = api.call("attach_automl_label", project_name="P", collection_name="c", Y=b64(b"1\n"))
    assert status == 400 and body["error_message"].startswith("label_name is required")
    status, body = api.call("attach_automl_label", project_name="P", collection_name="c", label_name="y")
    assert status == 400 and body["error_message"] == "Y is required: the file's bytes, base64-encoded"
    status, body = api.call(
        "attach_automl_label",
        project_name="P",
        collection_name="c",
        label_name="y",
        Y=b64(b"id,y\n1,a\n2\n"),
        has_field_names=True,
    )
    assert status == 400 and body["error_message"] == "line 3: 1 fields; the label is in column 2"


def test_nan_values_read_back_as_null(api: Api, project: str) -> None:
    done = upload(api, b"a,b\nnan,1\n")
    vector = rows(api, done["string_id_prefix"], [0])["vectors"][0]
    assert vector[0] is None or math.isnan(vector[0])


# -- the raw-body payload cut ------------------------------------------------------------


def test_split_payload_cuts_the_base64_string_out() -> None:
    from vecml_local.api.body import split_payload
    from vecml_local.errors import BadRequest

    big = b64(bytes(range(256)) * 5000)
    body = orjson.dumps({"user_api_key": "k", "X": big, "file_format": "csv"})
    parsed = split_payload(body)
    assert parsed == {"user_api_key": "k", "X": big.encode(), "file_format": "csv"}
    escaped = body.replace(b"/", b"\\/")  # some encoders escape slashes: parsed normally
    assert split_payload(escaped)["X"] == big
    tricky = orjson.dumps({"note": 'a "X": "b', "X": big})  # the key's text (escaped) in another string
    assert split_payload(tricky) == {"note": 'a "X": "b', "X": big.encode()}
    twice = orjson.dumps({"X": big, "file_data": "abcd"})
    assert split_payload(twice) == {"X": big, "file_data": "abcd"}
    assert split_payload(b"") == {}  # no body; a body of whitespace is no JSON (test_fastpath)
    with pytest.raises(BadRequest, match="not valid JSON"):
        split_payload(b" ")


def test_large_upload_with_checksum_through_the_cut(api: Api, project: str) -> None:
    data = b"a,b,t\n" + b"".join(b"%d,%d,w%d\n" % (i, i % 7, i % 3) for i in range(200_000))
    text = b64(data)
    assert len(text) > 1 << 20
    checksum = hashlib.sha256(text.encode()).hexdigest()
    body = api.ok(
        "upload_automl_X",
        project_name="P",
        collection_name="c",
        X=text,
        file_format="csv",
        has_field_names=True,
        checksum=checksum,
    )
    assert body["checksum_server"] == checksum and body["num_vectors"] == 200_000
    assert api.wait(body["job_id"])["status"] == "finished"
    assert rows(api, body["string_id_prefix"], [199_999])["attributes"] == [{"t": "w1"}]
    assert refused(api, data, checksum="0" * 64).startswith("checksum: the SHA-256 sent")


def test_base64_with_line_breaks_and_collection_visible_at_once(api: Api, project: str) -> None:
    text = b64(b"a,b\n" + b"1,2\n" * 100)
    wrapped = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n"
    body = api.ok(
        "upload", project_name="P", collection_name="c", file_data=wrapped, file_format="csv", has_field_names=True
    )
    got = info(api)  # created while the request waited, before the job ran
    assert got["vector_dim"] == 2 and got["column_names"] == ["a", "b"]
    assert api.wait(body["job_id"])["status"] == "finished" and info(api)["num_vectors"] == 100


def test_label_values_are_stripped_text(api: Api, project: str) -> None:
    done = upload(api, b"a\n1\n2\n3\n")
    body, status = label(api, b"  yes \r\n007\r\n 1.50\r\n", label_name="y")
    assert status["status"] == "finished"
    got = rows(api, done["string_id_prefix"], [0, 1, 2])["attributes"]
    assert [r["y"] for r in got] == ["yes", "007", "1.50"]
