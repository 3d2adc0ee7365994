"""CSV bytes that are not UTF-8: Windows-1252 and UTF-16 are read; nothing loops without bound."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from vecml_local.ingest.csv_format import parse_csv
from vecml_local.ingest.errors import IngestError
from vecml_local.ingest.text_encoding import to_utf8


def bounded(call: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it does not return in time."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not return within {seconds} s"
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_windows_1252_cells_are_read_with_a_warning_naming_the_line() -> None:
    data = "x,city\n1,Oslo\n2,café\n3,Zürich €\n".encode("cp1252")
    table = bounded(lambda: parse_csv(data))
    assert table.attributes == {"city": ["Oslo", "café", "Zürich €"]}
    np.testing.assert_array_equal(table.vectors, [[1], [2], [3]])
    assert table.warnings[0] == "line 3: the CSV file is not valid UTF-8; read as Windows-1252 text"


def test_windows_1252_in_a_declared_categorical_and_in_the_header() -> None:
    data = "x,caf\xe9\n1,na\xefve\n".encode("latin-1")
    table = bounded(lambda: parse_csv(data, categorical_features=["café"]))
    assert table.attributes == {"café": ["naïve"]} and table.categorical == ["café"]
    assert table.warnings[0].startswith("line 1: ")


def test_bytes_windows_1252_leaves_undefined_are_kept_as_latin_1() -> None:
    data = b"x,t\n1,a\x81b\x9d\n"
    table = bounded(lambda: parse_csv(data))
    assert table.attributes == {"t": ["a\x81b\x9d"]}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom(codec: str) -> None:
    bom = b"\xff\xfe" if codec == "utf-16-le" else b"\xfe\xff"
    data = bom + "a,name\r\n1.5,café\r\n2,日本\r\n".encode(codec)
    table = bounded(lambda: parse_csv(data))
    assert table.column_names == ["a"]
    np.testing.assert_allclose(table.vectors, [[1.5], [2]])
    assert table.attributes == {"name": ["café", "日本"]}
    assert table.warnings[0] == "the CSV file is UTF-16 text: read as UTF-16"


def test_valid_utf8_is_untouched_and_gives_no_warning() -> None:
    data = "x,city\n1,café\n".encode()
    assert to_utf8(data) == (data, [])
    assert not any("UTF" in w for w in bounded(lambda: parse_csv(data)).warnings)


def test_a_long_file_with_one_bad_byte_late_is_bounded() -> None:
    lines = [f"{i},name{i % 7}" for i in range(50_000)]
    lines[40_000] = "1,caf\xe9"
    data = ("x,t\n" + "\n".join(lines) + "\n").encode("latin-1")
    table = bounded(lambda: parse_csv(data))
    assert table.num_rows == 50_000 and table.attributes["t"][40_000] == "café"
    assert table.warnings[0].startswith("line 40002: ")


def test_truncated_utf16_is_read_with_a_warning_not_an_error() -> None:
    data = b"\xff\xfe" + "a\n1\n".encode("utf-16-le") + b"\x00"
    text, warnings = to_utf8(data)
    assert text.startswith(b"a\n1\n") and len(warnings) == 2


def test_empty_after_decoding_is_still_refused() -> None:
    with pytest.raises(IngestError):
        bounded(lambda: parse_csv(b"\xff\xfe"))
