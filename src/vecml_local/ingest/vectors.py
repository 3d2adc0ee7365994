"""Vectors given inline as JSON (`add_data`, `add_data_batch`): types, shapes, ranges.

Dense types become a numpy array in their storage dtype; `sparse` becomes a CSR
matrix. Errors name the offending row as `data[i]` (0-based, as in the JSON array).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import FieldError, RowError
from .table import NON_FINITE_RULE, first_non_finite

__all__ = [
    "VECTOR_TYPES",
    "QUANTIZED_MAX",
    "check_vector_type",
    "check_vector_dim",
    "storage_dtype",
    "check_quantized",
    "dense_from_json",
    "sparse_from_json",
    "vectors_from_json",
]

VECTOR_TYPES = ("dense", "dense8Bit", "dense4Bit", "dense2Bit", "dense1Bit", "sparse")
QUANTIZED_MAX = {"dense8Bit": 255, "dense4Bit": 15, "dense2Bit": 3, "dense1Bit": 1}
MAX_VECTOR_DIM = 100_000_000


def check_vector_type(value: object, field: str = "vector_type") -> str:
    if value not in VECTOR_TYPES:
        raise FieldError(field, f"must be one of {', '.join(VECTOR_TYPES)}; got {value!r}")
    return str(value)


def check_vector_dim(value: object, field: str = "vector_dim") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VECTOR_DIM:
        raise FieldError(field, f"must be an integer between 1 and {MAX_VECTOR_DIM}; got {value!r}")
    return value


def storage_dtype(vector_type: str) -> np.dtype:
    return np.dtype(np.uint8) if vector_type in QUANTIZED_MAX else np.dtype(np.float32)


def check_quantized(array: np.ndarray, vector_type: str, row_offset: int = 0) -> np.ndarray:
    """Check that `array` holds integers within the type's range; return it as uint8.

    An error names the row number (plus `row_offset`).
    """
    top = QUANTIZED_MAX[vector_type]
    values = np.asarray(array, dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values > top) | (values != np.floor(values))
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise RowError(
            row + row_offset,
            f"value {values[row, col]:g} at position {col} is not an integer in [0, {top}] as {vector_type} requires",
        )
    return values.astype(np.uint8)


def _first_bad_row(data: list[Any], dim: int) -> RowError:
    for i, row in enumerate(data):
        if not isinstance(row, list):
            return RowError(i, f"must be an array of numbers; got {type(row).__name__}", sep=" ")
        if len(row) != dim:
            return RowError(i, f"has {len(row)} values; expected {dim} (vector_dim)", sep=" ")
        for j, value in enumerate(row):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                return RowError(i, f"[{j}] must be a number; got {value!r}", sep="")
    return RowError(None, "must be an array of arrays of numbers", sep=" ")


def dense_from_json(data: list[Any], vector_type: str, dim: int) -> np.ndarray:
    """Convert rows of numbers to an (n, dim) array; `null` becomes NaN (a missing value)."""
    try:
        with np.errstate(over="ignore"):  # beyond float32 becomes inf: refused below, naming the value
            array = np.asarray(data, dtype=np.float32)
    except (ValueError, TypeError):
        raise _first_bad_row(data, dim) from None
    if array.ndim != 2 or array.shape[1] != dim:
        raise _first_bad_row(data, dim)
    if vector_type in QUANTIZED_MAX:
        return check_quantized(array, vector_type)
    bad = first_non_finite(array, data)
    if bad is not None:
        row, col, problem = bad
        raise RowError(row, f"[{col}] {problem}", sep="")
    return array


def _parse_sparse_row(row: Any, i: int, dim: int) -> tuple[list[int], list[float]]:
    if isinstance(row, dict):
        pairs = list(row.items())
    elif isinstance(row, str):
        pairs = []
        for token in row.split():
            key, sep, value = token.partition(":")
            if not sep:
                raise RowError(i, f"token {token!r} is not index:value")
            pairs.append((key, value))
    else:
        raise RowError(i, 'must be an object {"index": value} or a string "i:v i:v" for sparse', sep=" ")
    indices, values = [], []
    for key, value in pairs:
        try:
            index = int(key)
            number = float(value)
        except (TypeError, ValueError):
            raise RowError(i, f"{key!r}:{value!r} is not an integer index and a number") from None
        if not 0 <= index < dim:
            raise RowError(i, f"index {index} is outside [0, {dim - 1}] (vector_dim {dim})")
        if not np.isfinite(number) or not np.isfinite(np.float32(number)):
            raise RowError(i, f"value {value!r} at index {index} is not a finite float32 number: {NON_FINITE_RULE}")
        indices.append(index)
        values.append(number)
    if len(set(indices)) != len(indices):
        raise RowError(i, "an index appears twice")
    return indices, values


def sparse_from_json(data: list[Any], dim: int) -> sp.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for i, row in enumerate(data):
        row_indices, row_values = _parse_sparse_row(row, i, dim)
        indices.extend(row_indices)
        values.extend(row_values)
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(data), dim),
    )
    matrix.sort_indices()
    return matrix


def vectors_from_json(data: Any, vector_type: str, dim: int) -> np.ndarray | sp.csr_matrix:
    if not isinstance(data, list) or not data:
        raise RowError(None, "must be a non-empty array of vectors", sep=" ")
    if vector_type == "sparse":
        return sparse_from_json(data, dim)
    return dense_from_json(data, vector_type, dim)
