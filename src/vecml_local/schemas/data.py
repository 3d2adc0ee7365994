from __future__ import annotations

from typing import Any

from .common import CollectionRequest, ProjectRequest

__all__ = [
    "InitRequest",
    "ListCollectionsRequest",
    "GetCollectionInfoRequest",
    "DeleteCollectionRequest",
    "AddDataRequest",
    "AddDataBatchRequest",
    "GetDataRequest",
    "DeleteDataRequest",
]


class InitRequest(CollectionRequest):
    vector_type: Any
    vector_dim: Any


class ListCollectionsRequest(ProjectRequest):
    pass


class GetCollectionInfoRequest(CollectionRequest):
    pass


class DeleteCollectionRequest(CollectionRequest):
    pass


class AddDataRequest(CollectionRequest):
    data: Any
    string_id: Any = None
    attributes: Any = None


class AddDataBatchRequest(CollectionRequest):
    data: Any
    string_ids: Any = None
    attributes: Any = None


class GetDataRequest(CollectionRequest):
    string_ids: Any


class DeleteDataRequest(CollectionRequest):
    string_ids: Any
