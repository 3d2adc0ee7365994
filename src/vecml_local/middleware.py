"""ASGI middleware: tolerant paths, an early 413 for bodies declared too large, and the
request observer (one log line per request, request metrics)."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import orjson

from .errors import error_body
from .logs import log_event

__all__ = ["PathAndSizeMiddleware", "RequestObserver", "KEY_FINGERPRINT", "record_request"]

access_log = logging.getLogger("vecml_local.access")
KEY_FINGERPRINT = "vecml_key_fingerprint"  # set in scope["state"] by api.deps.parse_call

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
        if path != scope["path"]:  # in place: the request observer outside sees the route matched
            scope["path"], scope["raw_path"] = path, path.encode()
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


class RequestObserver:
    """One log line per HTTP request: method, path, status, duration in ms and the caller's key
    fingerprint (never the key); `observers` get (method, endpoint, status, seconds) too (metrics),
    where endpoint is the path of a matched route, or "other"."""

    def __init__(self, app: Any, observers: list[Any] | None = None) -> None:
        self.app = app
        self.observers = observers if observers is not None else []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with the request copies the app makes: parse_call fills it
        started = time.perf_counter()
        status = 500  # unless the app answers: an exception escaping every handler

        async def observe(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            path = scope.get("path", "")
            state = scope.get("state") or {}
            endpoint = path if scope.get("route") is not None else "other"  # bounded label values
            seconds = time.perf_counter() - started
            record_request(
                self.observers, scope.get("method", ""), path, endpoint, status, seconds, state.get(KEY_FINGERPRINT)
            )


def record_request(
    observers: list[Any], method: str, path: str, endpoint: str, status: int, seconds: float, key: str | None
) -> None:
    """The request's log line, and its figures for the observers (metrics)."""
    log_event(
        access_log,
        logging.INFO,
        "request",
        method=method,
        path=path,
        status=status,
        duration_ms=round(seconds * 1000, 2),
        key=key,
    )
    for observer in observers:
        observer(method, endpoint, status, seconds)
