"""Read single rows of a segment's `ids.json` / `attributes.json` without parsing the whole file.

A segment of a million rows stores a million JSON strings per file; the console's preview
needs fifty. In JSON text without a backslash, every `"` delimits a string, so the k-th
string of an array lies between its (2k)-th and (2k+1)-th quote. The file is memory-mapped
and scanned forward in chunks only as far as the rows asked for (quote counts per chunk are
kept, so later pages reuse them): the first page reads one chunk. A scanned chunk holding a
backslash or a `null` makes the reader give up (`Unreadable`), and the caller parses the
file as JSON instead.
"""

from __future__ import annotations

import bisect
import mmap
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

__all__ = ["StringArray", "Unreadable", "open_ids", "open_columns"]

CHUNK = 1 << 18  # bytes scanned at a time


class Unreadable(Exception):
    """The text cannot be read by position (escapes or nulls where rows were asked for)."""


class StringArray(Sequence[str]):
    """The strings of one JSON array of `count` strings starting at byte `start` of `data`."""

    def __init__(self, data: Any, start: int, count: int) -> None:
        self.data, self.start, self.size = data, start, count
        self._ends = [start]  # chunk boundaries scanned so far
        self._quotes = [0]  # quotes before each boundary
        self._chunk: tuple[int, np.ndarray] = (-1, np.zeros(0, dtype=np.int64))
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.size

    def _quote(self, q: int) -> int:
        """Byte offset of the q-th quote (0-based) after `start`."""
        with self._lock:  # cached segments serve concurrent requests
            return self._find(q)

    def _find(self, q: int) -> int:
        while self._quotes[-1] <= q:
            begin = self._ends[-1]
            if begin >= len(self.data):
                raise Unreadable("fewer strings than rows")
            end = min(begin + CHUNK, len(self.data))
            chunk = self.data[begin:end]
            if b"\\" in chunk or b"null" in chunk:
                raise Unreadable("an escape or a null")
            self._ends.append(end)
            self._quotes.append(self._quotes[-1] + chunk.count(b'"'))
        i = bisect.bisect_right(self._quotes, q) - 1
        if self._chunk[0] != i:  # a page's rows sit in one or two chunks: keep the last one's quotes
            begin, end = self._ends[i], self._ends[i + 1]
            self._chunk = (i, np.flatnonzero(np.frombuffer(self.data[begin:end], dtype=np.uint8) == ord('"')))
        return self._ends[i] + int(self._chunk[1][q - self._quotes[i]])

    def text(self, k: int) -> str:
        if not 0 <= k < self.size:
            raise IndexError(k)
        opening, closing = self._quote(2 * k), self._quote(2 * k + 1)
        return bytes(self.data[opening + 1 : closing]).decode("utf-8")

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self.text(i) for i in range(*index.indices(self.size))]
        return self.text(index + self.size if index < 0 else index)


def _map(path: Path) -> Any:
    with open(path, "rb") as handle:
        if handle.seek(0, 2) == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def open_ids(path: Path, count: int) -> StringArray | None:
    """`ids.json` (a JSON array of `count` strings) read by position; None unless it opens with `[`."""
    data = _map(path)
    head = bytes(data[:1])
    return StringArray(data, 1, count) if head == b"[" else None


def open_columns(path: Path, count: int) -> dict[str, StringArray] | None:
    """`attributes.json` (`{"name": [count strings], ...}`) as columns read by position.

    The first name opens the file; each later one follows `"],"` — a sequence no string can
    hold unescaped, and an escaped quote always follows a backslash. None when the file has
    another shape or a name holds an escape."""
    data = _map(path)
    if bytes(data[:2]) == b"{}":
        return {}
    if bytes(data[:2]) != b'{"':
        return None
    first_end = data.find(b'":[', 2)
    if first_end < 0:
        return None
    names = [(2, first_end)]
    position = first_end
    while (hit := data.find(b'"],"', position)) >= 0:
        match = _NEXT_NAME.match(data, hit)
        if match:
            names.append((match.start(1), match.end(1)))
        position = hit + 1
    columns: dict[str, StringArray] = {}
    for name_start, name_end in names:
        name = bytes(data[name_start:name_end])
        if b"\\" in name or b'"' in name:
            return None
        columns[name.decode("utf-8")] = StringArray(data, name_end + 3, count)
    return columns


_NEXT_NAME = re.compile(rb'"\],"([^"\\]*)":\[')
