"""Reading rows of ids.json / attributes.json by position gives what a full JSON parse gives,
and gives up (`Unreadable` / None) on every file it cannot read that way."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from vecml_local.services import json_rows
from vecml_local.services.json_rows import Unreadable, open_columns, open_ids

IDS = [["a", "b-1", "", "é ü 漢字", "x y", "{}", "[1]", ":[", "nul l"], [], ["only"]]


def _write(tmp_path: Path, value: object) -> Path:
    path = tmp_path / "f.json"
    path.write_bytes(orjson.dumps(value))
    return path


@pytest.mark.parametrize("ids", IDS)
def test_ids_read_by_position_equal_the_parsed_file(tmp_path: Path, ids: list[str]) -> None:
    column = open_ids(_write(tmp_path, ids), len(ids))
    assert column is not None
    assert len(column) == len(ids) and column[:] == ids
    assert [column[i] for i in range(len(ids))] == ids and column[1:3] == ids[1:3]
    if ids:
        assert column[-1] == ids[-1]


def test_long_files_are_read_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_rows, "CHUNK", 64)
    ids = [f"id-{i}" for i in range(1000)]
    column = open_ids(_write(tmp_path, ids), len(ids))
    assert column is not None
    assert column[990:] == ids[990:] and column[:5] == ids[:5] and column[500] == ids[500]


def test_columns_read_by_position_equal_the_parsed_file(tmp_path: Path) -> None:
    columns = {"label": ["0", "1", "two"], "note": ["", "b", ":["], "third": ["],", ",", "]"]}
    scanned = open_columns(_write(tmp_path, columns), 3)
    assert scanned is not None and {k: v[:] for k, v in scanned.items()} == columns
    assert open_columns(_write(tmp_path, {}), 5) == {}


@pytest.mark.parametrize(
    "ids",
    [['a"b', "c"], ["a\\b"], ["line\nbreak"], ["null"]],  # escapes; "null" is refused too (looks like one)
)
def test_ids_that_cannot_be_read_by_position_give_up(tmp_path: Path, ids: list[str]) -> None:
    column = open_ids(_write(tmp_path, ids), len(ids))
    assert column is not None
    with pytest.raises(Unreadable):
        column[:]


def test_columns_with_nulls_or_too_few_strings_give_up(tmp_path: Path) -> None:
    for value in ({"a": ["x", None, "y"]}, {"a": ["x", 1]}):
        columns = open_columns(_write(tmp_path, value), 3)
        assert columns is not None
        with pytest.raises((Unreadable, IndexError)):
            columns["a"][:]
    assert open_columns(_write(tmp_path, {'we"ird': ["x"]}), 1) is None
    sneaky = open_columns(_write(tmp_path, {"a": ['x"],"n":[y', "z"]}), 2)  # an escaped look-alike name
    assert sneaky is not None and list(sneaky) == ["a"]
    with pytest.raises(Unreadable):
        sneaky["a"][:]
