"""What AutoML and clustering models share: finishing or failing a training job's
model, deleting one (row, training job, files)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import BadRequest
from ..jobs import JobContext
from ..storage import Job, Model
from ..storage.repository import get_collection, get_model
from .context import ServiceContext, Tenant

__all__ = ["delete_model", "mark_model_ready", "mark_model_failed"]


def delete_model(
    context: ServiceContext, tenant: Tenant, project_name: str, collection_name: str, family: str, name: str
) -> int:
    """Delete a model by name, cancel its training job if it still runs, remove its files.

    Returns the deleted model's id. The model row is deleted (and flushed) before the
    job row is touched: a finishing training job locks them in that order too, so on
    PostgreSQL the two transactions queue instead of deadlocking.
    """
    with context.db.session() as session:
        collection = get_collection(session, tenant.id, project_name, collection_name)
        model = get_model(session, collection, family, name)
        model_id, job_id = model.id, model.job_id
        session.delete(model)
        session.flush()
        jobs = session.scalars(select(Job).where(Job.job_id == job_id)).all()
        context.runner.cancel(session, jobs, f"Cancelled: model {name!r} was deleted")
    context.files.remove_model(model_id)
    return model_id


def mark_model_ready(
    context: ServiceContext, job: JobContext, model_id: int, info: dict[str, Any], result: dict[str, Any]
) -> None:
    """The model trained: store its info and finish the job in one transaction. If the
    model was deleted meanwhile, drop the files the job wrote and fail the job."""
    with context.db.session() as session:
        model = session.get(Model, model_id)
        if model is None:
            context.files.remove_model(model_id)
            raise BadRequest("The model was deleted during training")
        model.status, model.info = "ready", info
        job.finish(session, result)


def mark_model_failed(context: ServiceContext, model_id: int) -> None:
    """Training failed: a model still marked `training` becomes `failed`."""
    with context.db.session() as session:
        model = session.get(Model, model_id)
        if model is not None and model.status == "training":
            model.status = "failed"
