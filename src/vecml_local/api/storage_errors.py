"""A full or read-only data dir answers 507 from any route.

`errors.client_error` turns a failed write into `InsufficientStorage` (storage/space.py
decides which errors are that); this handler records it in the data dir's
`StorageHealth` (which logs once per state change and feeds `/ready`) and renders it.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from ..errors import InsufficientStorage, error_body
from .deps import JSONBody, services_of

__all__ = ["add_storage_error_handlers"]


def add_storage_error_handlers(app: FastAPI) -> None:
    async def insufficient_storage(request: Request, error: Exception) -> Response:
        assert isinstance(error, InsufficientStorage)
        services_of(request).context.files.space.failed(error.problem)
        return JSONBody(error_body(error.message), status_code=error.status_code)

    app.add_exception_handler(InsufficientStorage, insufficient_storage)
