"""The data-dir lock: exclusive, names the holder's pid, adopted once by the app, released on stop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vecml_local.storage.datadir_lock import DataDirLocked, acquire_data_dir, claim_data_dir


def test_lock_is_exclusive_adopted_once_and_released(tmp_path: Path) -> None:
    lock = acquire_data_dir(tmp_path)
    assert (tmp_path / ".lock").read_text().strip() == str(os.getpid())
    with pytest.raises(DataDirLocked, match=f"process {os.getpid()}"):
        acquire_data_dir(tmp_path)
    assert claim_data_dir(tmp_path) is lock  # serve took it; the app adopts it
    with pytest.raises(DataDirLocked):
        claim_data_dir(tmp_path)  # a second app in the same process does not
    lock.release()
    claim_data_dir(tmp_path).release()
