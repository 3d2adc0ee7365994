"""Online backup and restore of a data dir (`vecml-local backup DEST`, `vecml-local restore SRC`).

Consistency while the server runs comes from two facts: SQLite's online backup API copies
the metadata as of one instant (WAL readers never block the server's writers), and every
file that snapshot refers to is immutable once recorded — a published segment
(`collections/<id>/<dir>`), a ready model (`models/<id>/`), the staged batch of a pending
upload (`staging/<token>`). So the backup is: (1) the database snapshot, (2) a copy of
exactly the files that snapshot names. A delete that lands between (1) and (2) removes a
file the snapshot still names; the copy then starts again (a few attempts), so a backup is
never half of two instants.

In the copy, jobs that were `in_progress` stay so: a server started on the restored dir
fails them with the restart message (and their models with them), as after a crash;
pending jobs run. PostgreSQL metadata is not copied here: take it with `pg_dump` first
(see docs/deployment.md), then this copies the files.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from .. import __version__

__all__ = ["backup", "restore", "BackupError", "BackupReport"]

MANIFEST = "vecml-backup.json"
DATABASE = "vecml.db"
_ATTEMPTS = 5


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class BackupReport:
    files: int
    bytes: int
    database: str  # "sqlite" or "not included (...)"
    seconds: float


def backup(data_dir: Path, database_url: str, dest: Path) -> BackupReport:
    """Copy the running (or stopped) server's data dir to the new directory ``dest``."""
    started = time.monotonic()
    data_dir = Path(data_dir).resolve()
    dest = Path(dest)
    _require_empty(dest, "backup destination")
    sqlite_path = _sqlite_path(database_url)
    for _ in range(_ATTEMPTS):
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        if sqlite_path is not None:
            if not sqlite_path.exists():
                raise BackupError(f"no database at {sqlite_path}: is {data_dir} a vecml-local data dir?")
            _sqlite_snapshot(sqlite_path, dest / DATABASE)
            wanted = _referenced_files(dest / DATABASE)
        else:
            wanted = _all_files(data_dir)
        try:
            count, size = _copy(data_dir, dest, wanted)
        except FileNotFoundError:
            continue  # deleted after the snapshot was taken: take a newer one
        manifest = {
            "format": 1,
            "version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "database": "sqlite" if sqlite_path is not None else "external",
            "files": count,
            "bytes": size,
        }
        (dest / MANIFEST).write_text(json.dumps(manifest, indent=2))
        note = "sqlite" if sqlite_path is not None else "not included (take it with pg_dump)"
        return BackupReport(count, size, note, time.monotonic() - started)
    shutil.rmtree(dest, ignore_errors=True)
    raise BackupError(f"files kept changing under the backup ({_ATTEMPTS} attempts); try again")


def restore(source: Path, data_dir: Path) -> BackupReport:
    """Copy a backup made by :func:`backup` into the empty (or new) ``data_dir``."""
    started = time.monotonic()
    source, data_dir = Path(source), Path(data_dir)
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} is not a vecml-local backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    _require_empty(data_dir, "data dir to restore into")
    data_dir.mkdir(parents=True, exist_ok=True)
    count = size = 0
    for path in sorted(source.rglob("*")):
        if path.is_dir() or path.name == MANIFEST:
            continue
        target = data_dir / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        count += 1
        size += path.stat().st_size
    if count - 1 != int(manifest.get("files", count - 1)) and manifest.get("database") == "sqlite":
        raise BackupError(f"{source} is incomplete: {count - 1} files, the manifest says {manifest['files']}")
    for sub in ("staging", "collections", "models"):
        (data_dir / sub).mkdir(exist_ok=True)
    database = "sqlite" if manifest.get("database") == "sqlite" else "restore it with pg_restore / psql"
    return BackupReport(count, size, database, time.monotonic() - started)


def _require_empty(path: Path, what: str) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"the {what} {path} must be a new or empty directory")


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _sqlite_snapshot(source: Path, target: Path) -> None:
    """SQLite's online backup: one consistent instant, without stopping the server's writers."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _referenced_files(database: Path) -> list[str]:
    """Data-dir relative directories the snapshot refers to (all immutable once recorded)."""
    connection = sqlite3.connect(database)
    try:
        wanted = [
            f"collections/{cid}/{directory}"
            for cid, directory in connection.execute("SELECT collection_id, directory FROM segments")
        ]
        wanted += [f"models/{mid}" for (mid,) in connection.execute("SELECT id FROM models WHERE status = 'ready'")]
        for (payload,) in connection.execute("SELECT payload FROM jobs WHERE status = 'pending'"):
            token = json.loads(payload or "{}").get("token") if payload else None
            if token:
                wanted.append(f"staging/{token}")
    finally:
        connection.close()
    return wanted


def _all_files(data_dir: Path) -> list[str]:
    wanted = []
    for sub in ("collections", "models", "staging"):
        root = data_dir / sub
        if not root.is_dir():
            continue
        for first in root.iterdir():
            if sub == "collections" and first.is_dir():
                wanted += [f"{sub}/{first.name}/{second.name}" for second in first.iterdir() if second.is_dir()]
            elif not first.name.endswith(".tmp"):
                wanted.append(f"{sub}/{first.name}")
    return wanted


def _copy(data_dir: Path, dest: Path, relative: list[str]) -> tuple[int, int]:
    count = size = 0
    for name in relative:
        source = data_dir / name
        if not source.exists():
            raise FileNotFoundError(source)
        for path in [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file()):
            target = dest / path.relative_to(data_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            count += 1
            size += path.stat().st_size
    _fsync_tree(dest)
    return count, size


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
