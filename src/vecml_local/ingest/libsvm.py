"""libsvm / svmlight files -> CSR float32 :class:`ParsedTable` for a ``sparse`` collection.

Each line is ``label index:value index:value ...``; ``#`` starts a comment; blank
lines are skipped. The label is stored as the string attribute ``label`` (an
integral number as ``"1"``, else as written by ``repr(float)``); a line whose
first token is already ``index:value`` has no label (missing attribute).

Indices are kept exactly as written: index ``i`` is vector component ``i``
(0-based storage). A file using 1-based indices therefore has an always-empty
component 0. Unlike scikit-learn's ``zero_based="auto"`` this never guesses, so a
training file and a prediction file always line up. The dimension is
``max index + 1``, or ``expected_dim`` when that is known (an index at or past it
is refused).

Parsing is vectorised: numpy finds tokens, colons and line ends on the raw bytes,
and pyarrow's CSV reader converts every number at once (one per line after
turning separators into newlines). Bad tokens are located afterwards, line by
line, only to write the error message.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import scipy.sparse as sp

from .errors import ParseError
from .table import NON_FINITE_RULE, ParsedTable

__all__ = ["parse_libsvm"]

_COMMENT = re.compile(rb"#[^\n]*")
_TO_NEWLINE = bytes.maketrans(b" \t\r\x0b\x0c:", b"\n\n\n\n\n\n")
_LABEL = "label"
_CHUNK = 16 * 1024 * 1024


def parse_libsvm(data: bytes, *, expected_dim: int | None = None, chunk_bytes: int = _CHUNK) -> ParsedTable:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"#" in data:
        data = _COMMENT.sub(b"", data)
    if not data.endswith(b"\n"):
        data += b"\n"
    # Whole lines at a time, so the temporaries stay a few times the chunk, not the file.
    counts, indices, values, labels = [], [], [], []
    position, line_offset = 0, 0
    while position < len(data):
        end = data.rfind(b"\n", position, position + chunk_bytes) + 1
        if end <= position:
            end = data.find(b"\n", position) + 1
        chunk = data[position:end]
        part = _parse_chunk(chunk, line_offset, expected_dim)
        if part is not None:
            counts.append(part[0])
            indices.append(part[1])
            values.append(part[2])
            labels.extend(part[3])
        line_offset += chunk.count(b"\n")
        position = end
    if not counts:
        raise ParseError(None, None, "the libsvm file holds no rows")
    row_nnz = np.concatenate(counts)
    indptr = np.zeros(row_nnz.size + 1, dtype=np.int64)
    np.cumsum(row_nnz, out=indptr[1:])
    all_indices = np.concatenate(indices)
    dim = int(all_indices.max()) + 1 if all_indices.size else 1
    dim = expected_dim if expected_dim is not None else dim
    matrix = sp.csr_matrix((np.concatenate(values), all_indices, indptr), shape=(row_nnz.size, dim))
    if all_indices.size > 1:
        step = np.diff(all_indices) <= 0
        inner = indptr[1:-1]
        step[inner[(inner > 0) & (inner < all_indices.size)] - 1] = False
        if step.any():
            matrix.sum_duplicates()
    return ParsedTable(matrix, None, {_LABEL: labels}, [], [])


def _parse_chunk(
    data: bytes, line_offset: int, expected_dim: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str | None]] | None:
    """Rows of whole lines: (pairs per row, indices, values, labels), None for no row."""
    raw = np.frombuffer(data, dtype=np.uint8)
    nonspace = raw > 32
    starts = np.flatnonzero(nonspace[1:] & ~nonspace[:-1]).astype(np.int32) + 1
    if nonspace[0]:
        starts = np.concatenate((np.zeros(1, np.int32), starts))
    del nonspace
    if starts.size == 0:
        return None
    colons_per_token = np.add.reduceat((raw == 58).view(np.uint8), starts, dtype=np.int32)
    token_line = np.searchsorted(np.flatnonzero(raw == 10), starts).astype(np.int32)  # 0-based, in the chunk
    if (colons_per_token > 1).any():
        _fail_line(data, int(token_line[np.argmax(colons_per_token > 1)]), line_offset)
    first_of_line = np.ones(starts.size, dtype=bool)
    first_of_line[1:] = token_line[1:] != token_line[:-1]
    del starts
    is_label = colons_per_token == 0
    if (is_label & ~first_of_line).any():
        _fail_line(data, int(token_line[np.argmax(is_label & ~first_of_line)]), line_offset)
    numbers = _numbers(data, int(colons_per_token.size + colons_per_token.sum()), line_offset)
    # position of each token's first number in `numbers`
    offset = np.cumsum(colons_per_token + 1, dtype=np.int64)
    offset -= colons_per_token + 1
    pair_tokens = ~is_label
    pair_offset = offset[pair_tokens]
    idx_raw = numbers[pair_offset]
    values = numbers[pair_offset + 1].astype(np.float32)
    if not np.isfinite(values).all():  # NaN, Infinity, or beyond float32: the one rule of every format
        where = int(np.argmax(~np.isfinite(values)))
        line = int(token_line[pair_tokens][where]) + 1 + line_offset
        raise ParseError(
            line,
            None,
            f"value {float(numbers[pair_offset[where] + 1])!r} is not a finite float32 number: {NON_FINITE_RULE}",
        )
    del pair_offset
    indices = idx_raw.astype(np.int64)
    bad_index = (idx_raw != indices) | (indices < 0)
    del idx_raw
    if bad_index.any():
        _fail_line(data, int(token_line[pair_tokens][np.argmax(bad_index)]), line_offset)
    if expected_dim is not None and indices.size and int(indices.max()) >= expected_dim:
        where = int(np.argmax(indices >= expected_dim))
        line = int(token_line[pair_tokens][where]) + 1 + line_offset
        raise ParseError(
            line,
            None,
            f"index {int(indices[where])} is outside the collection's "
            f"dimension {expected_dim} (indices 0 to {expected_dim - 1})",
        )
    if indices.size and int(indices.max()) < 2**31 - 1:
        indices = indices.astype(np.int32)
    row_of_token = np.cumsum(first_of_line, dtype=np.int32) - 1
    n_rows = int(row_of_token[-1]) + 1
    row_nnz = np.bincount(row_of_token[pair_tokens], minlength=n_rows)
    labels = _labels(numbers[offset[is_label]], row_of_token[is_label], n_rows)
    return row_nnz, indices, values, labels


def _numbers(data: bytes, expected: int, line_offset: int = 0) -> np.ndarray:
    text = data.translate(_TO_NEWLINE)
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text),
            read_options=pacsv.ReadOptions(column_names=["v"], block_size=16 << 20),
            convert_options=pacsv.ConvertOptions(column_types={"v": pa.float64()}, null_values=[]),
        )
    except pa.ArrowInvalid:
        _find_bad_token(data, line_offset)
        raise
    column = table.column("v")
    if len(column) != expected:
        _find_bad_token(data, line_offset)
    numbers: np.ndarray = column.to_numpy()
    return numbers


def _labels(values: np.ndarray, rows: np.ndarray, n_rows: int) -> list[str | None]:
    out: list[str | None] = [None] * n_rows
    if values.size == 0:
        return out
    unique, inverse = np.unique(values, return_inverse=True)
    names = np.array([_label_text(float(v)) for v in unique], dtype=object)
    texts = names[inverse]
    if values.size == n_rows:
        every: list[str | None] = texts.tolist()
        return every
    for row, text in zip(rows.tolist(), texts.tolist()):
        out[row] = text
    return out


def _label_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _fail_line(data: bytes, line_index: int, line_offset: int = 0) -> None:
    lines = data.split(b"\n")
    _check_line(lines[line_index], line_index + 1 + line_offset)
    raise ParseError(line_index + 1 + line_offset, None, "not a valid libsvm line")


def _find_bad_token(data: bytes, line_offset: int = 0) -> None:
    for number, line in enumerate(data.split(b"\n"), start=1 + line_offset):
        _check_line(line, number)
    raise ParseError(None, None, "not a valid libsvm file")


def _check_line(line: bytes, number: int) -> None:
    tokens = line.split()
    for position, token in enumerate(tokens):
        text = token.decode("utf-8", errors="replace")
        if b":" not in token:
            if position == 0 and _is_float(token):
                continue
            what = "the label" if position == 0 else "a feature"
            raise ParseError(
                number,
                None,
                f"bad token {text!r} ({what} must be a number{'' if position == 0 else ' as index:value'})",
            )
        index, _, value = token.partition(b":")
        if not index.isdigit() or not _is_float(value):
            raise ParseError(
                number, None, f"bad token {text!r} (expected index:value with a whole, non-negative index and a number)"
            )


def _is_float(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True
