"""Vector data routes: `add_data`, `add_data_batch`; extensions `get_data`, `delete_data`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.data import (
    AddDataBatchRequest,
    AddDataBatchResponse,
    AddDataRequest,
    AddDataResponse,
    DeleteDataRequest,
    DeleteDataResponse,
    GetDataRequest,
    GetDataResponse,
)
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["data"], route_class=VecmlRoute)


@router.post("/add_data", **contract(AddDataRequest, AddDataResponse))
async def add_data(request: Request) -> JSONBody:
    """Insert one vector (asynchronous: poll `get_upload_data_status`)."""
    tenant, body = await parse_call(request, AddDataRequest)
    return await respond(services_of(request).data.add_data, tenant, body)


@router.post("/add_data_batch", **contract(AddDataBatchRequest, AddDataBatchResponse))
async def add_data_batch(request: Request) -> JSONBody:
    """Insert many vectors, their ids and attributes (asynchronous: poll `get_upload_data_status`)."""
    tenant, body = await parse_call(request, AddDataBatchRequest)
    return await respond(services_of(request).data.add_data_batch, tenant, body)


@router.post("/get_data", **contract(GetDataRequest, GetDataResponse))
async def get_data(request: Request) -> JSONBody:
    """Extension: vectors and attributes by `string_ids`."""
    tenant, body = await parse_call(request, GetDataRequest)
    return await respond(services_of(request).data.get_data, tenant, body)


@router.post("/delete_data", **contract(DeleteDataRequest, DeleteDataResponse))
async def delete_data(request: Request) -> JSONBody:
    """Extension: remove vectors by `string_ids`."""
    tenant, body = await parse_call(request, DeleteDataRequest)
    return await respond(services_of(request).data.delete_data, tenant, body)
