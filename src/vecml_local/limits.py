"""The documented length limits of everything a client names or stores (docs/reliability.md).

One place for the numbers and the checks: the typed request fields (`schemas.types`:
`Name`, `AttributeName`, `Text`) and the bulk parsers of data payloads (`services.data`
for `add_data*`, `ingest` for files and label files) use these, so a 1 MB label name or
string id is refused with a 400 naming the field (and the row) instead of being stored.

The VecML documentation limits model names to 128 characters and says nothing about the
others; these bounds are far above anything a real dataset uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_ATTRIBUTE_NAME_LENGTH",
    "MAX_TEXT_LENGTH",
    "MAX_APPLICATION_LENGTH",
    "MAX_STRING_ID_BYTES",
    "MAX_ATTRIBUTE_VALUE_LENGTH",
    "attribute_name_problem",
    "string_id_problem",
    "value_problem",
    "first_long_value",
    "column_problem",
]

MAX_NAME_LENGTH = 128  # project, collection and model names (the cloud's documented limit)
MAX_ATTRIBUTE_NAME_LENGTH = 255  # attribute, label and column names
MAX_TEXT_LENGTH = 1024  # any other free-text request field (an application, a checksum, a key)
MAX_APPLICATION_LENGTH = 200  # a project's application text (its metadata column's width)
MAX_STRING_ID_BYTES = 1024  # a vector's string id, in UTF-8 bytes
MAX_ATTRIBUTE_VALUE_LENGTH = 65_535  # one attribute value (an object value counts as its JSON text)


def _shown(value: str) -> str:
    return repr(value[:40] + "...") if len(value) > 40 else repr(value)


def attribute_name_problem(name: str, what: str = "attribute name") -> str | None:
    if len(name) > MAX_ATTRIBUTE_NAME_LENGTH:
        return f"{what} {_shown(name)} is longer than {MAX_ATTRIBUTE_NAME_LENGTH} characters"
    return None


def string_id_problem(sid: str) -> str | None:
    if len(sid) > MAX_STRING_ID_BYTES // 4 and len(sid.encode("utf-8", "surrogatepass")) > MAX_STRING_ID_BYTES:
        return f"{_shown(sid)} is longer than {MAX_STRING_ID_BYTES} bytes (UTF-8)"
    return None


def value_problem(value: str) -> str | None:
    if len(value) > MAX_ATTRIBUTE_VALUE_LENGTH:
        return f"the value is longer than {MAX_ATTRIBUTE_VALUE_LENGTH} characters ({len(value)})"
    return None


def first_long_value(values: Sequence[str | None]) -> int | None:
    """The first position holding a value longer than the limit, or None (fast when none is)."""
    if not values or max(len(v) if v is not None else 0 for v in values) <= MAX_ATTRIBUTE_VALUE_LENGTH:
        return None
    return next(i for i, v in enumerate(values) if v is not None and len(v) > MAX_ATTRIBUTE_VALUE_LENGTH)


def column_problem(
    attributes: Mapping[str, Sequence[str | None]], column_names: Iterable[str] = ()
) -> tuple[int | None, str | None, str] | None:
    """The first over-long attribute name, column name or attribute value of a parsed table:
    (0-based row or None, column or None, message), or None when everything fits."""
    for name in [*column_names, *attributes]:
        problem = attribute_name_problem(name, "column name")
        if problem:
            return None, None, problem
    for name, values in attributes.items():
        row = first_long_value(values)
        if row is not None:
            return row, name, value_problem(values[row] or "") or ""
    return None
