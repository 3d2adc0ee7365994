"""Collections: `init`, and the extensions `list_collections`, `get_collection_info`,
`delete_collection`."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import AlreadyExists
from ..schemas.collections import (
    CollectionInfo,
    DeleteCollectionRequest,
    DeleteCollectionResponse,
    GetCollectionInfoRequest,
    GetCollectionInfoResponse,
    InitRequest,
    InitResponse,
    ListCollectionsRequest,
    ListCollectionsResponse,
)
from ..storage import Collection
from ..storage.repository import find_collection, get_collection, get_project
from ..timefmt import format_time, now
from .cleanup import drop_collections, remove_files
from .context import ServiceContext, Tenant
from .readcache import cached_read

__all__ = ["CollectionService", "describe_collection"]


def describe_collection(collection: Collection) -> CollectionInfo:
    return CollectionInfo(**_info_fields(collection))


def _info_fields(collection: Collection) -> dict[str, object]:
    return {
        "collection_name": collection.name,
        "num_vectors": int(collection.num_vectors),
        "vector_dim": int(collection.vector_dim),
        "vector_type": collection.vector_type,
        "attributes": list(collection.attribute_names or []),
        "categorical_features": list(collection.categorical_features or []),
        "column_names": list(collection.column_names) if collection.column_names else None,
        "create_time": format_time(collection.created_at),
    }


class CollectionService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def init(self, tenant: Tenant, request: InitRequest) -> InitResponse:
        project_name, collection_name = request.project_name, request.collection_name
        with self.context.db.session() as session:
            project = get_project(session, tenant.id, project_name)
            if find_collection(session, project, collection_name):
                raise AlreadyExists(f"Collection {collection_name!r} already exists in project {project_name!r}")
            session.add(
                Collection(
                    project_id=project.id,
                    name=collection_name,
                    vector_type=request.vector_type,
                    vector_dim=request.vector_dim,
                    column_names=None,
                    categorical_features=[],
                    attribute_names=[],
                    num_vectors=0,
                    created_at=now(),
                )
            )
        return InitResponse()

    @cached_read
    def list_collections(self, tenant: Tenant, request: ListCollectionsRequest) -> ListCollectionsResponse:
        with self.context.db.session() as session:
            project = get_project(session, tenant.id, request.project_name)
            collections = session.scalars(
                select(Collection).where(Collection.project_id == project.id).order_by(Collection.name)
            ).all()
            return ListCollectionsResponse(collections=[describe_collection(c) for c in collections])

    @cached_read
    def get_collection_info(self, tenant: Tenant, request: GetCollectionInfoRequest) -> GetCollectionInfoResponse:
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, request.project_name, request.collection_name)
            return GetCollectionInfoResponse(**_info_fields(collection))

    def delete_collection(self, tenant: Tenant, request: DeleteCollectionRequest) -> DeleteCollectionResponse:
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, request.project_name, request.collection_name)
            reason = f"Cancelled: collection {request.collection_name!r} was deleted"
            doomed = drop_collections(self.context, session, tenant.id, [collection], reason)
        remove_files(self.context, doomed)
        return DeleteCollectionResponse()
