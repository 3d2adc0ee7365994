"""Liveness and readiness, outside /api."""

from __future__ import annotations

from fastapi import APIRouter
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
    checks = {
        "database": context.db.ping(),
        "data_dir": context.files.writable(),
        "job_runner": context.runner.running,
    }
    ok = all(checks.values())
    return JSONBody({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)
