"""ASGI middleware: tolerant paths and an early 413 for bodies declared too large."""

from __future__ import annotations

import re
from typing import Any

import orjson

from .errors import error_body

__all__ = ["PathAndSizeMiddleware"]

_SLASHES = re.compile(r"/{2,}")


class PathAndSizeMiddleware:
    """Collapse doubled slashes and drop a trailing one (`/api//init/` is `/api/init`);
    refuse a declared Content-Length over the limit before reading a byte of it."""

    def __init__(self, app: Any, max_request_bytes: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _SLASHES.sub("/", scope["path"])
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        if path != scope["path"]:
            scope = dict(scope, path=path, raw_path=path.encode())
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_request_bytes:
            limit_mb = self.max_request_bytes // (1024 * 1024)
            body = orjson.dumps(error_body(f"Request body is larger than the limit of {limit_mb} MB"))
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
