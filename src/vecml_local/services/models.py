"""What AutoML and clustering models share: deleting one (row, training job, files)."""

from __future__ import annotations

from sqlalchemy import select

from ..storage import Job
from ..storage.repository import get_collection, get_model
from .context import ServiceContext, Tenant

__all__ = ["delete_model"]


def delete_model(context: ServiceContext, tenant: Tenant, project_name: str, collection_name: str,
                 family: str, name: str) -> int:
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
