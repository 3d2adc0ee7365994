"""JSON files -> :class:`ParsedTable` (parsed with orjson).

Layouts accepted:

1. An array of objects whose ``vector_data_field_name`` field holds the vector
   (an array of numbers; for ``sparse`` also ``{"index": value}`` or
   ``"i:v i:v"``). Every other field becomes a string attribute.
2. An array of objects without that field: like a CSV with a header, the fields
   whose values are all numbers (or null) are the vector components, in order of
   first appearance; a missing field or null is NaN. Other fields are string
   attributes; those not declared categorical nor listed in ``vector_attributes``
   become categoricals automatically (with a warning).
3. An array of arrays (``has_field_names: false``): each inner array is a
   vector, components named ``column 1`` ... ``column N``. With
   ``has_field_names: true`` the first inner array is the header.
4. JSON Lines: one object or array per line, same rules as above.

Errors name ``line N`` for JSON Lines and for syntax errors, ``row N``
(1-based element of the top-level array) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import orjson
import scipy.sparse as sp

from .errors import IngestError, ParseError
from .table import ParsedTable, canonical_vector_type, finalize_vectors, first_non_finite, unnamed_column

__all__ = ["parse_json", "attribute_text"]

RowLabel = Callable[[int], str]  # names a record in an error: "line N" (JSON Lines) or "row N"


def parse_json(
    data: bytes,
    *,
    has_field_names: bool = True,
    vector_type: str = "dense",
    vector_data_field_name: str | None = None,
    categorical_features: Iterable[str] | None = None,
    vector_attributes: Iterable[str] | None = None,
    expected_dim: int | None = None,
) -> ParsedTable:
    vector_type = canonical_vector_type(vector_type)
    records, lines = _load(data)
    if not records:
        raise ParseError(None, None, "the JSON file holds no records")
    label: RowLabel = (lambda i: f"line {lines[i]}") if lines is not None else (lambda i: f"row {i + 1}")
    cats = [c.strip() for c in (categorical_features or [])]
    attrs = [a.strip() for a in (vector_attributes or [])]
    first = records[0]
    if isinstance(first, list):
        return _arrays(records, has_field_names, vector_type, cats, label)
    if not isinstance(first, dict):
        raise ParseError(label(0), None, f"expected a JSON object or array; got {_kind(first)}")
    if vector_data_field_name:
        return _with_vector_field(records, vector_data_field_name, vector_type, cats, label, expected_dim)
    return _objects(records, vector_type, cats, attrs, label)


def _load(data: bytes) -> tuple[list[Any], list[int] | None]:
    """Records and, for JSON Lines, the 1-based line of each record."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise ParseError(None, None, "the JSON file is empty")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        stripped = data.lstrip()
        if stripped[:1] in (b"{", b"[") and b"\n" in data.strip():
            try:
                return _load_lines(data)
            except ParseError:
                if stripped[:1] == b"[":
                    raise _syntax(exc) from None
                raise
        raise _syntax(exc) from None
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        for key in ("data", "records", "rows"):
            if isinstance(doc.get(key), list):
                return doc[key], None
        return [doc], [1]
    raise ParseError(None, None, f"a JSON file must hold an array of records; got {_kind(doc)}")


def _syntax(exc: orjson.JSONDecodeError) -> ParseError:
    return ParseError(exc.lineno, None, f"invalid JSON ({exc.msg}, column {exc.colno})")


def _load_lines(data: bytes) -> tuple[list[Any], list[int]]:
    records, lines = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            raise ParseError(number, None, f"invalid JSON ({exc.msg}, column {exc.colno})") from None
        lines.append(number)
    return records, lines


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def attribute_text(value: Any) -> str | None:
    """How a JSON value is stored as a string attribute (None = missing)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return orjson.dumps(value).decode()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _arrays(records: list[Any], header: bool, vector_type: str, cats: list[str], label: RowLabel) -> ParsedTable:
    names: list[str] | None = None
    if header and any(isinstance(v, str) for v in records[0]):
        names = [str(v).strip() for v in records[0]]
        records = records[1:]
        offset = 1
        if not records:
            raise ParseError(None, None, "the JSON file has a header row but no data rows")
    else:
        offset = 0
    width = len(names) if names is not None else len(records[0]) if isinstance(records[0], list) else 0
    for i, row in enumerate(records):
        if not isinstance(row, list):
            raise ParseError(label(i + offset), None, f"expected an array; got {_kind(row)}")
        if len(row) != width:
            raise ParseError(label(i + offset), None, f"{len(row)} values, but the first row has {width}")
    names = names or [unnamed_column(i + 1) for i in range(width)]
    columns = list(zip(*records)) if records else [() for _ in names]
    table = _columns_to_table(dict(zip(names, columns)), len(records), vector_type, cats, [], label, offset)
    if offset == 0:
        table.column_names = None if table.column_names == names else table.column_names
    return table


def _objects(records: list[Any], vector_type: str, cats: list[str], attrs: list[str], label: RowLabel) -> ParsedTable:
    names: dict[str, None] = {}
    for i, row in enumerate(records):
        if not isinstance(row, dict):
            raise ParseError(label(i), None, f"expected a JSON object; got {_kind(row)}")
        names.update(dict.fromkeys(row))
    columns = {name: [row.get(name) for row in records] for name in names}
    return _columns_to_table(columns, len(records), vector_type, cats, attrs, label, 0)


def _columns_to_table(
    columns: dict[str, Any],
    n: int,
    vector_type: str,
    cats: list[str],
    attrs: list[str],
    label: RowLabel,
    offset: int,
) -> ParsedTable:
    warnings: list[str] = []
    for field, wanted in (("categorical_features", cats), ("vector_attributes", attrs)):
        for name in wanted:
            if name not in columns:
                warnings.append(f"{field}: {name!r} is not a field of the file; ignored")
    vector_cols, attributes, categorical = [], {}, []
    for name, values in columns.items():
        numeric = all(v is None or _is_number(v) for v in values)
        if name in cats or name in attrs or not numeric:
            attributes[name] = [attribute_text(v) for v in values]
            if name not in attrs:
                categorical.append(name)
            if name not in cats and name not in attrs:
                warnings.append(
                    f"field {name!r} is not numeric: kept as a categorical attribute, not a vector component"
                )
        else:
            vector_cols.append(name)
    if not vector_cols:
        raise ParseError(None, None, "the JSON file has no numeric field to form the vectors")
    matrix = np.empty((n, len(vector_cols)), dtype=np.float64)
    for j, name in enumerate(vector_cols):
        matrix[:, j] = np.array([np.nan if v is None else v for v in columns[name]], dtype=np.float64)
    with np.errstate(over="ignore"):  # orjson gives finite numbers only; float32 may overflow
        narrow = matrix.astype(np.float32)
    if vector_type == "dense" and np.isinf(narrow).any():
        row, col = (int(v) for v in np.argwhere(np.isinf(narrow))[0])
        raise ParseError(
            label(row + offset), None, f"{vector_cols[col]!r} is {matrix[row, col]!r}, too large for float32"
        )
    vectors = finalize_vectors(narrow, vector_type, column_names=vector_cols, row_label=lambda r: label(r + offset))
    return ParsedTable(vectors, vector_cols, attributes, categorical, warnings)


def _with_vector_field(
    records: list[Any], field_name: str, vector_type: str, cats: list[str], label: RowLabel, expected_dim: int | None
) -> ParsedTable:
    raw = []
    attr_names: dict[str, None] = {}
    for i, row in enumerate(records):
        if not isinstance(row, dict):
            raise ParseError(label(i), None, f"expected a JSON object; got {_kind(row)}")
        if field_name not in row:
            raise ParseError(label(i), None, f"the field {field_name!r} (vector_data_field_name) is missing")
        raw.append(row[field_name])
        attr_names.update(dict.fromkeys(k for k in row if k != field_name))
    attributes = {k: [attribute_text(row.get(k)) for row in records] for k in attr_names}
    warnings = [f"categorical_features: {c!r} is not a field of the file; ignored" for c in cats if c not in attr_names]
    categorical = [c for c in attr_names if c in cats]
    if vector_type == "sparse":
        vectors: np.ndarray | sp.csr_matrix = _sparse_rows(raw, label, expected_dim)
    else:
        vectors = _dense_rows(raw, vector_type, label, field_name)
    return ParsedTable(vectors, None, attributes, categorical, warnings)


def _dense_rows(raw: list[Any], vector_type: str, label: RowLabel, field_name: str) -> np.ndarray | sp.csr_matrix:
    width = len(raw[0]) if isinstance(raw[0], list) else -1
    for i, vec in enumerate(raw):
        if not isinstance(vec, list):
            raise ParseError(label(i), None, f"{field_name!r} must be an array of numbers; got {_kind(vec)}")
        if len(vec) != width:
            raise ParseError(label(i), None, f"{field_name!r} has {len(vec)} values, but the first row has {width}")
    try:
        matrix = np.array(raw, dtype=np.float64).reshape(len(raw), width)
    except (TypeError, ValueError):
        for i, vec in enumerate(raw):
            for j, v in enumerate(vec):
                if v is not None and not _is_number(v):
                    raise ParseError(label(i), None, f"{field_name}[{j}] must be a number; got {v!r}") from None
        raise
    if vector_type == "dense":
        bad = first_non_finite(matrix.astype(np.float32), raw)
        if bad is not None:
            row, col, problem = bad
            raise ParseError(label(row), None, f"{field_name}[{col}] {problem}")
    return finalize_vectors(matrix.astype(np.float32), vector_type, row_label=label)


def _sparse_rows(raw: list[Any], label: RowLabel, expected_dim: int | None) -> sp.csr_matrix:
    indptr, indices, values = [0], [], []
    for i, vec in enumerate(raw):
        pairs: list[tuple[Any, ...]]  # JSON keys/values, or text tokens: int()/float() below decide
        if isinstance(vec, dict):
            pairs = list(vec.items())
        elif isinstance(vec, str):
            pairs = [tuple(tok.split(":", 1)) if ":" in tok else (tok, None) for tok in vec.split()]
        elif isinstance(vec, list):
            pairs = [(j, v) for j, v in enumerate(vec) if v]
        else:
            raise ParseError(label(i), None, 'a sparse vector must be an object {"index": value} or "i:v i:v"')
        for key, value in pairs:
            try:
                index, number = int(key), float(value)
            except (TypeError, ValueError):
                raise ParseError(label(i), None, f"{key!r}:{value!r} is not an integer index and a number") from None
            if index < 0:
                raise ParseError(label(i), None, f"negative index {index}")
            indices.append(index)
            values.append(number)
        indptr.append(len(indices))
    dim = max(indices, default=-1) + 1
    if expected_dim is not None:
        if dim > expected_dim:
            raise IngestError(f"index {dim - 1} is outside the collection's dimension {expected_dim}")
        dim = expected_dim
    matrix = sp.csr_matrix(
        (np.array(values, np.float32), np.array(indices, np.int64), np.array(indptr, np.int64)),
        shape=(len(raw), max(dim, 1)),
    )
    matrix.sum_duplicates()
    return matrix
