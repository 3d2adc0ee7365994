"""storage_problem: which failed writes are a full or read-only disk (507), and which are bugs (500)."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from vecml_local.storage.space import FULL, READ_ONLY, StorageHealth, storage_problem


def wrapped(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("while saving") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), FULL),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), FULL),
        (OSError(errno.EROFS, "Read-only file system"), READ_ONLY),
        (OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")), FULL),
        (OperationalError("INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database")), READ_ONLY),
        (wrapped(OSError(errno.ENOSPC, "No space left on device")), FULL),
        (OSError(errno.ENOENT, "No such file"), None),
        (OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")), None),
        (ValueError("database or disk is full"), None),  # a message alone, from no storage layer, is not trusted
    ],
)
def test_storage_problem(error: BaseException, expected: str | None) -> None:
    assert storage_problem(error) == expected


def test_health_is_ok_on_a_writable_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    health = StorageHealth(tmp_path)
    assert health.state() == "ok"
    assert "full" in health.failed(FULL)
    health._free_at_failure = 1 << 62  # as if the disk had been emptier at the failure: still full
    assert health.state() == FULL
