"""The result every file parser returns, and the vector-type conversions they share.

A parser turns file bytes into a :class:`ParsedTable`: the vectors (one row per
record), the names of the vector components, attribute columns (strings, one
value per row, ``None`` = missing) and the attribute names to remember as the
collection's declared categoricals.

Vector dtypes per ``vector_type`` (DESIGN §3): ``dense`` -> float32 with NaN for a
missing value; ``dense8Bit/4Bit/2Bit/1Bit`` -> uint8 after a range check (whole
numbers in ``[0, max]``, no missing value); ``sparse`` -> CSR float32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, SupportsFloat

import numpy as np
import scipy.sparse as sp

from .errors import FieldError, ParseError

__all__ = [
    "ParsedTable",
    "QUANTIZED_MAX",
    "VECTOR_TYPE_NAMES",
    "canonical_vector_type",
    "finalize_vectors",
    "unnamed_column",
    "first_non_finite",
    "non_finite_problem",
    "non_finite_name",
    "NON_FINITE_RULE",
]

#: Largest value of each quantized vector type (smallest is 0).
QUANTIZED_MAX: dict[str, int] = {"dense8Bit": 255, "dense4Bit": 15, "dense2Bit": 3, "dense1Bit": 1}
VECTOR_TYPE_NAMES: tuple[str, ...] = ("dense", *QUANTIZED_MAX, "sparse")
_BY_LOWER = {name.lower(): name for name in VECTOR_TYPE_NAMES}


@dataclass
class ParsedTable:
    """Vectors plus attribute columns parsed from one file."""

    vectors: np.ndarray | sp.csr_matrix
    column_names: list[str] | None = None
    attributes: dict[str, list[str | None]] = field(default_factory=dict)
    categorical: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def first_non_finite(matrix: np.ndarray, rows: list[Any]) -> tuple[int, int, str] | None:
    """The first component of `matrix` (row-major) that is NaN or infinite although its source
    value in `rows` (the client's lists) is not `None` (JSON null = a missing value, kept as NaN):
    (row, column, what is wrong), or None. Cheap when every value is finite."""
    bad = ~np.isfinite(matrix)
    if not bad.any():
        return None
    for row in np.flatnonzero(bad.any(axis=1)):
        for col in np.flatnonzero(bad[row]):
            value = rows[row][col]
            if value is not None:
                return int(row), int(col), non_finite_problem(value)
    return None


def non_finite_problem(value: Any) -> str:
    """Why a vector component that became NaN or infinite is refused (one rule, every format)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if np.isfinite(value):
            return f"is {value!r}, too large for float32"
        return f"is {non_finite_name(value)}: {NON_FINITE_RULE}"
    return f"is {value!r}, not a finite number: {NON_FINITE_RULE}"


def non_finite_name(value: float) -> str:
    return "NaN" if np.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


#: The rule for NaN and Infinity in vectors (docs/reliability.md), said in every such 400.
NON_FINITE_RULE = "NaN and Infinity are refused in vectors; send null (an empty CSV cell) for a missing value"


def unnamed_column(position: int) -> str:
    """The DESIGN §5 name of the 1-based column ``position`` of a header-less file."""
    return f"column {position}"


def canonical_vector_type(value: str | None, *, field_name: str = "vector_type") -> str:
    """The documented spelling of ``value`` (case-insensitive); ``None`` means ``dense``."""
    if value is None or value == "":
        return "dense"
    name = _BY_LOWER.get(str(value).strip().lower())
    if name is None:
        allowed = ", ".join(VECTOR_TYPE_NAMES)
        raise FieldError(field_name, f"unknown vector type {value!r} (expected one of {allowed})")
    return name


RowLabel = Callable[[int], str]


def _default_row_label(row: int) -> str:
    return f"row {row + 1}"


def finalize_vectors(
    matrix: np.ndarray,
    vector_type: str,
    *,
    column_names: list[str] | None = None,
    row_label: RowLabel = _default_row_label,
) -> np.ndarray | sp.csr_matrix:
    """Convert a float (n, d) matrix to the storage dtype of ``vector_type``.

    ``row_label(i)`` describes the 0-based row ``i`` for error messages
    (e.g. ``"line 7"``); ``column_names`` names the components.
    """
    vector_type = canonical_vector_type(vector_type)
    if vector_type == "dense":
        return matrix if matrix.dtype == np.float32 else matrix.astype(np.float32)
    if vector_type == "sparse":
        dense = np.nan_to_num(matrix.astype(np.float32, copy=False), nan=0.0)
        return sp.csr_matrix(dense)
    return _quantize(matrix, vector_type, column_names, row_label)


def _quantize(matrix: np.ndarray, vector_type: str, column_names: list[str] | None, row_label: RowLabel) -> np.ndarray:
    top = QUANTIZED_MAX[vector_type]
    if matrix.dtype == np.uint8:
        bad = matrix > top
    else:
        with np.errstate(invalid="ignore"):
            bad = ~((matrix >= 0) & (matrix <= top) & (np.floor(matrix) == matrix))
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        value = matrix[row, col]
        column = column_names[col] if column_names else unnamed_column(col + 1)
        if isinstance(value, float | np.floating) and np.isnan(value):
            what = "a missing value"
        else:
            what = f"value {_fmt(value)}"
        raise ParseError(
            row_label(row),
            column,
            f"{what} is not allowed for vector_type {vector_type} (whole numbers from 0 to {top})",
        )
    return matrix.astype(np.uint8, copy=False)


def _fmt(value: SupportsFloat) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
