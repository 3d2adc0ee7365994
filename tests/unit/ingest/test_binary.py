"""parse_binary: float32/uint8 rows, whole-row check, vector types."""

from __future__ import annotations

import numpy as np
import pytest

from vecml_local.ingest.binary import parse_binary
from vecml_local.ingest.errors import IngestError


def test_float32_little_endian_rows() -> None:
    values = np.arange(12, dtype="<f4").reshape(4, 3)
    table = parse_binary(values.tobytes(), binary_dtype="float32", binary_dim=3)
    np.testing.assert_array_equal(table.vectors, values)
    assert table.vectors.dtype == np.float32 and table.vectors.flags.writeable


def test_uint8_into_dense_and_quantized() -> None:
    data = bytes([0, 255, 7, 1])
    np.testing.assert_array_equal(parse_binary(data, binary_dtype="uint8", binary_dim=2).vectors, [[0, 255], [7, 1]])
    table = parse_binary(data, binary_dtype="uint8", binary_dim=2, vector_type="dense8Bit")
    assert table.vectors.dtype == np.uint8
    with pytest.raises(IngestError) as error:
        parse_binary(data, binary_dtype="uint8", binary_dim=2, vector_type="dense4Bit")
    assert error.value.message == (
        "row 1, column 'column 2': value 255 is not allowed for vector_type dense4Bit (whole numbers from 0 to 15)"
    )


def test_partial_row_is_refused_clearly() -> None:
    with pytest.raises(IngestError) as error:
        parse_binary(bytes(4 * 3 * 2 + 5), binary_dtype="float32", binary_dim=3)
    assert error.value.message == (
        "file_data: the binary file has 29 bytes, which is not a whole number of rows of 12 bytes "
        "(binary_dim 3 x 4-byte float32): 2 rows and 5 bytes left over"
    )


@pytest.mark.parametrize(
    ("dtype", "dim", "message"),
    [
        (None, 3, "binary_dtype is required for binary files (float32 or uint8)"),
        ("float64", 3, "binary_dtype: unsupported value 'float64' (expected float32 or uint8)"),
        ("uint8", None, "binary_dim is required for binary files"),
        ("uint8", 0, "binary_dim must be a positive integer; got 0"),
    ],
)
def test_options_are_checked(dtype, dim, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IngestError) as error:
        parse_binary(bytes(12), binary_dtype=dtype, binary_dim=dim)
    assert error.value.message == message


@pytest.mark.parametrize(("value", "name"), [(np.inf, "Infinity"), (-np.inf, "-Infinity"), (np.nan, "NaN")])
def test_non_finite_float_refused(value: float, name: str) -> None:
    with pytest.raises(IngestError) as error:
        parse_binary(np.array([1, 2, 0, value], dtype="<f4").tobytes(), binary_dtype="float32", binary_dim=2)
    assert error.value.message == (
        f"row 2: component 1 is {name}: NaN and Infinity are refused in vectors (a binary file has no missing value)"
    )
