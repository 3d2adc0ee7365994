"""`GET /metrics`: Prometheus text format (outside /api, like /health)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..metrics import CONTENT_TYPE

router = APIRouter(tags=["system"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Requests by endpoint and status, request latency, jobs by kind and state, queue depth,
    job durations, vectors stored (see docs/operations.md)."""
    body = await run_in_threadpool(request.app.state.metrics.render)  # reads the database
    return Response(body, media_type=CONTENT_TYPE)
