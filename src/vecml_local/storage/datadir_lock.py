"""One server per data dir: an exclusive OS lock on `<data_dir>/.lock`, holding the owner's pid.

With a shared metadata database (PostgreSQL) several API replicas serve one data dir: each
takes the lock *shared* (so an embedded-SQLite server still cannot start on a dir replicas
use, on the same host) and registers itself in the database's `replicas` table, which is
what guards the jobs (jobs/replicas.py).

Taken before anything reads or repairs the data dir (recovery fails the jobs a crash left
`in_progress` and sweeps staged files: done by a second server, that would break the first
one's running jobs). The OS drops the lock when the process dies, so a crash never leaves
a stale lock behind. `serve` takes it first (to exit at once with a clear message) and the
app adopts it; an app started otherwise (the testing kit, TestClient) takes it itself.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

__all__ = ["DataDirLock", "DataDirLocked", "acquire_data_dir", "claim_data_dir"]

LOCK_NAME = ".lock"


class DataDirLocked(RuntimeError):
    def __init__(self, data_dir: Path, holder: str) -> None:
        self.data_dir, self.holder = data_dir, holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(
            f"The data dir {data_dir} is in use by another vecml-local server ({who} holds "
            f"{data_dir / LOCK_NAME}); stop it or use another --data-dir. Nothing was changed."
        )


class DataDirLock:
    def __init__(self, data_dir: Path, fd: int) -> None:
        self.data_dir, self.fd = data_dir, fd
        self.claimed = False  # adopted by a running app

    def release(self) -> None:
        with _guard:
            if _held.get(self.data_dir) is self:
                del _held[self.data_dir]
            if self.fd >= 0:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
                self.fd = -1


_held: dict[Path, DataDirLock] = {}
_guard = threading.Lock()


def acquire_data_dir(data_dir: Path, shared: bool = False) -> DataDirLock:
    """Lock `data_dir` for this process (`shared`: along with other replicas), or raise
    DataDirLocked naming the holder's pid."""
    key = Path(data_dir).resolve()
    with _guard:
        if key in _held:
            raise DataDirLocked(key, str(os.getpid()))
        key.mkdir(parents=True, exist_ok=True)
        fd = os.open(key / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise DataDirLocked(key, holder) from None
        if not shared:
            os.ftruncate(fd, 0)
        # Shared: the last replica to start is named (padded over a longer pid written before).
        os.pwrite(fd, f"{os.getpid()}\n".encode().ljust(16 if shared else 0), 0)
        lock = _held[key] = DataDirLock(key, fd)
        return lock


def claim_data_dir(data_dir: Path, shared: bool = False) -> DataDirLock:
    """For an app starting on `data_dir`: adopt the lock `serve` took in this process, or take it."""
    key = Path(data_dir).resolve()
    with _guard:
        lock = _held.get(key)
        if lock is not None and not lock.claimed:
            lock.claimed = True
            return lock
    lock = acquire_data_dir(key, shared)
    lock.claimed = True
    return lock
