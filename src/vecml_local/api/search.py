"""Search route: `search` (extension). Exact nearest neighbours of query vectors or stored ids."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.search import SearchRequest, SearchResponse
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["search"], route_class=VecmlRoute)


@router.post("/search", **contract(SearchRequest, SearchResponse))
async def search(request: Request) -> JSONBody:
    """Extension: the `top_k` stored vectors closest to each query, closest first."""
    tenant, body = await parse_call(request, SearchRequest)
    return await respond(services_of(request).search.search, tenant, body)
