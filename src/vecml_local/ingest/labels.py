"""Label files for ``/attach_automl_label``.

One label value per line; line *i* labels the *i*-th vector of the collection.

- ``has_field_names: true``: the first line is a header and is skipped; its text
  is the label name when the request gives none.
- A CSV with several columns: the column whose header equals the label name if
  there is one, else the first column (quotes are honoured).
- Values are kept as strings, CR and surrounding spaces stripped. Blank lines at
  the end are ignored; a blank line in the middle is a missing label (``None``).
- Errors name the 1-based line (header counted as line 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ..limits import attribute_name_problem, first_long_value, value_problem
from .errors import ParseError

__all__ = ["ParsedLabels", "parse_labels"]


@dataclass(frozen=True)
class ParsedLabels:
    name_from_header: str | None
    values: list[str | None]

    @property
    def count(self) -> int:
        return len(self.values)


def parse_labels(data: bytes, *, has_field_names: bool = False, label_name: str | None = None) -> ParsedLabels:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(line, None, "the label file is not valid UTF-8 text") from None
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ParseError(None, None, "the label file is empty")
    header: list[str] | None = None
    body_start = 0
    if has_field_names:
        header = _split(lines[0])
        body_start = 1
    column = 0
    if header is not None and label_name is not None and label_name.strip() in header:
        column = header.index(label_name.strip())
    name = header[column] if header else None
    body = lines[body_start:]
    if any("," in line or '"' in line for line in body[:50]) or (header and len(header) > 1):
        values = _csv_column(body, column, body_start)
    else:
        values = [line.strip() or None for line in body]
    if name and attribute_name_problem(name, "label name"):
        raise ParseError(1, None, attribute_name_problem(name, "label name") or "")
    row = first_long_value(values)
    if row is not None:
        raise ParseError(body_start + row + 1, None, value_problem(values[row] or "") or "")
    return ParsedLabels(name_from_header=name or None, values=values)


def _split(line: str) -> list[str]:
    row = next(csv.reader([line.rstrip("\r")]), [])
    return [cell.strip() for cell in row]


def _csv_column(lines: list[str], column: int, offset: int) -> list[str | None]:
    reader = csv.reader(io.StringIO("\n".join(lines), newline=""))
    values: list[str | None] = []
    previous_end = 0
    for record in reader:
        line = offset + previous_end + 1
        previous_end = reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            values.append(None)
            continue
        if column >= len(record):
            raise ParseError(line, None, f"{len(record)} fields; the label is in column {column + 1}")
        values.append(record[column].strip() or None)
    return values
