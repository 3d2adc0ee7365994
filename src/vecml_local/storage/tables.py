"""SQLAlchemy tables for all metadata. Vectors and model files live on disk (see segments.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..limits import MAX_APPLICATION_LENGTH

__all__ = [
    "Base",
    "ApiKey",
    "Project",
    "Collection",
    "Segment",
    "DeletedId",
    "Model",
    "Job",
    "InstallSecret",
    "Replica",
]


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ApiKey(Base):
    """Keys created with `vecml-local keys create` (auth mode `keys`); only a hash is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("tenant", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(128))
    application: Mapped[str] = mapped_column(String(MAX_APPLICATION_LENGTH), default="")
    created_at: Mapped[datetime]


class Collection(Base):
    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    vector_type: Mapped[str] = mapped_column(String(16))
    vector_dim: Mapped[int] = mapped_column(Integer)
    # Names of the vector components when a file named them; None means "column 1..N".
    column_names: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    categorical_features: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attribute_names: Mapped[list[Any]] = mapped_column(JSON, default=list)
    num_vectors: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]


class Segment(Base):
    """One published, immutable batch of rows (kind `vectors`) or labels (kind `attributes`)."""

    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    directory: Mapped[str] = mapped_column(String(64))
    num_rows: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class DeletedId(Base):
    """Tombstone for a vector removed by `delete_data` (segments are append-only)."""

    __tablename__ = "deleted_ids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    string_id: Mapped[str] = mapped_column(Text)
    # Hides rows of segments up to this id only, so the id can be inserted again later.
    up_to_segment: Mapped[int] = mapped_column(Integer)


class Model(Base):
    """A trained (or training) AutoML or clustering model; files under models/<id>/."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("collection_id", "family", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(16))  # "automl" | "clustering"
    name: Mapped[str] = mapped_column(String(128))
    model_type: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="training")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    job_id: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime]


class Job(Base):
    __tablename__ = "jobs"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(400), unique=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    project_name: Mapped[str] = mapped_column(String(128), default="")
    collection_name: Mapped[str] = mapped_column(String(128), default="")
    model_name: Mapped[str] = mapped_column(String(128), default="")
    # Collection ids this job reads or writes: jobs sharing one run in submission order.
    collection_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error_message: Mapped[str] = mapped_column(Text, default="")
    poll_count: Mapped[int] = mapped_column(Integer, default=0)  # unused: polls are counted in memory
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Last progress a running job reported (written at most every PERSIST_EVERY seconds).
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    progress_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    eta_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The API replica that claimed the job (jobs/replicas.py) and how many times it was claimed.
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)


class InstallSecret(Base):
    """Random secrets made once per install (one metadata database), shared by every replica
    and worker using it: `job_ids` keys the job-id prefix (`jobs.context.job_id_prefix`)."""

    __tablename__ = "install_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class Replica(Base):
    """One API process serving a shared database (PostgreSQL), alive while its heartbeat is
    younger than the lease (jobs/replicas.py). Times are the database server's clock."""

    __tablename__ = "replicas"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    port: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)
