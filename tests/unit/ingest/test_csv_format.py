"""parse_csv: quoting, line ends, BOM, headers, categoricals, missing values, ragged rows, types."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vecml_local.ingest.csv_format import line_of_row, parse_csv
from vecml_local.ingest.errors import IngestError
from vecml_local.ingest.table import NON_FINITE_RULE


def test_header_bom_crlf_quotes_and_spaces() -> None:
    data = b'\xef\xbb\xbf"sepal length", petal width ,species\r\n5.1,0.2,"setosa, wild"\r\n"6.0",1.5,"say ""hi"""\r\n'
    table = parse_csv(data, categorical_features=["species"])
    assert table.column_names == ["sepal length", "petal width"]
    assert table.vectors.dtype == np.float32
    np.testing.assert_allclose(table.vectors, [[5.1, 0.2], [6.0, 1.5]], rtol=1e-6)
    assert table.attributes == {"species": ["setosa, wild", 'say "hi"']}
    assert table.categorical == ["species"] and table.warnings == []


def test_lf_and_blank_lines_and_no_trailing_newline() -> None:
    table = parse_csv(b"a,b\n1,2\n\n3,4")
    np.testing.assert_array_equal(table.vectors, [[1, 2], [3, 4]])


def test_declared_categorical_numeric_column_keeps_its_text() -> None:
    table = parse_csv(b"x,zip\n1,02134\n2,10001\n", categorical_features=["zip"])
    assert table.attributes == {"zip": ["02134", "10001"]} and table.column_names == ["x"]


def test_unknown_categorical_is_a_warning() -> None:
    table = parse_csv(b"a,b\n1,2\n", categorical_features=["b", "nope"])
    assert table.categorical == ["b"]
    assert table.warnings == ["categorical_features: 'nope' is not a column of the file; ignored"]


def test_text_column_becomes_categorical_automatically() -> None:
    table = parse_csv(b"a,city\n1,Paris\n2,\n")
    assert table.categorical == ["city"]
    assert table.attributes == {"city": ["Paris", None]}
    assert table.warnings == ["column 'city' is not numeric: kept as a categorical attribute, not a vector component"]


def test_text_found_after_the_type_sample_is_retried() -> None:
    rows = b"".join(b"%d,%d\n" % (i, i) for i in range(300_000))
    table = parse_csv(b"a,b\n" + rows + b"7,late text\n")
    assert table.column_names == ["a"] and table.categorical == ["b"]
    assert table.attributes["b"][-1] == "late text" and table.attributes["b"][0] == "0"


def test_empty_cells_are_missing() -> None:
    table = parse_csv(b"a,b,c\n1,,x\n,2,\n")
    assert math.isnan(table.vectors[0, 1]) and math.isnan(table.vectors[1, 0])
    assert table.attributes == {"c": ["x", None]}


def test_no_header_names_columns_by_position() -> None:
    table = parse_csv(b"1,2,a\n3,4,b\n", has_field_names=False, categorical_features=["column 3"])
    assert table.column_names == ["column 1", "column 2"]
    assert table.attributes == {"column 3": ["a", "b"]} and table.categorical == ["column 3"]
    all_numeric = parse_csv(b"1,2\n3,4\n", has_field_names=False)
    assert all_numeric.column_names is None and all_numeric.vectors.shape == (2, 2)


def test_vector_attributes_are_plain_attributes() -> None:
    table = parse_csv(b"id,a,b\n7,1,2\n8,3,4\n", vector_attributes=["id", "zz"])
    assert table.column_names == ["a", "b"]
    assert table.attributes == {"id": ["7", "8"]} and table.categorical == []
    assert table.warnings == ["vector_attributes: 'zz' is not a column of the file; ignored"]


def test_longer_row_fails_naming_the_line() -> None:
    with pytest.raises(IngestError) as error:
        parse_csv(b"a,b\n1,2\n3,4\n5,6,7\n")
    assert error.value.message == "line 4: 3 fields, but the header has 2 columns"


def test_longer_row_line_counts_quoted_newlines_and_blank_lines() -> None:
    with pytest.raises(IngestError) as error:
        parse_csv(b'a,b\r\n1,"two\r\nlines"\r\n\r\n5,6,7\r\n')
    assert error.value.message == "line 5: 3 fields, but the header has 2 columns"
    with pytest.raises(IngestError) as error:
        parse_csv(b"1,2\n3,4,5\n", has_field_names=False)
    assert error.value.message == "line 2: 3 fields, but the first line has 2 columns"


def test_shorter_rows_are_padded() -> None:
    table = parse_csv(b"a,b,c\n1,2,3\n4\n4\n5,6\n", categorical_features=["c"])
    np.testing.assert_array_equal(table.vectors[0], [1, 2])
    assert table.vectors[1, 0] == 4 and math.isnan(table.vectors[1, 1])
    assert table.vectors[3, 1] == 6
    assert table.attributes == {"c": ["3", None, None, None]}


def test_quantized_types_are_range_checked_naming_the_line() -> None:
    table = parse_csv(b"a,b\n0,15\n3,7\n", vector_type="dense4Bit")
    assert table.vectors.dtype == np.uint8
    with pytest.raises(IngestError) as error:
        parse_csv(b"a,b\n0,15\n3,16\n", vector_type="dense4Bit")
    assert error.value.message == (
        "line 3, column 'b': value 16 is not allowed for vector_type dense4Bit (whole numbers from 0 to 15)"
    )
    with pytest.raises(IngestError, match=r"^line 2, column 'a': a missing value is not allowed"):
        parse_csv(b"a,b\n,1\n", vector_type="dense1Bit")
    with pytest.raises(IngestError, match=r"^line 2, column 'b': value 0.5 is not allowed"):
        parse_csv(b"a,b\n1,0.5\n", vector_type="dense8Bit")


def test_sparse_from_csv() -> None:
    table = parse_csv(b"a,b\n0,1.5\n2,0\n", vector_type="sparse")
    assert table.vectors.nnz == 2 and table.vectors.dtype == np.float32


def test_infinite_values_refused() -> None:
    with pytest.raises(IngestError) as error:
        parse_csv(b"a,b\n1,2\n3,inf\n")
    assert error.value.message == "line 3, column 'b': the value is Infinity: " + NON_FINITE_RULE


def test_duplicate_header_and_empty_file() -> None:
    with pytest.raises(IngestError) as error:
        parse_csv(b"a,a\n1,2\n")
    assert error.value.message == "line 1: the column name 'a' appears more than once in the header"
    with pytest.raises(IngestError, match="^file_data: the CSV file is empty$"):
        parse_csv(b"\xef\xbb\xbf\r\n")


def test_line_of_row() -> None:
    data = b'a,b\n1,"x\ny"\n\n2,3\n'
    assert line_of_row(data, 0, True) == 2
    assert line_of_row(data, 1, True) == 5


def test_no_numeric_column() -> None:
    with pytest.raises(IngestError) as error:
        parse_csv(b"a,b\nx,y\n", has_field_names=False)
    assert error.value.message == (
        "file_data: the CSV file has no numeric column to form the vectors; "
        "if the first line holds column names, send has_field_names: true"
    )


def test_semicolon_or_tab_separated() -> None:
    table = parse_csv(b"a;b;c\n1;2;x\n3\n")
    assert table.column_names == ["a", "b"] and table.attributes == {"c": ["x", None]}
    assert table.warnings[0] == "the first line has no comma: columns are separated by ';'"
    assert parse_csv(b"a\tb\n1\t2\n").column_names == ["a", "b"]
    assert parse_csv(b"a\n1\n").column_names == ["a"] and parse_csv(b"a\n1\n").warnings == []


def test_na_markers_are_missing_in_numeric_columns_but_text_elsewhere() -> None:
    table = parse_csv(b"a,b,region\n1,NA,NA\nN/A,2,EU\nnull,3,\n")
    assert math.isnan(table.vectors[0, 1]) and math.isnan(table.vectors[1, 0]) and math.isnan(table.vectors[2, 0])
    assert table.column_names == ["a", "b"]
    assert table.attributes == {"region": ["NA", "EU", None]}


def test_trailing_comma_column_is_dropped() -> None:
    table = parse_csv(b"a,b,\n1,2,\n3,4,\n")
    assert table.column_names == ["a", "b"] and table.vectors.shape == (2, 2)
    assert table.warnings == ["column 3 has no name in the header and no value: ignored"]


def test_header_with_a_line_break_and_leading_blank_lines() -> None:
    table = parse_csv(b'\r\n\r\n"a\r\nx",b\r\n1,2\r\n3,4\r\n')
    assert table.column_names == ["a\r\nx", "b"] and table.vectors.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(IngestError) as error:
        parse_csv(b'\n"a\nx",b\n1,2\n3,4,5\n')
    assert error.value.message == "line 5: 3 fields, but the header has 2 columns"
    with pytest.raises(IngestError) as error:
        parse_csv(b'\n"a\nx",b\n1,2\n3,inf\n')
    assert error.value.message == "line 5, column 'b': the value is Infinity: " + NON_FINITE_RULE
