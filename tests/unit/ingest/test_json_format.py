"""parse_json: vector field, objects as a table, arrays, JSON Lines, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vecml_local.ingest.errors import IngestError
from vecml_local.ingest.json_format import attribute_text, parse_json


def test_objects_with_a_vector_field() -> None:
    data = b'[{"vec": [1, 2.5], "label": "a", "n": 3, "ok": true}, {"vec": [3, 4], "label": "b", "n": 1.5}]'
    table = parse_json(data, vector_data_field_name="vec", categorical_features=["label", "nope"])
    np.testing.assert_array_equal(table.vectors, [[1, 2.5], [3, 4]])
    assert table.column_names is None
    assert table.attributes == {"label": ["a", "b"], "n": ["3", "1.5"], "ok": ["true", None]}
    assert table.categorical == ["label"]
    assert table.warnings == ["categorical_features: 'nope' is not a field of the file; ignored"]


def test_vector_field_missing_or_ragged() -> None:
    with pytest.raises(IngestError) as error:
        parse_json(b'[{"vec": [1]}, {"x": 1}]', vector_data_field_name="vec")
    assert error.value.message == "row 2: the field 'vec' (vector_data_field_name) is missing"
    with pytest.raises(IngestError) as error:
        parse_json(b'[{"vec": [1, 2]}, {"vec": [1]}]', vector_data_field_name="vec")
    assert error.value.message == "row 2: 'vec' has 1 values, but the first row has 2"
    with pytest.raises(IngestError) as error:
        parse_json(b'[{"vec": [1, "x"]}]', vector_data_field_name="vec")
    assert error.value.message == "row 1: vec[1] must be a number; got 'x'"


def test_objects_without_vector_field_are_a_table() -> None:
    table = parse_json(b'[{"a": 1, "b": 2, "city": "Oslo"}, {"a": 3, "city": null}]')
    assert table.column_names == ["a", "b"]
    assert table.vectors[1, 0] == 3 and math.isnan(table.vectors[1, 1])
    assert table.attributes == {"city": ["Oslo", None]} and table.categorical == ["city"]
    assert table.warnings == ["field 'city' is not numeric: kept as a categorical attribute, not a vector component"]


def test_declared_categorical_and_vector_attributes() -> None:
    table = parse_json(b'[{"a": 1, "grade": 3, "id": 9}]', categorical_features=["grade"], vector_attributes=["id"])
    assert table.column_names == ["a"] and table.categorical == ["grade"]
    assert table.attributes == {"grade": ["3"], "id": ["9"]} and table.warnings == []


def test_array_of_arrays_with_and_without_header() -> None:
    table = parse_json(b"[[1, 2], [3, 4]]", has_field_names=False)
    assert table.column_names is None and table.vectors.shape == (2, 2)
    named = parse_json(b'[["x", "y"], [1, 2]]', has_field_names=True)
    assert named.column_names == ["x", "y"]
    with pytest.raises(IngestError) as error:
        parse_json(b"[[1, 2], [3]]", has_field_names=False)
    assert error.value.message == "row 2: 1 values, but the first row has 2"


def test_json_lines() -> None:
    table = parse_json(b'{"a": 1, "t": "x"}\n\n{"a": 2, "t": "y"}\n')
    assert table.column_names == ["a"] and table.attributes == {"t": ["x", "y"]}
    arrays = parse_json(b"[1, 2]\n[3, 4]\n", has_field_names=False)
    np.testing.assert_array_equal(arrays.vectors, [[1, 2], [3, 4]])


def test_json_lines_error_names_the_line() -> None:
    with pytest.raises(IngestError) as error:
        parse_json(b'{"a": 1}\n{"a": 2}\n{"a": \n')
    assert error.value.message.startswith("line 3: invalid JSON")
    with pytest.raises(IngestError) as error:
        parse_json(b"[1, 2]\n[3]\n", has_field_names=False)
    assert error.value.message == "line 2: 1 values, but the first row has 2"


def test_syntax_error_in_an_array_names_the_line() -> None:
    with pytest.raises(IngestError) as error:
        parse_json(b'[\n{"a": 1},\n{"a": 2,,}\n]')
    assert error.value.message.startswith("line 3: invalid JSON")


def test_sparse_vectors() -> None:
    table = parse_json(b'[{"v": {"0": 1, "5": 2}}, {"v": "2:3.5"}]', vector_data_field_name="v", vector_type="sparse")
    assert table.vectors.shape == (2, 6) and table.vectors[1, 2] == 3.5
    with pytest.raises(IngestError, match="index 5 is outside the collection's dimension 3"):
        parse_json(b'[{"v": {"5": 2}}]', vector_data_field_name="v", vector_type="sparse", expected_dim=3)


def test_quantized_range() -> None:
    with pytest.raises(IngestError) as error:
        parse_json(b"[[1, 2], [3, 300]]", has_field_names=False, vector_type="dense8Bit")
    assert error.value.message == (
        "row 2, column 'column 2': value 300 is not allowed for vector_type dense8Bit (whole numbers from 0 to 255)"
    )


def test_empty_and_wrong_shapes() -> None:
    with pytest.raises(IngestError, match="^file_data: the JSON file holds no records$"):
        parse_json(b"[]")
    with pytest.raises(IngestError, match="^file_data: a JSON file must hold an array of records; got a number$"):
        parse_json(b"42")


def test_attribute_text() -> None:
    assert [attribute_text(v) for v in (None, "a", True, 3, 2.0, 0.5, [1])] == [
        None,
        "a",
        "true",
        "3",
        "2",
        "0.5",
        "[1]",
    ]


def test_numeric_first_row_is_data_even_when_names_are_announced() -> None:
    table = parse_json(b"[[1, 2], [3, 4]]", has_field_names=True)
    assert table.vectors.shape == (2, 2) and table.column_names is None


def test_no_numeric_field() -> None:
    with pytest.raises(IngestError, match="^file_data: the JSON file has no numeric field to form the vectors$"):
        parse_json(b'[{"a": "x"}]')
