"""`create_app(settings)`: routers, error handlers, middleware and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from . import __version__
from .api import API_PREFIX, API_ROUTERS, LOCAL_PREFIX, LOCAL_ROUTERS, ROOT_ROUTERS
from .api.controls import LocalControlsGuard, warn_if_exposed
from .api.deps import JSONBody
from .api.docs import install_docs
from .api.fastpath import FastPathApp, MemoryAnswers
from .api.storage_errors import add_storage_error_handlers
from .config import Settings
from .errors import RateLimited, VecmlError, client_error, error_body, internal_error
from .metrics import Metrics
from .middleware import PathAndSizeMiddleware, RequestObserver
from .services import Services
from .ui import router as console_router

__all__ = ["create_app"]

_CLOSE = {"Connection": "close"}
DESCRIPTION = (
    "A self-hosted server that speaks the VecML cloud REST API: the endpoints, field names and "
    "answers of the VecML documentation, under `/api`. Every endpoint is a POST with a JSON body "
    'carrying `user_api_key`; an error answer is `{"success": false, "error_message": ...}` '
    "with a 4xx status naming the field, row or line at fault. Emulator controls live under `/_local`."
)

# The API families as the VecML documentation groups them, then this server's own.
TAGS = [
    {"name": "projects", "description": "Projects: the top-level containers of datasets and models."},
    {"name": "collections", "description": "Datasets (collections): vectors of one type and dimension."},
    {"name": "data", "description": "Insert vectors with their ids and attributes; read or delete them (extension)."},
    {"name": "files", "description": "Upload csv, json, libsvm or binary files as datasets; attach label files."},
    {"name": "jobs", "description": "Poll asynchronous jobs: pending, in_progress, finished or failed."},
    {"name": "automl", "description": "Train classification and regression models on a dataset; predict."},
    {"name": "clustering", "description": "K-means, DBSCAN and HDBSCAN models, their labels, metrics and t-SNE views."},
    {"name": "search", "description": "Extension: exact nearest-neighbour search of a dataset."},
    {"name": "analysis", "description": "Extension: where a model's predictions fail, cluster by cluster."},
    {"name": "emulator", "description": "Controls of this server (under /_local, not part of the VecML API)."},
    {"name": "system", "description": "Liveness and readiness."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services(settings)
        services.context.runner.observers.append(app.state.metrics.job_changed)
        services.start()
        app.state.services = services
        try:
            yield
        finally:
            services.stop()

    app = FastPathApp(
        title="vecml-local",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served by `install_docs` with local assets
        redoc_url=None,
    )
    app.state.settings = settings
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for router in LOCAL_ROUTERS:
        app.include_router(router, prefix=LOCAL_PREFIX)
    for router in ROOT_ROUTERS:
        app.include_router(router)
    app.include_router(console_router)
    install_docs(app)
    _add_error_handlers(app)
    add_storage_error_handlers(app)
    app.add_middleware(LocalControlsGuard, settings=settings)
    warn_if_exposed(settings)
    app.add_middleware(PathAndSizeMiddleware, max_request_bytes=settings.max_request_bytes)
    app.state.metrics = Metrics(app)
    app.memory_answers = MemoryAnswers(app)  # polls answered from memory before the stack (api/fastpath.py)
    app.add_middleware(
        RequestObserver, observers=[app.state.metrics.request_done]
    )  # outermost: sees every answer, the early 413 included
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(VecmlError)
    async def vecml_error(_: Request, error: VecmlError) -> Response:
        if isinstance(error, RateLimited):
            return PlainTextResponse(RateLimited.cloud_text, status_code=400)
        return JSONBody(error_body(error.message, **error.extra), status_code=error.status_code)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 404:
            message = f"Unknown endpoint {request.url.path}"
        elif error.status_code == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}; use POST with a JSON body"
        else:
            message = str(error.detail)
        return JSONBody(error_body(message), status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {"loc": ["body"], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return JSONBody(error_body(f"{where}: {first['msg']}"), status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        # Last resort, outside any route (routes answer their own bugs: `api.deps.VecmlRoute`).
        # Starlette re-raises after this answer and the server then drops the connection,
        # so say so: a pooled client opens a new one instead of reusing a dead one.
        mapped = client_error(error)
        if mapped is not None:
            return JSONBody(error_body(mapped.message), status_code=mapped.status_code, headers=_CLOSE)
        return JSONBody(internal_error(error, request.url.path), status_code=500, headers=_CLOSE)
