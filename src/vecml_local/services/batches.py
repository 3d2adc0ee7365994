"""Staging a checked batch and publishing it in a job: shared by `add_data_batch` and
the file uploads. The batch is durable on disk before the request answers; the job
publishes it and records it in the same transaction that marks the job finished."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import BadRequest
from ..jobs import JobContext, make_job_id
from ..storage import Collection, Segment
from ..storage.db import database_unavailable
from ..timefmt import now
from .context import ServiceContext, Tenant

__all__ = [
    "Batch",
    "UPLOAD_KIND",
    "check_new_ids",
    "indexed",
    "submit_batch",
    "publish_batch",
    "generated_ids",
    "segment_recorded",
]

UPLOAD_KIND = "upload"


@dataclass
class Batch:
    vectors: np.ndarray | sp.csr_matrix
    ids: list[str]
    attributes: dict[str, list[Any]]
    categorical: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def generated_ids(count: int) -> list[str]:
    """Ids for rows the client gave none: unique across batches, stable order within one."""
    prefix = uuid.uuid4().hex[:12]
    return [f"{prefix}-{i}" for i in range(count)]


def indexed(field: str, i: int) -> str:
    """How a batch names the `i`-th entry of a list field: `string_ids[3]`."""
    return f"{field}[{i}]"


def check_new_ids(ids: list[str], stored: frozenset[str] | None, name: Callable[[str, int], str] = indexed) -> None:
    """Refuse ids repeated in the batch or already stored; nothing is inserted then."""
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for i, sid in enumerate(ids):
            if sid in seen:
                raise BadRequest(f"{name('string_ids', i)} {sid!r} appears more than once in this batch")
            seen.add(sid)
    if stored:
        for i, sid in enumerate(ids):
            if sid in stored:
                raise BadRequest(
                    f"{name('string_ids', i)} {sid!r} already exists in the collection; nothing was inserted"
                )


def submit_batch(
    context: ServiceContext, tenant: Tenant, collection: Collection, project_name: str, batch: Batch
) -> str:
    """Stage the batch durably, then queue its publishing job; return the job id."""
    token = context.files.stage(ids=batch.ids, attributes=batch.attributes, vectors=batch.vectors)
    try:
        return _queue(context, tenant, collection, project_name, batch, token)
    except BaseException:
        context.files.discard(token)  # no job will ever publish it
        raise


def _queue(
    context: ServiceContext, tenant: Tenant, collection: Collection, project_name: str, batch: Batch, token: str
) -> str:
    job_id = make_job_id(context.job_id_prefix(tenant), project_name, collection.name, "UploadDataJob")
    payload = {
        "token": token,
        "collection_id": collection.id,
        "num_rows": len(batch.ids),
        "categorical": batch.categorical,
        "warnings": batch.warnings,
        "dim": int(batch.vectors.shape[1]),
        "attribute_names": list(batch.attributes),
    }
    with context.db.session() as session:
        job = context.runner.create(
            session,
            kind=UPLOAD_KIND,
            job_id=job_id,
            tenant=tenant.id,
            collection_ids=[collection.id],
            payload=payload,
            project_name=project_name,
            collection_name=collection.name,
        )
        seq = job.seq
    context.runner.enqueue(seq, [collection.id])
    return job_id


def _merge(existing: list[Any] | None, new: list[str]) -> list[str]:
    merged = list(existing or [])
    merged.extend(name for name in new if name not in merged)
    return merged


def collection_of_job(
    context: ServiceContext, session: Session, collection_id: int, what: str, discard: str | None = None
) -> Collection:
    """The job's collection; if it was deleted meanwhile, drop the staged files
    (`discard` token) and fail the job saying what could not be done."""
    collection = session.get(Collection, collection_id)
    if collection is None:
        if discard is not None:
            context.files.discard(discard)
        raise BadRequest(f"The collection was deleted before {what}")
    return collection


def publish_batch(context: ServiceContext, job: JobContext) -> dict[str, Any]:
    """Job handler for UPLOAD_KIND. Whatever ends it early removes its files at once: the staged
    batch, or the segment published but not recorded (the collection was deleted meanwhile)."""
    token, collection_id = job.payload["token"], job.payload["collection_id"]
    try:
        return _publish(context, job, token, collection_id)
    except Exception as error:
        if database_unavailable(error):
            raise  # the runner runs the job again once the database is back: keep its files
        _discard_batch(context, token, collection_id)
        raise
    except BaseException:
        _discard_batch(context, token, collection_id)
        raise


def _discard_batch(context: ServiceContext, token: str, collection_id: int) -> None:
    context.files.discard(token)
    context.files.remove_unrecorded_segment(collection_id, token, recorded=lambda: segment_recorded(context, token))


def segment_recorded(context: ServiceContext, token: str) -> bool:
    """Whether a segment directory is recorded in the metadata (published for good)."""
    with context.db.session() as session:
        return session.scalar(select(Segment.id).where(Segment.directory == token)) is not None


def _publish(context: ServiceContext, job: JobContext, token: str, collection_id: int) -> dict[str, Any]:
    payload = job.payload
    job.report(0.05, "checking the batch's ids against the collection")
    with context.db.session() as session:
        collection = collection_of_job(context, session, collection_id, "the upload was stored", discard=token)
        stored = context.snapshots.live_ids(session, collection)
    if (context.files.staging / token).exists():
        staged_ids = context.files.read_staged_ids(token)
    else:  # run again after the database went away: the batch was moved in but not recorded
        staged_ids = context.files.read_ids(collection_id, token)
    try:
        check_new_ids(staged_ids, stored)
    except BadRequest:
        context.files.discard(token)
        raise
    job.report(0.5, f"publishing {len(staged_ids)} vectors")
    context.files.publish(token, collection_id)
    job.report(0.9, "recording the batch")
    result = {"num_vectors": len(staged_ids), "warnings": payload.get("warnings", [])}
    with context.db.session() as session:
        collection = collection_of_job(context, session, collection_id, "the upload was stored")
        session.add(
            Segment(
                collection_id=collection_id, kind="vectors", directory=token, num_rows=len(staged_ids), created_at=now()
            )
        )
        collection.num_vectors = int(collection.num_vectors) + len(staged_ids)
        collection.vector_dim = max(int(collection.vector_dim), int(payload.get("dim") or 0))
        collection.attribute_names = _merge(collection.attribute_names, payload.get("attribute_names", []))
        collection.categorical_features = _merge(collection.categorical_features, payload.get("categorical", []))
        job.finish(session, result)
    return result
