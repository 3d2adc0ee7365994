"""Job status routes. All three answer any job id of the caller's key (DESIGN §4)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.job_listing import ListJobsRequest, ListJobsResponse
from ..schemas.jobs import (
    AutomlTrainingStatusResponse,
    ClusteringTrainingStatusResponse,
    JobRequest,
    UploadDataStatusResponse,
)
from ..services import job_listing
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["jobs"], route_class=VecmlRoute)


@router.post("/get_upload_data_status", **contract(JobRequest, UploadDataStatusResponse))
async def get_upload_data_status(request: Request) -> JSONBody:
    """Status of an upload, `add_data_batch` or label job (any job id of the key is answered)."""
    tenant, body = await parse_call(request, JobRequest)
    return await respond(services_of(request).jobs.get_upload_data_status, tenant, body)


@router.post("/get_automl_training_status", **contract(JobRequest, AutomlTrainingStatusResponse))
async def get_automl_training_status(request: Request) -> JSONBody:
    """Status of an AutoML training job (any job id of the key is answered)."""
    tenant, body = await parse_call(request, JobRequest)
    return await respond(services_of(request).jobs.get_automl_training_status, tenant, body)


@router.post("/get_clustering_training_status", **contract(JobRequest, ClusteringTrainingStatusResponse))
async def get_clustering_training_status(request: Request) -> JSONBody:
    """Status of a clustering training job (any job id of the key is answered)."""
    tenant, body = await parse_call(request, JobRequest)
    return await respond(services_of(request).jobs.get_clustering_training_status, tenant, body)


@router.post("/list_jobs", **contract(ListJobsRequest, ListJobsResponse))
async def list_jobs(request: Request) -> JSONBody:
    """Extension: the caller's jobs, newest first, with the fields of their status answers."""
    tenant, body = await parse_call(request, ListJobsRequest)
    return await respond(job_listing.list_jobs, services_of(request).jobs, tenant, body)
