"""What the parsers raise when they cannot read their input.

Plain `ValueError` subclasses: the parsers know where in a file or array a problem
is, not which request field carried it, so the service names the field
(`error.for_field(field)`) and maps the error to the 400 envelope. `message` (and
`str(error)`) is the text for the usual field (`file_data`, `data`). Anything else
raised from here is our bug, not the client's.
"""

from __future__ import annotations

__all__ = ["IngestError", "FieldError", "ParseError", "RowError"]


class IngestError(ValueError):
    """Input we could not read, described completely by `detail`."""

    default_field = "file_data"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def for_field(self, field: str) -> str:
        """The client-facing text when the input came in the request field `field`."""
        return self.detail

    @property
    def message(self) -> str:
        return self.for_field(self.default_field)

    def __str__(self) -> str:
        return self.message


class FieldError(IngestError):
    """A problem with a named option or value (`binary_dim`, `compression_type`, ...)."""

    def __init__(self, field: str, detail: str, *, sep: str = ": ") -> None:
        super().__init__(detail)
        self.field, self.sep = field, sep

    def for_field(self, field: str) -> str:
        return f"{self.field}{self.sep}{self.detail}"


class ParseError(IngestError):
    """A place in a file: `line` (1-based int, or a place such as "row 3" for formats
    without lines; None for the file as a whole) and optionally a `column` name."""

    def __init__(self, line: int | str | None, column: str | None, detail: str) -> None:
        super().__init__(detail)
        self.line, self.column = line, column

    def for_field(self, field: str) -> str:
        if self.line is None:
            return f"{field}: {self.detail}"
        place = f"line {self.line}" if isinstance(self.line, int) else self.line
        if self.column is not None:
            place += f", column {self.column!r}"
        return f"{place}: {self.detail}"


class RowError(IngestError):
    """Row `row` (0-based) of an inline array of vectors, or the array as a whole (None):
    named `field[row]` (`data[3]`)."""

    default_field = "data"

    def __init__(self, row: int | None, detail: str, *, sep: str = ": ") -> None:
        super().__init__(detail)
        self.row, self.sep = row, sep

    def for_field(self, field: str) -> str:
        where = field if self.row is None else f"{field}[{self.row}]"
        return f"{where}{self.sep}{self.detail}"
