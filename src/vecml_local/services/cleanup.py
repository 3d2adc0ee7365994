"""Removing a collection: its jobs are cancelled, its rows and files deleted."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..storage import Collection, Job, Model
from .context import ServiceContext

__all__ = ["cancel_collection_jobs", "drop_collections", "remove_files"]


def cancel_collection_jobs(
    context: ServiceContext, session: Session, tenant: str, collection_ids: set[int], reason: str
) -> None:
    unfinished = session.scalars(
        select(Job).where(Job.tenant == tenant, Job.status.in_(("pending", "in_progress")))
    ).all()
    touched = [job for job in unfinished if collection_ids & set(job.collection_ids or [])]
    discard_staged_after_commit(context, session, [job for job in touched if job.status == "pending"])
    context.runner.cancel(session, touched, reason)


def discard_staged_after_commit(context: ServiceContext, session: Session, jobs: list[Job]) -> None:
    """Pending jobs being cancelled never run: their staged files go as soon as the cancel commits
    (a running job removes its own when it stops)."""
    tokens = [str(job.payload["token"]) for job in jobs if isinstance(job.payload, dict) and job.payload.get("token")]
    if tokens:

        def discard(_: Session) -> None:
            for token in tokens:
                context.files.discard(token)

        event.listen(session, "after_commit", discard, once=True)


def drop_collections(
    context: ServiceContext, session: Session, tenant: str, collections: list[Collection], reason: str
) -> list[tuple[int, list[int]]]:
    """Delete the rows now; return (collection id, model ids) whose files the caller removes
    after the transaction commits (files go last so a failed commit loses nothing)."""
    ids = {collection.id for collection in collections}
    if ids:  # lock order collection -> model -> job, as publishing and training jobs take them (PostgreSQL)
        session.execute(select(Collection.id).where(Collection.id.in_(ids)).order_by(Collection.id).with_for_update())
        session.execute(select(Model.id).where(Model.collection_id.in_(ids)).order_by(Model.id).with_for_update())
    cancel_collection_jobs(context, session, tenant, ids, reason)
    doomed = []
    for collection in collections:
        model_ids = list(session.scalars(select(Model.id).where(Model.collection_id == collection.id)))
        doomed.append((collection.id, model_ids))
        session.delete(collection)
    return doomed


def remove_files(context: ServiceContext, doomed: list[tuple[int, list[int]]]) -> None:
    for collection_id, model_ids in doomed:
        context.snapshots.forget(collection_id)
        context.files.remove_collection(collection_id)
        for model_id in model_ids:
            context.files.remove_model(model_id)
