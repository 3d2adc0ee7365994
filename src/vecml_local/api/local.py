"""Emulator controls under /_local (never under /api): `reset`, `job_timing` and `info`.

Not part of the VecML API; see docs/testing-your-client.md.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..schemas.local import InfoResponse, JobTimingRequest, JobTimingResponse, ResetRequest, ResetResponse
from .deps import JSONBody, VecmlRoute, contract, error_responses, parse_unauthenticated, respond, services_of

router = APIRouter(tags=["emulator"], route_class=VecmlRoute)


@router.post("/reset", **contract(ResetRequest, ResetResponse, 403))
async def reset(request: Request) -> JSONBody:
    """Emulator control: delete one tenant's (or every tenant's) projects, files and jobs."""
    services = services_of(request)
    body = await parse_unauthenticated(request, ResetRequest)
    resets_all = services.local.reset_target(body) == "all"
    tenant = None if resets_all else await run_in_threadpool(services.keys.authenticate, body.user_api_key)
    return await respond(services.local.reset, tenant, body)


@router.post("/job_timing", **contract(JobTimingRequest, JobTimingResponse, 403))
async def job_timing(request: Request) -> JSONBody:
    """Emulator control: set VECML_LOCAL_JOB_MIN_POLLS on the running server."""
    body = await parse_unauthenticated(request, JobTimingRequest)
    return await respond(services_of(request).local.set_job_timing, None, body)


@router.get("/info", response_model=InfoResponse, responses=error_responses(), response_class=JSONBody)
async def info(request: Request) -> JSONBody:
    """Emulator control: version and the settings in force (secrets masked)."""
    return JSONBody(services_of(request).local.info())
