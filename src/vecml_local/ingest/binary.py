"""Raw binary files -> :class:`ParsedTable`.

The file is a concatenation of rows, each ``binary_dim`` little-endian values of
``binary_dtype``: ``float32`` (4 bytes), ``uint8`` (1 byte) or ``int8`` (1 byte,
the "int8 vectors" the docs mention for prediction files). The values are then
converted to the collection's ``vector_type`` (float32 for ``dense``, uint8 after
a range check for the quantized types, CSR for ``sparse``).
"""

from __future__ import annotations

import numpy as np

from .errors import FieldError, ParseError
from .table import ParsedTable, canonical_vector_type, finalize_vectors, non_finite_name

__all__ = ["parse_binary", "BINARY_DTYPES"]

BINARY_DTYPES: dict[str, np.dtype] = {
    "float32": np.dtype("<f4"),
    "uint8": np.dtype("u1"),
    "int8": np.dtype("i1"),
}


def parse_binary(
    data: bytes, *, binary_dtype: str | None, binary_dim: int | None, vector_type: str = "dense"
) -> ParsedTable:
    vector_type = canonical_vector_type(vector_type)
    dtype = _dtype(binary_dtype)
    dim = _dim(binary_dim)
    row_bytes = dim * dtype.itemsize
    if not data:
        raise ParseError(None, None, "the binary file is empty")
    rows, remainder = divmod(len(data), row_bytes)
    if remainder:
        raise ParseError(
            None,
            None,
            f"the binary file has {len(data)} bytes, which is not a whole number of rows "
            f"of {row_bytes} bytes (binary_dim {dim} x {dtype.itemsize}-byte {binary_dtype}): "
            f"{rows} rows and {remainder} bytes left over",
        )
    matrix = np.frombuffer(data, dtype=dtype).reshape(rows, dim)
    if vector_type == "dense":
        vectors = matrix.astype(np.float32)  # a writable, native-endian copy
        if dtype.kind == "f" and not np.isfinite(vectors).all():
            row, col = (int(v) for v in np.argwhere(~np.isfinite(vectors))[0])
            raise ParseError(
                f"row {row + 1}",
                None,
                f"component {col} is {non_finite_name(float(vectors[row, col]))}: NaN and Infinity are refused in "
                "vectors (a binary file has no missing value)",
            )
        return ParsedTable(vectors)
    if dtype == np.uint8 and vector_type != "sparse":
        return ParsedTable(finalize_vectors(matrix.copy(), vector_type))
    return ParsedTable(finalize_vectors(matrix.astype(np.float32), vector_type))


def _dtype(value: str | None) -> np.dtype:
    if value is None:
        raise FieldError("binary_dtype", "is required for binary files (float32 or uint8)", sep=" ")
    name = str(value).strip().lower()
    if name not in BINARY_DTYPES:
        raise FieldError("binary_dtype", f"unsupported value {value!r} (expected float32 or uint8)")
    return BINARY_DTYPES[name]


def _dim(value: int | None) -> int:
    if value is None:
        raise FieldError("binary_dim", "is required for binary files", sep=" ")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FieldError("binary_dim", f"must be a positive integer; got {value!r}", sep=" ")
    return value
