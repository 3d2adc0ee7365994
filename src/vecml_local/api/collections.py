"""Collection routes: `init`; extensions `list_collections`, `get_collection_info`,
`delete_collection`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.data import (
    DeleteCollectionRequest,
    GetCollectionInfoRequest,
    InitRequest,
    ListCollectionsRequest,
)
from .deps import JSONBody, VecmlRoute, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["collections"], route_class=VecmlRoute)


@router.post("/init", openapi_extra=request_schema(InitRequest))
async def init(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, InitRequest)
    service = services_of(request).collections
    return await respond(
        service.init, tenant, body.project_name, body.collection_name, body.vector_type, body.vector_dim
    )


@router.post("/list_collections", openapi_extra=request_schema(ListCollectionsRequest))
async def list_collections(request: Request) -> JSONBody:
    """Extension: the collections of a project with their sizes and schema."""
    tenant, body = await parse_call(request, ListCollectionsRequest)
    return await respond(services_of(request).collections.list_collections, tenant, body.project_name)


@router.post("/get_collection_info", openapi_extra=request_schema(GetCollectionInfoRequest))
async def get_collection_info(request: Request) -> JSONBody:
    """Extension: size, type, dimension, attribute names and categoricals of a collection."""
    tenant, body = await parse_call(request, GetCollectionInfoRequest)
    service = services_of(request).collections
    return await respond(service.get_collection_info, tenant, body.project_name, body.collection_name)


@router.post("/delete_collection", openapi_extra=request_schema(DeleteCollectionRequest))
async def delete_collection(request: Request) -> JSONBody:
    """Extension: remove a collection with its vectors, models and unfinished jobs."""
    tenant, body = await parse_call(request, DeleteCollectionRequest)
    service = services_of(request).collections
    return await respond(service.delete_collection, tenant, body.project_name, body.collection_name)
