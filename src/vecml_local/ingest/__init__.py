"""Pure parsers: request payloads and files in, arrays and attribute columns out.

Nothing here imports storage, services, api or FastAPI; errors are the
`ValueError` subclasses of :mod:`.errors`; the service names the request field.

Entry points:

- :func:`decode_payload` — base64 (+ gzip, + checksum) text of a request field -> bytes.
- :func:`parse_file` — file bytes + :class:`FileOptions` -> :class:`ParsedTable`.
- :func:`parse_labels` — a label file for ``/attach_automl_label``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import scipy.sparse as sp

from ..limits import column_problem
from .binary import parse_binary
from .csv_format import parse_csv
from .errors import FieldError, ParseError
from .json_format import parse_json
from .labels import ParsedLabels, parse_labels
from .libsvm import parse_libsvm
from .payload import DecodedPayload, decode_payload
from .table import ParsedTable, canonical_vector_type, finalize_vectors

__all__ = [
    "FILE_FORMATS",
    "FileOptions",
    "canonical_file_format",
    "ParsedTable",
    "ParsedLabels",
    "DecodedPayload",
    "decode_payload",
    "parse_file",
    "parse_labels",
    "parse_csv",
    "parse_json",
    "parse_libsvm",
    "parse_binary",
    "canonical_vector_type",
]

FILE_FORMATS = ("csv", "json", "libsvm", "binary")


@dataclass
class FileOptions:
    """How to read one file (the upload request's fields)."""

    file_format: str = "csv"
    has_field_names: bool = True
    vector_type: str = "dense"
    vector_data_field_name: str | None = None
    categorical_features: Sequence[str] = field(default_factory=list)
    vector_attributes: Sequence[str] = field(default_factory=list)
    binary_dtype: str | None = None
    binary_dim: int | None = None
    expected_dim: int | None = None


def canonical_file_format(value: str | None) -> str:
    name = str(value or "").strip().lower()
    if name in ("svm", "svmlight", "libsvm"):
        return "libsvm"
    if name in ("jsonl", "ndjson", "json"):
        return "json"
    if name in ("bin", "binary"):
        return "binary"
    if name == "csv":
        return "csv"
    raise FieldError("file_format", f"unsupported value {value!r} (expected one of {', '.join(FILE_FORMATS)})")


def parse_file(data: bytes, options: FileOptions) -> ParsedTable:
    """Parse ``data`` according to ``options``; a file with no rows is refused."""
    file_format = canonical_file_format(options.file_format)
    vector_type = canonical_vector_type(options.vector_type)
    if file_format == "csv":
        table = parse_csv(
            data,
            has_field_names=options.has_field_names,
            vector_type=vector_type,
            categorical_features=options.categorical_features,
            vector_attributes=options.vector_attributes,
        )
    elif file_format == "json":
        table = parse_json(
            data,
            has_field_names=options.has_field_names,
            vector_type=vector_type,
            vector_data_field_name=options.vector_data_field_name,
            categorical_features=options.categorical_features,
            vector_attributes=options.vector_attributes,
            expected_dim=options.expected_dim,
        )
    elif file_format == "libsvm":
        table = parse_libsvm(data, expected_dim=options.expected_dim)
        if vector_type != "sparse":
            table.vectors = _densify(table, vector_type)
    else:
        table = parse_binary(
            data, binary_dtype=options.binary_dtype, binary_dim=options.binary_dim, vector_type=vector_type
        )
    if table.num_rows == 0:
        raise ParseError(None, None, f"the {file_format} file holds no data rows")
    too_long = column_problem(table.attributes, table.column_names or ())
    if too_long is not None:
        row, column, problem = too_long
        raise ParseError(None if row is None else f"row {row + 1}", column, problem)
    return table


_MAX_DENSIFIED = 200_000_000


def _densify(table: ParsedTable, vector_type: str) -> np.ndarray | sp.csr_matrix:
    """A libsvm file uploaded into a dense collection."""
    rows, dim = table.vectors.shape
    if rows * dim > _MAX_DENSIFIED:
        raise FieldError(
            "vector_type",
            f"a libsvm file of {rows} rows x {dim} dimensions is too large for a "
            f"{vector_type} collection; use vector_type sparse",
        )
    sparse = cast(sp.csr_matrix, table.vectors)  # parse_libsvm always answers CSR
    return finalize_vectors(sparse.toarray(), vector_type)
