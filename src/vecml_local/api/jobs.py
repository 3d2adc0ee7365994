"""Job status routes. All three answer any job id of the caller's key (DESIGN §4)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.common import JobRequest
from ..schemas.job_listing import ListJobsRequest
from ..services import job_listing
from .deps import JSONBody, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["jobs"])


@router.post("/get_upload_data_status", openapi_extra=request_schema(JobRequest))
async def get_upload_data_status(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, JobRequest)
    return await respond(services_of(request).jobs.get_status, tenant, body.job_id)


@router.post("/get_automl_training_status", openapi_extra=request_schema(JobRequest))
async def get_automl_training_status(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, JobRequest)
    return await respond(services_of(request).jobs.get_status, tenant, body.job_id)


@router.post("/get_clustering_training_status", openapi_extra=request_schema(JobRequest))
async def get_clustering_training_status(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, JobRequest)
    return await respond(services_of(request).jobs.get_status, tenant, body.job_id)


@router.post("/list_jobs", openapi_extra=request_schema(ListJobsRequest))
async def list_jobs(request: Request) -> JSONBody:
    """Extension: the caller's jobs, newest first, with the fields of their status answers."""
    tenant, body = await parse_call(request, ListJobsRequest)
    filters = body.model_dump(exclude={"user_api_key"})
    return await respond(job_listing.list_jobs, services_of(request).jobs, tenant, **filters)
