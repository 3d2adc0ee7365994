"""What every service needs, built once per app: settings, database, files, jobs."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..jobs import JobRunner, job_id_prefix
from ..storage import Database, DataFiles, SnapshotReader
from .readcache import ReadCache

__all__ = ["ServiceContext", "Tenant"]


@dataclass(frozen=True)
class Tenant:
    """One API key's world. `id` is the key's SHA-256; the key itself is never stored."""

    id: str

    @property
    def fingerprint(self) -> str:
        return self.id[:12]


@dataclass
class ServiceContext:
    settings: Settings
    db: Database
    files: DataFiles
    snapshots: SnapshotReader
    runner: JobRunner
    read_cache: ReadCache
    job_id_secret: bytes = b""

    def job_id_prefix(self, tenant: Tenant) -> str:
        return job_id_prefix(self.job_id_secret, tenant.id)

    @classmethod
    def build(cls, settings: Settings) -> ServiceContext:
        files = DataFiles(settings.data_dir)
        db = Database(settings.resolved_database_url())
        db.create_schema()
        return cls(
            settings=settings,
            db=db,
            files=files,
            snapshots=SnapshotReader(files),
            runner=JobRunner(db, settings.workers),
            # Only the default SQLite file is guarded by the data-dir lock (one writer: us).
            read_cache=ReadCache(db, enabled=not settings.database_url),
            job_id_secret=db.install_secret("job_ids"),
        )
