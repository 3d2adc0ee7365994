"""CSV files -> :class:`ParsedTable`, parsed with pyarrow's vectorised, multi-threaded reader.

Rules (issue 3):

- RFC-4180 quoting, CRLF or LF line ends, a UTF-8 BOM (UTF-16 with a BOM and
  Windows-1252 bytes are read too, with a warning: see text_encoding), header names with spaces
  (surrounding spaces are trimmed, inner ones kept). Blank lines are skipped.
  Fields are separated by commas; a first line without any comma but with
  semicolons or tabs selects that separator instead (with a warning).
- ``has_field_names: false``: columns are named ``column 1`` ... ``column N``
  (1-based position in the file), which is also how categoricals are named.
- Numeric columns form the vector (float32; an empty cell, ``NA``, ``N/A``,
  ``null``, ``NaN``... = NaN). Columns named in
  ``categorical_features`` are string attributes remembered as declared
  categoricals; names that are not columns give a warning. A column not declared
  whose cells are not all numeric becomes a categorical attribute automatically
  (with a warning). ``vector_attributes`` columns are plain string attributes.
  An empty cell in an attribute column is a missing value (``None``); other text
  (``NA`` included) is kept as written. A column with a blank header cell and no
  value (a trailing comma) is dropped with a warning.
- A row with more fields than the header (or than the first row) fails naming its
  line; a shorter row is padded with missing values.
- Errors name the 1-based line as seen in an editor, the header being line 1.

Vector component names: the header names; without a header ``None`` when every
column is a vector component (shown as ``column 1`` ... later), else the
``column N`` names of the original positions so they stay stable.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import FieldError, ParseError
from .table import (
    NON_FINITE_RULE,
    ParsedTable,
    canonical_vector_type,
    finalize_vectors,
    non_finite_name,
    unnamed_column,
)
from .text_encoding import to_utf8

__all__ = ["parse_csv", "line_of_row"]

_SAMPLE_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"
_NUMERIC_KINDS = (pa.types.is_integer, pa.types.is_floating, pa.types.is_null, pa.types.is_decimal)
_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): .*CSV conversion error")
_RAGGED_ERROR = re.compile(r"Expected \d+ columns, got \d+")
# Cells read as a missing value in numeric columns (text columns keep them as text).
_MISSING = ["", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "null", "NULL", "None", "#N/A"]


def parse_csv(
    data: bytes,
    *,
    has_field_names: bool = True,
    vector_type: str = "dense",
    categorical_features: Iterable[str] | None = None,
    vector_attributes: Iterable[str] | None = None,
) -> ParsedTable:
    vector_type = canonical_vector_type(vector_type)
    data, warnings = to_utf8(data, "CSV file")
    if not _has_content(data):
        raise ParseError(None, None, "the CSV file is empty")
    delimiter = _delimiter(data)
    if delimiter != ",":
        warnings.append(f"the first line has no comma: columns are separated by {delimiter!r}")
    names, blank = _column_names(data, has_field_names, delimiter)
    wanted_cat = _as_list(categorical_features, "categorical_features")
    wanted_attr = _as_list(vector_attributes, "vector_attributes")
    declared = _resolve(wanted_cat, names, "categorical_features", warnings)
    plain_attrs = [n for n in _resolve(wanted_attr, names, "vector_attributes", warnings) if n not in declared]
    text_cols = set(declared) | set(plain_attrs)
    body_start, header_lines = _header_end(data, delimiter) if has_field_names else (0, 0)
    inferred = _sample_types(data[body_start : body_start + 2 * _SAMPLE_BYTES], names, delimiter)
    auto = [n for n in names if n not in text_cols and not _is_numeric(inferred.get(n))]
    table = _read(data, body_start, header_lines, names, has_field_names, text_cols | set(auto), auto, delimiter)
    for name in auto:
        warnings.append(f"column {name!r} is not numeric: kept as a categorical attribute, not a vector component")
    categorical = [n for n in names if n in declared or n in auto]
    vector_cols = [n for n in names if n not in text_cols and n not in auto]
    for name in [n for n in vector_cols if n in blank and table.column(n).null_count == table.num_rows]:
        vector_cols.remove(name)
        warnings.append(f"{name} has no name in the header and no value: ignored")
    if not vector_cols:
        hint = "" if has_field_names else "; if the first line holds column names, send has_field_names: true"
        raise ParseError(None, None, f"the CSV file has no numeric column to form the vectors{hint}")
    attributes = {n: _strings(table.column(n)) for n in names if n in text_cols or n in auto}
    matrix = _matrix(table, vector_cols)
    if has_field_names or len(vector_cols) != len(names):
        column_names: list[str] | None = vector_cols
    else:
        column_names = None

    def row_label(row: int) -> str:
        return f"line {line_of_row(data, row, has_field_names)}"

    if vector_type == "dense" and np.isinf(matrix).any():
        row, col = (int(v) for v in np.argwhere(np.isinf(matrix))[0])
        raise ParseError(
            row_label(row),
            vector_cols[col],
            f"the value is {non_finite_name(float(matrix[row, col]))}: {NON_FINITE_RULE}",
        )
    vectors = finalize_vectors(matrix, vector_type, column_names=vector_cols, row_label=row_label)
    return ParsedTable(vectors, column_names, attributes, categorical, warnings)


def _has_content(data: bytes) -> bool:
    head = data[3:4096] if data.startswith(_BOM) else data[:4096]
    return bool(head.strip()) or bool(data[4096:].strip())


def _as_list(value: Iterable[str] | str | None, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    out = []
    for item in value:
        if not isinstance(item, str):
            raise FieldError(field, f"expected a list of column names; got {item!r}")
        out.append(item.strip())
    return out


def _resolve(wanted: list[str], names: list[str], field: str, warnings: list[str]) -> list[str]:
    found = []
    for name in wanted:
        if name in names:
            if name not in found:
                found.append(name)
        else:
            warnings.append(f"{field}: {name!r} is not a column of the file; ignored")
    return found


def _delimiter(data: bytes) -> str:
    """`,` unless the first line has none and has `;` or a tab (European spreadsheets, TSV)."""
    end = data.find(b"\n", 0, 1 << 16)
    first = data[: end if end >= 0 else 1 << 16]
    if b"," in first:
        return ","
    counts = {";": first.count(b";"), "\t": first.count(b"\t")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ","


def _column_names(data: bytes, has_field_names: bool, delimiter: str = ",") -> tuple[list[str], set[str]]:
    """Names from the header (or ``column N``), and those a blank header cell got."""
    # The first record via the csv module: pyarrow's reader costs ~3 ms per call even
    # for one line, which dominated a one-row prediction file.
    head = _head(data, 64 * 1024).decode("utf-8-sig", errors="replace")
    first = next((r for r in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter) if r), None)
    if first is None:
        raise ParseError(None, None, "the CSV file is empty")
    if not has_field_names:
        return [unnamed_column(i + 1) for i in range(len(first))], set()
    raw = first
    names: list[str] = []
    blank: set[str] = set()
    for i, value in enumerate(raw):
        name = str(value if value is not None else "").strip()
        if not name:
            name = unnamed_column(i + 1)
            blank.add(name)
        if name in names:
            raise ParseError(1, None, f"the column name {name!r} appears more than once in the header")
        names.append(name)
    return names, blank


def _head(data: bytes, size: int) -> bytes:
    if len(data) <= size:
        return data
    cut = data.rfind(b"\n", 0, size)
    if cut < 0:
        cut = data.find(b"\n", size)
        return data if cut < 0 else data[: cut + 1]
    return data[: cut + 1]


def _header_end(data: bytes, delimiter: str) -> tuple[int, int]:
    """Byte offset where the data rows start, and how many lines the header took.

    Found with the csv module (quotes may hold line breaks; blank lines may come
    first): pyarrow's `skip_rows` counts raw lines, not CSV rows.
    """
    head = _head(data, 1 << 20).decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    lines = 1
    for record in reader:
        if record:
            lines = reader.line_num
            break
    position = 0
    for _ in range(lines):
        found = data.find(b"\n", position)
        if found < 0:
            return len(data), lines
        position = found + 1
    return position, lines


def _sample_types(data: bytes, names: list[str], delimiter: str = ",") -> dict[str, pa.DataType]:
    """Types pyarrow infers from the first ~1 MB (text columns found later are retried)."""
    try:
        sample = pacsv.read_csv(
            pa.py_buffer(_head(data, _SAMPLE_BYTES)),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=lambda row: "skip"),
            convert_options=pacsv.ConvertOptions(null_values=_MISSING, strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return {}
    return {name: sample.schema.field(name).type for name in names}


def _is_numeric(kind: pa.DataType | None) -> bool:
    return kind is None or any(check(kind) for check in _NUMERIC_KINDS)


def _read(
    data: bytes,
    body_start: int,
    header_lines: int,
    names: list[str],
    header: bool,
    text_cols: set[str],
    auto: list[str],
    delimiter: str = ",",
) -> pa.Table:
    """Read every row; pad short rows; fail on long rows; retry columns that turn out textual.

    The first attempt has no invalid-row handler (a Python callback slows pyarrow's
    reader down by a third); only a file with ragged rows is read again with one.
    """
    ragged = False
    retried: set[str] = set()
    body: bytes | memoryview = memoryview(data)[body_start:] if body_start else data
    if not bytes(body[:4096]).strip() and not bytes(body).strip():  # a header and nothing else
        return pa.table({n: pa.array([], pa.string() if n in text_cols else pa.float32()) for n in names})
    while True:
        invalid: list[pacsv.InvalidRow] = []

        def handler(row: pacsv.InvalidRow) -> str:
            invalid.append(row)  # noqa: B023 - used only within this pass of the loop
            return "skip"

        types = {n: (pa.string() if n in text_cols else pa.float32()) for n in names}
        try:
            table = pacsv.read_csv(
                pa.py_buffer(body),
                read_options=pacsv.ReadOptions(column_names=names),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=handler if ragged else None),
                convert_options=pacsv.ConvertOptions(
                    column_types=types,
                    null_values=_MISSING,
                    strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if not ragged and _RAGGED_ERROR.search(str(exc)):
                ragged = True
                continue
            match = _CONVERSION_ERROR.search(str(exc))
            if match is None or int(match.group(1)) >= len(names):
                raise ParseError(None, None, f"cannot read the CSV file ({_arrow_message(exc)})") from None
            name = names[int(match.group(1))]
            if name in retried or name in text_cols:  # already read as text: retrying cannot help
                raise ParseError(None, None, f"cannot read the CSV file ({_arrow_message(exc)})") from None
            retried.add(name)
            text_cols.add(name)
            auto.append(name)
            continue
        if not invalid:
            return table
        body = _pad_short_rows(bytes(body), invalid, header, delimiter, header_lines)


def _pad_short_rows(
    data: bytes, invalid: list[pacsv.InvalidRow], header: bool, delimiter: str = ",", line_base: int = 0
) -> bytes:
    located = []
    for text, rows in _group(invalid).items():
        for pos in _positions(data, text.encode("utf-8"), len(rows)):
            located.append((pos, rows[0]))
    located.sort(key=lambda item: item[0])
    for pos, row in located:
        if row.actual_columns > row.expected_columns:
            line = data.count(b"\n", 0, pos) + 1 + line_base
            what = "the header has" if header else "the first line has"
            raise ParseError(line, None, f"{row.actual_columns} fields, but {what} {row.expected_columns} columns")
    pieces = []
    start = 0
    for pos, row in located:
        end = pos + len(row.text.encode("utf-8"))
        pieces.append(data[start:end])
        pieces.append(delimiter.encode() * (row.expected_columns - row.actual_columns))
        start = end
    pieces.append(data[start:])
    return b"".join(pieces)


def _group(invalid: list[pacsv.InvalidRow]) -> dict[str, list[pacsv.InvalidRow]]:
    groups: dict[str, list[pacsv.InvalidRow]] = {}
    for row in invalid:
        groups.setdefault(row.text, []).append(row)
    return groups


def _positions(data: bytes, text: bytes, count: int) -> list[int]:
    """Byte offsets of the first ``count`` whole-line occurrences of ``text``."""
    found: list[int] = []
    pos = data.find(text)
    while pos >= 0 and len(found) < count:
        before_ok = pos == 0 or data[pos - 1] in b"\r\n" or (pos == 3 and data.startswith(_BOM))
        after = pos + len(text)
        after_ok = after == len(data) or data[after] in b"\r\n"
        if before_ok and after_ok:
            found.append(pos)
        pos = data.find(text, pos + 1)
    if len(found) < count:
        raise ParseError(None, None, "the CSV file has rows whose number of fields differs from the header")
    return found


def _matrix(table: pa.Table, columns: list[str]) -> np.ndarray:
    matrix = np.empty((len(columns), table.num_rows), dtype=np.float32)
    for j, name in enumerate(columns):
        offset = 0
        for chunk in table.column(name).chunks:  # float32 chunks: read in place, nulls as NaN
            matrix[j, offset : offset + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
            offset += len(chunk)
    return np.ascontiguousarray(matrix.T)


def _strings(column: pa.ChunkedArray) -> list[str | None]:
    """A text column as a list, an empty cell as None (dictionary-encoded: categoricals repeat)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    words = np.array([word or None for word in encoded.dictionary.to_pylist()] + [None], dtype=object)
    indices = encoded.indices.fill_null(len(words) - 1).to_numpy(zero_copy_only=False)
    texts: list[str | None] = words[indices].tolist()
    return texts


def _arrow_message(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def line_of_row(data: bytes, row: int, header: bool) -> int:
    """1-based editor line where the 0-based data ``row`` starts (slow; for error messages)."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    seen = -1 if header else 0
    previous_end = 0
    for record in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not record:
            continue
        if seen == row:
            return start
        seen += 1
    return previous_end
