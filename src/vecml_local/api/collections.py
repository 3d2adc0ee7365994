"""Collection routes: `init`; extensions `list_collections`, `get_collection_info`,
`delete_collection`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.collections import (
    DeleteCollectionRequest,
    DeleteCollectionResponse,
    GetCollectionInfoRequest,
    GetCollectionInfoResponse,
    InitRequest,
    InitResponse,
    ListCollectionsRequest,
    ListCollectionsResponse,
)
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["collections"], route_class=VecmlRoute)


@router.post("/init", **contract(InitRequest, InitResponse, 409))
async def init(request: Request) -> JSONBody:
    """Create an empty dataset with a fixed vector type and dimension (409 if it exists)."""
    tenant, body = await parse_call(request, InitRequest)
    return await respond(services_of(request).collections.init, tenant, body)


@router.post("/list_collections", **contract(ListCollectionsRequest, ListCollectionsResponse))
async def list_collections(request: Request) -> JSONBody:
    """Extension: the collections of a project with their sizes and schema."""
    tenant, body = await parse_call(request, ListCollectionsRequest)
    return await respond(services_of(request).collections.list_collections, tenant, body)


@router.post("/get_collection_info", **contract(GetCollectionInfoRequest, GetCollectionInfoResponse))
async def get_collection_info(request: Request) -> JSONBody:
    """Extension: size, type, dimension, attribute names and categoricals of a collection."""
    tenant, body = await parse_call(request, GetCollectionInfoRequest)
    return await respond(services_of(request).collections.get_collection_info, tenant, body)


@router.post("/delete_collection", **contract(DeleteCollectionRequest, DeleteCollectionResponse))
async def delete_collection(request: Request) -> JSONBody:
    """Extension: remove a collection with its vectors, models and unfinished jobs."""
    tenant, body = await parse_call(request, DeleteCollectionRequest)
    return await respond(services_of(request).collections.delete_collection, tenant, body)
