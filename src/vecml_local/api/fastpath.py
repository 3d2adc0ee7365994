"""Answers already in memory, without the framework: status polls of finished jobs, and the
read-only info/list calls while the database has not changed (services/readcache.py).

Clients poll these in tight loops; FastAPI's middleware, routing, dependency solving and
request objects cost more than the rest of such a request. `FastPathApp` (the app class)
hands exactly the routes below to `MemoryAnswers` before all of that, which does what
their handlers do (`parse_call` then `respond`: key, schema, service call) only when every
step is the plain case: a small JSON body with its length declared, a key checked
recently, a valid request, no rate limit, an answer the service can `peek` from memory.
Anything else (a new key, a bad body, a cache miss) passes through untouched to the full
stack and the real route, which answers it as always. The routes stay the contract: this
table only names the same request models and service methods they use, and the answer is
rendered by the same `JSONBody`, with the same headers. Such a request still gets its log
line and its metrics (`middleware.record_request`).

What a repeated poll would compute again is kept: the validated request of a body seen
before (the same bytes validate the same way) and the rendered bytes of an answer object
(cached answers are the same object until they change).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.types import Message, Receive, Scope, Send

from ..middleware import record_request
from ..schemas.automl import ListAutomlModelInfosRequest
from ..schemas.clustering import ListClusteringModelInfosRequest
from ..schemas.collections import GetCollectionInfoRequest, ListCollectionsRequest
from ..schemas.common import JobRequest
from ..schemas.projects import ListProjectsRequest
from ..services import Services
from .deps import JSONBody

__all__ = ["FastPathApp", "MemoryAnswers", "ROUTES"]

_MAX_BODY = 16 * 1024  # larger bodies are no poll: the normal path reads them
_REMEMBERED = 4096  # bodies and rendered answers kept (cleared whole when full)

# path -> (request model, the service method its route calls)
ROUTES: dict[str, tuple[type[BaseModel], Callable[[Services], Callable[..., Any]]]] = {
    "/api/get_upload_data_status": (JobRequest, lambda s: s.jobs.get_upload_data_status),
    "/api/get_automl_training_status": (JobRequest, lambda s: s.jobs.get_automl_training_status),
    "/api/get_clustering_training_status": (JobRequest, lambda s: s.jobs.get_clustering_training_status),
    "/api/get_collection_info": (GetCollectionInfoRequest, lambda s: s.collections.get_collection_info),
    "/api/list_projects": (ListProjectsRequest, lambda s: s.projects.list_projects),
    "/api/list_collections": (ListCollectionsRequest, lambda s: s.collections.list_collections),
    "/api/list_automl_model_infos": (ListAutomlModelInfosRequest, lambda s: s.automl.list_automl_model_infos),
    "/api/list_clustering_model_infos": (
        ListClusteringModelInfosRequest,
        lambda s: s.clustering.list_clustering_model_infos,
    ),
}


class FastPathApp(FastAPI):
    """FastAPI, except that the routes of `ROUTES` go to `memory_answers` first."""

    memory_answers: MemoryAnswers | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fast = self.memory_answers
        if fast is not None and scope["type"] == "http" and scope["path"] in ROUTES and scope["method"] == "POST":
            handed_on = await fast(scope, receive, send)
            if handed_on is None:
                return  # answered
            receive = handed_on
        await super().__call__(scope, receive, send)


class MemoryAnswers:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._requests: dict[tuple[str, bytes], tuple[Any, BaseModel]] = {}  # (path, body) -> (key, request)
        self._rendered: dict[int, tuple[Any, bytes]] = {}  # id(answer) -> (answer, its JSON)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """None once answered; else the `receive` to hand on (replaying what was read)."""
        started = time.perf_counter()
        services: Services | None = getattr(self.app.state, "services", None)
        if services is None or services.rate_limiter.per_second > 0:
            return receive
        declared, bearer = b"", None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"authorization":
                bearer = value
        limit = min(_MAX_BODY, services.context.settings.max_request_bytes)
        if not declared.isdigit() or int(declared) > limit:
            return receive  # not the plain case (a stream, a big body): the full stack reads it
        body, more = b"", True
        messages = []
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or len(body) > limit:
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        answer = None if more or len(body) > limit else self._answer(scope["path"], body, bearer, services)
        if answer is None:
            return _replay(messages, receive)
        content, fingerprint = answer
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(content)).encode()), (b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": content})
        metrics = getattr(self.app.state, "metrics", None)
        observers = [metrics.request_done] if metrics is not None else []
        record_request(observers, "POST", scope["path"], scope["path"], 200, time.perf_counter() - started, fingerprint)
        return None

    def _answer(self, path: str, body: bytes, bearer: bytes | None, services: Services) -> tuple[bytes, str] | None:
        """(the answer's bytes, the key's fingerprint) when all of it is in memory; else None."""
        seen = self._requests.get((path, body)) or self._validate(path, body)
        if seen is None:
            return None
        key, request = seen
        key = key or _bearer(bearer)
        tenant = services.keys.remembered(key)
        if tenant is None:
            return None
        method = ROUTES[path][1](services)
        peek = getattr(method, "peek", None)
        answer = peek(getattr(method, "__self__", None), tenant, request) if peek is not None else None
        if answer is None:
            return None
        rendered = self._rendered.get(id(answer))
        if rendered is None or rendered[0] is not answer:
            if len(self._rendered) >= _REMEMBERED:
                self._rendered.clear()
            rendered = self._rendered[id(answer)] = (answer, bytes(JSONBody(answer).body))
        return rendered[1], tenant.fingerprint

    def _validate(self, path: str, body: bytes) -> tuple[Any, BaseModel] | None:
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(raw, dict):
            return None
        try:
            request = ROUTES[path][0].model_validate(raw)
        except ValueError:  # pydantic's ValidationError: the route's own 400 names the field
            return None
        if len(self._requests) >= _REMEMBERED:
            self._requests.clear()
        seen = self._requests[(path, body)] = (raw.get("user_api_key"), request)
        return seen


def _bearer(value: bytes | None) -> str | None:
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """`receive` for the app behind: the messages already read, then the rest of the stream."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
