"""Vector data routes: `add_data`, `add_data_batch`; extensions `get_data`, `delete_data`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.data import AddDataBatchRequest, AddDataRequest, DeleteDataRequest, GetDataRequest
from .deps import JSONBody, VecmlRoute, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["data"], route_class=VecmlRoute)


@router.post("/add_data", openapi_extra=request_schema(AddDataRequest))
async def add_data(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, AddDataRequest)
    return await respond(
        services_of(request).data.add_data,
        tenant,
        body.project_name,
        body.collection_name,
        body.data,
        body.string_id,
        body.attributes,
    )


@router.post("/add_data_batch", openapi_extra=request_schema(AddDataBatchRequest))
async def add_data_batch(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, AddDataBatchRequest)
    return await respond(
        services_of(request).data.add_data_batch,
        tenant,
        body.project_name,
        body.collection_name,
        body.data,
        body.string_ids,
        body.attributes,
    )


@router.post("/get_data", openapi_extra=request_schema(GetDataRequest))
async def get_data(request: Request) -> JSONBody:
    """Extension: vectors and attributes by `string_ids`."""
    tenant, body = await parse_call(request, GetDataRequest)
    return await respond(
        services_of(request).data.get_data, tenant, body.project_name, body.collection_name, body.string_ids
    )


@router.post("/delete_data", openapi_extra=request_schema(DeleteDataRequest))
async def delete_data(request: Request) -> JSONBody:
    """Extension: remove vectors by `string_ids`."""
    tenant, body = await parse_call(request, DeleteDataRequest)
    return await respond(
        services_of(request).data.delete_data, tenant, body.project_name, body.collection_name, body.string_ids
    )
