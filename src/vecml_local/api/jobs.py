"""Job status routes. All three answer any job id of the caller's key (DESIGN §4)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.common import KeyedRequest
from .deps import JSONBody, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["jobs"])


class JobStatusRequest(KeyedRequest):
    job_id: object = None


@router.post("/get_upload_data_status", openapi_extra=request_schema(JobStatusRequest))
async def get_upload_data_status(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, JobStatusRequest)
    return await respond(services_of(request).jobs.get_status, tenant, body.job_id)


@router.post("/get_automl_training_status", openapi_extra=request_schema(JobStatusRequest))
async def get_automl_training_status(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, JobStatusRequest)
    return await respond(services_of(request).jobs.get_status, tenant, body.job_id)


@router.post("/get_clustering_training_status", openapi_extra=request_schema(JobStatusRequest))
async def get_clustering_training_status(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, JobStatusRequest)
    return await respond(services_of(request).jobs.get_status, tenant, body.job_id)
