"""Emulator controls under /_local (never under /api): `reset`, `job_timing` and `info`.

Not part of the VecML API; see docs/testing-your-client.md.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from .body import read_body
from .deps import JSONBody, request_schema, respond, services_of

router = APIRouter(tags=["emulator"])


class ResetRequest(BaseModel):
    """`{"user_api_key": "..."}` resets that tenant; `{"all": true}` resets every tenant."""

    model_config = ConfigDict(extra="ignore")
    user_api_key: str | None = None
    all: bool = False


@router.post("/reset", openapi_extra=request_schema(ResetRequest))
async def reset(request: Request) -> JSONBody:
    """Emulator control: delete one tenant's (or every tenant's) projects, files and jobs."""
    services = services_of(request)
    raw = await read_body(request, services.context.settings.max_request_bytes)
    header = request.headers.get("authorization", "")
    if not raw.get("user_api_key") and header.lower().startswith("bearer "):
        raw["user_api_key"] = header[7:].strip()
    if services.local.reset_target(raw) == "all":
        return await respond(services.local.reset_all)
    tenant = await run_in_threadpool(services.keys.authenticate, raw["user_api_key"])
    return await respond(services.local.reset_tenant, tenant)


class JobTimingRequest(BaseModel):
    """`{"job_min_polls": N}`: jobs report in_progress for their first N status polls."""

    model_config = ConfigDict(extra="ignore")
    job_min_polls: int


@router.post("/job_timing", openapi_extra=request_schema(JobTimingRequest))
async def job_timing(request: Request) -> JSONBody:
    """Emulator control: set VECML_LOCAL_JOB_MIN_POLLS on the running server."""
    services = services_of(request)
    raw = await read_body(request, services.context.settings.max_request_bytes)
    return await respond(services.local.set_job_timing, raw.get("job_min_polls"))


@router.get("/info")
async def info(request: Request) -> JSONBody:
    """Emulator control: version and the settings in force (secrets masked)."""
    return JSONBody(services_of(request).local.info())
