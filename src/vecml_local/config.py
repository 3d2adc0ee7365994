"""Settings, read once from `VECML_LOCAL_*` environment variables; CLI flags override."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "MB"]

MB = 1024 * 1024


class Settings(BaseSettings):
    """Everything the server can be told. Never instantiated at import time."""

    model_config = SettingsConfigDict(env_prefix="VECML_LOCAL_", extra="ignore")

    host: str = Field("127.0.0.1", description="Interface to bind (0.0.0.0 inside docker).")
    port: int = Field(8780, ge=0, le=65535, description="TCP port; 0 picks a free one.")
    data_dir: Path = Field(Path("./vecml-data"), description="SQLite file, vector segments, models.")
    database_url: str | None = Field(None, description="SQLAlchemy URL for metadata; default sqlite in the data dir.")
    workers: int = Field(2, ge=1, le=64, description="Job runner threads (uploads, training).")
    auth: Literal["open", "keys"] = Field(
        "open", description="open: any non-empty key is its own tenant; keys: only created keys."
    )
    rate_limit_per_second: float = Field(0, ge=0, description="Requests per second per key; 0 turns the limit off.")
    max_request_bytes: int = Field(200 * MB, ge=1, description="Largest request body accepted.")
    max_decoded_bytes: int = Field(2048 * MB, ge=1, description="Largest decoded (decompressed) file accepted.")
    job_min_polls: int = Field(0, ge=0, le=1000, description="A job reports in_progress for its first N status polls.")
    max_queued_jobs_per_key: int = Field(
        200, ge=0, description="Unfinished jobs a key may have; more answer 'Request limit reached'. 0: no limit."
    )
    stop_grace_seconds: float = Field(
        20, ge=0, description="On SIGTERM: seconds for running jobs and requests to stop before the process exits."
    )
    allow_remote_controls: bool = Field(False, description="open mode: serve /_local/* to non-loopback clients too.")
    admin_token: str | None = Field(None, description="keys mode: the X-Admin-Token that unlocks /_local/*.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        "info", description="Log level; `info` logs one line per request and per job state change."
    )
    log_format: Literal["text", "json"] = Field("text", description="Log lines as text or as JSON objects.")
    executor: Literal["local", "dask"] = Field(
        "local", description="Where jobs run: local (this process's threads) or dask (a Dask cluster's workers)."
    )
    dask_scheduler: str | None = Field(
        None, description="With executor dask: the scheduler's address, e.g. tcp://scheduler:8786."
    )
    partition_rows: int = Field(
        0,
        ge=0,
        description="With executor dask: a collection of more rows trains in partitions of at most this many "
        "rows (0: when its vectors exceed a quarter of the smallest worker's memory limit).",
    )
    dask_wait_seconds: float = Field(
        600, ge=0, description="With executor dask: how long a job stays pending while the scheduler is down."
    )
    replica_lease_seconds: float = Field(
        30, ge=3, description="Shared database: a replica silent this long is dead and its running jobs fail."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vecml.db').resolve()}"
