"""Liveness and readiness, outside /api."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from .. import __version__
from .deps import JSONBody, services_of

router = APIRouter(tags=["system"])


@router.get("/health")
async def health() -> JSONBody:
    return JSONBody({"status": "ok", "version": __version__})


@router.get("/ready")
async def ready(request: Request) -> JSONBody:
    context = services_of(request).context
    storage = context.files.space.state()  # "ok", "full" or "read-only"
    checks = {
        "database": context.db.ping(),
        "data_dir": storage == "ok",
        "job_runner": context.runner.running,
    }
    if context.runner.executor.name != "local":  # the Dask scheduler answers and has workers
        checks["executor"] = await run_in_threadpool(context.runner.executor.healthy)
    ok = all(checks.values())
    body = {"status": "ready" if ok else "not ready", "checks": checks, "storage": storage}
    body["kernels"] = services_of(request).warmup.state  # numba warm-up: informative, not a check
    return JSONBody(body, status_code=200 if ok else 503)
