"""Search route: `search` (extension). Exact nearest neighbours of query vectors or stored ids."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.search import (
    BuildIndexRequest,
    BuildIndexResponse,
    DeleteIndexRequest,
    DeleteIndexResponse,
    SearchRequest,
    SearchResponse,
)
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["search"], route_class=VecmlRoute)


@router.post("/search", **contract(SearchRequest, SearchResponse))
async def search(request: Request) -> JSONBody:
    """Extension: the `top_k` stored vectors closest to each query, closest first."""
    tenant, body = await parse_call(request, SearchRequest)
    return await respond(services_of(request).search.search, tenant, body)


@router.post("/build_index", **contract(BuildIndexRequest, BuildIndexResponse))
async def build_index(request: Request) -> JSONBody:
    """Extension: build an approximate (HNSW) index for `search` with `approximate: true`."""
    tenant, body = await parse_call(request, BuildIndexRequest)
    return await respond(services_of(request).search.build_index, tenant, body)


@router.post("/delete_index", **contract(DeleteIndexRequest, DeleteIndexResponse))
async def delete_index(request: Request) -> JSONBody:
    """Extension: drop a collection's approximate index."""
    tenant, body = await parse_call(request, DeleteIndexRequest)
    return await respond(services_of(request).search.delete_index, tenant, body)
