"""A full or read-only data dir: recognised in any layer's exception, reported once.

A write that fails for lack of space (ENOSPC, EDQUOT, SQLite's "database or disk is
full", PostgreSQL's disk_full) or because the filesystem is read-only (EROFS,
SQLite's "readonly database") is the operator's problem, not a bug and not the
client's mistake: the request answers 507 with a message saying what to do, and the
log says it once when the state starts and once when it ends, never per request.

`/ready` reports the state: it is "full" from a failed write until the free space
grows again (a delete freed some) or above `_RESERVE` bytes, "read-only" while the
filesystem is mounted read-only.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from .causes import causes

__all__ = ["StorageHealth", "storage_problem", "FULL", "READ_ONLY"]

log = logging.getLogger("vecml_local.storage")

FULL = "full"
READ_ONLY = "read-only"
_RESERVE = 1024 * 1024  # below this many free bytes the data dir counts as full even without a failed write
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_SQL_FULL = ("database or disk is full", "no space left on device", "could not extend file", "disk quota exceeded")
_SQL_READ_ONLY = ("readonly database", "read-only file system")

MESSAGES = {
    FULL: (
        "The server's storage is full: nothing was stored. Free space (delete collections, projects or "
        "models, or ask the operator to enlarge the disk) and send the request again"
    ),
    READ_ONLY: (
        "The server's data directory is read-only: nothing was stored. Reads still work; "
        "ask the operator to make the data directory writable and send the request again"
    ),
}


def storage_problem(error: BaseException) -> str | None:
    """FULL or READ_ONLY when ``error`` (or what caused it) is a failed write for that reason, else None."""
    for current in causes(error):
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return FULL
        if isinstance(current, OSError) and current.errno == errno.EROFS:
            return READ_ONLY
        text = str(current).lower()
        if getattr(current, "sqlstate", None) == "53100" or getattr(current, "pgcode", None) == "53100":
            return FULL
        if type(current).__module__.split(".")[0] in ("sqlite3", "sqlalchemy", "psycopg", "psycopg2"):
            if any(marker in text for marker in _SQL_FULL):
                return FULL
            if any(marker in text for marker in _SQL_READ_ONLY):
                return READ_ONLY
    return None


class StorageHealth:
    """What the data dir's filesystem last told us; cheap to ask on every `/ready`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._problem: str | None = None
        self._free_at_failure = 0
        self._since = 0.0

    def failed(self, problem: str) -> str:
        """Record a failed write; log only when the state changes. Returns the client message."""
        free = self._free()
        with self._lock:
            changed = self._problem != problem
            self._problem, self._free_at_failure = problem, free
            if changed:
                self._since = time.time()
        if changed:
            log.error(
                "data dir %s is %s (%d bytes free): writes answer 507 until this changes",
                self.root,
                problem,
                free,
            )
        return MESSAGES[problem]

    def state(self) -> str:
        """ "ok", FULL or READ_ONLY, probing the filesystem (a statvfs call)."""
        problem = self._probe()
        with self._lock:
            previous = self._problem
            self._problem = problem
        if previous is not None and problem is None:
            log.warning("data dir %s is writable again with %d bytes free", self.root, self._free())
        return problem or "ok"

    def _probe(self) -> str | None:
        # The subdirectories too: any of them may be a mount of its own.
        for path in (self.root, *(self.root / sub for sub in ("staging", "collections", "models"))):
            try:
                flags = os.statvfs(path).f_flag
            except FileNotFoundError:
                continue
            except OSError:
                return READ_ONLY
            if flags & os.ST_RDONLY:
                return READ_ONLY
        free = self._free()
        with self._lock:
            problem, free_at_failure = self._problem, self._free_at_failure
        if free < _RESERVE:
            return FULL
        if problem == FULL and free <= free_at_failure:
            return FULL
        if problem == READ_ONLY and not os.access(self.root, os.W_OK):
            return READ_ONLY
        return None

    def _free(self) -> int:
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return 0
