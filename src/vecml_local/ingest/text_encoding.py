"""Bytes of a text file -> UTF-8 bytes, the encoding the parsers read.

Spreadsheet programs on Windows export CSV in Windows-1252 (``café`` as the single
byte ``0xE9``) and "Unicode text" as UTF-16 with a byte order mark. Both are read:

- a UTF-16 BOM (little or big endian) decodes the file as UTF-16;
- otherwise valid UTF-8 (a UTF-8 BOM included) is returned as it is;
- anything else is read as Windows-1252 with a warning naming the first line that
  is not UTF-8 (the five bytes Windows-1252 leaves undefined are read as Latin-1,
  so every byte sequence decodes and nothing is silently dropped).
"""

from __future__ import annotations

import codecs

__all__ = ["to_utf8"]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("vecml_latin1_fallback", _latin1_fallback)


def to_utf8(data: bytes, what: str = "file") -> tuple[bytes, list[str]]:
    """``data`` as UTF-8 bytes (line structure unchanged) and the warnings the conversion gave."""
    if data.startswith(_UTF16_BOMS):
        text = data.decode("utf-16", errors="replace")
        warnings = [f"the {what} is UTF-16 text: read as UTF-16"]
        if "\ufffd" in text:
            line = text.count("\n", 0, text.index("\ufffd")) + 1
            warnings.append(f"line {line}: the {what} is not valid UTF-16; unreadable characters replaced by \ufffd")
        return text.encode("utf-8"), warnings
    if data.isascii():
        return data, []
    try:
        data.decode("utf-8")
        return data, []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    text = data.decode("cp1252", errors="vecml_latin1_fallback")
    warning = f"line {line}: the {what} is not valid UTF-8; read as Windows-1252 text"
    return text.encode("utf-8"), [warning]
