"""parse_labels: one value per line, header, multi-column CSV, blank lines."""

from __future__ import annotations

import pytest

from vecml_local.ingest.errors import IngestError
from vecml_local.ingest.labels import parse_labels


def test_plain_lines_with_cr_and_spaces() -> None:
    parsed = parse_labels(b"1\r\n 0 \r\ncat\r\n\r\n\n")
    assert parsed.values == ["1", "0", "cat"] and parsed.name_from_header is None and parsed.count == 3


def test_header_is_skipped_and_names_the_label() -> None:
    parsed = parse_labels(b"\xef\xbb\xbfspecies\nsetosa\nvirginica\n", has_field_names=True)
    assert parsed.name_from_header == "species" and parsed.values == ["setosa", "virginica"]


def test_blank_line_in_the_middle_is_a_missing_label() -> None:
    assert parse_labels(b"1\n\n0\n").values == ["1", None, "0"]


def test_multi_column_csv_picks_the_named_column_else_the_first() -> None:
    data = b'id,target\n1,a\n2,"b, c"\n'
    assert parse_labels(data, has_field_names=True, label_name="target").values == ["a", "b, c"]
    first = parse_labels(data, has_field_names=True, label_name="other")
    assert first.values == ["1", "2"] and first.name_from_header == "id"


def test_short_row_in_multi_column_csv() -> None:
    with pytest.raises(IngestError) as error:
        parse_labels(b"id,target\n1,a\n2\n", has_field_names=True, label_name="target")
    assert error.value.message == "line 3: 1 fields; the label is in column 2"


def test_empty_and_not_utf8() -> None:
    with pytest.raises(IngestError, match="^file_data: the label file is empty$"):
        parse_labels(b"\n\n")
    with pytest.raises(IngestError, match="^line 2: the label file is not valid UTF-8 text$"):
        parse_labels(b"a\n\xff\n")
