"""Vectors given inline as JSON (`add_data`, `add_data_batch`): types, shapes, ranges.

Dense types become a numpy array in their storage dtype; `sparse` becomes a CSR
matrix. Errors name the offending row as `data[i]` (0-based, as in the JSON array).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import BadRequest

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
        raise BadRequest(f"{field} must be one of {', '.join(VECTOR_TYPES)}; got {value!r}")
    return str(value)


def check_vector_dim(value: object, field: str = "vector_dim") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VECTOR_DIM:
        raise BadRequest(f"{field} must be an integer between 1 and {MAX_VECTOR_DIM}; got {value!r}")
    return value


def storage_dtype(vector_type: str) -> np.dtype:
    return np.dtype(np.uint8) if vector_type in QUANTIZED_MAX else np.dtype(np.float32)


def check_quantized(
    array: np.ndarray, vector_type: str, row_offset: int = 0, row_label: str = "data[{}]"
) -> np.ndarray:
    """Check that `array` holds integers within the type's range; return it as uint8.

    `row_label` formats the row number (plus `row_offset`) for the error message.
    """
    top = QUANTIZED_MAX[vector_type]
    values = np.asarray(array, dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values > top) | (values != np.floor(values))
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise BadRequest(
            f"{row_label.format(row + row_offset)}: value {values[row, col]:g} at position "
            f"{col} is not an integer in [0, {top}] as {vector_type} requires"
        )
    return values.astype(np.uint8)


def _first_bad_row(data: list[Any], dim: int) -> str:
    for i, row in enumerate(data):
        if not isinstance(row, list):
            return f"data[{i}] must be an array of numbers; got {type(row).__name__}"
        if len(row) != dim:
            return f"data[{i}] has {len(row)} values; expected {dim} (vector_dim)"
        for j, value in enumerate(row):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                return f"data[{i}][{j}] must be a number; got {value!r}"
    return "data must be an array of arrays of numbers"


def dense_from_json(data: list[Any], vector_type: str, dim: int) -> np.ndarray:
    """Convert rows of numbers to an (n, dim) array; `null` becomes NaN (a missing value)."""
    try:
        array = np.asarray(data, dtype=np.float32)
    except (ValueError, TypeError):
        raise BadRequest(_first_bad_row(data, dim)) from None
    if array.ndim != 2 or array.shape[1] != dim:
        raise BadRequest(_first_bad_row(data, dim))
    if vector_type in QUANTIZED_MAX:
        return check_quantized(array, vector_type)
    if np.isinf(array).any():
        row = int(np.argwhere(np.isinf(array))[0][0])
        raise BadRequest(f"data[{row}] contains an infinite value")
    return array


def _parse_sparse_row(row: Any, i: int, dim: int) -> tuple[list[int], list[float]]:
    if isinstance(row, dict):
        pairs = list(row.items())
    elif isinstance(row, str):
        pairs = []
        for token in row.split():
            index, sep, value = token.partition(":")
            if not sep:
                raise BadRequest(f"data[{i}]: token {token!r} is not index:value")
            pairs.append((index, value))
    else:
        raise BadRequest(f'data[{i}] must be an object {{"index": value}} or a string "i:v i:v" for sparse')
    indices, values = [], []
    for key, value in pairs:
        try:
            index = int(key)
            number = float(value)
        except (TypeError, ValueError):
            raise BadRequest(f"data[{i}]: {key!r}:{value!r} is not an integer index and a number") from None
        if not 0 <= index < dim:
            raise BadRequest(f"data[{i}]: index {index} is outside [0, {dim - 1}] (vector_dim {dim})")
        if not np.isfinite(number):
            raise BadRequest(f"data[{i}]: value at index {index} is not finite")
        indices.append(index)
        values.append(number)
    if len(set(indices)) != len(indices):
        raise BadRequest(f"data[{i}]: an index appears twice")
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
        raise BadRequest("data must be a non-empty array of vectors")
    if vector_type == "sparse":
        return sparse_from_json(data, dim)
    return dense_from_json(data, vector_type, dim)
