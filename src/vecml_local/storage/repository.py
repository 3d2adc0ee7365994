"""Lookups shared by the services, with the exact "... does not exist" errors."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import BadRequest, NotFound
from .tables import Collection, Job, Model, Project

__all__ = [
    "find_project",
    "get_project",
    "find_collection",
    "get_collection",
    "get_model",
    "list_models",
    "find_model",
    "get_job",
    "check_model_ready",
]


def find_project(session: Session, tenant: str, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.tenant == tenant, Project.name == name))


def get_project(session: Session, tenant: str, name: str) -> Project:
    project = find_project(session, tenant, name)
    if project is None:
        raise NotFound(f"Project {name!r} does not exist")
    return project


def find_collection(session: Session, project: Project, name: str) -> Collection | None:
    return session.scalar(select(Collection).where(Collection.project_id == project.id, Collection.name == name))


def get_collection(session: Session, tenant: str, project_name: str, collection_name: str) -> Collection:
    project = get_project(session, tenant, project_name)
    collection = find_collection(session, project, collection_name)
    if collection is None:
        raise NotFound(f"Collection {collection_name!r} does not exist in project {project_name!r}")
    return collection


def find_model(session: Session, collection: Collection, family: str, name: str) -> Model | None:
    return session.scalar(
        select(Model).where(Model.collection_id == collection.id, Model.family == family, Model.name == name)
    )


def get_model(session: Session, collection: Collection, family: str, name: str) -> Model:
    model = find_model(session, collection, family, name)
    if model is None:
        raise NotFound(f"Model {name!r} does not exist in collection {collection.name!r}")
    return model


def list_models(session: Session, collection: Collection, family: str) -> list[Model]:
    """A collection's models of one family, oldest first."""
    return list(
        session.scalars(
            select(Model)
            .where(Model.collection_id == collection.id, Model.family == family)
            .order_by(Model.created_at, Model.id)
        ).all()
    )


def get_job(session: Session, tenant: str, job_id: str) -> Job:
    # No job id holds a NUL, and PostgreSQL refuses one in a query string: such an id simply
    # does not exist (asking the database would be an error, not an answer).
    job = None if "\x00" in job_id else session.scalar(select(Job).where(Job.job_id == job_id, Job.tenant == tenant))
    if job is None:
        raise NotFound(f"Job {job_id!r} does not exist")
    return job


def check_model_ready(session: Session, model: Model, status_endpoint: str) -> None:
    """400 unless the model finished training; a failed one says why its job failed."""
    if model.status == "training":
        raise BadRequest(f"Model {model.name!r} is still training; poll {status_endpoint}")
    if model.status == "failed":
        job = session.scalar(select(Job).where(Job.job_id == model.job_id))
        reason = f": {job.error_message}" if job is not None and job.error_message else ""
        raise BadRequest(f"Model {model.name!r} failed to train{reason}")
