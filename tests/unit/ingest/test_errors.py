"""The parsers' exceptions: plain ValueErrors that say where, and the service names the field."""

from __future__ import annotations

import pytest

from vecml_local.errors import BadRequest
from vecml_local.ingest import parse_labels
from vecml_local.ingest.errors import FieldError, ParseError, RowError
from vecml_local.services.input_errors import client_input


def test_parse_error_places_and_field() -> None:
    whole = ParseError(None, None, "the CSV file is empty")
    assert isinstance(whole, ValueError)
    assert whole.for_field("X") == "X: the CSV file is empty"
    assert str(whole) == "file_data: the CSV file is empty"
    assert ParseError(3, "b", "infinite values are not allowed").for_field("X") == (
        "line 3, column 'b': infinite values are not allowed"
    )
    assert ParseError("row 2", None, "bad").for_field("X") == "row 2: bad"
    assert FieldError("binary_dim", "is required", sep=" ").for_field("X") == "binary_dim is required"
    assert RowError(4, "contains an infinite value", sep=" ").for_field("data") == "data[4] contains an infinite value"


def test_client_input_names_the_field_the_file_came_in() -> None:
    with pytest.raises(BadRequest, match="^label_file: the label file is empty$"), client_input("label_file"):
        parse_labels(b"\n", has_field_names=False, label_name="y")


def test_other_exceptions_are_not_blamed_on_the_client() -> None:
    with pytest.raises(KeyError), client_input("file_data"):
        raise KeyError("our bug")
