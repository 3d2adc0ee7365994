"""parse_file: dispatch on file_format, options, files without rows."""

from __future__ import annotations

import numpy as np
import pytest

from vecml_local.ingest import FileOptions, parse_file
from vecml_local.ingest.errors import IngestError


def test_dispatch() -> None:
    assert parse_file(b"a\n1\n", FileOptions(file_format="csv")).column_names == ["a"]
    assert parse_file(b"[[1]]", FileOptions(file_format="json", has_field_names=False)).vectors.shape == (1, 1)
    assert parse_file(b"1 0:1\n", FileOptions(file_format="libsvm", vector_type="sparse")).vectors.nnz == 1
    binary = FileOptions(file_format="binary", binary_dtype="uint8", binary_dim=2)
    assert parse_file(bytes(4), binary).vectors.shape == (2, 2)


def test_libsvm_into_a_dense_collection() -> None:
    table = parse_file(b"1 0:1 2:3\n", FileOptions(file_format="libsvm", vector_type="dense"))
    assert isinstance(table.vectors, np.ndarray) and table.vectors.tolist() == [[1, 0, 3]]


def test_unknown_format_and_no_rows() -> None:
    with pytest.raises(IngestError) as error:
        parse_file(b"x", FileOptions(file_format="xlsx"))
    assert error.value.message == "file_format: unsupported value 'xlsx' (expected one of csv, json, libsvm, binary)"
    with pytest.raises(IngestError, match="^file_data: the csv file holds no data rows$"):
        parse_file(b"a,b\n", FileOptions(file_format="csv"))
