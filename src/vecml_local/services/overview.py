"""Counts for the console's lists: collections and models per project, in one query each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..storage import Collection, Model, Project
from ..storage.repository import get_collection
from .context import ServiceContext, Tenant

__all__ = ["project_counts", "attribute_values"]


def project_counts(context: ServiceContext, tenant: Tenant) -> dict[str, dict[str, int]]:
    """project name -> {"collections": n, "models": m} for the tenant's projects."""
    with context.db.session() as session:
        collections = session.execute(
            select(Project.name, func.count(Collection.id))
            .outerjoin(Collection, Collection.project_id == Project.id)
            .where(Project.tenant == tenant.id)
            .group_by(Project.name)
        ).all()
        models = session.execute(
            select(Project.name, func.count(Model.id))
            .join(Collection, Collection.project_id == Project.id)
            .join(Model, Model.collection_id == Collection.id)
            .where(Project.tenant == tenant.id)
            .group_by(Project.name)
        ).all()
    counts = {name: {"collections": int(n), "models": 0} for name, n in collections}
    for name, n in models:
        counts.setdefault(name, {"collections": 0, "models": 0})["models"] = int(n)
    return counts


def attribute_values(
    context: ServiceContext, tenant: Tenant, project_name: str, collection_name: str, name: str
) -> list[Any] | None:
    """One attribute of every vector, in storage order (the order of predictions and labels);
    None when the collection has no such attribute."""
    with context.db.session() as session:
        collection = get_collection(session, tenant.id, project_name, collection_name)
        snapshot = context.snapshots.read(session, collection)
    column = snapshot.attributes.get(name)
    return None if column is None else column.tolist()
